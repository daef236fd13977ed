"""A 文成 semester assessment in a real browser: the county creates a round, assigns school
D to evaluate school C (互比互学) and opens it; C's administrator self-scores on a phone;
D's administrator scores C as its peer on a phone inside the peer window; the county
scores on site and finalizes — C fails (110, not above 120); inside the rectification
window the county scores it again (125); a teacher of C sees on a phone the semester's
school-based credits appear, with the gate's words. Screenshots: assessments-*.png; the
Content-Security-Policy blocks nothing on any page.

The days are set (the services and pages read ``timezone.localdate``): self-evaluation
2019-01-02..08, peer and on-site 01-09..14, rectification 01-15..20 (文成's notice).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.assessments.conftest import clock, values_for, wencheng  # noqa: F401 - fixtures
from tests.browser.conftest import (  # noqa: F401 - fixtures used by name
    DESKTOP,
    PHONE,
    allow_orm_beside_playwright,
    browser,
    new_page,
    screenshot,
)

pytestmark = [pytest.mark.db_backend, pytest.mark.django_db(transaction=True)]

PERIOD = "semester:2018-07-01"


def fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def login(open_page: Any, base: str, username: str, viewport: dict[str, int]) -> Any:
    page = open_page(viewport)
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def fill_column(page: Any, column: str, values: dict[str, float]) -> None:
    form = page.locator(f"#col-{column} form.column-form")
    for name, value in values.items():
        form.locator(f"[name={name}]").fill(f"{value:g}")


def school_based_credits(page: Any) -> str:
    """The 校本研修 row of the period's table by mode, as the page shows it."""
    row = page.locator("#period table.compact tr", has_text="校本").first
    return row.locator("td.num").last.inner_text().strip()


def test_a_semester_assessment_from_round_to_rectification(
    live_server: Any,
    wencheng: Any,  # noqa: F811
    clock: Any,  # noqa: F811
    new_page: Any,  # noqa: F811
    screenshot: Any,  # noqa: F811
) -> None:
    from xuefen.assessments.models import Round, SchoolAssessment
    from xuefen.assessments.scoring import load_round_sheet
    from xuefen.results.compute import recompute_stale

    w, base = wencheng, live_server.url
    for user in (w.school_admin_c, w.school_admin_d):
        user.set_password("pw")
        user.save()

    # 1. The county creates the round, assigns the peer and opens it.
    clock.set(dt.date(2019, 1, 2))
    county = login(new_page, base, "county_y_admin", DESKTOP)
    county.click("nav.mainnav >> text=考核")
    county.wait_for_load_state("networkidle")
    county.fill("#id_title", "2018学年第一学期校本研修考核")
    county.select_option("#id_sheet_id", "wencheng-school-example")
    county.select_option("#id_period", PERIOD)
    for name, day in (
        ("self_from", "2019-01-02"),
        ("self_to", "2019-01-08"),
        ("peer_from", "2019-01-09"),
        ("peer_to", "2019-01-14"),
        ("onsite_from", "2019-01-09"),
        ("onsite_to", "2019-01-14"),
        ("rectify_from", "2019-01-15"),
        ("rectify_to", "2019-01-20"),
    ):
        county.fill(f"#id_{name}", day)
    county.click("text=创建考核")
    county.wait_for_load_state("networkidle")
    rnd = Round.objects.get(node=w.county_y)
    assert county.url.endswith(f"/assessments/rounds/{rnd.pk}/")
    assert rnd.pass_above == 120
    county.select_option("#id_assessor", str(w.school_d.pk))
    county.select_option("#id_school", str(w.school_c.pk))
    county.click("#peers button[type=submit]")
    county.wait_for_load_state("networkidle")
    county.click("text=开始考核")
    county.wait_for_load_state("networkidle")
    expect(county.locator(f"tr[data-school='{w.school_c.pk}']")).to_contain_text(w.school_d.name)
    screenshot(county, "assessments-1-county-round")
    sheet_file = load_round_sheet(rnd)

    # 2. School C self-scores on a phone.
    clock.set(dt.date(2019, 1, 7))
    school = login(new_page, base, "school_admin_c", PHONE)
    school.click("nav.mainnav >> text=考核")
    school.wait_for_load_state("networkidle")
    expect(school.locator("body")).to_contain_text("请在 2019-01-08 前填写并提交自评")
    fits(school)
    school.click(f"text={rnd.title}")
    school.wait_for_load_state("networkidle")
    fill_column(school, "self", values_for(sheet_file, 140))
    school.click("#col-self button[value=submit]")
    school.wait_for_load_state("networkidle")
    expect(school.locator("#col-self .column-total")).to_have_text("140")
    fits(school)
    screenshot(school, "assessments-2-school-self")

    # 3. School D, the assigned peer, scores C inside the peer window.
    clock.set(dt.date(2019, 1, 10))
    peer = login(new_page, base, "school_admin_d", PHONE)
    peer.goto(f"{base}/assessments/school/")
    peer.click(f"#peer-sheets >> text={w.school_c.name}")
    peer.wait_for_load_state("networkidle")
    expect(peer.locator(".sheet-column")).to_have_count(1)  # its own column only
    fill_column(peer, "peer", values_for(sheet_file, 130))
    peer.fill("#col-peer textarea[name=remarks]", "计划、记录齐全")
    peer.click("#col-peer button[value=submit]")
    peer.wait_for_load_state("networkidle")
    expect(peer.locator("#col-peer .column-total")).to_have_text("130")
    fits(peer)
    screenshot(peer, "assessments-3-peer")

    # 4. The county scores on site and finalizes: 110, not above 120.
    county.click(f"text={w.school_c.name}")
    county.wait_for_load_state("networkidle")
    fill_column(county, "county", values_for(sheet_file, 110))
    county.click("#col-county button[value=finalize]")
    county.wait_for_load_state("networkidle")
    expect(county.locator("#result")).to_contain_text("110 分")
    assert not SchoolAssessment.objects.get(school=w.school_c).passed
    recompute_stale()  # the worker's task; it runs on commit in tests, this drains any left

    teacher = login(new_page, base, "teacher_c", PHONE)
    teacher.goto(f"{base}/me/?period={PERIOD}")
    teacher.wait_for_load_state("networkidle")
    expect(teacher.locator(".school-assessment")).to_contain_text("110 分")
    assert school_based_credits(teacher) in ("0", "0.0", "—")
    screenshot(teacher, "assessments-4-teacher-before")

    # 5. Inside the rectification window the county scores C again: 125.
    clock.set(dt.date(2019, 1, 16))
    county.reload()
    fill_column(county, "rectification", values_for(sheet_file, 125))
    county.click("#col-rectification button[value=rectify]")
    county.wait_for_load_state("networkidle")
    expect(county.locator("#result")).to_contain_text("整改后 125 分")
    county.goto(f"{base}/assessments/rounds/{rnd.pk}/")
    expect(county.locator(f"tr[data-school='{w.school_c.pk}']")).to_contain_text("通过")
    screenshot(county, "assessments-5-county-board")
    recompute_stale()

    # 6. The teacher of C sees the semester's school-based credits appear.
    teacher.reload()
    teacher.wait_for_load_state("networkidle")
    expect(teacher.locator(".school-assessment")).to_contain_text("整改后 125 分")
    credits = school_based_credits(teacher)
    assert float(credits) > 0, credits
    fits(teacher)
    screenshot(teacher, "assessments-6-teacher-after")
