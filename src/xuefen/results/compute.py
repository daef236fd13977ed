"""Recomputing stored results: teachers in batches, read as columns, written in bulk.

:func:`recompute` is the only writer of :mod:`xuefen.results.models`. For a batch of
teachers it reads the columns the engine needs (``values_list``, no model instances), the
projects those records inherit from (once per batch), evaluates every teacher under each
policy binding their records fall under — once counting certified records, once counting
pending ones as well — and replaces the teachers' stored rows and the summaries of the
(school, period) pairs they touch. Nothing here runs on a page request except for the one
teacher a page is about (:func:`xuefen.results.selectors.teacher_standing`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from xuefen.catalog.models import Project
from xuefen.org.models import OrgNode, PolicyBinding, Teacher
from xuefen.org.scoping import ancestor_paths
from xuefen.org.services import binding_in_force
from xuefen.records.choices import RecordStatus
from xuefen.records.models import ProjectFacts, Record, engine_input

from .models import SchoolPeriod, TeacherPeriod, TeacherResult, TeacherState

BATCH = 500
# Records that will count once the school and the county have approved them.
PENDING_STATUSES = frozenset({RecordStatus.SUBMITTED, RecordStatus.APPROVED})

Progress = Callable[[int, int], None]


@lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """A hash of the engine's code and bundled policies: a new engine makes results outdated."""
    digest = hashlib.sha256()
    for package in ("xuefen.policy", "xuefen.policies"):
        for path in sorted(_walk(resources.files(package)), key=lambda p: str(p)):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _walk(root: Any) -> Iterable[Any]:
    for item in root.iterdir():
        if item.is_dir():
            if item.name != "__pycache__":
                yield from _walk(item)
        elif item.name.endswith((".py", ".yaml")):
            yield item


def segment_as_of(binding: PolicyBinding, as_of: dt.date) -> dt.date:
    """A past binding is judged as of its last day; a future one as of its first."""
    day = as_of
    if binding.valid_to is not None and day > binding.valid_to:
        day = binding.valid_to
    return max(day, binding.valid_from)


@dataclass
class _Teacher:
    pk: int
    school_id: int
    first_year: bool
    head_teacher: bool


def _bindings_by_school(school_ids: Iterable[int]) -> dict[int, list[PolicyBinding]]:
    """Each school's bindings, deepest node first (as ``binding_in_force`` wants them)."""
    schools = dict(OrgNode.objects.filter(pk__in=set(school_ids)).values_list("pk", "path"))
    paths = {p for path in schools.values() for p in ancestor_paths(path)}
    bindings = list(
        PolicyBinding.objects.filter(node__path__in=paths)
        .select_related("node")
        .order_by("-node__depth", "-valid_from")
    )
    return {
        sid: [b for b in bindings if path.startswith(b.node.path)] for sid, path in schools.items()
    }


def _pending_view(raw: dict[str, Any], counted: str) -> dict[str, Any]:
    """The record as it will count once approved: a pending status reads as counted."""
    key = "review_status" if "review_status" in raw else "status"
    if raw.get(key) in PENDING_STATUSES:
        return {**raw, key: counted}
    return raw


def _evaluate(
    binding: PolicyBinding,
    as_of: dt.date,
    inputs: list[dict[str, Any]],
    schools: list[dict[str, Any]] | None = None,
) -> dict[str, tuple[dict[str, Any] | None, str]]:
    """Evaluate many teachers under one binding: one engine call, or one per teacher if a
    teacher's records do not validate (one bad record does not blank a school). ``schools``
    are the schools' facts the teachers name (文成: their assessment results), given once."""
    from xuefen.policy import XuefenError

    try:
        policy = binding.load()
        out = policy.evaluate(inputs, as_of=as_of, all_cycles=True, schools=schools or None)
    except XuefenError as exc:
        if len(inputs) <= 1:
            return {t["id"]: (None, str(exc)) for t in inputs}
        results: dict[str, tuple[dict[str, Any] | None, str]] = {}
        for teacher_input in inputs:
            results.update(_evaluate(binding, as_of, [teacher_input], schools))
        return results
    return {t["id"]: (t, "") for t in out["teachers"]}


