"""Plans, activities, participation, leave, roles and materials of school-based training.

A school's semester :class:`Plan` is approved by the county; an :class:`Activity` under an
approved plan earns school-based hours (under no plan, or a plan not approved, its
generated training records earn nothing, and say why). Each participant has one
:class:`Participation` row: expected, present (signed in), on leave, absent, made up.
Closing an activity turns participation and roles into records (``records.Record`` with
``activity`` and ``origin_key``), through the review path.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xuefen.org.choices import Role
from xuefen.org.scoping import Grant, ScopedModel, ScopedQuerySet, under

from .choices import (
    ActivityStatus,
    ActivityType,
    Attendance,
    LeaveStatus,
    MaterialKind,
    PlanStatus,
    PlanTemplate,
    RoleKind,
    SignInMethod,
    Tier,
)


def _new_secret() -> str:
    return secrets.token_hex(32)


class SchoolVisible(ScopedModel):
    """Seen by every teacher of the school (its plan and activities are no secret), changed
    by its staff."""

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, grant: Grant, action: str, user: Any) -> Q | None:
        if grant.role == Role.TEACHER:
            return under(cls.scope_path, grant.path) if action == "view" else None
        return super().scope_q(grant, action, user)


class Plan(SchoolVisible):
    """A school's school-based training plan for one semester (校本研修计划): goals, themes
    and the activities planned by month (or by the five steps, or as 兰州's sessions), the
    people responsible; submitted to the county within the policy's window and approved or
    returned with reasons."""

    school = models.ForeignKey(
        "org.OrgNode", on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    title = models.CharField(_("title"), max_length=200)
    start = models.DateField(_("semester starts"))
    end = models.DateField(_("semester ends"))
    label = models.CharField(_("semester"), max_length=40)
    template = models.CharField(
        _("layout"), max_length=30, choices=PlanTemplate.choices, default=PlanTemplate.MONTHLY
    )
    goals = models.TextField(_("goals"))
    themes = models.TextField(_("themes"))
    responsible = models.CharField(_("people responsible"), max_length=300)
    # The planned activities, laid out by ``template`` (see activities/plans.py).
    items = models.JSONField(_("planned activities"), default=list)
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT
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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_path = "school__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("school-based training plan")
        verbose_name_plural = _("school-based training plans")
        ordering = ["-start", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "start"], name="activities_one_plan"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="plan_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.label} 校本研修计划"

    @property
    def is_approved(self) -> bool:
        return self.status == PlanStatus.APPROVED


class Activity(SchoolVisible):
    """One school-based activity (研修活动): theme, groups, time and place, presenter,
    hours, type, tier; its participants, roles, materials; sign-in within its window."""

    school = models.ForeignKey(
        "org.OrgNode", on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    plan = models.ForeignKey(
        Plan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("plan"),
    )
    groups = models.ManyToManyField(
        "org.OrgNode", blank=True, related_name="+", verbose_name=_("subject groups")
    )
    theme = models.CharField(_("theme"), max_length=200)
    type = models.CharField(_("type"), max_length=30, choices=ActivityType.choices)
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, blank=True)
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    presenter = models.ForeignKey(
        "org.Teacher",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("presenter"),
    )
    # Activity a make-up session makes up for (兰州 补课): its attendance counts there.
    makeup_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="makeups",
        verbose_name=_("make-up for"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED
    )
    materials_confirmed_at = models.DateTimeField(
        _("materials confirmed at"), null=True, blank=True
    )
    materials_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("materials confirmed by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    # Key of the rotating sign-in codes (never shown; a new one voids every code).
    sign_secret = models.CharField(max_length=64, default=_new_secret, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_path = "school__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["school", "starts_at"], name="activities_school_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_times"
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24), name="activity_hours"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d} {self.theme}"

    @property
    def earns(self) -> bool:
        """Whether its generated training records count: only under an approved plan."""
        return self.plan_id is not None and self.plan.is_approved


class Participation(ScopedModel):
    """One teacher expected at one activity, and what became of it."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="participants", verbose_name=_("activity")
    )
    teacher = models.ForeignKey(
        "org.Teacher", on_delete=models.PROTECT, related_name="+", verbose_name=_("teacher")
    )
    state = models.CharField(
        _("attendance"), max_length=20, choices=Attendance.choices, default=Attendance.EXPECTED
    )
    signed_at = models.DateTimeField(_("signed in at"), null=True, blank=True)
    method = models.CharField(_("how"), max_length=20, choices=SignInMethod.choices, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed in by"),
    )
    # A keyed hash of the signing device's cookie: one device signing in several people
    # is flagged (``flagged``) for the administrator, who decides.
    device = models.CharField(_("device"), max_length=64, blank=True)
    flagged = models.BooleanField(_("flagged"), default=False)
    # Where a missed activity was made up (兰州 补课): a make-up session, or a note.
    made_up_in = models.ForeignKey(
        Activity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="made_up_for",
        verbose_name=_("made up in"),
    )
    note = models.TextField(_("note"), blank=True)

    scope_path = "activity__school__path"
    scope_owner = "teacher__user"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["activity", "teacher__name_pinyin", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "teacher"], name="activities_participant")
        ]
        indexes = [models.Index(fields=["teacher", "activity"], name="activities_teacher")]

    def __str__(self) -> str:
        return f"{self.activity_id} · {self.teacher_id} · {self.state}"


class LeaveRequest(ScopedModel):
    """A teacher's request for leave from an activity (请假), before it starts."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="leaves", verbose_name=_("activity")
    )
    teacher = models.ForeignKey(
        "org.Teacher", on_delete=models.PROTECT, related_name="+", verbose_name=_("teacher")
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=20, choices=LeaveStatus.choices, default=LeaveStatus.PENDING
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)

    scope_path = "activity__school__path"
    scope_owner = "teacher__user"
    scope_owner_actions = frozenset({"view", "change"})
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "teacher"],
                condition=Q(status__in=["pending", "approved"]),
                name="activities_one_leave",
            )
        ]

    def __str__(self) -> str:
        return f"{self.teacher} · {self.activity}"


class ActivityRole(SchoolVisible):
    """A role a teacher takes in an activity (执教、评课、磨课、指导、发言、讲座)."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="roles", verbose_name=_("activity")
    )
    teacher = models.ForeignKey(
        "org.Teacher", on_delete=models.PROTECT, related_name="+", verbose_name=_("teacher")
    )
    role = models.CharField(_("role"), max_length=20, choices=RoleKind.choices)

    scope_path = "activity__school__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity role")
        verbose_name_plural = _("activity roles")
        ordering = ["activity", "role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "teacher", "role"], name="activities_one_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.teacher} · {self.get_role_display()}"


def material_upload_to(instance: Material, filename: str) -> str:
    """Generated names only (the extension was chosen by the content check)."""
    import uuid
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()[:8]
    return f"activities/{instance.activity_id}/{uuid.uuid4().hex}{suffix}"


class Material(SchoolVisible):
    """A file of an activity: its plan, process record, summary, photos."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="materials", verbose_name=_("activity")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MaterialKind.choices)
    file = models.FileField(_("file"), upload_to=material_upload_to, max_length=255)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    scope_path = "activity__school__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity material")
        verbose_name_plural = _("activity materials")
        ordering = ["activity", "kind", "pk"]

    def __str__(self) -> str:
        return self.name
