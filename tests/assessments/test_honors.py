# ruff: noqa: F811 - the tests take the imported ``pingyang`` fixture by name
"""School honours: recorded by the region, scored by the sheets as the school's records
(平阳 附加分: 县校本研训示范校 10, 市级及以上 20, the year's highest once)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from .test_pingyang import ENTERED, _round, pingyang  # noqa: F401 - the fixture


def _self_column(w, rnd, clock):
    from xuefen.assessments.models import Sheet
    from xuefen.assessments.services import column_save

    sheet = Sheet.objects.get(round=rnd, school=w.school_c, teacher__isnull=True)
    clock.set(dt.date(2026, 9, 5))
    return column_save(actor=w.school_admin_c, sheet=sheet, column="self", values=ENTERED)


def test_the_demonstration_school_bonus_comes_from_the_recorded_honour(pingyang, clock):
    from xuefen.assessments.services import honor_add

    w = pingyang
    rnd = _round(w, clock)
    assert _self_column(w, rnd, clock).scored["bonus"] == 0
    honor_add(
        actor=w.county_y_admin,
        school=w.school_c,
        title="demonstration_school",
        level="county",
        date=dt.date(2026, 3, 1),
    )
    col = _self_column(w, rnd, clock)
    assert col.scored["bonus"] == 10 and col.total == 61.17
    honor_add(
        actor=w.county_y_admin,
        school=w.school_c,
        title="demonstration_school",
        level="city",
        date=dt.date(2026, 5, 1),
    )
    assert _self_column(w, rnd, clock).scored["bonus"] == 20  # the year's highest, once


def test_an_honour_after_the_period_does_not_count(pingyang, clock):
    from xuefen.assessments.services import honor_add

    w = pingyang
    rnd = _round(w, clock)
    honor_add(
        actor=w.county_y_admin,
        school=w.school_c,
        title="demonstration_school",
        level="city",
        date=dt.date(2026, 9, 1),
    )
    assert _self_column(w, rnd, clock).scored["bonus"] == 0


def test_who_records_honours_and_what_is_refused(pingyang, clock):
    from xuefen.assessments.services import honor_add, honor_remove
    from xuefen.audit.models import AuditEntry

    w = pingyang
    clock.set(dt.date(2026, 9, 1))
    with pytest.raises(PermissionDenied):  # county X does not reach county Y's school
        honor_add(
            actor=w.county_admin,
            school=w.school_c,
            title="demonstration_school",
            level="county",
            date=dt.date(2026, 3, 1),
        )
    with pytest.raises(PermissionDenied):  # nor the school itself
        honor_add(
            actor=w.school_admin_c,
            school=w.school_c,
            title="demonstration_school",
            level="county",
            date=dt.date(2026, 3, 1),
        )
    with pytest.raises(ValidationError) as exc:
        honor_add(
            actor=w.county_y_admin,
            school=w.school_c,
            title="demonstration_school",
            level="school",
            date=dt.date(2027, 1, 1),
        )
    assert set(exc.value.error_dict) == {"level", "date"}
    honor = honor_add(
        actor=w.county_y_admin,
        school=w.school_c,
        title="demonstration_school",
        level="county",
        date=dt.date(2026, 3, 1),
    )
    with pytest.raises(ValidationError):  # twice
        honor_add(
            actor=w.county_y_admin,
            school=w.school_c,
            title="demonstration_school",
            level="county",
            date=dt.date(2026, 3, 1),
        )
    with pytest.raises(ValidationError):
        honor_remove(actor=w.county_y_admin, honor=honor, reason="  ")
    honor_remove(actor=w.county_y_admin, honor=honor, reason="录入错误")
    events = list(
        AuditEntry.objects.filter(event__startswith="honor.")
        .order_by("pk")
        .values_list("event", "reason")
    )
    assert events == [("honor.add", ""), ("honor.remove", "录入错误")]


def test_the_honours_page(client, pingyang, clock):
    from xuefen.assessments.models import SchoolHonor

    w = pingyang
    clock.set(dt.date(2026, 9, 1))
    url = reverse("assessments:honors")
    client.force_login(w.school_admin_c)
    assert client.get(url).status_code == 404
    client.force_login(w.county_y_admin)
    region = w.county_y.pk
    answer = client.post(
        f"{url}?node={region}",
        {
            "school": w.school_c.pk,
            "title": "demonstration_school",
            "level": "county",
            "date": "2026-03-01",
        },
    )
    assert answer.status_code == 302
    honor = SchoolHonor.objects.get()
    page = client.get(f"{url}?node={region}", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert w.school_c.name in page and "2026-03-01" in page
    answer = client.post(
        f"{url}?node={region}",
        {
            "school": w.school_c.pk,
            "title": "demonstration_school",
            "level": "school",
            "date": "2026-03-01",
        },
    )
    assert answer.status_code == 400
    remove = reverse("assessments:honor_remove", args=[honor.pk])
    assert client.post(remove, {"reason": ""}).status_code == 400
    assert client.post(remove, {"reason": "录入错误"}).status_code == 302
    assert not SchoolHonor.objects.exists()
    client.force_login(w.county_admin)  # another county: the honour is not there to remove
    honor = SchoolHonor.objects.create(
        school=w.school_c, title="demonstration_school", level="county", date=dt.date(2026, 3, 1)
    )
    assert (
        client.post(
            reverse("assessments:honor_remove", args=[honor.pk]), {"reason": "x"}
        ).status_code
        == 404
    )
