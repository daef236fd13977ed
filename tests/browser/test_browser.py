"""In a real browser, at phone and desktop widths: a demo teacher sees their progress and
a record's explanation; a school administrator filters the roster (htmx swaps the table).
Every page runs under the Content-Security-Policy with nothing blocked (conftest watches
each page), the admin included."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from xuefen.demo.world import DEMO_PASSWORD, seed
from xuefen.org.models import Teacher

pytestmark = [pytest.mark.db_backend, pytest.mark.django_db(transaction=True)]

WIDTHS = [("phone", PHONE), ("desktop", DESKTOP)]


@pytest.fixture
def demo(live_server: Any) -> Any:
    """A small demo world (4 schools, 60 teachers) behind the live server."""
    seed(schools=4, teachers=60)
    return live_server


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize(("label", "viewport"), WIDTHS, ids=[w[0] for w in WIDTHS])
def test_teacher_sees_progress_and_explanation(
    demo: Any, new_page: Any, screenshot: Any, label: str, viewport: dict[str, int]
) -> None:
    page = new_page(viewport)
    log_in(page, demo.url, "t0001")
    assert page.url.endswith("/me/")
    teacher = Teacher.objects.get(user__username="t0001")
    assert page.locator("h1").first.inner_text().startswith(teacher.name)
    year = page.locator("#period")
    assert "本年度" in year.inner_text() and "已达标" in year.inner_text()
    assert page.locator("#period .req .bar").count() >= 8
    assert page.locator("#cycle").is_visible()
    explanation = page.locator("#records .explanation").first
    assert explanation.is_visible()
    assert "×" in page.locator("#records").inner_text()
    # Nothing sticks out sideways on a phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], width
    screenshot(page, f"teacher-{label}")

    # The record page explains the record on its own.
    page.locator("#records .record-title").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".explanation").first.is_visible()
    assert page.csp_violations == []


@pytest.mark.parametrize(("label", "viewport"), WIDTHS, ids=[w[0] for w in WIDTHS])
def test_school_admin_filters_roster(
    demo: Any, new_page: Any, screenshot: Any, label: str, viewport: dict[str, int]
) -> None:
    page = new_page(viewport)
    log_in(page, demo.url, "school01_admin")
    assert "/schools/" in page.url
    rows = page.locator("tr.teacher-row")
    everyone = rows.count()
    assert everyone >= 10
    screenshot(page, f"roster-{label}")

    # Search by a surname: htmx swaps in the table with only the matching teachers.
    school_id = int(page.url.rstrip("/").split("/")[-1])
    names = list(Teacher.objects.filter(school_id=school_id).values_list("name", flat=True))
    surname = max({n[0] for n in names}, key=lambda s: (sum(n[0] == s for n in names), s))
    expected = sorted(n for n in names if surname in n)
    with page.expect_response(lambda r: "q=" in r.url and r.request.headers.get("hx-request")):
        page.fill("#id_q", surname)
    page.wait_for_function(
        "n => document.querySelectorAll('tr.teacher-row').length === n", arg=len(expected)
    )
    shown = sorted(rows.locator("td:first-child a").all_inner_texts())
    assert shown == expected
    assert f"q={surname}" in page.url or "q=%" in page.url  # the filter is in the address

    # Then only those short of this year's requirements.
    page.fill("#id_q", "")
    page.wait_for_function(
        "n => document.querySelectorAll('tr.teacher-row').length === n", arg=everyone
    )
    page.select_option("#id_compliance", "short")
    page.wait_for_function(
        "n => document.querySelectorAll('tr.teacher-row').length < n", arg=everyone
    )
    short = rows.count()
    assert short > 0
    # Every row left carries the "short by n requirements" badge (差 n 项), none "met".
    assert rows.locator("td:last-child .badge.orange").count() == short
    assert all(t.startswith("差") for t in rows.locator("td:last-child .badge").all_inner_texts())
    screenshot(page, f"roster-filtered-{label}")
    assert page.csp_violations == []  # htmx works under the policy


@pytest.mark.parametrize(("label", "viewport"), WIDTHS, ids=[w[0] for w in WIDTHS])
def test_county_admin_sees_schools(
    demo: Any, new_page: Any, screenshot: Any, label: str, viewport: dict[str, int]
) -> None:
    page = new_page(viewport)
    log_in(page, demo.url, "county_admin")
    assert "/regions/" in page.url
    assert page.locator("tr.school-row").count() == 2  # the first county's 2 of 4 schools
    assert "完成率" in page.inner_text("table")
    screenshot(page, f"county-{label}")


def test_pages_carry_the_policy_and_the_watch_sees_a_violation(demo: Any, new_page: Any) -> None:
    page = new_page(DESKTOP)
    response = page.goto(f"{demo.url}/login/")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert page.csp_violations == []
    # The watch is not blind: an inline style attribute is refused and reported.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<b style=\"color:red\">x</b>')")
    page.wait_for_function("1", polling=100)
    page.wait_for_timeout(300)
    assert any("style-src" in v for v in page.csp_violations), page.csp_violations
    page.csp_violations.clear()


def test_admin_works_under_the_policy(demo: Any, new_page: Any) -> None:
    page = new_page(DESKTOP)
    page.goto(f"{demo.url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.rstrip("/").endswith("/admin")
    teacher = Teacher.objects.order_by("pk").first()
    for path in [
        "/admin/org/teacher/",
        f"/admin/org/teacher/{teacher.pk}/change/",
        "/admin/records/record/",
        "/admin/records/record/add/",
        "/admin/records/record/add/?kind=training",
        "/admin/audit/auditentry/",
        "/admin/axes/accessattempt/",
    ]:
        response = page.goto(demo.url + path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
    # Adding a record starts with its kind, in Chinese; then the kind's own form, whose
    # teacher autocomplete (select2, admin's own JavaScript) opens and searches.
    page.goto(f"{demo.url}/admin/records/record/add/")
    page.locator('#content-main a[href="?kind=training"]').click()
    page.wait_for_load_state("networkidle")
    assert page.locator("input[name=k_hours]").count() == 1
    page.locator(".field-teacher .select2-selection").click()
    page.keyboard.type(teacher.name[:1])
    page.wait_for_selector(".select2-results__option")
    assert page.csp_violations == []


@pytest.mark.parametrize(("label", "viewport"), WIDTHS, ids=[w[0] for w in WIDTHS])
def test_roster_pages_sorts_and_picks_a_period(
    demo: Any,
    new_page: Any,
    screenshot: Any,
    monkeypatch: Any,
    label: str,
    viewport: dict[str, int],
) -> None:
    """Pages of 6 in pinyin order, the next page swapped in by htmx with the filters kept in
    the address; sorting by credits and picking last year swap the table too."""
    import datetime as dt

    from xuefen.org.models import name_sort_key

    monkeypatch.setattr("xuefen.portal.views.ROSTER_PAGE_SIZE", 6)
    page = new_page(viewport)
    log_in(page, demo.url, "school01_admin")
    school_id = int(page.url.rstrip("/").split("/")[-1])
    teachers = Teacher.objects.filter(school_id=school_id, active=True)
    expected = [t.name for t in sorted(teachers, key=lambda t: (name_sort_key(t.name), t.pk))]
    rows = page.locator("tr.teacher-row td:first-child a")
    assert rows.all_inner_texts() == expected[:6]
    assert "第 1 /" in page.inner_text(".pager")

    with page.expect_response(lambda r: "page=2" in r.url and r.request.headers.get("hx-request")):
        page.click(".pager-next")
    page.wait_for_function(
        "first => document.querySelector('tr.teacher-row td a').innerText !== first",
        arg=expected[0],
    )
    assert rows.all_inner_texts() == expected[6:12]
    assert "page=2" in page.url

    # Sort by credits, most first: the table is swapped and starts again at page 1.
    with page.expect_response(lambda r: "sort=-credits" in r.url):
        page.select_option("#id_sort", "-credits")
    page.wait_for_function("() => !location.search.includes('page=2')")
    assert "sort=-credits" in page.url
    credits = [
        float(t.split()[0]) if t.strip() not in ("—", "") else 0.0
        for t in page.locator("tr.teacher-row td:nth-child(5)").all_inner_texts()
    ]
    assert credits == sorted(credits, reverse=True), credits

    # Last year: the picker is part of the filters, the summary names the year.
    last = dt.date.today().year - 1
    with page.expect_response(lambda r: "period=year" in r.url):
        page.select_option("#id_period", f"year:{last}-01-01")
    page.wait_for_function(
        "y => document.querySelector('.period-name').innerText.startsWith(y)", arg=str(last)
    )
    assert "sort=-credits" in page.url and f"year%3A{last}" in page.url
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], width
    screenshot(page, f"roster-last-year-{label}")
    assert page.csp_violations == []


@pytest.mark.parametrize(("label", "viewport"), WIDTHS, ids=[w[0] for w in WIDTHS])
def test_county_admin_picks_a_period(
    demo: Any, new_page: Any, screenshot: Any, label: str, viewport: dict[str, int]
) -> None:
    page = new_page(viewport)
    log_in(page, demo.url, "county_admin")
    assert "含待审达标" in page.inner_text("table") or viewport is PHONE
    current = page.inner_text(".period-name")
    cycle = page.locator("#id_period option[value^='cycle:']").first.get_attribute("value")
    with page.expect_response(lambda r: "period=cycle" in r.url):
        page.select_option("#id_period", cycle)
    page.wait_for_function(
        "c => document.querySelector('.period-name').innerText !== c", arg=current
    )
    assert "周期" in page.inner_text(".period-name")
    assert "period=cycle" in page.url
    assert page.locator("tr.school-row").count() == 2
    # The 20% rule is about a year: no awards column for a cycle.
    assert "集体评优" not in page.inner_text("table")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], width
    screenshot(page, f"county-cycle-{label}")
    assert page.csp_violations == []
