"""Business actions on records and their evidence, and the record validation.

A record is validated by the engine's own record parser (the policy in force for the
teacher on the record's date, or the base vocabulary where no policy is bound), so
records.md has one definition. Results follow through the audit entries' business events
(:mod:`xuefen.results.events`); nothing here knows of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xuefen.audit.choices import Event
from xuefen.audit.services import audit_log, audited_update, snapshot
from xuefen.catalog.models import Project
from xuefen.org.choices import Role
from xuefen.org.models import Teacher
from xuefen.org.scoping import can, require, user_grants
from xuefen.org.services import binding_in_force, bindings_over, policy_for

from .bounds import validate_field_numbers, validate_record_date
from .choices import LOCKED_STATUSES, RecordSource, RecordStatus
from .models import (
    ACTIVITY_ATTENDANCE,
    Evidence,
    IntegrityEntry,
    Record,
    record_frozen_input,
    record_to_engine_dict,
)
from .workflow import OWNER_EDITABLE, RECORD_MACHINE

RECORD_FIELDS = (
    "teacher",
    "kind",
    "date",
    "level",
    "fields",
    "status",
    "project",
    "source",
    "activity",
    "origin_key",
)
# Keys that are columns or derived, so they may not hide in the ``fields`` payload.
RESERVED_KEYS = frozenset({"id", "kind", "date", "level", "approved", "review_status", "status"})


# -- validation ------------------------------------------------------------------------


def record_validate(record: Record, *, bindings: list[Any] | None = None) -> None:
    """Check a (possibly unsaved) record against the engine's vocabulary.

    Raises :class:`ValidationError` keyed by the offending field, e.g.
    ``{"hours": ["Input should be greater than or equal to 0 (got -3)"]}``. ``bindings``:
    the policy bindings over the record's school when the caller read them already
    (:func:`xuefen.org.services.bindings_over`; bulk certification checks thousands).
    """
    _record_precheck(record)
    if bindings is None:
        binding = policy_for(node=record.teacher.school, day=record.date)
    else:
        binding = binding_in_force(bindings, record.date)
    _record_engine_check(record, binding)


def _record_precheck(record: Record) -> None:
    """What :func:`record_validate` checks before asking the engine."""
    if not isinstance(record.fields, dict):
        raise ValidationError({"fields": _("The fields must be a JSON object.")})
    reserved = set(record.fields) & RESERVED_KEYS
    if record.kind == ACTIVITY_ATTENDANCE:
        reserved.discard("status")  # the attendance state, per records.md
    if reserved:
        raise ValidationError(
            {
                "fields": _("%(keys)s cannot be given inside the fields.")
                % {"keys": ", ".join(sorted(reserved))}
            }
        )
    if record.date > timezone.localdate():
        raise ValidationError({"date": _("The date is in the future.")})
    validate_record_date(record.date)
    validate_field_numbers(record.fields)
    if record.project_id is not None and record.project.publisher_id is not None:
        # A record may only use a project its teacher could see (published above the
        # school, or by the school).
        school_path = record.teacher.school.path
        publisher_path = record.project.publisher.path
        if not (school_path.startswith(publisher_path) or publisher_path.startswith(school_path)):
            raise ValidationError({"project": _("The project is not offered to this school.")})


def _judged(record: Record, policy: Any) -> dict[str, Any]:
    """The record's engine input with a status the policy counts: the rules judge only
    records that count, so a draft is judged as if it were certified (a declaration is
    refused when it is made, not at certification)."""
    judged = record_to_engine_dict(record)
    field = "review_status" if record.kind == ACTIVITY_ATTENDANCE else "status"
    judged[field] = next(iter(sorted(policy.counted_statuses)), judged.get(field))
    return judged


def _record_engine_check(record: Record, binding: Any) -> None:
    """The engine's part of :func:`record_validate` under ``binding`` (None: no policy)."""
    from xuefen.policy import InputError, record_parser

    try:
        if binding is None:
            record_parser().parse_many([record_to_engine_dict(record)])
        else:
            # Evaluated alone, not only parsed: a value the policy's rules refuse (a credit
            # rate outside the level's range) is an error now, not in every result later.
            # The rules judge only records that count, so a draft is judged as if it were
            # certified: a declaration is refused when it is made, not at certification.
            policy = binding.load()
            policy.evaluate_teacher(
                {"id": "check", "records": [_judged(record, policy)]}, record.date
            )
    except InputError as exc:
        raise ValidationError({exc.field or NON_FIELD_ERRORS: [exc.message]}) from None


