"""Reads of school-based training that pages share (services push, selectors pull). Each
section belongs to one part (plans, activities, sign-in, board); every query goes through
the user's scope (out of scope is a 404)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from xuefen.credits.procedure import PLAN_PERIOD, WorkPeriod, procedure_at
from xuefen.org.choices import NodeKind
from xuefen.org.models import OrgNode
from xuefen.org.scoping import get_scoped_or_404, restrict

from .choices import (
    REQUIRED_MATERIALS,
    ActivityStatus,
    ActivityType,
    Attendance,
    LeaveStatus,
    MaterialKind,
    PlanStatus,
    RoleKind,
)
from .models import Activity, ActivityRole, LeaveRequest, Material, Participation, Plan

# -- sign-in (activities.signin; pages in activities.signin_views) ------------------------


def signin_activity(*, fetched_by: Any, pk: int) -> Activity:
    """An activity the user may see (404 otherwise), with its school and presenter."""
    return get_scoped_or_404(
        Activity.objects.select_related("school", "presenter"), fetched_by, "view", pk=pk
    )


def own_participation(*, fetched_by: Any, activity: Activity) -> Participation | None:
    """The user's own participation in ``activity`` (None: not a participant)."""
    if not fetched_by.is_authenticated:
        return None
    return (
        Participation.objects.select_related("teacher")
        .filter(activity_id=activity.pk, teacher__user_id=fetched_by.pk)
        .first()
    )


def participant_of(*, activity: Activity, teacher_pk: int) -> Participation | None:
    """The participation of teacher ``teacher_pk`` in ``activity`` (the presenter's scan;
    the caller has checked that the user runs the activity's sign-in)."""
    return (
        Participation.objects.select_related("teacher")
        .filter(activity_id=activity.pk, teacher_id=teacher_pk)
        .first()
    )


def signin_counts(activity: Activity) -> dict[str, int]:
    """Signed in, expected (every participant not on leave) and flagged: one query."""
    return Participation.objects.filter(activity_id=activity.pk).aggregate(
        present=Count("pk", filter=Q(state=Attendance.PRESENT)),
        expected=Count("pk", filter=~Q(state=Attendance.LEAVE)),
        flagged=Count("pk", filter=Q(flagged=True)),
    )


def flagged_participations(activity: Activity) -> list[Participation]:
    """Sign-ins of one device for several people, for the administrator to check."""
    return list(
        Participation.objects.select_related("teacher", "signed_by")
        .filter(activity_id=activity.pk, flagged=True)
        .order_by("device", "signed_at", "pk")
    )


def signin_rows(activity: Activity) -> list[Participation]:
    """Every participant with their sign-in, not yet signed in first (the manual page)."""
    rows = list(
        Participation.objects.select_related("teacher", "signed_by").filter(activity_id=activity.pk)
    )
    rows.sort(key=lambda r: (r.state == Attendance.PRESENT, r.teacher.name_pinyin, r.pk))
    return rows


# -- plans (activities.plans; pages in activities.plan_views) -----------------------------
# Imports are local to this section so that the parts never edit one another's lines.


def plan_schools(*, fetched_by: Any) -> Any:
    """Schools whose plans the user administers or submits (school staff; the county's
    staff over them), by position in the tree."""
    from xuefen.org.choices import NodeKind
    from xuefen.org.models import OrgNode
    from xuefen.org.scoping import restrict

    return restrict(OrgNode, fetched_by, "review").filter(kind=NodeKind.SCHOOL).order_by("path")


def plan_list(*, fetched_by: Any, school: Any) -> list[Any]:
    """The school's plans the user may see, newest semester first (one query)."""
    from xuefen.org.scoping import restrict

    from .models import Plan

    return list(
        restrict(Plan, fetched_by, "view")
        .filter(school_id=school.pk)
        .select_related("decided_by")
        .order_by("-start", "-pk")
    )


def plan_get(*, fetched_by: Any, pk: int, action: str = "view") -> Any:
    """One plan the user may ``action`` (404 otherwise), with its school."""
    from .models import Plan

    return get_scoped_or_404(
        Plan.objects.select_related("school", "decided_by", "created_by"),
        fetched_by,
        action,
        pk=pk,
    )


