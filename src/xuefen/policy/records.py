"""The record vocabulary of ``docs/records.md``, validated with pydantic.

A record is one fact about a teacher (a training attended, an award won, a lesson
observed...). Field names and values are the fixed contract; unknown kinds and fields are
errors unless a policy declares them (see :func:`record_adapter`).

Two readings of the contract, taken here:

* ``activity_attendance`` uses ``status`` for the attendance state (present / leave /
  absent / makeup), as records.md lists it. Its workflow state, if any, goes in
  ``review_status`` (default ``certified``).
* ``module``, ``self_selected``, ``approved`` and ``name`` are accepted on every kind:
  records.md allows new fields, and the special recognitions of 普洱 第十三条 need a module
  to count towards module minimums. ``approved: false`` marks a record from an unapproved
  project, institution or school plan (普洱: such records earn nothing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic_core import core_schema
from typing_extensions import TypedDict

from .errors import InputError

Level = Literal["school", "county", "city", "province", "national"]
Mode = Literal["online", "centralized", "school_based"]
Module = Literal["ethics", "knowledge", "ability", "class_management", "school_based"]
Grade = Literal["excellent", "good", "medium", "pass", "fail"]
Attendance = Literal["full", "partial_leave", "platform_leave", "absent_without_leave"]

LEVELS: tuple[str, ...] = ("school", "county", "city", "province", "national")
MODES: tuple[str, ...] = ("online", "centralized", "school_based")
MODULES: tuple[str, ...] = ("ethics", "knowledge", "ability", "class_management", "school_based")
GRADES: tuple[str, ...] = ("excellent", "good", "medium", "pass", "fail")

# Bounds of record values (docs/policies.md, "Limits"). Numbers are strict: a JSON number,
# integer or decimal (an integer is accepted where a decimal is expected), never a boolean
# or a string ("hours": true or "hours": "30" is an error). The upper bounds are far above
# any real record and keep every product and total finite.
MAX_HOURS = 10_000.0
"""Hours (and practice hours) of one record: at most 10,000."""
MAX_DAYS = 1_000.0
"""Days of one training: at most 1,000."""
MAX_CREDITS = 10_000.0
"""Credits of one record (``reading``): at most 10,000."""
MAX_RATE = 100.0
"""``credit_per_hour``: more than 0, at most 100."""
MAX_COUNT = 10_000
"""``count`` (lesson observations): a whole number from 1 to 10,000."""
MAX_EXTENSION_NUMBER = 1_000_000_000
"""A number in a field a policy declares: within ±1,000,000,000."""
MAX_INPUT_NUMBER = 1_000_000_000
"""Numbers outside records (a sheet's inputs, a school's assessment): within ±1,000,000,000."""
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
"""Record dates (and ``--as-of``, ``--period``) lie in 1900-01-01 … 2100-12-31."""
MAX_ID_CHARS = 200
"""Ids (record, teacher, program, activity, entry) and codes: at most 200 characters."""
MAX_TEXT_CHARS = 2_000
"""Other text (``name``, declared string fields): at most 2,000 characters."""


class _RecordDate:
    """A record date: JSON text ``YYYY-MM-DD`` that is a real day (or a ``date`` from Python
    callers), from :data:`MIN_DATE` to :data:`MAX_DATE`. Never a number (pydantic's lax
    mode would read ``0`` as 1970-01-01) nor a date-time. Built of pydantic-core schemas
    only, so it costs no Python call per record."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        text = core_schema.chain_schema(
            [
                core_schema.str_schema(strict=True, min_length=10, max_length=10),
                core_schema.date_schema(),
            ]
        )
        parsed = core_schema.custom_error_schema(
            core_schema.union_schema(
                [core_schema.date_schema(strict=True), text], mode="left_to_right"
            ),
            custom_error_type="date_text",
            custom_error_message="a date is text YYYY-MM-DD, a day that exists",
        )
        window = core_schema.custom_error_schema(
            core_schema.date_schema(strict=True, ge=MIN_DATE, le=MAX_DATE),
            custom_error_type="date_window",
            custom_error_message=f"a date from {MIN_DATE} to {MAX_DATE}",
        )
        return core_schema.chain_schema([parsed, window])


