"""Assessment sheets (考核量化表): a sheet file + records and inputs → scores with explanations.

A sheet is compiled once from its file (:mod:`.sheet_schema`); each item becomes an object of
the class its ``type`` names in :data:`ITEM_CLASSES`. Scoring is a pure function of the input
JSON (``records.md``: ``xuefen sheet score``)::

    sheet = load_sheet("pingyang-teacher")
    sheet.score({"teachers": [{"id": "T1", "records": [...]}], "inputs": {}})

Records count when their workflow status is one the sheet counts (by default ``certified``;
for ``activity_attendance`` the ``review_status``) and, given a period, when dated within it
(both ends included). Every item explains its points, e.g. ``10 − 2 × 1 次缺勤 = 8``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .conditions import compile_condition, condition_fields
from .errors import InputError, PolicyFileError, UnknownPolicyError
from .loader import _read_yaml, bundled_ids, bundled_text, read_text_file, validation_message
from .records import (
    MAX_ID_CHARS,
    MAX_INPUT_NUMBER,
    RECORD_MODELS,
    record_facts,
    record_label,
    record_parser,
    shown,
)
from .rules import fmt
from .sheet_schema import (
    AllMetItem,
    BandsItem,
    Computed,
    CountUnits,
    DeductionItem,
    InputRef,
    InputUnits,
    JudgementItem,
    MetricRef,
    MissedSessionUnits,
    RecordsItem,
    SheetFile,
    ShortfallUnits,
    TallyItem,
)

SHEETS = "sheets"
DERIVED_FIELDS = frozenset({"award_group", "year", "teacher", "kind", "review_status"})
INPUT_KEYS = frozenset({"teachers", "teacher", "school", "inputs", "column"})

Facts = dict[str, Any]


def r2(x: float) -> float:
    """Round to 2 decimals for output, folding -0.0 into 0.0."""
    v = round(x + 0.0, 2)
    return 0.0 if v == 0 else v


def _known_fields() -> frozenset[str]:
    names: set[str] = set(DERIVED_FIELDS)
    for model in RECORD_MODELS.values():
        names |= set(model.model_fields)
    return frozenset(names)


KNOWN_FIELDS = _known_fields()


def _check_fields(names: set[str] | list[str], where: str) -> None:
    unknown = sorted(set(names) - KNOWN_FIELDS)
    if unknown:
        raise PolicyFileError(
            f"unknown record field(s) {unknown} (not in the record vocabulary)", location=where
        )


def _condition(spec: Mapping[str, Any] | None, where: str):
    pred = compile_condition(spec, where)
    _check_fields(condition_fields(spec), where)
    return pred


def _signed(x: float) -> str:
    """A number rounded to 2 decimals, with a real minus sign."""
    return fmt(round(x, 2)).replace("-", "−")


def _equals(parts: list[str], value: float) -> str:
    """``a + b = c`` (no space before ``=`` after a closing full-width bracket)."""
    text = " + ".join(parts)
    if len(parts) == 1 and text == _signed(value):
        return text
    return text + ("= " if text.endswith("）") else " = ") + _signed(value)


# -- scoring context -------------------------------------------------------------------


def span_years(start: dt.date, end: dt.date) -> float:
    """The length of ``start``..``end`` (both included) in years, to the nearest half year
    and at least 0.5: what 年均 (``per_year`` metrics) divides by. A semester of 5 or 7
    months is 0.5, a school year 1, a five-year cycle 5; 0.5 up to 273 days."""
    days = (end - start).days + 1
    return max(0.5, round(days / 182.625) / 2)


@dataclass
class Teacher:
    id: str
    raw: Mapping[str, Any]
    facts: list[Facts]
    earlier: list[Facts] = field(default_factory=list)  # counted, dated before the period


@dataclass
class Context:
    """Everything one scoring run reads: validated inputs and the counted records."""

    sheet: Sheet
    column: str
    period: tuple[dt.date, dt.date] | None
    inputs: dict[str, Any]
    teachers: list[Teacher]
    school_facts: list[Facts]
    metrics: dict[str, tuple[float | None, str]] = field(default_factory=dict)
    school_earlier: list[Facts] = field(default_factory=list)

    def pool(self, source: str) -> list[Facts]:
        """Records an item reads: the teacher's, all teachers', or the school's own."""
        if source == "school":
            return self.school_facts
        return [f for t in self.teachers for f in t.facts]

    def earlier(self, source: str) -> list[Facts]:
        """The same, dated before the period (empty without a period): what earlier
        sheets of the same group (the same year) have already scored."""
        if source == "school":
            return self.school_earlier
        return [f for t in self.teachers for f in t.earlier]

    def value(self, ref: InputRef | MetricRef) -> tuple[float | None, str]:
        """A number and how to say it: an input or a metric."""
        if isinstance(ref, InputRef):
            v = self.inputs[ref.input]
            label = self.sheet.input_label(ref.input)
            return float(v), f"{label} {fmt(v)}"
        return self.sheet.metric(ref.metric, self)

    def quantity(self, q: float | InputRef) -> tuple[float, str]:
        if isinstance(q, InputRef):
            v = float(self.inputs[q.input])
            return v, fmt(v)
        return float(q), fmt(q)

    def years(self) -> float:
        """The span assessed, in years, for 年均 (``per_year`` metrics): the period's length
        to the nearest half year (at least 0.5); without a period 0.5 when the sheet's
        ``half_year_input`` is true, else 1. A half-year input contradicting the period is
        an input error."""
        name = self.sheet.spec.half_year_input
        half = bool(name and self.inputs.get(name))
        if self.period is None:
            return 0.5 if half else 1.0
        years = span_years(*self.period)
        if half and years != 0.5:
            raise InputError(
                f"true, but the period {self.period[0]}:{self.period[1]} is about "
                f"{fmt(years)} years, not half a year",
                field=f"inputs.{name}",
            )
        return years

    def year_of(self, day: dt.date) -> int:
        """The year of the span ``day`` falls in (0 for the first; 0 without a period)."""
        if self.period is None:
            return 0
        start = self.period[0]
        return (day.year - start.year) - ((day.month, day.day) < (start.month, start.day))

    def scale(self, scale: Any) -> tuple[float, str]:
        if scale is not None and self.inputs.get(scale.input):
            return scale.factor, f"（{scale.label}：标准 × {fmt(scale.factor)}）"
        return 1.0, ""


