"""In a real browser, at phone (360 px) and desktop width: a school administrator filters
the review queue, approves one record in place (htmx swaps its row), returns another with
a reason, and batch-approves the rest; the page stays within the phone's width and the
Content-Security-Policy blocks nothing. Screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (  # noqa: F401 (fixtures)
    DESKTOP,
    allow_orm_beside_playwright,
    browser,
    new_page,
    screenshot,
)
from tests.conftest import build_people, training
from xuefen.records.models import Record
from xuefen.records.services import record_create

pytestmark = [pytest.mark.db_backend, pytest.mark.django_db(transaction=True)]

PHONE_360 = {"width": 360, "height": 780}
WIDTHS = [("phone", PHONE_360), ("desktop", DESKTOP)]


@pytest.fixture
def world(live_server: Any) -> Any:
    people = build_people()
    records = {}
    for i, (teacher, name) in enumerate(
        [
            (people.teacher_a, "信息技术应用能力提升工程2.0"),
            (people.teacher_a2, "县级骨干教师集中培训（第二期）"),
            (people.teacher_a, "大单元教学设计网络研修"),
            (people.teacher_a2, "班主任能力提升专题"),
        ]
    ):
        records[name] = record_create(
            actor=people.root,
            teacher=teacher,
            kind="training",
            date=dt.date(2023, 3, 1 + i),
            fields=training(name=name),
            level="province",
            status="submitted",
        )
    return live_server, people, records


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize(("label", "viewport"), WIDTHS, ids=[w[0] for w in WIDTHS])
def test_school_admin_reviews_in_place(
    world: Any,
    new_page: Any,  # noqa: F811 (the browser tests' fixture, imported above)
    screenshot: Any,  # noqa: F811
    label: str,
    viewport: dict[str, int],
) -> None:
    server, _people, records = world
    page = new_page(viewport)
    log_in(page, server.url, "school_admin_a")
    page.goto(f"{server.url}/review/")
    assert page.locator("h1").first.inner_text() == "待审核记录"
    rows = page.locator("tr.review-row")
    assert rows.count() == 4
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], width
    screenshot(page, f"review-queue-{label}")

    # Search by pinyin: htmx swaps the table.
    page.fill("#id_q", "liqiang")
    expect(rows).to_have_count(2)
    assert "liqiang" in page.url
    page.fill("#id_q", "")
    expect(rows).to_have_count(4)

    # Approve one in place.
    first = records["信息技术应用能力提升工程2.0"]
    row = page.locator(f"#review-row-{first.pk}")
    row.locator("button.primary").click()
    expect(page.locator(f"#review-row-{first.pk}")).to_contain_text("学校已审核")
    assert Record.objects.get(pk=first.pk).status == "approved"

    # Return another with a reason.
    second = records["县级骨干教师集中培训（第二期）"]
    row = page.locator(f"#review-row-{second.pk}")
    row.locator(".decide-toggle-label").click()
    row.locator("textarea").fill("请补传结业证书")
    row.locator("button[value=reject]").click()
    expect(page.locator(f"#review-row-{second.pk}")).to_contain_text("已退回")
    assert Record.objects.get(pk=second.pk).status == "rejected"
    screenshot(page, f"review-decided-{label}")

    # Tick the two left and approve them in one go.
    for name in ("大单元教学设计网络研修", "班主任能力提升专题"):
        page.locator(f"#review-row-{records[name].pk} input[name=records]").check()
    page.locator("#batch-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "已通过 2 条，跳过 0 条。" in page.locator(".review-messages").inner_text()
    assert page.locator("tr.review-row").count() == 0  # nothing submitted is left
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], width
    screenshot(page, f"review-batch-{label}")
    assert page.csp_violations == []
