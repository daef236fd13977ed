"""The whole credit chain in a real browser at phone width, five people on their own
phones: a teacher declares a record with a file → the school returns it with a reason →
the teacher corrects and resubmits → the school approves → the school publishes the
notice, another teacher objects, the school answers → the notice closes, the principal
signs, the school submits → the county certifies → the teacher sees the certified credits
and the record is locked. Screenshots of every step go to test-artifacts/screenshots/
(chain-*.png); the Content-Security-Policy blocks nothing on any page.

The days are set (the services read ``timezone.localdate``): 普洱's recognition window is
November–December of the year, certification March–April of the next year.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import (  # noqa: F401 - fixtures used by name
    allow_orm_beside_playwright,
    browser,
    new_page,
    screenshot,
)
from xuefen.audit.choices import Event
from xuefen.audit.models import AuditEntry
from xuefen.credits.models import Notice, Objection, Submission
from xuefen.records.models import Record

pytestmark = [pytest.mark.db_backend, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
RECOGNITION_DAY = dt.date(2025, 11, 3)
AFTER_NOTICE = dt.date(2025, 11, 10)
CERTIFICATION_DAY = dt.date(2026, 3, 5)
PERIOD = "year:2025-01-01"


def fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def phone(open_page: Any, base: str, username: str) -> Any:
    page = open_page(PHONE)
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def go(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    fits(page)


def test_from_declaration_to_certification(
    live_server: Any,
    people: Any,
    new_page: Any,  # noqa: F811 (the browser fixtures, imported above)
    screenshot: Any,  # noqa: F811
    monkeypatch: Any,
    tmp_path: Path,
) -> None:
    base = live_server.url
    today = {"day": RECOGNITION_DAY}
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: today["day"])

    # 1. The teacher declares a teaching record and attaches the certificate.
    teacher = phone(new_page, base, "teacher_a")
    go(teacher, f"{base}/records/new/")
    teacher.get_by_role("link", name="承担培训授课").click()
    teacher.wait_for_load_state("networkidle")
    teacher.fill("#id_date", "2025-10-20")
    teacher.select_option("#id_level", "county")
    teacher.fill("#id_hours", "12")
    teacher.fill("#id_name", "县级骨干教师培训授课")
    teacher.get_by_role("button", name="保存为草稿（然后上传材料）").click()
    teacher.wait_for_load_state("networkidle")
    record = Record.objects.get(teacher=people.teacher_a)
    pdf = tmp_path / "授课证明.pdf"
    pdf.write_bytes(PDF)
    teacher.set_input_files("#id_files", str(pdf))
    teacher.get_by_role("button", name="上传").click()
    teacher.wait_for_load_state("networkidle")
    teacher.get_by_role("button", name="提交审核").click()
    teacher.wait_for_load_state("networkidle")
    record.refresh_from_db()
    assert record.status == "submitted"
    screenshot(teacher, "chain-1-declared")

    # 2. The school returns it with a reason.
    admin = phone(new_page, base, "school_admin_a")
    go(admin, f"{base}/review/")
    row = admin.locator(f"#review-row-{record.pk}")
    row.locator(".decide-toggle-label").click()
    row.locator("textarea").fill("授课学时与通知不符，请按实际填写10学时")
    row.locator("button[value=reject]").click()
    expect(admin.locator(f"#review-row-{record.pk}")).to_contain_text("已退回")
    screenshot(admin, "chain-2-returned")

    # 3. The teacher reads the reason, corrects and resubmits.
    go(teacher, f"{base}/records/")
    assert "授课学时与通知不符" in teacher.content()
    go(teacher, f"{base}/records/{record.pk}/edit/")
    teacher.fill("#id_hours", "10")
    teacher.get_by_role("button", name="保存", exact=True).click()
    teacher.wait_for_load_state("networkidle")
    teacher.get_by_role("button", name="重新提交审核").click()
    teacher.wait_for_load_state("networkidle")
    record.refresh_from_db()
    assert (record.status, record.fields["hours"]) == ("submitted", 10)
    screenshot(teacher, "chain-3-resubmitted")

    # 4. The school approves it.
    go(admin, f"{base}/review/")
    admin.locator(f"#review-row-{record.pk} button.primary").click()
    expect(admin.locator(f"#review-row-{record.pk}")).to_contain_text("学校已审核")

    # 5. The school publishes the year's notice.
    go(admin, f"{base}/credits/?school={people.school_a.pk}&period={PERIOD}")
    admin.get_by_role("button", name="发布公示").click()
    admin.wait_for_load_state("networkidle")
    notice = Notice.objects.get(school=people.school_a, status="open")
    line = notice.lines.get(teacher=people.teacher_a)
    assert line.hours["total"] == 10
    screenshot(admin, "chain-5-published")

    # 6. Another teacher reads it on the phone and objects to their own line.
    other = phone(new_page, base, "teacher_a2")
    go(other, f"{base}/credits/notice/{notice.pk}/")
    assert "张丽" in other.content() and "李强" in other.content()
    other.fill("textarea[name=reason]", "我10月参加的县级培训没有列入")
    other.get_by_role("button", name="提出异议").click()
    other.wait_for_load_state("networkidle")
    objection = Objection.objects.get()
    screenshot(other, "chain-6-objection")

    # 7. The school answers the objection.
    go(admin, f"{base}/credits/notice/{notice.pk}/")
    admin.fill(f"#objection-{objection.pk} textarea", "该培训尚未提交申报，请先申报，计入下一年度")
    admin.locator(f"#objection-{objection.pk}").get_by_role("button", name="答复").click()
    admin.wait_for_load_state("networkidle")
    objection.refresh_from_db()
    assert objection.status == "answered"

    # 8. After the notice period: the school closes it, the principal signs, the school submits.
    today["day"] = AFTER_NOTICE
    go(admin, f"{base}/credits/notice/{notice.pk}/")
    admin.get_by_role("button", name="结束公示").click()
    admin.wait_for_load_state("networkidle")
    notice.refresh_from_db()
    assert notice.status == "closed"
    principal = phone(new_page, base, "principal_a")
    go(principal, f"{base}/credits/schools/{people.school_a.pk}/sign/?period={PERIOD}")
    principal.locator("input[name=confirm]").check()
    principal.get_by_role("button", name="签字确认").click()
    principal.wait_for_load_state("networkidle")
    submission = Submission.objects.get(school=people.school_a)
    assert submission.status == "signed"
    screenshot(principal, "chain-8-signed")
    go(admin, f"{base}/credits/?school={people.school_a.pk}&period={PERIOD}")
    admin.locator("button[data-action=submit]").click()
    admin.wait_for_load_state("networkidle")
    submission.refresh_from_db()
    assert submission.status == "submitted"

    # 9. In the certification window the county certifies the school's year.
    today["day"] = CERTIFICATION_DAY
    county = phone(new_page, base, "county_admin")
    go(county, f"{base}/credits/county/?node={people.county_x.pk}&period={PERIOD}")
    screenshot(county, "chain-9-county")
    county.locator(f'[data-school="{people.school_a.pk}"] button[data-action=certify]').click()
    county.wait_for_load_state("networkidle")
    submission.refresh_from_db()
    record.refresh_from_db()
    assert (submission.status, record.status) == ("certified", "certified")

    # 10. The teacher sees the certified credits; the record is locked.
    go(teacher, f"{base}/records/{record.pk}/")
    assert "已认定" in teacher.content()
    screenshot(teacher, "chain-10-certified-record")
    go(teacher, f"{base}/me/?period={PERIOD}")
    page_text = teacher.locator("main").inner_text()
    assert re.search(r"\b40\b", page_text), "10 h × 4 credits/h (county teaching) = 40"
    screenshot(teacher, "chain-10-teacher-home")
    go(teacher, f"{base}/records/{record.pk}/edit/")
    assert teacher.locator("#id_hours").count() == 0  # no form: it is locked
    events = set(AuditEntry.objects.values_list("event", flat=True))
    for event in (
        Event.RECORD_REJECT,
        Event.RECORD_APPROVE,
        Event.NOTICE_PUBLISH,
        Event.OBJECTION_RAISE,
        Event.OBJECTION_ANSWER,
        Event.NOTICE_CLOSE,
        Event.SUBMISSION_SIGN,
        Event.SUBMISSION_SUBMIT,
        Event.SUBMISSION_CERTIFY,
        Event.RECORD_CERTIFY,
    ):
        assert event in events, event
