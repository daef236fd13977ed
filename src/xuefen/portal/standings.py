"""What the pages show of the engine's results, arranged for reading.

Every number comes from the results service (:mod:`xuefen.results.services`), which runs the
policy engine over the stored records; nothing here adds hours or credits. The only
arithmetic is counting verdicts for a school (how many teachers the engine found compliant
this year) and the 普洱 20% rule built on that count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from xuefen.catalog.choices import Mode, Module
from xuefen.org.choices import NodeKind
from xuefen.org.models import OrgNode, Teacher
from xuefen.results.services import Standing, teachers_results

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
class RosterRow:
    """One teacher of a roster with the engine's verdict on this year."""

    teacher: Teacher
    standing: Standing
    year: dict[str, Any] | None

    @property
    def compliant(self) -> bool | None:
        """This year's verdict; None where the engine gave no result (no policy, error)."""
        return None if self.year is None else bool(self.year.get("compliant"))

    @property
    def short(self) -> list[dict[str, Any]]:
        """This year's unmet requirements, as the engine reported them."""
        return [r for r in (self.year or {}).get("requirements", []) if not r.get("met")]


def roster_rows(teachers: Sequence[Teacher], as_of: dt.date) -> list[RosterRow]:
    """The roster's rows, every teacher evaluated in one bulk call of the results service."""
    standings = teachers_results(teachers=teachers, as_of=as_of)
    return [
        RosterRow(
            teacher=t,
            standing=standings[t.pk],
            year=standings[t.pk].period(as_of, period_type="year"),
        )
        for t in teachers
    ]


@dataclass
class SchoolSummary:
    """A school in a region's table: how many teachers the engine found compliant."""

    school: OrgNode
    area: str
    teachers: int = 0
    compliant: int = 0
    unjudged: int = 0
    rows: list[RosterRow] = field(default_factory=list, repr=False)

    @property
    def short(self) -> int:
        """Teachers who miss this year's requirements (no verdict counts as missing: a
        teacher without any result has earned nothing this year)."""
        return self.teachers - self.compliant

    @property
    def rate(self) -> Fraction | None:
        """Share of teachers meeting this year's requirements (None: no teachers)."""
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
    schools: Sequence[OrgNode], teachers: Sequence[Teacher], as_of: dt.date, region: OrgNode
) -> list[SchoolSummary]:
    """Completion of each school under a region: one bulk evaluation of all its teachers.

    ``area`` names the node between the region and the school (a county or a 片区), read
    from the school's ancestors without a query per school.
    """
    rows = roster_rows(teachers, as_of)
    by_school: dict[int, list[RosterRow]] = {}
    for row in rows:
        by_school.setdefault(row.teacher.school_id, []).append(row)
    area_names = {
        node.path: node.name
        for node in OrgNode.objects.filter(
            path__startswith=region.path,
            kind__in=[NodeKind.COUNTY, NodeKind.GROUP],
        ).exclude(pk=region.pk)
    }
    summaries = []
    for school in schools:
        school_rows = by_school.get(school.pk, [])
        parts = [p for p in school.path.split("/") if p]
        area = ""
        for depth in range(len(parts) - 1, 0, -1):
            name = area_names.get("/" + "/".join(parts[:depth]) + "/")
            if name:
                area = name if not area else f"{name} · {area}"
        summaries.append(
            SchoolSummary(
                school=school,
                area=area,
                teachers=len(school_rows),
                compliant=sum(1 for r in school_rows if r.compliant),
                unjudged=sum(1 for r in school_rows if r.compliant is None),
                rows=school_rows,
            )
        )
    return summaries
