"""The public notice (公示) of a school's period and the teachers' objections: every
transition and every refused one (wrong state, wrong role, out of scope, out of window),
each with its audit row; the lines frozen at publication.

The world: school A (思茅一中: teacher_a 张丽, teacher_a2 李强) under 普洱市 (puer-2023: the
year is the period, 7 days on notice, recognition 11-01..12-31). Today is set by ``on``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xuefen.audit.choices import Event
from xuefen.audit.models import AuditEntry
from xuefen.credits.choices import NoticeStatus, ObjectionStatus, SubmissionStatus
from xuefen.credits.models import Notice, NoticeLine, Objection, Submission, WindowException
from xuefen.credits.notices import (
    notice_close,
    notice_ends_on,
    notice_publish,
    notice_withdraw,
    objection_answer,
    objection_raise,
    objection_withdraw,
)
from xuefen.credits.procedure import procedure_at
from xuefen.inbox.models import Notification
from xuefen.org.services import teacher_update
from xuefen.records.services import record_approve, record_submit
from xuefen.results.events import mark_stale

pytestmark = pytest.mark.django_db

DAY = dt.date(2023, 11, 15)  # in the recognition window of 2023


@pytest.fixture
def on(monkeypatch):
    """``on(day)``: today is ``day`` for the services and the results."""

    def set_day(day: dt.date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)

    set_day(DAY)
    return set_day


@pytest.fixture
def period(people):
    return procedure_at(people.school_a, dt.date(2023, 6, 1)).period_of(dt.date(2023, 6, 1))


@pytest.fixture
def records(people, make_record, on):
    """teacher_a: a certified online training (30 h, 34.5 credits) and an approved
    centralized one of 2023 (12 h × 1.5 × 1.2 = 21.6); a draft of 2023 that does not count."""
    return [
        make_record(people.teacher_a, status="certified", date=dt.date(2023, 3, 10)),
        make_record(
            people.teacher_a,
            status="approved",
            date=dt.date(2023, 4, 10),
            fields={
                "mode": "centralized",
                "module": "ability",
                "hours": 12,
                "score": 95,
                "self_selected": True,
                "credit_per_hour": 1.5,
            },
        ),
        make_record(people.teacher_a, status="draft", date=dt.date(2023, 5, 10)),
    ]


def _audit(event, target):
    return AuditEntry.objects.filter(event=event, target_id=str(target.pk))


def publish(people, period, **kwargs):
    return notice_publish(
        actor=people.school_admin_a, school=people.school_a, period=period, **kwargs
    )


def line_of(notice, teacher):
    return NoticeLine.objects.get(notice=notice, teacher=teacher)


# -- publish ----------------------------------------------------------------------------


def test_publish_freezes_each_teachers_figures(
    people, period, records, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = publish(people, period, note="请核对")
    assert notice.status == NoticeStatus.OPEN and notice.days == 7
    assert notice.ends_on == dt.date(2023, 11, 21)  # 11-15 .. 11-21: seven days
    assert notice.label == "2023年度" and notice.replaces is None
    assert notice.teachers == 2 and notice.compliant == 0
    mine = line_of(notice, people.teacher_a)
    assert mine.name == "张丽" and mine.group == ""
    assert mine.hours == {"online": 30.0, "centralized": 12.0, "school_based": 0.0, "total": 42.0}
    assert mine.credits["centralized"] == 21.6 and mine.credits["total"] == 56.1
    assert mine.compliant is False
    assert {s["id"] for s in mine.short} >= {"year-hours-total", "year-hours-school-based"}
    other = line_of(notice, people.teacher_a2)
    assert other.hours["total"] == 0 and other.compliant is False  # judged: earned nothing
    assert notice.totals["hours"]["total"] == 42.0
    stored = Notice.objects.get(pk=notice.pk)
    assert (stored.teachers, stored.totals) == (2, notice.totals)
    entry = _audit(Event.NOTICE_PUBLISH, notice).get()
    assert entry.actor == people.school_admin_a and entry.node == people.school_a
    assert entry.new_values["period"] == "year:2023-01-01" and entry.reason == "请核对"
    told = Notification.objects.filter(event=Event.NOTICE_PUBLISH)
    assert {n.user_id for n in told} == {people.teacher_a.user_id, people.teacher_a2.user_id}


def test_publish_takes_the_days_given(people, period, on):
    notice = publish(people, period, days=10)
    assert notice.ends_on == notice_ends_on(DAY, 10) == dt.date(2023, 11, 24)
    with pytest.raises(ValidationError) as exc:
        publish(people, period, days=0)
    assert "days" in exc.value.message_dict


def test_lines_are_frozen(people, period, make_record, on):
    notice = publish(people, period)
    assert line_of(notice, people.teacher_a2).hours["total"] == 0
    record = make_record(people.teacher_a2, status="draft", date=dt.date(2023, 3, 10))
    record_submit(actor=people.teacher_a2.user, record=record)
    record_approve(actor=people.school_admin_a, record=record)
    assert line_of(notice, people.teacher_a2).hours["total"] == 0  # as published
    newer = publish(people, period)  # the correction is published again
    assert line_of(newer, people.teacher_a2).hours["total"] == 30.0


def test_stale_teachers_are_recomputed_first(people, period, records):
    mark_stale([people.teacher_a.pk])
    teacher_update(actor=people.root, teacher=people.teacher_a2, name="李强强")
    notice = publish(people, period)
    assert line_of(notice, people.teacher_a).hours["total"] == 42.0
    assert line_of(notice, people.teacher_a2).name == "李强强"


def test_inactive_teachers_have_no_line(people, period, on):
    teacher_update(actor=people.root, teacher=people.teacher_a2, active=False)
    notice = publish(people, period)
    assert list(notice.lines.values_list("teacher_id", flat=True)) == [people.teacher_a.pk]


def test_publish_refused_while_records_wait_for_review(people, period, make_record, on):
    make_record(people.teacher_a, status="submitted", date=dt.date(2023, 5, 1))
    make_record(people.teacher_a2, status="submitted", date=dt.date(2023, 6, 1))
    make_record(people.teacher_a2, status="submitted", date=dt.date(2022, 6, 1))  # 2022
    with pytest.raises(ValidationError) as exc:
        publish(people, period)
    assert "2" in exc.value.messages[0]
    assert (
        not Notice.objects.exists()
        and not AuditEntry.objects.filter(event=Event.NOTICE_PUBLISH).exists()
    )


def test_publish_refused_while_the_period_is_signed(people, period, on):
    notice = publish(people, period)
    Submission.objects.create(
        school=people.school_a,
        period_type=period.type,
        start=period.start,
        end=period.end,
        label=period.name,
        notice=notice,
        status=SubmissionStatus.SIGNED,
        signed_by=people.principal_a,
        signed_at=timezone.now(),
    )
    with pytest.raises(ValidationError):
        publish(people, period)
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.OPEN


@pytest.mark.parametrize("who", ["teacher_a", "peer_assessor", "school_admin_b", "county_y_admin"])
def test_publish_refused_to_the_wrong_role_or_out_of_scope(people, period, on, who):
    actor = getattr(people, who)
    actor = getattr(actor, "user", actor)
    with pytest.raises(PermissionDenied):
        notice_publish(actor=actor, school=people.school_a, period=period)
    assert not Notice.objects.exists()


def test_the_county_and_the_principal_may_publish(people, period, on):
    notice = notice_publish(actor=people.principal_a, school=people.school_a, period=period)
    assert notice.published_by == people.principal_a


def test_publish_refused_out_of_window_unless_the_county_opens_it(people, period, on):
    on(dt.date(2023, 10, 31))
    with pytest.raises(ValidationError) as exc:
        publish(people, period)
    assert "2023-11-01" in exc.value.messages[0]
    WindowException.objects.create(
        node=people.county_x,
        window="recognition",
        period_type="year",
        start=period.start,
        open_until=dt.date(2023, 10, 31),
        reason="补录",
        created_by=people.county_admin,
    )
    assert publish(people, period).status == NoticeStatus.OPEN


def test_publish_refused_for_a_period_not_of_the_policy(people, period, on):
    from xuefen.credits.procedure import WorkPeriod

    bogus = WorkPeriod("year", dt.date(2023, 2, 1), dt.date(2024, 1, 31), "x")
    with pytest.raises(ValidationError) as exc:
        publish(people, bogus)
    assert "period" in exc.value.message_dict
    future = WorkPeriod("year", dt.date(2024, 1, 1), dt.date(2024, 12, 31), "2024")
    with pytest.raises(ValidationError):
        publish(people, future)


def test_publishing_again_supersedes(people, period, on):
    first = publish(people, period)
    second = publish(people, period, current=first)
    first.refresh_from_db()
    assert first.status == NoticeStatus.SUPERSEDED
    assert second.replaces == first and second.status == NoticeStatus.OPEN
    entry = _audit(Event.NOTICE_PUBLISH, second).get()
    assert entry.old_values == {"replaces": first.pk, "replaced_status": "open"}
    # a closed notice is superseded too
    on(second.ends_on)
    notice_close(actor=people.school_admin_a, notice=second)
    third = publish(people, period)
    second.refresh_from_db()
    assert second.status == NoticeStatus.SUPERSEDED and third.replaces == second


def test_publish_refused_if_another_was_published_meanwhile(people, period, on):
    first = publish(people, period)
    with pytest.raises(ValidationError):
        publish(people, period, current=None)  # the page showed no notice
    assert Notice.objects.get(pk=first.pk).status == NoticeStatus.OPEN
    assert Notice.objects.count() == 1


def test_publish_again_refused_while_an_objection_is_open(people, period, on):
    notice = publish(people, period)
    objection_raise(
        actor=people.teacher_a.user, line=line_of(notice, people.teacher_a), reason="少了一条"
    )
    with pytest.raises(ValidationError) as exc:
        publish(people, period)
    assert "1" in exc.value.messages[0]


# -- close and withdraw -----------------------------------------------------------------


def test_close_not_before_the_last_day(people, period, on):
    notice = publish(people, period)
    on(notice.ends_on - dt.timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        notice_close(actor=people.school_admin_a, notice=notice)
    assert notice.ends_on.isoformat() in exc.value.messages[0]
    on(notice.ends_on)
    notice_close(actor=people.school_admin_a, notice=notice)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.CLOSED and notice.closed_at is not None
    entry = _audit(Event.NOTICE_CLOSE, notice).get()
    assert entry.new_values == {"status": "closed"} and entry.actor == people.school_admin_a
    with pytest.raises(ValidationError):  # wrong state: closed already
        notice_close(actor=people.school_admin_a, notice=notice)


def test_close_tells_the_principal(people, period, on, django_capture_on_commit_callbacks):
    notice = publish(people, period)
    on(notice.ends_on)
    with django_capture_on_commit_callbacks(execute=True):
        notice_close(actor=people.school_admin_a, notice=notice)
    assert Notification.objects.filter(event=Event.NOTICE_CLOSE, user=people.principal_a).exists()


def test_close_refused_while_an_objection_is_open(people, period, on):
    notice = publish(people, period)
    objection = objection_raise(
        actor=people.teacher_a.user, line=line_of(notice, people.teacher_a), reason="少了一条"
    )
    on(notice.ends_on + dt.timedelta(days=3))
    with pytest.raises(ValidationError) as exc:
        notice_close(actor=people.school_admin_a, notice=notice)
    assert "1" in exc.value.messages[0]
    objection_answer(actor=people.school_admin_a, objection=objection, answer="已核对，无误")
    notice_close(actor=people.school_admin_a, notice=notice)
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.CLOSED


@pytest.mark.parametrize("who", ["teacher_a", "peer_assessor", "school_admin_b"])
def test_close_refused_to_the_wrong_role(people, period, on, who):
    notice = publish(people, period)
    on(notice.ends_on)
    actor = getattr(people, who)
    with pytest.raises(PermissionDenied):
        notice_close(actor=getattr(actor, "user", actor), notice=notice)
    assert not _audit(Event.NOTICE_CLOSE, notice).exists()


def test_withdraw_with_a_reason(people, period, on):
    notice = publish(people, period)
    with pytest.raises(ValidationError) as exc:
        notice_withdraw(actor=people.school_admin_a, notice=notice, reason=" ")
    assert "reason" in exc.value.message_dict
    notice_withdraw(actor=people.school_admin_a, notice=notice, reason="发错了")
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.WITHDRAWN
    entry = _audit(Event.NOTICE_WITHDRAW, notice).get()
    assert entry.reason == "发错了" and entry.old_values == {"status": "open"}
    with pytest.raises(ValidationError):  # wrong state
        notice_withdraw(actor=people.school_admin_a, notice=notice, reason="again")
    # a withdrawn notice is not replaced: the next one starts afresh
    assert publish(people, period).replaces is None


def test_withdraw_refused_once_signed_and_to_teachers(people, period, on):
    notice = publish(people, period)
    with pytest.raises(PermissionDenied):
        notice_withdraw(actor=people.teacher_a.user, notice=notice, reason="x")
    Submission.objects.create(
        school=people.school_a,
        period_type=period.type,
        start=period.start,
        end=period.end,
        label=period.name,
        notice=notice,
        status=SubmissionStatus.SIGNED,
        signed_by=people.principal_a,
        signed_at=timezone.now(),
    )
    with pytest.raises(ValidationError):
        notice_withdraw(actor=people.school_admin_a, notice=notice, reason="x")
    assert not _audit(Event.NOTICE_WITHDRAW, notice).exists()


# -- objections -------------------------------------------------------------------------


def test_teacher_objects_and_the_school_is_told(
    people, period, on, django_capture_on_commit_callbacks
):
    notice = publish(people, period)
    line = line_of(notice, people.teacher_a)
    with django_capture_on_commit_callbacks(execute=True):
        objection = objection_raise(actor=people.teacher_a.user, line=line, reason=" 少了集中培训 ")
    assert objection.status == ObjectionStatus.OPEN and objection.reason == "少了集中培训"
    assert objection.teacher == people.teacher_a and objection.notice == notice
    entry = _audit(Event.OBJECTION_RAISE, objection).get()
    assert entry.actor == people.teacher_a.user and entry.reason == "少了集中培训"
    told = Notification.objects.filter(event=Event.OBJECTION_RAISE)
    assert [n.user_id for n in told] == [people.school_admin_a.pk]
    with pytest.raises(ValidationError):  # one open objection per line
        objection_raise(actor=people.teacher_a.user, line=line, reason="again")
    assert Objection.objects.count() == 1


def test_objection_needs_a_reason(people, period, on):
    notice = publish(people, period)
    with pytest.raises(ValidationError) as exc:
        objection_raise(
            actor=people.teacher_a.user, line=line_of(notice, people.teacher_a), reason=""
        )
    assert "reason" in exc.value.message_dict


@pytest.mark.parametrize("who", ["teacher_a2", "school_admin_a", "teacher_b"])
def test_only_the_lines_teacher_objects(people, period, on, who):
    notice = publish(people, period)
    actor = getattr(people, who)
    with pytest.raises(PermissionDenied):
        objection_raise(
            actor=getattr(actor, "user", actor), line=line_of(notice, people.teacher_a), reason="x"
        )
    assert not Objection.objects.exists()


def test_objection_refused_after_the_notice(people, period, on):
    notice = publish(people, period)
    line = line_of(notice, people.teacher_a)
    on(notice.ends_on + dt.timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        objection_raise(actor=people.teacher_a.user, line=line, reason="x")
    assert notice.ends_on.isoformat() in exc.value.messages[0]
    on(notice.ends_on)  # the last day still counts
    objection_raise(actor=people.teacher_a.user, line=line, reason="x")
    notice_withdraw(actor=people.school_admin_a, notice=notice, reason="重发")
    with pytest.raises(ValidationError):  # not open
        objection_raise(
            actor=people.teacher_a2.user, line=line_of(notice, people.teacher_a2), reason="x"
        )


def test_teacher_withdraws_own_objection(people, period, on):
    notice = publish(people, period)
    objection = objection_raise(
        actor=people.teacher_a.user, line=line_of(notice, people.teacher_a), reason="x"
    )
    with pytest.raises(PermissionDenied):
        objection_withdraw(actor=people.school_admin_a, objection=objection)
    with pytest.raises(PermissionDenied):
        objection_withdraw(actor=people.teacher_a2.user, objection=objection)
    objection_withdraw(actor=people.teacher_a.user, objection=objection)
    assert Objection.objects.get(pk=objection.pk).status == ObjectionStatus.WITHDRAWN
    assert _audit(Event.OBJECTION_WITHDRAW, objection).get().actor == people.teacher_a.user
    with pytest.raises(ValidationError):  # wrong state
        objection_withdraw(actor=people.teacher_a.user, objection=objection)
    with pytest.raises(ValidationError):
        objection_answer(actor=people.school_admin_a, objection=objection, answer="x")


def test_school_answers_and_the_teacher_is_told(
    people, period, on, django_capture_on_commit_callbacks
):
    notice = publish(people, period)
    objection = objection_raise(
        actor=people.teacher_a.user, line=line_of(notice, people.teacher_a), reason="x"
    )
    with pytest.raises(ValidationError) as exc:
        objection_answer(actor=people.school_admin_a, objection=objection, answer=" ")
    assert "answer" in exc.value.message_dict
    for who in (people.teacher_a.user, people.school_admin_b, people.peer_assessor):
        with pytest.raises(PermissionDenied):
            objection_answer(actor=who, objection=objection, answer="x")
    with django_capture_on_commit_callbacks(execute=True):
        objection_answer(
            actor=people.school_admin_a, objection=objection, answer="已补录，重新公示"
        )
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.ANSWERED
    assert objection.answer == "已补录，重新公示" and objection.answered_by == people.school_admin_a
    entry = _audit(Event.OBJECTION_ANSWER, objection).get()
    assert entry.reason == "已补录，重新公示"
    assert Notification.objects.filter(
        event=Event.OBJECTION_ANSWER, user=people.teacher_a.user
    ).exists()
    with pytest.raises(ValidationError):  # answered already
        objection_answer(actor=people.school_admin_a, objection=objection, answer="again")
    assert _audit(Event.OBJECTION_ANSWER, objection).count() == 1
