"""A school's period on its way to certification: the public notice (公示) with its frozen
lines and the teachers' objections, the submission the principal signs and the county
certifies, and the exceptions a county opens to a recognition window.

A *period* here is one of the region policy's periods (``procedure.period``: a year for 普洱,
a semester for 文成), stored as ``period_type`` + ``start`` + ``end`` + ``label`` like the
results' period rows.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xuefen.org.choices import Role
from xuefen.org.scoping import Grant, ScopedModel, ScopedQuerySet, under

from .choices import HOLDING_SUBMISSION, NoticeStatus, ObjectionStatus, SubmissionStatus, Window


class PeriodFields(models.Model):
    """The school and period a workflow object is about."""

    school = models.ForeignKey(
        "org.OrgNode", on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    period_type = models.CharField(_("period type"), max_length=20)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    label = models.CharField(_("period"), max_length=40)

    class Meta:
        abstract = True


class SchoolWide(ScopedModel):
    """Public within the school: every teacher of the school sees it (a 公示 is posted for
    all to read), staff see it beneath their nodes."""

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, grant: Grant, action: str, user: Any) -> Q | None:
        if grant.role == Role.TEACHER:
            return under(cls.scope_path, grant.path) if action == "view" else None
        return super().scope_q(grant, action, user)


class Notice(PeriodFields, SchoolWide):
    """A public notice of a school's period: each teacher's hours and credits per mode as
    they were when it was published (its :class:`NoticeLine` rows), posted for ``days``
    days. Teachers may object to their line until it closes; it cannot close while an
    objection is open. A correction publishes a new notice that replaces this one."""

    status = models.CharField(
        _("status"), max_length=20, choices=NoticeStatus.choices, default=NoticeStatus.OPEN
    )
    days = models.PositiveSmallIntegerField(_("days on notice"), default=7)
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    ends_on = models.DateField(_("last day on notice"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    teachers = models.PositiveIntegerField(_("teachers"), default=0)
    compliant = models.PositiveIntegerField(_("meeting the requirements"), default=0)
    totals = models.JSONField(_("totals"), default=dict)
    note = models.TextField(_("note"), blank=True)

    scope_path = "school__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "period_type", "start"],
                condition=Q(status=NoticeStatus.OPEN),
                name="credits_one_open_notice",
            )
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.label} 公示"


class NoticeLine(SchoolWide):
    """One teacher's line of a notice, frozen at publication. ``hours`` and ``credits``
    map each mode and ``total`` to a figure, counting the certified and approved records
    of the period (what the school is about to submit)."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("notice")
    )
    teacher = models.ForeignKey(
        "org.Teacher", on_delete=models.PROTECT, related_name="+", verbose_name=_("teacher")
    )
    name = models.CharField(_("name"), max_length=100)
    name_pinyin = models.CharField(_("name in pinyin"), max_length=200, blank=True)
    group = models.CharField(_("subject group"), max_length=200, blank=True)
    hours = models.JSONField(_("hours by mode"), default=dict)
    credits = models.JSONField(_("credits by mode"), default=dict)
    compliant = models.BooleanField(_("meets the requirements"), null=True)
    short = models.JSONField(_("unmet requirements"), default=list)

    scope_path = "notice__school__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice line")
        verbose_name_plural = _("notice lines")
        ordering = ["name_pinyin", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "teacher"], name="credits_notice_teacher")
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} · {self.name}"


class Objection(ScopedModel):
    """A teacher's objection to their line of a notice, and the school's answer."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="objections", verbose_name=_("notice")
    )
    line = models.ForeignKey(
        NoticeLine, on_delete=models.CASCADE, related_name="objections", verbose_name=_("line")
    )
    teacher = models.ForeignKey(
        "org.Teacher", on_delete=models.PROTECT, related_name="+", verbose_name=_("teacher")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    reason = models.TextField(_("reason"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("raised by"),
    )
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    scope_path = "notice__school__path"
    scope_owner = "teacher__user"
    scope_owner_actions = frozenset({"view", "change"})
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["line"],
                condition=Q(status=ObjectionStatus.OPEN),
                name="credits_one_open_objection",
            )
        ]

    def __str__(self) -> str:
        return f"{self.teacher} · {self.notice}"


class Submission(PeriodFields, ScopedModel):
    """A school's period signed off by the principal, submitted, and certified or returned
    by the county (the city for city-run schools). While one is signed, submitted or
    certified, the period's records are frozen (``xuefen.credits.locks``)."""

    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("notice")
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.SIGNED,
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    records = models.PositiveIntegerField(_("records certified"), default=0)

    scope_path = "school__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-signed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "period_type", "start"],
                condition=Q(status__in=sorted(HOLDING_SUBMISSION)),
                name="credits_one_holding_submission",
            )
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.label} 上报"


class WindowException(ScopedModel):
    """A county's exception to a recognition window: ``window`` stays open for the schools
    under ``node`` (one school or a whole region) for ``period`` until ``open_until``."""

    node = models.ForeignKey(
        "org.OrgNode", on_delete=models.PROTECT, related_name="+", verbose_name=_("for")
    )
    window = models.CharField(_("window"), max_length=20, choices=Window.choices)
    period_type = models.CharField(_("period type"), max_length=20)
    start = models.DateField(_("period start"))
    open_until = models.DateField(_("open until"))
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    scope_path = "node__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("window exception")
        verbose_name_plural = _("window exceptions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.node} {self.get_window_display()} → {self.open_until}"
