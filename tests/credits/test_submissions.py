"""The principal's sign-off, the school's submission, the county's certification or return
(普洱 附件2 四、认定程序): every transition and every refused one, each with its audit row.

The world: school A of county X (思茅区) under the city 普洱市 (puer-2023: the year is the
period; recognition 11-01..12-31, certification 03-01..04-30 of the next year). Today is
set by ``on(day)``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xuefen.audit.choices import Event
from xuefen.audit.models import AuditEntry
from xuefen.credits.choices import SubmissionStatus
from xuefen.credits.models import Notice, Submission, WindowException
from xuefen.credits.procedure import procedure_at
from xuefen.credits.submissions import (
    certifying_region,
    may_certify,
    submission_certify,
    submission_return,
    submission_sign,
    submission_submit,
    submission_withdraw,
)
from xuefen.inbox.models import Notification
from xuefen.org.choices import NodeKind, Role, SchoolKind
from xuefen.org.services import node_create, role_grant
from xuefen.records.choices import RecordStatus
from xuefen.records.models import Record
from xuefen.records.services import record_approve, record_reject, record_submit, record_update

pytestmark = pytest.mark.django_db

SIGN_DAY = dt.date(2023, 11, 15)  # in the recognition window of 2023
CERTIFY_DAY = dt.date(2024, 3, 15)  # in the certification window of 2023


@pytest.fixture
def on(monkeypatch):
    """``on(day)``: today is ``day`` for the services (windows, future dates)."""

    def set_day(day: dt.date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)

    set_day(SIGN_DAY)
    return set_day


@pytest.fixture
def period(people):
    return procedure_at(people.school_a, dt.date(2023, 6, 1)).period_of(dt.date(2023, 6, 1))


def publish(people, period, *, school=None, status="closed") -> Notice:
    """A notice of ``period`` as the notice services leave it (published now)."""
    school = school or people.school_a
    return Notice.objects.create(
        school=school,
        period_type=period.type,
        start=period.start,
        end=period.end,
        label=period.name,
        status=status,
        published_at=timezone.now(),
        published_by=people.school_admin_a,
        ends_on=SIGN_DAY - dt.timedelta(days=1),
    )


@pytest.fixture
def approved(people, make_record):
    """Two approved records of school A's teachers in 2023, one of 2022, one draft."""
    return [
        make_record(people.teacher_a, status="approved", date=dt.date(2023, 3, 10)),
        make_record(people.teacher_a2, status="approved", date=dt.date(2023, 9, 1)),
        make_record(people.teacher_a, status="approved", date=dt.date(2022, 5, 1)),
        make_record(people.teacher_a, status="draft", date=dt.date(2023, 4, 1)),
    ]


def audits(event, target) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(event=event, target_id=str(target.pk)))


def signed(people, period) -> Submission:
    publish(people, period)
    return submission_sign(actor=people.principal_a, school=people.school_a, period=period)


def submitted(people, period) -> Submission:
    submission = signed(people, period)
    return submission_submit(actor=people.school_admin_a, submission=submission)


# -- who certifies ---------------------------------------------------------------------


def test_the_nearest_county_certifies_or_the_city_for_its_own_schools(people) -> None:
    assert certifying_region(people.school_a) == people.county_x
    assert certifying_region(people.school_b) == people.county_x  # under the group
    city_school = node_create(
        actor=people.root,
        parent=people.city,
        kind=NodeKind.SCHOOL,
        name="普洱市一中",
        school_kind=SchoolKind.SECONDARY,
    )
    assert certifying_region(city_school) == people.city
    city_admin = people.root.__class__.objects.create_user("city_admin", password="pw")
    role_grant(actor=people.root, user=city_admin, node=people.city, role=Role.CITY_ADMIN)
    assert may_certify(city_admin, city_school)
    assert not may_certify(city_admin, people.school_a)  # a county's school
    assert may_certify(people.county_admin, people.school_a)
    assert not may_certify(people.county_y_admin, people.school_a)
    assert not may_certify(people.principal_a, people.school_a)
    assert may_certify(people.root, people.school_a)


# -- sign ------------------------------------------------------------------------------