def _bounded(low: float, high: float, *, low_open: bool = False) -> Any:
    lower = {"gt": low} if low_open else {"ge": low}
    return Annotated[float, Field(strict=True, le=high, allow_inf_nan=False, **lower)]


Hours = _bounded(0, MAX_HOURS)
Days = _bounded(0, MAX_DAYS)
Credits = _bounded(0, MAX_CREDITS)
Rate = _bounded(0, MAX_RATE, low_open=True)
Score = _bounded(0, 100)
Count = Annotated[int, Field(strict=True, ge=1, le=MAX_COUNT)]
Bool = Annotated[bool, Field(strict=True)]
RecordDate = Annotated[dt.date, _RecordDate()]
Ident = Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS)]
Code = Annotated[str, Field(max_length=MAX_ID_CHARS)]
Text = Annotated[str, Field(max_length=MAX_TEXT_CHARS)]


RECORD_CONFIG = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class BaseRecord(BaseModel):
    """Fields common to every record."""

    model_config = RECORD_CONFIG
    # The field holding the review state that decides whether the record counts.
    workflow_field: ClassVar[str] = "status"
    # Checks across fields, on the record's values as a mapping: the model and the facts
    # validator (:func:`_facts_type`) both run it.
    cross_check: ClassVar[Callable[[Mapping[str, Any]], None] | None] = None

    id: Ident
    kind: Code
    date: RecordDate
    level: Level | None = None
    status: Code = "certified"
    approved: Bool = True
    module: Module | None = None
    self_selected: Bool = False
    name: Text | None = None

    @property
    def workflow_status(self) -> str:
        """The review state that decides whether the record counts."""
        return getattr(self, self.workflow_field)

    @model_validator(mode="after")
    def _cross_check(self) -> BaseRecord:
        check = type(self).cross_check
        if check is not None:
            check(self.__dict__)
        return self


def _check_training(r: Mapping[str, Any]) -> None:
    if (r["hours"] is None) == (r["days"] is None):
        raise ValueError("give exactly one of hours or days")
    if r["score"] is not None and r["grade"] is not None:
        raise ValueError("give score or grade, not both")
    if r["school_based_category"] is not None and r["mode"] != "school_based":
        raise ValueError("school_based_category is only for mode school_based")


class Training(BaseRecord):
    """培训项目: a training in one of the three modes."""

    cross_check = staticmethod(_check_training)

    kind: Literal["training"]
    mode: Mode
    hours: Hours | None = None
    days: Days | None = None
    credit_per_hour: Rate | None = None
    score: Score | None = None
    grade: Grade | None = None
    attendance: Attendance = "full"
    school_based_category: Literal["activity", "outcome"] | None = None


def _check_new_teacher_training(r: Mapping[str, Any]) -> None:
    if r["practice_hours"] > r["hours"]:
        raise ValueError("practice_hours cannot exceed hours")


class NewTeacherTraining(BaseRecord):
    """新教师上岗培训: first-year induction."""

    cross_check = staticmethod(_check_new_teacher_training)

    kind: Literal["new_teacher_training"]
    hours: Hours
    practice_hours: Hours = 0.0


class Studio(BaseRecord):
    """工作室(坊) year: host, member or student of a studio that was evaluated."""

    kind: Literal["studio"]
    role: Literal["host", "member", "student"]
    grade: Grade


class Teaching(BaseRecord):
    """承担培训授课: hours taught in a training project."""

    kind: Literal["teaching"]
    hours: Hours


class Competition(BaseRecord):
    """教研活动/课堂教学比赛."""

    kind: Literal["competition"]
    award: Literal["first", "second", "third", "none"] = "none"


class ResearchProject(BaseRecord):
    """课题结题: a concluded research project."""

    kind: Literal["research_project"]
    role: Literal["host", "participant"]
    grade: Grade


class DegreeStudy(BaseRecord):
    """学历提高: one year of degree study on the institution's transcript."""

    kind: Literal["degree_study"]
    program: Ident
    hours: Hours | None = None


class ActivityAttendance(BaseRecord):
    """校本研修活动出勤: one teacher at one school-based session."""

    workflow_field = "review_status"

    kind: Literal["activity_attendance"]
    status: Literal["present", "leave", "absent", "makeup"]  # type: ignore[assignment]
    review_status: Code = "certified"
    activity: Ident
    hours: Hours | None = None


