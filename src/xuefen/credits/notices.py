"""Business actions on a school's public notice (公示) and the teachers' objections.

Each function is one transition of :data:`~xuefen.credits.workflow.NOTICE_MACHINE` or
:data:`~xuefen.credits.workflow.OBJECTION_MACHINE` (or the creation of the object): the
actor's right and the object's state are judged on the locked row, the change is made in
one transaction with one audit entry, and the people concerned are told once it commits.

The notice's lines are derived data: this module writes the :class:`Notice` row and its
audit entry (``notice.publish``); :mod:`xuefen.results.notices` listens to that entry in
the same transaction and freezes one :class:`NoticeLine` per active teacher from the stored
results. Nothing here imports :mod:`xuefen.results`.

Dates: a notice published on day D for N days is on notice D, D+1, …, D+N-1; ``ends_on``
is that last day (inclusive). Teachers may object until the end of ``ends_on``; the school
may close it from ``ends_on`` on (普洱: 公示 7 天 — published on 11-20, the 7th day is
11-26, closed on 11-26 at the earliest).
"""

from __future__ import annotations

import datetime as dt
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
from xuefen.org.models import OrgNode, Teacher
from xuefen.org.scoping import require, user_grants
from xuefen.records.choices import RecordStatus
from xuefen.records.models import Record

from .choices import HOLDING_SUBMISSION, NoticeStatus, ObjectionStatus
from .models import Notice, NoticeLine, Objection, Submission
from .procedure import WorkPeriod, check_window, parse_period_key, procedure_at
from .workflow import NOTICE_MACHINE, OBJECTION_MACHINE

# How long a notice may be posted (days); the policy's default is usually 7.
MAX_NOTICE_DAYS = 60
# Notices a new publication replaces (a withdrawn or superseded one is history).
REPLACEABLE = frozenset({NoticeStatus.OPEN, NoticeStatus.CLOSED})
# Passed as ``current`` when the caller does not say which notice it saw.
ANY = object()


def notice_ends_on(published: dt.date, days: int) -> dt.date:
    """The last day on notice, inclusive: published on D for N days → D + N - 1."""
    return published + dt.timedelta(days=days - 1)


def _notice_url(notice: Notice) -> str:
    return reverse("credits:notice", args=[notice.pk])


def _is_teacher_of(actor: Any, teacher_user_id: int | None) -> bool:
    """The actor is this teacher (their own account, holding the teacher role)."""
    return (
        actor is not None
        and actor.is_authenticated
        and teacher_user_id is not None
        and teacher_user_id == actor.pk
        and any(g.role == Role.TEACHER for g in user_grants(actor))
    )


def _locked_notice(notice: Notice) -> Notice:
    return Notice.objects.select_for_update().select_related("school").get(pk=notice.pk)


def _open_objections(notice: Notice) -> int:
    return Objection.objects.filter(notice_id=notice.pk, status=ObjectionStatus.OPEN).count()


def _check_period(school: OrgNode, period: WorkPeriod, today: dt.date) -> int:
    """Refuse a period the school's procedure does not define or that has not begun;
    returns the procedure's notice days."""
    if school.kind != NodeKind.SCHOOL:
        raise ValidationError({"school": _("%(name)s is not a school.") % {"name": school.name}})
    procedure = procedure_at(school, period.end)
    if procedure is None or parse_period_key(school, period.key, today=today) != period:
        raise ValidationError(
            {
                "period": _("%(period)s is not a period of the policy in force at %(school)s.")
                % {"period": period.name or period.key, "school": school.name}
            }
        )
    if period.start > today:
        raise ValidationError(
            {
                "period": _("%(period)s has not begun yet (it starts on %(start)s).")
                % {"period": period.name, "start": period.start.isoformat()}
            }
        )
    return procedure.notice_days


def pending_review_count(school: OrgNode, period: WorkPeriod) -> int:
    """Records of the school's teachers dated in the period still waiting for review."""
    return Record.objects.filter(
        teacher__school_id=school.pk,
        status=RecordStatus.SUBMITTED,
        date__gte=period.start,
        date__lte=period.end,
    ).count()