def test_principal_signs_after_the_notice_ended(
    people, period, approved, on, django_capture_on_commit_callbacks
) -> None:
    notice = publish(people, period)
    with django_capture_on_commit_callbacks(execute=True):
        submission = submission_sign(
            actor=people.principal_a, school=people.school_a, period=period
        )
    assert submission.status == SubmissionStatus.SIGNED
    assert (submission.notice, submission.signed_by) == (notice, people.principal_a)
    assert (submission.start, submission.end) == (period.start, period.end)
    [entry] = audits(Event.SUBMISSION_SIGN, submission)
    assert entry.actor == people.principal_a and entry.node == people.school_a
    assert entry.new_values["status"] == "signed"
    # The school's staff are told.
    told = set(
        Notification.objects.filter(event=Event.SUBMISSION_SIGN).values_list("user", flat=True)
    )
    assert told == {people.school_admin_a.pk, people.principal_a.pk}


def test_school_admin_cannot_sign(people, period, on) -> None:
    publish(people, period)
    with pytest.raises(PermissionDenied):
        submission_sign(actor=people.school_admin_a, school=people.school_a, period=period)
    with pytest.raises(PermissionDenied):  # out of scope: another school's principal's reach
        submission_sign(actor=people.principal_a, school=people.school_b, period=period)
    assert not Submission.objects.exists()
    assert not AuditEntry.objects.filter(event=Event.SUBMISSION_SIGN).exists()


@pytest.mark.parametrize("status", [None, "open", "superseded", "withdrawn"])
def test_sign_needs_the_latest_notice_closed(people, period, on, status) -> None:
    if status is not None:
        publish(people, period, status=status)
    with pytest.raises(ValidationError) as exc:
        submission_sign(actor=people.principal_a, school=people.school_a, period=period)
    assert "notice" in exc.value.message_dict
    assert "2023" in exc.value.message_dict["notice"][0]
    assert not Submission.objects.exists()


def test_sign_refused_when_records_changed_since_the_notice(people, period, approved, on) -> None:
    publish(people, period)
    record_reject(actor=people.school_admin_a, record=approved[1], reason="证书不清")
    with pytest.raises(ValidationError) as exc:
        submission_sign(actor=people.principal_a, school=people.school_a, period=period)
    assert "重新发布公示" in exc.value.message_dict["notice"][0]


def test_sign_refused_while_a_record_awaits_review(people, period, approved, on) -> None:
    publish(people, period)
    record_submit(actor=people.teacher_a.user, record=approved[3])
    with pytest.raises(ValidationError):
        submission_sign(actor=people.principal_a, school=people.school_a, period=period)


def test_sign_refused_out_of_window_and_allowed_by_an_exception(people, period, on) -> None:
    publish(people, period)
    on(dt.date(2024, 1, 5))
    with pytest.raises(ValidationError) as exc:
        submission_sign(actor=people.principal_a, school=people.school_a, period=period)
    assert "2023-11-01" in exc.value.messages[0] and "2023-12-31" in exc.value.messages[0]
    WindowException.objects.create(
        node=people.school_a,
        window="recognition",
        period_type="year",
        start=period.start,
        open_until=dt.date(2024, 1, 10),
        reason="校长出差",
    )
    submission = submission_sign(actor=people.principal_a, school=people.school_a, period=period)
    assert audits(Event.SUBMISSION_SIGN, submission)


def test_one_holding_submission_per_period(people, period, on) -> None:
    signed(people, period)
    with pytest.raises(ValidationError) as exc:
        submission_sign(actor=people.principal_a, school=people.school_a, period=period)
    assert "已签字确认" in exc.value.messages[0]
    assert Submission.objects.count() == 1


def test_signed_period_freezes_its_records(people, period, approved, on) -> None:
    signed(people, period)
    with pytest.raises(ValidationError) as exc:
        record_reject(actor=people.school_admin_a, record=approved[0], reason="x")
    assert "status" in exc.value.message_dict


# -- withdraw, submit ------------------------------------------------------------------


def test_withdraw_a_signed_period_with_a_reason(people, period, approved, on) -> None:
    submission = signed(people, period)
    with pytest.raises(ValidationError) as exc:
        submission_withdraw(actor=people.principal_a, submission=submission, reason=" ")
    assert "reason" in exc.value.message_dict
    submission = submission_withdraw(
        actor=people.principal_a, submission=submission, reason="漏报一名教师"
    )
    assert submission.status == SubmissionStatus.WITHDRAWN
    [entry] = audits(Event.SUBMISSION_WITHDRAW, submission)
    assert entry.reason == "漏报一名教师" and entry.old_values == {"status": "signed"}
    # The period is open again: the school may review its records.
    record_reject(actor=people.school_admin_a, record=approved[0], reason="补充材料")
    with pytest.raises(ValidationError):  # a withdrawn sign-off cannot be withdrawn again
        submission_withdraw(actor=people.principal_a, submission=submission, reason="x")


