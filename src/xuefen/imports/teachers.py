"""Teacher rosters from a spreadsheet: columns, row checks, the plan of changes, the commit.

Every row is checked first and every problem collected (row number, header as written,
value, message); only a file without problems is written, in one transaction, through
``teacher_create`` / ``teacher_update`` (audited, reason "导入：<file name>"). The natural key
is the ID number: a teacher of the school with that number is updated where the file
differs and left alone where it does not, so importing the same file twice changes nothing.
A number registered at another school is an error that names nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from xuefen.org.choices import NodeKind, Sex, Stage
from xuefen.org.models import OrgNode, Teacher
from xuefen.org.services import _clean_teacher, teacher_create, teacher_update
from xuefen.org.validators import (
    id_number_sex,
    mask_id_number,
    normalize_id_number,
    validate_id_number,
    validate_phone,
)

from .reader import Column, ReadError, read_table

COLUMNS: tuple[Column, ...] = (
    Column("name", ("姓名", "教师姓名", "name"), required=True),
    Column("id_number", ("身份证号", "身份证号码", "公民身份号码", "id_number"), required=True),
    Column("sex", ("性别", "sex")),
    Column("stage", ("学段", "任教学段", "stage")),
    Column("subject", ("学科", "任教学科", "subject")),
    Column("group", ("教研组", "group")),
    Column("phone", ("手机", "联系电话", "手机号码", "phone")),
    Column("head_teacher", ("是否班主任", "班主任", "head_teacher")),
    Column("first_year", ("新教师", "初任教师", "是否新教师", "first_year")),
)
# The template's sample row (a valid, fictitious ID number).
SAMPLE_ROW = (
    "张丽",
    "530802199001010026",
    "女",
    "小学",
    "语文",
    "语文教研组",
    "13888880000",
    "是",
    "否",
)
# Fields an import may set, in column order (``group`` is an OrgNode).
FIELDS = ("name", "sex", "stage", "subject", "group", "phone", "head_teacher", "first_year")

_YES = {"是", "y", "yes", "true", "1", "√", "✓"}
_NO = {"否", "n", "no", "false", "0", "×", "✗"}
_SEX_WORDS = {"男": Sex.MALE, "女": Sex.FEMALE, "male": Sex.MALE, "female": Sex.FEMALE}
_STAGE_ALIASES = {
    "幼儿园": Stage.PRESCHOOL,
    "学前教育": Stage.PRESCHOOL,
    "初级中学": Stage.JUNIOR,
    "高级中学": Stage.SENIOR,
    "中等职业": Stage.VOCATIONAL,
    "职高": Stage.VOCATIONAL,
    "特教": Stage.SPECIAL,
}


def _stage_words() -> dict[str, str]:
    words = dict(_STAGE_ALIASES)
    for stage in Stage:
        words[stage.value] = stage.value
        with translation.override("zh-hans"):
            words[str(stage.label)] = stage.value
    return words


@dataclass(frozen=True)
class Problem:
    """One problem of one row: row number, the column's header as written, the value."""

    row: int
    column: str
    value: str
    message: str
    key: str = ""  # our column key ("id_number" values are masked for some readers)

    def shown_value(self, *, full_ids: bool) -> str:
        if self.key == "id_number" and not full_ids:
            return mask_id_number(self.value)
        return self.value

    def line(self, *, full_ids: bool = True) -> str:
        """``第5行 身份证号 “53080219850312002X”：…`` (the row alone when no column)."""
        where = _("Row %(n)d") % {"n": self.row} if self.row else ""
        parts = [p for p in (where, self.column) if p]
        if self.column:
            parts.append(f"“{self.shown_value(full_ids=full_ids)}”")
        head = " ".join(parts)
        return f"{head}：{self.message}" if head else self.message


@dataclass
class PlannedRow:
    """A row that passed its checks: what it creates, or what it changes."""

    row: int
    id_number: str
    values: dict[str, Any]
    teacher: Teacher | None = None
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.values.get("name") or (self.teacher.name if self.teacher else ""))