# -- items -----------------------------------------------------------------------------


class RecordsRule:
    """Points per record from the first matching case; summed or highest; capped."""

    def __init__(self, spec: RecordsItem, where: str):
        self.spec = spec
        self.when = _condition(spec.when, f"{where}.when")
        self.cases = [
            (_condition(c.when, f"{where}.cases[{i}].when"), c) for i, c in enumerate(spec.cases)
        ]
        _check_fields(spec.group_by, f"{where}.group_by")
        if spec.multiply_by:
            _check_fields([spec.multiply_by], f"{where}.multiply_by")

    def _case(self, facts: Facts):
        return next((c for pred, c in self.cases if pred(facts)), None)

    def _units(self, facts: Facts) -> float:
        if self.spec.multiply_by is None:
            return 1.0
        return float(facts.get(self.spec.multiply_by) or 1)

    def score(self, ctx: Context) -> tuple[float, str]:
        s = self.spec
        matched = sorted(
            (f for f in ctx.pool(s.source) if self.when(f)),
            key=lambda f: (f["date"], str(f.get("teacher")), f["id"]),
        )
        if not matched:
            return 0.0, "无相关记录，0"
        if s.combine == "highest":
            total, text = self._highest(matched, ctx)
        else:
            total, text = self._sum(matched)
        return self._cap(total, text)

    def _cap(self, total: float, text: str) -> tuple[float, str]:
        if self.spec.max is not None and total > self.spec.max:
            return self.spec.max, f"{text}，最高 {fmt(self.spec.max)}"
        return total, text

    def _sum(self, matched: list[Facts]) -> tuple[float, str]:
        unit = self.spec.unit
        by_case: dict[int, list[float]] = {}
        order: list[Any] = []
        skipped = 0.0
        for f in matched:
            case = self._case(f)
            if case is None:
                skipped += self._units(f)
                continue
            key = id(case)
            if key not in by_case:
                by_case[key] = [0.0, case.points]
                order.append(case)
            by_case[key][0] += self._units(f)
        parts, total = [], 0.0
        for case in order:
            units, points = by_case[id(case)]
            total += units * points
            parts.append(f"{fmt(units)} {unit} × {_signed(points)}（{case.label}）")
        text = _equals(parts, total) if parts else "0"
        if skipped:
            text += f"；另 {fmt(skipped)} {unit}无适用标准，不计分"
        return total, text

    def _best(self, group: list[Facts]) -> tuple[float, str, str]:
        scored = []
        for f in group:
            case = self._case(f)
            if case is not None:
                scored.append((case.points * self._units(f), case.label))
        if not scored:
            return 0.0, "无适用标准，0", ""
        best = max(scored, key=lambda p: p[0])
        listed = "、".join(f"{_signed(p)}（{label}）" for p, label in scored)
        if len(scored) == 1:
            return best[0], listed, best[1]
        return best[0], f"{listed}，取最高 {_signed(best[0])}", best[1]

    def _highest(self, matched: list[Facts], ctx: Context) -> tuple[float, str]:
        s = self.spec
        if not s.group_by:
            best, text, _ = self._best(matched)
            return best, text
        groups: dict[tuple, list[Facts]] = {}
        for f in matched:
            groups.setdefault(tuple(f.get(g) for g in s.group_by), []).append(f)
        before: dict[tuple, list[Facts]] = {}
        if s.net_of_earlier_periods:
            for f in ctx.earlier(s.source):
                key = tuple(f.get(g) for g in s.group_by)
                if key in groups and self.when(f):
                    before.setdefault(key, []).append(f)
        parts, total = [], 0.0
        for key, group in groups.items():
            best, text, _ = self._best(group)
            if key in before:
                # the group's highest so far, less what earlier periods already scored
                done, done_text, _ = self._best(before[key])
                if done:
                    best_now = max(0.0, best - done)
                    text += (
                        f"；此前已计 {done_text}，"
                        f"本期计 {_signed(best)} − {_signed(done)} = {_signed(best_now)}"
                    )
                    best = best_now
            name = "/".join(str(k) for k in key)
            label = (s.group_label or "{}").replace("{}", name)
            parts.append(f"{label}：{text}")
            total += best
        text = "；".join(parts)
        if len(groups) > 1:
            text += f"；合计 {_signed(total)}"
        return total, text


