"""The county table: per-school figures equal the stored summaries, the teacher sheet the
engine's figures; scope; draft marking; PDF text."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from .conftest import YEAR, export_bytes, pdf_text, xlsx_rows


def test_county_table_xlsx_matches_the_engine(world):
    content = export_bytes(
        user=world.county_admin,
        form_id="county-table",
        node=world.county_x,
        period="2023",
        today=YEAR,
    )
    schools = xlsx_rows(content, 0)
    assert schools[0][0].startswith(world.county_x.name)
    by_name = {r[1]: r for r in schools if r and isinstance(r[0], int)}
    a = by_name[world.school_a.name]
    # teachers, compliant, short — school A has teacher_a and teacher_a2 (nobody compliant in 2023)
    assert a[3] == 2 and a[4] == 0 and a[5] == 2
    teachers = xlsx_rows(content, 1)
    row = next(r for r in teachers if r and r[2] == world.teacher_a.name)
    assert row[6] == 30 and row[7] == 34.5  # certified only: the approved 12 h are not counted
    assert row[4] == world.teacher_a.id_number  # staff see full numbers
    assert world.teacher_c.name not in {r[2] for r in teachers if r}  # county Y


def test_draft_counts_pending_records_and_says_so(world):
    content = export_bytes(
        user=world.county_admin,
        form_id="county-table",
        node=world.county_x,
        period="2023",
        today=YEAR,
        draft=True,
    )
    rows = xlsx_rows(content, 1)
    assert any("草稿" in str(r[0]) for r in rows[:3] if r)
    row = next(r for r in rows if r and r[2] == world.teacher_a.name)
    assert row[6] == 42


def test_county_table_pdf_has_headers_and_page_numbers(world, tmp_path):
    content = export_bytes(
        user=world.county_admin,
        form_id="county-table",
        node=world.county_x,
        period="2023",
        today=YEAR,
        fmt="pdf",
        draft=True,
    )
    text = pdf_text(content, tmp_path)
    for word in ("各校达标情况", "教师数", "达标人数", world.school_a.name, "第1页共1页", "草稿"):
        assert word in text


def test_outside_scope_is_not_found(world):
    for user, node in (
        (world.county_y_admin, world.county_x),
        (world.teacher_a.user, world.county_x),
        (world.peer_assessor, world.school_a),
    ):
        with pytest.raises(Http404):
            export_bytes(user=user, form_id="county-table", node=node, today=YEAR)


def test_unknown_period_names_the_choices(world):
    with pytest.raises(ValidationError) as exc:
        export_bytes(
            user=world.county_admin,
            form_id="county-table",
            node=world.county_x,
            period="1999",
            today=YEAR,
        )
    assert "1999" in str(exc.value) and "2023" in str(exc.value)


def test_roster_round_trips_through_the_import(world):
    import io

    from xuefen.imports.teachers import plan_teachers

    content = export_bytes(
        user=world.school_admin_a, form_id="roster", node=world.school_a, today=dt.date(2023, 6, 1)
    )
    plan = plan_teachers(school=world.school_a, name="roster.xlsx", stream=io.BytesIO(content))
    assert plan.ok, plan.problems
    assert plan.create == [] and plan.update == []
    assert len(plan.unchanged) == 2


def test_a_long_pdf_comes_out_in_parts_in_a_zip(world, tmp_path, settings):
    """More rows than a part holds: a zip of complete PDFs, each with the title, the
    headers and its own page numbers; the teachers all there, in order."""
    import io
    import zipfile

    from xuefen.exports.layout import Column, Document, Head, Signature, Table
    from xuefen.exports.pdf import write_pdf

    settings.XUEFEN_EXPORT_PDF_PART_ROWS = 50
    rows = ([n, f"教师{n:03d}"] for n in range(1, 121))
    document = Document(
        title="长表",
        name="长表",
        tables=[
            Table(
                columns=[Column(5, number=True, decimals=0), Column(20)],
                header=[[Head("序号"), Head("姓名")]],
                rows=rows,
                totals=[["合计", "120人"]],
            )
        ],
        signatures=[Signature("审核人（签字）：")],
    )
    out = io.BytesIO()
    written = write_pdf(document, out)
    assert written.parts == 3 and written.suffix == "zip"
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    names = archive.namelist()
    assert names == ["长表_第1部分.pdf", "长表_第2部分.pdf", "长表_第3部分.pdf"]
    texts = [pdf_text(archive.read(n), tmp_path) for n in names]
    assert all("序号" in t and "审核人（签字）" in t for t in texts)
    assert "教师001" in texts[0] and "教师050" in texts[0] and "教师051" in texts[1]
    assert "教师120" in texts[2] and "合计" in texts[2] and "合计" not in texts[0]
    assert "长表（第2部分）" in texts[1] and "第1页共" in texts[1]


def test_a_multi_table_pdf_never_cuts_a_table(world, settings):
    from xuefen.exports.layout import Column, Document, Head, Table
    from xuefen.exports.pdf import _parts

    tables = [
        Table(columns=[Column()], header=[[Head("h")]], rows=[[i]] * 30, caption=f"T{i}")
        for i in range(5)
    ]
    parts = list(_parts(Document(title="t", name="t", tables=tables), 70))
    assert [[t.caption for t in p] for p in parts] == [["T0", "T1"], ["T2", "T3"], ["T4"]]
