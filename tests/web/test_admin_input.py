"""Absurd input to the admin is a form error, a "does not exist" answer or a 404, never a
server error: bad JSON, numbers of 5000 digits, ids that are no ids, dates of year 1."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.web.test_admin_lookups import registered
from xuefen.records.bounds import RECORD_DATE_MIN, validate_record_date
from xuefen.records.models import Record

HUGE = "9" * 5000
BAD_IDS = ("abc", "9" * 30, "-1", "1.5", "%20")


@pytest.fixture
def superuser_client(client: Any, people: Any) -> Any:
    client.raise_request_exception = False  # a 500 shows as a status, not as an exception
    client.force_login(people.root)
    return client


def errors(response: Any) -> list[str]:
    return re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)


@pytest.mark.parametrize("model_admin", registered(), ids=lambda a: a.model._meta.label)
def test_bad_object_ids_never_500(superuser_client: Any, model_admin: Any) -> None:
    opts = model_admin.model._meta
    for view in ("change", "delete", "history"):
        for bad in BAD_IDS:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[bad])
            response = superuser_client.get(url)
            # Django's "does not exist" redirect, a 404, or no deleting here at all
            assert response.status_code in (302, 403, 404), f"{url}: {response.status_code}"


@pytest.mark.parametrize("bad", BAD_IDS)
def test_bad_user_id_on_the_password_page_is_404(superuser_client: Any, bad: str) -> None:
    url = reverse("admin:auth_user_password_change", args=[bad])
    assert superuser_client.get(url).status_code == 404


KIND_FIELDS = {
    "k_name": "",
    "k_mode": "online",
    "k_module": "knowledge",
    "k_hours": "30",
    "k_score": "85",
    "k_self_selected": "on",
}


def _record_post(record: Record | None, **overrides: str) -> dict[str, str]:
    """The admin's form of a training record: its own fields (``k_*``), no JSON."""
    data = {
        "date": "2023-03-10",
        "level": "province",
        "project": "",
        **KIND_FIELDS,
        "evidence-TOTAL_FORMS": "0",
        "evidence-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("k_hours", HUGE, ""),
        ("k_hours", "1e999", ""),
        ("k_hours", "NaN", ""),
        ("k_hours", "-Infinity", ""),
        ("k_hours", "12345678901234567890", "10000"),
        ("k_hours", "abc", ""),
        ("k_score", "101", ""),
        ("k_mode", "nonsense", ""),
        ("project", "9" * 30, ""),
        ("project", "abc", ""),
        ("date", "0001-01-01", "1980-01-01"),
        ("date", "1979-12-31", "1980-01-01"),
        ("date", "99999-01-01", ""),
    ],
)
def test_record_change_form_errors_never_500(
    superuser_client: Any, make_record: Any, field: str, value: str, expected: str
) -> None:
    record = make_record()
    url = reverse("admin:records_record_change", args=[record.pk])
    response = superuser_client.post(url, _record_post(record, **{field: value}))
    assert response.status_code == 200, response.status_code  # the form again, with errors
    found = errors(response)
    assert found, "expected a form error"
    assert expected in " ".join(found)
    record.refresh_from_db()
    assert record.date.year == 2023 and record.fields["hours"] == 30


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{bad json", "JSON"),
        ('{"activity": "a1", "status": "present", "hours": ' + HUGE + "}", "JSON"),
        ('{"activity": "a1", "status": "present", "hours": 1e999}', "1,000,000"),
        ('{"activity": "a1", "status": "present", "hours": NaN}', "1,000,000"),
        ("[1, 2]", "JSON"),
        ('"text"', "JSON"),
        ("[" * 5000 + "]" * 5000, "JSON"),
    ],
)
def test_raw_fields_of_a_generated_kind_never_500(
    superuser_client: Any, make_record: Any, value: str, expected: str
) -> None:
    """A kind no declaring form offers (attendance) is still edited as its fields object,
    with the same protection against absurd JSON."""
    record = make_record(
        kind="activity_attendance", fields={"activity": "a1", "status": "present"}, level=""
    )
    url = reverse("admin:records_record_change", args=[record.pk])
    data = {
        "date": "2023-03-10",
        "level": "",
        "project": "",
        "fields": value,
        "evidence-TOTAL_FORMS": "0",
        "evidence-INITIAL_FORMS": "0",
    }
    response = superuser_client.post(url, data)
    assert response.status_code == 200, response.status_code
    assert expected in " ".join(errors(response))
    record.refresh_from_db()
    assert record.fields == {"activity": "a1", "status": "present"}


