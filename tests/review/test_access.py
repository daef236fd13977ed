"""Who reaches the review pages: anonymous → login; no review right (a teacher, a peer
assessor, an institution) → 403; a school's administrator and principal review their
school, a county administrator every school of the county; out of reach → 404, for
reading and for acting alike."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.portal.access import assert_anonymous_redirects_to_login, assert_status, person
from tests.review.conftest import named
from xuefen.audit.models import AuditEntry
from xuefen.records.models import Record

QUEUE_OK = ("school_admin_a", "principal_a", "school_admin_b", "county_admin", "root")
QUEUE_FORBIDDEN = ("teacher_a", "teacher_b", "peer_assessor", "institution_user", "nobody")


@pytest.fixture
def record_a(submitted: Any) -> Record:
    return submitted(fields=named("思茅一中的记录"))


def test_anonymous_is_sent_to_login(client: Any, people: Any, record_a: Record) -> None:
    assert_anonymous_redirects_to_login(client, reverse("review:queue"))
    assert_anonymous_redirects_to_login(client, reverse("review:record", args=[record_a.pk]))
    response = client.post(reverse("review:batch"), {"records": [record_a.pk]})
    assert response.status_code == 302 and "/login" in response["Location"]
    response = client.post(reverse("review:record", args=[record_a.pk]), {"decision": "approve"})
    assert response.status_code == 302
    assert Record.objects.get(pk=record_a.pk).status == "submitted"


@pytest.mark.parametrize("name", QUEUE_OK)
def test_reviewers_open_the_queue(client: Any, people: Any, name: str) -> None:
    assert_status(client, reverse("review:queue"), person(people, name), 200)


@pytest.mark.parametrize("name", QUEUE_FORBIDDEN)
def test_users_who_review_nothing_get_403(
    client: Any, people: Any, record_a: Record, name: str
) -> None:
    user = person(people, name)
    assert_status(client, reverse("review:queue"), user, 403)
    assert_status(client, reverse("review:record", args=[record_a.pk]), user, 403)
    client.force_login(user)
    response = client.post(
        reverse("review:record", args=[record_a.pk]), {"decision": "approve", "seen": "submitted"}
    )
    assert response.status_code == 403
    assert client.post(reverse("review:batch"), {"records": [record_a.pk]}).status_code == 403
    assert Record.objects.get(pk=record_a.pk).status == "submitted"


@pytest.mark.parametrize(
    ("name", "sees"),
    [
        ("school_admin_a", True),
        ("principal_a", True),  # holds "review" (and "sign")
        ("county_admin", True),  # every school of county X
        ("school_admin_b", False),
        ("county_y_admin", False),
    ],
)
def test_record_page_in_and_out_of_reach(
    client: Any, people: Any, record_a: Record, name: str, sees: bool
) -> None:
    assert_status(
        client,
        reverse("review:record", args=[record_a.pk]),
        person(people, name),
        200 if sees else 404,
    )


def test_school_b_admin_neither_sees_nor_acts_on_school_a(
    client: Any, people: Any, record_a: Record
) -> None:
    client.force_login(people.school_admin_b)
    page = client.get(reverse("review:queue"), {"status": "all"}).content.decode()
    assert "思茅一中的记录" not in page
    url = reverse("review:record", args=[record_a.pk])
    for decision in ("approve", "reject", "decline"):
        response = client.post(url, {"decision": decision, "reason": "越权", "seen": "submitted"})
        assert response.status_code == 404
    # The batch skips it as unknown, and says so, without acting on it.
    response = client.post(reverse("review:batch"), {"records": [record_a.pk]}, follow=True)
    assert "不在您可审核的记录中" in response.content.decode()
    assert Record.objects.get(pk=record_a.pk).status == "submitted"
    assert not AuditEntry.objects.filter(
        target_id=str(record_a.pk), event__in=["record.approve", "record.reject", "record.decline"]
    ).exists()


def test_county_admin_reaches_every_school_of_the_county(
    client: Any, people: Any, submitted: Any
) -> None:
    submitted(people.teacher_a, fields=named("一中记录"))
    submitted(people.teacher_b, fields=named("二小记录"))  # under the group 城区片区
    submitted(people.teacher_c, fields=named("宁洱记录"))  # county Y
    client.force_login(people.county_admin)
    page = client.get(reverse("review:queue")).content.decode()
    assert "一中记录" in page and "二小记录" in page
    assert "宁洱记录" not in page
    # With several schools the page offers the school filter.
    assert 'name="school"' in page
    page = client.get(reverse("review:queue"), {"school": people.school_b.pk}).content.decode()
    assert "二小记录" in page and "一中记录" not in page
    # A school out of reach filters nothing in: the queue stays within the county.
    page = client.get(reverse("review:queue"), {"school": people.school_c.pk}).content.decode()
    assert "宁洱记录" not in page


def test_principal_may_decide(client: Any, people: Any, record_a: Record) -> None:
    client.force_login(people.principal_a)
    response = client.post(
        reverse("review:record", args=[record_a.pk]), {"decision": "approve", "seen": "submitted"}
    )
    assert response.status_code == 302
    assert Record.objects.get(pk=record_a.pk).status == "approved"
    entry = AuditEntry.objects.get(event="record.approve", target_id=str(record_a.pk))
    assert entry.actor == people.principal_a
