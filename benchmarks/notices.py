"""Publishing a school's public notice (公示): how long ``notice_publish`` takes for one
school of ``--teachers`` teachers, with every teacher's stored results fresh, with a tenth
stale, and with all stale (each stale teacher is recomputed before the lines are frozen).

Prints figures, not pass/fail. It builds a throwaway database — a SQLite file in a temporary
folder, or the PostgreSQL database named by ``DATABASE_URL`` (it must be empty: it is
migrated, filled and left as it is) — with the test world's tree (puer-2023 bound at the
city), one school, ``--teachers`` teachers with ``--records`` approved records each in
2023, computes their results once, then publishes the 2023 notice ``--repeat`` times per
case (each publication supersedes the one before, as a correction does), on 2023-11-15.

    PYTHONPATH=src:. .venv/bin/python benchmarks/notices.py                  # 2,000 teachers
    PYTHONPATH=src:. .venv/bin/python benchmarks/notices.py --teachers 500 --repeat 1
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xuefen_bench_notices \\
        PYTHONPATH=src:. .venv/bin/python benchmarks/notices.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DAY = dt.date(2023, 11, 15)


def setup(args: argparse.Namespace) -> None:
    if not os.environ.get("DATABASE_URL"):
        folder = tempfile.mkdtemp(prefix="xuefen-bench-notices-")
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuefen.web.settings.test")
    sys.path.insert(0, str(HERE.parent / "src"))
    sys.path.insert(0, str(HERE.parent))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Nothing runs the queued recomputation: this measures publication alone.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    call_command("migrate", verbosity=0)
    from django.utils import timezone

    timezone.localdate = lambda *a, **k: DAY  # today is in the recognition window of 2023


def build(teachers: int, records: int) -> tuple:
    """The test world's tree and one school of ``teachers`` teachers with their records."""
    from tests.conftest import build_people, id_number

    from xuefen.org.models import Teacher
    from xuefen.records.models import Record

    people = build_people()
    rnd = random.Random(1)
    Teacher.objects.bulk_create(
        [
            Teacher(
                school=people.school_a,
                name=f"教师{i:05d}",
                name_pinyin=f"jiao shi {i:05d}",
                sex="female" if i % 2 else "male",
                id_number=id_number(10 + i % 480, region=f"53{i // 480:04d}"),
                stage="primary",
                subject="语文",
            )
            for i in range(teachers)
        ],
        batch_size=500,
    )
    ids = list(Teacher.objects.filter(school=people.school_a).values_list("pk", flat=True))
    rows = []
    for pk in ids:
        for n in range(records):
            mode = ("online", "centralized", "school_based")[n % 3]
            fields = {"mode": mode, "module": "knowledge", "hours": rnd.choice([3, 6, 12])}
            if mode != "school_based":
                fields.update(score=rnd.randrange(60, 100), self_selected=True)
            rows.append(
                Record(
                    teacher_id=pk,
                    kind="training",
                    date=dt.date(2023, 1 + n % 10, 1 + rnd.randrange(27)),
                    level="county" if mode == "centralized" else "school",
                    fields=fields,
                    status="approved",
                    source="school",
                )
            )
    Record.objects.bulk_create(rows, batch_size=1000)
    return people, ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teachers", type=int, default=2000)
    parser.add_argument("--records", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    setup(args)

    from django.db import connection
    from django.db.models import F

    from xuefen.credits.notices import notice_publish
    from xuefen.credits.procedure import procedure_at
    from xuefen.results.compute import recompute
    from xuefen.results.models import TeacherState

    t0 = time.perf_counter()
    people, ids = build(args.teachers, args.records)
    built = time.perf_counter() - t0
    t0 = time.perf_counter()
    recompute(ids, as_of=DAY)
    computed = time.perf_counter() - t0
    period = procedure_at(people.school_a, DAY).period_of(DAY)
    print(
        f"{connection.vendor}: {args.teachers} teachers × {args.records} records built in "
        f"{built:.1f} s, results computed in {computed:.1f} s"
    )

    def make_stale(share: float) -> int:
        count = int(len(ids) * share)
        TeacherState.objects.filter(teacher_id__in=ids[:count]).update(
            stale=True, version=F("version") + 1
        )
        return count

    for label, share in (("all fresh", 0.0), ("10% stale", 0.1), ("all stale", 1.0)):
        times = []
        for _run in range(args.repeat):
            stale = make_stale(share)
            t0 = time.perf_counter()
            notice = notice_publish(
                actor=people.school_admin_a, school=people.school_a, period=period
            )
            times.append(time.perf_counter() - t0)
        assert notice.teachers == args.teachers + 2, notice.teachers  # + teacher_a, a2
        print(
            f"  publish, {label:9} ({stale:5} recomputed): median {statistics.median(times):6.2f} s"
            f"  (runs: {', '.join(f'{t:.2f}' for t in times)})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
