"""The rule classes behind the policy format, reached through name → class maps.

* :class:`CompiledCreditRule` – hours × rate × (1 + performance) for one kind of record;
* ``CAP_CLASSES`` – limits applied in date order (``max_hours``, ``max_credits``,
  ``max_periods``);
* ``GATE_CLASSES`` – conditions outside the teacher's records (``school_assessment``);
* ``MEASURES`` – requirement measures that need a pass of their own (missed sessions, a
  share); hours, credits, practice hours and counts are summed by the engine's period plan.

Every number a rule produces carries its explanation, e.g. ``30 h × 1 × (1 + 0.15 良)``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .assessment import AssessmentGate, SchoolAssessments, verdict
from .conditions import compile_condition
from .errors import InputError

if TYPE_CHECKING:
    from .engine import Contribution, Policy
    from .schema import Cap, CreditRule, Gate, Requirement

LABELS: dict[str, dict[str, str]] = {
    "grade": {"excellent": "优", "good": "良", "medium": "中", "pass": "合格", "fail": "不合格"},
    "award": {"first": "一等奖", "second": "二等奖", "third": "三等奖", "none": "未获奖"},
    "role": {
        "host": "主持人",
        "member": "成员",
        "student": "学员",
        "participant": "参与人",
    },
    "level": {
        "school": "校级",
        "county": "县级",
        "city": "市级",
        "province": "省级",
        "national": "国家级",
    },
}


_FMT_CACHE: dict[float, str] = {}


def fmt(x: float) -> str:
    """A number as people write it: 30, 1.5, 0.15 (at most 4 decimals)."""
    text = _FMT_CACHE.get(x)
    if text is None:
        text = f"{round(x, 4) + 0.0:.12g}"
        if len(_FMT_CACHE) < 4096:  # a pure function of the value: never stale
            _FMT_CACHE[x] = text
    return text


class CompiledCreditRule:
    """One credit rule of a policy, compiled.

    Where hours, rate and performance come from is decided here, once: :meth:`apply` calls
    one precompiled function for each, and table values come with their text ready.
    """

    def __init__(self, spec: CreditRule, policy: Policy):
        self.spec = spec
        self.id = spec.id
        self.label = spec.label
        self.policy_id = policy.id
        self.matches = compile_condition(spec.when, f"credit_rules.{spec.id}.when")
        self.requires = [
            (compile_condition(r.when, f"credit_rules.{spec.id}.requires[{i}]"), r.reason)
            for i, r in enumerate(spec.requires)
        ]
        grade_labels = dict(LABELS["grade"])
        grade_labels.update(policy.grade_labels)
        self._labels = dict(LABELS)
        self._labels["grade"] = grade_labels
        rate = spec.rate
        # Ranges either apply to every record or depend on the ``by`` field (e.g. level).
        self._range_by_key = rate is not None and isinstance(rate.range, dict)
        self._hours_of = self._compile_hours()
        self._rate_of = self._compile_rate() if rate is not None else self._no_rate
        self._perf_texts: dict[Any, tuple[float, str]] = {}
        perf = spec.performance
        if perf is not None:
            keys = [*perf.table, *self._labels.get(perf.by, {}), *(perf.labels or {})]
            for key in keys:
                self._perf_texts[key] = self._perf_text(key)
        self._note = f"；{spec.note}" if spec.note else ""
        self._assign = spec.assign
        self._in_totals = spec.in_totals
        self._credits_field = spec.credits_field
        self._perf_by = perf.by if perf is not None else None

    def _label(self, field: str, value: Any, own: Mapping[str, str] | None) -> str:
        if own and value in own:
            return own[value]
        return self._labels.get(field, {}).get(value, str(value))

    def _perf_text(self, key: Any) -> tuple[float, str]:
        p = self.spec.performance
        perf = p.table.get(key, 0.0)
        return perf, f" × (1 + {fmt(perf)} {self._label(p.by, key, p.labels)})"

    def _missing(self, c: Contribution, field: str, what: str) -> InputError:
        return InputError(
            f"{what} is required by policy {self.policy_id} (rule {self.id})",
            record=c.id,
            field=field,
        )

    def _compile_hours(self) -> Callable[[Contribution], tuple[float, str]]:
        """``c`` → (hours, text), for where this rule takes its hours from."""
        h = self.spec.hours
        if h.fixed is not None:
            fixed = (h.fixed, f"{fmt(h.fixed)} h")
            return lambda c: fixed
        if h.by is not None:
            by = h.by
            table = {
                key: (value, f"{fmt(value)} h（{self._label(by, key, h.labels)}）")
                for key, value in h.table.items()
            }

            def by_table(c: Contribution) -> tuple[float, str]:
                key = c.facts.get(by)
                hit = table.get(key)
                if hit is None:
                    raise InputError(
                        f"no hours for {key!r} under policy {self.policy_id} "
                        f"(one of: {', '.join(h.table)})",
                        record=c.id,
                        field=by,
                    )
                return hit

            return by_table
        field = h.field
        days_field = h.days_field
        per_day = h.hours_per_day
        default = h.default

        def from_fields(c: Contribution) -> tuple[float, str]:
            f = c.facts
            if days_field is not None:
                days = f.get(days_field)
                if days is not None:
                    value = days * per_day
                    return value, f"{fmt(days)} d × {fmt(per_day)} h/d = {fmt(value)} h"
            value = f.get(field) if field else None
            if value is None:
                if default is None:
                    raise self._missing(c, field or "hours", "hours")
                value = default
            return value, f"{fmt(value)} h"

        return from_fields

    def _no_rate(self, c: Contribution) -> tuple[float, str]:
        # A rule with a credits_field and no rate, on a record without that field: fails
        # as it always did (AttributeError on the missing rate spec).
        rate: Any = self.spec.rate
        return rate.by

    def _compile_rate(self) -> Callable[[Contribution], tuple[float, str]]:
        """``c`` → (rate, text), for where this rule takes its rate from."""
        r = self.spec.rate
        field = r.field
        by = r.by
        ranges = r.range
        by_key = self._range_by_key
        table = (
            {key: (value, fmt(value)) for key, value in r.table.items()}
            if r.table is not None
            else None
        )
        default = (r.default, fmt(r.default)) if r.default is not None else None
        fallback = (r.fixed, fmt(r.fixed)) if r.fixed is not None else default

        def rate_of(c: Contribution) -> tuple[float, str]:
            f = c.facts
            if field is not None:
                value = f.get(field)
                if value is not None:
                    key = f.get(by) if by else None
                    bounds = ranges.get(key) if by_key else ranges
                    if bounds is not None and not (bounds[0] - 1e-9 <= value <= bounds[1] + 1e-9):
                        scope = f" for {key}" if key else ""
                        raise InputError(
                            f"{fmt(value)} is outside {fmt(bounds[0])}–{fmt(bounds[1])}"
                            f" allowed{scope} by policy {self.policy_id} (rule {self.id})",
                            record=c.id,
                            field=field,
                        )
                    return value, fmt(value)
            if table is not None:
                hit = table.get(f.get(by) if by else None)
                if hit is not None:
                    return hit
                if default is None:
                    raise self._missing(c, by, f"{by} (one of: {', '.join(r.table)})")
                return default
            if fallback is not None:
                return fallback
            raise self._missing(c, field, field)

        return rate_of

    def apply(self, c: Contribution) -> None:
        """Compute the record's hours and credits, or say why it earns nothing."""
        facts = c.facts
        for cond, reason in self.requires:
            if not cond(facts):
                c.not_counted(reason)
                return
        assign = self._assign
        c.mode = mode = assign.mode or facts.get("mode")
        c.module = module = assign.module or facts.get("module") or assign.module_default
        if assign.self_selected is not None:
            c.self_selected = assign.self_selected
        facts["mode"] = mode
        facts["module"] = module
        facts["self_selected"] = c.self_selected
        c.in_totals = self._in_totals
        credits_field = self._credits_field
        if credits_field is not None and facts.get(credits_field) is not None:
            hours_field = self.spec.hours.field
            hours = facts.get(hours_field) if hours_field else None
            c.hours = float(hours or 0.0)
            c.credits = float(facts[credits_field])
            c.rate = None
            c.explanation = f"{fmt(c.credits)} 学分（直接登记）"
            c.counted = True
            return
        hours, hours_text = self._hours_of(c)
        rate, rate_text = self._rate_of(c)
        perf = 0.0
        tail = " × " + rate_text
        perf_by = self._perf_by
        if perf_by is not None:
            key = facts.get(perf_by)
            if key is not None:
                hit = self._perf_texts.get(key)
                if hit is None:
                    hit = self._perf_text(key)
                perf = hit[0]
                tail += hit[1]
        hours = round(float(hours), 2)  # shown with 2 decimals; totals add what is shown
        c.hours = hours
        c.rate = rate
        c.perf = perf
        c.tail = tail
        c.credits = round(hours * rate * (1 + perf), 2)
        practice = facts.get("practice_hours")
        if practice:
            c.practice_hours = float(practice)
        c.explanation = hours_text + tail + self._note
        c.counted = True


