"""Evaluation: records + a policy → hours, credits, requirement checks, explanations.

Data flows one way. Each record is validated, matched to the first credit rule of its kind
whose ``when`` holds, checked against the rule's ``requires`` and the policy's gates, then
the caps are applied in date order (ties by record id, so input order never matters), and
finally totals and requirements are computed per period and for the cycle.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from operator import attrgetter, itemgetter
from typing import Any

from .assessment import NO_ASSESSMENT, AssessmentGate, SchoolBook
from .conditions import compile_condition, condition_fields
from .errors import InputError
from .periods import CycleType, Period, PeriodType
from .records import (
    KIND_LABELS,
    MAX_DATE,
    MAX_ID_CHARS,
    MIN_DATE,
    MODULES,
    BaseRecord,
    record_label,
    record_parser,
    shown,
)
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
    return v if v else 0.0


class Contribution:
    """What one record contributes after every rule: the unit totals are built from.

    ``facts`` is the validated record as a plain dict (the record's fields, for conditions);
    ``id``, ``kind`` and ``date`` are copied out of it for speed.
    """

    __slots__ = (
        "count",
        "counted",
        "credits",
        "date",
        "eligible",
        "explanation",
        "facts",
        "hours",
        "id",
        "in_totals",
        "kind",
        "mode",
        "module",
        "perf",
        "periods",
        "practice_hours",
        "rate",
        "report_keys",
        "rule",
        "self_selected",
        "sig",
        "tail",
    )

    def __init__(
        self,
        facts: dict[str, Any],
        eligible: bool,
        count: int,
        periods: dict[str, Period],
        report_keys: tuple,
    ):
        self.facts = facts
        self.id = facts["id"]
        self.kind = facts["kind"]
        self.date = facts["date"]
        self.rule: CompiledCreditRule | None = None
        self.eligible = eligible  # its workflow status counts
        self.counted = False
        self.hours = 0.0
        self.credits = 0.0
        self.practice_hours = 0.0
        self.count = count
        self.mode: str | None = facts.get("mode")
        self.module: str | None = facts.get("module")
        self.self_selected = bool(facts.get("self_selected"))
        self.in_totals = True
        self.rate: float | None = None
        self.perf = 0.0
        self.tail = ""
        self.explanation = ""
        self.periods = periods
        # ((period type, label), period) for the reported period types and the cycle.
        self.report_keys = report_keys
        self.sig: tuple = ()

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
        self._period_cache: dict[dt.date, tuple[dict[str, Period], tuple]] = {}
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
        # Per kind: its credit rules, their dispatch table if they are chosen by one field's
        # value (see _dispatch), the field holding its review state, its label.
        self._kinds = {
            kind: (
                tuple(self.rules_by_kind.get(kind, ())),
                _dispatch(self.rules_by_kind.get(kind, ())),
                self.parser.workflow_fields[kind],
                KIND_LABELS.get(kind, kind),
            )
            for kind in self.parser.models
        }
        self._compile_requirements()

    def _compile_requirements(self) -> None:
        """Group requirements by period type and number their distinct summed filters.

        Hours, credits, practice hours and counts are added up per distinct filter in one
        pass over a period's records, in record order (so every sum is the same float as
        a pass per filter). Which filters a record passes depends only on the fields the
        filters read: it is worked out once per distinct tuple of those values.
        """
        fields: set[str] = set()
        self._plans: dict[str, _PeriodPlan] = {}
        for req, when, share_of, applies_if in self.requirements:
            plan = self._plans.get(req.period)
            if plan is None:
                plan = self._plans[req.period] = _PeriodPlan()
            slot = None
            if req.per == "week":
                pass  # summed per week by _weekly, not in the period's one pass
            elif req.measure in _SUMMED:
                # Requirements with equal filters share their sums: the key compares like
                # the predicates do (a date and its text are different filters).
                key = _canonical(req.when)
                if key not in plan.index:
                    plan.index[key] = len(plan.filters)
                    plan.filters.append(when)
                    plan.needs.append(set())
                    fields |= condition_fields(req.when)
                # Where the actual value is: sums[filter][variant]
                variant = _VARIANT[(req.measure, req.include)]
                slot = (plan.index[key], variant)
                plan.needs[slot[0]].add(_GROUP[variant])
            always = req.applies_if is None or not req.applies_if
            plan.checks.append((req, when, share_of, None if always else applies_if, slot))
        self._sig_fields: tuple[str, ...] = tuple(sorted(fields))
        self._sig_of: Callable[[Mapping[str, Any]], tuple] | None = None
        if len(self._sig_fields) > 1:
            self._sig_of = itemgetter(*self._sig_fields)
        elif self._sig_fields:
            only = self._sig_fields[0]
            self._sig_of = lambda facts: (facts[only],)

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

    @property
    def assessment_gate(self) -> AssessmentGate | None:
        """The policy's school-assessment gate as pages read it (period type and title,
        ``pass_above``, label; ``.outcome(score, rectification_score)`` words a result),
        or None when the policy has none."""
        for gate in self.gates:
            describe = getattr(gate, "describe", None)
            if describe is not None:
                return describe(self)
        return None

    def grade_of(self, score: float) -> str | None:
        for minimum, grade in self.grade_bands:
            if score >= minimum:
                return grade
        return None

    def evaluate(
        self,
        teachers: Sequence[Mapping[str, Any]],
        as_of: dt.date | None = None,
        *,
        all_cycles: bool = False,
        schools: Sequence[Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Evaluate many teachers; returns the JSON-ready result of ``records.md``.

        ``schools`` is the input's top-level list of schools with their assessment results
        (:mod:`.assessment`), given once per school; teachers refer to them by id.
        """
        if not isinstance(teachers, Sequence) or isinstance(teachers, str | bytes):
            raise InputError("'teachers' must be a list")
        return {
            "policy": self.id,
            "teachers": list(
                self.iter_evaluate(teachers, as_of, all_cycles=all_cycles, schools=schools)
            ),
        }

    def iter_evaluate(
        self,
        teachers: Iterable[Mapping[str, Any]],
        as_of: dt.date | None = None,
        *,
        all_cycles: bool = False,
        schools: Sequence[Mapping[str, Any]] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Evaluate teachers one at a time, yielding each teacher's result.

        For batch jobs that store each result and move on: nothing accumulates but one entry
        per school, so memory stays flat however many teachers there are. ``all_cycles`` adds
        ``cycles``: every cycle a record falls in, besides the as-of date's ``cycle``.
        ``schools``: as for :meth:`evaluate`; a teacher whose school's results disagree with
        an earlier teacher's is an error when that teacher is reached.
        """
        check_as_of(as_of)
        book = SchoolBook(schools)
        seen: set[str] = set()
        for i, teacher in enumerate(teachers):
            if not isinstance(teacher, Mapping):
                raise InputError(f"teacher #{i + 1} must be a JSON object")
            tid = teacher.get("id")
            if tid is None or tid == "":
                raise InputError(f"teacher #{i + 1}: 'id' is missing")
            if record_label(tid, None) != str(tid):
                raise InputError(
                    f"teacher #{i + 1}: 'id' must be text of at most {MAX_ID_CHARS} characters "
                    f"or a number (got {shown(tid)})"
                )
            if str(tid) in seen:
                raise InputError(f"teacher {tid}: duplicate id")
            seen.add(str(tid))
            yield self._evaluate_one(teacher, as_of, all_cycles, book)

    def evaluate_teacher(
        self,
        teacher: Mapping[str, Any],
        as_of: dt.date | None = None,
        *,
        all_cycles: bool = False,
        schools: Sequence[Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Evaluate one teacher's records (``schools`` as for :meth:`evaluate`)."""
        check_as_of(as_of)
        return self._evaluate_one(teacher, as_of, all_cycles, SchoolBook(schools))

    def _evaluate_one(self, teacher, as_of, all_cycles, book: SchoolBook) -> dict[str, Any]:
        tid = str(teacher.get("id"))
        raw_records = teacher.get("records", [])
        if not isinstance(raw_records, list):
            raise InputError(f"teacher {tid}: 'records' must be a list")
        try:
            school = book.of_teacher(tid, teacher.get("school")) if "school" in teacher else None
            return self._evaluate_teacher(tid, teacher, raw_records, as_of, all_cycles, school)
        except InputError as exc:
            if exc.record is not None:
                raise InputError(
                    exc.message, record=f"{tid}/{exc.record}", field=exc.field
                ) from None
            if not exc.message.startswith(f"teacher {tid}"):
                raise InputError(f"teacher {tid}: {exc.message}", field=exc.field) from None
            raise

    def _evaluate_teacher(self, tid, teacher, raw_records, as_of, all_cycles=False, school=None):
        facts_list = self.parser.parse_facts(raw_records)
        profile = _teacher_facts(teacher)
        contribute = self._contribute
        contributions = [contribute(facts) for facts in facts_list]
        if as_of is None:
            as_of = max((c.date for c in contributions), default=dt.date.today())
        for gate in self.gates:
            gate.apply(contributions, school or NO_ASSESSMENT, self)
        if self.caps:
            ordered = sorted(contributions, key=_date_and_id)
            for cap in self.caps:
                cap.apply(ordered, self)
        return self._report(tid, profile, contributions, as_of, all_cycles)

    # -- internals --------------------------------------------------------------------

    def _periods_of(self, day: dt.date) -> dict[str, Period]:
        """Every period containing ``day``, by type; shared, read-only, cached per date."""
        return self._dated(day)[0]

    def _dated(self, day: dt.date) -> tuple[dict[str, Period], tuple]:
        """The periods containing ``day`` by type, and ((type, label), period) of the
        reported types and the cycle; shared, read-only, cached per date."""
        hit = self._period_cache.get(day)
        if hit is None:
            periods = {name: ptype.period_of(day) for name, ptype in self.period_types.items()}
            if self.cycle is not None:
                periods["cycle"] = self.cycle.period_of(day)
            names = [*self.report_periods, *(["cycle"] if self.cycle is not None else [])]
            keys = tuple(((name, periods[name].label), periods[name]) for name in names)
            hit = (periods, keys)
            if len(self._period_cache) < 50_000:
                self._period_cache[day] = hit
        return hit

    def _contribute(self, facts: dict[str, Any]) -> Contribution:
        rules, dispatch, workflow_field, kind_label = self._kinds[facts["kind"]]
        if facts.get("grade") is None:
            score = facts.get("score")
            if score is not None:
                facts["grade"] = self.grade_of(score)
        status = facts[workflow_field]
        periods, report_keys = self._dated(facts["date"])
        c = Contribution(
            facts,
            status in self.counted_statuses,
            int(facts.get("count") or 1),
            periods,
            report_keys,
        )
        if dispatch is not None:
            field, table, otherwise = dispatch
            rule = table.get(facts.get(field), otherwise)
        else:
            rule = None
            for r in rules:
                if r.matches(facts):
                    rule = r
                    break
        c.rule = rule
        if not c.eligible:
            c.not_counted(STATUS_REASON.format(status=STATUS_LABELS.get(status, status)))
            return c
        if rule is None:
            c.not_counted(NO_RULE_REASON.format(kind=kind_label))
            return c
        rule.apply(c)
        return c

    def _report(
        self,
        tid: str,
        profile: Mapping[str, Any],
        contributions: list[Contribution],
        as_of: dt.date,
        all_cycles: bool = False,
    ) -> dict[str, Any]:
        records_out = []
        # Each record's members of the reported periods and the cycle, in record order.
        by_period: dict[tuple[str, str], list[Contribution]] = {}
        found: dict[tuple[str, str], Period] = {}
        fields = self._sig_fields
        sig_of = self._sig_of
        for c in contributions:
            records_out.append(_record_out(c))
            if fields and c.eligible:
                try:
                    c.sig = sig_of(c.facts)
                except KeyError:
                    get = c.facts.get
                    c.sig = tuple([get(name) for name in fields])
            for key, p in c.report_keys:
                members = by_period.get(key)
                if members is None:
                    by_period[key] = [c]
                    found[key] = p
                else:
                    members.append(c)
        # Periods the records fall in, plus the as-of date's, for every reported type.
        wanted: dict[tuple[str, str], Period] = {}
        for name in self.report_periods:
            p = self.period_types[name].period_of(as_of)
            wanted[(name, p.label)] = p
        for key, p in found.items():
            if key[0] != "cycle":
                wanted[key] = p
        order = {name: i for i, name in enumerate(self.report_periods)}
        periods = sorted(wanted.values(), key=lambda p: (p.start, order[p.type]))
        periods_out = [
            self._period_out(p, by_period.get((p.type, p.label), _NONE), profile, as_of)
            for p in periods
        ]
        result: dict[str, Any] = {"id": tid, "records": records_out, "periods": periods_out}
        if self.cycle is not None:
            cp = self.cycle.period_of(as_of)
            members = by_period.get(("cycle", cp.label), _NONE)
            result["cycle"] = self._period_out(cp, members, profile, as_of, cycle=True)
            if all_cycles:
                # Every cycle a record falls in too, oldest first: a county reports the
                # cycle that just ended after the new one has begun.
                cycles = {("cycle", cp.label): cp}
                cycles.update((k, p) for k, p in found.items() if k[0] == "cycle")
                result["cycles"] = [
                    result["cycle"]
                    if key == ("cycle", cp.label)
                    else self._period_out(p, by_period[key], profile, as_of, cycle=True)
                    for key, p in sorted(cycles.items(), key=lambda kp: kp[1].start)
                ]
        return result

    def _matches(self, plan: _PeriodPlan, sig: tuple) -> tuple[tuple[int, ...], ...]:
        """The filters of a period type that records with ``sig`` pass, by what is added
        up for them (see :class:`_PeriodPlan`)."""
        hit = plan.cache.get(sig)
        if hit is None:
            facts = dict(zip(self._sig_fields, sig, strict=True))
            passed = [i for i, when in enumerate(plan.filters) if when(facts)]
            hit = tuple(tuple(i for i in passed if group in plan.needs[i]) for group in range(4))
            if len(plan.cache) < 10_000:  # a pure function of sig: never stale
                plan.cache[sig] = hit
        return hit

    def _period_out(
        self,
        period: Period,
        members: list[Contribution],
        profile: Mapping[str, Any],
        as_of: dt.date,
        *,
        cycle: bool = False,
    ) -> dict[str, Any]:
        plan = self._plans.get(period.type)
        nfilters = len(plan.filters) if plan is not None else 0
        # sums[filter] = [hours, credits, practice (in totals), the same (all), count]
        sums = [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0] for _ in range(nfilters)]
        cache = plan.cache if nfilters else None
        hours_total = credits_total = self_selected = 0.0
        h_online = h_centralized = h_school_based = 0.0
        c_online = c_centralized = c_school_based = 0.0
        modules = dict.fromkeys(MODULES, 0.0)
        for c in members:
            if not c.eligible:
                continue  # neither counted nor counted in
            counted = c.counted
            h = c.hours
            cr = c.credits
            if counted and c.in_totals:
                hours_total += h
                credits_total += cr
                mode = c.mode
                if mode == "online":
                    h_online += h
                    c_online += cr
                elif mode == "centralized":
                    h_centralized += h
                    c_centralized += cr
                elif mode == "school_based":
                    h_school_based += h
                    c_school_based += cr
                if cycle:
                    if c.module in modules:
                        modules[c.module] += cr
                    if c.self_selected:
                        self_selected += cr
            if cache is None:
                continue
            hit = cache.get(c.sig)
            if hit is None:
                hit = self._matches(plan, c.sig)
            in_totals, practice, every, count = hit
            if counted:
                if c.in_totals:
                    for i in in_totals:
                        acc = sums[i]
                        acc[0] += h
                        acc[1] += cr
                    for i in practice:
                        sums[i][2] += c.practice_hours
                for i in every:
                    acc = sums[i]
                    acc[3] += h
                    acc[4] += cr
                    acc[5] += c.practice_hours
            for i in count:
                sums[i][6] += c.count
        # r2 inline: round to 2 decimals, folding -0.0 into 0.0
        credits = {
            "total": round(credits_total + 0.0, 2) or 0.0,
            "online": round(c_online + 0.0, 2) or 0.0,
            "centralized": round(c_centralized + 0.0, 2) or 0.0,
            "school_based": round(c_school_based + 0.0, 2) or 0.0,
        }
        out: dict[str, Any] = {
            "period": period.label,
            "type": period.type,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "hours": {
                "total": round(hours_total + 0.0, 2) or 0.0,
                "online": round(h_online + 0.0, 2) or 0.0,
                "centralized": round(h_centralized + 0.0, 2) or 0.0,
                "school_based": round(h_school_based + 0.0, 2) or 0.0,
            },
            "credits": credits,
        }
        if cycle:
            credits["self_selected"] = r2(self_selected)
            out["modules"] = {m: r2(v) for m, v in modules.items()}
        checks = []
        if plan is not None:
            current = None
            for req, when, share_of, applies_if, slot in plan.checks:
                if applies_if is not None and not applies_if(profile):
                    continue
                if req.current_period_only:
                    if current is None:
                        current = period.contains(as_of)
                    if not current:
                        continue
                if req.per == "week":
                    checks.append(_weekly(req, when, members, period, as_of))
                    continue
                if slot is None:
                    actual = MEASURES[req.measure](req, when, share_of, members)
                else:
                    actual = sums[slot[0]][slot[1]]
                checks.append(_check(req, actual))
        out["requirements"] = checks
        out["compliant"] = all(c["met"] for c in checks)
        return out


