"""Scoring a sheet's column with the engine: the round's sheet file, the school's (or
teacher's) records of the period, the inputs filled in automatically, and what the
evaluator entered.

Items the sheet computes from records (attendance rate, average hours, awards, roles …) are
scored by the engine from the teachers' records in the period — the same records, the same
rules for every column. Inputs the platform knows (平阳: the number of subject groups and the
themed activities each held, from the activity board; see :func:`auto_inputs`) are filled in
and shown with where they come from; the evaluator may not change them. What remains —
judgement items and counts only a person can give — is entered per column, within the
bounds the sheet file declares (the engine refuses anything outside them, naming the item).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from xuefen.catalog.models import Project
from xuefen.org.models import Teacher
from xuefen.policy import XuefenError
from xuefen.records.models import ProjectFacts, Record, engine_input

from .models import Round, Sheet

# Auto inputs by name: a function of the sheet → (value, where it comes from). Filled by
# the modules that know the facts (activities for 平阳's group activities); see
# :func:`register_auto_input`.
AutoInput = Callable[[Sheet], tuple[Any, str]]
_AUTO: dict[str, AutoInput] = {}


def register_auto_input(name: str, fn: AutoInput) -> None:
    """Declare that the platform fills the sheet input ``name`` (the evaluator does not)."""
    _AUTO[name] = fn


def load_round_sheet(rnd: Round) -> Any:
    """The engine's sheet object of the round (bundled or uploaded)."""
    from xuefen.policy.sheets import load_sheet, load_sheet_text

    if rnd.sheet_id:
        return load_sheet(rnd.sheet_id)
    return load_sheet_text(rnd.sheet_text, source=rnd.sheet_name or "uploaded")


def entry_inputs(sheet_file: Any) -> dict[str, Any]:
    """What an evaluator enters: every declared input and judgement item of the sheet file
    that the platform does not fill, by name, with its label and bounds."""
    fields: dict[str, Any] = {}
    for name, spec in getattr(sheet_file.spec, "inputs", {}).items():
        if name in _AUTO:
            continue
        fields[name] = {
            "label": spec.label,
            "type": spec.type,
            "min": getattr(spec, "min", None),
            "max": getattr(spec, "max", None),
            "required": getattr(spec, "required", True),
            "note": getattr(spec, "note", "") or "",
        }
    for name, item in getattr(sheet_file, "judgements", {}).items():
        fields[name] = {
            "label": item.label,
            "type": "number",
            "min": float(item.min),
            "max": float(item.max),
            "required": bool(item.required),
            "note": "",
        }
    return fields


def auto_inputs(sheet: Sheet, sheet_file: Any) -> dict[str, tuple[Any, str]]:
    """The inputs the platform fills for this sheet: name → (value, where from)."""
    wanted = set(getattr(sheet_file.spec, "inputs", {}))
    return {name: fn(sheet) for name, fn in _AUTO.items() if name in wanted}


def _teachers(sheet: Sheet) -> list[Teacher]:
    if sheet.teacher_id is not None:
        return [sheet.teacher]
    return list(Teacher.objects.filter(school=sheet.school, active=True).order_by("pk"))


def reads_records(sheet_file: Any) -> bool:
    """Whether scoring the sheet reads the teachers' records: a metric, an item other than
    a judgement, or a section zeroed by a record. A sheet of judgements only does not, and a
    school of 2,000 teachers is then scored without loading their records."""
    from xuefen.policy.sheet_schema import JudgementItem

    spec = sheet_file.spec
    return (
        bool(spec.metrics)
        or any(not isinstance(item, JudgementItem) for item in spec.all_items())
        or any(z.any_record is not None for sec in spec.sections for z in sec.zero_if)
    )


def teacher_inputs(sheet: Sheet) -> list[dict[str, Any]]:
    """Every teacher of the sheet with their records dated in the round's period, as the
    engine reads them (the sheet counts statuses by its own rules)."""
    rnd = sheet.round
    teachers = _teachers(sheet)
    ids = [t.pk for t in teachers]
    rows = list(
        Record.objects.filter(teacher_id__in=ids, date__gte=rnd.start, date__lte=rnd.end)
        .order_by("date", "pk")
        .values_list(
            "pk",
            "teacher_id",
            "kind",
            "date",
            "level",
            "fields",
            "status",
            "certified_input",
            "project_id",
        )
    )
    projects = {
        p.pk: ProjectFacts.of(p)
        for p in Project.objects.filter(
            pk__in={r[8] for r in rows if r[8] is not None and r[7] is None}
        ).select_related("institution")
    }
    by_teacher: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    for pk, tid, kind, date, level, fields, status, frozen, project_id in rows:
        by_teacher[tid].append(
            engine_input(
                pk=pk,
                kind=kind,
                date=date,
                level=level,
                fields=fields,
                status=status,
                certified_input=frozen,
                project=projects.get(project_id) if frozen is None else None,
            )
        )
    return [{"id": str(t.pk), "name": t.name, "records": by_teacher[t.pk]} for t in teachers]


