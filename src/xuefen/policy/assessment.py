"""The school's assessment (文成: 学校校本研修考核) as the engine reads it, once per school.

A school's assessment result is a fact of the school and the period, not of each teacher:
「考核分为120分以上的，全校教师学分准予认定」. The evaluation input gives it once, at the top::

    {"schools": [{"id": "S1", "assessments": {"2018-2019-1": {"score": 118,
                                                             "rectification_score": 125}}}],
     "teachers": [{"id": "T1", "school": {"id": "S1"}, "records": [...]},
                  {"id": "T2", "school": "S1", "records": [...]}]}

``assessment`` (one result for every period) may stand for ``assessments`` (results keyed
by period label), and either may fall back to the other: a period's own result first, else
``assessment``. The older form — each teacher carrying ``school.assessment(s)`` — keeps
working; within one evaluation, teachers naming the same school must then carry the same
results (else :class:`InputError` naming the school and both teachers), and a teacher naming a
school that ``schools`` does not list is an error once ``schools`` is given.

Pages explain the gate in the engine's own words through :func:`assessment_outcome` and
:attr:`Policy.assessment_gate <xuefen.policy.engine.Policy.assessment_gate>`. Pure Python:
nothing from Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import InputError
from .records import MAX_ID_CHARS, MAX_INPUT_NUMBER, record_label, shown

SCHOOL_KEYS = frozenset({"id", "name", "assessment", "assessments"})


def _fmt(x: float) -> str:
    from .rules import fmt  # rules imports this module: import late

    return fmt(x)


@dataclass(frozen=True)
class Result:
    """One period's assessment of a school: its score and, after rectification, the new one."""

    score: float
    rectification_score: float | None = None

    def as_dict(self) -> dict[str, float]:
        out = {"score": self.score}
        if self.rectification_score is not None:
            out["rectification_score"] = self.rectification_score
        return out

    def __str__(self) -> str:
        after = (
            f"，整改后 {_fmt(self.rectification_score)} 分"
            if self.rectification_score is not None
            else ""
        )
        return f"{_fmt(self.score)} 分{after}"


@dataclass(frozen=True)
class SchoolAssessments:
    """A school's results: ``default`` (``assessment``) and ``by_period`` (``assessments``)."""

    default: Result | None = None
    by_period: Mapping[str, Result] = field(default_factory=dict)

    def for_period(self, label: str) -> Result | None:
        """The result of the period labelled ``label``: its own, else the default one."""
        return self.by_period.get(label) or self.default

    def difference(self, other: SchoolAssessments) -> str | None:
        """Where two readings of a school's results differ (a period label, or ``所有学期``
        for the default), with both values; None when every period reads the same."""
        for label in sorted(set(self.by_period) | set(other.by_period)):
            mine, theirs = self.for_period(label), other.for_period(label)
            if mine != theirs:
                return f"{label}: {_said(mine)} vs {_said(theirs)}"
        if self.default != other.default:
            return f"assessment: {_said(self.default)} vs {_said(other.default)}"
        return None

    @property
    def empty(self) -> bool:
        return self.default is None and not self.by_period


def _said(result: Result | None) -> str:
    return str(result) if result is not None else "未录入"


NO_ASSESSMENT = SchoolAssessments()


def _number(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not -MAX_INPUT_NUMBER <= value <= MAX_INPUT_NUMBER  # also refuses NaN
    ):
        raise InputError(
            f"must be a number within ±{MAX_INPUT_NUMBER:,} (got {shown(value)})", field=where
        )
    return float(value)


def _result(raw: Any, where: str) -> Result | None:
    if raw is None or (isinstance(raw, Mapping) and not raw):
        return None  # an empty object: not entered (as before)
    if not isinstance(raw, Mapping):
        raise InputError("must be a JSON object", field=where)
    unknown = sorted(str(k) for k in raw if k not in {"score", "rectification_score"})
    if unknown:
        raise InputError(
            f"unknown key(s) {unknown} (expected: score, rectification_score)", field=where
        )
    score = _number(raw.get("score"), f"{where}.score")
    if score is None:
        raise InputError("missing", field=f"{where}.score")
    return Result(score, _number(raw.get("rectification_score"), f"{where}.rectification_score"))


def parse_assessments(raw: Mapping[str, Any], where: str) -> SchoolAssessments:
    """The ``assessment`` / ``assessments`` of a school object, validated."""
    default = _result(raw.get("assessment"), f"{where}.assessment")
    per = raw.get("assessments")
    by_period: dict[str, Result] = {}
    if per is not None:
        if not isinstance(per, Mapping):
            raise InputError("must be a JSON object", field=f"{where}.assessments")
        for label, value in per.items():
            result = _result(value, f"{where}.assessments.{label}")
            if result is not None:
                by_period[str(label)] = result
    return SchoolAssessments(default, by_period)


def _school_id(value: Any, where: str) -> str:
    if value is None or value == "" or record_label(value, None) != str(value):
        raise InputError(
            f"a school id is text of at most {MAX_ID_CHARS} characters or a number "
            f"(got {shown(value)})",
            field=where,
        )
    return str(value)