def _check_certifiable(record: Record, *, bindings: list[Any] | None = None) -> None:
    """Certification confirms credits: the record must pass today's rules, and a record of
    a project (or institution) that is not approved would confirm nothing."""
    record_validate(record, bindings=bindings)
    if record.project_id is not None and not record.project.is_approved:
        raise ValidationError(
            {
                "project": _("%(reason)s: its records cannot be certified.")
                % {"reason": record.project.unapproved_reason()}
            }
        )


# -- permissions -----------------------------------------------------------------------


def _is_owner(actor: Any, teacher: Teacher) -> bool:
    return (
        actor is not None
        and actor.is_authenticated
        and teacher.user_id is not None
        and teacher.user_id == actor.pk
        and any(g.role == Role.TEACHER for g in user_grants(actor))
    )


def _institution_registers(actor: Any, project: Project | None) -> bool:
    return (
        project is not None
        and project.institution_id is not None
        and any(
            g.role == Role.INSTITUTION and g.institution_id == project.institution_id
            for g in user_grants(actor)
        )
    )


def _require_write(actor: Any, teacher: Teacher, project: Project | None) -> None:
    """Teachers write their own records, staff those of teachers under them, institutions
    those of their own projects."""
    if _is_owner(actor, teacher) or can(actor, "change", teacher):
        return
    if _institution_registers(actor, project):
        return
    raise PermissionDenied("not allowed to write records for this teacher")


def _require_editable(actor: Any, record: Record, action: str) -> None:
    require(actor, action, record)
    if record.status in LOCKED_STATUSES:
        raise ValidationError(
            {
                "status": _("A %(status)s record is locked.")
                % {"status": record.get_status_display()}
            }
        )
    staff = can(actor, "change", record.teacher)
    if not staff and record.status not in OWNER_EDITABLE:
        raise ValidationError(
            {
                "status": _("A %(status)s record can no longer be changed by its teacher.")
                % {"status": record.get_status_display()}
            }
        )


# -- records ---------------------------------------------------------------------------


def record_create(
    *,
    actor: Any,
    teacher: Teacher,
    kind: str,
    date: dt.date,
    fields: dict[str, Any] | None = None,
    level: str = "",
    project: Project | None = None,
    source: str = RecordSource.DECLARED,
    status: str = RecordStatus.DRAFT,
    reason: str = "",
    activity: Any = None,
    origin_key: str = "",
) -> Record:
    """Enter a record for ``teacher``.

    It starts as a draft, or ``submitted``; entering it directly as ``approved`` needs the
    school's review right and as ``certified`` the region's (imports of certified history,
    registrations by the training office). ``activity`` and ``origin_key`` mark a record
    generated from a school-based activity (or imported under an external id): one record
    per teacher and origin, so generating again finds it (:class:`ValidationError` on
    ``origin_key`` if it exists).
    """
    _require_write(actor, teacher, project)
    if project is not None:
        # What the record inherits, and whether it may be certified, comes from the stored
        # project, not from a copy the caller may have read before it changed.
        project = Project.objects.select_related("institution").get(pk=project.pk)
    if status not in RecordStatus.values:
        raise ValidationError({"status": _("Unknown status %(s)r.") % {"s": status}})
    if status == RecordStatus.APPROVED:
        require(actor, "review", teacher)
    elif status in (
        RecordStatus.CERTIFIED,
        RecordStatus.REVOKED,
        RecordStatus.REJECTED,
        RecordStatus.DECLINED,
    ):
        require(actor, "certify", teacher)
    if source not in RecordSource.values:
        raise ValidationError({"source": _("Unknown source %(s)r.") % {"s": source}})
    record = Record(
        teacher=teacher,
        kind=kind,
        date=date,
        level=level,
        fields=dict(fields or {}),
        project=project,
        source=source,
        status=status,
        entered_by=actor,
        activity=activity,
        origin_key=origin_key[:80],
    )
    record_validate(record)
    if origin_key and Record.objects.filter(teacher=teacher, origin_key=record.origin_key).exists():
        raise ValidationError({"origin_key": _("This record exists already.")})
    if status == RecordStatus.CERTIFIED:
        _check_certifiable(record)
    if status in LOCKED_STATUSES:
        record.certified_input = record_frozen_input(record)
    with transaction.atomic():
        record.save()
        audit_log(
            actor=actor,
            event=Event.RECORD_CREATE,
            target=record,
            node=teacher.school,
            new=snapshot(record, RECORD_FIELDS),
            reason=reason,
        )
    return record


