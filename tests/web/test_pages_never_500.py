"""Every page of the workflow apps, asked by every role with garbage in its query string,
answers a page, a redirect, 400, 403 or 404 — never a server error."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

PAGES = [
    "records:mine",
    "records:new",
    "review:queue",
    "credits:school",
    "credits:county",
    "inbox:list",
    "catalog:approvals",
    "activities:list",
    "activities:new",
    "activities:calendar",
    "activities:board",
    "activities:plans",
    "activities:plan_new",
    "activities:plans_county",
    "imports:records",
    "portal:me",
    "portal:institution",
]
GARBAGE = [
    "school=abc&period=zzz&page=-1",
    "school=99999999999999999999&period=year:9999-99-99",
    "kind=%00&teacher=x&q=%E4%BD%A0' OR 1=1--&status=nope&group=abc&from=2025-13-01&to=x",
    "period=plan_semester:2025-02-30&template=nope&makeup_of=abc",
    "node=abc&period=semester:1900-01-01&sort=-pk;drop",
]
ROLES = [
    "nobody",
    "teacher",
    "school_admin_a",
    "principal_a",
    "county_admin",
    "institution_user",
    "root",
]


def _user(people: Any, role: str) -> Any:
    return people.teacher_a.user if role == "teacher" else getattr(people, role)


@pytest.mark.parametrize("role", ROLES)
def test_no_page_answers_500_to_garbage(client: Any, people: Any, role: str) -> None:
    client.raise_request_exception = False
    client.force_login(_user(people, role))
    failures = []
    for name in PAGES:
        url = reverse(name)
        for query in ["", *GARBAGE]:
            response = client.get(f"{url}?{query}")
            if response.status_code >= 500:
                failures.append(f"{url}?{query}: {response.status_code}")
    assert failures == []