class DeductionRule:
    """``start − per_unit × units``, floored (扣完为止)."""

    def __init__(self, spec: DeductionItem, where: str):
        self.spec = spec
        units = spec.units
        self.when = None
        if isinstance(units, CountUnits | MissedSessionUnits):
            self.when = _condition(units.when, f"{where}.units.when")
        if isinstance(units, CountUnits) and units.multiply_by:
            _check_fields([units.multiply_by], f"{where}.units.multiply_by")

    def _per_unit(self, ctx: Context) -> tuple[float, str]:
        p = self.spec.per_unit
        if not isinstance(p, Computed):
            return float(p), fmt(p)
        value, text = ctx.quantity(p.value)
        for q in p.times:
            v, t = ctx.quantity(q)
            value *= v
            text += f" × {t}"
        if p.divide_by:
            div, dtexts = 1.0, []
            for q in p.divide_by:
                v, t = ctx.quantity(q)
                div *= v
                dtexts.append(t)
            if div == 0:
                names = [q.input for q in p.divide_by if isinstance(q, InputRef)]
                raise InputError("must not be 0 (it divides)", field=f"inputs.{names[0]}")
            value /= div
            inner = " × ".join(dtexts)
            text += f" / ({inner})" if len(dtexts) > 1 else f" / {inner}"
        return value, text

    def _units(self, ctx: Context) -> tuple[float, str]:
        u = self.spec.units
        if isinstance(u, CountUnits):
            n = 0.0
            for f in ctx.pool("teachers"):
                if self.when(f):
                    n += float(f.get(u.multiply_by) or 1) if u.multiply_by else 1.0
            return n, ""
        if isinstance(u, MissedSessionUnits):
            n = 0
            for t in ctx.teachers:
                n += len(_missed_sessions([f for f in t.facts if self.when(f)])[1])
            return float(n), ""
        if isinstance(u, InputUnits):
            values = [float(ctx.inputs[name]) for name in u.inputs]
            if len(values) == 1:
                return values[0], ""
            detail = " + ".join(
                f"{fmt(v)}（{ctx.sheet.input_label(n)}）"
                for n, v in zip(u.inputs, values, strict=True)
            )
            return sum(values), f"（{detail}）"
        return _shortfall(u, ctx)

    def score(self, ctx: Context) -> tuple[float, str]:
        s = self.spec
        per, per_text = self._per_unit(ctx)
        units, detail = self._units(ctx)
        raw = s.start - per * units
        if units == 0:
            text = f"{fmt(s.start)} − 0 {s.unit} = {fmt(s.start)}"
        else:
            if isinstance(s.per_unit, Computed):
                per_text = f"{per_text}（= {_signed(per)}）"
            times = "× " if per_text.endswith("）") else " × "
            left = f"{fmt(s.start)} − {per_text}{times}{fmt(units)} {s.unit}{detail}"
            text = left + ("= " if left.endswith("）") else " = ") + _signed(raw)
        if s.floor is not None and raw < s.floor:
            return float(s.floor), f"{text}，扣完为止 = {fmt(s.floor)}"
        return raw, text


def _shortfall(u: ShortfallUnits, ctx: Context) -> tuple[float, str]:
    people = ctx.inputs[u.input]
    total, parts = 0.0, []
    for i, person in enumerate(people):
        where = f"inputs.{u.input}[{i}]"
        if not isinstance(person, Mapping):
            raise InputError("must be a JSON object", field=where)
        key = person.get(u.by)
        if not isinstance(key, str) or key not in u.required:
            raise InputError(
                f"unknown {u.by} {shown(key)} (one of: {', '.join(u.required)})",
                field=f"{where}.{u.by}",
            )
        done = person.get(u.field)
        if (
            isinstance(done, bool)
            or not isinstance(done, int | float)
            or not 0 <= done <= MAX_INPUT_NUMBER  # also refuses NaN
        ):
            raise InputError(
                f"must be a number from 0 to {MAX_INPUT_NUMBER:,} (got {shown(done)})",
                field=f"{where}.{u.field}",
            )
        short = max(0.0, u.required[key] - float(done))
        if short:
            who = record_label(person.get("name") or person.get("id"), i)
            role = u.labels.get(key, key)
            parts.append(f"{who}（{role}）{fmt(done)}/{fmt(u.required[key])} 少 {fmt(short)}")
            total += short
    return total, f"（{'；'.join(parts)}）" if parts else ""


