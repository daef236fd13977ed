"""Fixtures of the review tests: submitted records of the named teachers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.conftest import People, training


@pytest.fixture
def submitted(people: People, make_record: Any) -> Any:
    """A function making a submitted record (default: teacher_a's online training)."""

    def make(teacher: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("status", "submitted")
        kwargs.setdefault("date", dt.date(2023, 3, 10))
        return make_record(teacher or people.teacher_a, **kwargs)

    return make


def named(name: str, **overrides: Any) -> dict[str, Any]:
    """Training fields with a name, to find a record's row on the page."""
    return training(name=name, **overrides)
