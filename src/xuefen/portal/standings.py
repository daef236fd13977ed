"""What the pages show of the engine's results, arranged for reading.

Every number comes from the stored results (:mod:`xuefen.results.selectors`), which the
worker keeps up to date from the records; nothing here adds hours or credits. The only
arithmetic is counting verdicts for a school (how many teachers the engine found compliant
this year) and the 普洱 20% rule built on that count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.db.models import Count

from xuefen.catalog.choices import Mode, Module
from xuefen.org.choices import NodeKind
from xuefen.org.models import OrgNode, Teacher
from xuefen.org.services import policy_for
from xuefen.policy import XuefenError
from xuefen.results.models import TeacherPeriod
from xuefen.results.selectors import period_rows, school_periods, stale_ids

# 普洱 (seeds/004): 「学校未完成年度学分的教师达到20%及以上的，不得参加当年集体评优评先」.
COLLECTIVE_AWARD_SHORT_SHARE = Fraction(1, 5)

MODES = [(m.value, m.label) for m in Mode]
MODULES = [(m.value, m.label) for m in Module]


def _requirement_rows(requirements: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The engine's requirement checks with a bar width for the template (0–100)."""
    rows = []
    for req in requirements:
        required = req.get("required") or 0
        actual = req.get("actual") or 0
        width = 100 if not required else max(0, min(100, round(100 * actual / required)))
        rows.append({**req, "bar": width})
    return rows


@dataclass
class PeriodView:
    """One period (a year or the cycle) as the teacher page shows it."""

    period: dict[str, Any]
    modes: list[dict[str, Any]]
    modules: list[dict[str, Any]]
    requirements: list[dict[str, Any]]

    @property
    def compliant(self) -> bool:
        return bool(self.period.get("compliant"))

    @property
    def short_count(self) -> int:
        return sum(1 for r in self.requirements if not r.get("met"))


def period_view(period: dict[str, Any] | None) -> PeriodView | None:
    """Arrange one engine period for display: per mode, per module, each requirement."""
    if not period:
        return None
    hours = period.get("hours", {})
    credits = period.get("credits", {})
    modes = [
        {"key": key, "label": label, "hours": hours.get(key), "credits": credits.get(key)}
        for key, label in MODES
        if key in hours or key in credits
    ]
    modules = [
        {"key": key, "label": label, "credits": period["modules"][key]}
        for key, label in MODULES
        if key in period.get("modules", {})
    ]
    return PeriodView(
        period=period,
        modes=modes,
        modules=modules,
        requirements=_requirement_rows(period.get("requirements", [])),
    )


@dataclass
class PeriodChoice:
    """A period a page shows: its type and start (the key of stored rows) and label."""

    type: str
    start: dt.date
    end: dt.date
    label: str


def current_period(node: OrgNode, day: dt.date, period_type: str = "year") -> PeriodChoice | None:
    """The period of ``period_type`` containing ``day`` under the policy in force at
    ``node`` (None where no policy is bound, or it has no such period)."""
    binding = policy_for(node=node, day=day)
    if binding is None:
        return None
    try:
        period = binding.load().period_of(day, period_type)
    except (KeyError, XuefenError):
        return None
    return PeriodChoice(type=period.type, start=period.start, end=period.end, label=period.label)


@dataclass
class RosterRow:
    """One teacher of a roster with their stored figures for the period."""

    teacher: Teacher
    figures: TeacherPeriod | None
    judged: bool
    updating: bool = False

    @property
    def compliant(self) -> bool | None:
        """The period's verdict; None where nothing can be judged (no policy in force).
        A teacher without figures in a judged period has earned nothing: not met."""
        if not self.judged:
            return None
        return bool(self.figures is not None and self.figures.compliant)

    @property
    def short(self) -> list[dict[str, Any]]:
        """The period's unmet requirements, as the engine reported them."""
        return list(self.figures.short) if self.figures is not None else []


def roster_rows(teachers: Sequence[Teacher], period: PeriodChoice | None) -> list[RosterRow]:
    """The roster's rows from the stored figures: two queries whatever the roster's size."""
    if period is None:
        return [RosterRow(teacher=t, figures=None, judged=False) for t in teachers]
    figures = period_rows(teachers=teachers, period_type=period.type, start=period.start)
    updating = stale_ids(teachers)
    return [
        RosterRow(teacher=t, figures=figures.get(t.pk), judged=True, updating=t.pk in updating)
        for t in teachers
    ]


@dataclass
class SchoolSummary:
    """A school in a region's table: how many teachers the engine found compliant."""

    school: OrgNode
    area: str
    teachers: int = 0
    compliant: int = 0
    pending_compliant: int = 0

    @property
    def short(self) -> int:
        """Teachers who miss the period's requirements (no figures counts as missing: a
        teacher without any result has earned nothing)."""
        return self.teachers - self.compliant

    @property
    def rate(self) -> Fraction | None:
        """Share of teachers meeting the period's requirements (None: no teachers)."""
        return Fraction(self.compliant, self.teachers) if self.teachers else None

    @property
    def rate_percent(self) -> str:
        return "—" if self.rate is None else f"{float(self.rate) * 100:.1f}%"

    @property
    def barred_from_awards(self) -> bool:
        """普洱's 20% rule: 20% or more of the teachers miss the year's credits."""
        return bool(self.teachers) and Fraction(self.short, self.teachers) >= (
            COLLECTIVE_AWARD_SHORT_SHARE
        )


def school_summaries(
    schools: Sequence[OrgNode], period: PeriodChoice | None, region: OrgNode
) -> list[SchoolSummary]:
    """Each school under a region from the stored summaries: a fixed number of queries,
    one row per school, whatever the number of teachers.

    ``area`` names the node between the region and the school (a county or a 片区), read
    from the school's ancestors without a query per school.
    """
    ids = [s.pk for s in schools]
    active = dict(
        Teacher.objects.filter(school_id__in=ids, active=True)
        .values("school_id")
        .annotate(n=Count("pk"))
        .values_list("school_id", "n")
    )
    stored = (
        school_periods(schools=schools, period_type=period.type, start=period.start)
        if period is not None
        else {}
    )
    area_names = {
        node.path: node.name
        for node in OrgNode.objects.filter(
            path__startswith=region.path,
            kind__in=[NodeKind.COUNTY, NodeKind.GROUP],
        ).exclude(pk=region.pk)
    }
    summaries = []
    for school in schools:
        parts = [p for p in school.path.split("/") if p]
        area = ""
        for depth in range(len(parts) - 1, 0, -1):
            name = area_names.get("/" + "/".join(parts[:depth]) + "/")
            if name:
                area = name if not area else f"{name} · {area}"
        row = stored.get(school.pk)
        summaries.append(
            SchoolSummary(
                school=school,
                area=area,
                teachers=active.get(school.pk, 0),
                compliant=row.compliant if row else 0,
                pending_compliant=row.pending_compliant if row else 0,
            )
        )
    return summaries