class JudgementRule:
    """A score entered by a person, within ``min``–``max``."""

    def __init__(self, spec: JudgementItem, where: str):
        self.spec = spec

    def score(self, ctx: Context) -> tuple[float, str]:
        s = self.spec
        v = float(ctx.inputs[s.input_name])
        return v, f"评定 {fmt(v)} 分（{fmt(s.min)}–{fmt(s.max)}）"


class BandsRule:
    """A number mapped through bands (highest ``min`` first)."""

    def __init__(self, spec: BandsItem, where: str):
        self.spec = spec

    def score(self, ctx: Context) -> tuple[float, str]:
        s = self.spec
        value, text = ctx.value(s.value)
        factor, note = ctx.scale(s.scale)
        if value is not None:
            for band in s.bands:
                threshold = band.min * factor
                if value >= threshold - 1e-9:
                    cond = band.label or f"≥ {fmt(threshold)}"
                    return band.points, f"{text}，{cond}{note} → {_signed(band.points)}"
        lowest = s.bands[-1].min * factor
        cond = s.otherwise_label or f"低于 {fmt(lowest)}"
        return s.otherwise, f"{text}，{cond}{note} → {_signed(s.otherwise)}"


class AllMetRule:
    """``points`` when every test holds."""

    def __init__(self, spec: AllMetItem, where: str):
        self.spec = spec

    def score(self, ctx: Context) -> tuple[float, str]:
        s = self.spec
        factor, note = ctx.scale(s.scale)
        parts, ok = [], True
        for t in s.tests:
            value, text = ctx.value(t.value)
            threshold = t.gte * factor
            met = value is not None and value >= threshold - 1e-9
            ok = ok and met
            parts.append(f"{text} {'≥' if met else '<'} {fmt(threshold)}")
        points = s.points if ok else s.otherwise
        return points, f"{'，'.join(parts)}{note} → {_signed(points)}"


class TallyRule:
    """Counts entered by a person × points each, capped."""

    def __init__(self, spec: TallyItem, where: str):
        self.spec = spec

    def score(self, ctx: Context) -> tuple[float, str]:
        s = self.spec
        parts, total = [], 0.0
        for row in s.rows:
            n = float(ctx.inputs[row.input])
            total += n * row.points
            parts.append(f"{fmt(n)} {row.unit} × {_signed(row.points)}（{row.label}）")
        text = _equals(parts, total)
        if s.max is not None and total > s.max:
            return s.max, f"{text}，最高 {fmt(s.max)}"
        return total, text


ITEM_CLASSES: dict[str, type] = {
    "records": RecordsRule,
    "deduction": DeductionRule,
    "judgement": JudgementRule,
    "bands": BandsRule,
    "all_met": AllMetRule,
    "tally": TallyRule,
}


def _missed_sessions(facts: list[Facts]) -> tuple[set[str], set[str]]:
    """(sessions, missed): activities a teacher has records for, and those missed.

    A session is missed on ``leave`` or ``absent`` unless a ``makeup`` record exists for the
    same activity.
    """
    sessions: set[str] = set()
    missed: set[str] = set()
    made_up: set[str] = set()
    for f in facts:
        if f.get("kind") != "activity_attendance":
            continue
        sessions.add(f["activity"])
        if f.get("status") in {"leave", "absent"}:
            missed.add(f["activity"])
        elif f.get("status") == "makeup":
            made_up.add(f["activity"])
    return sessions, missed - made_up


# -- the compiled sheet ----------------------------------------------------------------


_loading = threading.local()


