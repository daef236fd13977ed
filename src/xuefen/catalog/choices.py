"""Choices of the catalog: levels, modes, modules, approval states.

Values are the engine's vocabulary (docs/records.md); labels are for people.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """Level of a training or an award (级别)."""

    SCHOOL = "school", _("School level")
    COUNTY = "county", _("County level")
    CITY = "city", _("City level")
    PROVINCE = "province", _("Province level")
    NATIONAL = "national", _("National level")


class Mode(models.TextChoices):
    """Training mode (研修模式)."""

    ONLINE = "online", _("Online training")
    CENTRALIZED = "centralized", _("Centralized training")
    SCHOOL_BASED = "school_based", _("School-based training")


class Module(models.TextChoices):
    """Training module (模块)."""

    ETHICS = "ethics", _("Professional ideals and ethics")
    KNOWLEDGE = "knowledge", _("Professional knowledge")
    ABILITY = "ability", _("Professional ability")
    CLASS_MANAGEMENT = "class_management", _("Class management")
    SCHOOL_BASED = "school_based", _("School-based study")


class Selection(models.TextChoices):
    """Who chose the training: the authority (指令性) or the teacher (自主选学)."""

    MANDATORY = "mandatory", _("Mandatory")
    SELF_SELECTED = "self_selected", _("Self-selected")


class ApprovalStatus(models.TextChoices):
    """Approval state of a project. Colours for badges are in :data:`APPROVAL_COLORS`."""

    # An institution's project being written: nobody but the institution sees it as
    # offered, and it goes to the region only when sent for approval.
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


APPROVAL_COLORS = {
    ApprovalStatus.DRAFT: "gray",
    ApprovalStatus.PENDING: "orange",
    ApprovalStatus.APPROVED: "green",
    ApprovalStatus.REJECTED: "red",
}