class _PeriodPlan:
    """The requirements of one period type, compiled.

    ``filters`` are the distinct ``when`` of summed requirements; ``needs[i]`` says what
    is added up for filter ``i``: 0 hours and credits in totals, 1 practice hours in
    totals, 2 hours, credits and practice hours of every counted record (``include:
    all``), 3 counts. ``cache`` maps a record's values of the filtered fields to the
    filters it passes, by need.
    """

    __slots__ = ("cache", "checks", "filters", "index", "needs")

    def __init__(self) -> None:
        self.filters: list[Callable[[Mapping[str, Any]], bool]] = []
        self.index: dict[Any, int] = {}
        self.needs: list[set[int]] = []
        self.checks: list[tuple] = []
        self.cache: dict[tuple, tuple[tuple[int, ...], ...]] = {}


_NONE: list[Contribution] = []


_date_and_id = attrgetter("date", "id")


def _dispatch(rules) -> tuple[str, dict[Any, CompiledCreditRule], Any] | None:
    """(field, {value: rule}, rule for other values) when every rule of a kind is chosen by
    the value of one field (``when: {mode: online}``), or is the catch-all: the first
    matching rule is then one dict lookup. None for any other form of ``when``."""
    field = None
    table: dict[Any, CompiledCreditRule] = {}
    for rule in rules:
        when = rule.spec.when
        if not when:
            return (field or "kind"), table, rule  # the rules after it never match
        if len(when) != 1:
            return None
        ((name, value),) = when.items()
        name = str(name)
        if name in {"any_of", "all_of", "not"} or isinstance(value, Mapping | list):
            return None
        try:
            hash(value)
        except TypeError:
            return None
        if value != value or (field is not None and name != field):  # NaN never matches
            return None
        field = name
        table.setdefault(value, rule)
    return (field or "kind"), table, None