# The columns :func:`_write_batch` writes, in the order the rows below hold them.
RESULT_COLUMNS = ("teacher", "binding", "as_of", "result", "pending", "error", "computed_at")
PERIOD_COLUMNS = (
    "teacher",
    "school",
    "binding",
    "period_type",
    "start",
    "end",
    "label",
    "compliant",
    "total_hours",
    "total_credits",
    "hours",
    "credits",
    "modules",
    "short",
    "pending_compliant",
    "pending_hours",
    "pending_credits",
    "pending_short",
)


def _period_rows(
    teacher: _Teacher,
    binding_id: int,
    result: dict[str, Any] | None,
    pending: dict[str, Any] | None,
) -> dict[tuple[str, str], tuple]:
    """One :class:`TeacherPeriod` row (``PERIOD_COLUMNS``) per period the engine reported
    for the teacher (and the cycle)."""
    if not result:
        return {}
    pending_by_key = {(p["type"], p["start"]): p for p in _all_periods(pending)}
    rows = {}
    for period in _all_periods(result):
        if not period:
            continue
        key = (period["type"], period["start"])
        other = pending_by_key.get(key) or period
        hours = period.get("hours", {})
        credits = period.get("credits", {})
        rows[key] = (
            teacher.pk,
            teacher.school_id,
            binding_id,
            period["type"],
            dt.date.fromisoformat(period["start"]),
            dt.date.fromisoformat(period["end"]),
            str(period.get("period", ""))[:40],
            period.get("compliant"),
            hours.get("total", 0) or 0,
            credits.get("total", 0) or 0,
            hours,
            credits,
            period.get("modules", {}),
            _short(period),
            other.get("compliant"),
            other.get("hours", {}).get("total", 0) or 0,
            other.get("credits", {}).get("total", 0) or 0,
            _short(other),
        )
    return rows


def _all_periods(result: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The engine's periods and every cycle it reported (``cycles``, else ``cycle``)."""
    if not result:
        return []
    cycles = result.get("cycles") or ([result["cycle"]] if result.get("cycle") else [])
    return [*result.get("periods", []), *cycles]


def _short(period: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": r.get("id"),
            "label": r.get("label"),
            "measure": r.get("measure"),
            "shortfall": r.get("shortfall"),
        }
        for r in period.get("requirements", [])
        if not r.get("met")
    ]


def _school_assessments(school_ids: set[int]) -> dict[int, dict[str, dict[str, float]]]:
    """The schools' assessment results by school and period label (one query)."""
    from xuefen.assessments.models import SchoolAssessment

    out: dict[int, dict[str, dict[str, float]]] = defaultdict(dict)
    for result in SchoolAssessment.objects.filter(school_id__in=school_ids):
        out[result.school_id][result.label] = result.engine_input()
    return out


def _load_batch(
    teacher_ids: Sequence[int],
) -> tuple[list[_Teacher], dict[int, list[tuple]], dict[int, ProjectFacts], dict[int, bool]]:
    teachers = [
        _Teacher(*row)
        for row in Teacher.objects.filter(pk__in=teacher_ids).values_list(
            "pk", "school_id", "first_year", "head_teacher"
        )
    ]
    records: dict[int, list[tuple]] = defaultdict(list)
    project_ids: set[int] = set()
    activity_ids: set[int] = set()
    activities: dict[int, bool] = {}
    for row in (
        Record.objects.filter(teacher_id__in=teacher_ids)
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
            "activity_id",
        )
    ):
        records[row[1]].append(row)
        if row[8] is not None and row[7] is None:
            project_ids.add(row[8])
        if row[9] is not None and row[7] is None:
            activity_ids.add(row[9])
    projects = {
        p.pk: ProjectFacts.of(p)
        for p in Project.objects.filter(pk__in=project_ids).select_related("institution")
    }
    if activity_ids:
        from xuefen.activities.choices import PlanStatus
        from xuefen.activities.models import Activity

        earning = set(
            Activity.objects.filter(
                pk__in=activity_ids, plan__status=PlanStatus.APPROVED
            ).values_list("pk", flat=True)
        )
        for pk in activity_ids:
            activities[pk] = pk in earning
    return teachers, records, projects, activities