def records_validate_bulk(
    records: list[Record], *, bindings: dict[int, list[Any]] | None = None
) -> dict[int, ValidationError]:
    """Validate many records as :func:`record_validate` validates each; the errors by the
    record's position in ``records`` (none: all valid).

    ``bindings`` caches :func:`~xuefen.org.services.bindings_over` per school id (read here
    where missing, so a caller checking a file chunk by chunk reads each school's once).
    The engine judges the records of one binding and one date together (one evaluation
    instead of one per record); where such a group has an error, each of its records is
    judged alone, exactly as :func:`record_validate` does, so the errors are the same.
    """
    from xuefen.policy import InputError, record_parser

    if bindings is None:
        bindings = {}
    errors: dict[int, ValidationError] = {}
    groups: dict[tuple[int | None, dt.date], list[int]] = {}
    in_force: dict[int | None, Any] = {None: None}
    for i, record in enumerate(records):
        try:
            _record_precheck(record)
        except ValidationError as exc:
            errors[i] = exc
            continue
        school = record.teacher.school_id
        if school not in bindings:
            bindings[school] = bindings_over(record.teacher.school)
        binding = binding_in_force(bindings[school], record.date)
        key = binding.pk if binding is not None else None
        in_force.setdefault(key, binding)
        groups.setdefault((key, record.date), []).append(i)
    for (key, day), members in groups.items():
        binding = in_force[key]
        try:
            if binding is None:
                raws = [record_to_engine_dict(records[i]) for i in members]
                for n, raw in enumerate(raws):
                    raw["id"] = f"new{n}"
                record_parser().parse_many(raws)
            else:
                policy = binding.load()
                judged = [_judged(records[i], policy) for i in members]
                for n, raw in enumerate(judged):
                    raw["id"] = f"new{n}"
                policy.evaluate_teacher({"id": "check", "records": judged}, day)
        except InputError:
            for i in members:  # which ones, in record_validate's words
                try:
                    _record_engine_check(records[i], binding)
                except ValidationError as exc:
                    errors[i] = exc
    return errors


def _bulk_problem(position: int, exc: ValidationError) -> str:
    messages = "；".join(
        m if field == NON_FIELD_ERRORS else f"{field}: {m}"
        for field, ms in exc.message_dict.items()
        for m in ms
    )
    return _("Record %(n)d: %(messages)s") % {"n": position, "messages": messages}


# Entering a record directly in these statuses needs this right on its teacher.
_STATUS_ACTIONS = {
    RecordStatus.APPROVED: "review",
    RecordStatus.CERTIFIED: "certify",
    RecordStatus.REVOKED: "certify",
    RecordStatus.REJECTED: "certify",
    RecordStatus.DECLINED: "certify",
}


