"""Teacher roster imports: every kind of bad row found before anything is written, all or
nothing, re-import changes nothing, the command's exit codes and output."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from tests.conftest import id_number
from xuefen.audit.models import AuditEntry
from xuefen.imports.teachers import (
    ImportFailed,
    import_teachers,
    plan_teachers,
    template_workbook,
)
from xuefen.org.models import Teacher
from xuefen.org.services import node_update

HEADER = [
    "姓名",
    "身份证号码",
    "性别",
    "学段",
    "任教学科",
    "教研组",
    "联系电话",
    "是否班主任",
    "初任教师",
]


def xlsx(rows: list[list[Any]]) -> io.BytesIO:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data


def good_rows() -> list[list[Any]]:
    return [
        HEADER,
        ["陈明", id_number(40), "男", "初中", "数学", "语文教研组", "13888880001", "是", "否"],
        ["刘洋", id_number(41, female=True), "", "高中", "英语", "", "", "否", "是"],
    ]


def audit_count() -> int:
    return AuditEntry.objects.count()


def test_a_good_file_adds_teachers_and_again_changes_nothing(people: Any) -> None:
    school = people.school_a
    before = audit_count()
    plan = import_teachers(
        actor=people.school_admin_a, school=school, name="名单.xlsx", stream=xlsx(good_rows())
    )
    assert (len(plan.create), len(plan.update), len(plan.unchanged)) == (2, 0, 0)
    chen = Teacher.objects.get(id_number=id_number(40))
    assert (chen.name, chen.sex, chen.stage, chen.subject) == ("陈明", "male", "junior", "数学")
    assert chen.group == people.subject_group_a and chen.head_teacher and not chen.first_year
    liu = Teacher.objects.get(id_number=id_number(41, female=True))
    assert liu.sex == "female" and liu.first_year  # sex derived from the ID number
    entries = AuditEntry.objects.order_by("pk")[before:]
    assert len(entries) == 2 and all(e.reason == "导入：名单.xlsx" for e in entries)

    after_first = audit_count()
    plan = import_teachers(
        actor=people.school_admin_a, school=school, name="名单.xlsx", stream=xlsx(good_rows())
    )
    assert (len(plan.create), len(plan.update), len(plan.unchanged)) == (0, 0, 2)
    assert audit_count() == after_first


def test_an_existing_teacher_is_updated_only_where_the_file_differs(people: Any) -> None:
    teacher = people.teacher_a2  # 李强, primary 语文
    rows = [["姓名", "身份证号", "学段", "学科"], ["李强", teacher.id_number, "小学", "数学"]]
    before = audit_count()
    plan = import_teachers(
        actor=people.school_admin_a, school=people.school_a, name="a.csv", stream=csv(rows)
    )
    assert [p.changes for p in plan.update] == [{"subject": "数学"}]
    teacher.refresh_from_db()
    assert teacher.subject == "数学" and teacher.stage == "primary"
    assert audit_count() == before + 1


def csv(rows: list[list[Any]]) -> io.BytesIO:
    text = "\n".join(",".join(str(c) for c in row) for row in rows)
    return io.BytesIO(text.encode("utf-8"))


def test_the_preview_catches_every_kind_of_bad_row(people: Any) -> None:
    bad_check = id_number(50)[:17] + ("0" if id_number(50)[17] != "0" else "1")
    rows = [
        HEADER,
        ["", id_number(51), "", "", "", "", "", "", ""],  # 2: no name
        ["甲", bad_check, "", "", "", "", "", "", ""],  # 3: check digit
        ["乙", id_number(52), "", "", "", "", "", "", ""],  # 4: fine
        ["丙", id_number(52), "", "", "", "", "", "", ""],  # 5: duplicate of row 4
        ["丁", people.teacher_b.id_number, "", "", "", "", "", "", ""],  # 6: other school
        ["戊", id_number(53), "女", "", "", "", "", "", ""],  # 7: sex vs ID
        ["己", id_number(54), "未知", "大学", "", "数学组", "123", "可能", "或许"],  # 8
        ["庚", "12345", "", "", "", "", "", "", ""],  # 9: length
    ]
    plan = plan_teachers(school=people.school_a, name="bad.xlsx", stream=xlsx(rows))
    found = {(p.row, p.column) for p in plan.problems}
    assert {
        (2, "姓名"),
        (3, "身份证号码"),
        (5, "身份证号码"),
        (6, "身份证号码"),
        (7, "性别"),
        (8, "性别"),
        (8, "学段"),
        (8, "教研组"),
        (8, "联系电话"),
        (8, "是否班主任"),
        (8, "初任教师"),
        (9, "身份证号码"),
    } <= found
    assert (4, "身份证号码") not in found
    other = [p for p in plan.problems if p.row == 6]
    assert [p.message for p in other] == ["该身份证号已登记在其他学校"]
    assert "王芳" not in str(plan.problems) and "思茅二小" not in str(plan.problems)
    line = next(p for p in plan.problems if p.row == 3).line()
    assert line.startswith(f"第3行 身份证号码 “{bad_check}”：")


def test_nothing_is_written_when_any_row_fails(people: Any) -> None:
    rows = [*good_rows(), ["坏", "123", "", "", "", "", "", "", ""]]
    before = (Teacher.objects.count(), audit_count())
    with pytest.raises(ImportFailed):
        import_teachers(
            actor=people.school_admin_a, school=people.school_a, name="x.xlsx", stream=xlsx(rows)
        )
    assert (Teacher.objects.count(), audit_count()) == before


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
        ("empty.xlsx", b""),
        ("empty.csv", b""),
        ("notes.txt", b"hello"),
        ("header.csv", "姓名,身份证号\n".encode()),
        ("nocolumns.csv", "甲,乙\n1,2\n".encode()),
    ],
)
def test_garbage_files_are_problems_not_errors(people: Any, name: str, data: bytes) -> None:
    plan = plan_teachers(school=people.school_a, name=name, stream=io.BytesIO(data))
    assert not plan.ok and plan.problems[0].message


def test_huge_numbers_and_formulas_are_just_bad_values(people: Any) -> None:
    rows = [HEADER, ["=SUM(A1)", 1e30, "", "", "", "", 12345678901234567890, "", ""]]
    plan = plan_teachers(school=people.school_a, name="x.xlsx", stream=xlsx(rows))
    assert {p.column for p in plan.problems} >= {"身份证号码", "联系电话"}


def test_the_template_reads_back_as_a_valid_row(people: Any) -> None:
    plan = plan_teachers(
        school=people.school_a, name="t.xlsx", stream=io.BytesIO(template_workbook())
    )
    assert plan.ok and len(plan.create) == 1


# -- the command ---------------------------------------------------------------------


@pytest.fixture
def coded(people: Any) -> Any:
    node_update(actor=people.root, node=people.school_a, code="A001")
    return people


def write(tmp_path: Any, rows: list[list[Any]]) -> str:
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx(rows).getvalue())
    return str(path)


def test_command_imports_and_dry_run_writes_nothing(coded: Any, tmp_path: Any) -> None:
    file = write(tmp_path, good_rows())
    out = io.StringIO()
    call_command("import_teachers", file, "--school", "A001", "--dry-run", stdout=out)
    assert "2" in out.getvalue()
    assert not Teacher.objects.filter(id_number=id_number(40)).exists()
    out = io.StringIO()
    call_command("import_teachers", file, "--school", "A001", stdout=out)
    assert Teacher.objects.filter(id_number=id_number(40), school=coded.school_a).exists()
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry.actor == coded.root and entry.reason == "导入：名单.xlsx"


def test_command_prints_each_problem_and_fails(coded: Any, tmp_path: Any) -> None:
    rows = [*good_rows(), ["坏", "123", "", "", "", "", "", "", ""]]
    file = write(tmp_path, rows)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_teachers", file, "--school", "A001", stderr=err)
    assert "第4行 身份证号码 “123”：" in err.getvalue()
    assert not Teacher.objects.filter(id_number=id_number(40)).exists()


def test_command_exit_status_is_non_zero(coded: Any, tmp_path: Any) -> None:
    from django.core.management import ManagementUtility

    rows = [*good_rows(), ["坏", "123", "", "", "", "", "", "", ""]]
    file = write(tmp_path, rows)
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "import_teachers", file, "--school", "A001"]).execute()
    assert exited.value.code != 0


def test_command_refuses_an_unknown_school_or_file(coded: Any, tmp_path: Any) -> None:
    with pytest.raises(CommandError):
        call_command("import_teachers", write(tmp_path, good_rows()), "--school", "NOPE")
    with pytest.raises(CommandError):
        call_command("import_teachers", str(tmp_path / "missing.xlsx"), "--school", "A001")