def holding_submission_for(school: OrgNode, period: WorkPeriod) -> Submission | None:
    """The signed, submitted or certified submission of the school's period, if any."""
    return (
        Submission.objects.filter(
            school_id=school.pk,
            period_type=period.type,
            start=period.start,
            status__in=sorted(HOLDING_SUBMISSION),
        )
        .order_by("-signed_at")
        .first()
    )


def _clean_days(days: Any, default: int) -> int:
    if days is None or days == "":
        return default
    try:
        value = int(days)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= MAX_NOTICE_DAYS:
        raise ValidationError(
            {
                "days": _("The notice runs for 1 to %(max)d days (got %(value)s).")
                % {"max": MAX_NOTICE_DAYS, "value": days}
            }
        )
    return value


def notice_publish(
    *,
    actor: Any,
    school: OrgNode,
    period: WorkPeriod,
    days: int | None = None,
    note: str = "",
    today: dt.date | None = None,
    current: Any = ANY,
) -> Notice:
    """Publish the school's summary for ``period`` for ``days`` days (default: the
    policy's ``notice_days``): each active teacher's hours and credits per mode, counting
    certified and approved records, frozen as they are now.

    Refused while a record of the period waits for review, while the period is signed off,
    submitted or certified, outside the recognition window, and while the notice it would
    replace has an unanswered objection. An open or closed notice of the period is
    superseded by the new one (``replaces``): that is how a correction is published again.
    ``current`` is the notice the publisher saw (None: none); if another was published
    meanwhile, this publication is refused rather than replacing what nobody has read.
    """
    require(actor, "review", school)
    today = today or timezone.localdate()
    default_days = _check_period(school, period, today)
    days = _clean_days(days, default_days)
    check_window(school=school, window="recognition", period=period, today=today)
    note = (note or "").strip()
    with transaction.atomic():
        # Two publishers of the same period: each locks the notices it replaces; the one
        # that waited finds them superseded and its new notice meets the first one's in
        # the one-open-notice constraint (below). Not the school row: the results worker
        # locks teachers' states, then schools, and publication recomputes stale teachers.
        previous = list(
            Notice.objects.select_for_update()
            .filter(
                school_id=school.pk,
                period_type=period.type,
                start=period.start,
                status__in=sorted(REPLACEABLE),
            )
            .order_by("-published_at", "-pk")
        )
        if current is not ANY:
            seen = getattr(current, "pk", current)
            if [n.pk for n in previous[:1]] != ([seen] if seen else []):
                raise ValidationError(_published_meanwhile(period))
        submission = holding_submission_for(school, period)
        if submission is not None:
            raise ValidationError(
                _("%(period)s is %(status)s: it cannot be published again.")
                % {"period": period.name, "status": submission.get_status_display()}
            )
        waiting = pending_review_count(school, period)
        if waiting:
            raise ValidationError(
                _("%(count)d records of %(period)s are still waiting for review.")
                % {"count": waiting, "period": period.name}
            )
        for old in previous:
            NOTICE_MACHINE.check("supersede", old.status)
            unanswered = _open_objections(old)
            if unanswered:
                raise ValidationError(
                    _(
                        "%(count)d objections to the current notice are not answered yet: "
                        "answer them before publishing again."
                    )
                    % {"count": unanswered}
                )
        replaced = previous[0] if previous else None
        replaced_status = replaced.status if replaced is not None else None
        for old in previous:
            old.status = NoticeStatus.SUPERSEDED
            old.save(update_fields=["status"])
        now = timezone.now()
        notice = Notice(
            school=school,
            period_type=period.type,
            start=period.start,
            end=period.end,
            label=period.name[:40],
            status=NoticeStatus.OPEN,
            days=days,
            published_at=now,
            published_by=actor,
            ends_on=notice_ends_on(today, days),
            replaces=replaced,
            note=note,
        )
        try:
            with transaction.atomic():
                notice.save()
        except IntegrityError:
            raise ValidationError(_published_meanwhile(period)) from None
        # The audit entry is the publication; its listener (xuefen.results.notices)
        # freezes the lines and sets the notice's counts in this transaction.
        audit_log(
            actor=actor,
            event=Event.NOTICE_PUBLISH,
            target=notice,
            node=school,
            old={"replaces": replaced.pk, "replaced_status": replaced_status}
            if replaced is not None
            else {},
            new={
                "status": NoticeStatus.OPEN,
                "period": period.key,
                "days": days,
                "ends_on": notice.ends_on,
                "replaces": replaced.pk if replaced is not None else None,
            },
            reason=note,
        )
        teacher_users = Teacher.objects.filter(
            school_id=school.pk, active=True, user__isnull=False
        ).values_list("user_id", flat=True)
        text = _(
            "%(school)s published the credit summary of %(period)s until %(ends)s: "
            "check your line and object if it is wrong."
        ) % {"school": school.name, "period": period.name, "ends": notice.ends_on.isoformat()}
        notify_on_commit(
            list(teacher_users),
            event=Event.NOTICE_PUBLISH,
            title=text[:200],
            body=text,
            url=_notice_url(notice),
        )
    return notice


