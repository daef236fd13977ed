"""Importing records: every kind of bad row is caught in the preview, all or nothing,
re-import is a no-op, the command's exit codes, the pages' reach."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from tests.conftest import id_number
from xuefen.imports.records import records_commit, records_plan
from xuefen.records.models import Record

HEADER = "身份证号,姓名,记录编号,类别,日期,级别,名称,研修模式,模块,学时,成绩,自主选学,状态"
A = id_number(1, female=True)  # teacher_a 张丽, school A
A2 = id_number(2)  # teacher_a2 李强, school A
B = id_number(3, female=True)  # teacher_b, school B
GOOD = [
    f"{A},张丽,PX-1,培训项目,2023-03-10,省级,国培计划,网络研修,专业知识,30,85,是,",
    f"{A2},李强,,培训项目,2023/4/1,县级,县级培训,集中研修,专业能力,24,90,否,草稿",
]


def csv_bytes(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def plan_of(actor: Any, *rows: str) -> Any:
    return records_plan(actor, "records.csv", io.BytesIO(csv_bytes(*rows)))


def commit(actor: Any, plan: Any, *rows: str) -> int:
    """Write the plan of the file of ``rows`` (the commit reads the file again)."""
    return records_commit(actor, plan, file_name="records.csv", stream=io.BytesIO(csv_bytes(*rows)))


def test_good_rows_are_planned_and_written_once(people: Any) -> None:
    plan = plan_of(people.school_admin_a, *GOOD)
    assert plan.ok, [str(p) for p in plan.problems]
    assert plan.create_count == 2 and plan.row_count == 2
    assert commit(people.school_admin_a, plan, *GOOD) == 2
    first = Record.objects.get(teacher=people.teacher_a)
    assert first.origin_key == "import:PX-1"
    assert first.source == "imported" and first.status == "submitted"
    assert first.fields["mode"] == "online" and first.fields["self_selected"] is True
    assert Record.objects.get(teacher=people.teacher_a2).status == "draft"
    again = plan_of(people.school_admin_a, *GOOD)
    assert again.ok and again.create_count == 0 and again.unchanged_count == 2
    assert [p.exists for p in again.preview] == [True, True]
    assert commit(people.school_admin_a, again, *GOOD) == 0
    assert Record.objects.count() == 2


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (f"{A},张丽,X1,不存在的类别,2023-03-10,省级,n,网络研修,专业知识,30,85,是,", "类别"),
        (f"{A},张丽,X1,培训项目,2023-02-30,省级,n,网络研修,专业知识,30,85,是,", "日期"),
        (f"{A},张丽,X1,培训项目,2999-01-01,省级,n,网络研修,专业知识,30,85,是,", "日期"),
        (f"{A},张丽,X1,培训项目,2023-03-10,省级,n,网络研修,专业知识,99999,85,是,", "学时"),
        (f"{A},张丽,X1,培训项目,2023-03-10,省级,n,网络研修,专业知识,-3,85,是,", "学时"),
        (f"{A},张丽,X1,培训项目,2023-03-10,宇宙级,n,网络研修,专业知识,30,85,是,", "级别"),
        (f"{A},张丽,X1,培训项目,2023-03-10,省级,n,飞行研修,专业知识,30,85,是,", "研修模式"),
        (f"{A},张丽,X1,培训项目,2023-03-10,省级,n,网络研修,专业知识,=1+1,85,是,", "学时"),
        (f"{A},王五,X1,培训项目,2023-03-10,省级,n,网络研修,专业知识,30,85,是,", "姓名"),
        (f"{A},张丽,X1,培训项目,2023-03-10,省级,n,网络研修,专业知识,30,85,是,已认定", "状态"),
        (f"{A[:-1]}0,张丽,X1,培训项目,2023-03-10,省级,n,网络研修,专业知识,30,85,是,", "身份证号"),
        (f"{id_number(77)},,X1,培训项目,2023-03-10,省级,n,网络研修,专业知识,30,85,是,", "身份证号"),
        (f"{B},王芳,X1,培训项目,2023-03-10,省级,n,网络研修,专业知识,30,85,是,", "身份证号"),
        (f"{A},张丽,X1,培训项目,2023-03-10,省级,n,网络研修,专业知识,1e400,85,是,", "学时"),
    ],
)
def test_every_bad_row_is_caught_and_nothing_written(people: Any, row: str, column: str) -> None:
    plan = plan_of(people.school_admin_a, GOOD[1], row)
    assert not plan.ok
    assert [(p.row, p.column) for p in plan.problems][:1] == [(3, column)], [
        str(p) for p in plan.problems
    ]
    with pytest.raises(ValueError):
        commit(people.school_admin_a, plan, GOOD[1], row)
    assert not Record.objects.exists()


def test_unknown_and_other_schools_teacher_read_alike(people: Any) -> None:
    """A teacher out of reach is not told apart from no teacher, and is not named."""
    other = plan_of(people.school_admin_a, GOOD[0].replace(A, B).replace("张丽", ""))
    unknown = plan_of(people.school_admin_a, GOOD[0].replace(A, id_number(77)).replace("张丽", ""))
    assert other.problems[0].message == unknown.problems[0].message
    assert "王芳" not in str(other.problems[0]) and "思茅二小" not in str(other.problems[0])


def test_duplicate_rows_and_garbage_files(people: Any) -> None:
    plan = plan_of(people.school_admin_a, GOOD[0], GOOD[0])
    assert [p.row for p in plan.problems] == [3]
    for name, data in [
        ("x.xlsx", b"\x89PNG\r\n\x1a\nnot a workbook"),
        ("x.csv", b""),
        ("x.csv", (HEADER + "\n").encode()),
        ("x.txt", b"hello"),
        ("x.csv", b"\xff\xfe\x00garbage"),
    ]:
        plan = records_plan(people.school_admin_a, name, io.BytesIO(data))
        assert not plan.ok and plan.problems[0].row == 0


def test_certified_only_for_certifiers(people: Any) -> None:
    row = GOOD[0] + "已认定"
    assert not plan_of(people.school_admin_a, row).ok
    plan = plan_of(people.county_admin, row)
    assert plan.ok, [str(p) for p in plan.problems]
    commit(people.county_admin, plan, row)
    assert Record.objects.get().status == "certified"


def _write(tmp_path: Path, *rows: str) -> str:
    path = tmp_path / "records.csv"
    path.write_bytes(csv_bytes(*rows))
    return str(path)


def test_command_exit_codes(people: Any, tmp_path: Path, capsys: Any) -> None:
    bad = _write(tmp_path, GOOD[0], GOOD[1].replace("2023/4/1", "明天"))
    with pytest.raises(CommandError) as failed:
        call_command("import_records", bad)
    assert failed.value.returncode == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines() == ["第3行 日期 “明天”：日期格式不对（应写作 2023-03-10）。"]
    assert not Record.objects.exists()
    good = _write(tmp_path, *GOOD)
    call_command("import_records", good, "--dry-run")
    assert not Record.objects.exists()
    call_command("import_records", good, "--actor", "school_admin_a")
    assert Record.objects.count() == 2
    call_command("import_records", good)
    assert Record.objects.count() == 2
    with pytest.raises(CommandError):
        call_command("import_records", str(tmp_path / "missing.csv"))


def test_pages_upload_preview_confirm(people: Any, client: Any) -> None:
    url = reverse("imports:records")
    client.force_login(people.school_admin_a)
    assert client.get(url).status_code == 200
    template = client.get(reverse("imports:records_template"))
    assert template.status_code == 200 and template.content[:2] == b"PK"
    upload = io.BytesIO(csv_bytes(*GOOD))
    upload.name = "records.csv"
    preview = client.post(url, {"file": upload})
    assert preview.status_code == 200 and not Record.objects.exists()
    token = preview.context["token"]
    assert token and preview.context["create_count"] == 2
    done = client.post(url, {"token": token, "confirm": "1"})
    assert done.status_code == 200 and Record.objects.count() == 2
    again = client.post(url, {"token": token, "confirm": "1"})
    assert again.status_code == 302 and Record.objects.count() == 2


def test_pages_show_problems_and_write_nothing(people: Any, client: Any) -> None:
    client.force_login(people.school_admin_a)
    upload = io.BytesIO(csv_bytes(GOOD[0].replace("2023-03-10", "2023-13-40")))
    upload.name = "records.csv"
    preview = client.post(reverse("imports:records"), {"file": upload})
    assert preview.status_code == 200 and preview.context["problem_count"] == 1
    unknown = io.BytesIO(csv_bytes(GOOD[0].replace(A, B).replace("张丽", "")))
    unknown.name = "records.csv"
    shown = client.post(reverse("imports:records"), {"file": unknown})
    assert B not in shown.content.decode() and B[-4:] in shown.content.decode()
    assert not preview.context["token"] or "token" not in client.session.get("imports_records", {})
    image = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    image.name = "photo.xlsx"
    assert client.post(reverse("imports:records"), {"file": image}).status_code == 200
    assert not Record.objects.exists()


@pytest.mark.parametrize("who", ["teacher_user", "nobody", "peer_assessor", "institution_user"])
def test_pages_out_of_scope_are_404(people: Any, client: Any, who: str) -> None:
    user = people.teacher_a.user if who == "teacher_user" else getattr(people, who)
    client.force_login(user)
    assert client.get(reverse("imports:records")).status_code in (403, 404)
    assert client.get(reverse("imports:records_template")).status_code in (403, 404)


def test_today_is_not_the_future(people: Any) -> None:
    today = dt.date.today().isoformat()
    plan = plan_of(people.school_admin_a, GOOD[0].replace("2023-03-10", today))
    assert plan.ok, [str(p) for p in plan.problems]


def test_commit_writes_in_batches_with_audit_entries_and_reports_progress(
    people: Any, monkeypatch: Any
) -> None:
    from xuefen.audit.models import AuditEntry
    from xuefen.imports import records as module
    from xuefen.results.models import TeacherState

    monkeypatch.setattr(module, "WRITE_BATCH", 2)
    monkeypatch.setattr(module, "CHECK_CHUNK", 2)
    rows = [
        f"{A if i % 2 else A2},,PX-{i},培训项目,2023-03-{i + 1:02d},省级,培训{i},网络研修,"
        "专业知识,6,80,是,"
        for i in range(5)
    ]
    plan = plan_of(people.school_admin_a, *rows)
    assert plan.ok, [str(p) for p in plan.problems]
    done: list[int] = []
    stream = io.BytesIO(csv_bytes(*rows))
    assert (
        records_commit(
            people.school_admin_a, plan, file_name="r.csv", stream=stream, progress=done.append
        )
        == 5
    )
    assert done == [2, 4, 5]
    entries = AuditEntry.objects.filter(event="record.create", reason="导入：r.csv")
    assert entries.count() == 5 and {e.actor_id for e in entries} == {people.school_admin_a.pk}
    assert set(TeacherState.objects.filter(stale=True).values_list("teacher_id", flat=True)) >= {
        people.teacher_a.pk,
        people.teacher_a2.pk,
    }


def test_a_record_entered_since_the_check_is_left_as_it_is(people: Any) -> None:
    """The commit reads the file again: a row whose record was entered since the check
    (same teacher and origin key) is unchanged, as on a re-import; the others are written."""
    from tests.conftest import training
    from xuefen.records.services import record_create

    plan = plan_of(people.school_admin_a, *GOOD)
    assert plan.ok and plan.create_count == 2
    record_create(
        actor=people.school_admin_a,
        teacher=people.teacher_a,
        kind="training",
        date=dt.date(2023, 3, 10),
        fields=training(),
        level="province",
        origin_key="import:PX-1",
    )
    assert commit(people.school_admin_a, plan, *GOOD) == 1
    assert Record.objects.count() == 2


def test_a_file_that_no_longer_passes_writes_nothing(people: Any) -> None:
    """Between the check and the commit a teacher left the user's reach: the commit refuses
    with the row's problem and writes nothing."""
    from django.core.exceptions import ValidationError

    from xuefen.org.services import teacher_update

    plan = plan_of(people.school_admin_a, *GOOD)
    assert plan.ok
    teacher_update(actor=people.root, teacher=people.teacher_a2, school=people.school_b)
    with pytest.raises(ValidationError, match="第3行"):
        commit(people.school_admin_a, plan, *GOOD)
    assert not Record.objects.exists()


def test_a_file_is_checked_chunk_by_chunk_with_progress(people: Any, monkeypatch: Any) -> None:
    from xuefen.imports import records as module

    monkeypatch.setattr(module, "CHECK_CHUNK", 2)
    rows = [
        f"{A},张丽,PX-{i},培训项目,2023-03-{i + 1:02d},省级,培训{i},网络研修,专业知识,6,80,是,"
        for i in range(5)
    ]
    rows[3] = rows[3].replace("2023-03-04", "2023-13-04")
    rows.append(rows[0])  # the same record as the first row, in another chunk
    seen: list[tuple[int, int]] = []
    plan = records_plan(
        people.school_admin_a,
        "r.csv",
        io.BytesIO(csv_bytes(*rows)),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert [(p.row, p.column) for p in plan.problems] == [(5, "日期"), (7, "记录编号")]
    assert [done for done, _total in seen] == [2, 4, 6, 6] and seen[-1] == (6, 6)
    assert all(total >= done for done, total in seen)