def _check(req, actual: float) -> dict[str, Any]:
    met = True
    shortfall = 0.0
    low = req.min
    high = req.max
    if low is not None and actual < low - 1e-9:
        met = False
        shortfall = low - actual
    if high is not None and actual > high + 1e-9:
        met = False
        shortfall = actual - high
    if req.measure != "share":
        actual = round(actual + 0.0, 2) or 0.0  # r2
        shortfall = round(shortfall + 0.0, 2) or 0.0 if shortfall else 0.0
    else:
        actual = round(actual, 4)
        shortfall = round(shortfall, 4)
    check: dict[str, Any] = {
        "id": req.id,
        "label": req.label,
        "measure": req.measure,
        "met": met,
        "actual": actual,
        "shortfall": shortfall,
    }
    if low is not None:
        check["required"] = low
    if high is not None:
        check["maximum"] = high
    return check


@lru_cache(maxsize=1024)
def _weeks(period: Period, within: tuple | None) -> list[tuple[dt.date, dt.date]]:
    """(Monday, Sunday) of every week lying wholly within ``period`` and, if ``within`` is
    given, wholly within one of its month-day spans."""
    monday = period.start + dt.timedelta((7 - period.start.weekday()) % 7)
    out = []
    while monday + dt.timedelta(6) <= period.end:
        sunday = monday + dt.timedelta(6)
        if within is None or any(_in_span(monday, sunday, span) for span in within):
            out.append((monday, sunday))
        monday += dt.timedelta(7)
    return out


