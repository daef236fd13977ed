"""Exporting the county table (各校达标情况 + 教师达标情况): rows/s and peak memory of
``export_form county-table`` as xlsx, against reading the written file back with
python-calamine alone (the reader the imports use), in the same run; and at a tenth of the
size, to show that memory does not grow with the rows.

Prints figures, not pass/fail. Builds the same throwaway database as benchmarks/notices.py
(a SQLite file in a temporary folder, or the empty PostgreSQL database ``DATABASE_URL``
names): the test world's tree, ``--schools`` schools in county X and ``--teachers`` teachers
spread over them with their stored 2023 figures (``TeacherPeriod`` and ``SchoolPeriod``
rows written directly: this measures the export, not the engine; benchmarks/scale.py
measures the recomputation).

    PYTHONPATH=src:. .venv/bin/python benchmarks/export_county.py               # 30,000 teachers
    PYTHONPATH=src:. .venv/bin/python benchmarks/export_county.py --teachers 3000 --pdf
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import notices  # the same throwaway database

YEAR = dt.date(2023, 1, 1)


def build(teachers: int, schools: int) -> Any:
    from tests.conftest import build_people, id_number

    from xuefen.org.models import OrgNode, Teacher
    from xuefen.org.services import node_create
    from xuefen.results.models import SchoolPeriod, TeacherPeriod

    people = build_people()
    made = [
        node_create(
            actor=people.root,
            parent=people.county_x,
            kind="school",
            name=f"思茅区第{i + 1:03d}学校",
            code=f"5308{i:04d}",
            school_kind="primary",
        )
        for i in range(schools)
    ]
    rnd = random.Random(1)
    batch = []
    for i in range(teachers):
        batch.append(
            Teacher(
                school=made[i % schools],
                name=f"教师{i:06d}",
                name_pinyin=f"jiao shi {i:06d}",
                sex="female" if i % 2 else "male",
                id_number=id_number(i % 480, region=f"5{i // 480:05d}"),
                stage="primary",
                subject="语文",
            )
        )
    Teacher.objects.bulk_create(batch, batch_size=2000)
    rows = []
    for pk, school_id in Teacher.objects.filter(school__in=made).values_list("pk", "school_id"):
        online, central, school = rnd.choice([6, 12, 30]), rnd.choice([0, 12, 24]), 20
        total = online + central + school
        credits = round(total * 1.1, 2)
        rows.append(
            TeacherPeriod(
                teacher_id=pk,
                school_id=school_id,
                binding=people.binding,
                period_type="year",
                start=YEAR,
                end=dt.date(2023, 12, 31),
                label="2023",
                compliant=total >= 72,
                total_hours=total,
                total_credits=credits,
                hours={
                    "total": total,
                    "online": online,
                    "centralized": central,
                    "school_based": school,
                },
                credits={
                    "total": credits,
                    "online": online,
                    "centralized": central,
                    "school_based": school,
                },
                modules={},
                short=[]
                if total >= 72
                else [{"id": "year-hours-total", "label": "每年不少于72学时"}],
                pending_compliant=total >= 72,
                pending_hours=total,
                pending_credits=credits,
                pending_short=[],
            )
        )
        if len(rows) >= 5000:
            TeacherPeriod.objects.bulk_create(rows)
            rows = []
    TeacherPeriod.objects.bulk_create(rows)
    SchoolPeriod.objects.bulk_create(
        [
            SchoolPeriod(
                school=s,
                period_type="year",
                start=YEAR,
                end=dt.date(2023, 12, 31),
                label="2023",
                teachers=teachers // schools,
                compliant=teachers // schools // 2,
                pending_compliant=teachers // schools // 2,
                judged=teachers // schools,
                hours={"total": 1000.0},
                credits={"total": 1100.0},
            )
            for s in made
        ]
    )
    OrgNode.objects.filter(pk=people.county_x.pk).update(code="530802")
    return people


def _status(key: str) -> float:
    """A line of /proc/self/status in MiB (VmRSS, VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _child(work: Any, pipe: Any) -> None:
    django_connection_reset()
    start = _status("VmRSS")
    t0 = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - t0
    pipe.send((result, seconds, _status("VmHWM") - start))


def django_connection_reset() -> None:
    # A forked child must not share the parent's database connection.
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.inc_thread_sharing()
        conn.close()


def measure(label: str, rows: int, work: Any) -> tuple[Any, float, float]:
    """Run ``work`` in a forked child: its time and how far its resident memory rose above
    where it started (VmHWM − VmRSS: Python, XlsxWriter and the Rust reader alike)."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(work, send))
    child.start()
    result, seconds, peak = receive.recv()
    child.join()
    print(f"{label:<34} {seconds:8.2f} s  {rows / seconds:10,.0f} rows/s  peak +{peak:7.1f} MiB")
    return result, seconds, max(peak, 0.1)


def export(people: Any, fmt: str, out: Path, teachers_only: Any = None) -> int:
    from xuefen.exports.services import make_request, render

    request = make_request(
        user=people.county_admin,
        form_id="county-table",
        node=people.county_x,
        period="2023",
        fmt=fmt,
        today=dt.date(2023, 12, 1),
    )
    return render(request, str(out))[0]


def read_back(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    n = 0
    for name in book.sheet_names:
        for _row in book.get_sheet_by_name(name).iter_rows():
            n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teachers", type=int, default=30_000)
    parser.add_argument("--schools", type=int, default=60)
    parser.add_argument("--pdf", action="store_true", help="also the PDF (schools only)")
    args = parser.parse_args(argv)
    notices.setup(args)
    from xuefen.org.models import Teacher

    t0 = time.perf_counter()
    people = build(args.teachers, args.schools)
    print(
        f"built {args.teachers:,} teachers in {args.schools} schools with their 2023 figures "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    folder = Path(tempfile.mkdtemp(prefix="xuefen-bench-export-"))
    rows = args.teachers + args.schools
    out = folder / "county.xlsx"
    written, seconds, peak = measure(
        f"export xlsx ({rows:,} rows)", rows, lambda: export(people, "xlsx", out)
    )
    print(f"  file {out.stat().st_size / 2**20:.1f} MiB, {written:,} body rows")
    _read, r_seconds, r_peak = measure("read back (python-calamine)", rows, lambda: read_back(out))
    print(f"  ratio export/read: time {seconds / r_seconds:.1f}×, peak memory {peak / r_peak:.2f}×")

    # A tenth of the county: same school count, fewer teachers per school (memory flat?).
    keep = set(
        Teacher.objects.order_by("pk").values_list("pk", flat=True)[: max(1, args.teachers // 10)]
    )
    Teacher.objects.exclude(pk__in=keep).update(active=False)
    small_rows = len(keep) + args.schools
    _w, _small_seconds, small_peak = measure(
        f"export xlsx ({small_rows:,} rows)",
        small_rows,
        lambda: export(people, "xlsx", folder / "small.xlsx"),
    )
    print(
        f"  memory at {rows:,} rows / at {small_rows:,} rows: {peak / small_peak:.2f}× "
        f"for {rows / small_rows:.1f}× the rows"
    )
    if args.pdf:
        pdf = folder / "county.pdf"
        pages, _p_seconds, _p = measure(
            f"export pdf ({args.schools} schools)", args.schools, lambda: export(people, "pdf", pdf)
        )
        print(f"  {pages} pages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
