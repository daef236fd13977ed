# ruff: noqa: F811 (the browser fixtures imported from tests/browser/conftest.py)
"""The plan at phone width, in Chromium: the school's administrator writes a monthly plan
(adding a row on the server), submits it in the window; the county's administrator
returns it from the queue with reasons; the school sees them. No page is wider than the
phone, and the Content-Security-Policy blocks nothing. Screenshots in
test-artifacts/screenshots/plan-*.png."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser.conftest import (  # noqa: F401 (fixtures)
    PHONE,
    allow_orm_beside_playwright,
    browser,
    new_page,
    screenshot,
)
from xuefen.activities.choices import PlanStatus
from xuefen.activities.models import Plan

pytestmark = pytest.mark.django_db(transaction=True)


def fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def log_in(page: Any, base: str, username: str, next_url: str) -> None:
    page.goto(f"{base}/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_plan_written_submitted_and_returned_at_phone_width(
    live_server: Any, people: Any, new_page: Any, screenshot: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2025, 9, 3))
    base = live_server.url
    school = new_page(PHONE)
    log_in(school, base, "school_admin_a", reverse("activities:plans"))
    fits(school)
    school.click(".plan-new a.chip >> nth=0")  # the monthly layout
    school.wait_for_load_state("networkidle")
    school.fill("#id_title", "2025年秋季学期校本研修计划")
    school.fill("#id_goals", "提升课堂教学能力")
    school.fill("#id_themes", "大单元教学")
    school.fill("#id_responsible", "教务处 王主任")
    school.fill("#id_months-0-month", "2025-10")
    school.fill("#id_months-0-theme", "整本书阅读的课堂设计")
    school.select_option("#id_months-0-type", "lesson_preparation")
    school.fill("#id_months-0-groups", "语文教研组")
    school.fill("#id_months-0-responsible", "张丽")
    school.click("button[name=add][value=months]")
    school.wait_for_load_state("networkidle")
    assert school.input_value("#id_months-0-theme") == "整本书阅读的课堂设计"
    school.fill("#id_months-1-month", "2025-11")
    school.fill("#id_months-1-theme", "同课异构")
    school.select_option("#id_months-1-type", "observation")
    school.fill("#id_months-1-responsible", "李强")
    fits(school)
    screenshot(school, "plan-form-phone")
    school.click("button.primary.wide")
    school.wait_for_load_state("networkidle")
    fits(school)
    plan = Plan.objects.get()
    assert [i["theme"] for i in plan.items] == ["整本书阅读的课堂设计", "同课异构"]
    school.click("button[data-action=submit]")
    school.wait_for_load_state("networkidle")
    assert Plan.objects.get().status == PlanStatus.SUBMITTED
    screenshot(school, "plan-submitted-phone")

    county = new_page(PHONE)
    log_in(county, base, "county_admin", reverse("activities:plans_county"))
    fits(county)
    screenshot(county, "plan-county-queue-phone")
    county.click(f"[data-plan='{plan.pk}'] summary")
    county.fill(f"#id_return_{plan.pk}", "请补充十二月的安排")
    county.click(f"[data-plan='{plan.pk}'] button[data-action=return]")
    county.wait_for_load_state("networkidle")
    assert Plan.objects.get().status == PlanStatus.RETURNED

    school.goto(f"{base}{reverse('activities:plans')}")
    school.wait_for_load_state("networkidle")
    assert "请补充十二月的安排" in school.content()
    fits(school)
    screenshot(school, "plan-returned-phone")
