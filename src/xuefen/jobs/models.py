"""The job a person started, as they watch it: status, progress, a message.

The work runs in the worker (:mod:`xuefen.jobs.tasks`); this row is its public face, written
only through :mod:`xuefen.jobs.services`. The task's own row (``django_tasks_db``'s
``DBTaskResult``, with the traceback of a failure) is for administrators; ``task_id`` links
the two.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xuefen.org.scoping import STAFF_ROLES, Grant, ScopedModel, ScopedQuerySet, under

from .choices import OPEN_STATUSES, STATUS_COLORS, JobKind, JobStatus


class Job(ScopedModel):
    """One background job, started by a person for one organisation node.

    Seen by whoever started it and by the staff over its node (a county's administrators
    see the county's jobs, whoever of them pressed the button); never by teachers,
    institutions or peer assessors. ``done`` of ``total`` is the progress (``total`` is 0
    until the job knows its size); ``message`` says what a finished job did, ``error`` why
    a failed one stopped — one line for the user, never a traceback (that goes to the
    server log).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=30, choices=JobKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("started by"),
    )
    node = models.ForeignKey(
        "org.OrgNode", on_delete=models.CASCADE, related_name="jobs", verbose_name=_("organisation")
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Every progress report touches it: a running job whose heartbeat stopped long ago was
    # interrupted (the worker was killed) and may be started again.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)

    scope_path = "node__path"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["started_by", "-created_at"], name="jobs_started_by"),
        ]
        constraints = [
            # Pressing "recompute" twice joins the running job instead of queueing another.
            models.UniqueConstraint(
                fields=["kind", "node"],
                condition=Q(kind=JobKind.RECOMPUTE, status__in=sorted(OPEN_STATUSES)),
                name="jobs_one_open_recompute_per_node",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.node_id} · {str(self.pk)[:8]}"

    @classmethod
    def scope_q(cls, grant: Grant, action: str, user: Any) -> Q | None:
        """The starter sees their own jobs; staff roles see the jobs of nodes within
        their reach. Nobody changes a job through the scoping: only the services do."""
        if action != "view":
            return None
        own = Q(started_by=user)
        if grant.role in STAFF_ROLES:
            return own | under(cls.scope_path, grant.path)
        return own

    @property
    def is_open(self) -> bool:
        """Not finished yet: the page keeps polling."""
        return self.status in OPEN_STATUSES

    @property
    def color(self) -> str:
        """The badge colour of the status."""
        return STATUS_COLORS.get(self.status, "gray")

    @property
    def percent(self) -> int:
        """Progress in whole percent (100 once done)."""
        if self.status == JobStatus.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)
