"""Importing records from a spreadsheet: the columns, the checks of every row, the commit.

Columns are the Chinese words schools write: 身份证号 (which teacher), 姓名 (checked if
given), 记录编号 (an external id, the natural key), 类别 (the kind by its label), 日期, 级别,
名称, then the kind's fields by their labels (:mod:`xuefen.records.kinds`) and 状态. Every
row is checked before anything is written, by the engine as
:func:`xuefen.records.services.record_validate` checks one record
(:func:`~xuefen.records.services.records_validate_bulk`, :data:`CHECK_CHUNK` rows at a
time; the plan keeps counts and the first rows, not the rows); :func:`records_commit`
reads the file again and writes every new row in one transaction through
:func:`xuefen.records.services.records_create_bulk` (source ``imported``; batches of
``bulk_create``, audit entries in bulk, the teachers' results marked stale once per
batch). A row whose record exists already (same teacher and origin key) is unchanged, so
importing a file again is a no-op. Problems never name a teacher outside the user's reach.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from xuefen.catalog.choices import Level
from xuefen.org.models import Teacher
from xuefen.org.scoping import can
from xuefen.org.validators import normalize_id_number, validate_id_number
from xuefen.records.choices import RecordSource, RecordStatus
from xuefen.records.kinds import DECLARABLE_KINDS, engine_message, kind_spec
from xuefen.records.models import Record
from xuefen.records.services import records_create_bulk, records_validate_bulk

from .reader import Column, ReadError, Row, open_table

# Statuses a file may ask for (the default: submitted, so the school reviews the rows).
IMPORT_STATUSES = (
    RecordStatus.DRAFT,
    RecordStatus.SUBMITTED,
    RecordStatus.APPROVED,
    RecordStatus.CERTIFIED,
)
FIELD_PREFIX = "f_"
# "类别" names the kind; the field ``category`` goes by another header.
_CATEGORY_NAMES = ("作品类别", "成果类别")
_LEVEL_WORDS = {"县级": "county", "区级": "county", "县区级": "county", "国家": "national"}
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
# Rows checked by the engine at a time (records of one date are judged together).
CHECK_CHUNK = 5000
# Records written per batch (one INSERT, one audit INSERT, one stale mark per batch).
WRITE_BATCH = 1000


@dataclass(frozen=True)
class Problem:
    """One problem of one row: row number, the column's header as written, the value."""

    row: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = _("Row %(n)d") % {"n": self.row} if self.row else ""
        value = f"“{self.value}”" if self.value else ""
        return f"{where} {self.column} {value}：{self.message}".replace("  ", " ").strip()


@dataclass(slots=True)
class PlannedRecord:
    """A row checked and ready to be written (``exists``: it was imported before)."""

    row: int
    teacher: Teacher
    kind: str
    date: dt.date
    level: str
    fields: dict[str, Any]
    status: str
    origin_key: str
    exists: bool = False