def records_create_bulk(
    *,
    actor: Any,
    records: Iterable[Record],
    reason: str = "",
    batch_size: int = 1000,
    progress: Any = None,
) -> int:
    """Enter many records at once (imports): each as :func:`record_create` enters one, in
    one transaction; the number written.

    ``records`` are unsaved :class:`Record` objects with ``teacher`` (its ``school``
    joined), ``kind``, ``date``, ``level``, ``fields``, ``status``, ``source`` and
    optionally ``project``, ``activity`` and ``origin_key``; ``entered_by`` is set to the
    actor. They are consumed batch by batch (an iterator keeps memory flat in rows): the
    rights, statuses and projects are judged once per teacher and project, the policies
    read once per school, every record validated as :func:`record_validate` does
    (:func:`records_validate_bulk`), an origin key used before (or twice) refused, a
    record entered as certified checked as certification checks it and its input frozen;
    then the batch is written with ``bulk_create``, its audit entries in bulk (one
    ``record.create`` entry per record, as :func:`record_create` writes) and one business
    change per batch marks its teachers' results stale. :class:`PermissionDenied` as
    :func:`record_create` raises it; otherwise any invalid record rolls everything back
    and the :class:`ValidationError` names the records (position from 1, at most ten).
    ``progress(done)`` is called after every batch.
    """
    from xuefen.audit.services import audit_entry, audit_log_bulk

    columns = [(name, Record._meta.get_field(name).attname) for name in RECORD_FIELDS]
    rights: dict[tuple[str, int], bool] = {}  # (action, teacher id): allowed
    writers: set[tuple[int, int | None]] = set()  # (teacher id, project id) judged
    projects: dict[int, Project] = {}
    bindings: dict[int, list[Any]] = {}
    seen: set[tuple[int, str]] = set()
    problems: list[str] = []
    written = 0
    position = 0

    def judge(record: Record) -> None:
        if record.status not in RecordStatus.values:
            raise ValidationError({"status": _("Unknown status %(s)r.") % {"s": record.status}})
        if record.source not in RecordSource.values:
            raise ValidationError({"source": _("Unknown source %(s)r.") % {"s": record.source}})
        project_id = record.project_id
        teacher_id = record.teacher_id
        if (teacher_id, project_id) not in writers:
            if not rights[("change", teacher_id)]:  # its owner, or the project's institution
                _require_write(actor, record.teacher, record.project if project_id else None)
            writers.add((teacher_id, project_id))
        action = _STATUS_ACTIONS.get(record.status)
        if action is not None and not rights[(action, teacher_id)]:
            raise PermissionDenied(f"not allowed to {action} records of this teacher")
        if project_id is not None:
            if project_id not in projects:
                projects[project_id] = Project.objects.select_related(
                    "institution", "publisher"
                ).get(pk=project_id)
            record.project = projects[project_id]

    def write(batch: list[Record], first: int) -> int:
        for record in batch:
            record.entered_by = actor
            record.fields = dict(record.fields or {})
            record.origin_key = (record.origin_key or "")[:80]
        # What the actor may do to the batch's teachers: one query per action.
        wanted: dict[str, set[int]] = {}
        for record in batch:
            for action in ("change", _STATUS_ACTIONS.get(record.status)):
                if action is not None and (action, record.teacher_id) not in rights:
                    wanted.setdefault(action, set()).add(record.teacher_id)
        for action, ids in wanted.items():
            ok = set(
                Teacher.objects.restrict(actor, action)
                .filter(pk__in=ids)
                .values_list("pk", flat=True)
            )
            rights.update({(action, pk): pk in ok for pk in ids})
        errors: dict[int, ValidationError] = {}
        for i, record in enumerate(batch):
            try:
                judge(record)
            except ValidationError as exc:
                errors[i] = exc
        valid = [i for i in range(len(batch)) if i not in errors]
        found = records_validate_bulk([batch[i] for i in valid], bindings=bindings)
        errors.update({valid[j]: exc for j, exc in found.items()})
        keys = {(r.teacher_id, r.origin_key) for r in batch if r.origin_key}
        taken = set()
        if keys:
            taken = set(
                Record.objects.filter(
                    teacher_id__in={t for t, _k in keys}, origin_key__in={k for _t, k in keys}
                ).values_list("teacher_id", "origin_key")
            )
        for i, record in enumerate(batch):
            if i in errors:
                continue
            if record.origin_key:
                key = (record.teacher_id, record.origin_key)
                if key in taken or key in seen:
                    errors[i] = ValidationError({"origin_key": _("This record exists already.")})
                    continue
                seen.add(key)
            if (
                record.project_id is not None
                and record.status == RecordStatus.CERTIFIED
                and not record.project.is_approved
            ):
                errors[i] = ValidationError(
                    {
                        "project": _("%(reason)s: its records cannot be certified.")
                        % {"reason": record.project.unapproved_reason()}
                    }
                )
                continue
            if record.status in LOCKED_STATUSES:
                record.certified_input = record_frozen_input(record)
        for i in sorted(errors):
            if len(problems) <= 10:
                problems.append(_bulk_problem(first + i, errors[i]))
        if problems:
            return 0
        Record.objects.bulk_create(batch, batch_size=batch_size)
        audit_log_bulk(
            [
                audit_entry(
                    actor=actor,
                    event=Event.RECORD_CREATE,
                    target=record,
                    node=record.teacher.school,
                    # snapshot()'s values (no masked field among them): audit_entry makes
                    # them JSON-safe as snapshot would, without its per-field lookups.
                    new={name: getattr(record, attname) for name, attname in columns},
                    reason=reason,
                )
                for record in batch
            ]
        )
        return len(batch)

    with transaction.atomic():
        batch: list[Record] = []
        for record in records:
            position += 1
            batch.append(record)
            if len(batch) >= batch_size:
                written += write(batch, position - len(batch) + 1)
                batch = []
                if len(problems) > 10:
                    break  # enough to say what is wrong
                if progress is not None and not problems:
                    progress(written)
        if batch and len(problems) <= 10:
            written += write(batch, position - len(batch) + 1)
            if progress is not None and not problems:
                progress(written)
        if problems:
            if len(problems) > 10:
                problems[10:] = ["…"]
            # Nothing is kept: the batches written so far roll back with the exception.
            raise ValidationError({"records": problems})
    return written


