"""Business actions on school-based activities: the activity itself, its participants,
roles and materials, attendance, leave (请假) and make-up (补课), and closing it.

Each function is one business action (keyword-only, ``actor`` first): the actor's right
and the object's state are judged on the locked row (the transition tables of
:mod:`.workflow`), the change is made in one transaction with one audit entry, and the
people concerned are told once it commits. Closing an activity turns its attendance and
roles into records (:mod:`.generate`), through :mod:`xuefen.records.services`, so the
generated records take the school's normal review path.

Who does what: the school administrator (``change`` on the school) creates and edits
activities, keeps participants and roles, uploads materials, keeps the attendance sheet,
records make-ups and closes; ``review`` (administrator or principal) confirms the
materials and decides leave requests; a teacher asks for leave from an activity they are
expected at, before it starts, and may withdraw the request until then.

``attendance_set`` is also the administrator's "sign a person in by hand" (with a reason
that is audited); its signature is kept stable for the sign-in part
(:mod:`.signin`)::

    attendance_set(actor=admin, participation=p, state="present", reason="忘带手机")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from xuefen.audit.choices import Event
from xuefen.audit.services import audit_log, diff, snapshot
from xuefen.inbox.recipients import users_with_roles
from xuefen.inbox.services import notify_on_commit
from xuefen.org.choices import NodeKind, Role
from xuefen.org.models import OrgNode, Teacher
from xuefen.org.scoping import can, require, user_grants

from .choices import (
    REQUIRED_MATERIALS,
    ActivityStatus,
    ActivityType,
    Attendance,
    LeaveStatus,
    MaterialKind,
    RoleKind,
    SignInMethod,
    Tier,
)
from .models import Activity, ActivityRole, LeaveRequest, Material, Participation, Plan
from .workflow import ACTIVITY_MACHINE, LEAVE_MACHINE

ACTIVITY_FIELDS = (
    "theme",
    "type",
    "tier",
    "place",
    "starts_at",
    "ends_at",
    "hours",
    "presenter",
    "plan",
    "makeup_of",
    "status",
)
# What an edit may change (the status moves only by its transitions).
EDITABLE = frozenset(ACTIVITY_FIELDS) - {"status"} | {"groups"}
# States the administrator sets on the attendance sheet (make-up has its own action).
SHEET_STATES = (Attendance.PRESENT, Attendance.ABSENT, Attendance.LEAVE)
# States a make-up can follow.
MISSED = frozenset({Attendance.LEAVE, Attendance.ABSENT})
MAX_TEXT = 2000
# The materials' names with a context: Django's own catalogue translates a bare "Summary"
# as 概览 (an overview), which an activity's summary (总结) is not.
MATERIAL_LABELS = {
    MaterialKind.PLAN: pgettext_lazy("activity material", "Activity plan"),
    MaterialKind.PROCESS: pgettext_lazy("activity material", "Process record"),
    MaterialKind.SUMMARY: pgettext_lazy("activity material", "Summary"),
    MaterialKind.PHOTO: pgettext_lazy("activity material", "Photos"),
}


# -- helpers ---------------------------------------------------------------------------


def _url(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:  # pragma: no cover - the pages are not installed
        return ""


def _activity_url(activity: Activity) -> str:
    return _url("activities:detail", activity.pk)


def _locked(activity: Activity) -> Activity:
    """The activity's row, locked for the rest of the transaction and read again."""
    return Activity.objects.select_for_update().select_related("school").get(pk=activity.pk)


def _when(activity: Activity) -> str:
    return timezone.localtime(activity.starts_at).strftime("%Y-%m-%d %H:%M")


def _teacher_of(actor: Any) -> Teacher | None:
    """The actor's own teacher profile, if they hold the teacher role."""
    if actor is None or not actor.is_authenticated:
        return None
    if not any(g.role == Role.TEACHER for g in user_grants(actor)):
        return None
    return Teacher.objects.filter(user_id=actor.pk).select_related("school").first()


def _require_planned(activity: Activity) -> None:
    if activity.status != ActivityStatus.PLANNED:
        raise ValidationError(
            {
                "status": _("This activity is %(state)s: it can no longer be changed.")
                % {"state": ACTIVITY_MACHINE.label(activity.status)}
            }
        )


def _require_not_cancelled(activity: Activity) -> None:
    if activity.status == ActivityStatus.CANCELLED:
        raise ValidationError({"status": _("This activity was cancelled.")})


def _school_teacher(school: OrgNode, teacher: Teacher | None, field_name: str) -> None:
    if teacher is None:
        return
    if teacher.school_id != school.pk:
        raise ValidationError(
            {
                field_name: _("%(name)s is not a teacher of %(school)s.")
                % {"name": teacher.name, "school": school.name}
            }
        )
    if not teacher.active:
        raise ValidationError(
            {field_name: _("%(name)s is no longer active.") % {"name": teacher.name}}
        )