@dataclass
class RecordsPlan:
    """What a file would do: the problems, or how many rows it adds and how many are
    there already, with the first rows for a preview.

    The checked rows themselves are not kept (memory stays flat in the file's rows):
    :func:`records_commit` reads the file again and writes it chunk by chunk. ``schools``
    are the schools of the rows to add (where a background job for the file belongs).
    """

    problems: list[Problem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    preview: list[PlannedRecord] = field(default_factory=list)
    create_count: int = 0
    unchanged_count: int = 0
    row_count: int = 0
    schools: set[Any] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems


# Checked rows a plan keeps for the preview page.
PREVIEW_ROWS = 20


def _labels(key: str) -> set[str]:
    from xuefen.records.kinds import FIELD_LABELS

    found: set[str] = {str(FIELD_LABELS[key])} if key in FIELD_LABELS else set()
    for kind in DECLARABLE_KINDS:
        for spec in kind_spec(kind).fields:
            if spec.name == key:
                found.add(str(spec.label))
    return found


def field_names() -> list[str]:
    """Every field name some declarable kind has, in first-seen order."""
    names: list[str] = []
    for kind in DECLARABLE_KINDS:
        for spec in kind_spec(kind).fields:
            if spec.name not in names:
                names.append(spec.name)
    return names


def record_columns() -> list[Column]:
    """The columns of a records file (names in the active language and English keys)."""
    columns = [
        Column("id_number", (_("ID number"), "身份证号", "身份证号码", "证件号码"), required=True),
        Column("teacher_name", (_("Teacher's name"), "姓名", "教师姓名")),
        Column("external_id", ("记录编号", "外部编号", "编号", "external_id")),
        Column("kind", ("类别", "记录类别", "类型"), required=True),
        Column("date", ("日期", "时间", "date"), required=True),
        Column("level", ("级别", "工作室级别", "课题级别")),
        Column("status", ("状态", "status")),
    ]
    for name in field_names():
        if name == "category":
            labels: set[str] = set(_CATEGORY_NAMES)
        else:
            labels = _labels(name)
        labels -= {"类别", "级别"}
        columns.append(Column(FIELD_PREFIX + name, (name, *sorted(labels))))
    return columns


def template_headers() -> list[str]:
    """Headers of the downloadable template (the common fields of a training record)."""
    return [
        "身份证号",
        "姓名",
        "记录编号",
        "类别",
        "日期",
        "级别",
        "名称",
        "研修模式",
        "模块",
        "学时",
        "天数",
        "成绩",
        "等级",
        "自主选学",
        "状态",
    ]


def _word(text: str) -> str:
    return re.sub(r"[\s()（）]", "", unicodedata.normalize("NFKC", str(text))).lower()


def _lookup(pairs: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """``{word: value}`` from (value, label) pairs: the label and the value itself."""
    table: dict[str, str] = {}
    for value, label in pairs:
        table[_word(value)] = value
        table[_word(str(label))] = value
    return table


def _kinds() -> dict[str, str]:
    from xuefen.records.kinds import kind_choices

    return _lookup(kind_choices())


def _levels() -> dict[str, str]:
    table = _lookup(Level.choices)
    table.update({_word(k): v for k, v in _LEVEL_WORDS.items()})
    return table


def _statuses() -> dict[str, str]:
    return _lookup((s, RecordStatus(s).label) for s in IMPORT_STATUSES)


def parse_date(text: str) -> dt.date | None:
    """``2023-03-10``, ``2023/3/10``, ``2023.3.10``, ``2023年3月10日``, ``20230310``."""
    text = text.strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    if " " in text:  # a date with a time of day
        text = text.split(" ", 1)[0]
    hit = _DATE.match(text)
    if not hit:
        return None
    try:
        return dt.date(int(hit[1]), int(hit[2]), int(hit[3]))
    except ValueError:
        return None


_TRUE = {"是", "y", "yes", "true", "1", "√", "✓"}
_FALSE = {"否", "n", "no", "false", "0", "×", ""}


def _field_value(kind: str, spec: Any, text: str, table: dict[str, str] | None = None) -> Any:
    """The typed value of a field cell, or raise ValueError with a message (``table``: the
    choice field's words, :func:`_lookup` of its choices, when the caller keeps them)."""
    if spec.widget == "choice":
        if table is None:
            table = _lookup(spec.choices)
        value = table.get(_word(text))
        if value is None:
            words = "、".join(str(label) for _v, label in spec.choices)
            raise ValueError(_("Not one of: %(words)s.") % {"words": words})
        return value
    if spec.widget == "boolean":
        word = _word(text)
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise ValueError(_("Write 是 or 否."))
    if spec.widget in ("number", "integer"):
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            raise ValueError(_("Not a number.")) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(_("Not a number."))
        if spec.widget == "integer":
            if not number.is_integer():
                raise ValueError(_("Must be a whole number."))
            number = int(number)
        elif number.is_integer() and abs(number) < 1e15:
            number = int(number)
        return number  # bounds: the engine says so, in its words
    return text


def derived_key(kind: str, date: dt.date, name: str) -> str:
    """The origin key of a row without an external id: teacher (implied by the key's
    scope), kind, date and name, so the same row imported again finds its record."""
    digest = hashlib.sha1(f"{kind}|{date.isoformat()}|{name}".encode()).hexdigest()[:24]
    return f"import:auto:{digest}"


class _Checker:
    def __init__(self, actor: Any, headers: dict[str, str]) -> None:
        self.actor = actor
        self.headers = headers
        self.kinds = _kinds()
        self.levels = _levels()
        self.statuses = _statuses()
        self.bindings: dict[int, list[Any]] = {}
        self.rights: dict[tuple[str, int], bool] = {}
        self.choices: dict[tuple[str, str], dict[str, str]] = {}
        self.problems: list[Problem] = []

    def choice_table(self, kind: str, spec: Any) -> dict[str, str] | None:
        if spec.widget != "choice":
            return None
        key = (kind, spec.name)
        if key not in self.choices:
            self.choices[key] = _lookup(spec.choices)
        return self.choices[key]

    def header(self, key: str, fallback: str = "") -> str:
        return self.headers.get(key) or fallback or key

    def problem(self, row: Row, key: str, message: str, *, value: str | None = None) -> None:
        fallback = ""
        if key.startswith(FIELD_PREFIX):
            kind = row.get("kind")
            fallback = key[len(FIELD_PREFIX) :]
            try:
                spec_kind = self.kinds.get(_word(kind), "")
                if spec_kind:
                    from xuefen.records.kinds import field_label

                    fallback = str(field_label(spec_kind, fallback))
            except KeyError:
                pass
        text = row.get(key) if value is None else value
        self.problems.append(Problem(row.number, self.header(key, fallback), text, message))

    def right(self, action: str, teacher: Teacher) -> bool:
        key = (action, teacher.pk)
        if key not in self.rights:
            self.rights[key] = can(self.actor, action, teacher)
        return self.rights[key]


def records_plan(
    actor: Any,
    name: str,
    stream: IO[bytes],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> RecordsPlan:
    """Read and check every row of a records file; nothing is written. The file is read
    as it is checked, :data:`CHECK_CHUNK` rows at a time; the plan keeps counts, the
    problems and the first rows, not the rows (memory flat in the file's rows, but for the
    keys that find duplicates). ``progress(done, total)``: rows checked of the
    file's rows, after every chunk."""
    plan = RecordsPlan()
    try:
        table = open_table(name, stream, record_columns())
    except ReadError as exc:
        plan.problems.append(Problem(0, _("File"), "", exc.message))
        return plan
    plan.headers = table.headers
    check = _Checker(actor, table.headers)
    teachers: dict[str, Teacher | None] = {}  # the user's teachers by ID number
    seen: dict[tuple[int, str], int] = {}
    rows: list[Row] = []
    done = 0

    def judge() -> None:
        """Check the chunk's rows; validate them with the engine; keep the good ones."""
        _find_teachers(actor, rows, teachers)
        chunk: list[tuple[Row, PlannedRecord, bool]] = []
        for row in rows:
            before = len(check.problems)
            record = _check_row(check, row, teachers)
            if record is not None:
                chunk.append((row, record, len(check.problems) > before))
        errors = records_validate_bulk(
            [_unsaved(item) for _row, item, _bad in chunk], bindings=check.bindings
        )
        kept: list[PlannedRecord] = []
        for i, (row, item, bad) in enumerate(chunk):
            if i in errors:
                _engine_problems(check, row, item.kind, errors[i])
                continue
            if bad:
                continue
            key = (item.teacher.pk, item.origin_key)
            if key in seen:
                check.problem(
                    row,
                    "external_id" if row.get("external_id") else "kind",
                    _("The same record as row %(n)d.") % {"n": seen[key]},
                )
                continue
            seen[key] = row.number
            kept.append(item)
        if kept:
            _mark_existing(kept)
            for item in kept:
                if item.exists:
                    plan.unchanged_count += 1
                else:
                    plan.create_count += 1
                    plan.schools.add(item.teacher.school)
                if len(plan.preview) < PREVIEW_ROWS:
                    plan.preview.append(item)
        rows.clear()

    try:
        for row in table.rows:
            rows.append(row)
            done += 1
            if len(rows) >= CHECK_CHUNK:
                judge()
                if progress is not None:
                    progress(done, max(done, table.size))
    except ReadError as exc:
        plan.problems.append(Problem(0, _("File"), "", exc.message))
        return plan
    if rows:
        judge()
    if progress is not None:
        progress(done, done)
    if not done:
        plan.problems.append(Problem(0, _("File"), "", _("The file has no data rows.")))
        return plan
    plan.problems = sorted(check.problems, key=lambda p: p.row)
    plan.row_count = done
    return plan


def _find_teachers(actor: Any, rows: list[Row], teachers: dict[str, Teacher | None]) -> None:
    """The chunk's teachers that the user may change, by ID number, in one query (None
    for a number of nobody within reach)."""
    numbers = {normalize_id_number(r.get("id_number")) for r in rows} - set(teachers)
    if numbers:
        found = {
            t.id_number: t
            for t in Teacher.objects.restrict(actor, "change")
            .filter(id_number__in=numbers)
            .select_related("school")
        }
        teachers.update({n: found.get(n) for n in numbers})


def _mark_existing(items: list[PlannedRecord]) -> None:
    """Which of these rows were imported before (same teacher and origin key): one query."""
    existing = set(
        Record.objects.filter(
            teacher_id__in={r.teacher.pk for r in items},
            origin_key__in={r.origin_key for r in items},
        ).values_list("teacher_id", "origin_key")
    )
    for item in items:
        item.exists = (item.teacher.pk, item.origin_key) in existing


def _check_row(
    check: _Checker, row: Row, teachers: dict[str, Teacher | None]
) -> PlannedRecord | None:
    number = normalize_id_number(row.get("id_number"))
    if not number:
        check.problem(row, "id_number", _("This field is required."))
        return None
    try:
        validate_id_number(number)
    except ValidationError as exc:
        check.problem(row, "id_number", exc.messages[0])
        return None
    teacher = teachers.get(number)
    if teacher is None:
        check.problem(
            row,
            "id_number",
            _("No teacher with this ID number in the units you may change."),
        )
        return None
    given_name = row.get("teacher_name").replace(" ", "")
    if given_name and given_name != teacher.name.replace(" ", ""):
        check.problem(row, "teacher_name", _("This is not the name registered with the ID number."))
    kind = check.kinds.get(_word(row.get("kind")))
    if kind is None:
        check.problem(
            row,
            "kind",
            _("Unknown kind of record.") if row.get("kind") else _("This field is required."),
        )
        return None
    spec = kind_spec(kind)
    date = parse_date(row.get("date"))
    if date is None:
        check.problem(
            row,
            "date",
            _("Not a date (write 2023-03-10).")
            if row.get("date")
            else _("This field is required."),
        )
    level = ""
    if row.get("level"):
        level = check.levels.get(_word(row.get("level")), "")
        if not level:
            words = "、".join(str(label) for _v, label in Level.choices)
            check.problem(row, "level", _("Not one of: %(words)s.") % {"words": words})
    fields: dict[str, Any] = {}
    for field_spec in spec.fields:
        text = row.get(FIELD_PREFIX + field_spec.name)
        if not text:
            continue
        try:
            fields[field_spec.name] = _field_value(
                kind, field_spec, text, check.choice_table(kind, field_spec)
            )
        except ValueError as exc:
            check.problem(row, FIELD_PREFIX + field_spec.name, str(exc))
    own = {f.name for f in spec.fields}
    for key in check.headers:
        name = key[len(FIELD_PREFIX) :] if key.startswith(FIELD_PREFIX) else None
        if name and name not in own and row.get(key):
            check.problem(
                row,
                key,
                _("A %(kind)s record has no such field.") % {"kind": spec.label},
            )
    status = RecordStatus.SUBMITTED
    if row.get("status"):
        status = check.statuses.get(_word(row.get("status")), "")
        if not status:
            words = "、".join(str(RecordStatus(s).label) for s in IMPORT_STATUSES)
            check.problem(row, "status", _("Not one of: %(words)s.") % {"words": words})
        elif status == RecordStatus.APPROVED and not check.right("review", teacher):
            check.problem(row, "status", _("You may not enter records already reviewed."))
        elif status == RecordStatus.CERTIFIED and not check.right("certify", teacher):
            check.problem(row, "status", _("You may not enter certified records."))
    if date is None or not status:
        return None
    external = row.get("external_id")
    if external:
        origin_key = f"import:{external}"
        if len(origin_key) > 80:
            check.problem(row, "external_id", _("At most 73 characters."))
            return None
    else:
        origin_key = derived_key(kind, date, str(fields.get("name", "")))
    return PlannedRecord(
        row=row.number,
        teacher=teacher,
        kind=kind,
        date=date,
        level=level,
        fields=fields,
        status=status,
        origin_key=origin_key,
    )


def _unsaved(item: PlannedRecord) -> Record:
    return Record(
        teacher=item.teacher,
        kind=item.kind,
        date=item.date,
        level=item.level,
        fields=item.fields,
        source=RecordSource.IMPORTED,
        status=item.status,
        origin_key=item.origin_key,
    )


def _engine_problems(check: _Checker, row: Row, kind: str, exc: ValidationError) -> None:
    """The engine's refusal of a row, each message under its column."""
    own = {f.name for f in kind_spec(kind).fields}
    for key, messages in exc.message_dict.items():
        column = {"date": "date", "level": "level"}.get(key)
        if column is None and key in own:
            column = FIELD_PREFIX + key
        if column is None:
            column = "kind"
        for message in messages:
            check.problem(row, column, engine_message(message))


def commit_problems(exc: ValidationError) -> list[Problem]:
    """A refused commit (someone entered one of the records since the file was checked)
    as problems of the file."""
    return [Problem(0, _("File"), "", message) for message in exc.messages]


def records_commit(
    actor: Any,
    plan: RecordsPlan,
    *,
    file_name: str,
    stream: IO[bytes],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the new records of the file the plan checked, in one transaction; the number
    written. A plan with problems writes nothing (:class:`ValueError`).

    The file (``stream``, the same one, read from its start) is read again chunk by chunk
    and each chunk's rows parsed as the check parsed them; the records are built as
    :func:`~xuefen.records.services.records_create_bulk` consumes them, which validates
    each again. A row that no longer passes (a teacher moved to a school beyond the user,
    a record entered since the check) is a :class:`ValidationError`, and nothing is
    written. ``progress(done)`` after every batch."""
    if plan.problems:
        raise ValueError("a plan with problems cannot be committed")
    reason = _("Import: %(name)s") % {"name": file_name}

    def records() -> Iterator[Record]:
        try:
            table = open_table(file_name, stream, record_columns())
        except ReadError as exc:
            raise ValidationError(exc.message) from None
        check = _Checker(actor, table.headers)
        teachers: dict[str, Teacher | None] = {}
        rows: list[Row] = []

        def chunk() -> Iterator[Record]:
            _find_teachers(actor, rows, teachers)
            items = []
            for row in rows:
                before = len(check.problems)
                item = _check_row(check, row, teachers)
                if item is None or len(check.problems) > before:
                    problems = "；".join(str(p) for p in check.problems[before:][:3])
                    raise ValidationError(
                        _("The file no longer passes its check: %(problems)s")
                        % {"problems": problems or _("Row %(n)d") % {"n": row.number}}
                    )
                items.append(item)
            rows.clear()
            _mark_existing(items)
            for item in items:
                if not item.exists:
                    yield _unsaved(item)

        for row in table.rows:
            rows.append(row)
            if len(rows) >= CHECK_CHUNK:
                yield from chunk()
        if rows:
            yield from chunk()

    return records_create_bulk(
        actor=actor,
        records=records(),
        reason=reason,
        batch_size=WRITE_BATCH,
        progress=progress,
    )
