"""The assessment-sheet file format (考核量化表), validated with pydantic.

A sheet file (YAML) declares its columns (自评 / 区评 …), the inputs a person enters, the
metrics computed over a school's teachers, and sections of items with their maxima. Every
item has a ``type`` that names its rule class in :data:`xuefen.policy.sheets.ITEM_CLASSES`:

* ``records``   – points per record from the first matching case (caps, highest-only,
  highest per group);
* ``deduction`` – a start value minus a per-unit amount (fixed or computed from inputs) for
  each unit (absences, missing activities, shortfalls), floored;
* ``judgement`` – a score entered by a person, within bounds;
* ``bands``     – a number (an input or a metric) mapped to points through bands;
* ``all_met``   – points when every test on inputs or metrics holds;
* ``tally``     – counts entered by a person × points per unit, capped.

See ``docs/sheets.md`` for the format with a worked example.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, model_validator

from .schema import (
    DocumentHeader,
    NonNegativeNumber,
    Number,
    PositiveNumber,
    Strict,
)

Ident = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]


class Column(Strict):
    """A score column of the paper sheet (自评, 区评, 校评, 互评…)."""

    id: Ident
    label: str


class Passing(Strict):
    """The pass threshold: ``above`` = strictly above ``score``; ``at_least`` = score or more."""

    score: Number
    rule: Literal["above", "at_least"] = "above"


class InputSpec(Strict):
    """A value entered by a person, other than a judgement item's own score."""

    label: str
    type: Literal["number", "integer", "boolean", "list"] = "number"
    min: Number | None = None
    max: Number | None = None
    required: StrictBool = True
    default: Any = None
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> InputSpec:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is above max")
        if self.type in {"boolean", "list"} and (self.min is not None or self.max is not None):
            raise ValueError(f"min/max do not apply to type {self.type}")
        return self


class InputRef(Strict):
    input: str


class MetricRef(Strict):
    metric: str


Quantity = Number | InputRef


class Computed(Strict):
    """A per-unit amount computed from inputs: ``value × times… / (divide_by…)``."""

    value: Quantity
    times: list[Quantity] = []
    divide_by: list[Quantity] = []


class Metric(Strict):
    """A number computed over the school's teachers (their records in the period).

    * ``count`` – records matching ``when``;
    * ``sum`` – ``field`` summed over matching records;
    * ``average_per_teacher`` – that sum divided by the number of teachers;
    * ``share_of_teachers`` – percent of teachers with at least one matching record;
    * ``attendance_rate`` – percent of (teacher, activity) sessions not missed: a session is
      missed on ``leave`` or ``absent`` with no ``makeup`` for the same activity;
    * ``sheet_average`` – each teacher scored on ``sheet``, the average of ``section``
      (or of the total when no section is given).

    ``per_year: true`` (年均) divides ``count``, ``sum``, ``average_per_teacher`` and
    ``share_of_teachers`` by the assessed span's length in years (see ``SheetFile``); for
    ``share_of_teachers`` a teacher counts once in each year of the span with a matching
    record (年均人数 = Σ each year's people ÷ years).
    """

    label: str
    measure: Literal[
        "count", "sum", "average_per_teacher", "share_of_teachers", "attendance_rate",
        "sheet_average",
    ]  # fmt: skip
    when: dict[str, Any] | None = None
    field: str | None = None
    sheet: str | None = None
    section: str | None = None
    unit: str = ""
    per_year: StrictBool = False

    @model_validator(mode="after")
    def _check(self) -> Metric:
        if self.per_year and self.measure in {"attendance_rate", "sheet_average"}:
            raise ValueError(f"per_year does not apply to measure {self.measure}")
        needs_field = self.measure in {"sum", "average_per_teacher"}
        if needs_field != (self.field is not None):
            raise ValueError("'field' goes with measures sum and average_per_teacher, only")
        if (self.measure == "sheet_average") != (self.sheet is not None):
            raise ValueError("'sheet' goes with measure sheet_average, and only with it")
        if self.section is not None and self.measure != "sheet_average":
            raise ValueError("'section' goes with measure sheet_average")
        if self.measure == "sheet_average" and self.when is not None:
            raise ValueError("sheet_average takes no 'when'")
        return self