def _group_key(c: Contribution, period: str, group_by: list[str]) -> tuple:
    return (c.periods[period].label, *(c.facts.get(g) for g in group_by))


class _RunningCap(ABC):
    """A running total per period (and group) that may not pass a limit; date order decides.

    Subclasses say what is added up (``amount``), the limit, and how a record is trimmed to
    the room left.
    """

    def __init__(self, spec: Cap):
        self.spec = spec
        self.when = compile_condition(spec.when, f"caps.{spec.id}.when")

    @abstractmethod
    def amount(self, c: Contribution) -> float: ...

    @abstractmethod
    def limit(self) -> float: ...

    @abstractmethod
    def trim(self, c: Contribution, room: float) -> None: ...

    def apply(self, ordered: list[Contribution], policy: Policy) -> None:
        s = self.spec
        limit = self.limit()
        used: dict[tuple, float] = defaultdict(float)
        when = self.when
        period = s.period
        group_by = s.group_by
        for c in ordered:
            if not c.counted or not when(c.facts):
                continue
            key = _group_key(c, period, group_by)
            room = max(limit - used[key], 0.0)
            amount = self.amount(c)
            if amount <= room + 1e-9:
                used[key] += amount
                continue
            if room <= 1e-9:
                c.not_counted(f"{s.label}：本{_period_title(policy, s.period)}已达上限，不再计入")
                continue
            used[key] += room
            self.trim(c, room)


