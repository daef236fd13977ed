"""A certified record's page offers the county its revocation, and nobody else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xuefen.records.services import record_certify


@pytest.mark.django_db
def test_only_the_county_is_offered_the_revocation(client, people, make_record) -> None:
    record = make_record(status="submitted")
    revoke = reverse("credits:revoke", args=[record.pk])
    page = reverse("portal:record", args=[record.pk])
    client.force_login(people.county_admin)
    assert revoke not in client.get(page).content.decode()  # not certified yet
    record_certify(actor=people.county_admin, record=record)
    assert revoke in client.get(page).content.decode()
    for user in (people.school_admin_a, people.teacher_a.user):
        client.force_login(user)
        response = client.get(page)
        assert response.status_code == 200 and revoke not in response.content.decode()
