"""Reads of the credit workflow that pages share (style.md habit 15: services push,
selectors pull). Each section belongs to one part of the workflow."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from xuefen.org.choices import NodeKind
from xuefen.org.models import OrgNode
from xuefen.org.scoping import ancestor_paths, can, get_scoped_or_404, restrict

from .choices import HOLDING_SUBMISSION, NOTICE_COLORS, SUBMISSION_COLORS, SubmissionStatus
from .models import Notice, Submission, WindowException
from .procedure import WorkPeriod, procedure_at, recent_periods, window_open
from .workflow import SUBMISSION_MACHINE

# -- submissions, certification and windows ----------------------------------------------
# (credits.submissions, credits.windows; pages in credits.submission_views)

# The county page lists what awaits the county first.
SUBMISSION_ORDER = {
    SubmissionStatus.SUBMITTED: 0,
    SubmissionStatus.SIGNED: 1,
    SubmissionStatus.RETURNED: 2,
    SubmissionStatus.CERTIFIED: 3,
    SubmissionStatus.WITHDRAWN: 4,
}


def submission_get(*, fetched_by: Any, pk: int) -> Submission:
    """One submission the user may see (404 otherwise), with its people joined."""
    return get_scoped_or_404(
        Submission.objects.select_related(
            "school", "notice", "signed_by", "submitted_by", "decided_by"
        ),
        fetched_by,
        "view",
        pk=pk,
    )


def submission_actions(*, user: Any, submission: Submission) -> list[Any]:
    """The transitions ``user`` may take on ``submission`` now (state and right; the
    window is judged when the button is pressed, and the page shows it)."""
    from .submissions import may_act_for_school, may_certify

    actions = []
    for transition in SUBMISSION_MACHINE.available(submission.status):
        if transition.action == "certify":
            allowed = can(user, "certify", submission) and may_certify(user, submission.school)
        else:
            allowed = can(user, transition.action, submission) and may_act_for_school(
                user, submission.school
            )
        if allowed:
            actions.append(transition)
    return actions


def period_submission(school: OrgNode, period: WorkPeriod) -> Submission | None:
    """The school's latest submission of ``period`` (holding or not)."""
    return (
        Submission.objects.filter(school=school, period_type=period.type, start=period.start)
        .select_related("signed_by", "submitted_by", "decided_by")
        .order_by("-signed_at", "-pk")
        .first()
    )


def window_states(*, node: OrgNode, period: WorkPeriod, today: dt.date) -> list[dict[str, Any]]:
    """The policy's windows for ``period`` at ``node`` (a school or a region): dates, and
    whether each is open today (by the dates or an exception at or above ``node``)."""
    procedure = procedure_at(node, period.end)
    if procedure is None:
        return []
    states = []
    for window in ("recognition", "certification"):
        span = procedure.span(window, period)
        if span is None:
            continue
        is_open, _span, exception = window_open(
            school=node, window=window, period=period, today=today
        )
        states.append({"span": span, "open": is_open, "exception": exception})
    return states


@dataclass
class SubmissionPanel:
    """What the school page shows of the period's submission."""

    school: OrgNode
    period: WorkPeriod
    submission: Submission | None
    holding: bool
    can_sign: bool
    actions: list[Any]
    windows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def color(self) -> str:
        return SUBMISSION_COLORS.get(self.submission.status, "gray") if self.submission else ""


def submission_panel(
    *, fetched_by: Any, school: OrgNode, period: WorkPeriod, today: dt.date
) -> SubmissionPanel:
    """The submission part of the school's page for ``period``: its latest submission
    (if the user may see it), whether the user may sign, and the buttons they may press."""
    submission = period_submission(school, period)
    if submission is not None and not can(fetched_by, "view", submission):
        submission = None
    holding = submission is not None and submission.status in HOLDING_SUBMISSION
    return SubmissionPanel(
        school=school,
        period=period,
        submission=submission,
        holding=holding,
        can_sign=not holding and can(fetched_by, "sign", school),
        actions=submission_actions(user=fetched_by, submission=submission) if submission else [],
        windows=window_states(node=school, period=period, today=today),
    )


def certify_regions(*, fetched_by: Any) -> QuerySet[OrgNode]:
    """The regions whose certification page the user may open (where they certify)."""
    return restrict(OrgNode, fetched_by, "certify").filter(
        kind__in=[NodeKind.PROVINCE, NodeKind.CITY, NodeKind.COUNTY, NodeKind.GROUP]
    )


