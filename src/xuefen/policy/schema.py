"""The policy file format, validated with pydantic.

A policy file (YAML) declares periods, how each kind of record earns hours and credits,
caps, gates and requirements. Every rule is data; the classes in :mod:`.rules` give it
behaviour. See ``docs/policies.md`` for the format with a worked example.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from .records import GRADES, LEVELS, MODES, MODULES

MAX_NUMBER = 1_000_000
"""Every number in a policy or sheet file lies within ±1,000,000 (hours, rates, points,
thresholds): what is beyond is certainly a mistake, and results stay finite."""

Number = Annotated[float, Field(strict=True, ge=-MAX_NUMBER, le=MAX_NUMBER, allow_inf_nan=False)]
"""A number written in the file: an integer or a decimal, never a boolean or text."""
NonNegativeNumber = Annotated[float, Field(strict=True, ge=0, le=MAX_NUMBER, allow_inf_nan=False)]
PositiveNumber = Annotated[float, Field(strict=True, gt=0, le=MAX_NUMBER, allow_inf_nan=False)]
Count = Annotated[int, Field(strict=True, ge=1, le=MAX_NUMBER)]
Year = Annotated[int, Field(strict=True, ge=1900, le=2100)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reading(Strict):
    """A reading the file takes where its source is ambiguous or silent."""

    topic: str
    text: str


class GradeBand(Strict):
    grade: Literal["excellent", "good", "medium", "pass", "fail"]
    min: Number
    label: str


class PeriodSpec(Strict):
    anchors: list[Annotated[str, Field(pattern=r"^\d{2}-\d{2}$")]]
    label: str


class CycleSpec(Strict):
    years: Annotated[int, Field(strict=True, ge=1, le=20)]
    anchor_year: Year
    start: Annotated[str, Field(pattern=r"^\d{2}-\d{2}$")] = "01-01"
    label: str = "周期"


MonthDay = Annotated[str, Field(pattern=r"^\d{2}-\d{2}$")]


class WeeksSpec(Strict):
    """Which weeks of a period a ``per: week`` requirement checks: the weeks (Monday to
    Sunday) lying wholly within the period and, if ``within`` is given, wholly within one of
    its month-day spans (a span may run over the new year: ``["09-01", "01-15"]``)."""

    within: list[tuple[MonthDay, MonthDay]] | None = None

    @model_validator(mode="after")
    def _check(self) -> WeeksSpec:
        for span in self.within or []:
            for value in span:
                month, day = (int(x) for x in value.split("-"))
                if not 1 <= month <= 12 or not 1 <= day <= 31 or (month, day) == (2, 29):
                    raise ValueError(f"not a month and day (02-29 is refused): {value!r}")
        return self


class Requirement(Strict):
    """A condition on what a teacher accumulated in a period: ``min`` ≤ measure ≤ ``max``.

    With ``per: week`` the ``min`` holds for each week of the period (兰州: 每周学习4学时),
    the weeks ``weeks`` selects; hours of one week do not make up for another.
    """

    id: str
    label: str
    period: str
    measure: Literal["hours", "credits", "count", "practice_hours", "missed_sessions", "share"]
    when: dict[str, Any] | None = None
    share_of: dict[str, Any] | None = None
    share_basis: Literal["hours", "credits"] = "credits"
    include: Literal["totals", "all"] = "totals"
    min: Number | None = None
    max: Number | None = None
    applies_if: dict[str, Any] | None = None
    current_period_only: StrictBool = False
    per: Literal["period", "week"] = "period"
    weeks: WeeksSpec | None = None

    @model_validator(mode="after")
    def _check(self) -> Requirement:
        if self.min is None and self.max is None:
            raise ValueError("a requirement needs min or max")
        if self.per == "week":
            if self.measure not in {"hours", "credits", "count", "practice_hours"}:
                raise ValueError(
                    "per: week goes with measure hours, credits, count or practice_hours"
                )
            if self.min is None or self.max is not None:
                raise ValueError("per: week takes a min (each week's), and no max")
        elif self.weeks is not None:
            raise ValueError("'weeks' goes with per: week")
        if (self.measure == "share") != (self.share_of is not None):
            raise ValueError("share_of goes with measure 'share', and only with it")
        return self


class HoursSpec(Strict):
    """Where a record's hours come from."""

    field: str | None = "hours"
    days_field: str | None = None
    hours_per_day: Number | None = None
    fixed: Number | None = None
    by: str | None = None
    table: dict[str, Number] | None = None
    default: Number | None = None
    labels: dict[str, str] | None = None

    @model_validator(mode="after")
    def _check(self) -> HoursSpec:
        if (self.by is None) != (self.table is None):
            raise ValueError("'by' and 'table' go together")
        if (self.days_field is None) != (self.hours_per_day is None):
            raise ValueError("'days_field' and 'hours_per_day' go together")
        return self