# -- activities ------------------------------------------------------------------------


def _clean_text(value: Any, name: str, label: str, *, max_length: int, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({name: _("Give the %(field)s.") % {"field": label}})
    if len(text) > max_length:
        raise ValidationError(
            {
                name: _("The %(field)s is at most %(max)d characters (got %(n)d).")
                % {"field": label, "max": max_length, "n": len(text)}
            }
        )
    return text


def _clean_hours(value: Any) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {"hours": _("“%(value)s” is not a number of hours.") % {"value": value}}
        ) from None
    if not Decimal("0") < hours <= Decimal("24"):
        raise ValidationError(
            {
                "hours": _("An activity lasts more than 0 and at most 24 hours (got %(value)s).")
                % {"value": value}
            }
        )
    return hours


def _clean_activity(activity: Activity, groups: Iterable[OrgNode] | None) -> None:
    """Check an activity's values (raises :class:`ValidationError` keyed by the field)."""
    activity.theme = _clean_text(activity.theme, "theme", _("theme"), max_length=200, required=True)
    activity.place = _clean_text(activity.place, "place", _("place"), max_length=200, required=True)
    if activity.type not in ActivityType.values:
        raise ValidationError(
            {"type": _("Unknown activity type “%(value)s”.") % {"value": activity.type}}
        )
    if activity.tier and activity.tier not in Tier.values:
        raise ValidationError({"tier": _("Unknown tier “%(value)s”.") % {"value": activity.tier}})
    activity.hours = _clean_hours(activity.hours)
    if not isinstance(activity.starts_at, dt.datetime):
        raise ValidationError({"starts_at": _("Give the time the activity starts.")})
    if not isinstance(activity.ends_at, dt.datetime):
        raise ValidationError({"ends_at": _("Give the time the activity ends.")})
    if activity.ends_at <= activity.starts_at:
        raise ValidationError(
            {
                "ends_at": _("The activity must end after it starts (%(start)s).")
                % {"start": _when(activity)}
            }
        )
    school = activity.school
    _school_teacher(school, activity.presenter, "presenter")
    day = timezone.localtime(activity.starts_at).date()
    if activity.plan_id is not None:
        plan = activity.plan
        if plan.school_id != school.pk:
            raise ValidationError({"plan": _("The plan is of another school.")})
        if not plan.start <= day <= plan.end:
            raise ValidationError(
                {
                    "plan": _("The plan covers %(start)s – %(end)s; the activity is on %(day)s.")
                    % {"start": plan.start, "end": plan.end, "day": day}
                }
            )
    if activity.makeup_of_id is not None:
        missed = activity.makeup_of
        if activity.pk is not None and missed.pk == activity.pk:
            raise ValidationError({"makeup_of": _("An activity cannot make up for itself.")})
        if missed.school_id != school.pk:
            raise ValidationError({"makeup_of": _("The missed activity is of another school.")})
        if missed.status == ActivityStatus.CANCELLED:
            raise ValidationError({"makeup_of": _("The missed activity was cancelled.")})
        if missed.makeup_of_id is not None:
            raise ValidationError({"makeup_of": _("A make-up session cannot be made up for.")})
        if activity.starts_at <= missed.starts_at:
            raise ValidationError(
                {
                    "makeup_of": _("A make-up session comes after the missed one (%(when)s).")
                    % {"when": _when(missed)}
                }
            )
    for group in groups or ():
        if group.kind not in (NodeKind.SUBJECT_GROUP, NodeKind.LESSON_GROUP) or not (
            group.path.startswith(school.path)
        ):
            raise ValidationError(
                {
                    "groups": _("%(name)s is not a subject or lesson group of %(school)s.")
                    % {"name": group.name, "school": school.name}
                }
            )


def activity_create(
    *,
    actor: Any,
    school: OrgNode,
    theme: str,
    type: str,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    hours: Any,
    groups: Iterable[OrgNode] = (),
    tier: str = "",
    presenter: Teacher | None = None,
    plan: Plan | None = None,
    makeup_of: Activity | None = None,
) -> Activity:
    """The school administrator plans an activity (研修活动).

    ``plan``: the school's plan whose semester contains the day (in any status: only an
    approved one earns, see ``Activity.earns``). ``makeup_of``: the activity this session
    makes up for (兰州 补课). Its participants are added at once
    (:func:`participants_add_default`) and told.
    """
    require(actor, "change", school)
    if school.kind != NodeKind.SCHOOL:
        raise ValidationError({"school": _("%(name)s is not a school.") % {"name": school.name}})
    groups = list(groups)
    activity = Activity(
        school=school,
        theme=theme,
        type=type,
        tier=tier or "",
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        hours=hours,
        presenter=presenter,
        plan=plan,
        makeup_of=makeup_of,
        created_by=actor,
    )
    _clean_activity(activity, groups)
    with transaction.atomic():
        activity.save()
        activity.groups.set(groups)
        added = participants_add_default(activity)
        new = snapshot(activity, ACTIVITY_FIELDS)
        new["groups"] = sorted(g.pk for g in groups)
        new["participants"] = len(added)
        audit_log(actor=actor, event=Event.ACTIVITY_CREATE, target=activity, node=school, new=new)
        _tell(
            [p.teacher.user_id for p in added],
            Event.ACTIVITY_CREATE,
            _("New activity %(when)s: %(theme)s (%(place)s)")
            % {"when": _when(activity), "theme": activity.theme, "place": activity.place},
            activity,
        )
    return activity


