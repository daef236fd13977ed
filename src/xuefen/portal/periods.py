"""Which period a page shows: the choices the region's policy defines, and the one the URL
asks for (``?period=year:2025-01-01``).

One place for the roster, the region table and the teacher page. The choices come from the
policy in force today at the page's node: the periods of each type it reports (years,
school years, semesters) over the current and the previous :data:`YEARS_BACK` years, and
the current and previous cycle. In January a school reports the year that just ended by
picking it. A value that is not one of the choices (a typo, a date that starts no period,
a type the policy does not know) falls back to the default, the current year (or the
current period of the policy's first type where it has no years): never an error.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from xuefen.org.models import OrgNode, PolicyBinding
from xuefen.org.services import binding_in_force, bindings_over
from xuefen.policy import XuefenError

# How many years before the current one the picker offers.
YEARS_BACK = 5
DEFAULT_TYPE = "year"
CYCLE = "cycle"
_VALUE = re.compile(r"^([a-z_]{1,20}):(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class PeriodChoice:
    """A period a page shows: its type and start (the key of the stored rows), its end,
    the engine's label (``2025``, ``2025-2026-1``, ``2021-2025``) and the policy's name of
    the type (年度, 学期, 周期)."""

    type: str
    start: dt.date
    end: dt.date
    label: str
    title: str = ""

    @property
    def key(self) -> str:
        """The URL value: ``year:2025-01-01``."""
        return f"{self.type}:{self.start.isoformat()}"

    @property
    def name(self) -> str:
        """How pages name it: 2025年度, 2025-2026-1学期, 2021-2025周期."""
        return f"{self.label}{self.title}"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass
class PeriodPicker:
    """The periods a page offers and the one it shows (``selected``; None only where no
    policy is in force at the node)."""

    today: dt.date
    binding: PolicyBinding | None = None
    choices: list[PeriodChoice] = field(default_factory=list)
    selected: PeriodChoice | None = None
    default: PeriodChoice | None = None

    @property
    def groups(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """The choices by type, in the policy's order, for ``<optgroup>``s: each as
        ``{"choice", "selected", "current"}`` (``current``: the period running today)."""
        groups: dict[str, list[dict[str, Any]]] = {}
        for choice in self.choices:
            groups.setdefault(choice.title or choice.type, []).append(
                {
                    "choice": choice,
                    "selected": choice == self.selected,
                    "current": choice.contains(self.today),
                }
            )
        return list(groups.items())

    @property
    def is_current(self) -> bool:
        """Whether the period shown is the one running today."""
        return self.selected is not None and self.selected.contains(self.today)

    @property
    def is_default(self) -> bool:
        return self.selected == self.default

    @property
    def is_year(self) -> bool:
        """Whether a year is shown (the 普洱 20% rule is about the year's credits)."""
        return self.selected is not None and self.selected.type == DEFAULT_TYPE


def _choices(policy: object, today: dt.date, earliest: dt.date) -> list[PeriodChoice]:
    """Each reported type's periods from YEARS_BACK years ago to today, newest first, then
    the current and the previous cycle; nothing that ends before ``earliest``."""
    period_types = getattr(policy, "period_types", {})
    reported = [t for t in getattr(policy, "report_periods", []) if t in period_types]
    horizon = max(dt.date(today.year - YEARS_BACK, 1, 1), earliest)
    choices: list[PeriodChoice] = []
    for name in reported or list(period_types):
        title = str(getattr(period_types[name], "title", name))
        day = today
        for _step in range(4 * (YEARS_BACK + 1)):  # at most a few periods a year
            period = period_types[name].period_of(day)
            if period.end < horizon:
                break
            choices.append(PeriodChoice(name, period.start, period.end, period.label, title))
            day = period.start - dt.timedelta(days=1)
    cycle = getattr(policy, "cycle", None)
    if cycle is not None:
        spec = getattr(getattr(policy, "spec", None), "cycle", None)
        title = str(getattr(spec, "label", "") or _("cycle"))
        current = cycle.period_of(today)
        for period in (current, cycle.period_of(current.start - dt.timedelta(days=1))):
            if period.end >= earliest:
                choices.append(PeriodChoice(CYCLE, period.start, period.end, period.label, title))
    return choices


def period_picker(node: OrgNode, *, value: str | None, today: dt.date) -> PeriodPicker:
    """The periods to offer at ``node`` and the one ``value`` (the URL's ``period``) asks
    for, or the default where it asks for none or for something that is no choice."""
    bindings = bindings_over(node)
    binding = binding_in_force(bindings, today)
    picker = PeriodPicker(today=today, binding=binding)
    if binding is None:
        return picker
    try:
        policy = binding.load()
    except (XuefenError, ValueError, OSError):
        return picker
    earliest = min(b.valid_from for b in bindings)
    picker.choices = _choices(policy, today, earliest)
    current = [c for c in picker.choices if c.contains(today)]
    picker.default = next((c for c in current if c.type == DEFAULT_TYPE), None) or next(
        iter(current), None
    )
    picker.selected = parse_period(value, picker.choices) or picker.default
    return picker


def parse_period(value: str | None, choices: list[PeriodChoice]) -> PeriodChoice | None:
    """The choice ``value`` names (``type:YYYY-MM-DD``), or None if it names none."""
    if not value or not isinstance(value, str):
        return None
    match = _VALUE.match(value.strip())
    if match is None:
        return None
    try:
        start = dt.date.fromisoformat(match.group(2))
    except ValueError:
        return None
    for choice in choices:
        if choice.type == match.group(1) and choice.start == start:
            return choice
    return None