class LessonObservation(BaseRecord):
    """听课."""

    kind: Literal["lesson_observation"]
    count: Count = 1
    detail: Literal["detailed", "partial", "brief", "none"]


class Post(BaseRecord):
    """任职."""

    kind: Literal["post"]
    title: Literal[
        "academic_director",
        "research_director",
        "district_group_leader",
        "subject_group_leader",
        "lesson_group_leader",
    ]


class Mentoring(BaseRecord):
    """师徒结对 (as mentor)."""

    kind: Literal["mentoring"]


class MenteeHonor(BaseRecord):
    """徒弟获县级及以上荣誉或奖项."""

    kind: Literal["mentee_honor"]


class OpenClass(BaseRecord):
    """公开课/示范课/展示课."""

    kind: Literal["open_class"]


class ActivityRole(BaseRecord):
    """评课议课/磨课/主题发言/讲座."""

    kind: Literal["activity_role"]
    role: Literal["review", "polish", "keynote", "lecture"]


class ResourceShared(BaseRecord):
    """精品教案/学案/命题 共享或被采纳."""

    kind: Literal["resource_shared"]
    resource: Literal["lesson_plan", "study_plan", "exam"]


AWARD_GROUP_A = ("quality_lesson", "project", "course")
AWARD_GROUP_B = ("design", "paper", "case", "narrative", "courseware", "exam", "skills")


class Award(BaseRecord):
    """获奖. ``entry`` names the entered work; several levels of one entry count once."""

    kind: Literal["award"]
    category: Literal[
        "quality_lesson",
        "project",
        "course",
        "design",
        "paper",
        "case",
        "narrative",
        "courseware",
        "exam",
        "skills",
    ]
    rank: Literal["first", "second", "third"]
    entry: Ident | None = None

    @property
    def award_group(self) -> str:
        return award_group(self.category)


def award_group(category: str) -> str:
    """Group A (优质课、项目、课程) or B (the other categories) of an award."""
    return "A" if category in AWARD_GROUP_A else "B"


class Publication(BaseRecord):
    """论文发表."""

    kind: Literal["publication"]
    level: Literal["city", "province", "national"]  # type: ignore[assignment]


class Honor(BaseRecord):
    """荣誉称号."""

    kind: Literal["honor"]
    title: Ident


class ResearchOutput(BaseRecord):
    """教研成果 (not necessarily awarded)."""

    kind: Literal["research_output"]
    output: Literal["design", "courseware", "case", "paper", "course"]


def _check_reading(r: Mapping[str, Any]) -> None:
    if (r["hours"] is None) == (r["credits"] is None):
        raise ValueError("give exactly one of hours or credits")


class Reading(BaseRecord):
    """读书实践 (兰州): hours or credits; ``program`` tells reading practice from humanities."""

    cross_check = staticmethod(_check_reading)

    kind: Literal["reading"]
    hours: Hours | None = None
    credits: Credits | None = None
    program: Literal["practice", "humanities"] = "practice"


RECORD_MODELS: dict[str, type[BaseRecord]] = {
    "training": Training,
    "new_teacher_training": NewTeacherTraining,
    "studio": Studio,
    "teaching": Teaching,
    "competition": Competition,
    "research_project": ResearchProject,
    "degree_study": DegreeStudy,
    "activity_attendance": ActivityAttendance,
    "lesson_observation": LessonObservation,
    "post": Post,
    "mentoring": Mentoring,
    "mentee_honor": MenteeHonor,
    "open_class": OpenClass,
    "activity_role": ActivityRole,
    "resource_shared": ResourceShared,
    "award": Award,
    "publication": Publication,
    "honor": Honor,
    "research_output": ResearchOutput,
    "reading": Reading,
}

