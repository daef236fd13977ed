"""Records generated from a closed activity: attendance, school-based hours, roles taken.

When an activity closes (:func:`.services.activity_close`), every participant gets:

* an ``activity_attendance`` record — ``status`` present / leave / absent / makeup,
  ``activity`` (the activity's id), ``hours`` (the activity's hours);
* for those present or made up, a school-based ``training`` record of the activity's hours
  (``mode``/``module`` school_based, ``school_based_category`` activity, ``name`` the
  theme) — **unless the region's policy counts the attendance record's hours itself**
  (兰州 counts ``activity_attendance`` present/makeup as school-based hours, and 文成's
  menu scores attendance: a training record too would count the same session twice). The
  policy decides, read by evaluating one probe attendance record with the engine
  (:func:`attendance_counts_hours`), as ``portal.plan`` probes projects;
* for each role taken, the record of ``choices.ROLE_RECORDS`` (``open_class``,
  ``activity_role`` with its role, ``mentoring``).

All are written through :func:`xuefen.records.services.record_create` with source
"generated from attendance", status submitted (the school's review queue), ``activity``
(so under a plan the county has not approved they earn nothing, with the reason) and an
``origin_key`` ``activity:<pk>:attendance|training|role:<role>``, one per teacher: a second
call finds the record and creates nothing.

A make-up session (``Activity.makeup_of``) counts where the missed activity is: a teacher
present at it who missed that activity has the miss made up there (state ``makeup``, its
records brought up to date) and gets no records of the session's own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from xuefen.org.services import policy_for
from xuefen.records.choices import LOCKED_STATUSES, RecordSource, RecordStatus
from xuefen.records.models import ACTIVITY_ATTENDANCE, Record
from xuefen.records.services import record_create, record_update

from .choices import ROLE_RECORDS, Attendance
from .models import Activity, ActivityRole, Participation

# Attendance states that earn the activity's hours.
EARNING = frozenset({Attendance.PRESENT, Attendance.MAKEUP})
GENERATED_LEVEL = "school"


def origin_key(activity: Activity, what: str) -> str:
    """``activity:<pk>:attendance``, ``…:training``, ``…:role:<role>``."""
    return f"activity:{activity.pk}:{what}"


def activity_day(activity: Activity) -> dt.date:
    """The day the activity's records are dated (its start, local time)."""
    return timezone.localtime(activity.starts_at).date()


def attendance_counts_hours(activity: Activity, day: dt.date | None = None) -> bool:
    """Whether the policy in force at the school on the activity's day counts an
    attendance record's hours as school-based by itself.

    One probe ``activity_attendance`` record (present, the activity's hours, as if
    certified) is evaluated alone: if a credit rule of the policy takes it and assigns it
    the school-based mode, the attendance is what counts (兰州's ``session-attendance``,
    文成's menu), and a training record of the same hours would count twice. Where no
    rule takes it (普洱: attendance only feeds counts and sheets), or no policy is bound,
    the hours are a ``training`` record. The rule is read even where the probe is not
    counted for a reason of the teacher or school (文成 before the school's assessment).
    """
    from xuefen.policy import InputError

    day = day or activity_day(activity)
    binding = policy_for(node=activity.school, day=day)
    if binding is None:
        return False
    policy = binding.load()
    probe = {
        "id": "probe",
        "kind": ACTIVITY_ATTENDANCE,
        "date": day.isoformat(),
        "status": Attendance.PRESENT.value,
        "activity": "probe",
        "hours": float(activity.hours),
        "review_status": next(iter(sorted(policy.counted_statuses)), "certified"),
    }
    try:
        result = policy.evaluate_teacher({"id": "probe", "records": [probe]}, day)
    except InputError:
        return False
    verdict = (result.get("records") or [{}])[0]
    return bool(verdict.get("rule")) and verdict.get("mode") == "school_based"


def attendance_fields(activity: Activity, state: str) -> dict[str, Any]:
    """The ``fields`` of a participant's attendance record."""
    return {
        "status": state,
        "activity": str(activity.pk),
        "hours": float(activity.hours),
        "name": activity.theme,
    }


def training_fields(activity: Activity) -> dict[str, Any]:
    """The ``fields`` of the school-based training record of the activity's hours."""
    return {
        "mode": "school_based",
        "module": "school_based",
        "hours": float(activity.hours),
        "name": activity.theme,
        "school_based_category": "activity",
    }


def role_fields(activity: Activity, role: str) -> tuple[str, dict[str, Any]]:
    """The kind and ``fields`` of the record a role generates."""
    kind, extra = ROLE_RECORDS[role]
    return kind, {**extra, "name": activity.theme}


