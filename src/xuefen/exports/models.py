"""An exported file, kept for the person who made it for a while.

The file itself lies under ``XUEFEN_EXPORT_DIR`` (outside the web root) under a random
name; this row says whose it is, what it holds and until when it is kept
(``XUEFEN_EXPORT_KEEP_HOURS``). Only its owner downloads it (anyone else: 404), also when
it was made by the worker for a large export. Expired files are removed by
:func:`xuefen.exports.services.sweep`, which every new export runs.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xuefen.org.scoping import Grant, ScopedModel, ScopedQuerySet


class ExportFile(ScopedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="export_files",
        verbose_name=_("owner"),
    )
    node = models.ForeignKey(
        "org.OrgNode", on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    teacher = models.ForeignKey(
        "org.Teacher",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("teacher"),
    )
    form = models.CharField(_("form"), max_length=40)
    title = models.CharField(_("title"), max_length=120)
    period = models.CharField(_("period"), max_length=40, blank=True)
    period_label = models.CharField(_("period label"), max_length=40, blank=True)
    format = models.CharField(_("format"), max_length=8)
    draft = models.BooleanField(_("draft"), default=False)
    name = models.CharField(_("file name"), max_length=200)
    path = models.CharField(_("stored as"), max_length=120, unique=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    rows = models.PositiveIntegerField(_("rows or pages"), default=0)
    job = models.ForeignKey(
        "jobs.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("background job"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("kept until"))

    scope_path = "node__path"
    scope_owner = "owner"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("exported file")
        verbose_name_plural = _("exported files")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="exports_owner_recent"),
            models.Index(fields=["expires_at"], name="exports_expiry"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, grant: Grant, action: str, user: Any) -> Q | None:
        """A file is its owner's alone, whatever roles others hold over its school."""
        if action != "view":
            return None
        return Q(owner=user)