def _compute_batch(teacher_ids: Sequence[int], as_of: dt.date) -> set[int]:
    """Recompute one batch of teachers; returns the schools whose summaries are affected."""
    versions = dict(
        TeacherState.objects.filter(teacher_id__in=teacher_ids).values_list("teacher_id", "version")
    )
    teachers, records, projects, activities = _load_batch(teacher_ids)
    bindings_of = _bindings_by_school(t.school_id for t in teachers)
    assessments = _school_assessments({t.school_id for t in teachers})
    binding_by_id = {b.pk: b for bs in bindings_of.values() for b in bs}

    # (binding id) -> teacher inputs, on each basis
    inputs: dict[int, list[dict[str, Any]]] = defaultdict(list)
    pending_inputs: dict[int, list[dict[str, Any]]] = defaultdict(list)
    plan: dict[int, list[int]] = {}
    counted_status: dict[int, str] = {}
    errors: dict[int, list[str]] = defaultdict(list)
    for teacher in teachers:
        bindings = bindings_of.get(teacher.school_id, [])
        groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in records.get(teacher.pk, []):
            pk, _tid, kind, date, level, fields, status, frozen, project_id, activity_id = row
            binding = binding_in_force(bindings, date)
            if binding is None:
                continue  # dated where no policy was in force: nothing to compute it by
            groups[binding.pk].append(
                engine_input(
                    pk=pk,
                    kind=kind,
                    date=date,
                    level=level,
                    fields=fields,
                    status=status,
                    certified_input=frozen,
                    project=projects.get(project_id) if frozen is None else None,
                    activity_approved=activities.get(activity_id) if frozen is None else None,
                )
            )
        current = binding_in_force(bindings, as_of)
        if current is not None:
            groups.setdefault(current.pk, [])
        plan[teacher.pk] = sorted(groups, key=lambda b: binding_by_id[b].valid_from)
        for binding_id, raws in groups.items():
            counted = counted_status.get(binding_id)
            if counted is None:
                statuses = binding_by_id[binding_id].load().counted_statuses
                counted = counted_status[binding_id] = (
                    RecordStatus.CERTIFIED
                    if RecordStatus.CERTIFIED in statuses
                    else next(iter(sorted(statuses)), "")
                )
            profile = {
                "id": str(teacher.pk),
                "first_year": teacher.first_year,
                "head_teacher": teacher.head_teacher,
            }
            if teacher.school_id in assessments:
                # The school's assessment results (文成's gate of the school-based
                # credits) are a fact of the school, given to the engine once per batch.
                profile["school"] = str(teacher.school_id)
            inputs[binding_id].append({**profile, "records": raws})
            viewed = [_pending_view(r, counted) for r in raws]
            # Nothing pending (most teachers): both bases are the same input, hence the
            # same result; the engine runs once for them.
            if any(v is not r for v, r in zip(viewed, raws, strict=True)):
                pending_inputs[binding_id].append({**profile, "records": viewed})

    evaluated: dict[tuple[int, int], tuple[Any, Any, str]] = {}
    for binding_id, teacher_inputs in inputs.items():
        binding = binding_by_id[binding_id]
        day = segment_as_of(binding, as_of)
        schools = [
            {"id": str(school_id), "assessments": results_by_period}
            for school_id, results_by_period in sorted(assessments.items())
        ]
        certified = _evaluate(binding, day, teacher_inputs, schools)
        with_pending = pending_inputs.get(binding_id, [])
        pending = _evaluate(binding, day, with_pending, schools) if with_pending else {}
        pending_ids = {t["id"] for t in with_pending}
        for teacher_input in teacher_inputs:
            tid = teacher_input["id"]
            result, error = certified.get(tid, (None, "no result"))
            if tid in pending_ids:
                other, other_error = pending.get(tid, (None, "no result"))
            else:
                other, other_error = result, error
            evaluated[(int(tid), binding_id)] = (result, other, error or other_error)

    now = timezone.now()
    results: list[tuple] = []
    periods: list[tuple] = []
    for teacher in teachers:
        rows: dict[tuple[str, str], tuple] = {}
        for binding_id in plan[teacher.pk]:
            binding = binding_by_id[binding_id]
            result, other, error = evaluated[(teacher.pk, binding_id)]
            if error:
                errors[teacher.pk].append(error)
            results.append(
                (
                    teacher.pk,
                    binding_id,
                    segment_as_of(binding, as_of),
                    result or {},
                    other or {},
                    error,
                    now,
                )
            )
            # A period reported under two bindings: the later binding's figures stand.
            rows.update(_period_rows(teacher, binding_id, result, other))
        periods.extend(rows.values())
    return _write_batch(teachers, versions, results, periods, errors, as_of=as_of, now=now)


