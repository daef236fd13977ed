"""Sign-in that cannot be forwarded (activities.signin): rotating codes, the window, the
participants, replay by another user, the device flag, personal codes, the audit log.

Time is read through ``signin._now``; the ``clock`` fixture sets it. The activity starts
10 minutes before the real time, so the services of other parts that read
``timezone.now`` agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.conftest import id_number
from xuefen.activities import signin
from xuefen.activities.choices import ActivityStatus, Attendance, SignInMethod
from xuefen.activities.models import Activity, Participation
from xuefen.audit.choices import Event
from xuefen.audit.models import AuditEntry
from xuefen.inbox.models import Notification

pytestmark = pytest.mark.django_db


class Clock:
    """The time ``signin._now`` returns; ``tick`` moves it on."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def tick(self, seconds: float) -> dt.datetime:
        self.now += dt.timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    # At the start of a rotation slot, so "the next slot" is exactly one rotation away.
    now = timezone.now().replace(microsecond=0)
    now -= dt.timedelta(seconds=int(now.timestamp()) % signin.rotation())
    c = Clock(now)
    monkeypatch.setattr(signin, "_now", c)
    return c


def make_presenter(people: Any) -> Any:
    from django.contrib.auth import get_user_model

    from xuefen.org.services import teacher_create

    return teacher_create(
        actor=people.root,
        school=people.school_a,
        name="陈老师",
        id_number=id_number(9),
        user=get_user_model().objects.create_user(username="presenter_a", password="pw"),
        stage="primary",
        subject="语文",
    )


def make_activity(people: Any, clock: Clock, presenter: Any = None, **extra: Any) -> Activity:
    starts = clock.now - dt.timedelta(minutes=10)
    activity = Activity.objects.create(
        school=people.school_a,
        theme="七年级语文集体备课",
        type="lesson_preparation",
        place="三楼会议室",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        hours=2,
        presenter=presenter,
        created_by=people.school_admin_a,
        **extra,
    )
    for teacher in (people.teacher_a, people.teacher_a2):
        Participation.objects.create(activity=activity, teacher=teacher)
    return activity


@pytest.fixture
def presenter(people: Any) -> Any:
    return make_presenter(people)


@pytest.fixture
def activity(people: Any, clock: Clock, presenter: Any) -> Activity:
    return make_activity(people, clock, presenter)


def row(activity: Activity, teacher: Any) -> Participation:
    return Participation.objects.get(activity=activity, teacher=teacher)


def sign_ins(event: str = Event.SIGN_IN) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(event=event).order_by("pk"))


# -- codes --------------------------------------------------------------------------------


def test_code_is_short_and_good_in_its_slot_and_the_next_only(
    activity: Activity, clock: Clock
) -> None:
    code = signin.room_code(activity)
    assert signin.CODE_RE.match(code) and len(code) == 16
    assert signin.code_matches(activity, code, moment=clock.now)
    assert signin.code_matches(activity, code, moment=clock.now + dt.timedelta(seconds=19))
    clock.tick(signin.rotation())  # the next code shows; the last one still works
    assert signin.room_code(activity) != code
    assert signin.code_matches(activity, code, moment=clock.now)
    clock.tick(signin.rotation())  # two slots on: gone
    assert not signin.code_matches(activity, code, moment=clock.now)


def test_codes_depend_on_the_activity_its_secret_and_the_purpose(
    people: Any, activity: Activity, clock: Clock
) -> None:
    other = make_activity(people, clock)
    code = signin.room_code(activity)
    assert not signin.code_matches(other, code, moment=clock.now)
    personal = signin.personal_code(activity, people.teacher_a)
    assert personal != code
    assert signin.code_matches(activity, personal, moment=clock.now, teacher=people.teacher_a)
    assert not signin.code_matches(activity, personal, moment=clock.now, teacher=people.teacher_a2)
    assert not signin.code_matches(activity, personal, moment=clock.now)
    activity.sign_secret = "0" * 64  # a new secret voids every code
    assert not signin.code_matches(activity, code, moment=clock.now)
    for bad in ("", "x" * 16, code.upper() + "a", "../../etc", "é" * 16):
        assert not signin.code_matches(activity, bad, moment=clock.now)


def test_rotation_setting_is_kept_within_15_to_30_seconds(settings: Any) -> None:
    settings.XUEFEN_SIGNIN_ROTATION = 5
    assert signin.rotation() == 15
    settings.XUEFEN_SIGNIN_ROTATION = 90
    assert signin.rotation() == 30
    settings.XUEFEN_SIGNIN_ROTATION = 25
    assert signin.rotation() == 25


# -- sign-in ------------------------------------------------------------------------------


