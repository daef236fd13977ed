"""Fixtures of the page tests: a teacher who meets this year's 普洱 requirements."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import People, training


def compliant_fields() -> list[tuple[str, dict[str, Any]]]:
    """(level, fields) of three records that meet every yearly requirement of puer-2023:
    online 30 h (34.5 credits), centralized 5 days (30 credits), school-based 30 h (30)."""
    return [
        ("province", training()),
        (
            "county",
            {
                "mode": "centralized",
                "module": "ability",
                "days": 5,
                "credit_per_hour": 1,
                "self_selected": True,
                "name": "县级骨干教师集中培训",
            },
        ),
        (
            "school",
            {
                "mode": "school_based",
                "module": "school_based",
                "hours": 30,
                "credit_per_hour": 1,
                "name": "校本研修：大单元教学",
            },
        ),
    ]


@pytest.fixture
def make_compliant(people: People, make_record: Any) -> Any:
    """Give a teacher certified records, dated today, that meet this year's requirements,
    and bring the stored results up to date as the worker would once the change commits."""
    from xuefen.results.compute import recompute_stale

    def make(teacher: Any) -> list[Any]:
        records = [
            make_record(
                teacher,
                actor=people.county_admin,
                date=timezone.localdate(),
                level=level,
                fields=fields,
                status="certified",
            )
            for level, fields in compliant_fields()
        ]
        recompute_stale()
        return records

    return make
