"""Training institutions and training projects."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xuefen.org.choices import Role
from xuefen.org.scoping import Grant, ScopedModel, ScopedQuerySet, above, under

from .choices import ApprovalStatus, Level, Mode, Module, Selection


def _catalog_scope(cls: type[ScopedModel], node_lookup: str, grant: Grant, action: str) -> Q | None:
    """Catalog entries are seen by everyone beneath the publishing region (they enrol in
    them) and by staff above it; they are changed only by staff of the publishing region."""
    if grant.role == Role.INSTITUTION:
        if cls.scope_institution and grant.institution_id is not None:
            return Q(**{cls.scope_institution: grant.institution_id})
        return None
    if action == "view":
        reach = above(node_lookup, grant.path)
        if grant.role != Role.TEACHER:
            reach |= under(node_lookup, grant.path)
        return reach
    if grant.role == Role.TEACHER:
        return None
    return under(node_lookup, grant.path)


class Institution(ScopedModel):
    """A training institution or studio (培训机构, 名师工作室). Records of projects run by an
    institution that is not approved earn nothing (普洱 第十八条)."""

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=40, blank=True)
    node = models.ForeignKey(
        "org.OrgNode",
        on_delete=models.PROTECT,
        related_name="institutions",
        verbose_name=_("registered with"),
        help_text=_("The region whose training office approves this institution."),
    )
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    approved = models.BooleanField(_("approved"), default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_path = "node__path"
    scope_institution = "pk"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("training institution")
        verbose_name_plural = _("training institutions")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, grant: Grant, action: str, user: Any) -> Q | None:
        """See :func:`_catalog_scope`; an institution user may not approve itself."""
        if grant.role == Role.INSTITUTION and action != "view":
            return None
        return _catalog_scope(cls, "node__path", grant, action)


class Project(ScopedModel):
    """A training project published by a region or school (培训项目), with the numbers a
    record of it inherits: level, mode, module, hours or days, credit per hour."""

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=40, blank=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices)
    module = models.CharField(_("module"), max_length=20, choices=Module.choices)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, null=True, blank=True)
    days = models.DecimalField(_("days"), max_digits=5, decimal_places=1, null=True, blank=True)
    credit_per_hour = models.DecimalField(
        _("credits per hour"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Project credit coefficient; empty means the policy's default."),
    )
    selection = models.CharField(
        _("mandatory or self-selected"),
        max_length=20,
        choices=Selection.choices,
        default=Selection.SELF_SELECTED,
    )
    publisher = models.ForeignKey(
        "org.OrgNode",
        on_delete=models.PROTECT,
        related_name="published_projects",
        verbose_name=_("publisher"),
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("institution"),
    )
    approval_status = models.CharField(
        _("approval"),
        max_length=20,
        choices=ApprovalStatus.choices,
        default=ApprovalStatus.PENDING,
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    enrol_from = models.DateField(_("enrolment opens"), null=True, blank=True)
    enrol_to = models.DateField(_("enrolment closes"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_path = "publisher__path"
    scope_institution = "institution_id"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("training project")
        verbose_name_plural = _("training projects")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(hours__isnull=False) & Q(days__isnull=True))
                | (Q(hours__isnull=True) & Q(days__isnull=False)),
                name="catalog_project_hours_or_days",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gt=0),
                name="catalog_project_hours_positive",
            ),
            models.CheckConstraint(
                condition=Q(days__isnull=True) | Q(days__gt=0),
                name="catalog_project_days_positive",
            ),
            models.CheckConstraint(
                condition=Q(credit_per_hour__isnull=True) | Q(credit_per_hour__gt=0),
                name="catalog_project_credit_positive",
            ),
            models.CheckConstraint(
                condition=Q(enrol_from__isnull=True)
                | Q(enrol_to__isnull=True)
                | Q(enrol_to__gte=models.F("enrol_from")),
                name="catalog_project_enrolment_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, grant: Grant, action: str, user: Any) -> Q | None:
        """See :func:`_catalog_scope`."""
        if grant.role == Role.INSTITUTION and action not in ("view", "change"):
            return None
        reach = _catalog_scope(cls, "publisher__path", grant, action)
        if reach is not None and grant.role == Role.TEACHER:
            # An institution's draft is not offered to anyone yet.
            reach &= ~Q(approval_status=ApprovalStatus.DRAFT)
        return reach

    @property
    def is_approved(self) -> bool:
        """Approved, and run by no institution or by an approved one."""
        return self.approval_status == ApprovalStatus.APPROVED and (
            self.institution_id is None or self.institution.approved
        )

    def unapproved_reason(self) -> str:
        """Why records of this project earn nothing ('' when approved)."""
        if self.approval_status != ApprovalStatus.APPROVED:
            return str(_("the project is not approved"))
        if self.institution_id is not None and not self.institution.approved:
            return str(_("the training institution is not approved"))
        return ""

    def engine_defaults(self) -> dict[str, Any]:
        """The fields a ``training`` record of this project inherits unless it says
        otherwise, in the engine's vocabulary."""
        fields: dict[str, Any] = {
            "level": self.level,
            "mode": self.mode,
            "module": self.module,
            "self_selected": self.selection == Selection.SELF_SELECTED,
            "name": self.name,
        }
        if self.credit_per_hour is not None:
            fields["credit_per_hour"] = float(self.credit_per_hour)
        if self.hours is not None:
            fields["hours"] = float(self.hours)
        elif self.days is not None:
            fields["days"] = float(self.days)
        return fields