def _tell(user_ids: Iterable[Any], event: str, text: str, activity: Activity) -> None:
    notify_on_commit(
        [u for u in user_ids if u],
        event=event,
        title=text[:200],
        body=text,
        url=_activity_url(activity),
    )


def activity_update(
    *, actor: Any, activity: Activity, reason: str = "", **changes: Any
) -> Activity:
    """Change a planned activity (theme, type, tier, groups, place, times, hours,
    presenter, plan, make-up). New groups bring their teachers in as participants; nobody
    is removed (the administrator removes by hand)."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationError({n: _("This field cannot be changed here.") for n in unknown})
    with transaction.atomic():
        current = _locked(activity)
        require(actor, "change", current)
        _require_planned(current)
        old = snapshot(current, ACTIVITY_FIELDS)
        old_groups = sorted(current.groups.values_list("pk", flat=True))
        new_groups = changes.pop("groups", None)
        for name, value in changes.items():
            setattr(current, name, value)
        groups = list(new_groups) if new_groups is not None else None
        _clean_activity(current, groups)
        new = snapshot(current, ACTIVITY_FIELDS)
        before, after = diff(old, new)
        if groups is not None and sorted(g.pk for g in groups) != old_groups:
            current.groups.set(groups)
            before["groups"], after["groups"] = old_groups, sorted(g.pk for g in groups)
        if not after and not before:
            _sync(activity, current)
            return current
        columns = [n for n in ACTIVITY_FIELDS if n in after or n in before]
        current.save(update_fields=[*columns, "updated_at"])
        added = participants_add_default(current) if "groups" in after else []
        if added:
            after["participants_added"] = len(added)
        audit_log(
            actor=actor,
            event=Event.ACTIVITY_UPDATE,
            target=current,
            node=current.school,
            old=before,
            new=after,
            reason=reason,
        )
        if {"starts_at", "ends_at", "place"} & set(after):
            _tell(
                Participation.objects.filter(activity=current).values_list(
                    "teacher__user_id", flat=True
                ),
                Event.ACTIVITY_UPDATE,
                _("Activity changed: %(theme)s, now %(when)s at %(place)s")
                % {"theme": current.theme, "when": _when(current), "place": current.place},
                current,
            )
    _sync(activity, current)
    return current


def _sync(obj: Any, current: Any) -> None:
    """Bring the caller's copy up to date with the saved row (its columns)."""
    if obj is current:
        return
    for f in type(obj)._meta.concrete_fields:
        setattr(obj, f.attname, getattr(current, f.attname))
    obj._state.fields_cache.clear()


def activity_cancel(*, actor: Any, activity: Activity, reason: str) -> Activity:
    """Cancel a planned activity, with a reason; its participants are told."""
    with transaction.atomic():
        current = _locked(activity)
        transition = ACTIVITY_MACHINE["cancel"]
        require(actor, transition.action, current)
        ACTIVITY_MACHINE.check("cancel", current.status, reason=reason)
        reason = _clean_text(reason, "reason", _("reason"), max_length=MAX_TEXT, required=True)
        old = current.status
        current.status = transition.target
        current.cancel_reason = reason
        current.save(update_fields=["status", "cancel_reason", "updated_at"])
        audit_log(
            actor=actor,
            event=transition.event,
            target=current,
            node=current.school,
            old={"status": old},
            new={"status": current.status},
            reason=reason,
        )
        _tell(
            Participation.objects.filter(activity=current).values_list(
                "teacher__user_id", flat=True
            ),
            transition.event,
            _("Activity cancelled: %(theme)s (%(when)s). %(reason)s")
            % {"theme": current.theme, "when": _when(current), "reason": reason},
            current,
        )
    activity.status, activity.cancel_reason = current.status, current.cancel_reason
    return current


# -- participants ----------------------------------------------------------------------


