"""The inbox in a real browser at phone width (360 px): a returned record's message is
listed unread, opening it leads to the record and marks it read; nothing overflows the
screen and the Content-Security-Policy blocks nothing. Screenshot: inbox-phone.png."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.conftest import build_people, training
from xuefen.records.choices import RecordStatus
from xuefen.records.services import record_create, record_reject

pytestmark = [pytest.mark.db_backend, pytest.mark.django_db(transaction=True)]

PHONE_360 = {"width": 360, "height": 740}


def test_teacher_reads_a_returned_record_on_the_phone(
    live_server: Any, new_page: Any, screenshot: Any
) -> None:
    people = build_people()
    teacher = people.teacher_a.user
    record = record_create(
        actor=teacher,
        teacher=people.teacher_a,
        kind="training",
        date=dt.date(2023, 3, 10),
        fields=training(),
        level="province",
        status=RecordStatus.SUBMITTED,
    )
    record_reject(actor=people.school_admin_a, record=record, reason="证书照片不清晰，请重新上传")

    page = new_page(PHONE_360)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "teacher_a")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/inbox/")
    item = page.locator(".notification.unread")
    assert item.count() == 1
    assert "证书照片不清晰" in item.inner_text()
    assert "未读" in item.inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_360["width"], f"the page is {width} px wide"
    screenshot(page, "inbox-phone")

    item.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/records/{record.pk}/")
    page.goto(f"{live_server.url}/inbox/")
    assert page.locator(".notification.unread").count() == 0
    assert page.locator(".notification").count() == 1