class MaxHoursCap(_RunningCap):
    """Hours above ``max_hours`` do not count; credits follow the trimmed hours."""

    def amount(self, c: Contribution) -> float:
        return c.hours

    def limit(self) -> float:
        return self.spec.max_hours

    def trim(self, c: Contribution, room: float) -> None:
        label = self.spec.label
        old = c.hours
        c.hours = room
        if c.rate is not None:
            c.credits = round(room * c.rate * (1 + c.perf), 2)
            # Keep what followed the formula (the rule's note, a gate's remark).
            at = c.explanation.find(c.tail) if c.tail else -1
            rest = c.explanation[at + len(c.tail) :] if at >= 0 else ""
            c.explanation = f"{fmt(room)} h（原 {fmt(old)} h，{label}）{c.tail}{rest}"
        else:
            c.credits = round(c.credits * room / old, 2)
            c.explanation += f"；{label}：计入 {fmt(room)} h（原 {fmt(old)} h）"


class MaxCreditsCap(_RunningCap):
    """Credits above ``max_credits`` do not count; hours stay as they are."""

    def amount(self, c: Contribution) -> float:
        return c.credits

    def limit(self) -> float:
        return self.spec.max_credits

    def trim(self, c: Contribution, room: float) -> None:
        old = c.credits
        c.credits = round(room, 2)
        c.explanation += f"；{self.spec.label}：计入 {fmt(room)} 学分（原 {fmt(old)}）"


