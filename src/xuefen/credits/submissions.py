"""A school's period from the principal's sign-off to the county's certification.

After the public notice has ended, the principal signs the period off (校长签字, 第一责任人),
the school submits it, and the certifying office — the nearest county above the school, or
the city for a city-run school (普洱 附件2 四、认定程序) — certifies every approved record of
the period at once, or returns the period with its reasons. Each step is one service here:
lock the row, judge its state with :data:`~xuefen.credits.workflow.SUBMISSION_MACHINE`, the
actor's right and the recognition window (:mod:`xuefen.credits.procedure`), write the audit
entry and notify on commit. While a submission is signed, submitted or certified, the
period's records are frozen (:mod:`xuefen.credits.locks`); a returned or withdrawn one
frees them again.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xuefen.audit.choices import Event
from xuefen.audit.services import audit_log
from xuefen.inbox.recipients import users_with_roles
from xuefen.inbox.services import notify_on_commit
from xuefen.org.choices import NodeKind, Role
from xuefen.org.models import OrgNode
from xuefen.org.scoping import ancestor_paths, require, user_grants
from xuefen.records.choices import RecordStatus
from xuefen.records.models import Record

from .choices import HOLDING_SUBMISSION, NoticeStatus, SubmissionStatus
from .models import Notice, Submission
from .procedure import WorkPeriod, check_window
from .workflow import SUBMISSION_MACHINE

# Roles that certify for a region: the training office of the county or the city.
CERTIFIER_ROLES = frozenset({Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.PROVINCE_ADMIN})
SCHOOL_STAFF = (Role.SCHOOL_ADMIN, Role.PRINCIPAL)
# Record statuses a school's review leaves behind: one of these changed after the notice
# was published means the notice no longer shows what the school submits.
REVIEWED = (
    RecordStatus.APPROVED,
    RecordStatus.REJECTED,
    RecordStatus.DECLINED,
    RecordStatus.CERTIFIED,
)
SNAPSHOT = ("status", "label", "start", "end", "notice", "records")


# -- who certifies ---------------------------------------------------------------------


def certifying_region(school: OrgNode) -> OrgNode | None:
    """The office that certifies ``school``'s periods: the nearest county above it, or the
    city for a school the city runs itself (市直学校). One query."""
    return (
        OrgNode.objects.filter(
            path__in=ancestor_paths(school.path), kind__in=[NodeKind.COUNTY, NodeKind.CITY]
        )
        .exclude(pk=school.pk)
        .order_by("-depth")
        .first()
    )


def may_certify(actor: Any, school: OrgNode, *, region: OrgNode | None = None) -> bool:
    """Whether ``actor`` certifies for ``school``: a regional administrator's grant at the
    certifying region or beneath it, over the school (a province or city administrator
    does not certify a county's school), or a superuser."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    region = region if region is not None else certifying_region(school)
    if region is None:
        return False
    return any(
        g.role in CERTIFIER_ROLES
        and g.path.startswith(region.path)
        and school.path.startswith(g.path)
        for g in user_grants(actor)
    )


def may_act_for_school(actor: Any, school: OrgNode) -> bool:
    """Whether ``actor`` is the school's own staff (administrator or principal at the
    school), or a superuser: submitting and withdrawing are the school's acts, not the
    county's, though the county may review the school's records."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    return actor.is_superuser or any(
        g.role in SCHOOL_STAFF and school.path.startswith(g.path) for g in user_grants(actor)
    )


def _require_school(actor: Any, submission: Submission, name: str) -> None:
    require(actor, SUBMISSION_MACHINE[name].action, submission)
    if not may_act_for_school(actor, submission.school):
        raise PermissionDenied("only the school's own staff submit or withdraw its period")


def _require_certifier(actor: Any, submission: Submission) -> None:
    require(actor, "certify", submission)
    if not may_certify(actor, submission.school):
        raise PermissionDenied("only the certifying county (or city) certifies this school")


# -- helpers ---------------------------------------------------------------------------


def submission_period(submission: Submission) -> WorkPeriod:
    """The work period a submission covers (its label already names it: 2023年度)."""
    return WorkPeriod(submission.period_type, submission.start, submission.end, submission.label)


def latest_notice(school: OrgNode, period: WorkPeriod) -> Notice | None:
    """The school's most recent notice of ``period``, whatever its status."""
    return (
        Notice.objects.filter(school=school, period_type=period.type, start=period.start)
        .order_by("-published_at", "-pk")
        .first()
    )


def records_changed_since(school: OrgNode, period: WorkPeriod, notice: Notice) -> int:
    """How many of the period's records moved after ``notice`` was published (reviewed
    since, or waiting for review): the notice no longer shows them as they are."""
    in_period = Record.objects.filter(
        teacher__school_id=school.pk, date__gte=period.start, date__lte=period.end
    )
    changed = in_period.filter(status__in=REVIEWED, updated_at__gt=notice.published_at).count()
    return changed + in_period.filter(status=RecordStatus.SUBMITTED).count()


def _check_notice(school: OrgNode, period: WorkPeriod, notice: Notice | None) -> None:
    """The period may be signed only after its notice ended unchanged."""
    if notice is None:
        raise ValidationError(
            {
                "notice": _("Publish the public notice of %(period)s first.")
                % {"period": period.name}
            }
        )
    if notice.status == NoticeStatus.OPEN:
        raise ValidationError(
            {
                "notice": _(
                    "The public notice of %(period)s is still up until %(day)s; sign after it "
                    "has ended."
                )
                % {"period": period.name, "day": notice.ends_on.isoformat()}
            }
        )
    if notice.status != NoticeStatus.CLOSED:
        raise ValidationError(
            {
                "notice": _(
                    "The latest public notice of %(period)s was %(status)s: publish the notice "
                    "again and let it run before signing."
                )
                % {"period": period.name, "status": notice.get_status_display()}
            }
        )
    changed = records_changed_since(school, period, notice)
    if changed:
        raise ValidationError(
            {
                "notice": _(
                    "%(n)d records of %(period)s changed or await review since the notice was "
                    "published on %(day)s: finish the review and publish the notice again "
                    "before signing."
                )
                % {
                    "n": changed,
                    "period": period.name,
                    "day": timezone.localtime(notice.published_at).date().isoformat(),
                }
            }
        )


def _url(submission: Submission) -> str:
    return reverse("credits:submission", args=[submission.pk])


def _tell_school(submission: Submission, event: str, text: str) -> None:
    notify_on_commit(
        users_with_roles(submission.school, SCHOOL_STAFF),
        event=event,
        title=text[:200],
        body=text,
        url=_url(submission),
    )


def _locked(submission: Submission) -> Submission:
    return Submission.objects.select_for_update().select_related("school").get(pk=submission.pk)


def _transition(
    *, actor: Any, submission: Submission, name: str, reason: str, changes: dict[str, Any]
) -> tuple[Submission, str]:
    """Move ``submission`` by ``name`` (inside the caller's transaction): lock, check state
    and window, write the changed columns and the audit entry. Returns it and the old
    status. Permission is the caller's business (judged before the lock)."""
    transition = SUBMISSION_MACHINE[name]
    current = _locked(submission)
    SUBMISSION_MACHINE.check(name, current.status, reason=reason)
    check_window(
        school=current.school,
        window=transition.window,
        period=submission_period(current),
        today=timezone.localdate(),
    )
    old_status = current.status
    current.status = transition.target
    for field, value in changes.items():
        setattr(current, field, value)
    current.save(update_fields=["status", *changes])
    audit_log(
        actor=actor,
        event=transition.event,
        target=current,
        node=current.school,
        old={"status": old_status},
        new={"status": current.status, **{k: v for k, v in changes.items() if k in SNAPSHOT}},
        reason=reason,
    )
    submission.status = current.status
    return current, old_status


# -- the services ----------------------------------------------------------------------


def submission_sign(
    *, actor: Any, school: OrgNode, period: WorkPeriod, reason: str = ""
) -> Submission:
    """The principal signs off ``school``'s ``period`` (校长签字): its latest public notice
    has ended and no record of the period changed since it was published; inside the
    recognition window. One holding submission per school and period."""
    require(actor, "sign", school)
    if school.kind != NodeKind.SCHOOL:
        raise ValidationError({"school": _("Only a school signs off a period.")})
    check_window(school=school, window="recognition", period=period, today=timezone.localdate())
    held = _("%(period)s is already signed off for this school.") % {"period": period.name}
    with transaction.atomic():
        notice = latest_notice(school, period)
        if notice is not None:
            # Locked: a notice being replaced or withdrawn at this moment waits, or wins.
            notice = Notice.objects.select_for_update().get(pk=notice.pk)
        _check_notice(school, period, notice)
        if Submission.objects.filter(
            school=school,
            period_type=period.type,
            start=period.start,
            status__in=sorted(HOLDING_SUBMISSION),
        ).exists():
            raise ValidationError({"status": held})
        try:
            with transaction.atomic():
                submission = Submission.objects.create(
                    school=school,
                    period_type=period.type,
                    start=period.start,
                    end=period.end,
                    label=period.name[:40],
                    notice=notice,
                    status=SubmissionStatus.SIGNED,
                    signed_by=actor,
                    signed_at=timezone.now(),
                )
        except IntegrityError:
            # Two signatures at once: the constraint lets one through.
            raise ValidationError({"status": held}) from None
        audit_log(
            actor=actor,
            event=Event.SUBMISSION_SIGN,
            target=submission,
            node=school,
            new={
                "status": submission.status,
                "label": submission.label,
                "start": submission.start,
                "end": submission.end,
                "notice": notice.pk,
            },
            reason=reason,
        )
        _tell_school(
            submission,
            Event.SUBMISSION_SIGN,
            _("The principal signed off %(period)s: it can be submitted to the county.")
            % {"period": submission.label},
        )
    return submission


def submission_submit(*, actor: Any, submission: Submission, reason: str = "") -> Submission:
    """The school submits its signed period to the certifying office (recognition
    window). The county's (or city's) administrators are told."""
    _require_school(actor, submission, "submit")
    with transaction.atomic():
        current, _old = _transition(
            actor=actor,
            submission=submission,
            name="submit",
            reason=reason,
            changes={"submitted_by": actor, "submitted_at": timezone.now()},
        )
        region = certifying_region(current.school)
        if region is not None:
            text = _("%(school)s submitted %(period)s for certification.") % {
                "school": current.school.name,
                "period": current.label,
            }
            notify_on_commit(
                users_with_roles(region, [Role.COUNTY_ADMIN, Role.CITY_ADMIN]),
                event=SUBMISSION_MACHINE["submit"].event,
                title=text[:200],
                body=text,
                url=_url(current),
            )
    return current


def submission_withdraw(*, actor: Any, submission: Submission, reason: str) -> Submission:
    """The school takes back a sign-off it has not submitted (a reason is required): the
    period's records may be reviewed again."""
    _require_school(actor, submission, "withdraw")
    with transaction.atomic():
        current, _old = _transition(
            actor=actor,
            submission=submission,
            name="withdraw",
            reason=reason,
            changes={"reason": reason.strip()},
        )
    return current


def period_records(submission: Submission) -> Any:
    """The approved records of the submission's school dated in its period, locked, with
    what their check and their audit entries read joined in."""
    return (
        Record.objects.select_for_update(of=("self",))
        .filter(
            teacher__school_id=submission.school_id,
            date__gte=submission.start,
            date__lte=submission.end,
            status=RecordStatus.APPROVED,
        )
        .select_related("teacher__school", "project__institution", "project__publisher")
        .order_by("pk")
    )


def submission_certify(*, actor: Any, submission: Submission, reason: str = "") -> Submission:
    """The certifying office certifies a submitted period (certification window): in one
    transaction every approved record of the school's teachers dated in the period is
    certified and its engine input frozen (:func:`records_certify_bulk`), the submission
    counts them, the school's staff are told, and each teacher whose records were certified
    gets one notification. If a record cannot be certified, nothing is, and the error
    names it (the county returns the period with that reason)."""
    from xuefen.records.services import records_certify_bulk

    _require_certifier(actor, submission)
    transition = SUBMISSION_MACHINE["certify"]
    with transaction.atomic():
        current = _locked(submission)
        # State and window before the records are read: a refusal costs one query.
        SUBMISSION_MACHINE.check("certify", current.status, reason=reason)
        check_window(
            school=current.school,
            window=transition.window,
            period=submission_period(current),
            today=timezone.localdate(),
        )
        records = records_certify_bulk(actor=actor, records=period_records(current), reason=reason)
        current, _old = _transition(
            actor=actor,
            submission=current,
            name="certify",
            reason=reason,
            changes={
                "decided_by": actor,
                "decided_at": timezone.now(),
                "records": len(records),
                "reason": "",
            },
        )
        _tell_school(
            current,
            transition.event,
            _("%(period)s was certified: %(n)d records.")
            % {"period": current.label, "n": len(records)},
        )
        teachers = {r.teacher.user_id for r in records if r.teacher.user_id is not None}
        text = _("Your credits of %(period)s were certified by %(office)s.") % {
            "period": current.label,
            "office": (certifying_region(current.school) or current.school).name,
        }
        notify_on_commit(
            teachers,
            event=transition.event,
            title=text[:200],
            body=text,
            url=reverse("portal:me"),
        )
    submission.records = current.records
    return current


def submission_return(*, actor: Any, submission: Submission, reason: str) -> Submission:
    """The certifying office returns a submitted period to the school with its reasons:
    the period is open again (the school corrects, publishes again, and the principal
    signs a new submission)."""
    _require_certifier(actor, submission)
    with transaction.atomic():
        current, _old = _transition(
            actor=actor,
            submission=submission,
            name="return",
            reason=reason,
            changes={
                "decided_by": actor,
                "decided_at": timezone.now(),
                "reason": (reason or "").strip(),
            },
        )
        _tell_school(
            current,
            SUBMISSION_MACHINE["return"].event,
            _("%(period)s was returned by the county: %(reason)s")
            % {"period": current.label, "reason": current.reason},
        )
    return current