class SchoolBook:
    """The schools of one evaluation: their assessments, read once, checked for agreement.

    ``schools`` is the input's top-level list (or None). :meth:`of_teacher` gives the results
    that apply to a teacher and remembers which teacher first named a school, so a second
    teacher naming it with other results is an error naming both.
    """

    def __init__(self, schools: Iterable[Any] | None = None):
        self.given = schools is not None
        self.listed: dict[str, SchoolAssessments] = {}
        # school id -> (the teacher who first named it, the results it carried)
        self.named: dict[str, tuple[str, SchoolAssessments]] = {}
        if schools is None:
            return
        if not isinstance(schools, list | tuple):
            raise InputError("must be a list", field="schools")
        for i, raw in enumerate(schools):
            where = f"schools[{i}]"
            if not isinstance(raw, Mapping):
                raise InputError("must be a JSON object", field=where)
            unknown = sorted(str(k) for k in raw if k not in SCHOOL_KEYS)
            if unknown:
                raise InputError(
                    f"unknown key(s) {unknown} (expected: {', '.join(sorted(SCHOOL_KEYS))})",
                    field=where,
                )
            sid = _school_id(raw.get("id"), f"{where}.id")
            if sid in self.listed:
                raise InputError(f"school {sid}: duplicate id", field=f"{where}.id")
            self.listed[sid] = parse_assessments(raw, f"schools[{sid}]")

    def of_teacher(self, tid: str, school: Any) -> SchoolAssessments:
        """The assessment results that apply to teacher ``tid`` (``school`` is what the
        teacher carries: an id, ``{"id": ..}`` with or without results, or nothing)."""
        if school is None:
            return NO_ASSESSMENT
        if isinstance(school, str | int) and not isinstance(school, bool):
            sid, inline = _school_id(school, "school"), None
        elif isinstance(school, Mapping):
            sid = _school_id(school["id"], "school.id") if school.get("id") is not None else None
            carries = "assessment" in school or "assessments" in school
            inline = parse_assessments(school, "school") if carries else None
        else:
            raise InputError("must be a JSON object or a school id", field="school")
        if sid is None:
            return inline or NO_ASSESSMENT  # no id: nothing to agree with
        if self.given:
            listed = self.listed.get(sid)
            if listed is None:
                raise InputError(
                    f"school {sid} is not among the input's schools "
                    f"({', '.join(sorted(self.listed)) or 'none'})",
                    field="school.id",
                )
            if inline is not None:
                diff = listed.difference(inline)
                if diff is not None:
                    raise InputError(
                        f"school {sid}: teacher {tid} carries an assessment that differs from "
                        f"the one in schools ({diff}); a school's assessment is one fact of "
                        f"the school: give it once, in schools",
                        field="school",
                    )
            return listed
        results = inline or NO_ASSESSMENT
        first = self.named.get(sid)
        if first is None:
            self.named[sid] = (tid, results)
            return results
        other_tid, other = first
        diff = other.difference(results)
        if diff is not None:
            raise InputError(
                f"school {sid}: teachers {other_tid} and {tid} carry different assessments "
                f"({other_tid} vs {tid}, {diff}); a school's assessment is one fact of the "
                f"school: give it once, in schools",
                field="school",
            )
        return results


@dataclass(frozen=True)
class AssessmentGate:
    """A policy's school-assessment gate, as pages read it (:attr:`Policy.assessment_gate`).

    ``period`` is the period type the assessment is per (``semester``), ``period_title``
    its name (学期), ``pass_above`` the score a school must exceed, ``when`` the records it
    governs (a condition, as in the file).
    """

    id: str
    label: str
    period: str
    period_title: str
    pass_above: float
    when: Mapping[str, Any] | None = None

    def outcome(self, score: float | None, rectification_score: float | None = None) -> dict:
        """:func:`assessment_outcome` under this gate's threshold and period."""
        return assessment_outcome(
            score, rectification_score, self.pass_above, period_title=self.period_title
        )


def verdict(result: Result | None, pass_above: float) -> str:
    """``passed``, ``passed_after_rectification``, ``failed`` or ``not_entered``."""
    if result is None:
        return "not_entered"
    if result.score > pass_above:
        return "passed"
    fixed = result.rectification_score
    if fixed is not None and fixed > pass_above:
        return "passed_after_rectification"
    return "failed"


def assessment_outcome(
    score: float | None,
    rectification_score: float | None = None,
    pass_above: float = 120,
    *,
    period_title: str = "学期",
) -> dict[str, Any]:
    """Whether a school's assessment opens the gate, and the sentence pages show for it.

    A school passes with a score strictly above ``pass_above`` or, failing that, a
    rectification score strictly above it (文成: 「120分以上」 passes, 「120分及以下」 is
    rectified)::

        >>> assessment_outcome(118, 125, 120)["text"]
        '本校本学期考核 118 分，整改后 125 分，通过'

    Returns ``{"passed", "status", "score", "rectification_score", "pass_above", "text"}``;
    ``status`` is one of ``passed``, ``passed_after_rectification``, ``failed``,
    ``not_entered`` (no score yet: ``passed`` is False).
    """
    here = f"本校本{period_title}"
    if score is None:
        if rectification_score is not None:
            raise InputError("a rectification score needs the score", field="score")
        return {
            "passed": False,
            "status": "not_entered",
            "score": None,
            "rectification_score": None,
            "pass_above": pass_above,
            "text": f"{here}考核结果未录入",
        }
    result = Result(_number(score, "score"), _number(rectification_score, "rectification_score"))
    status = verdict(result, pass_above)
    limit = _fmt(pass_above)
    if status == "passed":
        text = f"{here}考核 {_fmt(result.score)} 分，高于 {limit} 分，通过"
    elif status == "passed_after_rectification":
        text = f"{here}考核 {result}，通过"
    else:
        text = f"{here}考核 {result}，未高于 {limit} 分，未通过"
    return {
        "passed": status.startswith("passed"),
        "status": status,
        "score": result.score,
        "rectification_score": result.rectification_score,
        "pass_above": pass_above,
        "text": text,
    }
