"""Evaluation: records + a policy → hours, credits, requirement checks, explanations.

Data flows one way. Each record is validated, matched to the first credit rule of its kind
whose ``when`` holds, checked against the rule's ``requires`` and the policy's gates, then
the caps are applied in date order (ties by record id, so input order never matters), and
finally totals and requirements are computed per period and for the cycle.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .conditions import compile_condition
from .errors import InputError
from .periods import CycleType, Period, PeriodType
from .records import MODES, MODULES, BaseRecord, record_facts, record_parser
from .rules import CAP_CLASSES, GATE_CLASSES, MEASURES, CompiledCreditRule
from .schema import PolicyFile

STATUS_REASON = "状态为“{status}”，不在本政策计入的状态之列，不计学时学分"
STATUS_LABELS = {
    "draft": "草稿",
    "submitted": "已提交待审核",
    "approved": "学校已审核",
    "publicized": "公示中",
    "certified": "已认定",
    "rejected": "已退回",
    "revoked": "已撤销",
}
NO_RULE_REASON = "本政策不为“{kind}”计学时学分（仅用于次数要求或考核表）"


def r2(x: float) -> float:
    """Round to 2 decimals for output, folding -0.0 into 0.0."""
    v = round(x + 0.0, 2)
    return 0.0 if v == 0 else v


@dataclass(slots=True)
class Contribution:
    """What one record contributes after every rule: the unit totals are built from."""

    record: BaseRecord
    facts: dict[str, Any]
    rule: CompiledCreditRule | None
    eligible: bool  # its workflow status counts
    counted: bool = False
    hours: float = 0.0
    credits: float = 0.0
    practice_hours: float = 0.0
    count: int = 1
    mode: str | None = None
    module: str | None = None
    self_selected: bool = False
    in_totals: bool = True
    rate: float | None = None
    perf: float = 0.0
    tail: str = ""
    explanation: str = ""
    periods: dict[str, Period] = field(default_factory=dict)

    def not_counted(self, reason: str) -> None:
        self.counted = False
        self.hours = 0.0
        self.credits = 0.0
        self.explanation = reason


class Policy:
    """A validated, compiled policy, ready to evaluate teachers."""

    def __init__(self, spec: PolicyFile):
        self.spec = spec
        self.id = spec.id
        self.name = spec.name
        self.region = spec.region
        self.source = spec.source
        self.counted_statuses = frozenset(spec.counted_statuses)
        self.period_types = {
            name: PeriodType(name, p.anchors, p.label) for name, p in spec.periods.items()
        }
        self.cycle = (
            CycleType(spec.cycle.years, spec.cycle.anchor_year, spec.cycle.start)
            if spec.cycle
            else None
        )
        self.report_periods = spec.report_periods or list(spec.periods)
        self._period_cache: dict[dt.date, dict[str, Period]] = {}
        self.grade_bands = [(b.min, b.grade) for b in spec.grades]
        self.grade_labels = {b.grade: b.label for b in spec.grades}
        self.parser = record_parser(spec.extensions.model_dump() if _has_ext(spec) else None)
        self.rules_by_kind: dict[str, list[CompiledCreditRule]] = defaultdict(list)
        for rule in spec.credit_rules:
            if rule.kind not in self.parser.models:
                raise ValueError(f"credit rule {rule.id}: unknown kind {rule.kind!r}")
            self.rules_by_kind[rule.kind].append(CompiledCreditRule(rule, self))
        self.caps = [CAP_CLASSES[_cap_type(c)](c) for c in spec.caps]
        self.gates = [GATE_CLASSES[g.type](g) for g in spec.gates]
        self.requirements = [
            (
                r,
                compile_condition(r.when, f"{r.id}.when"),
                compile_condition(r.share_of, f"{r.id}.share_of"),
                compile_condition(r.applies_if, f"{r.id}.applies_if"),
            )
            for r in spec.requirements
        ]
        self._filter_keys = {
            r.id: json.dumps(r.when, sort_keys=True, default=str) for r in spec.requirements
        }

    # -- public API -------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """Id, name, region and source file, as ``xuefen policy list`` shows them."""
        return {
            "id": self.id,
            "name": self.name,
            "region": self.region,
            "source": self.source,
            "example": self.spec.example,
        }

    def parse_records(self, raws: Iterable[Any]) -> list[BaseRecord]:
        """Validate raw record mappings against this policy's vocabulary."""
        return self.parser.parse_many(raws)

    def period_of(self, day: dt.date, period: str) -> Period:
        """The period of type ``period`` (or ``"cycle"``) that contains ``day``."""
        if period == "cycle":
            if self.cycle is None:
                raise KeyError("this policy has no cycle")
            return self.cycle.period_of(day)
        return self.period_types[period].period_of(day)

    def grade_of(self, score: float) -> str | None:
        for minimum, grade in self.grade_bands:
            if score >= minimum:
                return grade
        return None

    def evaluate(
        self, teachers: Sequence[Mapping[str, Any]], as_of: dt.date | None = None
    ) -> dict[str, Any]:
        """Evaluate many teachers; returns the JSON-ready result of ``records.md``."""
        if not isinstance(teachers, Sequence) or isinstance(teachers, str | bytes):
            raise InputError("'teachers' must be a list")
        return {"policy": self.id, "teachers": list(self.iter_evaluate(teachers, as_of))}

    def iter_evaluate(
        self, teachers: Iterable[Mapping[str, Any]], as_of: dt.date | None = None
    ) -> Iterator[dict[str, Any]]:
        """Evaluate teachers one at a time, yielding each teacher's result.

        For batch jobs that store each result and move on: nothing accumulates, so memory
        stays flat however many teachers there are.
        """
        seen: set[str] = set()
        for i, teacher in enumerate(teachers):
            if not isinstance(teacher, Mapping):
                raise InputError(f"teacher #{i + 1} must be a JSON object")
            tid = teacher.get("id")
            if not isinstance(tid, str | int) or tid == "":
                raise InputError(f"teacher #{i + 1}: 'id' is missing")
            if str(tid) in seen:
                raise InputError(f"teacher {tid}: duplicate id")
            seen.add(str(tid))
            yield self.evaluate_teacher(teacher, as_of)

    def evaluate_teacher(
        self, teacher: Mapping[str, Any], as_of: dt.date | None = None
    ) -> dict[str, Any]:
        """Evaluate one teacher's records."""
        tid = str(teacher.get("id"))
        raw_records = teacher.get("records", [])
        if not isinstance(raw_records, list):
            raise InputError(f"teacher {tid}: 'records' must be a list")
        try:
            return self._evaluate_teacher(tid, teacher, raw_records, as_of)
        except InputError as exc:
            if exc.record is not None:
                raise InputError(
                    exc.message, record=f"{tid}/{exc.record}", field=exc.field
                ) from None
            if not exc.message.startswith(f"teacher {tid}"):
                raise InputError(f"teacher {tid}: {exc.message}", field=exc.field) from None
            raise

    def _evaluate_teacher(self, tid, teacher, raw_records, as_of):
        records = self.parse_records(raw_records)
        profile = _teacher_facts(teacher)
        contributions = [self._contribute(rec) for rec in records]
        if as_of is None:
            as_of = max((c.record.date for c in contributions), default=dt.date.today())
        for gate in self.gates:
            gate.apply(contributions, teacher.get("school"), self)
        ordered = sorted(contributions, key=lambda c: (c.record.date, c.record.id))
        for cap in self.caps:
            cap.apply(ordered, self)
        return self._report(tid, profile, contributions, as_of)

    # -- internals --------------------------------------------------------------------

    def _periods_of(self, day: dt.date) -> dict[str, Period]:
        """Every period containing ``day``, by type; shared, read-only, cached per date."""
        hit = self._period_cache.get(day)
        if hit is None:
            hit = {name: ptype.period_of(day) for name, ptype in self.period_types.items()}
            if self.cycle is not None:
                hit["cycle"] = self.cycle.period_of(day)
            if len(self._period_cache) < 50_000:
                self._period_cache[day] = hit
        return hit

    def _contribute(self, record: BaseRecord) -> Contribution:
        facts = record_facts(record)
        grade = facts.get("grade")
        if grade is None and facts.get("score") is not None:
            grade = self.grade_of(facts["score"])
            facts["grade"] = grade
        c = Contribution(
            record=record,
            facts=facts,
            rule=None,
            eligible=record.workflow_status in self.counted_statuses,
            count=int(facts.get("count") or 1),
            mode=facts.get("mode"),
            module=facts.get("module"),
            self_selected=bool(facts.get("self_selected")),
        )
        c.periods = self._periods_of(record.date)
        rule = next((r for r in self.rules_by_kind.get(record.kind, ()) if r.matches(facts)), None)
        c.rule = rule
        if not c.eligible:
            status = record.workflow_status
            c.not_counted(STATUS_REASON.format(status=STATUS_LABELS.get(status, status)))
            return c
        if rule is None:
            from .records import KIND_LABELS

            c.not_counted(NO_RULE_REASON.format(kind=KIND_LABELS.get(record.kind, record.kind)))
            return c
        rule.apply(c)
        return c

    def _report(
        self,
        tid: str,
        profile: Mapping[str, Any],
        contributions: list[Contribution],
        as_of: dt.date,
    ) -> dict[str, Any]:
        records_out = [_record_out(c) for c in contributions]
        # Periods the records fall in, plus the as-of date's, for every reported type.
        wanted: dict[tuple[dt.date, str], Period] = {}
        for name in self.report_periods:
            p = self.period_types[name].period_of(as_of)
            wanted[(p.start, name)] = p
            for c in contributions:
                p = c.periods[name]
                wanted[(p.start, name)] = p
        order = {name: i for i, name in enumerate(self.report_periods)}
        periods = sorted(wanted.values(), key=lambda p: (p.start, order[p.type]))
        by_period: dict[tuple[str, str], list[Contribution]] = defaultdict(list)
        for c in contributions:
            for name, p in c.periods.items():
                by_period[(name, p.label)].append(c)
        periods_out = []
        for p in periods:
            members = by_period.get((p.type, p.label), [])
            periods_out.append(self._period_out(p, members, profile, as_of))
        result: dict[str, Any] = {"id": tid, "records": records_out, "periods": periods_out}
        if self.cycle is not None:
            cp = self.cycle.period_of(as_of)
            members = by_period.get(("cycle", cp.label), [])
            result["cycle"] = self._period_out(cp, members, profile, as_of, cycle=True)
        return result

    def _period_out(
        self,
        period: Period,
        members: list[Contribution],
        profile: Mapping[str, Any],
        as_of: dt.date,
        *,
        cycle: bool = False,
    ) -> dict[str, Any]:
        hours = dict.fromkeys(("total", *MODES), 0.0)
        credits = dict.fromkeys(("total", *MODES), 0.0)
        modules = dict.fromkeys(MODULES, 0.0)
        self_selected = 0.0
        for c in members:
            if not (c.counted and c.in_totals):
                continue
            hours["total"] += c.hours
            credits["total"] += c.credits
            if c.mode in hours:
                hours[c.mode] += c.hours
                credits[c.mode] += c.credits
            if c.module in modules:
                modules[c.module] += c.credits
            if c.self_selected:
                self_selected += c.credits
        hours = {k: r2(v) for k, v in hours.items()}
        credits = {k: r2(v) for k, v in credits.items()}
        out: dict[str, Any] = {
            "period": period.label,
            "type": period.type,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "hours": hours,
            "credits": credits,
        }
        if cycle:
            credits["self_selected"] = r2(self_selected)
            out["modules"] = {m: r2(v) for m, v in modules.items()}
        checks = []
        sums: dict[tuple[str, str], tuple[float, float, float, float]] = {}
        for req, when, share_of, applies_if in self.requirements:
            if req.period != period.type:
                continue
            if not applies_if(profile):
                continue
            if req.current_period_only and not period.contains(as_of):
                continue
            checks.append(self._check(req, when, share_of, members, sums))
        out["requirements"] = checks
        out["compliant"] = all(c["met"] for c in checks)
        return out

    def _check(self, req, when, share_of, members, sums) -> dict[str, Any]:
        index = _SUMMED.get(req.measure)
        if index is None:
            actual = MEASURES[req.measure](req, when, share_of, members)
        else:
            # Requirements often share a filter (e.g. hours and credits of one mode): add up
            # hours, credits, practice hours and counts once per distinct filter and period.
            key = (self._filter_keys[req.id], req.include)
            if key not in sums:
                sums[key] = _sum_members(members, when, req.include == "all")
            actual = sums[key][index]
        met = True
        shortfall = 0.0
        if req.min is not None and actual < req.min - 1e-9:
            met = False
            shortfall = req.min - actual
        if req.max is not None and actual > req.max + 1e-9:
            met = False
            shortfall = actual - req.max
        check: dict[str, Any] = {
            "id": req.id,
            "label": req.label,
            "measure": req.measure,
            "met": met,
            "actual": r2(actual) if req.measure != "share" else round(actual, 4),
            "shortfall": r2(shortfall) if req.measure != "share" else round(shortfall, 4),
        }
        if req.min is not None:
            check["required"] = req.min
        if req.max is not None:
            check["maximum"] = req.max
        return check


