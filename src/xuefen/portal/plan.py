"""The teacher's next step: what is still missing in the periods running today, and which
open training projects would close each gap (a plan, not only a bar).

Nothing here adds hours or credits. The gaps are the engine's unmet requirements from the
stored results (:mod:`xuefen.results.selectors`), on both bases: certified, and with the
records awaiting review. What a project would contribute is asked of the engine too: the
project's ``training`` record, as a teacher would declare it today, is evaluated alone
under the policy in force, and the requirement's figure in that probe (its ``actual``) is
what the project adds to that requirement — so the policy's own filters (mode, module,
level ≥ county, self-selected share, the head teacher's class-management hours…) decide
which projects match, and nothing here repeats them.

A project is offered when the teacher may see it (published by the school or a region
above it, the rule of ``records.services.record_validate``), it and its institution are
approved, its enrolment has not closed, and the teacher has no record of it yet. One query
for the projects (and one for the record ids it excludes, as a subquery), whatever the
number of gaps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q
from django.utils.translation import gettext as _

from xuefen.catalog.choices import ApprovalStatus
from xuefen.catalog.models import Project
from xuefen.org.models import Teacher
from xuefen.org.scoping import ancestor_paths, restrict
from xuefen.records.models import Record
from xuefen.results.selectors import Standing

# Suggestions per gap, and projects weighed at most (the soonest-closing first).
SUGGESTIONS_PER_GAP = 5
MAX_CANDIDATES = 200

UNITS = {
    "hours": "hours",
    "practice_hours": "hours",
    "credits": "credits",
    "count": "times",
}


@dataclass
class Suggestion:
    """An open project and what it would add to one gap (``closes``, in the gap's unit;
    for a share: the credits that would count towards it)."""

    project: Project
    closes: float
    hours: float
    credits: float


@dataclass
class Gap:
    """One unmet requirement of a period running today.

    ``shortfall``: what is missing counting certified records; ``remaining``: what is
    still missing once the records awaiting review are approved (``awaiting`` is the
    difference); ``suggestions``: projects that would close ``remaining``, best first.
    """

    id: str
    label: str
    measure: str
    required: float
    actual: float
    shortfall: float
    remaining: float
    pending_actual: float
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def unit(self) -> str:
        """学时, 学分 or 次 (empty for a share)."""
        return {"hours": _("hours"), "credits": _("credits"), "times": _("times")}.get(
            UNITS.get(self.measure, ""), ""
        )

    @property
    def is_share(self) -> bool:
        return self.measure == "share"

    @property
    def awaiting(self) -> float:
        """How much of the gap the records awaiting review would close."""
        return max(0.0, round(self.shortfall - self.remaining, 4))

    @property
    def closed_by_pending(self) -> bool:
        return self.remaining <= 1e-9


@dataclass
class PlanPeriod:
    """A period running today (this year, this cycle…) and its gaps."""

    type: str
    name: str
    start: str
    end: str
    hours: float
    credits: float
    pending_hours: float
    pending_credits: float
    gaps: list[Gap] = field(default_factory=list)

    @property
    def is_year(self) -> bool:
        return self.type == "year"

    @property
    def is_cycle(self) -> bool:
        return self.type == "cycle"

    @property
    def pending_differs(self) -> bool:
        return (self.pending_hours, self.pending_credits) != (self.hours, self.credits)


@dataclass
class Plan:
    """The teacher's next step: the periods running today with their gaps."""

    as_of: dt.date
    periods: list[PlanPeriod] = field(default_factory=list)

    @property
    def gap_count(self) -> int:
        return sum(len(p.gaps) for p in self.periods)

    @property
    def complete(self) -> bool:
        return bool(self.periods) and self.gap_count == 0


def _current_periods(result: dict[str, Any] | None, day: str) -> list[dict[str, Any]]:
    """The engine's periods containing ``day`` (the cycle last)."""
    if not result:
        return []
    found = [p for p in result.get("periods", []) if p["start"] <= day <= p["end"]]
    cycle = result.get("cycle")
    if cycle and cycle["start"] <= day <= cycle["end"]:
        found.append(cycle)
    return found


def _same_period(result: dict[str, Any] | None, period: dict[str, Any]) -> dict[str, Any]:
    for p in _current_periods(result, period["start"]):
        if p.get("type") == period.get("type") and p["start"] == period["start"]:
            return p
    return {}


def _period_name(period: dict[str, Any]) -> str:
    label = period.get("period", "")
    if period.get("type") == "year":
        return _("This year (%(year)s)") % {"year": label}
    if period.get("type") == "cycle":
        return _("This cycle (%(period)s)") % {"period": label}
    return _("This period (%(period)s)") % {"period": label}