class MaxPeriodsCap:
    """Only the first ``max_periods`` periods of a group count (学历提高: three years)."""

    def __init__(self, spec: Cap):
        self.spec = spec
        self.when = compile_condition(spec.when, f"caps.{spec.id}.when")

    def apply(self, ordered: list[Contribution], policy: Policy) -> None:
        s = self.spec
        seen: dict[tuple, list[str]] = defaultdict(list)
        for c in ordered:
            if not c.counted or not self.when(c.facts):
                continue
            group = tuple(c.facts.get(g) for g in s.group_by)
            label = c.periods[s.period].label
            periods = seen[group]
            if label in periods:
                continue
            if len(periods) >= s.max_periods:
                c.not_counted(
                    f"{s.label}：已计满 {s.max_periods} 个{_period_title(policy, s.period)}"
                )
                continue
            periods.append(label)


def _period_title(policy: Policy, name: str) -> str:
    if name == "cycle":
        return policy.spec.cycle.label if policy.spec.cycle else "周期"
    return policy.period_types[name].title


CAP_CLASSES: dict[str, type] = {
    "max_hours": MaxHoursCap,
    "max_credits": MaxCreditsCap,
    "max_periods": MaxPeriodsCap,
}


class SchoolAssessmentGate:
    """Records of a period count only if the school's assessment passed (文成).

    The results come from :class:`~.assessment.SchoolBook`: the input's ``schools`` (given
    once per school) or the teacher's own ``school.assessment(s)``. A school passes with a
    score strictly above ``pass_above``, or, failing that, a rectification score strictly
    above it (:func:`~.assessment.verdict`, the same test :func:`assessment_outcome` words
    for pages).
    """

    def __init__(self, spec: Gate):
        self.spec = spec
        self.when = compile_condition(spec.when, f"gates.{spec.id}.when")

    def describe(self, policy: Policy) -> AssessmentGate:
        s = self.spec
        return AssessmentGate(
            s.id, s.label, s.period, _period_title(policy, s.period), s.pass_above, s.when
        )

    def apply(
        self, contributions: list[Contribution], school: SchoolAssessments, policy: Policy
    ) -> None:
        s = self.spec
        limit = fmt(s.pass_above)
        title = _period_title(policy, s.period)
        for c in contributions:
            if not c.counted or not self.when(c.facts):
                continue
            result = school.for_period(c.periods[s.period].label)
            status = verdict(result, s.pass_above)
            if status == "not_entered":
                c.not_counted(f"{s.label}：学校本{title}考核结果未录入，暂不认定")
            elif status == "passed":
                c.explanation += f"；学校考核 {fmt(result.score)} 分，高于 {limit} 分，予以认定"
            elif status == "passed_after_rectification":
                c.explanation += f"；学校考核 {result}，予以认定"
            else:
                c.not_counted(
                    f"{s.label}：学校考核 {result}，未高于 {limit} 分，"
                    f"本{title}校本研修学分不予认定"
                )


GATE_CLASSES: dict[str, type] = {"school_assessment": SchoolAssessmentGate}

Pred = Callable[[Mapping[str, Any]], bool]


def _pool(req: Requirement, when: Pred, members: list[Contribution]):
    for c in members:
        if c.counted and (c.in_totals or req.include == "all") and when(c.facts):
            yield c


def _missed(req, when, share_of, members):
    """Sessions missed (leave or absence) with no make-up record for the same activity."""
    missed: set[str] = set()
    made_up: set[str] = set()
    for c in members:
        if not c.eligible or c.kind != "activity_attendance" or not when(c.facts):
            continue
        status = c.facts.get("status")
        if status in {"leave", "absent"}:
            missed.add(c.facts["activity"])
        elif status == "makeup":
            made_up.add(c.facts["activity"])
    return float(len(missed - made_up))


def _share(req, when, share_of, members):
    basis = "credits" if req.share_basis == "credits" else "hours"
    pool = list(_pool(req, when, members))
    total = sum(getattr(c, basis) for c in pool)
    if total <= 0:
        return 0.0
    return sum(getattr(c, basis) for c in pool if share_of(c.facts)) / total


# hours, credits, practice_hours and count are added up for every requirement of a period
# in one pass by the engine (engine._PeriodPlan); these measures need a pass of their own.
MEASURES: dict[str, Callable[..., float]] = {
    "missed_sessions": _missed,
    "share": _share,
}
