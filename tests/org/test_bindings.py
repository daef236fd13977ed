"""Policy bindings never rewrite certified history (issue 6, defect 6).

An attacker bound a policy to a county from a date in the past; because the county's
binding wins over the city's beneath it, a teacher's compliant 2025 and 2026 disappeared.
A binding may now start only after the latest certified record beneath its node.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from xuefen.org.models import PolicyBinding
from xuefen.org.services import policy_bind, policy_for


def test_a_backdated_binding_on_a_parent_is_refused(people, make_record):
    make_record(status="certified", date=dt.date(2023, 3, 10))
    with pytest.raises(ValidationError) as err:
        policy_bind(
            actor=people.root,
            node=people.county_x,
            policy_id="dali-2020",
            valid_from=dt.date(2022, 1, 1),
        )
    assert "valid_from" in err.value.message_dict
    assert "2023-03-10" in err.value.message_dict["valid_from"][0]
    assert policy_for(node=people.school_a, day=dt.date(2023, 3, 10)) == people.binding
    assert PolicyBinding.objects.count() == 1


def test_the_latest_certified_record_beneath_sets_the_earliest_start(people, make_record):
    make_record(status="certified", date=dt.date(2023, 3, 10))
    make_record(status="submitted", date=dt.date(2023, 6, 1))  # not certified: no bar
    for day in (dt.date(2023, 3, 10), dt.date(2023, 3, 9)):
        with pytest.raises(ValidationError):
            policy_bind(
                actor=people.root, node=people.school_a, policy_id="dali-2020", valid_from=day
            )
    binding = policy_bind(
        actor=people.root,
        node=people.school_a,
        policy_id="dali-2020",
        valid_from=dt.date(2023, 3, 11),
    )
    # The deeper node's binding wins while it is in force; before it, the city's applies.
    assert policy_for(node=people.school_a, day=dt.date(2023, 3, 11)) == binding
    assert policy_for(node=people.school_a, day=dt.date(2023, 3, 10)) == people.binding


def test_certified_records_elsewhere_do_not_bar_a_binding(people, make_record):
    make_record(people.teacher_c, status="certified", date=dt.date(2023, 3, 10))  # county Y
    binding = policy_bind(
        actor=people.root,
        node=people.county_x,
        policy_id="dali-2020",
        valid_from=dt.date(2022, 1, 1),
    )
    assert policy_for(node=people.school_b, day=dt.date(2022, 6, 1)) == binding
