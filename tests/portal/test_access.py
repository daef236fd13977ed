"""Every page: anonymous → login, no role → 403, in scope → 200, out of scope → 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.portal.access import (
    Page,
    assert_anonymous_redirects_to_login,
    assert_status,
    person,
)

pytestmark = pytest.mark.db_backend

PAGES = [
    Page(
        "home",
        lambda p, o: reverse("portal:home"),
        in_scope=("teacher_a", "school_admin_a", "county_admin", "institution_user", "root"),
        ok_status=302,
    ),
    Page(
        "me",
        lambda p, o: reverse("portal:me"),
        in_scope=("teacher_a", "teacher_b"),
        # Staff without a teacher profile of their own have no "my page".
        out_of_scope=("school_admin_a", "county_admin"),
    ),
    Page(
        "teacher",
        lambda p, o: reverse("portal:teacher", args=[p.teacher_a.pk]),
        in_scope=("teacher_a", "school_admin_a", "principal_a", "peer_assessor", "county_admin"),
        out_of_scope=("teacher_a2", "teacher_b", "school_admin_b", "county_y_admin"),
    ),
    Page(
        "record",
        lambda p, o: reverse("portal:record", args=[o["record"].pk]),
        in_scope=("teacher_a", "school_admin_a", "principal_a", "county_admin"),
        out_of_scope=("teacher_a2", "teacher_b", "school_admin_b", "county_y_admin"),
    ),
    Page(
        "roster",
        lambda p, o: reverse("portal:roster", args=[p.school_a.pk]),
        in_scope=("school_admin_a", "principal_a", "peer_assessor", "county_admin", "root"),
        # A teacher sees their school's name, never its roster.
        out_of_scope=("teacher_a", "school_admin_b", "county_y_admin", "institution_user"),
    ),
    Page(
        "roster-group-school",
        lambda p, o: reverse("portal:roster", args=[p.school_b.pk]),
        in_scope=("school_admin_b", "county_admin"),
        out_of_scope=("school_admin_a", "teacher_b", "county_y_admin"),
    ),
    Page(
        "region",
        lambda p, o: reverse("portal:region", args=[p.county_x.pk]),
        in_scope=("county_admin", "root"),
        out_of_scope=("county_y_admin", "school_admin_a", "principal_a", "teacher_a"),
    ),
    Page(
        "region-city",
        lambda p, o: reverse("portal:region", args=[p.city.pk]),
        in_scope=("root",),
        out_of_scope=("county_admin", "county_y_admin"),
    ),
    Page(
        "institution",
        lambda p, o: reverse("portal:institution"),
        in_scope=("institution_user",),
        out_of_scope=("teacher_a", "county_admin"),
        out_status=403,
    ),
]
IDS = [page.name for page in PAGES]


@pytest.fixture
def objects(people: Any, make_record: Any) -> dict[str, Any]:
    """Objects the URLs point at: a record of teacher_a."""
    return {"record": make_record(people.teacher_a, actor=people.school_admin_a)}


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_anonymous_is_sent_to_login(client: Any, people: Any, objects: Any, page: Page) -> None:
    assert_anonymous_redirects_to_login(client, page.url(people, objects))


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_no_role_is_forbidden(client: Any, people: Any, objects: Any, page: Page) -> None:
    assert_status(client, page.url(people, objects), people.nobody, 403)


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_in_scope_opens(client: Any, people: Any, objects: Any, page: Page) -> None:
    for name in page.in_scope:
        assert_status(client, page.url(people, objects), person(people, name), page.ok_status)


@pytest.mark.parametrize("page", [p for p in PAGES if p.out_of_scope], ids=lambda p: p.name)
def test_out_of_scope_is_not_found(client: Any, people: Any, objects: Any, page: Page) -> None:
    for name in page.out_of_scope:
        assert_status(client, page.url(people, objects), person(people, name), page.out_status)


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("teacher_a", lambda p: reverse("portal:me")),
        ("school_admin_a", lambda p: reverse("portal:roster", args=[p.school_a.pk])),
        ("principal_a", lambda p: reverse("portal:roster", args=[p.school_a.pk])),
        ("peer_assessor", lambda p: reverse("portal:roster", args=[p.school_a.pk])),
        ("county_admin", lambda p: reverse("portal:region", args=[p.county_x.pk])),
        ("county_y_admin", lambda p: reverse("portal:region", args=[p.county_y.pk])),
        ("institution_user", lambda p: reverse("portal:institution")),
        ("root", lambda p: reverse("portal:region", args=[p.province.pk])),
    ],
)
def test_home_sends_each_role_to_its_page(client: Any, people: Any, name: str, target: Any) -> None:
    response = assert_status(client, reverse("portal:home"), person(people, name), 302)
    assert response["Location"] == target(people)


def test_login_page_is_chinese_and_logs_in(client: Any, people: Any) -> None:
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert "登录" in page.content.decode()
    response = client.post(reverse("login"), {"username": "school_admin_a", "password": "pw"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/")["Location"] == reverse("portal:roster", args=[people.school_a.pk])
    logout = client.post(reverse("logout"))
    assert logout.status_code == 302
    assert_anonymous_redirects_to_login(client, reverse("portal:roster", args=[people.school_a.pk]))