class RateSpec(Strict):
    """Credits per hour (项目学分 or another coefficient)."""

    fixed: Number | None = None
    field: str | None = None
    by: str | None = None
    table: dict[str, Number] | None = None
    default: Number | None = None
    range: tuple[Number, Number] | dict[str, tuple[Number, Number]] | None = None
    label: str = "学分/学时"

    @model_validator(mode="after")
    def _check(self) -> RateSpec:
        if self.fixed is None and self.field is None and self.table is None:
            raise ValueError("a rate needs fixed, field or by/table")
        if (self.by is None) != (self.table is None):
            raise ValueError("'by' and 'table' go together")
        return self


class PerformanceSpec(Strict):
    """The performance coefficient (绩效系数) added on top of the base credits."""

    by: str
    table: dict[str, Number]
    labels: dict[str, str] | None = None


class Require(Strict):
    """A condition the record must meet to count at all; ``reason`` says why it did not."""

    when: dict[str, Any]
    reason: str


class Assign(Strict):
    """What a counted record counts as: mode, module, self-selected."""

    mode: Literal["online", "centralized", "school_based"] | None = None
    module: Literal["ethics", "knowledge", "ability", "class_management", "school_based"] | None = (
        None
    )
    module_default: (
        Literal["ethics", "knowledge", "ability", "class_management", "school_based"] | None
    ) = None
    self_selected: StrictBool | None = None


class CreditRule(Strict):
    """How records of one kind (optionally narrowed by ``when``) earn hours and credits."""

    id: str
    label: str
    kind: str
    when: dict[str, Any] | None = None
    requires: list[Require] = []
    hours: HoursSpec = HoursSpec()
    rate: RateSpec | None = None
    credits_field: str | None = None
    performance: PerformanceSpec | None = None
    assign: Assign = Assign()
    in_totals: StrictBool = True
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> CreditRule:
        if self.rate is None and self.credits_field is None:
            raise ValueError("a credit rule needs a rate or a credits_field")
        return self


class Cap(Strict):
    """A limit applied in date order within a period (and optional groups)."""

    id: str
    label: str
    period: str
    when: dict[str, Any] | None = None
    group_by: list[str] = []
    max_hours: Number | None = None
    max_credits: Number | None = None
    max_periods: Count | None = None

    @model_validator(mode="after")
    def _check(self) -> Cap:
        given = [x for x in (self.max_hours, self.max_credits, self.max_periods) if x is not None]
        if len(given) != 1:
            raise ValueError("a cap has exactly one of max_hours, max_credits, max_periods")
        return self


class Gate(Strict):
    """A condition outside the teacher's own records (文成: the school's assessment)."""

    id: str
    label: str
    type: Literal["school_assessment"]
    period: str
    when: dict[str, Any] | None = None
    pass_above: Number