@dataclass
class Plan:
    """What importing the file would do, or the problems that stop it."""

    file_name: str
    headers: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    create: list[PlannedRow] = field(default_factory=list)
    update: list[PlannedRow] = field(default_factory=list)
    unchanged: list[PlannedRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rows(self) -> int:
        return len(self.create) + len(self.update) + len(self.unchanged)


class ImportFailed(Exception):
    """The file has problems; nothing was written."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(f"{len(plan.problems)} problems")
        self.plan = plan


def _messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _yes_no(text: str) -> bool | None:
    word = text.strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise ValueError(word)


def _existing(numbers: Iterable[str]) -> dict[str, Teacher]:
    found: dict[str, Teacher] = {}
    numbers = sorted(set(numbers))
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        for teacher in Teacher.objects.filter(id_number__in=chunk).select_related(
            "school", "group"
        ):
            found[teacher.id_number] = teacher
    return found


def plan_teachers(*, school: OrgNode, name: str, stream: IO[bytes]) -> Plan:
    """Read and check the file for ``school``; nothing is written."""
    plan = Plan(file_name=name)
    try:
        table = read_table(name, stream, COLUMNS)
    except ReadError as exc:
        plan.problems.append(Problem(0, "", "", exc.message))
        return plan
    plan.headers, plan.ignored = table.headers, table.ignored
    if not table.rows:
        plan.problems.append(Problem(0, "", "", _("The file has a header but no rows.")))
        return plan
    headers = table.headers
    groups = {
        g.name: g
        for g in OrgNode.objects.filter(
            path__startswith=school.path,
            kind__in=[NodeKind.SUBJECT_GROUP, NodeKind.LESSON_GROUP],
        )
    }
    stages = _stage_words()
    existing = _existing(normalize_id_number(r.get("id_number")) for r in table.rows)
    seen: dict[str, int] = {}

    for row in table.rows:
        problems: list[Problem] = []

        def problem(key: str, message: str, row: Any = row, problems: list = problems) -> None:
            problems.append(Problem(row.number, headers.get(key, key), row.get(key), message, key))

        values: dict[str, Any] = {}
        name_text = row.get("name")
        if not name_text:
            problem("name", _("A name is required."))
        elif len(name_text) > 50:
            problem("name", _("The name is longer than 50 characters."))
        else:
            values["name"] = name_text
        number = normalize_id_number(row.get("id_number"))
        teacher: Teacher | None = None
        if not number:
            problem("id_number", _("An ID number is required."))
        else:
            try:
                validate_id_number(number)
            except ValidationError as exc:
                for message in _messages(exc):
                    problem("id_number", message)
                number = ""
        if number:
            if number in seen:
                problem(
                    "id_number",
                    _("The same ID number is on row %(row)d.") % {"row": seen[number]},
                )
            else:
                seen[number] = row.number
            teacher = existing.get(number)
            if teacher is not None and teacher.school_id != school.pk:
                problem("id_number", _("This ID number is already registered at another school."))
                teacher = None
        if "sex" in headers and row.get("sex"):
            sex = _SEX_WORDS.get(row.get("sex").strip().lower())
            if sex is None:
                problem("sex", _("Write 男 or 女."))
            elif number and sex != id_number_sex(number):
                problem("sex", _("The sex does not match the ID number."))
            else:
                values["sex"] = sex
        if "stage" in headers and row.get("stage"):
            stage = stages.get(row.get("stage").strip())
            if stage is None:
                problem(
                    "stage",
                    _("Unknown stage; write one of %(words)s.")
                    % {"words": "、".join(str(s.label) for s in Stage)},
                )
            else:
                values["stage"] = stage
        if "subject" in headers and row.get("subject"):
            if len(row.get("subject")) > 40:
                problem("subject", _("The subject is longer than 40 characters."))
            else:
                values["subject"] = row.get("subject")
        if "group" in headers and row.get("group"):
            group = groups.get(row.get("group"))
            if group is None:
                problem("group", _("No group of this name at the school."))
            else:
                values["group"] = group
        if "phone" in headers and row.get("phone"):
            try:
                validate_phone(row.get("phone"))
            except ValidationError as exc:
                for message in _messages(exc):
                    problem("phone", message)
            else:
                values["phone"] = row.get("phone").strip()
        for key in ("head_teacher", "first_year"):
            if key in headers and row.get(key):
                try:
                    values[key] = _yes_no(row.get(key))
                except ValueError:
                    problem(key, _("Write 是 or 否."))

        if not problems:
            planned = PlannedRow(row=row.number, id_number=number, values=values, teacher=teacher)
            problems.extend(_check_model(planned, school, row, headers))
            if not problems:
                if teacher is None:
                    plan.create.append(planned)
                elif planned.changes:
                    plan.update.append(planned)
                else:
                    plan.unchanged.append(planned)
        plan.problems.extend(problems)
    return plan


def _check_model(
    planned: PlannedRow, school: OrgNode, row: Any, headers: dict[str, str]
) -> list[Problem]:
    """The services' own validation on an unsaved copy: what the form would refuse."""
    teacher = planned.teacher
    if teacher is None:
        candidate = Teacher(school=school, id_number=planned.id_number, **planned.values)
    else:
        candidate = Teacher.objects.select_related("school", "group").get(pk=teacher.pk)
        for key, value in planned.values.items():
            if getattr(candidate, key) != value:
                planned.changes[key] = value
                setattr(candidate, key, value)
    try:
        _clean_teacher(candidate)
    except ValidationError as exc:
        problems = []
        for key, messages in exc.message_dict.items():
            column = key if key in headers else "id_number" if key == "__all__" else key
            for message in messages:
                problems.append(
                    Problem(row.number, headers.get(column, ""), row.get(column), message, column)
                )
        return problems
    return []


def commit_teachers(*, actor: Any, school: OrgNode, plan: Plan) -> Plan:
    """Write a plan without problems in one transaction; a service refusing a row (a
    change since the check) undoes everything and raises :class:`ImportFailed`."""
    if not plan.ok:
        raise ImportFailed(plan)
    reason = f"导入：{plan.file_name}"
    try:
        with transaction.atomic():
            for planned in plan.create:
                teacher_create(
                    actor=actor,
                    school=school,
                    id_number=planned.id_number,
                    reason=reason,
                    **planned.values,
                )
            for planned in plan.update:
                assert planned.teacher is not None
                teacher_update(
                    actor=actor, teacher=planned.teacher, reason=reason, **planned.changes
                )
    except ValidationError as exc:
        plan.problems.extend(Problem(0, "", "", m) for m in _messages(exc))
        raise ImportFailed(plan) from None
    return plan


def import_teachers(
    *, actor: Any, school: OrgNode, name: str, stream: IO[bytes], dry_run: bool = False
) -> Plan:
    """Check the file and, unless ``dry_run``, write it all; :class:`ImportFailed` (and
    nothing written) when any row has a problem."""
    plan = plan_teachers(school=school, name=name, stream=stream)
    if not plan.ok:
        raise ImportFailed(plan)
    if not dry_run:
        commit_teachers(actor=actor, school=school, plan=plan)
    return plan


def template_workbook() -> bytes:
    """The roster template: the Chinese headers and one sample row (.xlsx)."""
    import io

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("教师名单")
    sheet.append([c.names[0] for c in COLUMNS])
    sheet.append(list(SAMPLE_ROW))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