def county_periods(region: OrgNode, *, today: dt.date) -> tuple[list[WorkPeriod], int]:
    """The periods the county page offers, newest first, and the index of the default:
    the period whose certification window is open today, else the current one."""
    periods = recent_periods(region, today=today)
    procedure = procedure_at(region, today)
    for index, period in enumerate(periods):
        span = procedure.span("certification", period) if procedure is not None else None
        if span is not None and span.opens <= today <= span.closes:
            return periods, index
    return periods, 0


def _certifiers_of(region: OrgNode) -> list[OrgNode]:
    """The counties and cities that may certify a school beneath ``region`` (the region's
    own ancestors and the counties beneath it), deepest first. One query."""
    return list(
        OrgNode.objects.filter(
            Q(path__in=ancestor_paths(region.path)) | Q(path__startswith=region.path),
            kind__in=[NodeKind.COUNTY, NodeKind.CITY],
        ).order_by("-depth")
    )


@dataclass
class CountyRow:
    """One school on the county page."""

    school: OrgNode
    notice: Notice | None
    submission: Submission | None
    may_certify: bool

    @property
    def notice_color(self) -> str:
        return NOTICE_COLORS.get(self.notice.status, "gray") if self.notice else ""

    @property
    def submission_color(self) -> str:
        return SUBMISSION_COLORS.get(self.submission.status, "gray") if self.submission else ""

    @property
    def awaiting(self) -> bool:
        return self.submission is not None and self.submission.status == SubmissionStatus.SUBMITTED


def county_rows(*, fetched_by: Any, region: OrgNode, period: WorkPeriod) -> list[CountyRow]:
    """The region's schools for ``period``, one row each, with their latest notice and
    submission; submitted ones first. A fixed number of queries however many schools."""
    from .submissions import may_certify

    schools = list(
        restrict(OrgNode, fetched_by, "view")
        .filter(kind=NodeKind.SCHOOL, path__startswith=region.path)
        .order_by("path")
    )
    ids = [s.pk for s in schools]
    of_period = {"period_type": period.type, "start": period.start}
    notices: dict[int, Notice] = {}
    for notice in Notice.objects.filter(school_id__in=ids, **of_period).order_by(
        "-published_at", "-pk"
    ):
        notices.setdefault(notice.school_id, notice)
    submissions: dict[int, Submission] = {}
    for submission in Submission.objects.filter(school_id__in=ids, **of_period).order_by(
        "-signed_at", "-pk"
    ):
        submissions.setdefault(submission.school_id, submission)
    certifiers = _certifiers_of(region)
    rows = []
    for school in schools:
        office = next((c for c in certifiers if school.path.startswith(c.path)), None)
        rows.append(
            CountyRow(
                school=school,
                notice=notices.get(school.pk),
                submission=submissions.get(school.pk),
                may_certify=office is not None and may_certify(fetched_by, school, region=office),
            )
        )
    rows.sort(key=lambda r: SUBMISSION_ORDER.get(r.submission.status, 9) if r.submission else 9)
    return rows


def region_exceptions(
    *, fetched_by: Any, region: OrgNode, period: WorkPeriod
) -> list[WindowException]:
    """The window exceptions of ``period`` that apply beneath ``region``: opened for the
    region, its schools and groups, or a region above it (which apply to its schools
    too), newest first."""
    beneath = restrict(WindowException, fetched_by, "view").filter(
        node__path__startswith=region.path
    )
    over = WindowException.objects.filter(node__path__in=ancestor_paths(region.path))
    return list(
        (beneath | over)
        .filter(period_type=period.type, start=period.start)
        .select_related("node", "created_by")
        .order_by("-created_at", "-pk")
    )


def exception_nodes(*, fetched_by: Any, region: OrgNode) -> QuerySet[OrgNode]:
    """Where the user may open an exception on the county page: the region, its groups
    and schools."""
    return (
        restrict(OrgNode, fetched_by, "certify")
        .filter(
            path__startswith=region.path,
            kind__in=[NodeKind.SCHOOL, NodeKind.GROUP, NodeKind.COUNTY, NodeKind.CITY],
        )
        .order_by("path")
    )


def teacher_integrity(*, fetched_by: Any, teacher: Any) -> list[Any]:
    """A teacher's integrity record entries (诚信档案) the user may see, newest first."""
    from xuefen.records.models import IntegrityEntry

    return list(
        restrict(IntegrityEntry, fetched_by, "view")
        .filter(teacher=teacher)
        .select_related("record", "created_by")
        .order_by("-created_at", "-pk")
    )


# -- public notices and objections -------------------------------------------------------
# (credits.notices; pages in credits.notice_views)

# Lines per page of a notice (a school may have 2,000 teachers).
NOTICE_PAGE_SIZE = 100


def notice_schools(*, fetched_by: Any) -> QuerySet[OrgNode]:
    """Schools whose notices the user runs: where they may review (school administrators,
    principals; a county's staff reach every school of the county)."""
    return restrict(OrgNode, fetched_by, "review").filter(kind=NodeKind.SCHOOL).order_by("path")