# Chinese labels of kinds, for explanations and pages.
KIND_LABELS: dict[str, str] = {
    "training": "培训项目",
    "new_teacher_training": "新教师上岗培训",
    "studio": "工作室(坊)",
    "teaching": "承担培训授课",
    "competition": "教研活动/课堂教学比赛",
    "research_project": "课题结题",
    "degree_study": "学历提高",
    "activity_attendance": "校本研修活动出勤",
    "lesson_observation": "听课",
    "post": "任职",
    "mentoring": "师徒结对",
    "mentee_honor": "徒弟获奖",
    "open_class": "公开课/示范课/展示课",
    "activity_role": "评课议课/磨课/主题发言/讲座",
    "resource_shared": "精品教案/学案/命题共享",
    "award": "获奖",
    "publication": "论文发表",
    "honor": "荣誉称号",
    "research_output": "教研成果",
    "reading": "读书实践",
}

_FIELD_TYPES: dict[str, Any] = {
    "string": Text,
    "number": _bounded(-MAX_EXTENSION_NUMBER, MAX_EXTENSION_NUMBER),
    "integer": Annotated[
        int, Field(strict=True, ge=-MAX_EXTENSION_NUMBER, le=MAX_EXTENSION_NUMBER)
    ],
    "boolean": Bool,
    "date": RecordDate,
}


def _extension_type(spec: Mapping[str, Any]) -> Any:
    if "values" in spec:
        return Literal[tuple(spec["values"])]  # type: ignore[misc]
    return _FIELD_TYPES[spec.get("type", "string")]


def _build_models(extensions: Mapping[str, Any] | None) -> dict[str, type[BaseRecord]]:
    """Record models extended with a policy's declared fields and kinds."""
    if not extensions:
        return RECORD_MODELS
    models = dict(RECORD_MODELS)
    for kind, fields in (extensions.get("fields") or {}).items():
        base = models[kind]
        extra = {
            name: (_extension_type(spec) | None, spec.get("default"))
            for name, spec in fields.items()
        }
        models[kind] = create_model(base.__name__, __base__=base, **extra)
    for kind, spec in (extensions.get("kinds") or {}).items():
        extra = {
            name: (
                _extension_type(f) if f.get("required") else _extension_type(f) | None,
                ... if f.get("required") else f.get("default"),
            )
            for name, f in (spec.get("fields") or {}).items()
        }
        models[kind] = create_model(
            "Custom_" + kind, __base__=BaseRecord, kind=(Literal[kind], ...), **extra
        )
    return models


def _facts_type(model: type[BaseRecord]) -> Any:
    """A ``TypedDict`` with the model's fields (same types, constraints, defaults and config)
    and its cross-field check: validating into it gives the facts dict directly."""
    fields = {name: Annotated[f.annotation, f] for name, f in model.model_fields.items()}
    typed = TypedDict(model.__name__ + "Facts", fields)  # type: ignore[operator]
    typed.__pydantic_config__ = RECORD_CONFIG  # type: ignore[attr-defined]
    check = model.cross_check
    if check is None:
        return typed

    def checked(facts: dict[str, Any]) -> dict[str, Any]:
        check(facts)
        return facts

    return Annotated[typed, AfterValidator(checked)]


