"""The Record model (every kind of records.md) and its evidence files."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xuefen.catalog.choices import Level
from xuefen.org.scoping import ScopedModel, ScopedQuerySet

from .choices import LOCKED_STATUSES, RecordSource, RecordStatus

ACTIVITY_ATTENDANCE = "activity_attendance"


def kind_label(kind: str) -> str:
    """The Chinese label of a record kind, as the engine names it."""
    from xuefen.policy import KIND_LABELS

    return KIND_LABELS.get(kind, kind)


class Record(ScopedModel):
    """One fact about a teacher: a training, an award, a lesson observed...

    ``kind``, ``date`` and ``level`` are columns (lists filter on them); the kind's other
    fields are in ``fields`` with exactly the names of records.md. Both are validated by the
    engine's own record parser (``records.services``), so the vocabulary has one definition.
    The workflow state is ``status``; whether the record counts is the engine's business.
    """

    teacher = models.ForeignKey(
        "org.Teacher", on_delete=models.PROTECT, related_name="records", verbose_name=_("teacher")
    )
    kind = models.CharField(_("kind"), max_length=40)
    date = models.DateField(_("date"))
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, blank=True)
    fields = models.JSONField(_("fields"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RecordStatus.choices, default=RecordStatus.DRAFT
    )
    project = models.ForeignKey(
        "catalog.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
        verbose_name=_("training project"),
    )
    source = models.CharField(
        _("source"), max_length=20, choices=RecordSource.choices, default=RecordSource.DECLARED
    )
    # The school-based activity a record was generated from (attendance, its hours, a role
    # taken): under a plan the county has not approved it earns nothing.
    activity = models.ForeignKey(
        "activities.Activity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
        verbose_name=_("activity"),
    )
    # The natural key of a record that came from elsewhere, unique per teacher: what an
    # activity generated ("activity:12:training"), an import's external id. Generating or
    # importing again finds the record instead of adding a second one.
    origin_key = models.CharField(_("origin"), max_length=80, blank=True, default="")
    # What the record earns must not move once it is certified: at certification the engine
    # input (the record's own fields with everything it inherits from its project, and the
    # approval of project and institution) is copied here, and a certified or revoked record
    # is read from this copy alone. Editing the project afterwards changes only the records
    # that are not yet certified; a certified figure changes only through a revocation.
    certified_input = models.JSONField(
        _("engine input as certified"), null=True, blank=True, editable=False
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_path = "teacher__school__path"
    scope_owner = "teacher__user"
    scope_owner_actions = frozenset({"view", "change", "delete"})
    scope_institution = "project__institution_id"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("record")
        verbose_name_plural = _("records")
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["teacher", "date"], name="records_teacher_date"),
            models.Index(fields=["status", "date"], name="records_status_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=sorted(LOCKED_STATUSES)) | Q(certified_input__isnull=False),
                name="records_locked_are_frozen",
            ),
            models.UniqueConstraint(
                fields=["teacher", "origin_key"],
                condition=~Q(origin_key=""),
                name="records_one_per_origin",
            ),
        ]

    def __str__(self) -> str:
        name = self.fields.get("name") if isinstance(self.fields, dict) else None
        if not name and self.project_id is not None:
            name = self.project.name
        return f"{self.date.isoformat()} {name or kind_label(self.kind)}"

    @property
    def kind_label(self) -> str:
        """The kind's Chinese label."""
        return kind_label(self.kind)


def record_to_engine_dict(record: Record) -> dict[str, Any]:
    """The record as the engine reads it (records.md), the one mapping from model to engine.

    A ``training`` record inherits its project's level, mode, module, hours and credit per
    hour unless it gives its own; a record of a project that is not approved, or of an
    institution that is not approved, carries ``approved: false`` so the engine explains
    that it earns nothing. The workflow status goes in ``status``, or in ``review_status``
    for attendance, whose ``status`` is the attendance state. A certified (or revoked)
    record is read from the copy frozen at certification, never from its project.
    """
    return engine_input(
        pk=record.pk,
        kind=record.kind,
        date=record.date,
        level=record.level,
        fields=record.fields,
        status=record.status,
        certified_input=record.certified_input,
        project=ProjectFacts.of(record.project) if record.project_id is not None else None,
        activity_approved=activity_approved(record),
    )


