"""Importing records: rows/s and peak memory of ``import_records``' work — reading,
checking every row (``records_plan``) and writing them in one transaction
(``records_commit``, through ``records_create_bulk``) — against reading the same file with
the reader alone, in the same run.

Prints figures, not pass/fail. Builds the same throwaway database as benchmarks/notices.py
(a SQLite file in a temporary folder, or the empty PostgreSQL database ``DATABASE_URL``
names) with one school of ``--teachers`` teachers, and a file of ``--rows`` training records
spread over them (ten months of dates, fifty course names, varied hours and scores).

Memory: by default the growth of the process's peak resident set over each phase (Linux:
the peak is reset before each phase through ``/proc/self/clear_refs``), which costs
nothing, so the times are the real ones. Beside the wall time, the process's CPU time
(on a busy machine the wall time includes waiting for a core; with PostgreSQL the
server's work is not in it); ``--tracemalloc`` reports the peak of Python's
own allocations instead (more exact, but it slows every phase three to five times).

    PYTHONPATH=src:. .venv/bin/python benchmarks/import_records.py                # 10,000 rows
    PYTHONPATH=src:. .venv/bin/python benchmarks/import_records.py --rows 100000 --format csv
"""

from __future__ import annotations

import argparse
import gc
import io
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import notices  # the same throwaway database and school

HEADER = [
    "身份证号",
    "记录编号",
    "类别",
    "日期",
    "级别",
    "名称",
    "研修模式",
    "模块",
    "学时",
    "成绩",
]


def make_file(numbers: list[str], rows: int, fmt: str) -> bytes:
    body = [
        [
            numbers[i % len(numbers)],
            f"BENCH-{i:07d}",
            "培训项目",
            f"2023-{1 + i % 10:02d}-{1 + i % 27:02d}",
            "县级",
            f"培训{i % 50}",
            "网络研修",
            "专业知识",
            6 + i % 20,
            60 + i % 40,
        ]
        for i in range(rows)
    ]
    if fmt == "csv":
        text = "\n".join(",".join(str(c) for c in row) for row in [HEADER, *body])
        return text.encode("utf-8")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("records")
    sheet.append(HEADER)
    for row in body:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _status(field: str) -> int:
    """A ``/proc/self/status`` figure in bytes (0 where there is none)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # the peak resident set starts again from the current one
        return True
    except OSError:
        return False


def measure(label: str, rows: int, work: Any, *, traced: bool = False) -> Any:
    """Run ``work`` and print its time, rows/s and peak memory (growth over the phase)."""
    gc.collect()
    if traced:
        tracemalloc.start()
    else:
        exact = _reset_peak()
        base = _status("VmRSS")
    t0, c0 = time.perf_counter(), time.process_time()
    result = work()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    if traced:
        _now, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        memory = f"peak {peak / 2**20:8.1f} MiB (tracemalloc)"
    else:
        peak = _status("VmHWM") - base
        memory = f"peak +{peak / 2**20:7.1f} MiB RSS" + ("" if exact else " (not reset)")
    print(
        f"{label:<28} {seconds:8.2f} s  {rows / seconds:10,.0f} rows/s  "
        f"(cpu {cpu:7.2f} s)  {memory}"
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--teachers", type=int, default=1000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="peak of Python's allocations instead of the resident set (slower)",
    )
    args = parser.parse_args(argv)
    notices.setup(args)

    from django.db import connection

    from xuefen.imports.reader import open_table, read_table
    from xuefen.imports.records import record_columns, records_commit, records_plan
    from xuefen.org.models import Teacher
    from xuefen.records.models import Record

    people, _ids = notices.build(args.teachers, 0)
    numbers = list(
        Teacher.objects.filter(school=people.school_a).values_list("id_number", flat=True)
    )
    data = make_file(numbers, args.rows, args.format)
    name = f"records.{args.format}"
    print(
        f"{args.rows:,} rows over {len(numbers):,} teachers, {name} of {len(data):,} bytes, "
        f"{connection.vendor}"
    )
    traced = args.tracemalloc
    columns = record_columns()
    measure(
        "reader alone (whole table)",
        args.rows,
        lambda: read_table(name, io.BytesIO(data), columns),
        traced=traced,
    )
    measure(
        "reader alone (streamed)",
        args.rows,
        lambda: sum(1 for _row in open_table(name, io.BytesIO(data), columns).rows),
        traced=traced,
    )
    t0 = time.perf_counter()
    plan = measure(
        "check (records_plan)",
        args.rows,
        lambda: records_plan(people.root, name, io.BytesIO(data)),
        traced=traced,
    )
    if plan.problems:
        for problem in plan.problems[:10]:
            print(problem)
        return 1
    written = measure(
        "write (records_commit)",
        args.rows,
        lambda: records_commit(people.root, plan, file_name=name, stream=io.BytesIO(data)),
        traced=traced,
    )
    seconds = time.perf_counter() - t0
    print(f"{'check + write':<28} {seconds:8.2f} s  {args.rows / seconds:10,.0f} rows/s")
    print(f"written {written:,}; records in the database: {Record.objects.count():,}")
    again = measure(
        "re-import check (no-op)",
        args.rows,
        lambda: records_plan(people.root, name, io.BytesIO(data)),
        traced=traced,
    )
    print(f"re-import: {again.create_count} to add, {again.unchanged_count:,} unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