class RecordParser:
    """Validates raw record mappings into record models for one vocabulary."""

    def __init__(self, models: Mapping[str, type[BaseRecord]]):
        self.models = dict(models)
        self._adapters = {kind: TypeAdapter(model) for kind, model in self.models.items()}
        # One validator for a whole list: the loop runs inside pydantic-core. On any error
        # the records are validated one by one again to word the error precisely.
        union = Union[tuple(self.models.values())]  # noqa: UP007 - built at run time
        self._list_adapter = TypeAdapter(list[Annotated[union, Field(discriminator="kind")]])
        # The same vocabulary validated into plain dicts (the engine's facts): no model
        # instance and no copy per record. Anything it refuses goes through the models.
        facts_union = Union[tuple(_facts_type(m) for m in self.models.values())]  # noqa: UP007
        self._facts_adapter = TypeAdapter(list[Annotated[facts_union, Field(discriminator="kind")]])
        self.workflow_fields = {kind: m.workflow_field for kind, m in self.models.items()}
        self._award_kinds = frozenset(k for k, m in self.models.items() if issubclass(m, Award))

    def parse(self, raw: Any, position: int | None = None) -> BaseRecord:
        """Validate one record; raise :class:`InputError` naming the record and field."""
        if not isinstance(raw, Mapping):
            where = f"#{position + 1}" if position is not None else None
            raise InputError(f"a record is a JSON object, got {type(raw).__name__}", record=where)
        label = record_label(raw.get("id"), position)
        kind = raw.get("kind")
        if kind is None:
            raise InputError(
                "missing (one of: " + ", ".join(self.models) + ")", record=label, field="kind"
            )
        adapter = self._adapters.get(kind) if isinstance(kind, str) else None
        if adapter is None:
            raise InputError(
                f"unknown kind {shown(kind)} (one of: " + ", ".join(self.models) + ")",
                record=label,
                field="kind",
            )
        try:
            return adapter.validate_python(raw)
        except ValidationError as exc:
            raise _input_error(exc, label, raw) from None

    def parse_many(self, raws: Iterable[Any]) -> list[BaseRecord]:
        """Validate a list of records, checking ids are unique."""
        if isinstance(raws, list):
            try:
                records = self._list_adapter.validate_python(raws)
            except ValidationError:
                pass  # reported below, record by record
            else:
                ids = {r.id for r in records}
                if len(ids) == len(records):
                    return records
        records = []
        seen: set[str] = set()
        for i, raw in enumerate(raws):
            rec = self.parse(raw, i)
            if rec.id in seen:
                raise InputError(f"duplicate id {rec.id!r}", record=rec.id, field="id")
            seen.add(rec.id)
            records.append(rec)
        return records

    def parse_facts(self, raws: list[Any]) -> list[dict[str, Any]]:
        """Validate a list of records like :meth:`parse_many`, returning each record's
        facts (:func:`record_facts`) instead of a model: new dicts the caller may change."""
        try:
            facts = self._facts_adapter.validate_python(raws)
        except ValidationError:
            # Word the error as the models do (or accept what only they accept).
            return [record_facts(r) for r in self.parse_many(raws)]
        if len({f["id"] for f in facts}) != len(facts):
            return [record_facts(r) for r in self.parse_many(raws)]
        if self._award_kinds:
            for f in facts:
                if f["kind"] in self._award_kinds:
                    _award_facts(f)
        return facts


def _input_error(exc: ValidationError, label: str, raw: Mapping[str, Any]) -> InputError:
    err = exc.errors(include_url=False)[0]
    loc = [str(p) for p in err["loc"] if not str(p).startswith("function-")]
    field = ".".join(loc) if loc else None
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if err["type"] == "extra_forbidden":
        msg = "unknown field (not in the record vocabulary, nor declared by the policy)"
    else:
        if field is not None and field in raw:
            msg = f"{msg} (got {shown(raw[field])})"
    return InputError(msg, record=label, field=field)


def shown(value: Any) -> str:
    """A value for an error message: short, one line, never a whole object or list."""
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return "a number of more than 30 digits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def record_label(rid: Any, position: int | None) -> str:
    """How an error names a record: its id when that is short text or a number, else its
    position in the teacher's list."""
    if isinstance(rid, str) and 0 < len(rid) <= MAX_ID_CHARS and rid.isprintable():
        return rid
    if isinstance(rid, int) and not isinstance(rid, bool) and abs(rid) < 10**30:
        return str(rid)
    return f"#{position + 1}" if position is not None else "?"


@lru_cache(maxsize=64)
def _parser_for(key: str | None, frozen_ext: Any) -> RecordParser:
    return RecordParser(_build_models(_thaw(frozen_ext)))


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in value):
        return {k: _thaw(v) for k, v in value}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


def record_parser(extensions: Mapping[str, Any] | None = None) -> RecordParser:
    """The parser for the base vocabulary, extended by a policy's declarations if given."""
    return _parser_for(None, _freeze(extensions) if extensions else None)


def record_facts(record: BaseRecord) -> dict[str, Any]:
    """A record's fields as a plain dict, for conditions."""
    facts = dict(record.__dict__)
    if isinstance(record, Award):
        _award_facts(facts)
    return facts


def _award_facts(facts: dict[str, Any]) -> None:
    """An award's derived facts: its group, and its entry (the record itself if not given)."""
    facts["award_group"] = award_group(facts["category"])
    facts.setdefault("entry", None)
    if facts["entry"] is None:
        facts["entry"] = facts["id"]