def _write_batch(
    teachers: list[_Teacher],
    versions: dict[int, int],
    results: list[tuple],
    periods: list[tuple],
    errors: dict[int, list[str]],
    *,
    as_of: dt.date,
    now: dt.datetime,
) -> set[int]:
    """Replace the batch's stored rows, clear ``stale`` where the version did not move and
    rebuild the summaries of the schools touched; returns those schools."""
    ids = [t.pk for t in teachers]
    affected = set(
        TeacherPeriod.objects.filter(teacher_id__in=ids).values_list("school_id", flat=True)
    ) | {t.school_id for t in teachers}
    engine = engine_fingerprint()
    with transaction.atomic():
        # One writer per teacher and per school at a time (the worker, a page computing its
        # one teacher): lock in a fixed order, teachers' states first, then the schools.
        list(TeacherState.objects.select_for_update().filter(teacher_id__in=ids).order_by("pk"))
        TeacherResult.objects.filter(teacher_id__in=ids).delete()
        _insert(TeacherResult, RESULT_COLUMNS, results)
        TeacherPeriod.objects.filter(teacher_id__in=ids).delete()
        _insert(TeacherPeriod, PERIOD_COLUMNS, periods)
        TeacherState.objects.bulk_create(
            [TeacherState(teacher_id=i, version=1) for i in ids if i not in versions],
            ignore_conflicts=True,
        )
        by_version: dict[int, list[int]] = defaultdict(list)
        for teacher in teachers:
            by_version[versions.get(teacher.pk, 1)].append(teacher.pk)
        for version, same in by_version.items():
            # Cleared only if nothing changed since the version was read: a record saved
            # during the computation leaves the teacher stale for the next round.
            TeacherState.objects.filter(teacher_id__in=same, version=version).update(
                stale=False, computed_version=version, engine=engine, as_of=as_of, computed_at=now
            )
        failed = {tid: "; ".join(msgs)[:2000] for tid, msgs in errors.items()}
        TeacherState.objects.filter(teacher_id__in=ids).exclude(teacher_id__in=failed).exclude(
            error=""
        ).update(error="")
        for tid, message in failed.items():
            TeacherState.objects.filter(teacher_id=tid).update(error=message)
        summarize(affected)
    return affected


