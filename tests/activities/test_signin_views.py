"""Sign-in pages (activities.signin_views): the scanned link through the login, the QR
screen and its polled part, the personal code and the presenter's scan, signing in by
hand; who may open which page; refusals in Chinese, never a 500."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.activities import test_signin as base
from tests.activities.test_signin import Clock, make_activity, row, sign_ins
from xuefen.activities import signin
from xuefen.activities.choices import ActivityStatus, Attendance, SignInMethod
from xuefen.activities.models import Activity, Participation
from xuefen.activities.signin_views import DEVICE_COOKIE, SCANS_KEY, qr_svg
from xuefen.audit.choices import Event
from xuefen.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

# The fixtures of the services' tests, by name.
clock = base.clock
presenter = base.presenter
activity = base.activity


def sign_url(activity: Activity, code: str | None = None) -> str:
    return reverse("activities:sign", args=[activity.pk, code or signin.room_code(activity)])


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    return response.content.decode()


# -- the scanned link ---------------------------------------------------------------------


def test_the_link_survives_the_login_and_signs_the_teacher_in(
    people: Any,
    activity: Activity,
    clock: Clock,
) -> None:
    client = Client()
    url = sign_url(activity)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"
    cookie = response.cookies[DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert client.session[SCANS_KEY]
    clock.tick(90)  # typing the password takes a while: the code rotated out meanwhile
    response = client.post(
        reverse("login"), {"username": "teacher_a", "password": "pw", "next": url}
    )
    assert response.status_code == 302 and response.url == url
    page = client.get(url)
    assert page.status_code == 200
    assert "张丽" in text(page) and 'class="primary wide signin-button"' in text(page)
    done = client.post(url, follow=True)
    assert done.status_code == 200
    mine = row(activity, people.teacher_a)
    assert (mine.state, mine.method, mine.signed_by) == (
        Attendance.PRESENT,
        SignInMethod.QR,
        people.teacher_a.user,
    )
    assert "签到成功" in text(done) and "已签到" in text(done)
    raw = client.cookies[DEVICE_COOKIE].value
    assert raw not in mine.device and mine.device
    [entry] = sign_ins()
    assert entry.actor == people.teacher_a.user


def test_an_expired_link_is_refused_at_once_in_chinese(
    people: Any,
    activity: Activity,
    clock: Clock,
) -> None:
    url = sign_url(activity)
    clock.tick(2 * signin.rotation())
    response = Client().get(url)
    assert response.status_code == 400
    assert "二维码已失效" in text(response)
    assert activity.theme not in text(response)  # nothing about the activity before login
    response = logged_in(people.teacher_a2.user).get(url)
    assert response.status_code == 400 and "二维码已失效" in text(response)


def test_the_same_link_opened_by_another_teacher_after_the_rotation_fails(
    people: Any,
    activity: Activity,
    clock: Clock,
) -> None:
    url = sign_url(activity)
    first = logged_in(people.teacher_a.user)
    first.get(url)
    first.post(url)
    assert row(activity, people.teacher_a).state == Attendance.PRESENT
    clock.tick(2 * signin.rotation())
    other = logged_in(people.teacher_a2.user)
    assert other.get(url).status_code == 400
    response = other.post(url)
    assert response.status_code == 400 and "二维码已失效" in text(response)
    assert row(activity, people.teacher_a2).state == Attendance.EXPECTED
    assert len(sign_ins()) == 1
    again = first.get(url)  # the teacher's own page still says when they signed in
    assert again.status_code == 200 and "已签到" in text(again)


def test_a_non_participant_reads_why(
    people: Any,
    activity: Activity,
    presenter: Any,
) -> None:
    client = logged_in(presenter.user)
    url = sign_url(activity)
    assert client.get(url).status_code == 400
    response = client.post(url)
    assert response.status_code == 400
    assert "您不在本次活动的参加人员名单中" in text(response)
    assert sign_ins() == []


def test_a_teacher_of_another_school_gets_a_404(people: Any, activity: Activity) -> None:
    client = logged_in(people.teacher_b.user)
    url = sign_url(activity)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert sign_ins() == []


def test_outside_the_window_the_page_says_when(
    people: Any,
    activity: Activity,
    clock: Clock,
) -> None:
    clock.now = activity.starts_at - dt.timedelta(minutes=45)
    response = logged_in(people.teacher_a.user).get(sign_url(activity))
    assert response.status_code == 400 and "签到将于" in text(response)
    Activity.objects.filter(pk=activity.pk).update(status=ActivityStatus.CANCELLED)
    clock.now = activity.starts_at
    response = logged_in(people.teacher_a.user).get(sign_url(activity))
    assert response.status_code == 400 and "已取消" in text(response)


@pytest.mark.parametrize(
    "path",
    [
        "/activities/sign/{pk}/x/",
        "/activities/sign/{pk}/%E4%BD%A0%E5%A5%BD/",
        "/activities/sign/99999999999999999999999/abcdefghijklmnop/",
        "/activities/sign/999999/abcdefghijklmnop/",
    ],
)
def test_bad_links_are_no_500(people: Any, activity: Activity, path: str) -> None:
    url = path.format(pk=activity.pk)
    for client in (Client(), logged_in(people.teacher_a.user)):
        assert client.get(url).status_code in (400, 404)
        assert client.post(url).status_code in (302, 400, 404)


# -- the screen ---------------------------------------------------------------------------


def test_the_screen_shows_a_qr_code_of_the_sign_link_without_style(
    people: Any,
    activity: Activity,
    presenter: Any,
) -> None:
    for user in (presenter.user, people.school_admin_a):
        response = logged_in(user).get(reverse("activities:screen", args=[activity.pk]))
        assert response.status_code == 200
        body = text(response)
        assert '<svg viewBox="0 0 ' in body and 'class="qr"' in body
        assert "style=" not in body
        assert 'hx-trigger="every 5s"' in body
        assert "0</span> / 2" in body
        code = re.search(r'data-code="([a-z2-7]{16})"', body).group(1)
        assert code == signin.room_code(activity)
        # The QR code is the absolute link of this code's sign-in page.
        assert str(qr_svg("http://testserver" + sign_url(activity, code))) in body


def test_only_the_presenter_and_the_admins_see_the_screen(
    people: Any,
    activity: Activity,
    presenter: Any,
) -> None:
    for name in ("screen", "screen_code", "sign_manual"):
        url = reverse(f"activities:{name}", args=[activity.pk])
        for user in (people.teacher_a.user, people.teacher_b.user, people.school_admin_b):
            assert logged_in(user).get(url).status_code == 404, (name, user)
    url = reverse("activities:sign_manual", args=[activity.pk])
    assert logged_in(presenter.user).get(url).status_code == 404  # by hand: admins only
    assert Client().get(url).status_code == 302


def test_the_polled_part_shows_the_new_code_as_the_slot_turns(
    people: Any,
    activity: Activity,
    presenter: Any,
    clock: Clock,
) -> None:
    client = logged_in(presenter.user)
    url = reverse("activities:screen_code", args=[activity.pk])
    first = text(client.get(url))
    clock.tick(signin.rotation())
    second = client.get(url)
    assert second.status_code == 200
    assert signin.room_code(activity) in text(second) and text(second) != first
    clock.now = activity.ends_at + dt.timedelta(minutes=1)
    after = client.get(url)
    assert after.status_code == 286  # htmx stops polling
    assert "hx-trigger" not in text(after) and "签到已于" in text(after)


def test_the_screen_lists_flagged_sign_ins(
    people: Any,
    activity: Activity,
    presenter: Any,
) -> None:
    code = signin.room_code(activity)
    for teacher in (people.teacher_a, people.teacher_a2):
        signin.sign_in(actor=teacher.user, activity=activity, code=code, device="shared")
    body = text(
        logged_in(people.school_admin_a).get(reverse("activities:screen", args=[activity.pk]))
    )
    assert 'id="flagged"' in body and "张丽" in body and "李强" in body


def test_the_screen_query_count_holds_as_participants_grow(
    people: Any,
    activity: Activity,
    presenter: Any,
    django_assert_max_num_queries: Any,
) -> None:
    from django.contrib.auth import get_user_model

    from tests.conftest import id_number
    from xuefen.org.models import Teacher

    code = signin.room_code(activity)
    for teacher in (people.teacher_a, people.teacher_a2):
        signin.sign_in(actor=teacher.user, activity=activity, code=code, device="same")
    for i in range(30):
        teacher = Teacher.objects.create(
            school=people.school_a,
            name=f"教师{i}",
            sex="female",
            id_number=id_number(100 + i, female=True),
            user=get_user_model().objects.create_user(username=f"t{i}"),
        )
        Participation.objects.create(
            activity=activity, teacher=teacher, state=Attendance.PRESENT, flagged=i % 2 == 0
        )
    client = logged_in(presenter.user)
    for name in ("screen", "sign_manual"):
        user = presenter.user if name == "screen" else people.school_admin_a
        client = logged_in(user)
        with django_assert_max_num_queries(11):
            assert client.get(reverse(f"activities:{name}", args=[activity.pk])).status_code == 200


# -- personal codes -----------------------------------------------------------------------


def test_the_teacher_shows_a_personal_code_the_presenter_scans(
    people: Any,
    activity: Activity,
    presenter: Any,
) -> None:
    teacher = logged_in(people.teacher_a.user)
    page = teacher.get(reverse("activities:my_code", args=[activity.pk]))
    assert page.status_code == 200 and 'class="qr"' in text(page) and "style=" not in text(page)
    part = teacher.get(reverse("activities:my_code_code", args=[activity.pk]))
    assert part.status_code == 200 and 'hx-trigger="every 5s"' in text(part)
    code = signin.personal_code(activity, people.teacher_a)
    scan = reverse("activities:scan", args=[activity.pk, people.teacher_a.pk, code])
    host = logged_in(presenter.user)
    response = host.get(scan)
    assert response.status_code == 200 and "张丽" in text(response)
    done = host.post(scan, follow=True)
    assert done.status_code == 200 and "已签到" in text(done)
    mine = row(activity, people.teacher_a)
    assert (mine.method, mine.signed_by) == (SignInMethod.PERSONAL, presenter.user)
    part = teacher.get(reverse("activities:my_code_code", args=[activity.pk]))
    assert part.status_code == 286 and "已签到" in text(part)


def test_only_the_presenter_scans_and_only_participants_show_a_code(
    people: Any,
    activity: Activity,
    presenter: Any,
) -> None:
    code = signin.personal_code(activity, people.teacher_a)
    scan = reverse("activities:scan", args=[activity.pk, people.teacher_a.pk, code])
    assert logged_in(people.teacher_a2.user).post(scan).status_code == 404
    assert logged_in(people.teacher_b.user).get(scan).status_code == 404
    assert Client().get(scan).status_code == 302
    my_code = reverse("activities:my_code", args=[activity.pk])
    assert logged_in(presenter.user).get(my_code).status_code == 404  # not a participant
    assert logged_in(people.teacher_b.user).get(my_code).status_code == 404
    assert sign_ins() == []


# -- by hand ------------------------------------------------------------------------------


def test_the_admin_signs_a_teacher_in_by_hand_with_a_reason(
    people: Any, activity: Activity
) -> None:
    client = logged_in(people.school_admin_a)
    url = reverse("activities:sign_manual", args=[activity.pk])
    mine = row(activity, people.teacher_a)
    refused = client.post(url, {"participation": mine.pk, "reason": ""})
    assert refused.status_code == 400
    response = client.post(url, {"participation": mine.pk, "reason": "手机没电，现场确认"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.state, mine.method) == (Attendance.PRESENT, SignInMethod.MANUAL)
    entry = AuditEntry.objects.get(event=Event.SIGN_IN_MANUAL)
    assert entry.reason == "手机没电，现场确认" and entry.actor == people.school_admin_a
    other = make_activity(people, Clock(activity.starts_at))
    bad = client.post(url, {"participation": row(other, people.teacher_a).pk, "reason": "x"})
    assert bad.status_code == 400  # a participation of another activity is no choice