def _in_span(monday: dt.date, sunday: dt.date, span: tuple[str, str]) -> bool:
    (m1, d1), (m2, d2) = ((int(x) for x in md.split("-")) for md in span)
    for year in (monday.year - 1, monday.year):
        start = dt.date(year, m1, d1)
        end = dt.date(year + ((m2, d2) < (m1, d1)), m2, d2)
        if start <= monday and sunday <= end:
            return True
    return False


def _weekly(req, when, members: list[Contribution], period: Period, as_of: dt.date):
    """A ``per: week`` requirement: each checked week needs ``min``; hours of one week do not
    make up for another. ``required`` = min × weeks, ``actual`` = Σ min(week, min) — what
    counts towards the weekly quota — and ``shortfall`` = Σ what each week lacks."""
    within = req.weeks.within if req.weeks is not None else None
    weeks = _weeks(period, tuple(within) if within is not None else None)
    index = {monday: i for i, (monday, _) in enumerate(weeks)}
    got = [0.0] * len(weeks)
    measure, every = req.measure, req.include == "all"
    for c in members:
        if not c.eligible:
            continue
        i = index.get(c.date - dt.timedelta(c.date.weekday()))
        if i is None or not when(c.facts):
            continue
        if measure == "count":
            got[i] += c.count
        elif c.counted and (c.in_totals or every):
            got[i] += (
                c.hours
                if measure == "hours"
                else (c.credits if measure == "credits" else c.practice_hours)
            )
    low = req.min
    short_weeks = []
    actual = shortfall = 0.0
    for n, ((monday, sunday), value) in enumerate(zip(weeks, got, strict=True), 1):
        actual += min(value, low)
        if value < low - 1e-9:
            shortfall += low - value
            short_weeks.append(
                {
                    "week": n,
                    "start": monday.isoformat(),
                    "end": sunday.isoformat(),
                    "actual": r2(value),
                    "shortfall": r2(low - value),
                    "upcoming": monday > as_of,
                }
            )
    return {
        "id": req.id,
        "label": req.label,
        "measure": measure,
        "per": "week",
        "met": not short_weeks,
        "required": r2(low * len(weeks)),
        "actual": r2(actual),
        "shortfall": r2(shortfall),
        "per_week": low,
        "weeks": len(weeks),
        "weeks_met": len(weeks) - len(short_weeks),
        "weeks_short": short_weeks,
    }