_SUMMED = {"hours": 0, "credits": 1, "practice_hours": 2, "count": 3}


def _sum_members(members, when, include_all: bool) -> tuple[float, float, float, float]:
    """Hours, credits, practice hours of counted members and the count of eligible ones."""
    hours = credits = practice = count = 0.0
    for c in members:
        if not c.eligible or not when(c.facts):
            continue
        count += c.count
        if c.counted and (c.in_totals or include_all):
            hours += c.hours
            credits += c.credits
            practice += c.practice_hours
    return hours, credits, practice, count


def _has_ext(spec: PolicyFile) -> bool:
    return bool(spec.extensions.fields or spec.extensions.kinds)


def _cap_type(cap) -> str:
    if cap.max_hours is not None:
        return "max_hours"
    if cap.max_credits is not None:
        return "max_credits"
    return "max_periods"


def _teacher_facts(teacher: Mapping[str, Any]) -> dict[str, Any]:
    facts = {k: v for k, v in teacher.items() if k not in {"records", "school"}}
    for flag in ("first_year", "head_teacher"):
        value = facts.get(flag, False)
        if not isinstance(value, bool):
            raise InputError(f"teacher {teacher.get('id')}: '{flag}' must be true or false")
        facts[flag] = value
    return facts


def _record_out(c: Contribution) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": c.record.id,
        "kind": c.record.kind,
        "date": c.record.date.isoformat(),
        "counted": c.counted,
        "hours": r2(c.hours),
        "credits": r2(c.credits),
        "explanation": c.explanation,
    }
    if c.rule is not None:
        out["rule"] = c.rule.id
    if c.mode is not None:
        out["mode"] = c.mode
    if c.module is not None:
        out["module"] = c.module
    if c.counted:
        out["self_selected"] = c.self_selected
        if not c.in_totals:
            out["in_totals"] = False
    if c.practice_hours:
        out["practice_hours"] = r2(c.practice_hours)
    return out
