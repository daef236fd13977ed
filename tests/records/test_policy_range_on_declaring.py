"""A declaration is judged by the policy when it is made, not only at certification."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from xuefen.records.services import record_create


@pytest.mark.django_db
def test_a_draft_out_of_the_policy_range_is_refused_when_declared(people) -> None:
    fields = {"mode": "school_based", "module": "school_based", "hours": 6, "credit_per_hour": 5}
    with pytest.raises(ValidationError) as exc:
        record_create(
            actor=people.teacher_a.user,
            teacher=people.teacher_a,
            kind="training",
            date=dt.date(2024, 3, 1),
            fields=fields,
            level="school",
        )
    assert "credit_per_hour" in exc.value.message_dict
