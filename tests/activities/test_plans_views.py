# ruff: noqa: F811 (the fixtures imported from test_plans)
"""The plan pages: who reaches them (out of scope is a 404), that each button calls its
service and shows its refusal on the page, rows added on the server, the county's queue
with a query-count guard."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.activities.test_plans import (  # noqa: F401 (fixtures)
    LATE,
    dali_rows,
    entries,
    make_plan,
    month_row,
    on,
    session,
    submitted,
)
from tests.portal.access import assert_anonymous_redirects_to_login, assert_status
from xuefen.activities.choices import PlanStatus, PlanTemplate
from xuefen.activities.models import Plan
from xuefen.audit.choices import Event
from xuefen.credits.models import WindowException

pytestmark = pytest.mark.django_db


def as_user(client, user):
    client.logout()
    client.force_login(getattr(user, "user", user))
    return client


def management(prefix, total):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0"}


def header(people, **extra):
    data = {
        "school": people.school_a.pk,
        "template": "monthly",
        "semester": "2025-09-01",
        "title": "秋季学期校本研修计划",
        "goals": "提升课堂教学能力",
        "themes": "大单元教学",
        "responsible": "王主任",
    }
    data.update(extra)
    return data


def monthly_post(people, rows, **extra):
    data = header(people, **extra) | management("months", len(rows))
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"months-{i}-{key}"] = value
    return data


# -- the school's plans ---------------------------------------------------------------------


def test_plans_page_access(client, people, on):
    plan = make_plan(people)
    url = reverse("activities:plans")
    assert_anonymous_redirects_to_login(client, url)
    assert_status(client, url, people.nobody, 403)
    page = assert_status(client, url, people.school_admin_a, 200).content.decode()
    assert plan.title in page and "2025-09-01" in page and "2025-09-07" in page
    assert reverse("activities:plan_new") in page
    teacher = assert_status(client, url, people.teacher_a.user, 200).content.decode()
    assert plan.title in teacher and reverse("activities:plan_new") not in teacher
    assert plan.title not in assert_status(client, url, people.school_admin_b, 200).content.decode()
    other = f"{url}?school={people.school_a.pk}"
    assert_status(client, other, people.school_admin_b, 404)
    assert_status(client, other, people.county_y_admin, 404)
    assert_status(client, f"{url}?school=99999999999999999999999", people.school_admin_a, 404)
    # a county's staff oversee several schools: they land on their queue
    county = as_user(client, people.county_admin).get(url)
    assert county.status_code == 302 and county.url == reverse("activities:plans_county")


def test_returned_plan_shows_its_reasons(client, people, submitted):
    from xuefen.activities.plans import plan_return

    plan_return(actor=people.county_admin, plan=submitted, reason="缺少三月的安排")
    page = as_user(client, people.school_admin_a).get(reverse("activities:plans")).content
    assert "缺少三月的安排" in page.decode()


# -- writing -----------------------------------------------------------------------------------


def test_new_plan_page_access(client, people, on):
    url = reverse("activities:plan_new") + f"?school={people.school_a.pk}&template=monthly"
    assert_status(client, url, people.school_admin_a, 200)
    for who in ("principal_a", "county_admin", "school_admin_b", "county_y_admin"):
        assert_status(client, url, getattr(people, who), 404)
    assert_status(client, url, people.teacher_a.user, 404)
    chooser = reverse("activities:plan_new") + f"?school={people.school_a.pk}"
    page = assert_status(client, chooser, people.school_admin_a, 200).content.decode()
    assert "template=dali_five_steps" in page and "template=lanzhou" in page


def test_new_monthly_plan_is_created(client, people, on):
    rows = [month_row() | {"groups": "语文教研组、数学教研组"}, {}]  # a spare blank row
    response = as_user(client, people.school_admin_a).post(
        reverse("activities:plan_new"), monthly_post(people, rows)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = Plan.objects.get()
    assert response.url == reverse("activities:plan", args=[plan.pk])
    assert plan.items == [month_row() | {"groups": ["语文教研组", "数学教研组"]}]
    assert plan.label == "2025-2026-1学期" and entries(plan, Event.PLAN_CREATE)


def test_add_a_row_saves_nothing(client, people, on):
    rows = [month_row()]
    data = monthly_post(people, rows, add="months")
    response = as_user(client, people.school_admin_a).post(reverse("activities:plan_new"), data)
    assert response.status_code == 200 and not Plan.objects.exists()
    page = response.content.decode()
    assert 'name="months-1-theme"' in page and 'name="months-2-theme"' not in page
    assert "整本书阅读的课堂设计" in page  # the typed row is kept


def test_refused_rows_are_shown_in_chinese(client, people, on):
    rows = [month_row(month="2026-05")]
    response = as_user(client, people.school_admin_a).post(
        reverse("activities:plan_new"), monthly_post(people, rows)
    )
    assert response.status_code == 400 and not Plan.objects.exists()
    assert "第1项活动，月份：2026-05 不在本学期内" in response.content.decode()


def test_second_plan_of_a_semester_is_refused_on_the_form(client, people, on):
    make_plan(people)
    response = as_user(client, people.school_admin_a).post(
        reverse("activities:plan_new"), monthly_post(people, [month_row()])
    )
    assert response.status_code == 400 and Plan.objects.count() == 1
    assert "已有 2025-2026-1学期 的校本研修计划" in response.content.decode()


def test_new_dali_plan(client, people, on):
    data = header(people, template="dali_five_steps") | management("steps", 5)
    for i, row in enumerate(dali_rows()):
        for key in ("step", "start", "end", "content"):
            data[f"steps-{i}-{key}"] = row[key]
        for tier, task in (row.get("tasks") or {}).items():
            data[f"steps-{i}-{tier}"] = task
    url = reverse("activities:plan_new")
    get = as_user(client, people.school_admin_a).get(
        f"{url}?school={people.school_a.pk}&template=dali_five_steps"
    )
    assert get.status_code == 200 and "研课磨课" in get.content.decode()
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    plan = Plan.objects.get()
    assert [r["step"] for r in plan.items][2] == "研课磨课"
    assert plan.items[1]["tasks"]["key"] == "精品课程设计"


def test_new_lanzhou_plan(client, people, on):
    data = header(people, template="lanzhou") | management("sessions", 1) | management("study", 1)
    for key, value in session().items():
        if key != "kind":
            data[f"sessions-0-{key}"] = value
    data |= {
        "study-0-content": "读书笔记",
        "study-0-goal": "积累",
        "study-0-materials": "《给教师的建议》",
        "study-0-words": "3000",
    }
    response = as_user(client, people.school_admin_a).post(reverse("activities:plan_new"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    plan = Plan.objects.get()
    assert [i["kind"] for i in plan.items] == ["session", "self_study"]
    assert plan.items[0]["time"] == "2025-09-10T14:30:00"
    page = client.get(reverse("activities:plan", args=[plan.pk])).content.decode()
    assert "2025-09-10 14:30" in page and "核心素养如何落地" in page


def test_edit_page(client, people, on):
    plan = make_plan(people)
    url = reverse("activities:plan_edit", args=[plan.pk])
    for who in ("principal_a", "county_admin", "school_admin_b", "county_y_admin"):
        assert_status(client, url, getattr(people, who), 404)
    page = assert_status(client, url, people.school_admin_a, 200).content.decode()
    assert "整本书阅读的课堂设计" in page
    data = monthly_post(people, [month_row(theme="改过的主题")], title="改过的标题")
    response = client.post(url, data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.title == "改过的标题" and plan.items[0]["theme"] == "改过的主题"
    assert entries(plan, Event.PLAN_UPDATE)


# -- one plan and its buttons ------------------------------------------------------------------


def test_plan_page_access(client, people, on):
    plan = make_plan(people)
    url = reverse("activities:plan", args=[plan.pk])
    assert_anonymous_redirects_to_login(client, url)
    assert_status(client, url, people.nobody, 403)
    for who in ("school_admin_b", "county_y_admin"):
        assert_status(client, url, getattr(people, who), 404)
    assert_status(client, url, people.teacher_b.user, 404)
    teacher = assert_status(client, url, people.teacher_a.user, 200).content.decode()
    assert plan.title in teacher and 'data-action="submit"' not in teacher
    admin = assert_status(client, url, people.school_admin_a, 200).content.decode()
    assert 'data-action="submit"' in admin and "plan.create" not in admin
    assert_status(client, url, people.county_admin, 200)


def test_submit_approve_return_through_the_page(client, people, on):
    plan = make_plan(people)
    act = lambda name: reverse("activities:plan_act", args=[plan.pk, name])  # noqa: E731
    # other schools and counties: 404, nothing happens
    assert as_user(client, people.school_admin_b).post(act("submit")).status_code == 404
    assert as_user(client, people.county_y_admin).post(act("approve")).status_code == 404
    assert as_user(client, people.teacher_a).post(act("submit")).status_code == 404
    assert as_user(client, people.school_admin_a).post(act("dance")).status_code == 404
    assert not entries(plan, Event.PLAN_SUBMIT)
    response = as_user(client, people.principal_a).post(act("submit"))
    assert response.status_code == 302
    assert Plan.objects.get().status == PlanStatus.SUBMITTED
    county = as_user(client, people.county_admin)
    refused = county.post(act("return"), {"reason": ""})
    assert refused.status_code == 400 and "请" in refused.content.decode()
    queue = reverse("activities:plans_county")
    response = county.post(act("approve"), {"next": queue + "?status=submitted"})
    assert response.status_code == 302 and response.url == queue + "?status=submitted"
    assert Plan.objects.get().status == PlanStatus.APPROVED
    response = county.post(act("return"), {"reason": "未按计划实施", "next": "https://evil.test/"})
    assert response.url == reverse("activities:plan", args=[plan.pk])
    assert Plan.objects.get().status == PlanStatus.RETURNED
    page = county.get(reverse("activities:plan", args=[plan.pk])).content.decode()
    assert "未按计划实施" in page


def test_submit_out_of_the_window_shows_the_dates_and_the_county_opens_it(client, people, on):
    plan = make_plan(people)
    on(LATE)
    response = as_user(client, people.school_admin_a).post(
        reverse("activities:plan_act", args=[plan.pk, "submit"])
    )
    assert response.status_code == 400
    assert "2025-09-01" in response.content.decode() and "2025-09-07" in response.content.decode()
    url = reverse("activities:plan_window", args=[plan.pk])
    assert as_user(client, people.school_admin_a).post(url).status_code == 404
    assert as_user(client, people.county_y_admin).post(url).status_code == 404
    county = as_user(client, people.county_admin)
    assert (
        'action="' + url in county.get(reverse("activities:plan", args=[plan.pk])).content.decode()
    )
    bad = county.post(url, {"open_until": "2025-09-30", "reason": ""})
    assert bad.status_code == 400 and not WindowException.objects.exists()
    ok = county.post(url, {"open_until": "2025-09-30", "reason": "开学推迟"})
    assert ok.status_code == 302
    exception = WindowException.objects.get()
    assert (exception.window, exception.period_type, exception.start) == (
        "plan",
        "plan_semester",
        dt.date(2025, 9, 1),
    )
    response = as_user(client, people.school_admin_a).post(
        reverse("activities:plan_act", args=[plan.pk, "submit"])
    )
    assert response.status_code == 302 and Plan.objects.get().status == PlanStatus.SUBMITTED


# -- the county's queue ------------------------------------------------------------------------


def test_county_queue_access(client, people, submitted):
    url = reverse("activities:plans_county")
    assert_anonymous_redirects_to_login(client, url)
    page = assert_status(client, url, people.county_admin, 200).content.decode()
    assert "思茅一中" in page and 'data-action="approve"' in page
    assert "思茅一中" not in assert_status(client, url, people.county_y_admin, 200).content.decode()
    assert "思茅一中" not in assert_status(client, url, people.school_admin_a, 200).content.decode()
    approved = assert_status(client, url + "?status=approved", people.county_admin, 200)
    assert "思茅一中" not in approved.content.decode()


def _submitted_plans(people, count):
    """``count`` submitted plans of school A and B, one per semester (made directly)."""
    made = 0
    year = 2024
    while made < count:
        for school in (people.school_a, people.school_b):
            for start, end in (
                (dt.date(year, 3, 1), dt.date(year, 8, 31)),
                (dt.date(year, 9, 1), dt.date(year + 1, 2, 28)),
            ):
                if made < count:
                    Plan.objects.create(
                        school=school,
                        start=start,
                        end=end,
                        label=f"{year}",
                        title=f"计划{made}",
                        template=PlanTemplate.MONTHLY,
                        goals="g",
                        themes="t",
                        responsible="r",
                        status=PlanStatus.SUBMITTED,
                    )
                    made += 1
        year -= 1


def test_county_queue_query_count_holds_as_plans_grow(
    client, people, django_assert_max_num_queries
):
    url = reverse("activities:plans_county")
    county = as_user(client, people.county_admin)
    _submitted_plans(people, 2)
    county.get(url)  # warm the caches (content types, sessions)
    with django_assert_max_num_queries(10) as few:  # 8 today
        assert county.get(url).status_code == 200
    _submitted_plans_more = Plan.objects.count()
    Plan.objects.all().delete()
    _submitted_plans(people, 30)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        page = county.get(url).content.decode()
    assert page.count('data-action="approve"') == 30 and _submitted_plans_more == 2
    assert len(many.captured_queries) == len(few.captured_queries)