def _published_meanwhile(period: WorkPeriod) -> str:
    return _(
        "Another notice of %(period)s was published meanwhile: reload the page and check it."
    ) % {"period": period.name}


def notice_close(*, actor: Any, notice: Notice, today: dt.date | None = None) -> Notice:
    """End the notice: not before its last day (``ends_on``), nor while an objection is
    unanswered. The principal is told that the period can be signed off."""
    require(actor, "review", notice)
    today = today or timezone.localdate()
    with transaction.atomic():
        current = _locked_notice(notice)
        NOTICE_MACHINE.check("close", current.status)
        if today < current.ends_on:
            raise ValidationError(
                {
                    "status": _(
                        "The notice runs until %(ends)s (inclusive): it can be closed from "
                        "that day on."
                    )
                    % {"ends": current.ends_on.isoformat()}
                }
            )
        unanswered = _open_objections(current)
        if unanswered:
            raise ValidationError(
                {"status": _("%(count)d objections are not answered yet.") % {"count": unanswered}}
            )
        current.status = NoticeStatus.CLOSED
        current.closed_at = timezone.now()
        current.save(update_fields=["status", "closed_at"])
        audit_log(
            actor=actor,
            event=Event.NOTICE_CLOSE,
            target=current,
            node=current.school,
            old={"status": NoticeStatus.OPEN},
            new={"status": NoticeStatus.CLOSED},
        )
        text = _(
            "The notice of %(period)s at %(school)s has ended: the period can be signed off."
        ) % {"period": current.label, "school": current.school.name}
        notify_on_commit(
            users_with_roles(current.school, [Role.PRINCIPAL]),
            event=Event.NOTICE_CLOSE,
            title=text[:200],
            body=text,
            url=reverse("credits:school"),
        )
    notice.status, notice.closed_at = current.status, current.closed_at
    return current


def notice_withdraw(*, actor: Any, notice: Notice, reason: str) -> Notice:
    """Take an open or closed notice down, with a reason (published by mistake), as long as
    the period is not signed off. Unanswered objections can still be answered."""
    require(actor, "review", notice)
    with transaction.atomic():
        current = _locked_notice(notice)
        NOTICE_MACHINE.check("withdraw", current.status, reason=reason)
        period = WorkPeriod(current.period_type, current.start, current.end, current.label)
        submission = holding_submission_for(current.school, period)
        if submission is not None:
            raise ValidationError(
                {
                    "status": _("The period is %(status)s: its notice cannot be withdrawn.")
                    % {"status": submission.get_status_display()}
                }
            )
        old_status = current.status
        current.status = NoticeStatus.WITHDRAWN
        current.save(update_fields=["status"])
        audit_log(
            actor=actor,
            event=Event.NOTICE_WITHDRAW,
            target=current,
            node=current.school,
            old={"status": old_status},
            new={"status": NoticeStatus.WITHDRAWN},
            reason=reason.strip(),
        )
    notice.status = current.status
    return current


