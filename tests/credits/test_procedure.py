"""The procedure a region's policy sets: the period a notice covers, the notice's days and
the recognition windows (普洱: 11-01..12-31 of the year, 03-01..04-30 of the next)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from xuefen.credits.models import WindowException
from xuefen.credits.procedure import (
    WorkPeriod,
    check_window,
    parse_period_key,
    procedure_at,
    recent_periods,
    window_open,
)
from xuefen.policy import PolicyFileError, load_policy_text

YEAR_2025 = WorkPeriod("year", dt.date(2025, 1, 1), dt.date(2025, 12, 31), "2025", "年度")


@pytest.mark.django_db
def test_puer_procedure_is_yearly_with_two_windows(people) -> None:
    procedure = procedure_at(people.school_a, dt.date(2025, 6, 1))
    assert (procedure.period_type, procedure.notice_days) == ("year", 7)
    assert procedure.period_of(dt.date(2025, 6, 1)) == YEAR_2025
    recognition = procedure.span("recognition", YEAR_2025)
    certification = procedure.span("certification", YEAR_2025)
    assert (recognition.opens, recognition.closes) == (dt.date(2025, 11, 1), dt.date(2025, 12, 31))
    assert (certification.opens, certification.closes) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 4, 30),
    )


@pytest.mark.django_db
def test_window_refuses_with_its_dates_until_an_exception_opens_it(people) -> None:
    school = people.school_a
    check_window(school=school, window="recognition", period=YEAR_2025, today=dt.date(2025, 11, 1))
    check_window(school=school, window="recognition", period=YEAR_2025, today=dt.date(2025, 12, 31))
    with pytest.raises(ValidationError) as exc:
        check_window(
            school=school, window="recognition", period=YEAR_2025, today=dt.date(2026, 1, 5)
        )
    assert "2025-11-01" in exc.value.messages[0] and "2025-12-31" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        check_window(
            school=school, window="certification", period=YEAR_2025, today=dt.date(2026, 2, 28)
        )
    # An exception for the whole county opens it for school A, until its day, not school C.
    WindowException.objects.create(
        node=people.county_x,
        window="recognition",
        period_type="year",
        start=YEAR_2025.start,
        open_until=dt.date(2026, 1, 10),
        reason="系统故障延期",
        created_by=people.county_admin,
    )
    is_open, _span, exception = window_open(
        school=school, window="recognition", period=YEAR_2025, today=dt.date(2026, 1, 10)
    )
    assert is_open and exception is not None
    with pytest.raises(ValidationError):
        check_window(
            school=school, window="recognition", period=YEAR_2025, today=dt.date(2026, 1, 11)
        )
    with pytest.raises(ValidationError):
        check_window(
            school=people.school_c,
            window="recognition",
            period=YEAR_2025,
            today=dt.date(2026, 1, 5),
        )


@pytest.mark.django_db
def test_period_keys_and_recent_periods(people) -> None:
    today = dt.date(2026, 11, 26)
    assert parse_period_key(people.school_a, "year:2025-01-01", today=today) == YEAR_2025
    for bad in ("year:2025-02-01", "semester:2025-01-01", "year:x", "", None, "2025"):
        assert parse_period_key(people.school_a, bad, today=today) is None
    periods = recent_periods(people.school_a, today=today, count=3)
    assert [p.label for p in periods] == ["2026", "2025", "2024"]


def test_a_procedure_must_name_a_declared_period() -> None:
    text = """
id: x
name: x
region: x
source: x
periods:
  year: {anchors: ["01-01"], label: 年度}
credit_rules: []
procedure: {period: semester}
"""
    with pytest.raises(PolicyFileError, match="procedure"):
        load_policy_text(text, "x.yaml")
    bad_window = text.replace(
        "procedure: {period: semester}",
        'procedure: {period: year, windows: {recognition: {start: "12-01", end: "01-31"}}}',
    )
    with pytest.raises(PolicyFileError, match="window"):
        load_policy_text(bad_window, "x.yaml")


@pytest.mark.django_db
def test_the_plan_is_submitted_in_the_first_week_of_the_semester(people) -> None:
    """普洱: 每学期开学后一周内 — semesters from 09-01 and 03-01, 7 days, the last one included."""
    procedure = procedure_at(people.school_a, dt.date(2025, 9, 3))
    autumn = procedure.plan_period_of(dt.date(2025, 10, 1))
    assert (autumn.start, autumn.end) == (dt.date(2025, 9, 1), dt.date(2026, 2, 28))
    spring = procedure.plan_period_of(dt.date(2026, 4, 1))
    assert (spring.start, spring.end) == (dt.date(2026, 3, 1), dt.date(2026, 8, 31))
    check_window(school=people.school_a, window="plan", period=autumn, today=dt.date(2025, 9, 7))
    with pytest.raises(ValidationError) as exc:
        check_window(
            school=people.school_a, window="plan", period=autumn, today=dt.date(2025, 9, 8)
        )
    assert "2025-09-01" in exc.value.messages[0] and "2025-09-07" in exc.value.messages[0]
    WindowException.objects.create(
        node=people.school_a,
        window="plan",
        period_type=autumn.type,
        start=autumn.start,
        open_until=dt.date(2025, 9, 15),
        reason="本校9月8日开学",
        created_by=people.county_admin,
    )
    check_window(school=people.school_a, window="plan", period=autumn, today=dt.date(2025, 9, 14))