def activity_approved(record: Record) -> bool | None:
    """Whether the record's activity is under an approved plan (None: no activity)."""
    if record.activity_id is None:
        return None
    return record.activity.earns


def record_frozen_input(record: Record) -> dict[str, Any]:
    """The record's engine input without its id and workflow state, read live from the
    record and its project: what certification freezes into ``certified_input``."""
    return frozen_input(
        kind=record.kind,
        date=record.date,
        level=record.level,
        fields=record.fields,
        project=ProjectFacts.of(record.project) if record.project_id is not None else None,
        activity_approved=activity_approved(record),
    )


@dataclass(frozen=True)
class ProjectFacts:
    """What a record takes from its project: the engine defaults and the approval."""

    defaults: dict[str, Any]
    approved: bool

    @classmethod
    def of(cls, project: Any) -> ProjectFacts:
        return cls(defaults=project.engine_defaults(), approved=project.is_approved)


def frozen_input(
    *,
    kind: str,
    date: dt.date,
    level: str,
    fields: dict[str, Any] | None,
    project: ProjectFacts | None,
    activity_approved: bool | None = None,
) -> dict[str, Any]:
    """The engine input of a record from its columns (no model instance needed: bulk
    recomputation reads columns), without id and workflow state. A record generated from an
    activity whose plan is not approved carries ``approved: false`` (普洱 细则: 未经审定的
    校本研修项目学时学分，一律不予登记)."""
    data: dict[str, Any] = {}
    if project is not None and kind == "training":
        data.update(project.defaults)
    data.update(fields or {})
    data["kind"] = kind
    data["date"] = date.isoformat()
    if level:
        data["level"] = level
    if project is not None and not project.approved:
        data["approved"] = False
    if activity_approved is False:
        data["approved"] = False
    return data


def engine_input(
    *,
    pk: int | None,
    kind: str,
    date: dt.date,
    level: str,
    fields: dict[str, Any] | None,
    status: str,
    certified_input: dict[str, Any] | None,
    project: ProjectFacts | None,
    activity_approved: bool | None = None,
) -> dict[str, Any]:
    """The engine input of a record from its columns: see :func:`record_to_engine_dict`."""
    if certified_input is not None:
        data = dict(certified_input)
    else:
        data = frozen_input(
            kind=kind,
            date=date,
            level=level,
            fields=fields,
            project=project,
            activity_approved=activity_approved,
        )
    data["id"] = str(pk) if pk is not None else "new"
    if kind == ACTIVITY_ATTENDANCE:
        data["review_status"] = status
    else:
        data["status"] = status
    return data


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    """Evidence goes under the teacher's folder with a random prefix: guessable names would
    let anyone who learns one URL try its neighbours."""
    name = PurePath(filename).name[-80:]
    return f"evidence/{instance.record.teacher_id}/{uuid.uuid4().hex}_{name}"


class Evidence(ScopedModel):
    """A file proving a record: certificate, transcript, attendance sheet, photo."""

    record = models.ForeignKey(
        Record, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("record")
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=255)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    scope_path = "record__teacher__school__path"
    scope_owner = "record__teacher__user"
    scope_owner_actions = frozenset({"view", "change", "delete"})
    scope_institution = "record__project__institution_id"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class IntegrityEntry(ScopedModel):
    """An entry in a teacher's integrity record (诚信档案): written when a certified record
    is revoked for forgery (普洱 第二十二条: 当次培训学分无效，并计入教师个人培训诚信档案).
    Entries are never edited or deleted in the app; the audit log holds who wrote them."""

    teacher = models.ForeignKey(
        "org.Teacher",
        on_delete=models.PROTECT,
        related_name="integrity_entries",
        verbose_name=_("teacher"),
    )
    record = models.ForeignKey(
        Record,
        on_delete=models.PROTECT,
        related_name="integrity_entries",
        verbose_name=_("record"),
    )
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    scope_path = "teacher__school__path"
    scope_owner = "teacher__user"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("integrity record entry")
        verbose_name_plural = _("integrity record entries")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.teacher} · {self.created_at:%Y-%m-%d}"
