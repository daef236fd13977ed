"""What the region's policy says about the procedure: which period a school's notice and
submission cover, how long the notice stays up, and the recognition windows.

The policy file's ``procedure`` section (``xuefen.policy.schema.Procedure``); a policy
without one uses the defaults: the year where the policy has years (else its first period
type), a 7-day notice, no windows. The binding in force at the school on the period's last
day decides, so a policy replaced from a date governs the periods that end after it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from xuefen.org.models import OrgNode
from xuefen.org.scoping import ancestor_paths
from xuefen.org.services import policy_for
from xuefen.policy import XuefenError
from xuefen.policy.schema import PlanSpec

from .choices import Window
from .models import WindowException

DEFAULT_NOTICE_DAYS = 7
# The period type of plan semesters (``procedure.plan``).
PLAN_PERIOD = "plan_semester"


@dataclass(frozen=True)
class WorkPeriod:
    """A period a school's notice and submission cover (``type`` + ``start`` is its key)."""

    type: str
    start: dt.date
    end: dt.date
    label: str
    title: str = ""

    @property
    def key(self) -> str:
        return f"{self.type}:{self.start.isoformat()}"

    @property
    def name(self) -> str:
        """How pages name it: 2025年度, 2025-2026-1学期."""
        return f"{self.label}{self.title}"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class WindowSpan:
    """A window's dates for one period, and its label."""

    window: str
    opens: dt.date
    closes: dt.date
    label: str


@dataclass(frozen=True)
class Procedure:
    """The procedure in force at a school: the period type, notice days, windows."""

    policy: object
    period_type: str
    title: str
    notice_days: int
    windows: dict[str, object]
    plan: object = None  # PlanSpec: the plan's semesters and its submission window

    def period_of(self, day: dt.date) -> WorkPeriod:
        """The period of the procedure's type that contains ``day``."""
        period = self.policy.period_types[self.period_type].period_of(day)  # type: ignore[attr-defined]
        return WorkPeriod(self.period_type, period.start, period.end, period.label, self.title)

    def plan_period_of(self, day: dt.date) -> WorkPeriod:
        """The plan semester containing ``day`` (``procedure.plan.anchors``)."""
        from xuefen.policy.periods import PeriodType

        spec = self.plan or PlanSpec()
        kind = PeriodType(PLAN_PERIOD, list(spec.anchors), spec.label)  # type: ignore[attr-defined]
        period = kind.period_of(day)
        return WorkPeriod(PLAN_PERIOD, period.start, period.end, period.label, spec.label)  # type: ignore[attr-defined]

    def span(self, window: str, period: WorkPeriod) -> WindowSpan | None:
        """The window's dates for ``period``; None where the policy sets no such window."""
        if window == Window.PLAN:
            days = getattr(self.plan, "submit_days", None)
            if days is None:
                return None
            closes = period.start + dt.timedelta(days=days - 1)
            return WindowSpan(window, period.start, closes, str(Window.PLAN.label))
        spec = self.windows.get(window)
        if spec is None:
            return None
        year = period.end.year + spec.year  # type: ignore[attr-defined]
        opens = _md(year, spec.start)  # type: ignore[attr-defined]
        closes = _md(year, spec.end)  # type: ignore[attr-defined]
        return WindowSpan(window, opens, closes, spec.label or Window(window).label)  # type: ignore[attr-defined]


def _md(year: int, md: str) -> dt.date:
    month, day = (int(x) for x in md.split("-"))
    while True:  # 02-29 in a common year, 04-31: the month's last day
        try:
            return dt.date(year, month, day)
        except ValueError:
            day -= 1


def procedure_at(school: OrgNode, day: dt.date) -> Procedure | None:
    """The procedure of the policy in force at ``school`` on ``day`` (None without one)."""
    binding = policy_for(node=school, day=day)
    if binding is None:
        return None
    try:
        policy = binding.load()
    except (XuefenError, ValueError, OSError):
        return None
    spec = getattr(policy.spec, "procedure", None)
    types = policy.period_types
    if spec is not None:
        period_type, days, windows = spec.period, spec.notice_days, dict(spec.windows)
        plan = spec.plan
    else:
        period_type = "year" if "year" in types else next(iter(types), "")
        days, windows, plan = DEFAULT_NOTICE_DAYS, {}, _default_plan(policy)
    if period_type not in types:
        return None
    title = str(getattr(policy.spec.periods[period_type], "label", "") or period_type)
    return Procedure(policy, period_type, title, days, windows, plan)


def _default_plan(policy: object) -> PlanSpec:
    """Without a ``procedure``: the policy's own semesters where it has them, no window."""
    semester = getattr(policy.spec, "periods", {}).get("semester")  # type: ignore[attr-defined]
    if semester is not None:
        return PlanSpec(anchors=list(semester.anchors), label=semester.label)
    return PlanSpec()


def parse_period_key(school: OrgNode, key: str | None, *, today: dt.date) -> WorkPeriod | None:
    """The school's work period named ``type:YYYY-MM-DD`` (its start), or None if the key
    names no period of the procedure in force on that day."""
    if not key or not isinstance(key, str) or ":" not in key:
        return None
    kind, _sep, start_text = key.partition(":")
    try:
        start = dt.date.fromisoformat(start_text)
    except ValueError:
        return None
    procedure = procedure_at(school, start)
    if procedure is None or procedure.period_type != kind:
        return None
    period = procedure.period_of(start)
    return period if period.start == start else None


def recent_periods(school: OrgNode, *, today: dt.date, count: int = 4) -> list[WorkPeriod]:
    """The current work period and the ones before it, newest first (what pages offer)."""
    periods: list[WorkPeriod] = []
    day = today
    for _step in range(count):
        procedure = procedure_at(school, day)
        if procedure is None:
            break
        period = procedure.period_of(day)
        periods.append(period)
        day = period.start - dt.timedelta(days=1)
    return periods


def window_open(
    *, school: OrgNode, window: str, period: WorkPeriod, today: dt.date
) -> tuple[bool, WindowSpan | None, WindowException | None]:
    """Whether ``window`` is open today for ``school``'s ``period``: (open, its span, the
    exception that opens it). No window set → always open once the period has begun."""
    procedure = procedure_at(school, period.start if window == Window.PLAN else period.end)
    span = procedure.span(window, period) if procedure is not None else None
    if span is None or span.opens <= today <= span.closes:
        return True, span, None
    exception = (
        WindowException.objects.filter(
            node__path__in=ancestor_paths(school.path),
            window=window,
            period_type=period.type,
            start=period.start,
            open_until__gte=today,
        )
        .order_by("-open_until")
        .first()
    )
    return exception is not None, span, exception


def check_window(
    *, school: OrgNode, window: str | None, period: WorkPeriod, today: dt.date
) -> None:
    """Refuse an action outside its window, saying which window and when it opens."""
    if window is None:
        return
    is_open, span, _exception = window_open(
        school=school, window=window, period=period, today=today
    )
    if is_open or span is None:
        return
    raise ValidationError(
        _(
            "%(label)s for %(period)s runs from %(opens)s to %(closes)s; today is "
            "%(today)s. The county can open an exception."
        )
        % {
            "label": span.label,
            "period": period.name,
            "opens": span.opens.isoformat(),
            "closes": span.closes.isoformat(),
            "today": today.isoformat(),
        }
    )