def plan_history(*, fetched_by: Any, plan: Any) -> list[Any]:
    """The plan's audit entries the user may see (staff only), oldest first: who wrote,
    submitted, approved or returned it, and the reasons."""
    from django.contrib.contenttypes.models import ContentType

    from xuefen.audit.models import AuditEntry
    from xuefen.org.scoping import restrict

    from .models import Plan

    return list(
        restrict(AuditEntry, fetched_by, "view")
        .filter(target_type=ContentType.objects.get_for_model(Plan), target_id=str(plan.pk))
        .select_related("actor")
        .order_by("created_at", "pk")
    )


def county_plans(*, fetched_by: Any, status: str | None = None) -> Any:
    """Plans of the schools under the user's region that the user may judge (``certify``),
    in ``status`` (every status but drafts when None), oldest submission first."""
    from django.db.models import F

    from xuefen.org.scoping import restrict

    from .choices import PlanStatus
    from .models import Plan

    qs = restrict(Plan, fetched_by, "certify").select_related("school", "decided_by")
    qs = qs.filter(status=status) if status else qs.exclude(status=PlanStatus.DRAFT)
    return qs.order_by(F("submitted_at").asc(nulls_last=True), "school__path", "-start")


def certifying_regions(schools: Any) -> dict[int, Any]:
    """The certifying office (nearest county, or city) of each school, one query for all:
    ``{school id: region}``."""
    from xuefen.org.choices import NodeKind
    from xuefen.org.models import OrgNode
    from xuefen.org.scoping import ancestor_paths

    schools = list(schools)
    paths = {p for s in schools for p in ancestor_paths(s.path) if p != s.path}
    regions = {
        node.path: node
        for node in OrgNode.objects.filter(
            path__in=sorted(paths), kind__in=[NodeKind.COUNTY, NodeKind.CITY]
        )
    }
    found: dict[int, Any] = {}
    for school in schools:
        above_it = [regions[p] for p in ancestor_paths(school.path) if p in regions]
        if above_it:
            found[school.pk] = max(above_it, key=lambda n: len(n.path))
    return found


# -- the teacher's calendar and the school's semester board (helper D) -------------------
# (pages in activities.board_views; the school sheets read semester_board)

# Themed activities each subject group holds a semester when the policy says nothing:
# 平阳 三(一) “各学科教研组每学期开展不少于3次的基于学科特点的主题研讨活动” (and 附件1
# 过程管理 2). A policy's ``procedure.plan.group_activities`` overrides it (docs/board.md).
DEFAULT_GROUP_ACTIVITIES = 3
# Before its start, the sign-in of an activity opens this early (when the sign-in part
# is not installed).
SIGN_OPENS_BEFORE = dt.timedelta(minutes=30)
# The calendar shows at most this many coming activities and past participations.
CALENDAR_UPCOMING = 60
CALENDAR_PAST = 150
GROUP_KINDS = (NodeKind.SUBJECT_GROUP, NodeKind.LESSON_GROUP)


def plan_period(school: OrgNode, day: dt.date) -> WorkPeriod | None:
    """The plan semester containing ``day`` at ``school`` (None without a policy)."""
    procedure = procedure_at(school, day)
    return procedure.plan_period_of(day) if procedure is not None else None


def plan_periods(school: OrgNode, *, today: dt.date, count: int = 4) -> list[WorkPeriod]:
    """The current plan semester and the ones before it, newest first (the picker)."""
    periods: list[WorkPeriod] = []
    day = today
    for _step in range(count):
        period = plan_period(school, day)
        if period is None:
            break
        periods.append(period)
        day = period.start - dt.timedelta(days=1)
    return periods


def parse_plan_period(school: OrgNode, key: str | None) -> WorkPeriod | None:
    """The plan semester named ``plan_semester:YYYY-MM-DD`` (its first day), or None if the
    key names no semester of the school's policy."""
    if not key or not isinstance(key, str):
        return None
    kind, _sep, start_text = key.partition(":")
    if kind != PLAN_PERIOD:
        return None
    try:
        start = dt.date.fromisoformat(start_text)
    except ValueError:
        return None
    period = plan_period(school, start)
    return period if period is not None and period.start == start else None


