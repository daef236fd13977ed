"""An exported workbook opens in LibreOffice (headless, installed by the test set-up) and
converts to PDF with the form's headers and a teacher's name in it: the file is a real
spreadsheet, not only something openpyxl accepts."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from .conftest import YEAR, export_bytes, pdf_text


def test_exported_xlsx_converts_to_pdf_in_libreoffice(world, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail("LibreOffice is missing: scripts/ensure-test-tools.sh installs it")
    source = tmp_path / "county.xlsx"
    source.write_bytes(
        export_bytes(
            user=world.county_admin,
            form_id="county-table",
            node=world.county_x,
            period="2023",
            today=YEAR,
        )
    )
    profile = tmp_path / "profile"
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    converted = tmp_path / "county.pdf"
    assert done.returncode == 0 and converted.exists(), done.stderr[-500:]
    text = pdf_text(converted.read_bytes(), tmp_path)
    for word in ("达标情况表", "教师数", world.school_a.name, world.teacher_a.name):
        assert word in text
