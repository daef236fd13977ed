"""Writing the audit log. Called by every service that changes a business object."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from .choices import Event
from .models import AuditEntry
from .signals import business_change, business_event

M = TypeVar("M", bound=models.Model)

# Fields whose values are masked in the log (the log is read by many; see org.validators).
MASKED_FIELDS = frozenset({"id_number", "phone"})


def _plain(value: Any) -> Any:
    """A JSON-safe rendering of a model field value."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        # 12, 12.0 and 12.00 are one value: the log shows it one way, however it was read.
        return format(value.normalize(), "f")
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "name") and hasattr(value, "url"):  # FieldFile
        return value.name
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Field values of ``obj`` for the log, JSON-safe, with sensitive fields masked."""
    from xuefen.org.validators import mask_id_number, mask_phone

    masks = {"id_number": mask_id_number, "phone": mask_phone}
    values: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        raw = getattr(obj, field.attname)
        values[name] = masks[name](raw) if name in MASKED_FIELDS and raw else _plain(raw)
    return values


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[dict, dict]:
    """The changed keys only: (old values, new values)."""
    keys = [k for k in new if old.get(k) != new.get(k)] + [k for k in old if k not in new]
    return {k: old.get(k) for k in keys if k in old}, {k: new.get(k) for k in keys if k in new}


def audit_entry(
    *,
    actor: Any,
    event: Event | str,
    target: models.Model,
    node: Any = None,
    old: Mapping[str, Any] | None = None,
    new: Mapping[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """One audit entry, not yet saved: :func:`audit_log` or :func:`audit_log_bulk` write it."""
    return AuditEntry(
        actor=actor if actor is not None and actor.is_authenticated else None,
        event=str(event),
        target_type=ContentType.objects.get_for_model(type(target)),
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        node=node,
        old_values=_plain(dict(old or {})),
        new_values=_plain(dict(new or {})),
        reason=reason,
    )


def audit_log(
    *,
    actor: Any,
    event: Event | str,
    target: models.Model,
    node: Any = None,
    old: Mapping[str, Any] | None = None,
    new: Mapping[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Write one audit entry, send :data:`business_change` now and :data:`business_event`
    once the transaction commits.

    Must be called inside the service's ``transaction.atomic`` block, after the change.
    """
    entry = audit_entry(
        actor=actor, event=event, target=target, node=node, old=old, new=new, reason=reason
    )
    entry.save()
    business_change.send(sender=AuditEntry, entries=[entry], targets=[target])
    transaction.on_commit(lambda: business_event.send(sender=AuditEntry, entry=entry))
    return entry


def audit_log_bulk(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Write many entries built by :func:`audit_entry` (imports), in batches; send
    :data:`business_change` once for all of them now and :data:`business_event` for each
    once the transaction commits."""
    saved = AuditEntry.objects.bulk_create(entries, batch_size=500)
    business_change.send(sender=AuditEntry, entries=saved, targets=[None] * len(saved))
    if business_event.has_listeners(AuditEntry):
        # Only the ids wait for the commit (an import of 100,000 records would otherwise
        # keep every entry in memory until then); the entries are read back in batches.
        ids = [entry.pk for entry in saved]

        def send() -> None:
            for start in range(0, len(ids), 1000):
                for entry in AuditEntry.objects.filter(pk__in=ids[start : start + 1000]).order_by(
                    "pk"
                ):
                    business_event.send(sender=AuditEntry, entry=entry)

        transaction.on_commit(send)
    return saved


def audited_update(
    obj: M,
    *,
    actor: Any,
    event: Event | str,
    fields: Sequence[str],
    changes: Mapping[str, Any],
    node: Callable[[M], Any],
    check: Callable[[M], None] | None = None,
    clean: Callable[[M], None] | None = None,
    reason: str = "",
) -> M:
    """Change some columns of ``obj`` under a row lock, and log what changed.

    The one way a service edits a row (style.md habit 17): the row is locked and read
    again, ``check`` judges state and permission on that fresh copy (the caller's copy may
    be stale: another user may have certified the record since), the changes are applied,
    ``clean`` validates the result, and only the changed columns are saved, so a
    concurrent change to another column is never overwritten. ``fields`` are the columns
    the audit entry snapshots; ``node`` gives the entry's scope node. Returns the saved row,
    and brings the caller's ``obj`` up to date with it (its columns; cached related objects
    are dropped), as a save on ``obj`` would have. Nothing is written when nothing changed.
    """
    model = type(obj)
    with transaction.atomic():
        current = model._default_manager.select_for_update().get(pk=obj.pk)
        if check is not None:
            check(current)
        old = snapshot(current, fields)
        columns = {f.name: f.attname for f in model._meta.concrete_fields}
        watched = set(changes) | set(fields)
        raw_before = {n: getattr(current, columns[n]) for n in watched if n in columns}
        for name, value in changes.items():
            setattr(current, name, value)
        if clean is not None:
            clean(current)
        # Compare raw values, not the snapshot: masked values (ID numbers) can look alike.
        changed = [n for n, v in raw_before.items() if getattr(current, columns[n]) != v]
        if not changed:
            _sync(obj, current)
            return current
        new = snapshot(current, fields)
        before, after = diff(old, new)
        for name in changed:  # a change whose masked values look alike is still logged
            if name in new and name not in after:
                before[name], after[name] = old[name], new[name]
        auto_now = [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
        current.save(update_fields=[*changed, *auto_now])
        audit_log(
            actor=actor,
            event=event,
            target=current,
            node=node(current),
            old=before,
            new=after,
            reason=reason,
        )
    _sync(obj, current)
    return current


def _sync(obj: models.Model, current: models.Model) -> None:
    """Copy the columns of ``current`` onto ``obj`` and drop ``obj``'s cached relations."""
    for f in type(obj)._meta.concrete_fields:
        setattr(obj, f.attname, getattr(current, f.attname))
    obj._state.fields_cache.clear()