def default_teachers(activity: Activity) -> list[int]:
    """Who is expected at ``activity`` by default: for a make-up session, the teachers who
    missed the activity it makes up for (leave or absent); otherwise the active teachers
    of its subject and lesson groups (the group or beneath it), or of the whole school
    when it has no groups."""
    if activity.makeup_of_id is not None:
        return list(
            Participation.objects.filter(
                activity_id=activity.makeup_of_id, state__in=sorted(MISSED)
            ).values_list("teacher_id", flat=True)
        )
    teachers = Teacher.objects.filter(school_id=activity.school_id, active=True)
    paths = list(activity.groups.values_list("path", flat=True))
    if paths:
        from django.db.models import Q

        condition = Q()
        for path in paths:
            condition |= Q(group__path__startswith=path)
        teachers = teachers.filter(condition)
    return list(teachers.values_list("pk", flat=True))


def participants_add_default(activity: Activity) -> list[Participation]:
    """Add the default participants (:func:`default_teachers`) not yet in the list.

    Called by :func:`activity_create` and :func:`activity_update` inside their
    transaction (their audit entry counts the rows added); returns the new rows, with
    their teachers."""
    wanted = default_teachers(activity)
    have = set(Participation.objects.filter(activity=activity).values_list("teacher_id", flat=True))
    rows = [Participation(activity=activity, teacher_id=t) for t in wanted if t not in have]
    Participation.objects.bulk_create(rows, batch_size=500)
    return list(
        Participation.objects.filter(
            activity=activity, teacher_id__in=[r.teacher_id for r in rows]
        ).select_related("teacher")
    )


def participant_add(*, actor: Any, activity: Activity, teacher: Teacher) -> Participation:
    """Add a teacher of the school to a planned activity's participants."""
    with transaction.atomic():
        current = _locked(activity)
        require(actor, "change", current)
        _require_planned(current)
        _school_teacher(current.school, teacher, "teacher")
        if Participation.objects.filter(activity=current, teacher=teacher).exists():
            raise ValidationError(
                {"teacher": _("%(name)s is a participant already.") % {"name": teacher.name}}
            )
        participation = Participation.objects.create(activity=current, teacher=teacher)
        audit_log(
            actor=actor,
            event=Event.PARTICIPANT_ADD,
            target=participation,
            node=current.school,
            new={"activity": current.pk, "teacher": teacher.pk},
        )
        _tell(
            [teacher.user_id],
            Event.PARTICIPANT_ADD,
            _("You are expected at %(theme)s (%(when)s, %(place)s)")
            % {"theme": current.theme, "when": _when(current), "place": current.place},
            current,
        )
    return participation


def participant_remove(*, actor: Any, participation: Participation, reason: str = "") -> None:
    """Take a teacher off a planned activity's list (their leave requests go with it)."""
    with transaction.atomic():
        current = _locked(participation.activity)
        require(actor, "change", current)
        _require_planned(current)
        row = Participation.objects.select_for_update().get(pk=participation.pk)
        audit_log(
            actor=actor,
            event=Event.PARTICIPANT_REMOVE,
            target=row,
            node=current.school,
            old={"activity": current.pk, "teacher": row.teacher_id, "state": row.state},
            reason=reason,
        )
        LeaveRequest.objects.filter(activity=current, teacher_id=row.teacher_id).delete()
        row.delete()


# -- roles -----------------------------------------------------------------------------


def role_assign(*, actor: Any, activity: Activity, teacher: Teacher, role: str) -> ActivityRole:
    """Record that a teacher takes a role (执教、评课、磨课、指导、发言、讲座) in a planned
    activity; at closing it generates the record of ``ROLE_RECORDS``."""
    if role not in RoleKind.values:
        raise ValidationError({"role": _("Unknown role “%(value)s”.") % {"value": role}})
    with transaction.atomic():
        current = _locked(activity)
        require(actor, "change", current)
        _require_planned(current)
        _school_teacher(current.school, teacher, "teacher")
        if ActivityRole.objects.filter(activity=current, teacher=teacher, role=role).exists():
            raise ValidationError(
                {
                    "role": _("%(name)s has this role already: %(role)s.")
                    % {"name": teacher.name, "role": RoleKind(role).label}
                }
            )
        taken = ActivityRole.objects.create(activity=current, teacher=teacher, role=role)
        audit_log(
            actor=actor,
            event=Event.ROLE_ASSIGN,
            target=taken,
            node=current.school,
            new={"activity": current.pk, "teacher": teacher.pk, "role": role},
        )
    return taken


def role_remove(*, actor: Any, role: ActivityRole) -> None:
    """Take a role back (while the activity is planned)."""
    with transaction.atomic():
        current = _locked(role.activity)
        require(actor, "change", current)
        _require_planned(current)
        row = ActivityRole.objects.select_for_update().get(pk=role.pk)
        audit_log(
            actor=actor,
            event=Event.ROLE_REMOVE,
            target=row,
            node=current.school,
            old={"activity": current.pk, "teacher": row.teacher_id, "role": row.role},
        )
        row.delete()


# -- materials -------------------------------------------------------------------------