def record_update(
    *,
    actor: Any,
    record: Record,
    reason: str = "",
    **changes: Any,
) -> Record:
    """Change a record's date, level, fields or project (not once it is certified).

    State and rights are judged on the locked row, so a copy read before someone else
    certified the record cannot change it; only the changed columns are written.
    """
    unknown = set(changes) - {"date", "level", "fields", "project"}
    if unknown:
        raise ValidationError({n: _("This field cannot be changed here.") for n in unknown})
    if "project" in changes and changes["project"] is not None:
        project = changes["project"]
        if not (can(actor, "view", project) or _institution_registers(actor, project)):
            raise PermissionDenied("project out of scope")
    if "fields" in changes:
        changes["fields"] = dict(changes["fields"])
    return audited_update(
        record,
        actor=actor,
        event=Event.RECORD_UPDATE,
        fields=RECORD_FIELDS,
        changes=changes,
        node=lambda r: r.teacher.school,
        check=lambda r: _require_editable(actor, r, "change"),
        clean=record_validate,
        reason=reason,
    )


def _locked(record: Record) -> Record:
    """The record's row, locked for the rest of the transaction and read again."""
    return Record.objects.select_for_update().get(pk=record.pk)


def record_delete(*, actor: Any, record: Record, reason: str = "") -> None:
    """Delete a record that is not certified (the audit log keeps what it was)."""
    with transaction.atomic():
        record = _locked(record)
        _require_editable(actor, record, "delete")
        audit_log(
            actor=actor,
            event=Event.RECORD_DELETE,
            target=record,
            node=record.teacher.school,
            old=snapshot(record, RECORD_FIELDS),
            reason=reason,
        )
        for evidence in record.evidence.all():
            # Files are removed only after the rows are gone for good.
            name, storage = evidence.file.name, evidence.file.storage
            transaction.on_commit(lambda n=name, s=storage: s.delete(n))
        record.delete()


def _check_period_open(record: Record, transition: str) -> None:
    """A school's period that is signed off or submitted is frozen: its records are not
    reviewed again until the county returns it (the credit workflow says which periods)."""
    from xuefen.credits.locks import check_period_open  # the workflow above records

    check_period_open(record, transition)


def _transition(*, actor: Any, record: Record, name: str, reason: str) -> Record:
    transition = RECORD_MACHINE[name]
    require(actor, transition.action, record)
    with transaction.atomic():
        # Judge the locked row, not the caller's copy: two reviewers acting at once cannot
        # both move the same record, and certification freezes what is stored, not what a
        # stale copy says.
        current = _locked(record)
        record.status = current.status
        RECORD_MACHINE.check(name, current.status, reason=reason)
        if name in ("approve", "reject", "decline", "certify"):
            _check_period_open(current, name)
        update = ["status", "updated_at"]
        if transition.target == RecordStatus.CERTIFIED:
            # Checked again under today's rules, then what the record earns today is kept
            # for good (see Record.certified_input).
            _check_certifiable(current)
            current.certified_input = record_frozen_input(current)
            update.append("certified_input")
        old_status = current.status
        current.status = transition.target
        current.save(update_fields=update)
        record.status, record.certified_input = current.status, current.certified_input
        audit_log(
            actor=actor,
            event=transition.event,
            target=current,
            node=current.teacher.school,
            old={"status": old_status},
            new={"status": transition.target},
            reason=reason,
        )
        _notify_teacher(current, name, reason)
    return current


# What the teacher is told when someone else decides on their record.
_TOLD = {
    "approve": _("Your record %(record)s was approved by the school."),
    "reject": _("Your record %(record)s was returned: %(reason)s"),
    "decline": _("Your record %(record)s was not recognised: %(reason)s"),
    "certify": _("Your record %(record)s was certified."),
    "revoke": _("The certification of your record %(record)s was revoked: %(reason)s"),
}


