"""Two reviewers act on one submitted record at the same moment, each on their own
database connection (PostgreSQL, real row locks): exactly one wins, the other gets a
ValidationError saying what the record became, and one decision is audited.

Runs in scripts/test.sh's PostgreSQL stage; SQLite's in-memory test database cannot hold
two connections (tests/review/test_decisions.py covers the same story in sequence).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from tests.conftest import build_people, training
from xuefen.audit.models import AuditEntry
from xuefen.records.models import Record
from xuefen.records.services import record_approve, record_create
from xuefen.review import services as review_services
from xuefen.review.services import HandledMeanwhile, review_decide

DECISION_EVENTS = ["record.approve", "record.reject", "record.decline"]
ROUNDS = 6


def _skip_unless_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (scripts/test.sh runs it in its second stage)")


def _submitted(people: Any, day: int) -> Record:
    return record_create(
        actor=people.root,
        teacher=people.teacher_a,
        kind="training",
        date=dt.date(2023, 3, day),
        fields=training(name=f"并发审核{day}"),
        level="province",
        status="submitted",
    )


def _at_once(works: dict[str, Callable[[], Any]], *, stagger: float = 0.0) -> dict[str, Any]:
    """Run each work in its own thread (own connection), released together (the later
    ones ``stagger`` seconds after the first); returns "ok" or the exception per name."""
    outcomes: dict[str, Any] = {}
    barrier = threading.Barrier(len(works))

    def run(index: int, name: str, work: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            if index:
                time.sleep(stagger)
            work()
            outcomes[name] = "ok"
        except Exception as exc:
            outcomes[name] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, name, work))
        for i, (name, work) in enumerate(works.items())
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a reviewer never finished"
    return outcomes


def _decisions(record: Record) -> list[str]:
    return list(
        AuditEntry.objects.filter(target_id=str(record.pk), event__in=DECISION_EVENTS)
        .order_by("pk")
        .values_list("event", flat=True)
    )


def _exactly_one_wins(record: Record, outcomes: dict[str, Any]) -> str:
    winners = [name for name, outcome in outcomes.items() if outcome == "ok"]
    losers = [outcome for outcome in outcomes.values() if outcome != "ok"]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1 and isinstance(losers[0], ValidationError), outcomes
    target = {"approve": "approved", "reject": "rejected"}[winners[0]]
    assert Record.objects.get(pk=record.pk).status == target
    assert _decisions(record) == [f"record.{winners[0]}"]
    return winners[0]


@pytest.mark.django_db(transaction=True)
def test_approve_and_return_at_the_same_moment() -> None:
    """The school administrator approves while the principal returns, both on the page
    that showed the record submitted: one wins, whichever the database lets in first."""
    _skip_unless_postgresql()
    people = build_people()
    winners = set()
    for day in range(1, ROUNDS + 1):
        record = _submitted(people, day)
        outcomes = _at_once(
            {
                "approve": lambda r=record: review_decide(
                    actor=people.school_admin_a,
                    record=Record.objects.get(pk=r.pk),
                    decision="approve",
                    seen="submitted",
                ),
                "reject": lambda r=record: review_decide(
                    actor=people.principal_a,
                    record=Record.objects.get(pk=r.pk),
                    decision="reject",
                    reason="请补传结业证书",
                    seen="submitted",
                ),
            }
        )
        winners.add(_exactly_one_wins(record, outcomes))
    assert winners <= {"approve", "reject"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["approve", "reject"])
def test_the_second_reviewer_waits_for_the_lock_and_is_told(first: str) -> None:
    """The first decision holds the row lock a moment (its service is slowed inside the
    transaction); the second, started meanwhile, waits on the lock, then finds the record
    handled and is told what it became — whichever decision came first."""
    _skip_unless_postgresql()
    people = build_people()
    record = _submitted(people, 20)
    real = dict(review_services.SERVICES)

    def slow(name: str) -> Callable[..., Record]:
        def service(**kwargs: Any) -> Record:
            time.sleep(0.5)  # inside review_decide's transaction, the row locked
            return real[name](**kwargs)

        return service

    works = {
        "approve": lambda: review_decide(
            actor=people.school_admin_a,
            record=Record.objects.get(pk=record.pk),
            decision="approve",
            seen="submitted",
        ),
        "reject": lambda: review_decide(
            actor=people.principal_a,
            record=Record.objects.get(pk=record.pk),
            decision="reject",
            reason="请补传结业证书",
            seen="submitted",
        ),
    }
    second = "reject" if first == "approve" else "approve"
    with mock.patch.dict(review_services.SERVICES, {first: slow(first)}):
        outcomes = _at_once({first: works[first], second: works[second]}, stagger=0.15)
    assert _exactly_one_wins(record, outcomes) == first
    told = outcomes[second]
    assert isinstance(told, HandledMeanwhile)
    assert told.record.status == {"approve": "approved", "reject": "rejected"}[first]


@pytest.mark.django_db(transaction=True)
def test_two_approvals_through_the_records_service() -> None:
    """record_approve alone (the batch's path): of two at once, one approves, the other
    finds the record approved."""
    _skip_unless_postgresql()
    people = build_people()
    for day in range(1, ROUNDS + 1):
        record = _submitted(people, day)
        outcomes = _at_once(
            {
                "approve": lambda r=record: record_approve(
                    actor=people.school_admin_a, record=Record.objects.get(pk=r.pk)
                ),
                "again": lambda r=record: record_approve(
                    actor=people.principal_a, record=Record.objects.get(pk=r.pk)
                ),
            }
        )
        assert sorted(o if o == "ok" else "refused" for o in outcomes.values()) == [
            "ok",
            "refused",
        ], outcomes
        assert all(o == "ok" or isinstance(o, ValidationError) for o in outcomes.values())
        assert _decisions(record) == ["record.approve"]