def material_add(
    *, actor: Any, activity: Activity, kind: str, file: Any, name: str | None = None
) -> Material:
    """Upload a material (plan, process record, summary, photos) of an activity that is
    not cancelled. The file is checked by its content exactly as evidence is
    (:mod:`xuefen.records.evidence`: PDF, JPEG, PNG, Office documents without macros,
    at most ``XUEFEN_EVIDENCE_MAX_BYTES``) and stored under a generated name."""
    from xuefen.records.evidence import check_upload, stored_name

    if kind not in MaterialKind.values:
        raise ValidationError({"kind": _("Unknown material “%(value)s”.") % {"value": kind}})
    with transaction.atomic():
        current = _locked(activity)
        require(actor, "change", current)
        _require_not_cancelled(current)
        checked = check_upload(file, name)
        material = Material(
            activity=current,
            kind=kind,
            name=checked.display_name,
            content_type=checked.content_type,
            size=checked.size,
            uploaded_by=actor,
        )
        material.file.save(stored_name(checked), file, save=False)
        stored, storage = material.file.name, material.file.storage
        try:
            material.save()
            audit_log(
                actor=actor,
                event=Event.MATERIAL_ADD,
                target=material,
                node=current.school,
                new={
                    "activity": current.pk,
                    "kind": kind,
                    "name": checked.display_name,
                    "size": checked.size,
                    "type": checked.file_type,
                },
            )
        except Exception:
            storage.delete(stored)
            raise
    return material


def materials_missing(kinds: Iterable[str]) -> list[str]:
    """The required kinds (plan, process record, summary) not among ``kinds``."""
    present = set(kinds)
    return [k for k in REQUIRED_MATERIALS if k not in present]


def material_delete(*, actor: Any, material: Material, reason: str = "") -> None:
    """Remove a material. If that leaves a required kind missing, the completeness the
    administrator confirmed is withdrawn (the audit entry says so)."""
    with transaction.atomic():
        current = _locked(material.activity)
        row = Material.objects.select_for_update().get(pk=material.pk)
        require(actor, "change", row)
        _require_not_cancelled(current)
        old: dict[str, Any] = {"activity": current.pk, "kind": row.kind, "name": row.name}
        name, storage = row.file.name, row.file.storage
        row.delete()
        kinds = Material.objects.filter(activity=current).values_list("kind", flat=True)
        if current.materials_confirmed_at is not None and materials_missing(kinds):
            current.materials_confirmed_at = None
            current.materials_confirmed_by = None
            current.save(update_fields=["materials_confirmed_at", "materials_confirmed_by"])
            old["materials_confirmed"] = True
        audit_log(
            actor=actor,
            event=Event.MATERIAL_DELETE,
            target=material,
            node=current.school,
            old=old,
            reason=reason,
        )
        transaction.on_commit(lambda: storage.delete(name))


def materials_confirm(*, actor: Any, activity: Activity) -> Activity:
    """The administrator confirms the activity's file is complete: it holds a plan, a
    process record and a summary (``REQUIRED_MATERIALS``; 平阳: 方案、过程记录、总结)."""
    with transaction.atomic():
        current = _locked(activity)
        require(actor, "review", current)
        _require_not_cancelled(current)
        if current.materials_confirmed_at is not None:
            raise ValidationError({"materials": _("The materials are confirmed already.")})
        missing = materials_missing(
            Material.objects.filter(activity=current).values_list("kind", flat=True)
        )
        if missing:
            raise ValidationError(
                {
                    "materials": _("Still missing: %(kinds)s.")
                    % {"kinds": "、".join(str(MATERIAL_LABELS[k]) for k in missing)}
                }
            )
        current.materials_confirmed_at = timezone.now()
        current.materials_confirmed_by = actor
        current.save(update_fields=["materials_confirmed_at", "materials_confirmed_by"])
        audit_log(
            actor=actor,
            event=Event.MATERIALS_CONFIRM,
            target=current,
            node=current.school,
            new={"materials_confirmed_at": current.materials_confirmed_at},
        )
    activity.materials_confirmed_at = current.materials_confirmed_at
    activity.materials_confirmed_by_id = current.materials_confirmed_by_id
    return current


# -- attendance ------------------------------------------------------------------------


def _locked_participation(participation: Participation) -> Participation:
    return (
        Participation.objects.select_for_update()
        .select_related("teacher", "activity", "activity__school")
        .get(pk=participation.pk)
    )