@dataclass
class Generated:
    """What :func:`generate_records` created; ``made_up``: misses made up by a make-up
    session; ``training``: whether training records were generated at all."""

    created: list[Record] = field(default_factory=list)
    made_up: int = 0
    training: bool = True


def _create(
    *,
    actor: Any,
    activity: Activity,
    teacher: Any,
    kind: str,
    fields: dict[str, Any],
    key: str,
    day: dt.date,
) -> Record:
    return record_create(
        actor=actor,
        teacher=teacher,
        kind=kind,
        date=day,
        fields=fields,
        level=GENERATED_LEVEL,
        source=RecordSource.ATTENDANCE,
        status=RecordStatus.SUBMITTED,
        activity=activity,
        origin_key=key,
    )


def generate_records(*, actor: Any, activity: Activity) -> Generated:
    """Create the closed activity's records that do not exist yet (see the module
    docstring); called by :func:`.services.activity_close` inside its transaction, after
    the expected participants were marked absent."""
    from .services import MISSED, _locked, _makeup

    day = activity_day(activity)
    out = Generated(training=not attendance_counts_hours(activity, day))
    existing = set(Record.objects.filter(activity=activity).values_list("teacher_id", "origin_key"))
    participations = list(
        Participation.objects.filter(activity=activity).select_related("teacher", "teacher__school")
    )
    missed: dict[int, Participation] = {}
    original = None
    if activity.makeup_of_id is not None:
        original = _locked(activity.makeup_of)
        missed = {
            p.teacher_id: p
            for p in Participation.objects.filter(
                activity=original, state__in=sorted(MISSED)
            ).select_related("teacher")
        }

    def make(teacher: Any, kind: str, fields: dict[str, Any], what: str) -> None:
        key = origin_key(activity, what)
        if (teacher.pk, key) in existing:
            return
        out.created.append(
            _create(
                actor=actor,
                activity=activity,
                teacher=teacher,
                kind=kind,
                fields=fields,
                key=key,
                day=day,
            )
        )
        existing.add((teacher.pk, key))

    for p in participations:
        if p.teacher_id in missed:
            # A make-up: it counts on the missed activity, not here.
            if p.state == Attendance.PRESENT:
                _makeup(
                    actor=actor,
                    activity=original,
                    participation=missed[p.teacher_id],
                    makeup_activity=activity,
                    note="",
                )
                out.made_up += 1
            continue
        make(p.teacher, ACTIVITY_ATTENDANCE, attendance_fields(activity, p.state), "attendance")
        if out.training and p.state in EARNING:
            make(p.teacher, "training", training_fields(activity), "training")
    for taken in ActivityRole.objects.filter(activity=activity).select_related(
        "teacher", "teacher__school"
    ):
        kind, fields = role_fields(activity, taken.role)
        make(taken.teacher, kind, fields, f"role:{taken.role}")
    return out


def sync_participation(*, actor: Any, participation: Participation) -> Any:
    """Bring a closed activity's records of one participant up to date with their
    participation (an approved leave after closing; a make-up): the attendance record's
    status follows the state (``record_update``), and the training record is generated
    when the state now earns it. A certified or revoked record is not touched (its figure
    changes only by the county's revocation): it is listed in ``untouched``."""
    from .services import Synced

    activity = participation.activity
    day = activity_day(activity)
    synced = Synced()
    records = {
        r.origin_key: r
        for r in Record.objects.filter(activity=activity, teacher_id=participation.teacher_id)
    }
    teacher = participation.teacher
    key = origin_key(activity, "attendance")
    record = records.get(key)
    wanted = attendance_fields(activity, participation.state)
    if record is None:
        synced.created.append(
            _create(
                actor=actor,
                activity=activity,
                teacher=teacher,
                kind=ACTIVITY_ATTENDANCE,
                fields=wanted,
                key=key,
                day=day,
            )
        )
    elif record.status in LOCKED_STATUSES:
        synced.untouched.append(record)
    elif record.fields.get("status") != participation.state:
        synced.updated.append(
            record_update(
                actor=actor,
                record=record,
                fields={**record.fields, "status": participation.state},
                reason=str(participation.get_state_display()),
            )
        )
    key = origin_key(activity, "training")
    if (
        participation.state in EARNING
        and key not in records
        and not attendance_counts_hours(activity, day)
    ):
        synced.created.append(
            _create(
                actor=actor,
                activity=activity,
                teacher=teacher,
                kind="training",
                fields=training_fields(activity),
                key=key,
                day=day,
            )
        )
    return synced