class Sheet:
    """A validated, compiled assessment sheet."""

    def __init__(self, spec: SheetFile):
        self.spec = spec
        self.id = spec.id
        self.name = spec.name
        self.source = spec.source
        self.counted_statuses = frozenset(spec.counted_statuses)
        self.columns = {c.id: c.label for c in spec.columns}
        self.parser = record_parser()
        self.judgements = {
            i.input_name: i for i in spec.all_items() if isinstance(i, JudgementItem)
        }
        clash = sorted(set(self.judgements) & set(spec.inputs))
        if clash:
            raise PolicyFileError(f"inputs {clash} are also judgement items", location="inputs")
        if len(self.judgements) != sum(isinstance(i, JudgementItem) for i in spec.all_items()):
            raise PolicyFileError("two judgement items share one input", location="sections")
        self.sections = []
        for si, sec in enumerate(spec.sections):
            where = f"sections[{si}]"
            items = [
                self._compile(item, f"{where}.items[{ii}]") for ii, item in enumerate(sec.items)
            ]
            zero = [
                (
                    _condition(z.any_record, f"{where}.zero_if[{zi}].any_record")
                    if z.any_record is not None
                    else None,
                    z,
                )
                for zi, z in enumerate(sec.zero_if)
            ]
            for zi, z in enumerate(sec.zero_if):
                if z.input is not None:
                    self._check_input(z.input, f"{where}.zero_if[{zi}].input", boolean=True)
            self.sections.append((sec, items, zero))
        self.bonus_items = []
        if spec.bonus is not None:
            self.bonus_items = [
                self._compile(item, f"bonus.items[{ii}]")
                for ii, item in enumerate(spec.bonus.items)
            ]
        self.metric_conditions = {}
        self.fed: dict[str, Sheet] = {}
        for name, m in spec.metrics.items():
            where = f"metrics.{name}"
            self.metric_conditions[name] = _condition(m.when, f"{where}.when")
            if m.field:
                _check_fields([m.field], f"{where}.field")
            if m.sheet is not None:
                self.fed[name] = self._fed_sheet(m.sheet, m.section, where)

    # -- compile helpers ---------------------------------------------------------------

    def _compile(self, item: Any, where: str):
        for ref in _refs(item):
            if isinstance(ref, InputRef):
                self._check_input(ref.input, where)
            else:
                if ref.metric not in self.spec.metrics:
                    raise PolicyFileError(
                        f"unknown metric {ref.metric!r} (declared: {sorted(self.spec.metrics)})",
                        location=where,
                    )
        if isinstance(item, DeductionItem) and isinstance(item.units, InputUnits):
            for name in item.units.inputs:
                self._check_input(name, f"{where}.units")
        if isinstance(item, DeductionItem) and isinstance(item.units, ShortfallUnits):
            self._check_input(item.units.input, f"{where}.units", kind="list")
        if isinstance(item, TallyItem):
            for row in item.rows:
                self._check_input(row.input, f"{where}.rows")
        scale = getattr(item, "scale", None)
        if scale is not None:
            self._check_input(scale.input, f"{where}.scale", boolean=True)
        return item, ITEM_CLASSES[item.type](item, where)

    def _check_input(
        self, name: str, where: str, boolean: bool = False, kind: str | None = None
    ) -> None:
        spec = self.spec.inputs.get(name)
        if spec is None and name in self.judgements and not boolean and kind is None:
            return
        if spec is None:
            raise PolicyFileError(
                f"unknown input {name!r} (declare it under inputs)", location=where
            )
        want = "boolean" if boolean else kind
        if want is not None and spec.type != want:
            raise PolicyFileError(f"input {name!r} must be of type {want}", location=where)
        if want is None and spec.type in {"boolean", "list"}:
            raise PolicyFileError(f"input {name!r} must be a number", location=where)

    def _fed_sheet(self, ident: str, section: str | None, where: str) -> Sheet:
        if ident == self.id:
            raise PolicyFileError("a sheet cannot average its own scores", location=where)
        stack = getattr(_loading, "stack", set())
        if ident in stack:
            raise PolicyFileError(f"sheets feed each other in a loop ({ident})", location=where)
        try:
            fed = load_sheet(ident)
        except UnknownPolicyError as exc:
            raise PolicyFileError(str(exc), location=where) from None
        if fed.spec.subject != "teacher":
            raise PolicyFileError(f"sheet {ident!r} is not a teacher sheet", location=where)
        if section is not None and section not in {s.id for s in fed.spec.sections}:
            raise PolicyFileError(f"sheet {ident!r} has no section {section!r}", location=where)
        return fed

    # -- public API --------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """Id, name, region, source, subject and whether it is an example."""
        return {
            "id": self.id,
            "name": self.name,
            "region": self.spec.region,
            "source": self.source,
            "subject": self.spec.subject,
            "example": self.spec.example,
        }

    def input_label(self, name: str) -> str:
        if name in self.spec.inputs:
            return self.spec.inputs[name].label
        return self.judgements[name].label

    def score(
        self, data: Mapping[str, Any], period: tuple[dt.date, dt.date] | None = None
    ) -> dict[str, Any]:
        """Score the sheet for one teacher or one school (``records.md``)."""
        ctx = self._context(data, period)
        sections_out = []
        total = 0.0
        for sec, items, zero in self.sections:
            out = self._section(ctx, sec, items, zero)
            total += out["points"]
            sections_out.append(out)
        result: dict[str, Any] = {
            "sheet": self.id,
            "column": ctx.column,
            "column_label": self.columns[ctx.column],
            "sections": sections_out,
        }
        bonus = 0.0
        if self.spec.bonus is not None:
            b = self.spec.bonus
            bonus_items = [self._item(ctx, spec, rule) for spec, rule in self.bonus_items]
            bonus = sum(i["points"] for i in bonus_items)
            text = _equals([_signed(i["points"]) for i in bonus_items], bonus)
            if b.max is not None and bonus > b.max:
                bonus = b.max
                text += f"，最高 {fmt(b.max)}"
            result["bonus_detail"] = {
                "label": b.label,
                "points": r2(bonus),
                "max": b.max,
                "items": bonus_items,
                "explanation": text,
            }
        result["bonus"] = r2(bonus)
        result["total"] = r2(total + bonus)
        if self.spec.passing is not None:
            p = self.spec.passing
            total = result["total"]
            if p.rule == "above":
                passed = total > p.score
                rule = f"高于 {fmt(p.score)} 分为合格"
            else:
                passed = total >= p.score
                rule = f"{fmt(p.score)} 分及以上为合格"
            result["passed"] = passed
            verdict = "合格" if passed else "不合格"
            result["passing"] = {
                "score": p.score,
                "rule": p.rule,
                "explanation": f"{rule}：{verdict}",
            }
        return result

    # -- scoring internals ---------------------------------------------------------------

    def _item(self, ctx: Context, spec: Any, rule: Any) -> dict[str, Any]:
        points, text = rule.score(ctx)
        out = {"id": spec.id, "label": spec.label, "points": r2(points), "explanation": text}
        if getattr(spec, "max", None) is not None:
            out["max"] = spec.max
        return out

    def _section(self, ctx: Context, sec: Any, items: list, zero: list) -> dict[str, Any]:
        items_out = [self._item(ctx, spec, rule) for spec, rule in items]
        raw = sum(i["points"] for i in items_out)
        text = _equals([_signed(i["points"]) for i in items_out], raw)
        points = raw
        if raw > sec.max:
            points = sec.max
            text += f"，最高 {fmt(sec.max)}"
        elif raw < 0:
            points = 0.0
            text += "，最低 0"
        zeroed = False
        for pred, z in zero:
            if pred is not None:
                hits = [f for f in ctx.pool("teachers") if pred(f)]
                if hits:
                    zeroed = True
                    ids = "、".join(f["id"] for f in hits)
                    text = f"{z.reason}（记录 {ids}），本项为 0 分"
                    break
            elif ctx.inputs.get(z.input):
                zeroed = True
                text = f"{z.reason}，本项为 0 分"
                break
        if zeroed:
            points = 0.0
        return {
            "id": sec.id,
            "label": sec.label,
            "points": r2(points),
            "max": sec.max,
            "items": items_out,
            "zeroed": zeroed,
            "explanation": text,
        }

    def _context(self, data: Any, period: tuple[dt.date, dt.date] | None) -> Context:
        if not isinstance(data, Mapping):
            raise InputError("the sheet input must be a JSON object")
        unknown = sorted(set(data) - INPUT_KEYS)
        if unknown:
            raise InputError(
                f"unknown key(s) {unknown} (expected: {', '.join(sorted(INPUT_KEYS))})",
                field=unknown[0],
            )
        column = data.get("column", self.spec.default_column)
        if not isinstance(column, str) or column not in self.columns:
            raise InputError(
                f"unknown column {shown(column)} (one of: {', '.join(self.columns)})",
                field="column",
            )
        raw_teachers = self._raw_teachers(data)
        teachers = []
        seen: set[str] = set()
        for i, t in enumerate(raw_teachers):
            if not isinstance(t, Mapping):
                raise InputError(f"teacher #{i + 1} must be a JSON object", field="teachers")
            tid = t.get("id")
            if tid is None or tid == "":
                raise InputError(f"teacher #{i + 1}: 'id' is missing", field="teachers")
            if record_label(tid, None) != str(tid):
                raise InputError(
                    f"teacher #{i + 1}: 'id' must be text of at most {MAX_ID_CHARS} characters "
                    f"or a number (got {shown(tid)})",
                    field="teachers",
                )
            tid = str(tid)
            if tid in seen:
                raise InputError(f"teacher {tid}: duplicate id", field="teachers")
            seen.add(tid)
            facts, earlier = self._facts(t.get("records", []), tid, period)
            teachers.append(Teacher(tid, t, facts, earlier))
        school = data.get("school")
        school_facts: list[Facts] = []
        school_earlier: list[Facts] = []
        if school is not None:
            if not isinstance(school, Mapping):
                raise InputError("must be a JSON object", field="school")
            school_facts, school_earlier = self._facts(school.get("records", []), None, period)
        inputs = self._inputs(data.get("inputs", {}))
        return Context(
            self, column, period, inputs, teachers, school_facts, school_earlier=school_earlier
        )

    def _raw_teachers(self, data: Mapping[str, Any]) -> list[Any]:
        if "teacher" in data and "teachers" in data:
            raise InputError("give 'teacher' or 'teachers', not both", field="teacher")
        if "teacher" in data:
            return [data["teacher"]]
        teachers = data.get("teachers", [])
        if not isinstance(teachers, list):
            raise InputError("must be a list", field="teachers")
        if self.spec.subject == "teacher" and len(teachers) != 1:
            raise InputError(
                f"a teacher sheet scores one teacher (got {len(teachers)})", field="teachers"
            )
        return teachers

    def _facts(self, raws: Any, tid: str | None, period) -> tuple[list[Facts], list[Facts]]:
        """The counted records within the period, and those dated before it."""
        owner = tid if tid is not None else "school"
        if not isinstance(raws, list):
            raise InputError(f"{owner}: 'records' must be a list", field="records")
        try:
            records = self.parser.parse_many(raws)
        except InputError as exc:
            raise InputError(exc.message, record=f"{owner}/{exc.record}", field=exc.field) from None
        out: list[Facts] = []
        earlier: list[Facts] = []
        for rec in records:
            if rec.workflow_status not in self.counted_statuses:
                continue
            into = out
            if period is not None and not (period[0] <= rec.date <= period[1]):
                if rec.date > period[1]:
                    continue
                into = earlier
            facts = record_facts(rec)
            facts["year"] = rec.date.year
            facts["teacher"] = tid
            if rec.kind == "training" and facts.get("hours") is None and self.spec.hours_per_day:
                facts["hours"] = facts["days"] * self.spec.hours_per_day
            into.append(facts)
        return out, earlier

    def _inputs(self, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            raise InputError("must be a JSON object", field="inputs")
        known = set(self.spec.inputs) | set(self.judgements)
        unknown = sorted(set(raw) - known)
        if unknown:
            raise InputError(
                f"unknown input (this sheet takes: {', '.join(sorted(known)) or 'none'})",
                field=f"inputs.{unknown[0]}",
            )
        out: dict[str, Any] = {}
        for name, spec in self.spec.inputs.items():
            out[name] = _check_value(name, raw.get(name), spec.type, spec.min, spec.max,
                                     spec.required, spec.default, spec.label)  # fmt: skip
        for name, j in self.judgements.items():
            out[name] = _check_value(name, raw.get(name), "number", j.min, j.max,
                                     j.required, j.default, j.label)  # fmt: skip
        return out

    # -- metrics -------------------------------------------------------------------------

    def metric(self, name: str, ctx: Context) -> tuple[float | None, str]:
        """A metric's value (None when it cannot be computed) and its explanation."""
        if name not in ctx.metrics:
            ctx.metrics[name] = self._metric(name, ctx)
        return ctx.metrics[name]

    def _field_value(self, f: Facts, fieldname: str) -> float:
        v = f.get(fieldname)
        if v is None and fieldname == "hours" and f.get("days") is not None:
            raise InputError(
                f"sheet {self.id} needs hours (days given; the sheet sets no hours_per_day)",
                record=f"{f.get('teacher')}/{f['id']}",
                field="hours",
            )
        if isinstance(v, bool):
            return float(v)
        return float(v or 0)

    def _metric(self, name: str, ctx: Context) -> tuple[float | None, str]:
        m = self.spec.metrics[name]
        when = self.metric_conditions[name]
        n = len(ctx.teachers)
        if n == 0:
            raise InputError(
                f"metric {name!r} ({m.label}) needs the school's teachers", field="teachers"
            )
        unit = m.unit
        years, per = 1.0, ""
        if m.per_year:
            years = ctx.years()
            per = f" ÷ {fmt(years)} 年"
        if m.measure == "count":
            c = sum(1 for f in ctx.pool("teachers") if when(f))
            if not m.per_year:
                return float(c), f"{m.label} {c}{unit or ' 条'}"
            value = c / years
            return value, f"{m.label} {c}{unit or ' 条'}{per} = {fmt(round(value, 2))}"
        if m.measure in {"sum", "average_per_teacher"}:
            total = sum(self._field_value(f, m.field) for f in ctx.pool("teachers") if when(f))
            if m.measure == "sum":
                if not m.per_year:
                    return total, f"{m.label} {fmt(total)}{unit}"
                value = total / years
                return value, f"{m.label} {fmt(total)}{per} = {fmt(round(value, 2))}{unit}"
            avg = total / n / years
            return avg, f"{m.label} {fmt(total)} / {n} 人{per} = {fmt(round(avg, 2))}{unit}"
        if m.measure == "share_of_teachers":
            if m.per_year:
                # 年均人数: a teacher counts once in each year of the span with a match.
                k = sum(
                    len({ctx.year_of(f["date"]) for f in t.facts if when(f)}) for t in ctx.teachers
                )
                what = "人次" if ctx.period is not None and years > 1 else "人"
            else:
                k = sum(1 for t in ctx.teachers if any(when(f) for f in t.facts))
                what = "人"
            share = 100.0 * k / n / years
            return share, f"{m.label} {k}{what} / {n} 人{per} = {fmt(round(share, 2))}%"
        if m.measure == "attendance_rate":
            sessions = missed = 0
            for t in ctx.teachers:
                s, miss = _missed_sessions([f for f in t.facts if when(f)])
                sessions += len(s)
                missed += len(miss)
            if sessions == 0:
                return None, f"{m.label}：无出勤记录"
            rate = 100.0 * (sessions - missed) / sessions
            shown = _signed(rate)
            return rate, f"{m.label} ({sessions} − {missed} 次缺勤) / {sessions} 人次 = {shown}%"
        # sheet_average
        fed = self.fed[name]
        values = []
        for t in ctx.teachers:
            inputs = t.raw.get("inputs", {})
            scored = fed.score({"teacher": t.raw, "inputs": inputs}, period=ctx.period)
            if m.section is None:
                values.append(scored["total"])
            else:
                values.append(next(s["points"] for s in scored["sections"] if s["id"] == m.section))
        avg = sum(values) / n
        return avg, f"{m.label} {fmt(round(sum(values), 2))} / {n} 人 = {fmt(round(avg, 2))}"


def _refs(item: Any) -> list[InputRef | MetricRef]:
    refs: list[InputRef | MetricRef] = []
    if isinstance(item, BandsItem):
        refs.append(item.value)
    if isinstance(item, AllMetItem):
        refs += [t.value for t in item.tests]
    if isinstance(item, DeductionItem) and isinstance(item.per_unit, Computed):
        p = item.per_unit
        refs += [q for q in [p.value, *p.times, *p.divide_by] if isinstance(q, InputRef)]
    return refs


def _check_value(name, value, type_, lo, hi, required, default, label) -> Any:
    where = f"inputs.{name}"
    if value is None:
        if required:
            raise InputError(f"missing: {label}", field=where)
        value = default
        if value is None:
            return None
    if type_ == "boolean":
        if not isinstance(value, bool):
            raise InputError(f"must be true or false (got {shown(value)})", field=where)
        return value
    if type_ == "list":
        if not isinstance(value, list):
            raise InputError(f"must be a list (got {shown(value)})", field=where)
        return value
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not -MAX_INPUT_NUMBER <= value <= MAX_INPUT_NUMBER  # also refuses NaN
    ):
        raise InputError(
            f"must be a number within ±{MAX_INPUT_NUMBER:,} (got {shown(value)})", field=where
        )
    if type_ == "integer" and value != int(value):
        raise InputError(f"must be a whole number (got {shown(value)})", field=where)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        span = f"{fmt(lo) if lo is not None else '−∞'}–{fmt(hi) if hi is not None else '∞'}"
        raise InputError(f"{fmt(value)} is outside {span} ({label})", field=where)
    return value