def own_teacher(*, fetched_by: Any) -> Any:
    """The user's own teacher profile (with school and group), or None."""
    from xuefen.org.models import Teacher

    if not getattr(fetched_by, "is_authenticated", False):
        return None
    return Teacher.objects.select_related("school").filter(user=fetched_by).first()


def notice_get(*, fetched_by: Any, pk: int, action: str = "view") -> Notice:
    """One notice the user may ``action`` (404 otherwise): teachers see their school's."""
    return get_scoped_or_404(
        Notice.objects.select_related("school", "published_by", "replaces"),
        fetched_by,
        action,
        pk=pk,
    )


def period_notices(*, fetched_by: Any, school: OrgNode, period: WorkPeriod) -> list[Notice]:
    """The school's notices of ``period`` the user may see, newest first."""
    return list(
        restrict(Notice, fetched_by, "view")
        .filter(school=school, period_type=period.type, start=period.start)
        .select_related("published_by")
        .order_by("-published_at", "-pk")
    )


def school_notices(*, fetched_by: Any, school: OrgNode, limit: int = 10) -> list[Notice]:
    """The school's latest notices of any period (what a teacher's page lists)."""
    return list(
        restrict(Notice, fetched_by, "view")
        .filter(school=school)
        .order_by("-published_at", "-pk")[:limit]
    )


@dataclass
class NoticePanel:
    """What the school page shows of the period's notice."""

    school: OrgNode
    period: WorkPeriod
    notice: Notice | None  # the latest open or closed one, else the latest
    history: list[Notice]
    waiting_review: int
    open_objections: int
    can_review: bool
    notice_days: int
    windows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def color(self) -> str:
        return NOTICE_COLORS.get(self.notice.status, "gray") if self.notice else ""

    @property
    def live(self) -> Notice | None:
        """The notice that stands (open or closed), which a new one replaces."""
        from .choices import NoticeStatus

        if self.notice is not None and self.notice.status in (
            NoticeStatus.OPEN,
            NoticeStatus.CLOSED,
        ):
            return self.notice
        return None

    @property
    def recognition_open(self) -> bool:
        return all(w["open"] for w in self.windows if w["span"].window == "recognition")


def notice_panel(
    *, fetched_by: Any, school: OrgNode, period: WorkPeriod, today: dt.date
) -> NoticePanel:
    """The notice part of the school page for ``period``: the standing notice and the
    earlier ones, the records still waiting for review, the unanswered objections."""
    from .choices import NoticeStatus, ObjectionStatus
    from .models import Objection
    from .notices import pending_review_count

    history = period_notices(fetched_by=fetched_by, school=school, period=period)
    for item in history:
        item.color = NOTICE_COLORS.get(item.status, "gray")  # type: ignore[attr-defined]
    live = [n for n in history if n.status in (NoticeStatus.OPEN, NoticeStatus.CLOSED)]
    notice = live[0] if live else (history[0] if history else None)
    can_review = can(fetched_by, "review", school)
    procedure = procedure_at(school, period.end)
    return NoticePanel(
        school=school,
        period=period,
        notice=notice,
        history=history,
        waiting_review=pending_review_count(school, period) if can_review else 0,
        open_objections=Objection.objects.filter(notice=notice, status=ObjectionStatus.OPEN).count()
        if notice is not None and can_review
        else 0,
        can_review=can_review,
        notice_days=procedure.notice_days if procedure is not None else 7,
        windows=window_states(node=school, period=period, today=today),
    )


def notice_lines(*, notice: Notice) -> QuerySet[Any]:
    """The notice's lines in the order they are posted (pinyin of the name)."""
    from .models import NoticeLine

    return NoticeLine.objects.filter(notice=notice).order_by("name_pinyin", "name", "pk")


def own_line(*, fetched_by: Any, notice: Notice) -> Any:
    """The user's own line of the notice, or None."""
    from .models import NoticeLine

    if not getattr(fetched_by, "is_authenticated", False):
        return None
    return NoticeLine.objects.filter(notice=notice, teacher__user=fetched_by).first()


def notice_objections(*, fetched_by: Any, notice: Notice) -> list[Any]:
    """The objections to the notice the user may see (a teacher: their own; the school:
    all), open ones first, with their lines."""
    from .choices import ObjectionStatus
    from .models import Objection

    rows = list(
        restrict(Objection, fetched_by, "view")
        .filter(notice=notice)
        .select_related("line", "answered_by")
        .order_by("raised_at", "pk")
    )
    rows.sort(key=lambda o: o.status != ObjectionStatus.OPEN)
    return rows