def test_school_admin_submits_and_the_county_is_told(
    people, period, on, django_capture_on_commit_callbacks
) -> None:
    submission = signed(people, period)
    with django_capture_on_commit_callbacks(execute=True):
        submission = submission_submit(actor=people.school_admin_a, submission=submission)
    assert submission.status == SubmissionStatus.SUBMITTED
    assert submission.submitted_by == people.school_admin_a
    [entry] = audits(Event.SUBMISSION_SUBMIT, submission)
    assert entry.new_values["status"] == "submitted"
    assert Notification.objects.filter(
        event=Event.SUBMISSION_SUBMIT, user=people.county_admin
    ).exists()
    with pytest.raises(ValidationError):  # wrong state: already submitted
        submission_submit(actor=people.school_admin_a, submission=submission)
    with pytest.raises(ValidationError):  # a submitted period is no longer withdrawn
        submission_withdraw(actor=people.school_admin_a, submission=submission, reason="x")


def test_submit_refused_out_of_scope_and_out_of_window(people, period, on) -> None:
    submission = signed(people, period)
    with pytest.raises(PermissionDenied):
        submission_submit(actor=people.school_admin_b, submission=submission)
    with pytest.raises(PermissionDenied):
        submission_submit(actor=people.teacher_a.user, submission=submission)
    with pytest.raises(PermissionDenied):  # the county does not submit for the school
        submission_submit(actor=people.county_admin, submission=submission)
    with pytest.raises(PermissionDenied):
        submission_withdraw(actor=people.county_admin, submission=submission, reason="x")
    on(dt.date(2024, 1, 2))
    with pytest.raises(ValidationError) as exc:
        submission_submit(actor=people.school_admin_a, submission=submission)
    assert "2023-12-31" in exc.value.messages[0]
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SIGNED
    assert not AuditEntry.objects.filter(event=Event.SUBMISSION_SUBMIT).exists()


# -- certify, return -------------------------------------------------------------------


def test_county_certifies_every_approved_record_of_the_period(
    people, period, approved, on, django_capture_on_commit_callbacks
) -> None:
    submission = submitted(people, period)
    on(CERTIFY_DAY)
    with django_capture_on_commit_callbacks(execute=True):
        submission = submission_certify(actor=people.county_admin, submission=submission)
    assert submission.status == SubmissionStatus.CERTIFIED and submission.records == 2
    assert submission.decided_by == people.county_admin
    statuses = {r.pk: r.status for r in Record.objects.all()}
    assert statuses[approved[0].pk] == statuses[approved[1].pk] == RecordStatus.CERTIFIED
    assert statuses[approved[2].pk] == RecordStatus.APPROVED  # 2022: another period
    assert statuses[approved[3].pk] == RecordStatus.DRAFT
    frozen = Record.objects.get(pk=approved[0].pk)
    assert frozen.certified_input["hours"] == 30 and frozen.certified_input["kind"] == "training"
    [entry] = audits(Event.SUBMISSION_CERTIFY, submission)
    assert entry.new_values["records"] == 2 and entry.actor == people.county_admin
    assert len(audits(Event.RECORD_CERTIFY, approved[0])) == 1
    assert len(audits(Event.RECORD_CERTIFY, approved[1])) == 1
    # One notification per teacher whose records were certified, and the school's staff.
    told = list(
        Notification.objects.filter(event=Event.SUBMISSION_CERTIFY).values_list("user", flat=True)
    )
    assert sorted(told) == sorted(
        [
            people.teacher_a.user.pk,
            people.teacher_a2.user.pk,
            people.school_admin_a.pk,
            people.principal_a.pk,
        ]
    )
    # Certified records are locked: any change is a revocation.
    with pytest.raises(ValidationError):
        record_update(actor=people.school_admin_a, record=frozen, level="county")
    with pytest.raises(ValidationError):
        record_approve(actor=people.school_admin_a, record=approved[0])
    with pytest.raises(ValidationError):  # wrong state: certified already
        submission_certify(actor=people.county_admin, submission=submission)


