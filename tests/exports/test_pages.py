"""The export page, the download, the job for large files and the command."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from xuefen.exports.models import ExportFile

from .conftest import YEAR, pdf_text, xlsx_rows


def _post(client: Any, **data: Any) -> Any:
    return client.post(reverse("exports:page"), data)


@pytest.fixture
def today(monkeypatch: Any) -> dt.date:
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: YEAR)
    return YEAR


def test_page_offers_the_forms_of_the_node(client, world, today):
    client.force_login(world.school_admin_a)
    page = client.get(reverse("exports:page"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "教师名单" in body and world.school_a.name in body
    assert 'data-form="county-table"' not in body  # a region's form, not a school's


def test_small_export_downloads_at_once_and_is_the_owners_alone(client, world, today):
    client.force_login(world.county_admin)
    answer = _post(
        client, form="county-table", org=world.county_x.pk, period="year:2023-01-01", format="xlsx"
    )
    assert answer.status_code == 302
    made = ExportFile.objects.get()
    assert answer["Location"] == reverse("exports:download", args=[made.pk])
    got = client.get(answer["Location"])
    assert got.status_code == 200 and got["Content-Disposition"].startswith("attachment")
    rows = xlsx_rows(b"".join(got.streaming_content), 0)
    assert world.school_a.name in {r[1] for r in rows if r}
    # another user of the same county: 404
    client.force_login(world.school_admin_a)
    assert client.get(answer["Location"]).status_code == 404
    # the export is audited
    from xuefen.audit.models import AuditEntry

    assert AuditEntry.objects.filter(event="export.make", actor=world.county_admin).count() == 1


def test_outside_reach_is_404_and_bad_input_a_message(client, world, today):
    client.force_login(world.county_y_admin)
    assert client.get(reverse("exports:page") + f"?org={world.county_x.pk}").status_code == 404
    assert (
        _post(client, form="county-table", org=world.county_x.pk, format="xlsx").status_code == 404
    )
    client.force_login(world.county_admin)
    answer = _post(client, form="county-table", org=world.county_x.pk, period="1999", format="xlsx")
    assert answer.status_code == 400 and "1999" in answer.content.decode()
    answer = _post(client, form="nonsense", org=world.county_x.pk, format="xlsx")
    assert answer.status_code == 400
    answer = _post(client, form="county-table", org=world.county_x.pk, format="docx")
    assert answer.status_code == 400
    client.force_login(world.teacher_a.user)
    assert (
        _post(client, form="county-table", org=world.county_x.pk, format="xlsx").status_code == 404
    )


@override_settings(XUEFEN_EXPORT_PDF_INLINE_MAX=1)
def test_large_export_runs_as_a_job_with_the_file_on_its_page(
    client, world, today, django_capture_on_commit_callbacks
):
    client.force_login(world.county_admin)
    with django_capture_on_commit_callbacks(execute=True):
        answer = _post(
            client,
            form="county-table",
            org=world.county_x.pk,
            period="year:2023-01-01",
            format="pdf",
            draft="1",
        )
    assert answer.status_code == 302 and "/jobs/" in answer["Location"]
    page = client.get(answer["Location"])  # the immediate backend ran the job on commit
    made = ExportFile.objects.get()
    assert made.job_id is not None and made.draft
    assert reverse("exports:download", args=[made.pk]) in page.content.decode()


def test_stale_teachers_send_the_export_to_the_worker_which_recomputes_them(
    client, world, today, make_record, django_capture_on_commit_callbacks
):
    from xuefen.results.models import TeacherState

    make_record(world.teacher_a2, status="certified")  # marks teacher_a2 stale
    assert TeacherState.objects.get(teacher=world.teacher_a2).stale
    client.force_login(world.county_admin)
    with django_capture_on_commit_callbacks(execute=True):
        answer = _post(
            client,
            form="county-table",
            org=world.county_x.pk,
            period="year:2023-01-01",
            format="xlsx",
        )
    assert "/jobs/" in answer["Location"]
    made = ExportFile.objects.get()
    rows = xlsx_rows((made_path(made)).read_bytes(), 1)
    row = next(r for r in rows if r and r[2] == world.teacher_a2.name)
    assert row[6] == 30  # the worker recomputed teacher_a2 before reading


def made_path(made: ExportFile) -> Any:
    from xuefen.exports.services import export_dir

    return export_dir() / made.path


def test_expired_files_are_swept(world, today):
    from xuefen.exports.services import export_make, make_request, sweep

    made = export_make(
        request=make_request(
            user=world.county_admin,
            form_id="county-table",
            node=world.county_x,
            period="2023",
            today=YEAR,
        )
    )
    assert made_path(made).exists()
    assert sweep(now=timezone.now() + dt.timedelta(days=2)) == 1
    assert not made_path(made).exists() and not ExportFile.objects.exists()


def test_command_lists_and_writes(world, tmp_path, capsys):
    from xuefen.org.models import OrgNode

    OrgNode.objects.filter(pk=world.county_x.pk).update(code="530802")
    world.county_x.refresh_from_db()
    call_command("export_form", "--list")
    listed = capsys.readouterr().out
    assert "county-table" in listed and "roster" in listed
    out = tmp_path / "county.pdf"
    call_command(
        "export_form",
        "county-table",
        "--org",
        world.county_x.code,
        "--period",
        "2023",
        "--format",
        "pdf",
        "--output",
        str(out),
    )
    assert "各校达标情况" in pdf_text(out.read_bytes(), tmp_path)
    with pytest.raises(CommandError, match="1999"):
        call_command(
            "export_form",
            "county-table",
            "--org",
            world.county_x.code,
            "--period",
            "1999",
            "--output",
            str(tmp_path / "x.xlsx"),
        )
    assert not (tmp_path / "x.xlsx").exists()
    with pytest.raises(CommandError):
        call_command(
            "export_form", "county-table", "--org", "NOPE", "--output", str(tmp_path / "y.xlsx")
        )
    with pytest.raises(CommandError):  # county Y's admin does not reach county X
        call_command(
            "export_form",
            "county-table",
            "--org",
            world.county_x.code,
            "--period",
            "2023",
            "--actor",
            world.county_y_admin.username,
            "--output",
            str(tmp_path / "z.xlsx"),
        )


def test_formula_looking_text_is_escaped(world):
    from xuefen.exports.layout import Column, Document, Head, Table
    from xuefen.exports.xlsx import unescape, write_xlsx

    out = io.BytesIO()
    doc = Document(
        title="t",
        name="t",
        tables=[
            Table(
                columns=[Column(), Column(number=True)],
                header=[[Head("a"), Head("b")]],
                rows=[['=HYPERLINK("x")', -3], ["@SUM(A1)", 2.5], ["+1", None]],
            )
        ],
    )
    write_xlsx(doc, out)
    rows = xlsx_rows(out.getvalue())
    texts = [r[0] for r in rows[2:5]]
    assert texts == ['\'=HYPERLINK("x")', "'@SUM(A1)", "'+1"]
    assert [unescape(t) for t in texts] == ['=HYPERLINK("x")', "@SUM(A1)", "+1"]
    assert rows[2][1] == -3  # numbers stay numbers


def test_teacher_page_links_the_teachers_forms_for_the_teacher_and_staff(client, world, today):
    url = reverse("portal:teacher", args=[world.teacher_a.pk])
    link = reverse("exports:page") + f"?teacher={world.teacher_a.pk}"
    for user in (world.teacher_a.user, world.school_admin_a):
        client.force_login(user)
        assert link in client.get(url).content.decode()
    client.force_login(world.teacher_a.user)
    assert client.get(link).status_code == 200
    # a colleague may not open another teacher's forms
    client.force_login(world.teacher_a2.user)
    assert client.get(link).status_code == 404


def test_page_in_chinese_names_the_forms_and_kept_files(client, world, today):
    client.force_login(world.county_admin)
    _post(client, form="county-table", org=world.county_x.pk, period="2023", format="xlsx")
    page = client.get(reverse("exports:page"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "各校教师培训达标情况表" in page and "我导出的文件" in page and "保留至" in page


@pytest.mark.parametrize(
    "query", ["?org=abc", "?teacher=x1", "?org=99999999999999999999", "?org=-3"]
)
def test_a_malformed_key_is_not_found(client, world, today, query):
    client.force_login(world.county_admin)
    assert client.get(reverse("exports:page") + query).status_code == 404
    answer = client.post(reverse("exports:page"), {"org": query.split("=")[1], "format": "pdf"})
    assert answer.status_code == 404


def test_the_forms_page_reads_a_constant_number_of_queries(
    client, world, today, django_assert_max_num_queries
):
    """However many schools, teachers and kept files: the page's queries do not grow."""
    from xuefen.exports.services import export_make, make_request

    client.force_login(world.county_admin)
    url = reverse("exports:page")
    client.get(url)  # warm the grants' cache of the session
    with django_assert_max_num_queries(14) as first:
        assert client.get(url).status_code == 200
    for _n in range(3):
        export_make(
            request=make_request(
                user=world.county_admin,
                form_id="county-table",
                node=world.county_x,
                period="2023",
                today=YEAR,
            )
        )
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(url).status_code == 200
