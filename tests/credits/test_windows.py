"""Window exceptions: the county opens a recognition or certification window past the
policy's dates for a school or region, with a reason, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xuefen.audit.choices import Event
from xuefen.audit.models import AuditEntry
from xuefen.credits.models import WindowException
from xuefen.credits.procedure import check_window, procedure_at
from xuefen.credits.windows import window_exception_open
from xuefen.org.choices import Role
from xuefen.org.services import role_grant

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 1, 5)  # the recognition window of 2023 closed on 2023-12-31


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)


@pytest.fixture
def period(people):
    return procedure_at(people.school_a, dt.date(2023, 6, 1)).period_of(dt.date(2023, 6, 1))


def test_county_opens_a_window_for_a_school_with_a_reason(people, period) -> None:
    with pytest.raises(ValidationError):
        check_window(school=people.school_a, window="recognition", period=period, today=TODAY)
    exception = window_exception_open(
        actor=people.county_admin,
        node=people.school_a,
        window="recognition",
        period=period,
        open_until=dt.date(2024, 1, 12),
        reason="校长外出学习，签字延后",
    )
    check_window(school=people.school_a, window="recognition", period=period, today=TODAY)
    with pytest.raises(ValidationError):  # school B is not covered
        check_window(school=people.school_b, window="recognition", period=period, today=TODAY)
    [entry] = AuditEntry.objects.filter(event=Event.WINDOW_EXCEPTION)
    assert entry.target_id == str(exception.pk) and entry.node == people.school_a
    assert entry.actor == people.county_admin and entry.reason == "校长外出学习，签字延后"
    assert entry.new_values == {
        "window": "recognition",
        "period": "year:2023-01-01",
        "label": period.name,
        "open_until": "2024-01-12",
    }


def test_an_exception_for_the_county_covers_its_schools(people, period) -> None:
    window_exception_open(
        actor=people.county_admin,
        node=people.county_x,
        window="certification",
        period=period,
        open_until=dt.date(2024, 2, 1),
        reason="提前认定",
    )
    for school in (people.school_a, people.school_b):
        check_window(school=school, window="certification", period=period, today=TODAY)
    with pytest.raises(ValidationError):
        check_window(school=people.school_c, window="certification", period=period, today=TODAY)


@pytest.mark.parametrize("who", ["school_admin_a", "principal_a", "county_y_admin", "teacher"])
def test_only_the_region_opens_an_exception(people, period, who) -> None:
    actor = people.teacher_a.user if who == "teacher" else getattr(people, who)
    with pytest.raises(PermissionDenied):
        window_exception_open(
            actor=actor,
            node=people.school_a,
            window="recognition",
            period=period,
            open_until=dt.date(2024, 1, 12),
            reason="x",
        )
    assert not WindowException.objects.exists()
    assert not AuditEntry.objects.filter(event=Event.WINDOW_EXCEPTION).exists()


def test_a_city_admin_opens_one_for_the_city(people, period) -> None:
    city_admin = people.root.__class__.objects.create_user("city_admin", password="pw")
    role_grant(actor=people.root, user=city_admin, node=people.city, role=Role.CITY_ADMIN)
    window_exception_open(
        actor=city_admin,
        node=people.city,
        window="recognition",
        period=period,
        open_until=TODAY,
        reason="全市系统故障",
    )
    check_window(school=people.school_c, window="recognition", period=period, today=TODAY)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"open_until": dt.date(2024, 1, 4)}, "open_until"),
        ({"open_until": dt.date(2025, 6, 1)}, "open_until"),
        ({"window": "holiday"}, "window"),
    ],
)
def test_bad_input_is_named(people, period, changes, field) -> None:
    args = {
        "window": "recognition",
        "open_until": dt.date(2024, 1, 12),
        "reason": "延期",
        **changes,
    }
    with pytest.raises(ValidationError) as exc:
        window_exception_open(
            actor=people.county_admin, node=people.school_a, period=period, **args
        )
    assert field in exc.value.message_dict
    assert not WindowException.objects.exists()
