"""In a real browser at phone width (360 px): a teacher declares a record, saves it as a
draft, attaches a PDF, submits it; nothing sticks out sideways and the
Content-Security-Policy blocks nothing (the browser fixtures watch every page)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import (  # noqa: F401 - fixtures used by name
    allow_orm_beside_playwright,
    browser,
    new_page,
    screenshot,
)
from xuefen.records.models import Evidence, Record

pytestmark = [pytest.mark.db_backend, pytest.mark.django_db(transaction=True)]

PHONE_360 = {"width": 360, "height": 740}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def fits(page: Any, viewport: dict[str, int]) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], width


def test_teacher_declares_with_a_file_on_a_phone(
    live_server: Any, people: Any, request: Any, tmp_path: Path
) -> None:
    shoot = request.getfixturevalue("screenshot")
    page = request.getfixturevalue("new_page")(PHONE_360)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "teacher_a")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")

    page.goto(f"{live_server.url}/records/new/")
    fits(page, PHONE_360)
    page.get_by_role("link", name="承担培训授课").click()
    page.wait_for_load_state("networkidle")
    page.fill("#id_date", "2023-03-10")
    page.select_option("#id_level", "county")
    page.fill("#id_hours", "12")
    page.fill("#id_name", "县级骨干教师培训授课")
    fits(page, PHONE_360)
    shoot(page, "declare-form-phone")
    page.get_by_role("button", name="保存为草稿（然后上传材料）").click()
    page.wait_for_load_state("networkidle")
    record = Record.objects.get(teacher=people.teacher_a)
    assert page.url.endswith(f"/records/{record.pk}/edit/")

    pdf = tmp_path / "授课证明.pdf"
    pdf.write_bytes(PDF)
    page.set_input_files("#id_files", str(pdf))
    page.get_by_role("button", name="上传").click()
    page.wait_for_load_state("networkidle")
    assert "已上传 1 个文件" in page.content()
    assert Evidence.objects.filter(record=record).count() == 1
    fits(page, PHONE_360)
    shoot(page, "declare-edit-phone")

    page.get_by_role("button", name="提交审核").click()
    page.wait_for_load_state("networkidle")
    record.refresh_from_db()
    assert record.status == "submitted"
    assert "授课学时" in page.content() and "县级" in page.content()

    page.goto(f"{live_server.url}/records/")
    fits(page, PHONE_360)
    assert "已提交" in page.content() or "待审核" in page.content()
    shoot(page, "my-records-phone")
