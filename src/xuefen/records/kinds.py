"""What a teacher (or the school) fills in for each record kind, declared in one place.

Each kind's form is derived from the engine's own record model
(:data:`xuefen.policy.records.RECORD_MODELS`): which fields exist, their type, their
allowed values, their bounds and whether they are required come from the pydantic field
information, so records.md keeps one definition. What the engine does not know — the
Chinese label of a field and of each value, a help text, which optional common fields a
kind offers — is in the tables below.

:func:`record_display` turns a stored record's fields into (label, value) pairs in
Chinese for the record pages.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from xuefen.catalog.choices import Level, Mode, Module

# Kinds a teacher declares. ``activity_attendance`` is generated from the school's
# attendance sheets, never declared.
DECLARABLE_KINDS: tuple[str, ...] = (
    "training",
    "new_teacher_training",
    "studio",
    "teaching",
    "competition",
    "research_project",
    "degree_study",
    "lesson_observation",
    "post",
    "mentoring",
    "mentee_honor",
    "open_class",
    "activity_role",
    "resource_shared",
    "award",
    "publication",
    "honor",
    "research_output",
    "reading",
)

# Engine fields that are never typed in: the id and the workflow are the platform's, the
# date and level are columns of the Record, ``approved`` comes from the project.
_NOT_FORM_FIELDS = frozenset({"id", "kind", "date", "level", "status", "review_status", "approved"})

# Optional fields the engine accepts on every kind, offered only where they mean something:
# the special recognitions of 普洱 第十三条 count as (self-selected) training of a module.
_MODULE_KINDS = frozenset(
    {"training", "studio", "teaching", "competition", "research_project", "degree_study"}
)
# Kinds whose level (级别) matters to the rules; on the others it is not asked.
_LEVEL_KINDS = frozenset(
    {
        "training",
        "studio",
        "teaching",
        "competition",
        "research_project",
        "award",
        "publication",
        "honor",
        "open_class",
        "mentee_honor",
    }
)
# Kinds whose level the rules need (a studio's, a project's level sets its coefficient).
_LEVEL_REQUIRED = frozenset(
    {"studio", "teaching", "competition", "research_project", "publication"}
)

FIELD_LABELS: dict[str, Any] = {
    "name": pgettext_lazy("record", "Name"),
    "mode": pgettext_lazy("record", "Training mode"),
    "module": pgettext_lazy("record", "Module"),
    "self_selected": pgettext_lazy("record", "Self-selected"),
    "hours": pgettext_lazy("record", "Hours"),
    "days": pgettext_lazy("record", "Days"),
    "credit_per_hour": pgettext_lazy("record", "Credits per hour"),
    "score": pgettext_lazy("record", "Score"),
    "grade": pgettext_lazy("record", "Grade"),
    "attendance": pgettext_lazy("record", "Attendance"),
    "school_based_category": pgettext_lazy("record", "School-based category"),
    "practice_hours": pgettext_lazy("record", "Practical hours"),
    "role": pgettext_lazy("record", "Role"),
    "award": pgettext_lazy("record", "Award"),
    "program": pgettext_lazy("record", "Programme"),
    "activity": pgettext_lazy("record", "Activity"),
    "count": pgettext_lazy("record", "Lessons observed"),
    "detail": pgettext_lazy("record", "Notes taken"),
    "title": pgettext_lazy("record", "Title"),
    "resource": pgettext_lazy("record", "Resource"),
    "category": pgettext_lazy("record", "Category"),
    "rank": pgettext_lazy("record", "Prize"),
    "entry": pgettext_lazy("record", "Entry"),
    "output": pgettext_lazy("record", "Output"),
    "credits": pgettext_lazy("record", "Credits"),
    "level": pgettext_lazy("record", "Level"),
}

# Labels that differ by kind: (kind, field) → label.
KIND_FIELD_LABELS: dict[tuple[str, str], Any] = {
    ("studio", "grade"): pgettext_lazy("record", "Studio's yearly evaluation"),
    ("research_project", "grade"): pgettext_lazy("record", "Project's grade at conclusion"),
    ("studio", "level"): pgettext_lazy("record", "Studio level"),
    ("research_project", "level"): pgettext_lazy("record", "Project level"),
    ("teaching", "hours"): pgettext_lazy("record", "Hours taught"),
    ("post", "title"): pgettext_lazy("record", "Post"),
    ("honor", "title"): pgettext_lazy("record", "Honour"),
    ("degree_study", "program"): pgettext_lazy("record", "Degree programme"),
    ("reading", "program"): pgettext_lazy("record", "Programme"),
    ("competition", "award"): pgettext_lazy("record", "Award"),
}

_GRADES = {
    "excellent": pgettext_lazy("record", "Excellent"),
    "good": pgettext_lazy("record", "Good"),
    "medium": pgettext_lazy("record", "Fair"),
    "pass": pgettext_lazy("record", "Pass"),
    "fail": pgettext_lazy("record", "Fail"),
}
_RANKS = {
    "first": pgettext_lazy("record", "First prize"),
    "second": pgettext_lazy("record", "Second prize"),
    "third": pgettext_lazy("record", "Third prize"),
    "none": pgettext_lazy("record", "No prize"),
}

VALUE_LABELS: dict[str, dict[str, Any]] = {
    "level": dict(Level.choices),
    "mode": dict(Mode.choices),
    "module": dict(Module.choices),
    "grade": _GRADES,
    "attendance": {
        "full": pgettext_lazy("record", "Attended in full"),
        "partial_leave": pgettext_lazy("record", "Partly on leave"),
        "platform_leave": pgettext_lazy("record", "Leave on the platform"),
        "absent_without_leave": pgettext_lazy("record", "Absent without leave"),
    },
    "school_based_category": {
        "activity": pgettext_lazy("record", "Study activity"),
        "outcome": pgettext_lazy("record", "Study outcome"),
    },
    "award": _RANKS,
    "rank": _RANKS,
    "detail": {
        "detailed": pgettext_lazy("record", "Detailed"),
        "partial": pgettext_lazy("record", "Partly detailed"),
        "brief": pgettext_lazy("record", "Brief"),
        "none": pgettext_lazy("record", "None"),
    },
    "resource": {
        "lesson_plan": pgettext_lazy("record", "Lesson plan"),
        "study_plan": pgettext_lazy("record", "Study plan"),
        "exam": pgettext_lazy("record", "Exam paper"),
    },
    "category": {
        "quality_lesson": pgettext_lazy("record", "Quality lesson"),
        "project": pgettext_lazy("record", "Project"),
        "course": pgettext_lazy("record", "Course"),
        "design": pgettext_lazy("record", "Teaching design"),
        "paper": pgettext_lazy("record", "Paper"),
        "case": pgettext_lazy("record", "Teaching case"),
        "narrative": pgettext_lazy("record", "Education narrative"),
        "courseware": pgettext_lazy("record", "Courseware"),
        "exam": pgettext_lazy("record", "Exam paper"),
        "skills": pgettext_lazy("record", "Teaching skills"),
    },
    "output": {
        "design": pgettext_lazy("record", "Teaching design"),
        "courseware": pgettext_lazy("record", "Courseware"),
        "case": pgettext_lazy("record", "Teaching case"),
        "paper": pgettext_lazy("record", "Paper"),
        "course": pgettext_lazy("record", "Quality course"),
    },
}

# Values that differ by kind: (kind, field) → {value: label}.
KIND_VALUE_LABELS: dict[tuple[str, str], dict[str, Any]] = {
    ("studio", "role"): {
        "host": pgettext_lazy("record", "Host"),
        "member": pgettext_lazy("record", "Member"),
        "student": pgettext_lazy("record", "Student"),
    },
    ("research_project", "role"): {
        "host": pgettext_lazy("record", "Principal investigator"),
        "participant": pgettext_lazy("record", "Participant"),
    },
    ("activity_role", "role"): {
        "review": pgettext_lazy("record", "Lesson review"),
        "polish": pgettext_lazy("record", "Lesson polishing"),
        "keynote": pgettext_lazy("record", "Keynote"),
        "lecture": pgettext_lazy("record", "Lecture"),
    },
    ("post", "title"): {
        "academic_director": pgettext_lazy("record", "Director of academic affairs"),
        "research_director": pgettext_lazy("record", "Director of teaching research"),
        "district_group_leader": pgettext_lazy("record", "District group leader"),
        "subject_group_leader": pgettext_lazy("record", "Subject group leader"),
        "lesson_group_leader": pgettext_lazy("record", "Lesson-preparation group leader"),
    },
    ("reading", "program"): {
        "practice": pgettext_lazy("record", "Reading practice"),
        "humanities": pgettext_lazy("record", "Humanities programme"),
    },
}

HELP_TEXTS: dict[tuple[str, str], Any] = {
    ("training", "hours"): _("Give hours or days, not both (one day of short training is 6 h)."),
    ("training", "days"): _("Only for short centralized training; leave hours empty then."),
    ("training", "credit_per_hour"): _("As the project states; empty: the policy's default."),
    ("training", "score"): _("0–100; give a score or a grade, not both."),
    ("training", "grade"): _("Give a score or a grade, not both."),
    ("training", "school_based_category"): _("Only for school-based training."),
    ("new_teacher_training", "practice_hours"): _("Part of the hours above."),
    ("award", "entry"): _(
        "The same work awarded at several levels counts once: give the same entry name."
    ),
    ("reading", "hours"): _("Give hours or credits, not both."),
    ("reading", "credits"): _("Give hours or credits, not both."),
    ("degree_study", "program"): _("School and programme, e.g. 云南师范大学 教育硕士."),
}

# For ``training`` with a project, these come from the project when left empty.
PROJECT_FIELDS = frozenset(
    {"mode", "module", "hours", "days", "credit_per_hour", "name", "self_selected", "level"}
)


@dataclass(frozen=True)
class FieldSpec:
    """One form field of a kind.

    ``widget`` is one of ``choice``, ``number``, ``integer``, ``boolean``, ``text``;
    ``choices`` are (value, label) pairs; ``minimum``/``maximum`` and ``minimum_open``
    the engine's bounds for numbers.
    """

    name: str
    label: Any
    widget: str
    required: bool
    choices: tuple[tuple[str, Any], ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    minimum_open: bool = False
    max_length: int | None = None
    default: Any = None
    help_text: Any = ""


@dataclass(frozen=True)
class KindSpec:
    """A declarable kind: its label and its fields in form order."""

    kind: str
    label: str
    fields: tuple[FieldSpec, ...]
    has_level: bool
    level_required: bool
    level_choices: tuple[str, ...]
    has_project: bool


def field_label(kind: str, name: str) -> Any:
    """The Chinese label of a field of ``kind`` (the field's name if unknown)."""
    return KIND_FIELD_LABELS.get((kind, name)) or FIELD_LABELS.get(name) or name


def value_labels(kind: str, name: str) -> dict[str, Any]:
    """``{value: label}`` of a field of ``kind`` that has fixed values."""
    return KIND_VALUE_LABELS.get((kind, name)) or VALUE_LABELS.get(name, {})


def _literal_values(annotation: Any) -> tuple[str, ...] | None:
    """The values of ``Literal[...]`` (or ``Literal[...] | None``), else None."""
    if typing.get_origin(annotation) is Literal:
        return tuple(typing.get_args(annotation))
    for arg in typing.get_args(annotation):
        values = _literal_values(arg)
        if values is not None:
            return values
    return None


def _base_type(annotation: Any) -> Any:
    """``float`` for ``Annotated[float, ...] | None`` and the like."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _base_type(typing.get_args(annotation)[0])
    if origin is not None:
        for arg in typing.get_args(annotation):
            if arg is not type(None):
                return _base_type(arg)
    return annotation


def _bounds(field: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    metadata = list(field.metadata)
    annotation = field.annotation
    # Optional numbers keep their constraints inside the union's Annotated member.
    for arg in [annotation, *typing.get_args(annotation)]:
        if typing.get_origin(arg) is typing.Annotated:
            for meta in typing.get_args(arg)[1:]:
                metadata.extend(getattr(meta, "metadata", []) or [meta])
    for meta in metadata:
        for attr, key in (("ge", "minimum"), ("gt", "minimum"), ("le", "maximum")):
            value = getattr(meta, attr, None)
            if value is not None:
                found[key] = value
                if attr == "gt":
                    found["minimum_open"] = True
        if getattr(meta, "max_length", None) is not None:
            found["max_length"] = meta.max_length
    return found


def _field_spec(kind: str, name: str, field: Any) -> FieldSpec:
    values = _literal_values(field.annotation)
    base = _base_type(field.annotation)
    labels = value_labels(kind, name)
    default = None if field.is_required() else field.default
    common = {
        "name": name,
        "label": field_label(kind, name),
        "required": field.is_required(),
        "default": default,
        "help_text": HELP_TEXTS.get((kind, name), ""),
    }
    if values is not None:
        choices = tuple((v, labels.get(v, v)) for v in values)
        return FieldSpec(widget="choice", choices=choices, **common)
    bounds = _bounds(field)
    if base is bool:
        return FieldSpec(widget="boolean", **common)
    if base is int:
        return FieldSpec(widget="integer", **common, **bounds)
    if base is float:
        return FieldSpec(widget="number", **common, **bounds)
    return FieldSpec(widget="text", **common, **bounds)


@cache
def kind_spec(kind: str) -> KindSpec:
    """The form of a declarable kind, derived from the engine's record model."""
    from xuefen.policy import KIND_LABELS
    from xuefen.policy.records import LEVELS, RECORD_MODELS

    if kind not in DECLARABLE_KINDS:
        raise KeyError(kind)
    model = RECORD_MODELS[kind]
    own = [n for n in model.model_fields if n not in _NOT_FORM_FIELDS and n not in _COMMON]
    names = ["name", *own]
    if kind in _MODULE_KINDS:
        names += [n for n in ("module", "self_selected") if n not in names]
    fields = tuple(_field_spec(kind, n, model.model_fields[n]) for n in names)
    level_values = _literal_values(model.model_fields["level"].annotation) or LEVELS
    return KindSpec(
        kind=kind,
        label=KIND_LABELS[kind],
        fields=fields,
        has_level=kind in _LEVEL_KINDS,
        level_required=kind in _LEVEL_REQUIRED or model.model_fields["level"].is_required(),
        level_choices=tuple(level_values),
        has_project=kind == "training",
    )


# Fields of the base record offered only where a kind asks for them (above).
_COMMON = frozenset({"module", "self_selected", "name"})


def kind_choices() -> list[tuple[str, str]]:
    """(kind, Chinese label) of every declarable kind, in declaring order."""
    return [(k, kind_spec(k).label) for k in DECLARABLE_KINDS]


# -- showing a record ----------------------------------------------------------------


def display_value(kind: str, name: str, value: Any) -> str:
    """A field's value in Chinese: a choice's label, 是/否, a number without ``.0``."""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        label = value_labels(kind, name).get(value)
        if label is not None:
            return str(label)
    return str(value)


def record_display(record: Any) -> list[tuple[str, str]]:
    """A record's fields as (Chinese label, Chinese value) pairs, in the kind's form
    order, then any field a policy declared (under its own name)."""
    fields = record.fields if isinstance(record.fields, dict) else {}
    order: list[str] = []
    if record.kind in DECLARABLE_KINDS:
        order = [f.name for f in kind_spec(record.kind).fields]
    names = [n for n in order if n in fields] + sorted(n for n in fields if n not in order)
    return [
        (str(field_label(record.kind, n)), display_value(record.kind, n, fields[n]))
        for n in names
        if fields[n] is not None and fields[n] != ""
    ]


# -- the engine's messages in Chinese --------------------------------------------------

_MESSAGES: tuple[tuple[re.Pattern[str], Any], ...] = tuple(
    (re.compile(p), m)
    for p, m in (
        (r"^give exactly one of hours or days", _("Give the hours or the days (one of them).")),
        (r"^give score or grade, not both", _("Give a score or a grade, not both.")),
        (
            r"^school_based_category is only for mode school_based",
            _("The school-based category is only for school-based training."),
        ),
        (r"^practice_hours cannot exceed hours", _("Practical hours cannot exceed the hours.")),
        (
            r"^give exactly one of hours or credits",
            _("Give the hours or the credits (one of them)."),
        ),
        (r"^Field required|^missing", _("This field is required.")),
        (
            r"^Input should be greater than or equal to (?P<n>[-\d.]+)",
            _("Must be at least %(n)s."),
        ),
        (r"^Input should be greater than (?P<n>[-\d.]+)", _("Must be more than %(n)s.")),
        (r"^Input should be less than or equal to (?P<n>[-\d.]+)", _("Must be at most %(n)s.")),
        (r"^Input should be ", _("This value is not allowed.")),
        (
            r"^(?P<v>[-\d.]+) is outside (?P<lo>[-\d.]+)–(?P<hi>[-\d.]+) allowed"
            r"(?: for (?P<k>\w+))? by policy (?P<p>[\w-]+)",
            _("%(v)s is outside %(lo)s–%(hi)s, the range the policy %(p)s allows."),
        ),
        (
            r"^(?P<what>.+) is required by policy (?P<p>[\w-]+)",
            _("The policy %(p)s requires this field."),
        ),
        (r"^unknown field", _("This field is not in the record vocabulary.")),
    )
)


def engine_message(message: str) -> str:
    """An engine (pydantic) message about a record field in the user's language; any
    other message (the services' own are translated already) is returned as it is."""
    for pattern, text in _MESSAGES:
        hit = pattern.search(message)
        if hit:
            return str(text) % hit.groupdict() if "%(" in str(text) else str(text)
    return message