def _insert(model: type[models.Model], columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert rows given as tuples of ``columns`` (field names) values.

    On PostgreSQL through ``COPY``: ``bulk_create`` sends JSON values as text arrays
    (``UNNEST``), and quoting every ``"`` of a teacher's ~10 KB of results into an array
    literal, in Python, cost more than the engine (docs/benchmarks.md, "Results at scale").
    Elsewhere (SQLite) through ``bulk_create``. No signals either way: these rows are
    derived data nobody listens to.
    """
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in columns]
    if connection.vendor != "postgresql":
        attnames = [f.attname for f in fields]
        model._default_manager.bulk_create(
            [model(**dict(zip(attnames, row, strict=True))) for row in rows], batch_size=BATCH
        )
        return
    json_at = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    sql = "COPY {} ({}) FROM STDIN".format(
        connection.ops.quote_name(model._meta.db_table),
        ", ".join(connection.ops.quote_name(f.column) for f in fields),
    )
    dumps = json.JSONEncoder().encode  # what JSONField stores (no custom encoder)
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            if json_at:
                row = list(row)
                done: dict[int, str] = {}  # one value in two columns is encoded once
                for i in json_at:
                    value = row[i]
                    text = done.get(id(value))
                    if text is None:
                        text = done[id(value)] = dumps(value)
                    row[i] = text
            copy.write_row(row)


def summarize(school_ids: Iterable[int]) -> None:
    """Rebuild the per-period summaries of these schools from their teachers' rows.

    Cost grows with the schools' size, never with the region's: a region table reads one
    row per school.
    """
    school_ids = sorted(set(school_ids))
    if not school_ids:
        return
    with transaction.atomic():
        _summarize(school_ids)


def _summarize(school_ids: list[int]) -> None:
    list(OrgNode.objects.select_for_update().filter(pk__in=school_ids).order_by("pk"))
    active = dict(
        Teacher.objects.filter(school_id__in=school_ids, active=True)
        .values("school_id")
        .annotate(n=Count("pk"))
        .values_list("school_id", "n")
    )
    if connection.vendor == "postgresql":
        sums = _sums_in_sql(school_ids, active)
    else:
        sums = _sums_in_python(school_ids, active)
    SchoolPeriod.objects.filter(school_id__in=school_ids).delete()
    SchoolPeriod.objects.bulk_create(sums.values(), batch_size=BATCH)


def _new_summary(
    school_id: int, ptype: str, start: dt.date, end: dt.date, label: str, active: dict[int, int]
) -> SchoolPeriod:
    return SchoolPeriod(
        school_id=school_id,
        period_type=ptype,
        start=start,
        end=end,
        label=label,
        teachers=active.get(school_id, 0),
        short_by={},
        hours={},
        credits={},
        modules={},
    )


def _sums_in_python(
    school_ids: list[int], active: dict[int, int]
) -> dict[tuple[int, str, dt.date], SchoolPeriod]:
    """The summaries added up row by row (every database)."""
    sums: dict[tuple[int, str, dt.date], SchoolPeriod] = {}
    for row in (
        TeacherPeriod.objects.filter(school_id__in=school_ids, teacher__active=True)
        .values_list(
            "school_id",
            "period_type",
            "start",
            "end",
            "label",
            "compliant",
            "pending_compliant",
            "short",
            "hours",
            "credits",
            "modules",
        )
        .iterator(chunk_size=2000)
    ):
        (school_id, ptype, start, end, label, ok, pending_ok, short, hours, credits, mods) = row
        key = (school_id, ptype, start)
        summary = sums.get(key)
        if summary is None:
            summary = sums[key] = _new_summary(school_id, ptype, start, end, label, active)
        summary.judged += 1
        summary.compliant += bool(ok)
        summary.pending_compliant += bool(pending_ok)
        for req in short:
            entry = summary.short_by.setdefault(req["id"], {"label": req["label"], "count": 0})
            entry["count"] += 1
        for target, values in (
            (summary.hours, hours),
            (summary.credits, credits),
            (summary.modules, mods),
        ):
            for key2, value in values.items():
                target[key2] = round(target.get(key2, 0) + (value or 0), 2)
    return sums


# The same sums added up by PostgreSQL: a school's update (one teacher's record) then costs
# a few milliseconds whatever the school's size, where reading and decoding every row of a
# 1,700-teacher school in Python took about half a second. Figures the engine rounds to
# 0.01 add up exactly as ``numeric``, so the totals are the ones the loop above makes.
_SUMS_SQL = """
WITH rows AS (
    SELECT p.school_id, p.period_type, p.start, p."end", p.label, p.compliant,
           p.pending_compliant, p.short, p.hours, p.credits, p.modules
    FROM {periods} p JOIN {teachers} t ON t.{teacher_pk} = p.teacher_id
    WHERE p.school_id = ANY(%(schools)s) AND t.active
)
SELECT 'period', school_id, period_type, start, min("end"), min(label), NULL, count(*),
       count(*) FILTER (WHERE compliant), count(*) FILTER (WHERE pending_compliant)
FROM rows GROUP BY school_id, period_type, start
UNION ALL
SELECT 'short', school_id, period_type, start, NULL, min(r ->> 'label'), r ->> 'id', count(*),
       NULL, NULL
FROM rows, jsonb_array_elements(rows.short) r GROUP BY school_id, period_type, start, r ->> 'id'
UNION ALL
SELECT what, school_id, period_type, start, NULL, NULL, key, NULL,
       sum(CASE WHEN jsonb_typeof(value) = 'number' AND value::numeric <> 0
                THEN value::numeric ELSE 0 END), NULL
FROM (
    SELECT 'hours' AS what, school_id, period_type, start, e.key, e.value
    FROM rows, jsonb_each(rows.hours) e
    UNION ALL
    SELECT 'credits', school_id, period_type, start, e.key, e.value
    FROM rows, jsonb_each(rows.credits) e
    UNION ALL
    SELECT 'modules', school_id, period_type, start, e.key, e.value
    FROM rows, jsonb_each(rows.modules) e
) v GROUP BY what, school_id, period_type, start, key
"""


def _sums_in_sql(
    school_ids: list[int], active: dict[int, int]
) -> dict[tuple[int, str, dt.date], SchoolPeriod]:
    """:func:`_sums_in_python`, added up by PostgreSQL in one query."""
    sql = _SUMS_SQL.format(
        periods=connection.ops.quote_name(TeacherPeriod._meta.db_table),
        teachers=connection.ops.quote_name(Teacher._meta.db_table),
        teacher_pk=connection.ops.quote_name(Teacher._meta.pk.column),
    )
    with connection.cursor() as cursor:
        # Dead rows (every recomputation replaces rows) can inflate the planner's estimate
        # past jit_above_cost; compiling then took 0.5 s for a query that runs in 0.1 s.
        cursor.execute("SET LOCAL jit = off")  # until the end of the transaction
        cursor.execute(sql, {"schools": school_ids})
        rows = cursor.fetchall()
    sums: dict[tuple[int, str, dt.date], SchoolPeriod] = {}
    for what, school_id, ptype, start, end, label, _key, count, value, pending in rows:
        if what == "period":
            summary = sums[(school_id, ptype, start)] = _new_summary(
                school_id, ptype, start, end, label, active
            )
            # ``value`` is numeric in this column (the sums share it): counts as ints.
            summary.judged, summary.compliant = count, int(value)
            summary.pending_compliant = int(pending)
    for what, school_id, ptype, start, _end, label, key, count, value, _pending in rows:
        summary = sums[(school_id, ptype, start)]
        if what == "short":
            summary.short_by[key] = {"label": label, "count": count}
        elif what != "period":
            # As in Python, where ``value or 0`` makes 0.0 and null an int 0, a sum of
            # whole numbers and zeros is an int (numeric keeps its inputs' scale).
            exact = value.as_tuple().exponent >= 0
            getattr(summary, what)[key] = int(value) if exact else float(round(value, 2))
    return sums


def recompute(
    teacher_ids: Iterable[int],
    *,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    batch: int = BATCH,
) -> int:
    """Recompute these teachers' stored results in batches of ``batch``, in the order given
    (give a school's teachers together: a batch then touches few schools' summaries);
    returns how many were done. ``progress(done, total)`` is called after each batch.
    """
    as_of = as_of or timezone.localdate()
    ids = list(dict.fromkeys(teacher_ids))
    done = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        _compute_batch(chunk, as_of)
        done += len(chunk)
        if progress is not None:
            progress(done, len(ids))
    return done


def stale_teacher_ids(limit: int | None = None) -> list[int]:
    """Teachers whose stored results are out of date (the partial index on ``stale``)."""
    qs = (
        TeacherState.objects.filter(stale=True)
        .order_by("teacher_id")
        .values_list("teacher_id", flat=True)
    )
    return list(qs[:limit] if limit else qs)


def recompute_stale(*, progress: Progress | None = None, batch: int = BATCH) -> int:
    """Bring every stale teacher up to date, batch after batch, until none is left (new
    changes during the run are picked up too). Returns how many teachers were computed."""
    done = 0
    total = TeacherState.objects.filter(stale=True).count()
    while True:
        ids = stale_teacher_ids(limit=batch)
        if not ids:
            return done
        recompute(ids, batch=batch)
        done += len(ids)
        total = max(total, done)
        if progress is not None:
            progress(done, total)


def mark_outdated(today: dt.date | None = None) -> int:
    """Mark stale every teacher computed by another engine (a new release, new bundled
    policies) or in an earlier year (the new year's requirements are not reported yet);
    returns how many."""
    today = today or timezone.localdate()
    return (
        TeacherState.objects.filter(
            ~Q(engine=engine_fingerprint()) | Q(as_of__lt=dt.date(today.year, 1, 1))
        )
        .filter(stale=False)
        .update(stale=True, version=F("version") + 1)
    )
