"""Computing and caching what the engine says about teachers.

:func:`teacher_result` and :func:`teachers_results` are the only way pages and exports
get hours, credits and requirement checks. Records are grouped by the policy binding in
force on their date; each group is evaluated under its own policy, so replacing a region's
policy from a date leaves earlier results as they were. Many teachers under one binding are
evaluated in one engine call.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from django.db import transaction
from django.utils import timezone

from xuefen.org.models import OrgNode, PolicyBinding, Teacher
from xuefen.org.scoping import ancestor_paths
from xuefen.org.services import binding_in_force
from xuefen.records.models import Record, record_to_engine_dict

from .models import TeacherResult


@dataclass
class Segment:
    """The engine's result for one teacher under one binding."""

    binding: PolicyBinding
    as_of: dt.date
    result: dict[str, Any] | None
    error: str = ""


@dataclass
class Standing:
    """Everything the engine says about a teacher, for pages and exports.

    ``result`` is the engine's teacher object (``records``, ``periods``, ``cycle``) under the
    binding in force on ``as_of``; ``segments`` has one entry per binding the teacher's
    records fall under; ``records`` maps a record id (``str(pk)``) to the engine's verdict
    on it (``counted``, ``hours``, ``credits``, ``explanation``); ``unbound`` lists records
    dated where no policy was in force.
    """

    teacher_id: int
    as_of: dt.date
    binding: PolicyBinding | None
    result: dict[str, Any] | None
    segments: list[Segment] = field(default_factory=list)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    unbound: list[int] = field(default_factory=list)
    error: str = ""

    @property
    def compliant(self) -> bool | None:
        """Whether the current cycle meets every requirement (None: nothing to judge)."""
        cycle = (self.result or {}).get("cycle")
        return None if not cycle else bool(cycle.get("compliant"))

    def period(
        self, day: dt.date | None = None, period_type: str | None = None
    ) -> dict[str, Any] | None:
        """The engine's period containing ``day`` (default: ``as_of``), of the given
        ``period_type`` (``year``, ``semester``…; default: any), if reported."""
        day = (day or self.as_of).isoformat()
        for period in (self.result or {}).get("periods", []):
            if period_type is not None and period.get("type") != period_type:
                continue
            if period["start"] <= day <= period["end"]:
                return period
        return None


@lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """A hash of the engine's code and bundled policies: a new engine makes caches stale."""
    digest = hashlib.sha256()
    for package in ("xuefen.policy", "xuefen.policies"):
        root = resources.files(package)
        for path in sorted(_walk(root), key=lambda p: str(p)):
            digest.update(str(path.name).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _walk(root: Any) -> Iterable[Any]:
    for item in root.iterdir():
        if item.is_dir():
            if item.name != "__pycache__":
                yield from _walk(item)
        elif item.name.endswith((".py", ".yaml")):
            yield item


def _fingerprint(binding: PolicyBinding, as_of: dt.date, teacher_input: dict[str, Any]) -> str:
    payload = [
        engine_fingerprint(),
        binding.policy_key,
        binding.valid_from.isoformat(),
        binding.valid_to.isoformat() if binding.valid_to else None,
        as_of.isoformat(),
        teacher_input,
    ]
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def _segment_as_of(binding: PolicyBinding, as_of: dt.date) -> dt.date:
    """A past binding is judged as of its last day; a future one as of its first."""
    day = as_of
    if binding.valid_to is not None and day > binding.valid_to:
        day = binding.valid_to
    return max(day, binding.valid_from)


def _teacher_input(teacher: Teacher, records: Sequence[Record]) -> dict[str, Any]:
    return {
        "id": str(teacher.pk),
        "first_year": teacher.first_year,
        "head_teacher": teacher.head_teacher,
        "records": [record_to_engine_dict(r) for r in records],
    }


def _evaluate(
    binding: PolicyBinding, as_of: dt.date, inputs: list[dict[str, Any]]
) -> dict[str, tuple[dict[str, Any] | None, str]]:
    """Evaluate many teachers under one binding: one engine call, or one per teacher if a
    teacher's records do not validate (so one bad record does not blank the roster)."""
    from xuefen.policy import XuefenError

    try:
        policy = binding.load()
    except XuefenError as exc:
        return {t["id"]: (None, str(exc)) for t in inputs}
    try:
        out = policy.evaluate(inputs, as_of=as_of)
    except XuefenError as exc:
        if len(inputs) == 1:
            return {inputs[0]["id"]: (None, str(exc))}
        results: dict[str, tuple[dict[str, Any] | None, str]] = {}
        for teacher_input in inputs:
            results.update(_evaluate(binding, as_of, [teacher_input]))
        return results
    return {t["id"]: (t, "") for t in out["teachers"]}


def teachers_results(
    *, teachers: Iterable[Teacher], as_of: dt.date | None = None
) -> dict[int, Standing]:
    """Standings of many teachers (a roster), with a fixed number of queries and one engine
    call per policy binding for all teachers whose cache is stale.

    ``as_of`` (default: today in Asia/Shanghai) picks the cycle and the binding shown.
    """
    as_of = as_of or timezone.localdate()
    teachers = list(teachers)
    if not teachers:
        return {}
    ids = [t.pk for t in teachers]
    schools = OrgNode.objects.in_bulk({t.school_id for t in teachers})
    paths = {p for s in schools.values() for p in ancestor_paths(s.path)}
    all_bindings = list(
        PolicyBinding.objects.filter(node__path__in=paths)
        .select_related("node")
        .order_by("-node__depth", "-valid_from")
    )
    bindings_of: dict[int, list[PolicyBinding]] = {
        sid: [b for b in all_bindings if school.path.startswith(b.node.path)]
        for sid, school in schools.items()
    }
    records_of: dict[int, list[Record]] = defaultdict(list)
    for record in (
        Record.objects.filter(teacher_id__in=ids)
        .select_related("project__institution")
        .order_by("date", "pk")
    ):
        records_of[record.teacher_id].append(record)
    cached = {
        (row.teacher_id, row.binding_id): row
        for row in TeacherResult.objects.filter(teacher_id__in=ids)
    }

    standings: dict[int, Standing] = {}
    # (binding id) -> list of (teacher, fingerprint, input) still to evaluate
    pending: dict[int, list[tuple[Teacher, str, dict[str, Any]]]] = defaultdict(list)
    binding_by_id = {b.pk: b for b in all_bindings}
    plan: dict[int, list[tuple[PolicyBinding, str]]] = {}
    segment_values: dict[tuple[int, int], tuple[dict[str, Any] | None, str]] = {}

    for teacher in teachers:
        bindings = bindings_of[teacher.school_id]
        current = binding_in_force(bindings, as_of)
        groups: dict[int, list[Record]] = defaultdict(list)
        unbound: list[int] = []
        for record in records_of.get(teacher.pk, []):
            binding = binding_in_force(bindings, record.date)
            if binding is None:
                unbound.append(record.pk)
            else:
                groups[binding.pk].append(record)
        if current is not None:
            groups.setdefault(current.pk, [])
        standings[teacher.pk] = Standing(
            teacher_id=teacher.pk, as_of=as_of, binding=current, result=None, unbound=unbound
        )
        plan[teacher.pk] = []
        for binding_id in sorted(groups, key=lambda b: binding_by_id[b].valid_from):
            binding = binding_by_id[binding_id]
            seg_as_of = _segment_as_of(binding, as_of)
            teacher_input = _teacher_input(teacher, groups[binding_id])
            fingerprint = _fingerprint(binding, seg_as_of, teacher_input)
            plan[teacher.pk].append((binding, fingerprint))
            row = cached.get((teacher.pk, binding_id))
            if row is not None and row.fingerprint == fingerprint:
                segment_values[(teacher.pk, binding_id)] = (
                    row.result or None,
                    row.error,
                )
            else:
                pending[binding_id].append((teacher, fingerprint, teacher_input))

    to_save: list[TeacherResult] = []
    for binding_id, items in pending.items():
        binding = binding_by_id[binding_id]
        seg_as_of = _segment_as_of(binding, as_of)
        evaluated = _evaluate(binding, seg_as_of, [inp for _, _, inp in items])
        for teacher, fingerprint, teacher_input in items:
            result, error = evaluated.get(teacher_input["id"], (None, "no result"))
            segment_values[(teacher.pk, binding_id)] = (result, error)
            to_save.append(
                TeacherResult(
                    teacher_id=teacher.pk,
                    binding_id=binding_id,
                    as_of=seg_as_of,
                    fingerprint=fingerprint,
                    result=result or {},
                    error=error,
                    compliant=(result or {}).get("cycle", {}).get("compliant")
                    if result and result.get("cycle")
                    else None,
                )
            )
    if to_save:
        TeacherResult.objects.bulk_create(
            to_save,
            update_conflicts=True,
            unique_fields=["teacher", "binding"],
            update_fields=["as_of", "fingerprint", "result", "error", "compliant", "computed_at"],
        )

    for teacher in teachers:
        standing = standings[teacher.pk]
        errors = []
        for binding, _fp in plan[teacher.pk]:
            result, error = segment_values[(teacher.pk, binding.pk)]
            standing.segments.append(
                Segment(
                    binding=binding,
                    as_of=_segment_as_of(binding, as_of),
                    result=result,
                    error=error,
                )
            )
            if error:
                errors.append(error)
            for rec in (result or {}).get("records", []):
                standing.records[rec["id"]] = rec
            if standing.binding is not None and binding.pk == standing.binding.pk:
                standing.result = result
        standing.error = "; ".join(errors)
    return standings


def teacher_result(teacher: Teacher, as_of: dt.date | None = None) -> Standing:
    """One teacher's standing (see :func:`teachers_results`)."""
    return teachers_results(teachers=[teacher], as_of=as_of)[teacher.pk]


def school_results(*, school: OrgNode, as_of: dt.date | None = None) -> dict[int, Standing]:
    """Standings of a school's active roster, evaluated in bulk."""
    teachers = Teacher.objects.filter(school=school, active=True).select_related("school")
    return teachers_results(teachers=teachers, as_of=as_of)


def results_invalidate(*, teacher_ids: Iterable[int]) -> int:
    """Drop the cached results of these teachers (inside the changing transaction)."""
    ids = [i for i in set(teacher_ids) if i is not None]
    if not ids:
        return 0
    deleted, _ = TeacherResult.objects.filter(teacher_id__in=ids).delete()
    return deleted


# Set while inside results_deferred(): the teachers whose results wait for its end.
_deferred: ContextVar[set[int] | None] = ContextVar("xuefen_results_deferred", default=None)


@contextmanager
def results_deferred(*, refresh: bool = True) -> Iterator[set[int]]:
    """Batch many record changes (imports, demo data): inside the block, changes only drop
    cached results; at its end the touched teachers are recomputed in one bulk evaluation
    (unless ``refresh`` is false, or the block raised)."""
    touched: set[int] = set()
    token = _deferred.set(touched)
    try:
        yield touched
    finally:
        _deferred.reset(token)
    if refresh and touched:
        teachers = Teacher.objects.filter(pk__in=touched).select_related("school")
        teachers_results(teachers=teachers)


def results_refresh_on_commit(*, teacher_ids: Iterable[int]) -> None:
    """Recompute these teachers' results once the current transaction commits, so the next
    page shows fresh numbers without waiting for the engine (inside
    :func:`results_deferred`, only note them)."""
    ids = sorted({i for i in teacher_ids if i is not None})
    batch = _deferred.get()
    if batch is not None:
        batch.update(ids)
        return

    def refresh() -> None:
        teachers = Teacher.objects.filter(pk__in=ids).select_related("school")
        teachers_results(teachers=teachers)

    transaction.on_commit(refresh)
