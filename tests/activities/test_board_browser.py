"""The calendar and the semester board in a real browser at phone width: both fit a
390 px screen, break no Content-Security-Policy rule, and show their figures.
Screenshots: test-artifacts/screenshots/board-*.png, calendar-*.png."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.urls import reverse

from tests.browser.conftest import (  # noqa: F401 - fixtures used by name
    DESKTOP,
    PHONE,
    allow_orm_beside_playwright,
    browser,
    new_page,
    screenshot,
)

from .test_board import KEY
from .test_board import world as board_world  # noqa: F401 - a fixture
from .test_calendar import world as calendar_world  # noqa: F401 - a fixture

pytestmark = [pytest.mark.db_backend, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, base: str, username: str, next_url: str) -> None:
    page.goto(f"{base}/login/?next={quote(next_url)}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def test_board_on_a_phone(
    live_server: Any,
    new_page: Any,  # noqa: F811
    screenshot: Any,  # noqa: F811
    people: Any,
    board_world: Any,  # noqa: F811
) -> None:
    page = new_page(PHONE)
    url = f"{reverse('activities:board')}?period={KEY}"
    log_in(page, live_server.url, "school_admin_a", url)
    assert page.inner_text("#total-held") == "5"
    assert page.inner_text("#total-rate") == "66.6%"
    assert page.inner_text("#plan-status").strip()
    assert "语文教研组" in page.inner_text("#groups")
    fits(page)
    screenshot(page, "board-1-phone")
    wide = new_page(DESKTOP)
    log_in(wide, live_server.url, "county_admin", f"{url}&school={people.school_a.pk}")
    assert wide.inner_text("#total-held") == "5"
    screenshot(wide, "board-2-desktop-county")


def test_calendar_on_a_phone(
    live_server: Any,
    new_page: Any,  # noqa: F811
    screenshot: Any,  # noqa: F811
    people: Any,
    calendar_world: Any,  # noqa: F811
) -> None:
    page = new_page(PHONE)
    log_in(page, live_server.url, "teacher_a", reverse("activities:calendar"))
    upcoming = page.inner_text("#upcoming")
    assert "明日的集体备课" in upcoming and "正在进行的听课评课" in upcoming
    assert "上月的专题研讨" in page.inner_text("#past")
    assert "二小的活动" not in page.content()
    fits(page)
    screenshot(page, "calendar-1-phone")