class Case(Strict):
    """One row of a points table: the first case whose ``when`` holds gives the points."""

    when: dict[str, Any] | None = None
    points: Number
    label: str


class Scale(Strict):
    """Thresholds × ``factor`` when the boolean input is true (半年考评折半计算)."""

    input: str
    factor: PositiveNumber
    label: str = "折算"


class ItemBase(Strict):
    id: Ident
    label: str
    note: str | None = None


class RecordsItem(ItemBase):
    """Points from records: per record (× ``multiply_by``), summed or highest, capped."""

    type: Literal["records"]
    source: Literal["teacher", "school", "teachers"] = "teacher"
    when: dict[str, Any]
    cases: Annotated[list[Case], Field(min_length=1)]
    multiply_by: str | None = None
    unit: str = "次"
    combine: Literal["sum", "highest"] = "sum"
    group_by: list[str] = []
    group_label: str | None = None
    max: NonNegativeNumber | None = None
    net_of_earlier_periods: StrictBool = False
    """With ``--period``: a group's highest so far less the highest of its records dated
    before the period (scored on an earlier sheet): 同人同年度取最高分 over semester sheets."""

    @model_validator(mode="after")
    def _check(self) -> RecordsItem:
        if self.group_by and self.combine != "highest":
            raise ValueError("group_by keeps the highest of each group: set combine: highest")
        if self.net_of_earlier_periods and not self.group_by:
            raise ValueError("net_of_earlier_periods goes with combine: highest and group_by")
        return self


class CountUnits(Strict):
    """Units = records matching ``when`` (× ``multiply_by``)."""

    measure: Literal["count"]
    when: dict[str, Any]
    multiply_by: str | None = None


class MissedSessionUnits(Strict):
    """Units = school-based sessions missed (leave or absent) and not made up."""

    measure: Literal["missed_sessions"]
    when: dict[str, Any] | None = None


class InputUnits(Strict):
    """Units = the sum of numeric inputs."""

    measure: Literal["inputs"]
    inputs: Annotated[list[str], Field(min_length=1)]


class ShortfallUnits(Strict):
    """Units = Σ max(0, required − done) over a list input of people.

    Each element of the list input is ``{by: <key>, field: <number>, ...}``; ``required``
    gives the minimum per key (校级领导 3 次, 分管教学中层 5 次).
    """

    measure: Literal["shortfall"]
    input: str
    by: str = "role"
    field: str = "sessions"
    required: dict[str, NonNegativeNumber]
    labels: dict[str, str] = {}


Units = Annotated[
    CountUnits | MissedSessionUnits | InputUnits | ShortfallUnits,
    Field(discriminator="measure"),
]


class DeductionItem(ItemBase):
    """``start − per_unit × units``, never below ``floor`` (扣完为止)."""

    type: Literal["deduction"]
    start: Number
    per_unit: Number | Computed
    units: Units
    unit: str = "次"
    floor: Number | None = 0


class JudgementItem(ItemBase):
    """A score entered by a person (the input named ``input``, default the item id)."""

    type: Literal["judgement"]
    input: str | None = None
    min: Number = 0
    max: Number
    required: StrictBool = True
    default: Number | None = None

    @model_validator(mode="after")
    def _check(self) -> JudgementItem:
        if self.min > self.max:
            raise ValueError("min is above max")
        if not self.required and self.default is None:
            raise ValueError("an optional judgement needs a default")
        return self

    @property
    def input_name(self) -> str:
        return self.input or self.id


class Band(Strict):
    min: Number
    points: Number
    label: str | None = None


class BandsItem(ItemBase):
    """A number mapped through bands: the first band (highest ``min`` first) it reaches."""

    type: Literal["bands"]
    value: InputRef | MetricRef
    bands: Annotated[list[Band], Field(min_length=1)]
    otherwise: Number = 0
    otherwise_label: str | None = None
    scale: Scale | None = None

    @model_validator(mode="after")
    def _check(self) -> BandsItem:
        mins = [b.min for b in self.bands]
        if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
            raise ValueError("bands: list them from the highest min down, each min once")
        return self