_SUMMED = {"hours", "credits", "practice_hours", "count"}
# (measure, include) -> the index of its sum in a filter's sums (see _period_out).
_VARIANT = {
    ("hours", "totals"): 0,
    ("credits", "totals"): 1,
    ("practice_hours", "totals"): 2,
    ("hours", "all"): 3,
    ("credits", "all"): 4,
    ("practice_hours", "all"): 5,
    ("count", "totals"): 6,
    ("count", "all"): 6,
}
# variant -> what is added up for it (see _PeriodPlan)
_GROUP = {0: 0, 1: 0, 2: 1, 3: 2, 4: 2, 5: 2, 6: 3}


def _canonical(value: Any) -> Any:
    """A hashable form of a condition that is equal exactly when the conditions are."""
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), _canonical(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("list", tuple(_canonical(v) for v in value))
    return value


def check_as_of(as_of: dt.date | None) -> None:
    """``as_of`` lies in the window of record dates (periods around it stay in range)."""
    if as_of is not None and not MIN_DATE <= as_of <= MAX_DATE:
        raise InputError(f"as-of date {as_of} is outside {MIN_DATE} … {MAX_DATE}")


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
        "id": c.id,
        "kind": c.kind,
        "date": c.date.isoformat(),
        "counted": c.counted,
        "hours": round(c.hours + 0.0, 2) or 0.0,  # r2, inline
        "credits": round(c.credits + 0.0, 2) or 0.0,
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