@pytest.mark.parametrize("who", ["principal_a", "school_admin_a", "county_y_admin", "city_admin"])
def test_only_the_certifying_county_certifies_or_returns(people, period, approved, on, who):
    if who == "city_admin":
        actor = people.root.__class__.objects.create_user("city_admin", password="pw")
        role_grant(actor=people.root, user=actor, node=people.city, role=Role.CITY_ADMIN)
    else:
        actor = getattr(people, who)
    submission = submitted(people, period)
    on(CERTIFY_DAY)
    with pytest.raises(PermissionDenied):
        submission_certify(actor=actor, submission=submission)
    with pytest.raises(PermissionDenied):
        submission_return(actor=actor, submission=submission, reason="x")
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED
    assert not AuditEntry.objects.filter(
        event__in=[Event.SUBMISSION_CERTIFY, Event.SUBMISSION_RETURN]
    ).exists()
    assert Record.objects.filter(status=RecordStatus.CERTIFIED).count() == 0


def test_certify_refused_in_the_wrong_state_and_out_of_window(people, period, approved, on):
    submission = signed(people, period)
    on(CERTIFY_DAY)
    with pytest.raises(ValidationError) as exc:  # signed, not submitted
        submission_certify(actor=people.county_admin, submission=submission)
    assert "status" in exc.value.message_dict
    on(SIGN_DAY)
    submission = submission_submit(actor=people.school_admin_a, submission=submission)
    on(dt.date(2024, 5, 2))  # after the certification window
    with pytest.raises(ValidationError) as exc:
        submission_certify(actor=people.county_admin, submission=submission)
    assert "2024-04-30" in exc.value.messages[0]
    assert Record.objects.filter(status=RecordStatus.CERTIFIED).count() == 0
    WindowException.objects.create(
        node=people.county_x,
        window="certification",
        period_type="year",
        start=period.start,
        open_until=dt.date(2024, 5, 10),
        reason="系统维护",
    )
    submission = submission_certify(actor=people.county_admin, submission=submission)
    assert submission.status == SubmissionStatus.CERTIFIED
    assert audits(Event.SUBMISSION_CERTIFY, submission)


def test_certify_names_a_record_it_cannot_certify_and_changes_nothing(
    people, period, approved, on
) -> None:
    submission = submitted(people, period)
    # A record whose stored fields no longer pass today's rules (written behind the
    # services' back, as an old import might have).
    Record.objects.filter(pk=approved[1].pk).update(fields={"mode": "online", "hours": -3})
    on(CERTIFY_DAY)
    with pytest.raises(ValidationError) as exc:
        submission_certify(actor=people.county_admin, submission=submission)
    assert "李强" in exc.value.message_dict["records"][0]
    assert Record.objects.filter(status=RecordStatus.CERTIFIED).count() == 0
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED


def test_return_with_reasons_reopens_the_period_and_it_can_be_signed_again(
    people, period, approved, on, django_capture_on_commit_callbacks
) -> None:
    submission = submitted(people, period)
    on(CERTIFY_DAY)
    with pytest.raises(ValidationError) as exc:
        submission_return(actor=people.county_admin, submission=submission, reason="")
    assert "reason" in exc.value.message_dict
    with django_capture_on_commit_callbacks(execute=True):
        submission = submission_return(
            actor=people.county_admin, submission=submission, reason="李强的证书缺少盖章"
        )
    assert submission.status == SubmissionStatus.RETURNED
    assert submission.reason == "李强的证书缺少盖章"
    [entry] = audits(Event.SUBMISSION_RETURN, submission)
    assert entry.reason == "李强的证书缺少盖章" and entry.actor == people.county_admin
    told = set(
        Notification.objects.filter(event=Event.SUBMISSION_RETURN).values_list("user", flat=True)
    )
    assert told == {people.school_admin_a.pk, people.principal_a.pk}
    with pytest.raises(ValidationError):  # returned: nothing left to certify
        submission_certify(actor=people.county_admin, submission=submission)
    # The school corrects (the period is open again), publishes anew, the principal signs.
    on(dt.date(2023, 12, 1))  # back in the recognition window (an exception would do too)
    record_reject(actor=people.school_admin_a, record=approved[1], reason="补盖章")
    with pytest.raises(ValidationError):  # the old notice no longer shows the records
        submission_sign(actor=people.principal_a, school=people.school_a, period=period)
    publish(people, period)
    again = submission_sign(actor=people.principal_a, school=people.school_a, period=period)
    assert again.pk != submission.pk and again.status == SubmissionStatus.SIGNED