class Test(Strict):
    value: InputRef | MetricRef
    gte: Number


class AllMetItem(ItemBase):
    """``points`` when every test holds (value ≥ threshold), else ``otherwise``."""

    type: Literal["all_met"]
    tests: Annotated[list[Test], Field(min_length=1)]
    points: Number
    otherwise: Number = 0
    scale: Scale | None = None


class TallyRow(Strict):
    input: str
    points: Number
    label: str
    unit: str = "人"


class TallyItem(ItemBase):
    """Counts entered by a person × points each, summed and capped."""

    type: Literal["tally"]
    rows: Annotated[list[TallyRow], Field(min_length=1)]
    max: NonNegativeNumber | None = None


Item = Annotated[
    RecordsItem | DeductionItem | JudgementItem | BandsItem | AllMetItem | TallyItem,
    Field(discriminator="type"),
]


class ZeroRule(Strict):
    """The whole section scores 0 when any counted record matches, or a boolean input is true."""

    any_record: dict[str, Any] | None = None
    input: str | None = None
    reason: str

    @model_validator(mode="after")
    def _check(self) -> ZeroRule:
        if (self.any_record is None) == (self.input is None):
            raise ValueError("a zeroing rule has exactly one of any_record, input")
        return self


class Section(Strict):
    id: Ident
    label: str
    max: NonNegativeNumber
    items: Annotated[list[Item], Field(min_length=1)]
    zero_if: list[ZeroRule] = []


class Bonus(Strict):
    """附加分: reported as the top-level ``bonus``, added to the total."""

    label: str = "附加分"
    max: NonNegativeNumber | None = None
    items: Annotated[list[Item], Field(min_length=1)]


class SheetFile(DocumentHeader):
    """A whole sheet file."""

    subject: Literal["teacher", "school"]
    counted_statuses: list[str] = ["certified"]
    hours_per_day: PositiveNumber | None = None
    columns: Annotated[list[Column], Field(min_length=1)]
    default_column: str
    inputs: dict[str, InputSpec] = {}
    metrics: dict[str, Metric] = {}
    sections: Annotated[list[Section], Field(min_length=1)]
    bonus: Bonus | None = None
    passing: Passing | None = None
    half_year_input: str | None = None
    """A boolean input saying the span assessed is half a year (平阳: 半年考评). The span's
    length in years, which ``per_year`` metrics divide by: with ``--period``, its length to
    the nearest half year (at least 0.5); without one, 0.5 when this input is true, else 1."""

    @model_validator(mode="after")
    def _check(self) -> SheetFile:
        if self.half_year_input is not None:
            spec = self.inputs.get(self.half_year_input)
            if spec is None or spec.type != "boolean":
                raise ValueError(
                    f"half_year_input {self.half_year_input!r} is not a declared boolean input"
                )
        cols = [c.id for c in self.columns]
        if len(set(cols)) != len(cols):
            raise ValueError("columns: duplicate id")
        if self.default_column not in cols:
            raise ValueError(f"default_column {self.default_column!r} is not a column {cols}")
        sections = [s.id for s in self.sections]
        if len(set(sections)) != len(sections):
            raise ValueError("sections: duplicate id")
        items = [i.id for s in self.sections for i in s.items]
        items += [i.id for i in (self.bonus.items if self.bonus else [])]
        dupes = sorted({i for i in items if items.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate item ids: {dupes}")
        if self.subject == "teacher" and self.metrics:
            raise ValueError("metrics are computed over a school's teachers: school sheets only")
        for item in self.all_items():
            if not isinstance(item, RecordsItem):
                continue
            if self.subject == "teacher" and item.source != "teacher":
                raise ValueError(f"item {item.id}: a teacher sheet reads source: teacher")
            if self.subject == "school" and item.source == "teacher":
                raise ValueError(f"item {item.id}: a school sheet reads source: school or teachers")
        return self

    def all_items(self) -> list[Any]:
        items = [i for s in self.sections for i in s.items]
        return items + list(self.bonus.items if self.bonus else [])