def test_sign_in_marks_the_teacher_present_and_audits(people: Any, activity: Activity) -> None:
    code = signin.room_code(activity)
    result = signin.sign_in(
        actor=people.teacher_a.user, activity=activity, code=code, device="device-1"
    )
    mine = row(activity, people.teacher_a)
    assert (result.already, result.flagged) == (False, False)
    assert (mine.state, mine.method, mine.signed_by) == (
        Attendance.PRESENT,
        SignInMethod.QR,
        people.teacher_a.user,
    )
    assert mine.signed_at == signin._now()
    assert mine.device == signin.device_hash(activity, "device-1")
    assert "device-1" not in mine.device and len(mine.device) == 64
    [entry] = sign_ins()
    assert entry.actor == people.teacher_a.user
    assert entry.node == people.school_a
    assert entry.target_id == str(mine.pk)
    assert entry.old_values == {"state": "expected", "method": ""}
    assert entry.new_values["state"] == "present" and entry.new_values["method"] == "qr"


def test_signing_in_twice_changes_nothing(people: Any, activity: Activity, clock: Clock) -> None:
    code = signin.room_code(activity)
    user = people.teacher_a.user
    signin.sign_in(actor=user, activity=activity, code=code, device="d")
    first = row(activity, people.teacher_a).signed_at
    clock.tick(600)  # even with a stale code: already signed in is no error
    again = signin.sign_in(actor=user, activity=activity, code=code, device="d")
    assert again.already
    assert row(activity, people.teacher_a).signed_at == first
    assert len(sign_ins()) == 1


def test_an_expired_code_is_refused(people: Any, activity: Activity, clock: Clock) -> None:
    code = signin.room_code(activity)
    clock.tick(2 * signin.rotation())
    with pytest.raises(ValidationError) as exc:
        signin.sign_in(actor=people.teacher_a.user, activity=activity, code=code, device="d")
    assert "code" in exc.value.message_dict
    assert row(activity, people.teacher_a).state == Attendance.EXPECTED
    assert sign_ins() == []


def test_a_link_forwarded_after_the_rotation_fails_for_another_teacher(
    people: Any, activity: Activity, clock: Clock
) -> None:
    code = signin.room_code(activity)
    signin.sign_in(actor=people.teacher_a.user, activity=activity, code=code, device="phone-a")
    clock.tick(45)  # the link reaches a colleague at home
    with pytest.raises(ValidationError):
        signin.sign_in(actor=people.teacher_a2.user, activity=activity, code=code, device="phone-b")
    assert row(activity, people.teacher_a2).state == Attendance.EXPECTED
    assert len(sign_ins()) == 1


@pytest.mark.parametrize(
    ("offset", "ok"),
    [
        (dt.timedelta(minutes=-31), False),  # before start − 30 min
        (dt.timedelta(minutes=-29), True),
        (dt.timedelta(hours=2), True),  # the end itself
        (dt.timedelta(hours=2, seconds=1), False),
    ],
)
def test_codes_are_good_only_inside_the_window(
    people: Any, activity: Activity, clock: Clock, offset: dt.timedelta, ok: bool
) -> None:
    clock.now = activity.starts_at + offset
    code = signin.room_code(activity)
    if ok:
        signin.sign_in(actor=people.teacher_a.user, activity=activity, code=code, device="d")
        assert row(activity, people.teacher_a).state == Attendance.PRESENT
    else:
        with pytest.raises(ValidationError) as exc:
            signin.sign_in(actor=people.teacher_a.user, activity=activity, code=code, device="d")
        assert "code" in exc.value.message_dict
        assert sign_ins() == []


@pytest.mark.parametrize("status", [ActivityStatus.CANCELLED, ActivityStatus.CLOSED])
def test_no_sign_in_to_a_cancelled_or_closed_activity(
    people: Any, activity: Activity, status: str
) -> None:
    code = signin.room_code(activity)
    Activity.objects.filter(pk=activity.pk).update(status=status)
    with pytest.raises(ValidationError):
        signin.sign_in(actor=people.teacher_a.user, activity=activity, code=code, device="d")
    assert sign_ins() == []


def test_a_teacher_not_on_the_list_is_refused(
    people: Any, activity: Activity, presenter: Any
) -> None:
    code = signin.room_code(activity)
    with pytest.raises(ValidationError) as exc:  # presenter_a teaches at A but is not listed
        signin.sign_in(actor=presenter.user, activity=activity, code=code, device="d")
    assert "teacher" in exc.value.message_dict
    with pytest.raises(PermissionDenied):  # another school's teacher
        signin.sign_in(actor=people.teacher_b.user, activity=activity, code=code, device="d")
    with pytest.raises(PermissionDenied):  # no teacher at all
        signin.sign_in(actor=people.school_admin_a, activity=activity, code=code, device="d")
    assert sign_ins() == []


def test_a_scan_noted_before_the_login_counts_for_the_grace_period(
    people: Any, activity: Activity, clock: Clock
) -> None:
    code = signin.room_code(activity)
    scanned = clock.now
    clock.tick(180)  # three minutes to remember the password
    signin.sign_in(
        actor=people.teacher_a.user, activity=activity, code=code, device="d", scanned_at=scanned
    )
    assert row(activity, people.teacher_a).signed_at == scanned
    clock.tick(200)  # past the grace period (300 s after the scan): the note no longer helps
    with pytest.raises(ValidationError):
        signin.sign_in(
            actor=people.teacher_a2.user,
            activity=activity,
            code=code,
            device="e",
            scanned_at=scanned,
        )


