"""Two administrators publish the same period's notice at the same moment, each on their
own database connection (PostgreSQL, real locks): exactly one notice stands, the other
publisher is told that another was published meanwhile (a ValidationError, not a 500), and
one publication is audited per notice that exists.

Runs in scripts/test.sh's PostgreSQL stage (SQLite's in-memory test database cannot hold
two connections; tests/credits/test_notices.py covers the refusals in sequence).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.conftest import build_people
from tests.review.test_concurrency import _at_once, _skip_unless_postgresql
from xuefen.audit.models import AuditEntry
from xuefen.credits.choices import NoticeStatus
from xuefen.credits.models import Notice
from xuefen.credits.notices import notice_publish
from xuefen.credits.procedure import procedure_at

DAY = dt.date(2023, 11, 15)
ROUNDS = 4


def _one_wins(outcomes):
    winners = [name for name, outcome in outcomes.items() if outcome == "ok"]
    losers = [outcome for outcome in outcomes.values() if outcome != "ok"]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1 and isinstance(losers[0], ValidationError), outcomes


@pytest.mark.django_db(transaction=True)
def test_two_publishers_at_once(monkeypatch) -> None:
    _skip_unless_postgresql()
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: DAY)
    people = build_people()
    period = procedure_at(people.school_a, DAY).period_of(DAY)

    def publish(actor, **kwargs):
        return lambda: notice_publish(actor=actor, school=people.school_a, period=period, **kwargs)

    # The first notice of the period: the one-open-notice constraint decides.
    _one_wins(
        _at_once(
            {"admin": publish(people.school_admin_a), "principal": publish(people.principal_a)}
        )
    )
    assert Notice.objects.filter(status=NoticeStatus.OPEN).count() == 1
    for _round in range(ROUNDS):
        # Publishing again, both from the page that showed the standing notice.
        standing = Notice.objects.get(status=NoticeStatus.OPEN)
        _one_wins(
            _at_once(
                {
                    "admin": publish(people.school_admin_a, current=standing.pk),
                    "principal": publish(people.principal_a, current=standing.pk),
                }
            )
        )
        assert Notice.objects.filter(status=NoticeStatus.OPEN).count() == 1
        newest = Notice.objects.get(status=NoticeStatus.OPEN)
        assert newest.replaces_id == standing.pk and newest.lines.count() == 2
    assert AuditEntry.objects.filter(event="notice.publish").count() == Notice.objects.count()