def required_group_activities(school: OrgNode, period: WorkPeriod) -> int:
    """Themed activities each group must hold in ``period``: the policy's
    ``procedure.plan.group_activities`` where it sets one, else 3 (平阳 三(一))."""
    procedure = procedure_at(school, period.start)
    value = getattr(getattr(procedure, "plan", None), "group_activities", None)
    return value if isinstance(value, int) and value >= 0 else DEFAULT_GROUP_ACTIVITIES


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Aware datetimes from ``start``'s midnight to the midnight after ``end`` (local)."""
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


def _percent(part: int, whole: int) -> Decimal | None:
    """``part / whole`` in percent, cut (not rounded) to one decimal: 99.96 % shows as
    99.9, never as the 100 a sheet rewards."""
    if not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@dataclass
class AttendanceTally:
    """Participations of closed activities, by what became of them. ``pending`` are
    participants still marked expected after closing (nobody set them)."""

    present: int = 0
    makeup: int = 0
    leave: int = 0
    absent: int = 0
    pending: int = 0

    @property
    def expected(self) -> int:
        return self.present + self.makeup + self.leave + self.absent + self.pending

    @property
    def attended(self) -> int:
        """Present, or made up in a make-up session (兰州 补课)."""
        return self.present + self.makeup

    @property
    def rate(self) -> Decimal | None:
        """Attendance rate in percent (attended over expected), None with nobody expected."""
        return _percent(self.attended, self.expected)

    def add(self, other: AttendanceTally) -> None:
        self.present += other.present
        self.makeup += other.makeup
        self.leave += other.leave
        self.absent += other.absent
        self.pending += other.pending


_TALLY_FIELD = {
    Attendance.PRESENT: "present",
    Attendance.MAKEUP: "makeup",
    Attendance.LEAVE: "leave",
    Attendance.ABSENT: "absent",
    Attendance.EXPECTED: "pending",
}


@dataclass
class BoardActivity:
    """One activity of the semester as the board shows it."""

    pk: int
    theme: str
    type: str
    type_label: str
    starts_at: dt.datetime
    status: str
    status_label: str
    is_makeup: bool
    group_names: list[str]
    materials_confirmed: bool
    missing_materials: list[str]  # MaterialKind values not uploaded
    attendance: AttendanceTally

    @property
    def held(self) -> bool:
        """Closed, and not a make-up session: one of the semester's themed activities."""
        return self.status == ActivityStatus.CLOSED and not self.is_makeup

    @property
    def materials_state(self) -> str:
        """``confirmed`` (by the administrator), ``complete`` (plan, process record and
        summary uploaded, not yet confirmed) or ``missing``."""
        if self.materials_confirmed:
            return "confirmed"
        return "missing" if self.missing_materials else "complete"

    @property
    def missing_labels(self) -> list[str]:
        """The missing kinds' names (with the activities' context: a bare "Summary" is
        Django's 概览)."""
        from .services import MATERIAL_LABELS

        return [str(MATERIAL_LABELS.get(k, MaterialKind(k).label)) for k in self.missing_materials]


@dataclass
class MaterialTally:
    """Material completeness of held activities."""

    confirmed: int = 0
    complete: int = 0  # complete, awaiting the administrator's confirmation
    missing: int = 0

    def count(self, activity: BoardActivity) -> None:
        state = activity.materials_state
        setattr(self, state, getattr(self, state) + 1)


@dataclass
class GroupRow:
    """One subject group's semester (or the activities of no group: ``pk`` None)."""

    pk: int | None
    name: str
    required: int
    activities: list[BoardActivity] = field(default_factory=list)
    held: int = 0
    planned: int = 0
    cancelled: int = 0
    materials: MaterialTally = field(default_factory=MaterialTally)
    attendance: AttendanceTally = field(default_factory=AttendanceTally)

    @property
    def shortfall(self) -> int:
        """Themed activities still missing against the requirement."""
        return max(0, self.required - self.held)

    @property
    def met(self) -> bool:
        return self.held >= self.required

    def count(self, activity: BoardActivity) -> None:
        self.activities.append(activity)
        if activity.is_makeup:
            return
        if activity.status == ActivityStatus.PLANNED:
            self.planned += 1
        elif activity.status == ActivityStatus.CANCELLED:
            self.cancelled += 1
        else:
            self.held += 1
            self.materials.count(activity)
            self.attendance.add(activity.attendance)