class WindowSpec(Strict):
    """A recognition window: from ``start`` to ``end`` (MM-DD, inclusive) of the year the
    period ends plus ``year`` (普洱: recognition 11-01–12-31 of the year itself, certification
    03-01–04-30 of the next, ``year: 1``)."""

    start: Annotated[str, Field(pattern=r"^\d{2}-\d{2}$")]
    end: Annotated[str, Field(pattern=r"^\d{2}-\d{2}$")]
    year: Annotated[int, Field(strict=True, ge=0, le=2)] = 0
    label: str = ""

    @model_validator(mode="after")
    def _check(self) -> WindowSpec:
        for value in (self.start, self.end):
            month, day = (int(x) for x in value.split("-"))
            if not (1 <= month <= 12 and 1 <= day <= 31):
                raise ValueError(f"not a month and day: {value!r}")
        if self.end < self.start:
            raise ValueError("a window may not end before it starts (within one year)")
        return self


class PlanSpec(Strict):
    """The semesters a school's school-based training plan covers (``anchors``, MM-DD, as a
    period type) and the days from a semester's start within which it is submitted to the
    county (普洱: 每学期开学后一周内 → 7); ``submit_days: null`` sets no window."""

    anchors: list[Annotated[str, Field(pattern=r"^\d{2}-\d{2}$")]] = ["09-01", "03-01"]
    label: str = "学期"
    submit_days: Annotated[int, Field(strict=True, ge=1, le=120)] | None = None


class Procedure(Strict):
    """How a school's credits reach certification: the period a public notice and a
    submission cover, how many days the notice stays up, and the windows in which schools
    recognise (review, publish, submit) and the county certifies. Without windows an
    action may happen any time after its period has begun."""

    period: str = "year"
    notice_days: Annotated[int, Field(strict=True, ge=1, le=60)] = 7
    windows: dict[Literal["recognition", "certification"], WindowSpec] = {}
    plan: PlanSpec = PlanSpec()


class Extensions(Strict):
    """Record fields and kinds a policy adds to the vocabulary."""

    fields: dict[str, dict[str, dict[str, Any]]] = {}
    kinds: dict[str, dict[str, Any]] = {}


class DocumentHeader(Strict):
    """What every policy and sheet file starts with: what it is, whose, from which source
    document, and the readings it takes where the source is ambiguous or silent."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: str
    region: str
    source: str
    version: Count = 1
    example: StrictBool = False
    description: str | None = None
    readings: list[Reading] = []


class PolicyFile(DocumentHeader):
    """A whole policy file."""

    counted_statuses: list[str] = ["certified"]
    grades: list[GradeBand] = []
    periods: dict[str, PeriodSpec]
    cycle: CycleSpec | None = None
    report_periods: list[str] | None = None
    extensions: Extensions = Extensions()
    credit_rules: list[CreditRule]
    caps: list[Cap] = []
    gates: list[Gate] = []
    requirements: list[Requirement] = []
    procedure: Procedure | None = None

    @model_validator(mode="after")
    def _check(self) -> PolicyFile:
        if self.procedure is not None and self.procedure.period not in self.periods:
            raise ValueError(
                f"procedure: unknown period {self.procedure.period!r} "
                f"(declared: {sorted(self.periods)})"
            )
        known = set(self.periods) | ({"cycle"} if self.cycle else set())
        for section in (self.caps, self.gates, self.requirements):
            for item in section:
                if item.period not in known:
                    raise ValueError(
                        f"{item.id}: unknown period {item.period!r} (declared: {sorted(known)})"
                    )
        if "cycle" in self.periods:
            raise ValueError("'cycle' is reserved for the cycle section")
        for name in self.report_periods or []:
            if name not in self.periods:
                raise ValueError(f"report_periods: unknown period {name!r}")
        ids = [r.id for r in self.credit_rules] + [c.id for c in self.caps]
        ids += [g.id for g in self.gates] + [r.id for r in self.requirements]
        dupes = sorted(i for i, n in Counter(ids).items() if n > 1)
        if dupes:
            raise ValueError(f"duplicate rule ids: {dupes}")
        bands = [b.min for b in self.grades]
        if bands != sorted(bands, reverse=True):
            raise ValueError("grades: bands must be listed from the highest min down")
        return self


VOCABULARY = {"levels": LEVELS, "modes": MODES, "modules": MODULES, "grades": GRADES}