def school_records(sheet: Sheet) -> list[dict[str, Any]]:
    """The school's own records as sheets read them: its honours awarded up to the end of
    the round's period (earlier ones of the same year too: a sheet takes the year's highest
    and nets out what an earlier semester's sheet already scored)."""
    from .models import SchoolHonor

    return [
        honor.engine_record()
        for honor in SchoolHonor.objects.filter(
            school_id=sheet.school_id, date__lte=sheet.round.end
        ).order_by("date", "pk")
    ]


def _check_auto(sheet_file: Any, auto: Mapping[str, tuple[Any, str]]) -> None:
    """What the platform filled in must suit the sheet (平阳: at least one subject group);
    else a message saying what the platform holds and what the sheet asks for."""
    problems = []
    for name, (value, where) in auto.items():
        spec = sheet_file.spec.inputs.get(name)
        if spec is None or not isinstance(value, int | float) or isinstance(value, bool):
            continue
        lo, hi = getattr(spec, "min", None), getattr(spec, "max", None)
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            bounds = f"{'' if lo is None else f'{lo:g}'}–{'' if hi is None else f'{hi:g}'}"
            problems.append(
                _(
                    "%(item)s: the platform holds %(value)s (%(where)s); the sheet asks for "
                    "%(bounds)s."
                )
                % {"item": spec.label, "value": f"{value:g}", "where": where, "bounds": bounds}
            )
    if problems:
        raise ValidationError({"values": problems})


def score(
    sheet: Sheet,
    column: str,
    values: Mapping[str, Any],
    *,
    sheet_file: Any = None,
    teachers: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The engine's scoring of ``column`` with ``values`` entered; a :class:`ValidationError`
    naming the item where a value is missing or outside its bounds."""
    sheet_file = sheet_file or load_round_sheet(sheet.round)
    auto = auto_inputs(sheet, sheet_file)
    _check_auto(sheet_file, auto)
    inputs = {name: value for name, (value, _where) in auto.items()}
    inputs.update({k: v for k, v in values.items() if k not in inputs and v not in (None, "")})
    data: dict[str, Any] = {"inputs": inputs, "column": column}
    if teachers is not None:
        people = teachers
    elif sheet.teacher_id is not None or reads_records(sheet_file):
        people = teacher_inputs(sheet)
    else:
        people = []  # judgement only (文成's example sheet): no record is read
    if sheet.teacher_id is not None:
        data["teacher"] = people[0]
    else:
        data["teachers"] = people
        data["school"] = {"id": str(sheet.school_id), "records": school_records(sheet)}
    rnd = sheet.round
    try:
        return sheet_file.score(data, period=(rnd.start, rnd.end))
    except XuefenError as exc:
        field = getattr(exc, "field", None) or "values"
        label = field.split(".")[-1]
        entries = entry_inputs(sheet_file)
        if label in entries:
            label = entries[label]["label"]
        message = getattr(exc, "message", None) or str(exc)
        raise ValidationError({"values": f"{label}：{message}"}) from None


def combined(rnd: Round, totals: Mapping[str, float], reviewer: str) -> tuple[float, str]:
    """The final score from the columns' totals by the round's rule, with how."""
    from .choices import Combine

    if rnd.combine == Combine.MEAN:
        values = [v for v in totals.values() if v is not None]
        mean = sum(values) / len(values)
        parts = "、".join(f"{k} {v:g}" for k, v in totals.items())
        return round(mean, 2), f"各栏平均（{parts}）"
    if rnd.combine == Combine.WEIGHTED:
        weights = {k: float(w) for k, w in (rnd.weights or {}).items() if k in totals}
        weight_sum = sum(weights.values()) or 1.0
        value = sum(totals[k] * w for k, w in weights.items()) / weight_sum
        parts = " + ".join(f"{totals[k]:g}×{w:g}" for k, w in weights.items())
        return round(value, 2), f"加权（{parts}）÷ {weight_sum:g}"
    return round(float(totals[reviewer]), 2), "以现场考评为准"


def period_of(day: dt.date, rnd: Round) -> bool:
    return rnd.start <= day <= rnd.end
