"""Organisation tree, teachers, roles and policy bindings.

The tree uses a materialized path (``/00000001/00000007/``): everything under a node is one
``path LIKE 'prefix%'`` query on an indexed column, with no recursion per row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from pypinyin import lazy_pinyin

from .choices import NodeKind, Role, SchoolKind, Sex, Stage
from .scoping import Grant, ScopedModel, ScopedQuerySet, above, under
from .validators import mask_id_number, validate_id_number, validate_phone

PATH_SEGMENT_WIDTH = 8


class OrgNode(ScopedModel):
    """A node of the organisation tree: province, city, county, group, school, or a
    subject / lesson-preparation group inside a school."""

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NodeKind.choices)
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("code"),
        max_length=40,
        blank=True,
        help_text=_("Administrative division code or school identification code."),
    )
    school_kind = models.CharField(
        _("school kind"), max_length=20, choices=SchoolKind.choices, blank=True
    )
    # Set by org.services.node_create; never edited by hand.
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)

    scope_path = "path"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]
        indexes = [
            # LIKE 'prefix%' needs the pattern operator class on PostgreSQL (non-C collations);
            # other databases ignore opclasses.
            models.Index(
                fields=["path"], name="org_node_path_like", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["kind", "path"], name="org_node_kind_path"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=NodeKind.SCHOOL) | Q(school_kind=""),
                name="org_node_school_kind_only_for_schools",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, grant: Grant, action: str, user: Any) -> Q | None:
        """Anyone sees the nodes above their own (for breadcrumbs and the region's name);
        changes reach only the node and what is under it."""
        if action == "view":
            reach = above("path", grant.path)
            if grant.role not in (Role.TEACHER, Role.INSTITUTION):
                reach |= under("path", grant.path)
            return reach
        if grant.role in (Role.TEACHER, Role.INSTITUTION):
            return None
        return under("path", grant.path)

    def ancestors(self, include_self: bool = False) -> models.QuerySet[OrgNode]:
        """The nodes above this one, top first (one query)."""
        from .scoping import ancestor_paths

        paths = ancestor_paths(self.path)
        if not include_self:
            paths = paths[:-1]
        return OrgNode.objects.filter(path__in=paths).order_by("depth")

    def descendants(self, include_self: bool = False) -> models.QuerySet[OrgNode]:
        """Every node beneath this one (one indexed query)."""
        qs = OrgNode.objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def is_under(self, other: OrgNode) -> bool:
        """Whether this node is ``other`` or lies beneath it."""
        return self.path.startswith(other.path)

    @property
    def school(self) -> OrgNode | None:
        """The school this node is or belongs to (None above school level)."""
        if self.kind == NodeKind.SCHOOL:
            return self
        if self.kind in (NodeKind.SUBJECT_GROUP, NodeKind.LESSON_GROUP):
            return self.ancestors().filter(kind=NodeKind.SCHOOL).first()
        return None


# Surnames read otherwise than the character's commonest reading (单 is shàn as a surname).
SURNAME_PINYIN = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "查": "zha",
    "朴": "piao",
    "缪": "miao",
    "乐": "yue",
    "盖": "ge",
    "翟": "zhai",
    "覃": "qin",
    "秘": "bi",
    "种": "chong",
}


def name_sort_key(name: str) -> str:
    """A name's sort key in pinyin order (张丽 → ``zhang li``), as Chinese lists sort names;
    non-Chinese text is kept, lower-cased. Stored in :attr:`Teacher.name_pinyin` so a roster
    sorts and pages in the database."""
    name = name.strip()
    if not name:
        return ""
    surname = SURNAME_PINYIN.get(name[0])
    syllables = [surname, *lazy_pinyin(name[1:])] if surname else lazy_pinyin(name)
    return " ".join(syllables).lower()[:200]


class Teacher(ScopedModel):
    """A teacher's profile: who they are and where they teach.

    The ID number is shown in full only to the teacher and to school/region staff over
    them (see :func:`xuefen.org.services.can_see_id_number`); lists show it masked.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teacher",
        verbose_name=_("user account"),
    )
    school = models.ForeignKey(
        OrgNode,
        on_delete=models.PROTECT,
        related_name="teachers",
        limit_choices_to={"kind": NodeKind.SCHOOL},
        verbose_name=_("school"),
    )
    group = models.ForeignKey(
        OrgNode,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="group_teachers",
        limit_choices_to={"kind__in": [NodeKind.SUBJECT_GROUP, NodeKind.LESSON_GROUP]},
        verbose_name=_("subject or lesson group"),
    )
    name = models.CharField(_("name"), max_length=50)
    # Kept by the services (teacher_create / teacher_update) from ``name``.
    name_pinyin = models.CharField(
        _("name in pinyin"), max_length=200, blank=True, editable=False, default=""
    )
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    id_number = models.CharField(
        _("ID number"),
        max_length=18,
        unique=True,
        validators=[validate_id_number],
        # Names no one and no place: the number may be registered in another county.
        error_messages={
            "unique": _(
                "This ID number is already registered. For a transfer between units, please "
                "contact the training office above your unit."
            )
        },
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, blank=True)
    subject = models.CharField(_("subject"), max_length=40, blank=True)
    title = models.CharField(_("professional title"), max_length=40, blank=True)
    head_teacher = models.BooleanField(_("head teacher"), default=False)
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    first_year = models.BooleanField(
        _("first-year teacher"),
        default=False,
        help_text=_("In the induction year: its hours count apart from the yearly totals."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_path = "school__path"
    scope_owner = "user"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("teacher")
        verbose_name_plural = _("teachers")
        ordering = ["school__path", "name", "pk"]
        indexes = [
            models.Index(fields=["school", "active"], name="org_teacher_school_active"),
            models.Index(fields=["school", "name_pinyin"], name="org_teacher_school_pinyin"),
        ]

    def __str__(self) -> str:
        # Never the ID number: __str__ ends up in logs, audit rows and admin messages.
        return self.name

    @property
    def id_number_masked(self) -> str:
        """The ID number with its middle hidden, for lists."""
        return mask_id_number(self.id_number)


class RoleAssignment(ScopedModel):
    """A user holds a role at a node; it covers everything beneath the node."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("user"),
    )
    node = models.ForeignKey(
        OrgNode, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("node")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    institution = models.ForeignKey(
        "catalog.Institution",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("institution"),
        help_text=_("For the training institution role: the institution the user acts for."),
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    scope_path = "node__path"
    scope_owner = "user"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["node__path", "role", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "node", "role"], name="org_role_unique"),
            models.CheckConstraint(
                condition=Q(role=Role.INSTITUTION, institution__isnull=False)
                | (~Q(role=Role.INSTITUTION) & Q(institution__isnull=True)),
                name="org_role_institution_iff_institution_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.node}"


@lru_cache(maxsize=32)
def _load_uploaded(sha: str, text: str, source: str) -> Any:
    from xuefen.policy import load_policy_text

    return load_policy_text(text, source=source)


class PolicyBinding(ScopedModel):
    """The policy in force at a region from ``valid_from`` to ``valid_to`` (inclusive).

    The policy is either one of the engine's bundled files (``policy_id``) or an uploaded
    file (``policy_text``, validated on upload). For a date, the binding of the deepest node
    above the teacher's school that covers the date applies, so replacing a region's policy
    from a date leaves every earlier period's result as it was.
    """

    node = models.ForeignKey(
        OrgNode,
        on_delete=models.CASCADE,
        related_name="policy_bindings",
        verbose_name=_("region"),
    )
    policy_id = models.CharField(_("bundled policy"), max_length=60, blank=True)
    policy_text = models.TextField(_("uploaded policy file"), blank=True)
    source_name = models.CharField(_("uploaded file name"), max_length=200, blank=True)
    policy_name = models.CharField(_("policy name"), max_length=200, blank=True)
    valid_from = models.DateField(_("in force from"))
    valid_to = models.DateField(_("in force until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_path = "node__path"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy binding")
        verbose_name_plural = _("policy bindings")
        ordering = ["node__path", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(policy_id="") & ~Q(policy_text=""))
                | (~Q(policy_id="") & Q(policy_text="")),
                name="org_binding_one_policy_source",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="org_binding_dates_ordered",
            ),
            models.UniqueConstraint(fields=["node", "valid_from"], name="org_binding_node_from"),
        ]

    def __str__(self) -> str:
        until = self.valid_to.isoformat() if self.valid_to else "…"
        return f"{self.node} · {self.policy_label} · {self.valid_from.isoformat()}–{until}"

    @classmethod
    def scope_q(cls, grant: Grant, action: str, user: Any) -> Q | None:
        """Everyone may see the policies over them; only regional managers change them."""
        if action == "view":
            return above("node__path", grant.path) | under("node__path", grant.path)
        if grant.role in (Role.TEACHER, Role.INSTITUTION):
            return None
        return under("node__path", grant.path)

    @property
    def policy_label(self) -> str:
        """The policy's name, or its id / file name."""
        return self.policy_name or self.policy_id or self.source_name

    @property
    def policy_key(self) -> str:
        """Identifies the policy content: the bundled id, or a hash of the uploaded text."""
        if self.policy_id:
            return f"bundled:{self.policy_id}"
        return "uploaded:" + hashlib.sha256(self.policy_text.encode("utf-8")).hexdigest()

    def covers(self, day: dt.date) -> bool:
        """Whether the binding is in force on ``day``."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def load(self) -> Any:
        """The engine's Policy object for this binding (cached per content)."""
        from xuefen.policy import load_policy

        if self.policy_id:
            return load_policy(self.policy_id)
        sha = self.policy_key.split(":", 1)[1]
        return _load_uploaded(sha, self.policy_text, self.source_name or "upload")


class Account(models.Model):
    """What xuefen keeps about a login account beyond Django's user: where it was created
    (so the administrators of that unit find it before it holds a role) and whether its
    password must be changed at the next login (after an administrator set or reset it).

    Accounts without a row here (created before it existed, or from the command line) have
    no home and need no change; :func:`xuefen.org.accounts.account_of` creates the row.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="xuefen_account",
        verbose_name=_("user"),
    )
    home = models.ForeignKey(
        OrgNode,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
        help_text=_("The unit the account was created for."),
    )
    must_change_password = models.BooleanField(_("must change password"), default=False)

    class Meta:
        verbose_name = _("account settings")
        verbose_name_plural = _("account settings")

    def __str__(self) -> str:
        return str(self.user)