# -- loading ---------------------------------------------------------------------------


def load_sheet_text(text: str, source: str = "<text>") -> Sheet:
    """Validate and compile a sheet from YAML text."""
    data = _read_yaml(text, source)
    try:
        spec = SheetFile.model_validate(data)
    except ValidationError as exc:
        loc, msg = validation_message(exc)
        raise PolicyFileError(msg, source=source, location=loc) from None
    stack = getattr(_loading, "stack", None)
    if stack is None:
        stack = _loading.stack = set()
    stack.add(spec.id)
    try:
        return Sheet(spec)
    except PolicyFileError as exc:
        msg = str(exc)
        if exc.location and msg.startswith(f"{exc.location}: "):
            msg = msg[len(exc.location) + 2 :]
        raise PolicyFileError(msg, source=source, location=exc.location) from None
    finally:
        stack.discard(spec.id)


def load_sheet_file(path: str | Path) -> Sheet:
    """Validate and compile a sheet file from disk."""
    return load_sheet_text(read_text_file(path), source=str(path))


@lru_cache(maxsize=32)
def load_sheet(ident: str) -> Sheet:
    """A bundled sheet by id (cached: sheets are immutable once compiled)."""
    return load_sheet_text(bundled_text(ident, SHEETS), source=f"sheets/{ident}.yaml")


def list_sheets() -> list[dict[str, Any]]:
    """Id, name, region, source file and example flag of every bundled sheet."""
    return [load_sheet(i).summary() for i in bundled_ids(SHEETS)]


__all__ = [
    "ITEM_CLASSES",
    "Sheet",
    "list_sheets",
    "load_sheet",
    "load_sheet_file",
    "load_sheet_text",
    "span_years",
]