def attendance_set(
    *, actor: Any, participation: Participation, state: str, reason: str = ""
) -> Participation:
    """The administrator marks one participant of a planned activity present, absent or
    on leave on the attendance sheet; marking present is the sign-in by hand.

    A reason is required to mark someone present (a sign-in by hand) or on leave (without
    an approved request); it is kept on the row (``note``) and in the audit entry. Present
    is accepted from the activity's start on. Stable signature (the sign-in part calls it).
    """
    if state not in SHEET_STATES:
        raise ValidationError(
            {"state": _("“%(value)s” cannot be set on the attendance sheet.") % {"value": state}}
        )
    reason = _clean_text(
        reason,
        "reason",
        _("reason"),
        max_length=MAX_TEXT,
        required=state in (Attendance.PRESENT, Attendance.LEAVE),
    )
    with transaction.atomic():
        activity = _locked(participation.activity)
        require(actor, "change", activity)
        _require_planned(activity)
        row = _locked_participation(participation)
        now = timezone.now()
        if state == Attendance.PRESENT and now < activity.starts_at:
            raise ValidationError(
                {
                    "state": _("The activity starts at %(when)s: nobody is present before.")
                    % {"when": _when(activity)}
                }
            )
        old = {"state": row.state, "method": row.method}
        row.state = state
        if state == Attendance.PRESENT:
            row.method, row.signed_at, row.signed_by = SignInMethod.MANUAL, now, actor
        else:
            row.method, row.signed_at, row.signed_by = "", None, None
        row.note = reason
        row.save(update_fields=["state", "method", "signed_at", "signed_by", "note"])
        audit_log(
            actor=actor,
            # Signing someone in by hand is its own event (the reason is what the county
            # reads when it checks the sign-in); other states are attendance set by hand.
            event=Event.SIGN_IN_MANUAL if state == Attendance.PRESENT else Event.ATTENDANCE_SET,
            target=row,
            node=activity.school,
            old=old,
            new={"state": row.state, "method": row.method, "teacher": row.teacher_id},
            reason=reason,
        )
    _sync(participation, row)
    return row


# -- leave -----------------------------------------------------------------------------


def leave_request(*, actor: Any, activity: Activity, reason: str) -> LeaveRequest:
    """A teacher asks for leave from an activity they are expected at, before it starts
    (兰州 请假); the school's administrators are told."""
    teacher = _teacher_of(actor)
    if teacher is None:
        raise PermissionDenied("only a teacher asks for leave")
    reason = _clean_text(reason, "reason", _("reason"), max_length=MAX_TEXT, required=True)
    with transaction.atomic():
        current = _locked(activity)
        require(actor, "view", current)
        _require_planned(current)
        if timezone.now() >= current.starts_at:
            raise ValidationError(
                {
                    "activity": _(
                        "The activity started at %(when)s: leave is asked for before it starts."
                    )
                    % {"when": _when(current)}
                }
            )
        row = Participation.objects.filter(activity=current, teacher=teacher).first()
        if row is None:
            raise ValidationError({"activity": _("You are not expected at this activity.")})
        if row.state != Attendance.EXPECTED:
            raise ValidationError(
                {
                    "activity": _("You are marked %(state)s at this activity.")
                    % {"state": Attendance(row.state).label}
                }
            )
        if LeaveRequest.objects.filter(
            activity=current,
            teacher=teacher,
            status__in=[LeaveStatus.PENDING, LeaveStatus.APPROVED],
        ).exists():
            raise ValidationError({"activity": _("You have asked for leave already.")})
        try:
            with transaction.atomic():
                leave = LeaveRequest.objects.create(
                    activity=current, teacher=teacher, reason=reason
                )
        except IntegrityError:  # asked twice at once
            raise ValidationError({"activity": _("You have asked for leave already.")}) from None
        audit_log(
            actor=actor,
            event=Event.LEAVE_REQUEST,
            target=leave,
            node=current.school,
            new={"activity": current.pk, "teacher": teacher.pk, "status": leave.status},
            reason=reason,
        )
        text = _("%(name)s asks for leave from %(theme)s (%(when)s): %(reason)s") % {
            "name": teacher.name,
            "theme": current.theme,
            "when": _when(current),
            "reason": reason,
        }
        notify_on_commit(
            users_with_roles(current.school, [Role.SCHOOL_ADMIN]),
            event=Event.LEAVE_REQUEST,
            title=text[:200],
            body=text,
            url=_url("activities:leave_decide", leave.pk),
        )
    return leave


def _locked_leave(leave: LeaveRequest) -> LeaveRequest:
    return (
        LeaveRequest.objects.select_for_update()
        .select_related("teacher", "activity", "activity__school")
        .get(pk=leave.pk)
    )