def _notify_teacher(record: Record, name: str, reason: str) -> None:
    """Tell the record's teacher of a decision on it, once the transaction commits."""
    from django.urls import reverse

    from xuefen.inbox.services import notify_on_commit

    if name not in _TOLD or record.teacher.user_id is None:
        return
    text = _TOLD[name] % {"record": f"「{record}」", "reason": reason}
    notify_on_commit(
        [record.teacher.user_id],
        event=RECORD_MACHINE[name].event,
        title=text[:200],
        body=text,
        url=reverse("portal:record", args=[record.pk]),
    )


def record_submit(*, actor: Any, record: Record, reason: str = "") -> Record:
    """The teacher (or staff) submits a draft or returned record for review."""
    return _transition(actor=actor, record=record, name="submit", reason=reason)


def record_approve(*, actor: Any, record: Record, reason: str = "") -> Record:
    """The school approves a submitted record."""
    return _transition(actor=actor, record=record, name="approve", reason=reason)


def record_reject(*, actor: Any, record: Record, reason: str) -> Record:
    """The school or region returns a record to its teacher, with a reason: the teacher
    corrects it and submits again."""
    return _transition(actor=actor, record=record, name="reject", reason=reason)


def record_withdraw(*, actor: Any, record: Record, reason: str = "") -> Record:
    """The teacher takes back a submitted record before it is reviewed (back to draft)."""
    return _transition(actor=actor, record=record, name="withdraw", reason=reason)


def record_decline(*, actor: Any, record: Record, reason: str) -> Record:
    """The school or region refuses a record for good (不予登记), with a reason."""
    return _transition(actor=actor, record=record, name="decline", reason=reason)


def record_certify(*, actor: Any, record: Record, reason: str = "") -> Record:
    """The region certifies a record (认定): it counts, and it is locked."""
    return _transition(actor=actor, record=record, name="certify", reason=reason)


def _write_certified(records: list[Record], *, now: dt.datetime, batch_size: int) -> None:
    """Write the records' frozen input and the certified status, in batches.

    On PostgreSQL one ``UPDATE … FROM (VALUES …)`` per batch: Django's ``bulk_update``
    builds a ``CASE`` per row and column that costs more than the writing itself (a
    period of 20,000 records took 25 s with it, 17.5 s without). Elsewhere the frozen
    input first (a certified row must carry one: ``records_locked_are_frozen``), then the
    status, the same for all, by ids.
    """
    import json

    from django.db import connection

    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Record._meta.db_table)
        with connection.cursor() as cursor:
            for i in range(0, len(records), batch_size):
                batch = records[i : i + batch_size]
                rows = ", ".join(["(%s, %s::jsonb)"] * len(batch))
                params: list[Any] = [RecordStatus.CERTIFIED.value, now]
                for record in batch:
                    params += [record.pk, json.dumps(record.certified_input)]
                cursor.execute(
                    f"UPDATE {table} AS r SET status = %s, updated_at = %s, "
                    f"certified_input = v.ci FROM (VALUES {rows}) AS v(id, ci) "
                    "WHERE r.id = v.id",
                    params,
                )
        return
    Record.objects.bulk_update(records, ["certified_input"], batch_size=batch_size)
    ids = [r.pk for r in records]
    for i in range(0, len(ids), batch_size):
        Record.objects.filter(pk__in=ids[i : i + batch_size]).update(
            status=RecordStatus.CERTIFIED, updated_at=now
        )