@dataclass(frozen=True)
class BoardPlan:
    """The semester's plan, as far as the board needs it."""

    pk: int
    title: str
    label: str
    status: str
    status_label: str
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    reason: str

    @property
    def approved(self) -> bool:
        return self.status == PlanStatus.APPROVED


@dataclass
class SemesterBoard:
    """A school's semester of school-based training: the plan, each subject group's
    activities held against the requirement, material completeness and attendance, and
    the school's totals (each activity counted once there)."""

    school_pk: int
    school_name: str
    period: WorkPeriod
    required_per_group: int
    plan: BoardPlan | None
    groups: list[GroupRow]
    ungrouped: GroupRow  # activities for the whole school (no group)
    activities: list[BoardActivity]
    totals: GroupRow  # ``required`` is groups × required_per_group
    makeups: int = 0

    @property
    def shortfall(self) -> int:
        """Missing themed activities, summed over the groups (what the 平阳 sheet deducts)."""
        return sum(row.shortfall for row in self.groups)

    @property
    def incomplete_in_groups(self) -> int:
        """Held activities of the groups whose files are incomplete, counted per group."""
        return sum(row.materials.missing for row in self.groups)

    def sheet_inputs(self) -> dict[str, int]:
        """The inputs of the 平阳 school sheet (pingyang-school, 过程管理 2) this board can
        fill: groups, missing and incomplete themed activities (per group)."""
        return {
            "subject_groups": len(self.groups),
            "missing_activities": self.shortfall,
            "incomplete_activities": self.incomplete_in_groups,
        }


# Who reads a board to derive figures from it (an assessment sheet's inputs): the school's
# facts whoever looks at the sheet — the self, peer and district columns read the same
# board — so not through a person's scope. Pages pass the person.
PLATFORM = object()


def _visible(model: Any, fetched_by: Any) -> Any:
    if fetched_by is PLATFORM:
        return model.objects.all()
    return restrict(model, fetched_by, "view")


def board_plan(*, fetched_by: Any, school: OrgNode, period: WorkPeriod) -> BoardPlan | None:
    """The school's plan covering ``period`` (the latest starting one), if the user may see
    it."""
    plan = (
        _visible(Plan, fetched_by)
        .filter(school=school, start__lte=period.end, end__gte=period.start)
        .order_by("-start", "-pk")
        .first()
    )
    if plan is None:
        return None
    return BoardPlan(
        pk=plan.pk,
        title=plan.title,
        label=plan.label,
        status=plan.status,
        status_label=str(plan.get_status_display()),
        submitted_at=plan.submitted_at,
        decided_at=plan.decided_at,
        reason=plan.reason,
    )