def test_engine_refusal_is_a_form_error(superuser_client: Any, make_record: Any) -> None:
    """What the engine refuses (here score and grade together) is shown on the form."""
    record = make_record()
    url = reverse("admin:records_record_change", args=[record.pk])
    response = superuser_client.post(url, _record_post(record, k_grade="excellent"))
    assert response.status_code == 200
    assert errors(response)
    record.refresh_from_db()
    assert "grade" not in record.fields


def test_the_admin_speaks_chinese_per_kind(superuser_client: Any, make_record: Any) -> None:
    """Adding starts by picking a kind in Chinese; the change form shows the kind's own
    fields with Chinese labels and values, and no JSON box."""
    pick = superuser_client.get(reverse("admin:records_record_add")).content.decode()
    assert "培训项目" in pick and "?kind=training" in pick
    form = superuser_client.get(reverse("admin:records_record_add") + "?kind=training")
    page = form.content.decode()
    assert 'name="k_hours"' in page and 'name="fields"' not in page
    record = make_record()
    change = superuser_client.get(reverse("admin:records_record_change", args=[record.pk]))
    page = change.content.decode()
    assert 'name="fields"' not in page and "网络研修" in page and 'value="30"' in page
    listing = superuser_client.get(reverse("admin:records_record_changelist")).content.decode()
    assert "school_based" not in listing and "培训" in listing


def test_a_record_is_added_through_its_kind_form(superuser_client: Any, people: Any) -> None:
    data = _record_post(None, teacher=str(people.teacher_a.pk), kind="training")
    data.update(source="declared", status="draft")
    response = superuser_client.post(reverse("admin:records_record_add") + "?kind=training", data)
    assert response.status_code == 302, errors(response)
    record = Record.objects.get()
    assert record.kind == "training" and record.fields["hours"] == 30
    assert record.fields["self_selected"] is True


@pytest.mark.parametrize(
    ("field", "value"),
    [("teacher", "9" * 30), ("teacher", "abc"), ("teacher", "-5"), ("date", "0001-01-01")],
)
def test_record_add_form_errors_never_500(
    superuser_client: Any, people: Any, field: str, value: str
) -> None:
    data = _record_post(None, teacher=str(people.teacher_a.pk), kind="training")
    data.update(source="declared", status="draft", **{field: value})
    url = reverse("admin:records_record_add") + "?kind=training"
    response = superuser_client.post(url, data)
    assert response.status_code == 200
    assert errors(response)
    assert not Record.objects.exists()


def test_a_good_record_still_saves(superuser_client: Any, make_record: Any) -> None:
    record = make_record()
    url = reverse("admin:records_record_change", args=[record.pk])
    response = superuser_client.post(url, _record_post(record, k_hours="40", date="2023-04-01"))
    assert response.status_code == 302, errors(response)
    record.refresh_from_db()
    assert record.fields["hours"] == 40 and str(record.date) == "2023-04-01"


@pytest.mark.parametrize("value", ["9" * 30, "abc"])
def test_foreign_keys_of_every_add_form_refuse_garbage(
    superuser_client: Any, people: Any, value: str
) -> None:
    """Every foreign key of every add form, posted as garbage: a form again, never a 500."""
    for model_admin in admin.site._registry.values():
        opts = model_admin.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        if superuser_client.get(url).status_code != 200:
            continue  # no adding here
        data = {
            f.name: value
            for f in opts.concrete_fields
            if f.is_relation and f.editable and not f.auto_created
        }
        response = superuser_client.post(url, data)
        assert response.status_code == 200, f"{url}: {response.status_code}"


def test_record_date_bound() -> None:
    from django.core.exceptions import ValidationError

    assert RECORD_DATE_MIN.isoformat() == "1980-01-01"
    validate_record_date(RECORD_DATE_MIN)
    with pytest.raises(ValidationError) as caught:
        validate_record_date(RECORD_DATE_MIN.replace(day=1, month=1, year=1979))
    assert "date" in caught.value.error_dict