def objection_raise(
    *, actor: Any, line: NoticeLine, reason: str, today: dt.date | None = None
) -> Objection:
    """The teacher of ``line`` objects to it, with a reason, while the notice is open and
    not past its last day (one open objection per line). The school's administrators are
    told."""
    line = NoticeLine.objects.select_related("teacher", "notice__school").get(pk=line.pk)
    if not _is_teacher_of(actor, line.teacher.user_id):
        raise PermissionDenied("only the teacher of a line objects to it")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what is wrong with your line.")})
    today = today or timezone.localdate()
    with transaction.atomic():
        notice = _locked_notice(line.notice)
        if notice.status != NoticeStatus.OPEN:
            raise ValidationError(
                {
                    "status": _("This notice is %(state)s: objections are closed.")
                    % {"state": NOTICE_MACHINE.label(notice.status)}
                }
            )
        if today > notice.ends_on:
            raise ValidationError(
                {
                    "status": _("The notice ended on %(ends)s: objections are closed.")
                    % {"ends": notice.ends_on.isoformat()}
                }
            )
        if Objection.objects.filter(line_id=line.pk, status=ObjectionStatus.OPEN).exists():
            raise ValidationError(
                {"reason": _("Your objection to this line is still waiting for an answer.")}
            )
        objection = Objection(
            notice=notice, line=line, teacher=line.teacher, reason=reason, raised_by=actor
        )
        try:
            with transaction.atomic():
                objection.save()
        except IntegrityError:
            raise ValidationError(
                {"reason": _("Your objection to this line is still waiting for an answer.")}
            ) from None
        audit_log(
            actor=actor,
            event=Event.OBJECTION_RAISE,
            target=objection,
            node=notice.school,
            new={"notice": notice.pk, "line": line.pk, "status": ObjectionStatus.OPEN},
            reason=reason,
        )
        text = _("%(teacher)s objects to their line of the notice of %(period)s: %(reason)s") % {
            "teacher": line.name,
            "period": notice.label,
            "reason": reason,
        }
        notify_on_commit(
            users_with_roles(notice.school, [Role.SCHOOL_ADMIN]),
            event=Event.OBJECTION_RAISE,
            title=text[:200],
            body=text,
            url=_notice_url(notice),
        )
    return objection


def _locked_objection(objection: Objection) -> Objection:
    return (
        Objection.objects.select_for_update()
        .select_related("notice__school", "teacher")
        .get(pk=objection.pk)
    )


def objection_withdraw(*, actor: Any, objection: Objection) -> Objection:
    """The teacher takes back their objection before it is answered."""
    with transaction.atomic():
        current = _locked_objection(objection)
        if not _is_teacher_of(actor, current.teacher.user_id):
            raise PermissionDenied("only the teacher withdraws their objection")
        OBJECTION_MACHINE.check("withdraw", current.status)
        current.status = ObjectionStatus.WITHDRAWN
        current.save(update_fields=["status"])
        audit_log(
            actor=actor,
            event=Event.OBJECTION_WITHDRAW,
            target=current,
            node=current.notice.school,
            old={"status": ObjectionStatus.OPEN},
            new={"status": ObjectionStatus.WITHDRAWN},
        )
    objection.status = current.status
    return current


def objection_answer(*, actor: Any, objection: Objection, answer: str) -> Objection:
    """The school answers an objection (the answer is required: what was checked, what was
    corrected). Records are corrected through the review pages; the corrected summary is
    then published again. The teacher is told."""
    require(actor, "review", objection)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Write the answer to the teacher.")})
    with transaction.atomic():
        current = _locked_objection(objection)
        OBJECTION_MACHINE.check("answer", current.status, reason=answer)
        current.status = ObjectionStatus.ANSWERED
        current.answer = answer
        current.answered_by = actor
        current.answered_at = timezone.now()
        current.save(update_fields=["status", "answer", "answered_by", "answered_at"])
        audit_log(
            actor=actor,
            event=Event.OBJECTION_ANSWER,
            target=current,
            node=current.notice.school,
            old={"status": ObjectionStatus.OPEN},
            new={"status": ObjectionStatus.ANSWERED},
            reason=answer,
        )
        if current.teacher.user_id:
            text = _("Your objection to the notice of %(period)s was answered: %(answer)s") % {
                "period": current.notice.label,
                "answer": answer,
            }
            notify_on_commit(
                [current.teacher.user_id],
                event=Event.OBJECTION_ANSWER,
                title=text[:200],
                body=text,
                url=_notice_url(current.notice),
            )
    objection.status, objection.answer = current.status, current.answer
    return current