def _decide(*, actor: Any, leave: LeaveRequest, name: str, answer: str) -> LeaveRequest:
    transition = LEAVE_MACHINE[name]
    answer = _clean_text(
        answer, "reason", _("reason"), max_length=MAX_TEXT, required=transition.reason_required
    )
    with transaction.atomic():
        activity = _locked(leave.activity)
        row = _locked_leave(leave)
        require(actor, transition.action, row)
        LEAVE_MACHINE.check(name, row.status, reason=answer)
        _require_not_cancelled(activity)
        participation = (
            Participation.objects.select_for_update()
            .filter(activity=activity, teacher_id=row.teacher_id)
            .first()
        )
        synced: Any = None
        if name == "approve":
            if participation is None:
                raise ValidationError(
                    {"status": _("%(name)s is no longer a participant.") % {"name": row.teacher}}
                )
            if participation.state not in (Attendance.EXPECTED, Attendance.ABSENT):
                raise ValidationError(
                    {
                        "status": _("%(name)s is marked %(state)s: no leave to approve.")
                        % {
                            "name": row.teacher.name,
                            "state": Attendance(participation.state).label,
                        }
                    }
                )
            if activity.status == ActivityStatus.CLOSED and not can(actor, "change", activity):
                # The generated records change with it: the administrator's work.
                raise PermissionDenied("records of a closed activity change")
            participation.state = Attendance.LEAVE
            participation.note = row.reason
            participation.save(update_fields=["state", "note"])
        old = row.status
        row.status = transition.target
        row.decided_by, row.decided_at, row.answer = actor, timezone.now(), answer
        row.save(update_fields=["status", "decided_by", "decided_at", "answer"])
        audit_log(
            actor=actor,
            event=transition.event,
            target=row,
            node=activity.school,
            old={"status": old},
            new={"status": row.status},
            reason=answer,
        )
        if name == "approve" and activity.status == ActivityStatus.CLOSED:
            from .generate import sync_participation

            synced = sync_participation(actor=actor, participation=participation)
        if name == "approve":
            text = _("Your leave from %(theme)s (%(when)s) was approved.")
        else:
            text = _("Your leave from %(theme)s (%(when)s) was refused: %(reason)s")
        text %= {"theme": activity.theme, "when": _when(activity), "reason": answer}
        _tell([row.teacher.user_id], transition.event, text, activity)
    leave.status = row.status
    row.synced = synced  # type: ignore[attr-defined]
    return row


def leave_approve(*, actor: Any, leave: LeaveRequest, answer: str = "") -> LeaveRequest:
    """Approve a leave request: the teacher's participation becomes ``leave`` (after the
    activity closed too: its generated attendance record follows, if not certified)."""
    return _decide(actor=actor, leave=leave, name="approve", answer=answer)


def leave_refuse(*, actor: Any, leave: LeaveRequest, reason: str) -> LeaveRequest:
    """Refuse a leave request, with a reason: the teacher is still expected."""
    return _decide(actor=actor, leave=leave, name="refuse", answer=reason)


def leave_withdraw(*, actor: Any, leave: LeaveRequest) -> None:
    """The teacher takes back their request (pending or approved) before the activity
    starts: the request is deleted (the audit log keeps it) and they are expected again."""
    with transaction.atomic():
        activity = _locked(leave.activity)
        row = _locked_leave(leave)
        teacher = _teacher_of(actor)
        if teacher is None or teacher.pk != row.teacher_id:
            raise PermissionDenied("not your leave request")
        if row.status not in (LeaveStatus.PENDING, LeaveStatus.APPROVED):
            raise ValidationError(
                {
                    "status": _("This request is %(state)s: it cannot be withdrawn.")
                    % {"state": LeaveStatus(row.status).label}
                }
            )
        _require_planned(activity)
        if timezone.now() >= activity.starts_at:
            raise ValidationError(
                {"status": _("The activity has started: the request can no longer be withdrawn.")}
            )
        if row.status == LeaveStatus.APPROVED:
            Participation.objects.filter(
                activity=activity, teacher_id=row.teacher_id, state=Attendance.LEAVE
            ).update(state=Attendance.EXPECTED, note="")
        audit_log(
            actor=actor,
            event=Event.LEAVE_WITHDRAW,
            target=row,
            node=activity.school,
            old={"status": row.status, "activity": activity.pk, "teacher": row.teacher_id},
        )
        row.delete()


# -- make-up ---------------------------------------------------------------------------


@dataclass
class Synced:
    """What bringing a closed activity's records up to date did: records changed,
    records created, and records left as they were because they are certified (or
    revoked) — a certified figure changes only by the county's revocation."""

    updated: list[Any] = field(default_factory=list)
    created: list[Any] = field(default_factory=list)
    untouched: list[Any] = field(default_factory=list)


def makeup_record(
    *,
    actor: Any,
    participation: Participation,
    makeup_activity: Activity | None = None,
    note: str = "",
) -> Participation:
    """Record that a teacher made up a missed activity (兰州 补课): a participation on
    leave or absent becomes ``makeup``, with the make-up session (``made_up_in``) or a
    note saying how. If the missed activity is closed already, its generated records are
    brought up to date (:func:`.generate.sync_participation`: the attendance record's
    status becomes ``makeup`` and the training hours are generated, through the records'
    services; a certified record is not touched). The result of that is on the returned
    row's ``synced`` (a :class:`Synced`, or None)."""
    note = _clean_text(note, "note", _("note"), max_length=MAX_TEXT, required=False)
    if makeup_activity is None and not note:
        raise ValidationError(
            {"makeup_activity": _("Choose the make-up session, or say how it was made up.")}
        )
    with transaction.atomic():
        activity = _locked(participation.activity)
        require(actor, "change", activity)
        return _makeup(
            actor=actor,
            activity=activity,
            participation=participation,
            makeup_activity=makeup_activity,
            note=note,
        )


