"""Certifying a large school's period: the queries do not grow with its records (batches
of 500). The time for a school of 2,000 teachers × 10 records is a figure, not a test:
``benchmarks/certify.py`` prints it against a baseline measured in the same run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import id_number, training
from xuefen.credits.choices import SubmissionStatus
from xuefen.credits.models import Notice, Submission
from xuefen.credits.procedure import procedure_at
from xuefen.credits.submissions import submission_certify
from xuefen.org.models import Teacher
from xuefen.records.choices import RecordStatus
from xuefen.records.models import Record

pytestmark = pytest.mark.django_db(transaction=False)


def big_school(people, teachers: int, per_teacher: int, prefix: str = "bulk"):
    """School A with ``teachers`` more teachers, each with ``per_teacher`` approved
    records of 2023 (written in bulk: the services' speed is not what is measured), and
    its period submitted."""
    user_model = people.root.__class__
    users = user_model.objects.bulk_create(
        [user_model(username=f"{prefix}{i}") for i in range(teachers)]
    )
    staff = Teacher.objects.bulk_create(
        [
            Teacher(
                school=people.school_a,
                name=f"教师{i}",
                id_number=id_number(i % 500, region=f"53{len(prefix) % 10}9{i // 500:02d}"),
                user=user,
            )
            for i, user in enumerate(users)
        ]
    )
    Record.objects.bulk_create(
        [
            Record(
                teacher=teacher,
                kind="training",
                date=dt.date(2023, 1 + j % 12, 1 + j),
                level="province",
                fields=training(hours=10 + j),
                status=RecordStatus.APPROVED,
            )
            for teacher in staff
            for j in range(per_teacher)
        ],
        batch_size=1000,
    )
    period = procedure_at(people.school_a, dt.date(2023, 6, 1)).period_of(dt.date(2023, 6, 1))
    of_period = {
        "school": people.school_a,
        "period_type": period.type,
        "start": period.start,
        "end": period.end,
        "label": period.name,
    }
    notice = Notice.objects.create(
        **of_period,
        status="closed",
        published_at=timezone.now(),
        ends_on=dt.date(2023, 11, 20),
    )
    return Submission.objects.create(
        **of_period,
        notice=notice,
        status=SubmissionStatus.SUBMITTED,
        signed_by=people.principal_a,
        signed_at=timezone.now(),
    )


def certify(people, submission, monkeypatch, capture=None):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2024, 3, 15))
    return submission_certify(actor=people.county_admin, submission=submission)


def _queries(people, monkeypatch, teachers: int) -> int:
    submission = big_school(people, teachers, 3, prefix=f"q{teachers}_")
    with CaptureQueriesContext(connection) as queries:
        certify(people, submission, monkeypatch)
    return len(queries.captured_queries)


def test_certify_queries_do_not_grow_with_records(people, monkeypatch) -> None:
    few = _queries(people, monkeypatch, 5)
    Record.objects.all().delete()
    Submission.objects.all().delete()
    Notice.objects.all().delete()
    Teacher.objects.filter(name__startswith="教师").delete()
    many = _queries(people, monkeypatch, 80)
    # 16 times the teachers and records: only the write batches are added (SQLite's are
    # small: its statements take fewer parameters), never a query per record or teacher.
    assert many - few < 8, (few, many)
