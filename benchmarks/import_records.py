"""Importing records: rows/s and peak memory (tracemalloc) of ``import_records``' work —
reading, checking every row (``records_plan``) and writing them in one transaction
(``records_commit``) — against reading the same file with the reader alone, in the same run.

Prints figures, not pass/fail. Builds the same throwaway database as benchmarks/notices.py
(a SQLite file in a temporary folder, or the empty PostgreSQL database ``DATABASE_URL``
names) with one school of ``--teachers`` teachers, and a file of ``--rows`` training records
spread over them.

    PYTHONPATH=src:. .venv/bin/python benchmarks/import_records.py                # 10,000 rows
    PYTHONPATH=src:. .venv/bin/python benchmarks/import_records.py --rows 100000 --format csv
"""

from __future__ import annotations

import argparse
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


def measure(label: str, rows: int, work: Any) -> Any:
    tracemalloc.start()
    t0 = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - t0
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label:<28} {seconds:8.2f} s  {rows / seconds:10,.0f} rows/s  "
        f"peak {peak / 2**20:8.1f} MiB"
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--teachers", type=int, default=1000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    args = parser.parse_args(argv)
    notices.setup(args)

    from xuefen.imports.reader import read_table
    from xuefen.imports.records import record_columns, records_commit, records_plan
    from xuefen.org.models import Teacher
    from xuefen.records.models import Record

    people, _ids = notices.build(args.teachers, 0)
    numbers = list(
        Teacher.objects.filter(school=people.school_a).values_list("id_number", flat=True)
    )
    data = make_file(numbers, args.rows, args.format)
    name = f"records.{args.format}"
    print(f"{args.rows:,} rows over {len(numbers):,} teachers, {name} of {len(data):,} bytes")
    columns = record_columns()
    measure("reader alone", args.rows, lambda: read_table(name, io.BytesIO(data), columns))
    plan = measure(
        "check (records_plan)",
        args.rows,
        lambda: records_plan(people.root, name, io.BytesIO(data)),
    )
    if plan.problems:
        for problem in plan.problems[:10]:
            print(problem)
        return 1
    written = measure(
        "write (records_commit)",
        args.rows,
        lambda: records_commit(people.root, plan, file_name=name),
    )
    print(f"written {written:,}; records in the database: {Record.objects.count():,}")
    again = measure(
        "re-import check (no-op)",
        args.rows,
        lambda: records_plan(people.root, name, io.BytesIO(data)),
    )
    print(f"re-import: {len(again.to_create)} to add, {len(again.unchanged):,} unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