def _makeup(
    *,
    actor: Any,
    activity: Activity,
    participation: Participation,
    makeup_activity: Activity | None,
    note: str,
) -> Participation:
    """:func:`makeup_record` on the locked activity (also called when a make-up session
    closes, by :mod:`.generate`)."""
    _require_not_cancelled(activity)
    row = _locked_participation(participation)
    if row.state not in MISSED:
        raise ValidationError(
            {
                "state": _("%(name)s is marked %(state)s: only a leave or an absence is made up.")
                % {"name": row.teacher.name, "state": Attendance(row.state).label}
            }
        )
    if makeup_activity is not None:
        if makeup_activity.pk == activity.pk or makeup_activity.school_id != activity.school_id:
            raise ValidationError(
                {
                    "makeup_activity": _(
                        "The make-up session must be another activity of the school."
                    )
                }
            )
        if makeup_activity.status == ActivityStatus.CANCELLED:
            raise ValidationError({"makeup_activity": _("That session was cancelled.")})
    old = {"state": row.state, "made_up_in": row.made_up_in_id}
    row.state = Attendance.MAKEUP
    row.made_up_in = makeup_activity
    if note:
        row.note = note
    row.save(update_fields=["state", "made_up_in", "note"])
    synced: Synced | None = None
    if activity.status == ActivityStatus.CLOSED:
        from .generate import sync_participation

        synced = sync_participation(actor=actor, participation=row)
    new: dict[str, Any] = {
        "state": row.state,
        "made_up_in": row.made_up_in_id,
        "teacher": row.teacher_id,
    }
    if synced is not None:
        new["records_updated"] = [r.pk for r in synced.updated]
        new["records_created"] = [r.pk for r in synced.created]
        new["records_certified_untouched"] = [r.pk for r in synced.untouched]
    audit_log(
        actor=actor,
        event=Event.MAKEUP,
        target=row,
        node=activity.school,
        old=old,
        new=new,
        reason=note,
    )
    row.synced = synced  # type: ignore[attr-defined]
    participation.state, participation.made_up_in_id = row.state, row.made_up_in_id
    return row


# -- closing ---------------------------------------------------------------------------


@dataclass
class Closed:
    """What closing did: the activity, the participants marked absent, the records."""

    activity: Activity
    absent: int
    created: list[Any]
    made_up: int = 0


def activity_close(*, actor: Any, activity: Activity) -> Closed:
    """Close an activity that has started (``ACTIVITY_MACHINE``'s ``close``): whoever was
    still expected is absent, and the records are generated (:func:`.generate.
    generate_records`: attendance, training hours where the policy does not count the
    attendance itself, roles), submitted for the school's review. Closing again is refused
    by the state; generating again creates nothing twice (origin keys)."""
    from .generate import generate_records

    with transaction.atomic():
        current = _locked(activity)
        transition = ACTIVITY_MACHINE["close"]
        require(actor, transition.action, current)
        ACTIVITY_MACHINE.check("close", current.status)
        # The records are written by the administrator (they change teachers' records).
        require(actor, "change", current)
        now = timezone.now()
        if now < current.starts_at:
            raise ValidationError(
                {
                    "status": _(
                        "The activity starts at %(when)s: it can be closed once it has begun."
                    )
                    % {"when": _when(current)}
                }
            )
        absent = Participation.objects.filter(activity=current, state=Attendance.EXPECTED).update(
            state=Attendance.ABSENT
        )
        old = current.status
        current.status = transition.target
        current.closed_at = now
        current.save(update_fields=["status", "closed_at", "updated_at"])
        generated = generate_records(actor=actor, activity=current)
        audit_log(
            actor=actor,
            event=transition.event,
            target=current,
            node=current.school,
            old={"status": old},
            new={
                "status": current.status,
                "absent": absent,
                "records": len(generated.created),
                "made_up": generated.made_up,
                "training": generated.training,
            },
        )
        _tell(
            Participation.objects.filter(activity=current).values_list(
                "teacher__user_id", flat=True
            ),
            transition.event,
            _("%(theme)s is closed: its records are waiting for the school's review.")
            % {"theme": current.theme},
            current,
        )
    activity.status, activity.closed_at = current.status, current.closed_at
    return Closed(
        activity=current, absent=absent, created=generated.created, made_up=generated.made_up
    )
