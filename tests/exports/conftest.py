"""Fixtures of the export tests: a small world with certified and pending records and
fresh stored results, and helpers to read the files back."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from typing import Any

import pytest

from tests.conftest import training

YEAR = dt.date(2023, 6, 1)


@pytest.fixture
def world(people: Any, make_record: Any) -> Any:
    """teacher_a: 30 h online certified + 12 h centralized approved (pending);
    teacher_a2: nothing; results recomputed."""
    from xuefen.results.compute import recompute

    make_record(people.teacher_a, status="certified")
    make_record(
        people.teacher_a,
        date=dt.date(2023, 5, 6),
        fields=training(mode="centralized", hours=12, score=90),
        status="approved",
    )
    recompute([people.teacher_a.pk, people.teacher_a2.pk, people.teacher_b.pk])
    return people


def xlsx_rows(content: bytes, sheet: int = 0) -> list[list[Any]]:
    """The cell values of one sheet of an .xlsx file (openpyxl, read-only)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    ws = book.worksheets[sheet]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def pdf_text(content: bytes, tmp_path: Any) -> str:
    """The text of a PDF without spaces (pdftotext puts them between CJK characters at will),
    by poppler's pdftotext, installed by the test set-up."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: scripts/ensure-test-tools.sh installs poppler-utils")
    path = tmp_path / "out.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout.replace(" ", "")


def export_bytes(**kwargs: Any) -> bytes:
    from xuefen.exports.services import make_request, render

    request = make_request(**kwargs)
    out = io.BytesIO()
    render(request, out)
    return out.getvalue()