def teacher_gaps(standing: Standing) -> list[PlanPeriod]:
    """The periods running on ``standing.as_of`` with their unmet requirements, on both
    bases (from the stored results; no query)."""
    day = standing.as_of.isoformat()
    periods = []
    for period in _current_periods(standing.result, day):
        pending = _same_period(standing.pending, period)
        pending_checks = {r["id"]: r for r in pending.get("requirements", [])}
        gaps = []
        for req in period.get("requirements", []):
            if req.get("met") or req.get("required") is None:
                continue  # met, or over a maximum: no project closes that
            if req["actual"] > req["required"]:
                continue  # only a maximum is exceeded
            later = pending_checks.get(req["id"], req)
            remaining = 0.0 if later.get("met") else float(later.get("shortfall") or 0)
            gaps.append(
                Gap(
                    id=req["id"],
                    label=req["label"],
                    measure=req["measure"],
                    required=float(req["required"]),
                    actual=float(req["actual"]),
                    shortfall=float(req["shortfall"]),
                    remaining=min(remaining, float(req["shortfall"])),
                    pending_actual=float(later.get("actual") or 0),
                )
            )
        periods.append(
            PlanPeriod(
                type=period.get("type", ""),
                name=_period_name(period),
                start=period["start"],
                end=period["end"],
                hours=float(period.get("hours", {}).get("total", 0)),
                credits=float(period.get("credits", {}).get("total", 0)),
                pending_hours=float((pending or period).get("hours", {}).get("total", 0)),
                pending_credits=float((pending or period).get("credits", {}).get("total", 0)),
                gaps=gaps,
            )
        )
    return periods


def open_projects(*, fetched_by: Any, teacher: Teacher, as_of: dt.date) -> list[Project]:
    """Projects the teacher could still take: visible to them (published by their school
    or a region above it), approved with an approved institution (or none), enrolment
    not closed, and no record of theirs yet. One query."""
    school_path = teacher.school.path
    offered = Q(publisher__path__in=ancestor_paths(school_path)) | Q(
        publisher__path__startswith=school_path
    )
    taken = Record.objects.filter(teacher_id=teacher.pk, project__isnull=False).values("project_id")
    return list(
        restrict(Project, fetched_by, "view")
        .filter(offered, approval_status=ApprovalStatus.APPROVED)
        .filter(Q(institution__isnull=True) | Q(institution__approved=True))
        .filter(Q(enrol_to__isnull=True) | Q(enrol_to__gte=as_of))
        .exclude(pk__in=taken)
        .select_related("institution", "publisher")
        .order_by(F("enrol_to").asc(nulls_last=True), "-pk")[:MAX_CANDIDATES]
    )


def _probe(policy: Any, teacher: Teacher, project: Project, as_of: dt.date) -> dict[str, Any]:
    """The engine's view of one record of ``project`` for this teacher today: its hours
    and credits, and each requirement's figure (id → actual) in the periods it falls in."""
    record = {
        **project.engine_defaults(),
        "id": f"project-{project.pk}",
        "kind": "training",
        "date": as_of.isoformat(),
    }
    profile = {
        "id": "plan",
        "first_year": teacher.first_year,
        "head_teacher": teacher.head_teacher,
        "records": [record],
    }
    from xuefen.policy import InputError

    try:
        result = policy.evaluate_teacher(profile, as_of)
    except InputError:
        return {}
    verdict = (result.get("records") or [{}])[0]
    if not verdict.get("counted"):
        return {}
    figures: dict[tuple[str, str], float] = {}
    for period in _current_periods(result, as_of.isoformat()):
        for req in period.get("requirements", []):
            figures[(period.get("type", ""), req["id"])] = float(req.get("actual") or 0)
    return {"hours": verdict.get("hours", 0), "credits": verdict.get("credits", 0), **figures}


def teacher_plan(*, fetched_by: Any, teacher: Teacher, standing: Standing) -> Plan:
    """The teacher's next step (see the module docstring)."""
    as_of = standing.as_of
    plan = Plan(as_of=as_of, periods=teacher_gaps(standing))
    open_gaps = [(p, g) for p in plan.periods for g in p.gaps if not g.closed_by_pending]
    if not open_gaps or standing.binding is None:
        return plan
    projects = open_projects(fetched_by=fetched_by, teacher=teacher, as_of=as_of)
    if not projects:
        return plan
    policy = standing.binding.load()
    probes = {p.pk: _probe(policy, teacher, p, as_of) for p in projects}
    for period, gap in open_gaps:
        scored = []
        for project in projects:
            probe = probes[project.pk]
            adds = probe.get((period.type, gap.id), 0.0)
            if adds <= 1e-9:
                continue
            closes = probe["credits"] if gap.is_share else min(adds, gap.remaining)
            scored.append(
                Suggestion(
                    project=project,
                    closes=round(closes, 2),
                    hours=probe["hours"],
                    credits=probe["credits"],
                )
            )
        # Most closed first; then the one whose enrolment closes soonest (the projects
        # come ordered so); the sort is stable.
        scored.sort(key=lambda s: -s.closes)
        gap.suggestions = scored[:SUGGESTIONS_PER_GAP]
    return plan