def test_one_device_signing_in_two_teachers_flags_both(
    people: Any, activity: Activity, django_capture_on_commit_callbacks: Any
) -> None:
    code = signin.room_code(activity)
    with django_capture_on_commit_callbacks(execute=True):
        signin.sign_in(actor=people.teacher_a.user, activity=activity, code=code, device="shared")
        result = signin.sign_in(
            actor=people.teacher_a2.user, activity=activity, code=code, device="shared"
        )
    assert result.flagged
    assert row(activity, people.teacher_a).flagged and row(activity, people.teacher_a2).flagged
    assert row(activity, people.teacher_a2).state == Attendance.PRESENT  # signed in anyway
    last = sign_ins()[-1]
    assert last.new_values["flagged_with"] == [row(activity, people.teacher_a).pk]
    told = Notification.objects.filter(user=people.school_admin_a, event=Event.SIGN_IN)
    assert told.count() == 1 and "李强" in told.get().title


def test_different_devices_are_not_flagged(
    people: Any, activity: Activity, django_capture_on_commit_callbacks: Any
) -> None:
    code = signin.room_code(activity)
    with django_capture_on_commit_callbacks(execute=True):
        signin.sign_in(actor=people.teacher_a.user, activity=activity, code=code, device="a")
        signin.sign_in(actor=people.teacher_a2.user, activity=activity, code=code, device="b")
    assert not Participation.objects.filter(activity=activity, flagged=True).exists()
    assert Notification.objects.filter(event=Event.SIGN_IN).count() == 0


def test_a_sign_in_without_the_device_cookie_is_refused(people: Any, activity: Activity) -> None:
    code = signin.room_code(activity)
    with pytest.raises(ValidationError) as exc:
        signin.sign_in(actor=people.teacher_a.user, activity=activity, code=code, device="")
    assert "device" in exc.value.message_dict


# -- personal codes -----------------------------------------------------------------------


def test_the_presenter_scans_a_personal_code(
    people: Any, activity: Activity, presenter: Any
) -> None:
    code = signin.personal_code(activity, people.teacher_a)
    signin.sign_in_personal(
        actor=presenter.user, activity=activity, teacher=people.teacher_a, code=code
    )
    mine = row(activity, people.teacher_a)
    assert (mine.state, mine.method, mine.signed_by) == (
        Attendance.PRESENT,
        SignInMethod.PERSONAL,
        presenter.user,
    )
    [entry] = sign_ins()
    assert entry.actor == presenter.user and entry.new_values["method"] == "personal"


def test_the_school_admin_may_scan_a_personal_code_but_not_a_teacher(
    people: Any, activity: Activity
) -> None:
    code = signin.personal_code(activity, people.teacher_a)
    for someone in (people.teacher_a2.user, people.teacher_a.user, people.school_admin_b):
        with pytest.raises(PermissionDenied):
            signin.sign_in_personal(
                actor=someone, activity=activity, teacher=people.teacher_a, code=code
            )
    signin.sign_in_personal(
        actor=people.school_admin_a, activity=activity, teacher=people.teacher_a, code=code
    )
    assert row(activity, people.teacher_a).state == Attendance.PRESENT


def test_a_personal_code_is_one_teachers_and_expires(
    people: Any, activity: Activity, presenter: Any, clock: Clock
) -> None:
    code = signin.personal_code(activity, people.teacher_a)
    with pytest.raises(ValidationError):  # teacher_a's code does not sign in teacher_a2
        signin.sign_in_personal(
            actor=presenter.user, activity=activity, teacher=people.teacher_a2, code=code
        )
    with pytest.raises(ValidationError):  # the room's code is no personal code
        signin.sign_in_personal(
            actor=presenter.user,
            activity=activity,
            teacher=people.teacher_a,
            code=signin.room_code(activity),
        )
    clock.tick(2 * signin.rotation())
    with pytest.raises(ValidationError):
        signin.sign_in_personal(
            actor=presenter.user, activity=activity, teacher=people.teacher_a, code=code
        )
    with pytest.raises(ValidationError):  # not a participant
        signin.sign_in_personal(
            actor=presenter.user,
            activity=activity,
            teacher=presenter,
            code=signin.personal_code(activity, presenter),
        )
    assert sign_ins() == []


def test_may_present(people: Any, activity: Activity, presenter: Any) -> None:
    assert signin.may_present(presenter.user, activity)
    assert signin.may_present(people.school_admin_a, activity)
    assert not signin.may_present(people.teacher_a.user, activity)
    assert not signin.may_present(people.principal_a, activity)
    assert not signin.may_present(people.school_admin_b, activity)
    presenter.active = False
    presenter.save(update_fields=["active"])
    activity.refresh_from_db()
    assert not signin.may_present(presenter.user, activity)