def records_certify_bulk(
    *, actor: Any, records: Iterable[Record], reason: str = "", batch_size: int = 500
) -> list[Record]:
    """Certify many approved records at once: a school's period certified by the county
    (:func:`xuefen.credits.submissions.submission_certify`, which holds the period, so the
    per-record period check does not apply). Each record is checked as
    :func:`record_certify` checks one (today's rules, an approved project) and its engine
    input frozen; the rows are written in batches and the audit entries in bulk (results
    follow their events). The caller locks the rows inside its transaction and passes them
    with ``teacher__school`` and ``project__institution``/``project__publisher`` joined.
    If any record is not approved or not certifiable, nothing is written and the
    :class:`ValidationError` names the records (at most ten)."""
    from xuefen.audit.services import audit_entry, audit_log_bulk

    records = list(records)
    if not records:
        return records
    schools = {r.teacher.school_id: r.teacher.school for r in records}
    for school in schools.values():
        require(actor, "certify", school)
    bindings = {pk: bindings_over(school) for pk, school in schools.items()}
    problems: list[str] = []
    for record in records:
        try:
            if record.status != RecordStatus.APPROVED:
                raise ValidationError({"status": record.get_status_display()})
            _check_certifiable(record, bindings=bindings[record.teacher.school_id])
        except ValidationError as exc:
            messages = "；".join(m for ms in exc.message_dict.values() for m in ms)
            problems.append(f"{record.teacher.name}「{record}」：{messages}")
    if problems:
        shown = problems[:10]
        if len(problems) > len(shown):
            shown.append(f"… (+{len(problems) - len(shown)})")
        raise ValidationError({"records": shown})
    now = timezone.now()
    entries = []
    for record in records:
        record.certified_input = record_frozen_input(record)
        record.status = RecordStatus.CERTIFIED
        record.updated_at = now
        entries.append(
            audit_entry(
                actor=actor,
                event=Event.RECORD_CERTIFY,
                target=record,
                node=schools[record.teacher.school_id],
                old={"status": RecordStatus.APPROVED},
                new={"status": RecordStatus.CERTIFIED},
                reason=reason,
            )
        )
    with transaction.atomic():
        _write_certified(records, now=now, batch_size=batch_size)
        audit_log_bulk(entries)
    return records


def record_revoke(*, actor: Any, record: Record, reason: str, forgery: bool = False) -> Record:
    """The region revokes a certified record, with a reason: the only way a certified
    credit changes. A revocation for forgery (伪造、篡改) also voids the record's credits for
    good and writes an entry in the teacher's integrity record (诚信档案, 普洱 第二十二条),
    in the same transaction."""
    with transaction.atomic():
        record = _transition(actor=actor, record=record, name="revoke", reason=reason)
        if forgery:
            entry = IntegrityEntry.objects.create(
                teacher_id=record.teacher_id, record=record, reason=reason, created_by=actor
            )
            audit_log(
                actor=actor,
                event=Event.INTEGRITY_ENTRY,
                target=entry,
                node=record.teacher.school,
                new={"record": record.pk, "teacher": record.teacher_id},
                reason=reason,
            )
    return record


# -- evidence --------------------------------------------------------------------------


def evidence_add(*, actor: Any, record: Record, file: Any, name: str | None = None) -> Evidence:
    """Attach a file to a record that is not locked (by whoever may change the record).

    The file is checked by its content (:mod:`.evidence`: PDF, JPEG, PNG, Office
    documents, at most ``XUEFEN_EVIDENCE_MAX_BYTES``) and stored under a generated name
    with the detected type's extension; ``name`` (default: the upload's) is kept for
    display only and may not carry a folder path.
    """
    from .evidence import check_upload, stored_name

    with transaction.atomic():
        record = _locked(record)
        _require_editable(actor, record, "change")
        checked = check_upload(file, name)
        evidence = Evidence(
            record=record, name=checked.display_name, size=checked.size, uploaded_by=actor
        )
        evidence.file.save(stored_name(checked), file, save=False)
        # A failed write must not leave the file behind.
        stored, storage = evidence.file.name, evidence.file.storage
        try:
            evidence.save()
            audit_log(
                actor=actor,
                event=Event.EVIDENCE_ADD,
                target=evidence,
                node=record.teacher.school,
                new={
                    "record": record.pk,
                    "name": checked.display_name,
                    "size": checked.size,
                    "type": checked.file_type,
                },
            )
        except Exception:
            storage.delete(stored)
            raise
    return evidence


def evidence_delete(*, actor: Any, evidence: Evidence, reason: str = "") -> None:
    """Remove a file from a record that is not locked."""
    with transaction.atomic():
        _require_editable(actor, _locked(evidence.record), "change")
        evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
        audit_log(
            actor=actor,
            event=Event.EVIDENCE_DELETE,
            target=evidence,
            node=evidence.record.teacher.school,
            old={"record": evidence.record_id, "name": evidence.name, "size": evidence.size},
            reason=reason,
        )
        name, storage = evidence.file.name, evidence.file.storage
        evidence.delete()
        transaction.on_commit(lambda: storage.delete(name))
