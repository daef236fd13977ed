"""Any period (issue 7, point 4): the picker's choices come from the policy in force at the
page's node, the URL carries the period, a bad value falls back to the current year (never
an error page), and in January a school reports the year that just ended."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from xuefen.org.services import policy_bind
from xuefen.portal.periods import parse_period, period_picker
from xuefen.results.compute import recompute_stale

pytestmark = pytest.mark.db_backend

JAN = dt.date(2026, 1, 5)


def keys(picker: Any) -> list[str]:
    return [c.key for c in picker.choices]


def test_choices_of_puer_years_and_cycles(people: Any) -> None:
    """普洱 (puer-2023, bound on the city from 2021-01-01) reports years and has a 5-year
    cycle aligned to 2021: the current year and the 5 before it, newest first (none before
    the first binding), then the current and the previous cycle."""
    picker = period_picker(people.school_a, value=None, today=JAN)
    assert keys(picker) == [
        "year:2026-01-01",
        "year:2025-01-01",
        "year:2024-01-01",
        "year:2023-01-01",
        "year:2022-01-01",
        "year:2021-01-01",
        "cycle:2026-01-01",
        "cycle:2021-01-01",
    ]
    # In January the default is the new year, and the year that just ended is one click away.
    assert picker.selected == picker.default
    assert picker.selected.key == "year:2026-01-01" and picker.is_current and picker.is_year
    last = period_picker(people.school_a, value="year:2025-01-01", today=JAN).selected
    assert (last.start, last.end, last.label, last.name) == (
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 31),
        "2025",
        "2025年度",
    )
    cycle = period_picker(people.school_a, value="cycle:2021-01-01", today=JAN).selected
    assert (cycle.end, cycle.name) == (dt.date(2025, 12, 31), "2021-2025周期")
    groups = dict(picker.groups)
    assert [i["choice"].label for i in groups["周期"]] == ["2026-2030", "2021-2025"]
    assert [i["current"] for i in groups["年度"]][:2] == [True, False]


def test_choices_follow_the_policy_in_force_at_the_node(people: Any) -> None:
    """A county whose own policy has school years and semesters (dali-2020), no years and no
    cycle: those are offered, and the default is the current period of its first type."""
    policy_bind(
        actor=people.root,
        node=people.county_y,
        policy_id="dali-2020",
        valid_from=dt.date(2024, 9, 1),
    )
    day = dt.date(2026, 3, 1)
    picker = period_picker(people.school_c, value=None, today=day)
    types = {c.type for c in picker.choices}
    assert types == {"school_year", "semester"}
    assert picker.selected.key == "school_year:2025-09-01"
    assert picker.selected.name == "2025-2026学年"
    semesters = [c.label for c in picker.choices if c.type == "semester"]
    assert semesters[:3] == ["2025-2026-2", "2025-2026-1", "2024-2025-2"]
    assert semesters[-1] == "2020-2021-1"  # the last to reach into 2021 (5 years back)
    # The city's policy still applies to county X.
    assert {c.type for c in period_picker(people.school_a, value=None, today=day).choices} == {
        "year",
        "cycle",
    }


@pytest.mark.parametrize(
    "value",
    [
        "",
        "year",
        "year:",
        "year:2025-02-01",  # a date that starts no year
        "year:2019-01-01",  # before the span offered
        "year:2027-01-01",  # the future
        "year:2025-13-01",
        "year:2025-02-30",
        "semester:2025-09-01",  # a type 普洱 does not have
        "YEAR:2025-01-01",
        "year:2025-01-01junk",
        " year:2025-01-01 ; drop table",
        "cycle:2016-01-01",
        "x" * 5000,
    ],
)
def test_bad_values_fall_back_to_the_current_year(people: Any, value: str) -> None:
    picker = period_picker(people.school_a, value=value, today=JAN)
    assert picker.selected == picker.default and picker.selected.key == "year:2026-01-01"


def test_parse_period_takes_only_a_choice(people: Any) -> None:
    choices = period_picker(people.school_a, value=None, today=JAN).choices
    assert parse_period("year:2024-01-01", choices).label == "2024"
    assert parse_period(" year:2024-01-01 ", choices).label == "2024"
    assert parse_period(None, choices) is None
    assert parse_period("year:2024-01-02", choices) is None


def test_no_policy_no_choices(people: Any) -> None:
    """Above the city no policy is bound: nothing to pick, nothing to judge."""
    picker = period_picker(people.province, value="year:2025-01-01", today=JAN)
    assert picker.choices == [] and picker.selected is None and not picker.is_year


@pytest.mark.parametrize("value", ["year:2025-13-45", "cycle:x", "%00", "year:2025-01-01" * 300])
def test_pages_never_fail_on_a_bad_period(client: Any, people: Any, value: str) -> None:
    client.force_login(people.county_admin)
    year = timezone.localdate().year
    for url in (
        reverse("portal:roster", args=[people.school_a.pk]),
        reverse("portal:region", args=[people.county_x.pk]),
        reverse("portal:teacher", args=[people.teacher_a.pk]),
    ):
        response = client.get(url, {"period": value, "page": "x", "sort": "nope"})
        assert response.status_code == 200, url
        assert f'value="year:{year}-01-01" selected' in response.content.decode(), url


def test_roster_reports_the_year_that_just_ended(
    client: Any, people: Any, make_record: Any
) -> None:
    """January: last year's certified record counts in last year, which the roster shows
    when asked (the current year has nothing yet)."""
    last = timezone.localdate().year - 1
    make_record(
        people.teacher_a,
        actor=people.county_admin,
        date=dt.date(last, 12, 20),
        status="certified",
    )
    recompute_stale()
    client.force_login(people.school_admin_a)
    url = reverse("portal:roster", args=[people.school_a.pk])

    def figures(**params: str) -> Any:
        response = client.get(url, params)
        assert response.status_code == 200
        rows = {r.teacher.pk: r for r in response.context["rows"]}
        return response, rows[people.teacher_a.pk].figures

    response, now = figures()
    assert now is None or now.total_credits == 0
    response, then = figures(period=f"year:{last}-01-01")
    assert (then.total_hours, then.total_credits) == (30, 34.5)
    page = response.content.decode()
    assert f'<option value="year:{last}-01-01" selected>{last}年度</option>' in page
    assert f'<b class="period-name">{last}年度</b>' in page
    # Links to the teacher keep the period.
    assert f"?period=year%3A{last}-01-01" in page
    # The region table shows the same year on the stored summaries.
    client.force_login(people.county_admin)
    region = client.get(
        reverse("portal:region", args=[people.county_x.pk]), {"period": f"year:{last}-01-01"}
    )
    assert region.status_code == 200 and region.context["period"].label == str(last)
    assert f"{last}年度" in region.content.decode()


def test_teacher_page_shows_the_period_picked(client: Any, people: Any, make_record: Any) -> None:
    """The teacher page shows the year picked, the cycle it falls in, and the teacher's other
    years; a year without records says so instead of showing zeros as requirements."""
    last = timezone.localdate().year - 1
    make_record(
        people.teacher_a,
        actor=people.county_admin,
        date=dt.date(last, 6, 1),
        status="certified",
    )
    client.force_login(people.teacher_a.user)
    url = reverse("portal:me")
    response = client.get(url, {"period": f"year:{last}-01-01"})
    page = response.content.decode()
    assert response.context["shown"].period["period"] == str(last)
    assert "34.5" in page and "还差 42" in page  # 72 − 30 hours in that year
    cycle = response.context["cycle"]
    assert cycle is not None and cycle.period["start"] <= f"{last}-06-01" <= cycle.period["end"]
    # The current year is among the other years, with its own figures.
    assert str(timezone.localdate().year) in [
        p.period["period"] for p in response.context["others"]
    ]
    # A year without any record: nothing earned, said plainly.
    empty = client.get(url, {"period": f"year:{last - 1}-01-01"})
    assert empty.context["picker"].selected.label == str(last - 1)
    assert empty.context["shown"] is None
    assert "本期间没有记录" in empty.content.decode()
    # A cycle on its own.
    own_cycle = next(c for c in response.context["picker"].choices if c.type == "cycle")
    shown = client.get(url, {"period": own_cycle.key}).context["shown"]
    assert shown is not None and shown.period["type"] == "cycle"
    assert client.get(url, {"period": own_cycle.key}).context["cycle"] is None
