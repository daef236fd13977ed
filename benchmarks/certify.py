"""Certifying a school's period: how long ``submission_certify`` takes for one school of
``--teachers`` teachers with ``--records`` approved records each (every record re-checked
under today's rules, its engine input frozen, audited; one notification per teacher), against
a baseline measured in the same run: a bare ``UPDATE`` of the same rows' status, which is
the least any certification must write.

Prints figures, not pass/fail. Builds the same throwaway database as benchmarks/notices.py
(a SQLite file in a temporary folder, or the empty PostgreSQL database ``DATABASE_URL``
names), with a closed notice and a submitted period of 2023, certified on 2024-03-15 (in 普洱's
certification window).

    PYTHONPATH=src:. .venv/bin/python benchmarks/certify.py                  # 2,000 teachers
    PYTHONPATH=src:. .venv/bin/python benchmarks/certify.py --teachers 500
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xuefen_bench_certify \\
        PYTHONPATH=src:. .venv/bin/python benchmarks/certify.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import notices  # the same throwaway database and school

CERTIFY_DAY = dt.date(2024, 3, 15)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teachers", type=int, default=2000)
    parser.add_argument("--records", type=int, default=10)
    args = parser.parse_args(argv)
    notices.setup(args)

    from django.db import connection, transaction
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from xuefen.credits.choices import SubmissionStatus
    from xuefen.credits.models import Notice, Submission
    from xuefen.credits.procedure import procedure_at
    from xuefen.credits.submissions import submission_certify
    from xuefen.records.models import Record

    t0 = time.perf_counter()
    people, _ids = notices.build(args.teachers, args.records)
    built = time.perf_counter() - t0
    period = procedure_at(people.school_a, notices.DAY).period_of(notices.DAY)
    of_period = {
        "school": people.school_a,
        "period_type": period.type,
        "start": period.start,
        "end": period.end,
        "label": period.name,
    }
    notice = Notice.objects.create(
        **of_period, status="closed", published_at=timezone.now(), ends_on=notices.DAY
    )
    submission = Submission.objects.create(
        **of_period,
        notice=notice,
        status=SubmissionStatus.SUBMITTED,
        signed_by=people.principal_a,
        signed_at=timezone.now(),
    )
    approved = Record.objects.filter(teacher__school=people.school_a, status="approved")
    count = approved.count()
    print(
        f"{connection.vendor}: {args.teachers} teachers × {args.records} records "
        f"({count} approved) built in {built:.1f} s"
    )

    # Baseline: the bare update of the same rows (status and a frozen copy), rolled back.
    t0 = time.perf_counter()
    with transaction.atomic():
        Record.objects.filter(pk__in=approved.values("pk")).update(
            status="certified", certified_input=F("fields")
        )
        transaction.set_rollback(True)
    baseline = time.perf_counter() - t0

    timezone.localdate = lambda *a, **k: CERTIFY_DAY
    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        done = submission_certify(actor=people.county_admin, submission=submission)
    certified = time.perf_counter() - t0
    assert done.records == count, (done.records, count)
    print(
        f"certified {done.records} records in {certified:.1f} s "
        f"({done.records / certified:,.0f} records/s, {len(queries.captured_queries)} queries); "
        f"baseline (bare UPDATE of the rows) {baseline:.2f} s; ratio {certified / baseline:.0f}×"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
