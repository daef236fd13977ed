"""Sign-in that cannot be forwarded, in a real browser at phone width (issue 9): the
presenter opens the QR screen; a teacher opens the code's link, is sent to the login,
logs in and is signed in (the screen's count follows by itself); after the rotation the
same link fails for another teacher; the administrator closes the activity; the teacher's
home shows the new hours as pending. Screenshots: test-artifacts/screenshots/signin-*.png.

The clock of the sign-in (``activities.signin._now``) is patched in this process, which
is also the live server's: the code turns when the test says so.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.activities.test_signin import Clock, make_presenter
from tests.browser.conftest import (  # noqa: F401 - fixtures used by name
    SCREENSHOTS,
    allow_orm_beside_playwright,
    browser,
    new_page,
    screenshot,
)
from xuefen.activities import signin
from xuefen.activities.choices import ActivityStatus, Attendance, PlanStatus
from xuefen.activities.models import Activity, Participation, Plan
from xuefen.audit.choices import Event
from xuefen.audit.models import AuditEntry
from xuefen.records.models import Record

pytestmark = [pytest.mark.db_backend, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def log_in(page: Any, username: str) -> None:
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def go(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    fits(page)


def setting_up(people: Any, clock: Clock) -> Activity:
    """An activity under the school's approved plan, started 10 minutes ago, with its
    presenter and two participants."""
    today = timezone.localdate()
    plan = Plan.objects.create(
        school=people.school_a,
        title="思茅一中校本研修计划",
        start=today - dt.timedelta(days=60),
        end=today + dt.timedelta(days=60),
        label="本学期",
        goals="提升课堂教学能力",
        themes="大单元教学",
        responsible="教科室",
        status=PlanStatus.APPROVED,
    )
    starts = clock.now - dt.timedelta(minutes=10)
    activity = Activity.objects.create(
        school=people.school_a,
        plan=plan,
        theme="七年级语文集体备课",
        type="lesson_preparation",
        place="三楼会议室",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        hours=2,
        presenter=make_presenter(people),
        created_by=people.school_admin_a,
    )
    for teacher in (people.teacher_a, people.teacher_a2):
        Participation.objects.create(activity=activity, teacher=teacher)
    return activity


def close(people: Any, activity: Activity, open_page: Any, base: str) -> None:
    """The administrator closes the activity with the button on its page (where the
    activity part's page has one; else through the same service)."""
    try:
        detail = reverse("activities:detail", args=[activity.pk])
        action = reverse("activities:close", args=[activity.pk])
    except NoReverseMatch:
        detail = action = None
    if detail is not None:
        admin = open_page(PHONE)
        admin.goto(f"{base}{detail}")
        log_in(admin, "school_admin_a")
        button = admin.locator(f'form[action="{action}"] button[type=submit]')
        if admin.url.endswith(detail) and button.count():
            fits(admin)
            button.first.click()
            admin.wait_for_load_state("networkidle")
            screenshot_name = "signin-7-closed"
            admin.screenshot(path=str(SCREENSHOTS / f"{screenshot_name}.png"), full_page=True)
            return
    from xuefen.activities.services import activity_close

    activity_close(actor=people.school_admin_a, activity=activity)


def test_sign_in_that_cannot_be_forwarded(
    live_server: Any,
    people: Any,
    new_page: Any,  # noqa: F811 (the browser fixtures, imported above)
    screenshot: Any,  # noqa: F811
    monkeypatch: Any,
) -> None:
    base = live_server.url
    now = timezone.now().replace(microsecond=0)
    clock = Clock(now - dt.timedelta(seconds=int(now.timestamp()) % signin.rotation()))
    monkeypatch.setattr(signin, "_now", clock)
    activity = setting_up(people, clock)

    # 1. The presenter opens the QR screen on the phone.
    presenter = new_page(PHONE)
    go(presenter, f"{base}/activities/{activity.pk}/screen/")
    log_in(presenter, "presenter_a")
    fits(presenter)
    qr = presenter.locator("#screen-code .qr-box")
    expect(qr.locator("svg.qr")).to_be_visible()
    box = qr.locator("svg.qr").bounding_box()
    assert box is not None and box["width"] >= 300, "a QR code big enough to scan"
    code = qr.get_attribute("data-code")
    assert code == signin.room_code(activity)
    expect(presenter.locator("#present-count")).to_have_text("0")
    screenshot(presenter, "signin-1-screen")

    # 2. A teacher scans it: the link sends her to the login and back, and she signs in.
    link = f"{base}{reverse('activities:sign', args=[activity.pk, code])}"
    teacher = new_page(PHONE)
    teacher.goto(link)
    teacher.wait_for_load_state("networkidle")
    assert teacher.url.startswith(f"{base}/login/?next=")
    clock.tick(signin.rotation())  # she takes her time: the screen shows the next code
    log_in(teacher, "teacher_a")
    assert teacher.url == link
    fits(teacher)
    expect(teacher.locator("main")).to_contain_text("张丽")
    screenshot(teacher, "signin-2-confirm")
    teacher.get_by_role("button", name="签到").click()
    teacher.wait_for_load_state("networkidle")
    expect(teacher.locator("#signin-result")).to_contain_text("签到成功")
    mine = Participation.objects.get(activity=activity, teacher=people.teacher_a)
    assert (mine.state, mine.method, mine.signed_by_id) == (
        Attendance.PRESENT,
        "qr",
        people.teacher_a.user_id,
    )
    fits(teacher)
    screenshot(teacher, "signin-3-signed")

    # The screen follows by itself (htmx polls every 5 s): the count, then a new code.
    expect(presenter.locator("#present-count")).to_have_text("1", timeout=12_000)
    clock.tick(signin.rotation())
    expect(presenter.locator("#screen-code .qr-box")).not_to_have_attribute(
        "data-code", code, timeout=12_000
    )
    screenshot(presenter, "signin-4-screen-counted")

    # 3. The link, forwarded, is opened by another teacher after the rotation: it fails.
    other = new_page(PHONE)
    other.goto(link)
    other.wait_for_load_state("networkidle")
    fits(other)
    expect(other.locator(".signin-error")).to_contain_text("二维码已失效")
    assert not other.url.startswith(f"{base}/login/")
    go(other, f"{base}/login/?next={reverse('activities:sign', args=[activity.pk, code])}")
    log_in(other, "teacher_a2")
    expect(other.locator(".signin-error")).to_contain_text("二维码已失效")
    assert other.get_by_role("button", name="签到").count() == 0
    screenshot(other, "signin-5-forwarded")
    assert (
        Participation.objects.get(activity=activity, teacher=people.teacher_a2).state
        == Attendance.EXPECTED
    )
    assert AuditEntry.objects.filter(event=Event.SIGN_IN).count() == 1

    # 4. The administrator closes the activity; records are generated for review.
    close(people, activity, new_page, base)
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CLOSED
    assert Record.objects.filter(activity=activity, teacher=people.teacher_a).exists()

    # 5. The teacher's home shows the new hours as pending.
    go(teacher, f"{base}/me/")
    home = teacher.locator("main").inner_text()
    # 2 hours of school-based training, submitted for review: counted once approved.
    assert re.search(r"含待审核?记录：2 学时", home), home[:2000]
    assert "七年级语文集体备课" in home
    screenshot(teacher, "signin-6-home")


def test_a_large_room_the_presenter_scans_personal_codes(
    live_server: Any,
    people: Any,
    new_page: Any,  # noqa: F811
    screenshot: Any,  # noqa: F811
    monkeypatch: Any,
) -> None:
    base = live_server.url
    now = timezone.now().replace(microsecond=0)
    clock = Clock(now - dt.timedelta(seconds=int(now.timestamp()) % signin.rotation()))
    monkeypatch.setattr(signin, "_now", clock)
    activity = setting_up(people, clock)

    # The teacher shows her personal code; it changes while she waits.
    teacher = new_page(PHONE)
    teacher.goto(f"{base}{reverse('activities:my_code', args=[activity.pk])}")
    log_in(teacher, "teacher_a")
    fits(teacher)
    expect(teacher.locator("#my-code-part svg.qr")).to_be_visible()
    screenshot(teacher, "signin-personal-1-code")
    code = signin.personal_code(activity, people.teacher_a)
    scan = reverse("activities:scan", args=[activity.pk, people.teacher_a.pk, code])

    # The presenter's camera opens the link: one tap signs her in.
    host = new_page(PHONE)
    host.goto(f"{base}{scan}")
    log_in(host, "presenter_a")
    fits(host)
    expect(host.locator(".big-name")).to_have_text("张丽")
    host.get_by_role("button", name="确认签到").click()
    host.wait_for_load_state("networkidle")
    expect(host.locator("#signin-result")).to_contain_text("张丽 已签到")
    screenshot(host, "signin-personal-2-scanned")
    mine = Participation.objects.get(activity=activity, teacher=people.teacher_a)
    assert (mine.state, mine.method, mine.signed_by_id) == (
        Attendance.PRESENT,
        "personal",
        mine.activity.presenter.user_id,
    )
    # The teacher's page notices by itself (polling) and stops showing a code.
    expect(teacher.locator("#my-code-part .signin-ok")).to_be_visible(timeout=12_000)

    # A screenshot of the code, scanned after the rotation, no longer works.
    clock.tick(2 * signin.rotation())
    late = reverse("activities:scan", args=[activity.pk, people.teacher_a2.pk, code])
    go(host, f"{base}{late}")
    assert host.get_by_role("button", name="确认签到").count() == 0
    expect(host.locator(".signin-error")).to_be_visible()