def semester_board(*, fetched_by: Any, school: OrgNode, period: WorkPeriod) -> SemesterBoard:
    """The school's semester board for ``period`` as ``fetched_by`` may see it (a person,
    or :data:`PLATFORM` for derived figures): activities that start within it, by
    subject group. The same six queries however many groups, activities and participants
    (counts are aggregated in the database). An activity of a lesson group counts for the
    subject group above it; an activity of several groups counts for each of them, and once
    in the totals; make-up sessions are counted apart (their attendance is the missed
    activity's ``makeup``); cancelled ones count for nothing."""
    required = required_group_activities(school, period)
    plan = board_plan(fetched_by=fetched_by, school=school, period=period)
    nodes = list(
        _visible(OrgNode, fetched_by)
        .filter(path__startswith=school.path, kind__in=GROUP_KINDS)
        .order_by("path")
        .values("pk", "path", "name")
    )
    tops: list[dict[str, Any]] = []
    for node in nodes:  # ordered by path: a node's parent group comes before it
        if not any(node["path"].startswith(top["path"]) for top in tops):
            tops.append(node)
    rows = {top["pk"]: GroupRow(top["pk"], top["name"], required) for top in tops}
    row_of_node = {
        node["pk"]: next(t["pk"] for t in tops if node["path"].startswith(t["path"]))
        for node in nodes
    }
    names = {node["pk"]: node["name"] for node in nodes}

    since, until = _day_bounds(period.start, period.end)
    in_period = _visible(Activity, fetched_by).filter(
        school=school, starts_at__gte=since, starts_at__lt=until
    )
    ids = in_period.values("pk")
    links: dict[int, list[int]] = defaultdict(list)
    for activity_id, node_id in Activity.groups.through.objects.filter(
        activity_id__in=ids
    ).values_list("activity_id", "orgnode_id"):
        links[activity_id].append(node_id)
    tallies: dict[int, AttendanceTally] = defaultdict(AttendanceTally)
    for row in (
        Participation.objects.filter(activity_id__in=ids)
        .values("activity_id", "state")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        tally = tallies[row["activity_id"]]
        name = _TALLY_FIELD.get(row["state"])
        if name is not None:
            setattr(tally, name, getattr(tally, name) + row["n"])
    uploaded: dict[int, set[str]] = defaultdict(set)
    for activity_id, kind in (
        Material.objects.filter(activity_id__in=ids, kind__in=list(REQUIRED_MATERIALS))
        .values_list("activity_id", "kind")
        .order_by()
        .distinct()
    ):
        uploaded[activity_id].add(kind)

    ungrouped = GroupRow(None, "", 0)
    totals = GroupRow(None, "", required * len(rows))
    activities = []
    makeups = 0
    for values in in_period.order_by("starts_at", "pk").values(
        "pk", "theme", "type", "starts_at", "status", "makeup_of_id", "materials_confirmed_at"
    ):
        pk = values["pk"]
        node_ids = [n for n in links.get(pk, []) if n in row_of_node]
        activity = BoardActivity(
            pk=pk,
            theme=values["theme"],
            type=values["type"],
            type_label=_label(ActivityType, values["type"]),
            starts_at=values["starts_at"],
            status=values["status"],
            status_label=_label(ActivityStatus, values["status"]),
            is_makeup=values["makeup_of_id"] is not None,
            group_names=[names[n] for n in node_ids],
            materials_confirmed=values["materials_confirmed_at"] is not None,
            missing_materials=[k for k in REQUIRED_MATERIALS if k not in uploaded.get(pk, ())],
            attendance=tallies.get(pk) or AttendanceTally(),
        )
        activities.append(activity)
        makeups += activity.is_makeup
        totals.count(activity)
        targets = {row_of_node[n] for n in node_ids}
        if not targets:
            ungrouped.count(activity)
        for target in sorted(targets):
            rows[target].count(activity)
    return SemesterBoard(
        school_pk=school.pk,
        school_name=school.name,
        period=period,
        required_per_group=required,
        plan=plan,
        groups=list(rows.values()),
        ungrouped=ungrouped,
        activities=activities,
        totals=totals,
        makeups=makeups,
    )


def board_schools(*, fetched_by: Any) -> QuerySet[OrgNode]:
    """Schools whose board the user may open: where they review (school administrators,
    principals; a county's staff reach every school of the county)."""
    return restrict(OrgNode, fetched_by, "review").filter(kind=NodeKind.SCHOOL).order_by("path")


@dataclass(frozen=True)
class CalendarRecord:
    """A record the activity generated for the teacher, and where its review stands."""

    pk: int
    kind: str
    kind_label: str
    status: str
    status_label: str


@dataclass
class CalendarEntry:
    """One activity on a teacher's calendar, with what the teacher has to do with it."""

    pk: int
    theme: str
    type_label: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    hours: Decimal
    presenter: str
    status: str
    status_label: str
    earns: bool  # under an approved plan
    state: str  # the teacher's Attendance
    state_label: str
    roles: list[str] = field(default_factory=list)  # labels of the roles the teacher takes
    leave_status: str = ""  # the teacher's latest leave request, if any
    leave_label: str = ""
    records: list[CalendarRecord] = field(default_factory=list)  # generated for the teacher
    sign_open: bool = False  # the sign-in is open now
    started: bool = False

    @property
    def cancelled(self) -> bool:
        return self.status == ActivityStatus.CANCELLED

    @property
    def may_request_leave(self) -> bool:
        """No leave requested yet (or refused), and the activity still to start (leave is
        asked for before it)."""
        return (
            self.status == ActivityStatus.PLANNED
            and not self.started
            and self.leave_status in ("", LeaveStatus.REFUSED)
        )

    @property
    def attended(self) -> bool:
        return self.state in (Attendance.PRESENT, Attendance.MAKEUP)


@dataclass
class CalendarMonth:
    """The past participations of one month, newest first."""

    month: dt.date  # its first day
    entries: list[CalendarEntry]

    @property
    def hours(self) -> Decimal:
        """Hours of the activities attended (present or made up) this month."""
        return sum((e.hours for e in self.entries if e.attended), Decimal(0))


@dataclass
class TeacherCalendar:
    """A teacher's coming activities and past attendance (their own school only)."""

    teacher_pk: int
    school_name: str
    upcoming: list[CalendarEntry]
    months: list[CalendarMonth]


def _sign_open(activity: Activity, now: dt.datetime) -> bool:
    """Whether the activity's sign-in is open now (``activities.signin.sign_window``:
    from 30 minutes before the start to the end)."""
    if activity.status != ActivityStatus.PLANNED:
        return False
    try:
        from .signin import sign_window
    except ImportError:  # pragma: no cover - the sign-in part is not installed
        return activity.starts_at - SIGN_OPENS_BEFORE <= now <= activity.ends_at
    return sign_window(activity).state(now) == "open"


def teacher_calendar(*, fetched_by: Any, now: dt.datetime | None = None) -> TeacherCalendar | None:
    """The user's calendar as a teacher (None if they have no teacher profile): the coming
    activities of their school they take part in, and their past participations grouped
    by month, each with the roles they take, their leave request and the records the
    activity generated for them. Six queries, whatever the number of activities."""
    from xuefen.org.models import Teacher
    from xuefen.policy import KIND_LABELS
    from xuefen.records.choices import RecordStatus
    from xuefen.records.models import Record

    if not getattr(fetched_by, "is_authenticated", False):
        return None
    now = now or timezone.now()
    teacher = (
        restrict(Teacher, fetched_by, "view")
        .filter(user=fetched_by)
        .select_related("school")
        .first()
    )
    if teacher is None:
        return None
    mine = (
        restrict(Participation, fetched_by, "view")
        .filter(teacher=teacher, activity__school_id=teacher.school_id)
        .select_related("activity__presenter", "activity__plan")
    )
    coming = Q(activity__ends_at__gte=now) & ~Q(activity__status=ActivityStatus.CLOSED)
    upcoming = list(mine.filter(coming).order_by("activity__starts_at", "pk")[:CALENDAR_UPCOMING])
    past = list(mine.exclude(coming).order_by("-activity__starts_at", "-pk")[:CALENDAR_PAST])
    ids = [p.activity_id for p in [*upcoming, *past]]
    roles: dict[int, list[str]] = defaultdict(list)
    for activity_id, role in (
        restrict(ActivityRole, fetched_by, "view")
        .filter(teacher=teacher, activity_id__in=ids)
        .order_by("role")
        .values_list("activity_id", "role")
    ):
        roles[activity_id].append(_label(RoleKind, role))
    leaves: dict[int, str] = {}
    for activity_id, status in (
        restrict(LeaveRequest, fetched_by, "view")
        .filter(teacher=teacher, activity_id__in=ids)
        .order_by("created_at", "pk")
        .values_list("activity_id", "status")
    ):
        leaves[activity_id] = status  # the latest wins
    records: dict[int, list[CalendarRecord]] = defaultdict(list)
    for pk, activity_id, kind, status in (
        restrict(Record, fetched_by, "view")
        .filter(teacher=teacher, activity_id__in=ids)
        .order_by("pk")
        .values_list("pk", "activity_id", "kind", "status")
    ):
        records[activity_id].append(
            CalendarRecord(
                pk=pk,
                kind=kind,
                kind_label=KIND_LABELS.get(kind, kind),
                status=status,
                status_label=_label(RecordStatus, status),
            )
        )

    def entry(participation: Participation) -> CalendarEntry:
        activity = participation.activity
        presenter = activity.presenter
        leave = leaves.get(activity.pk, "")
        return CalendarEntry(
            pk=activity.pk,
            theme=activity.theme,
            type_label=_label(ActivityType, activity.type),
            starts_at=activity.starts_at,
            ends_at=activity.ends_at,
            place=activity.place,
            hours=activity.hours,
            presenter=presenter.name if presenter is not None else "",
            status=activity.status,
            status_label=_label(ActivityStatus, activity.status),
            earns=activity.plan is not None and activity.plan.is_approved,
            state=participation.state,
            state_label=_label(Attendance, participation.state),
            roles=roles.get(activity.pk, []),
            leave_status=leave,
            leave_label=_label(LeaveStatus, leave) if leave else "",
            records=records.get(activity.pk, []),
            sign_open=_sign_open(activity, now),
            started=activity.starts_at <= now,
        )

    months: list[CalendarMonth] = []
    for participation in past:
        first = timezone.localtime(participation.activity.starts_at).date().replace(day=1)
        if not months or months[-1].month != first:
            months.append(CalendarMonth(first, []))
        months[-1].entries.append(entry(participation))
    return TeacherCalendar(
        teacher_pk=teacher.pk,
        school_name=teacher.school.name,
        upcoming=[entry(p) for p in upcoming],
        months=months,
    )


# -- activities, attendance, leave (helper B; pages in activities.activity_views) --------
# Imports are local to this section so that the parts never edit one another's lines.

ACTIVITY_PAGE_SIZE = 20


def activity_schools(*, fetched_by: Any) -> Any:
    """Schools whose activities the user runs or oversees (school administrators and
    principals; a county's staff reach every school of the county), by position."""
    from xuefen.org.choices import NodeKind
    from xuefen.org.models import OrgNode
    from xuefen.org.scoping import restrict

    return restrict(OrgNode, fetched_by, "review").filter(kind=NodeKind.SCHOOL).order_by("path")


def activity_list(
    *,
    fetched_by: Any,
    school: Any,
    when: str = "upcoming",
    group: Any = None,
    type: str = "",
    now: dt.datetime | None = None,
) -> Any:
    """The school's activities the user may see: ``upcoming`` (planned, not yet over;
    soonest first) or ``past`` (over, closed or cancelled; newest first), optionally of
    one subject group (or a group beneath it) and one type; with presenter, plan and the
    participant counts, in a fixed number of queries per page (groups prefetched)."""
    from django.db.models import Count, Q

    from xuefen.org.scoping import restrict

    from .choices import ActivityStatus, Attendance
    from .models import Activity

    now = now or timezone.now()
    coming = Q(ends_at__gte=now) & Q(status=ActivityStatus.PLANNED)
    qs = restrict(Activity, fetched_by, "view").filter(school_id=school.pk)
    if group is not None:
        ids = Activity.groups.through.objects.filter(orgnode__path__startswith=group.path).values(
            "activity_id"
        )
        qs = qs.filter(pk__in=ids)
    if type:
        qs = qs.filter(type=type)
    if when == "past":
        qs = qs.exclude(coming).order_by("-starts_at", "-pk")
    else:
        qs = qs.filter(coming).order_by("starts_at", "pk")
    return (
        qs.select_related("presenter", "plan", "makeup_of")
        .prefetch_related("groups")
        .annotate(
            n_participants=Count("participants"),
            n_attended=Count(
                "participants",
                filter=Q(participants__state__in=[Attendance.PRESENT, Attendance.MAKEUP]),
            ),
        )
    )


def activity_get(*, fetched_by: Any, pk: int, action: str = "view") -> Any:
    """One activity the user may ``action`` (404 otherwise), with what its page shows."""
    from xuefen.org.scoping import get_scoped_or_404

    from .models import Activity

    return get_scoped_or_404(
        Activity.objects.select_related(
            "school", "presenter", "plan", "makeup_of", "materials_confirmed_by"
        ),
        fetched_by,
        action,
        pk=pk,
    )


def activity_participants(*, fetched_by: Any, activity: Any) -> list[Any]:
    """The participants the user may see (staff: all; a teacher: their own row), by
    name, with the teacher and the make-up session."""
    from xuefen.org.scoping import restrict

    from .models import Participation

    return list(
        restrict(Participation, fetched_by, "view")
        .filter(activity_id=activity.pk)
        .select_related("teacher", "made_up_in", "signed_by")
        .order_by("teacher__name_pinyin", "pk")
    )


def activity_roles(*, fetched_by: Any, activity: Any) -> list[Any]:
    """The roles taken in the activity, with their teachers."""
    from xuefen.org.scoping import restrict

    from .models import ActivityRole

    return list(
        restrict(ActivityRole, fetched_by, "view")
        .filter(activity_id=activity.pk)
        .select_related("teacher")
        .order_by("role", "teacher__name_pinyin", "pk")
    )


def activity_materials(*, fetched_by: Any, activity: Any) -> list[Any]:
    """The activity's materials, by kind."""
    from xuefen.org.scoping import restrict

    from .models import Material

    return list(
        restrict(Material, fetched_by, "view")
        .filter(activity_id=activity.pk)
        .select_related("uploaded_by")
        .order_by("kind", "pk")
    )


def material_get(*, fetched_by: Any, pk: int, action: str = "view") -> Any:
    """One material the user may ``action`` (404 otherwise)."""
    from xuefen.org.scoping import get_scoped_or_404

    from .models import Material

    return get_scoped_or_404(Material.objects.select_related("activity"), fetched_by, action, pk=pk)


def activity_leaves(*, fetched_by: Any, activity: Any) -> list[Any]:
    """The leave requests of the activity the user may see (staff: all; a teacher: own)."""
    from xuefen.org.scoping import restrict

    from .models import LeaveRequest

    return list(
        restrict(LeaveRequest, fetched_by, "view")
        .filter(activity_id=activity.pk)
        .select_related("teacher", "decided_by")
        .order_by("-created_at", "-pk")
    )


def leave_get(*, fetched_by: Any, pk: int, action: str = "view") -> Any:
    """One leave request the user may ``action`` (404 otherwise)."""
    from xuefen.org.scoping import get_scoped_or_404

    from .models import LeaveRequest

    return get_scoped_or_404(
        LeaveRequest.objects.select_related("teacher", "activity", "activity__school"),
        fetched_by,
        action,
        pk=pk,
    )


def pending_leaves(*, fetched_by: Any, school: Any) -> Any:
    """Leave requests of the school waiting for a decision the user may take, oldest
    first, with teacher and activity."""
    from xuefen.org.scoping import restrict

    from .choices import LeaveStatus
    from .models import LeaveRequest

    return (
        restrict(LeaveRequest, fetched_by, "review")
        .filter(activity__school_id=school.pk, status=LeaveStatus.PENDING)
        .select_related("teacher", "activity")
        .order_by("activity__starts_at", "created_at", "pk")
    )


def school_teachers(*, fetched_by: Any, school: Any) -> Any:
    """The school's active teachers the user may see, by name (the pickers)."""
    from xuefen.org.models import Teacher
    from xuefen.org.scoping import restrict

    return (
        restrict(Teacher, fetched_by, "view")
        .filter(school_id=school.pk, active=True)
        .order_by("name_pinyin", "pk")
    )


def school_groups(*, fetched_by: Any, school: Any) -> Any:
    """The school's subject and lesson groups, by position in the tree."""
    from xuefen.org.choices import NodeKind
    from xuefen.org.models import OrgNode
    from xuefen.org.scoping import restrict

    return (
        restrict(OrgNode, fetched_by, "view")
        .filter(
            path__startswith=school.path,
            kind__in=[NodeKind.SUBJECT_GROUP, NodeKind.LESSON_GROUP],
        )
        .order_by("path")
    )


def school_plans(*, fetched_by: Any, school: Any) -> Any:
    """The school's plans (any status), newest semester first (the activity form)."""
    from xuefen.org.scoping import restrict

    from .models import Plan

    return restrict(Plan, fetched_by, "view").filter(school_id=school.pk).order_by("-start")


def makeup_candidates(*, fetched_by: Any, school: Any, exclude: Any = None) -> Any:
    """Activities of the school a session may make up for, or a miss be made up in: not
    cancelled, not make-up sessions themselves (the form's pickers), newest first."""
    from xuefen.org.scoping import restrict

    from .choices import ActivityStatus
    from .models import Activity

    qs = (
        restrict(Activity, fetched_by, "view")
        .filter(school_id=school.pk)
        .exclude(status=ActivityStatus.CANCELLED)
        .order_by("-starts_at", "-pk")
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs
