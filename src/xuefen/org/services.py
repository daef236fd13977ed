"""Business actions on the organisation tree, teachers, roles and policy bindings.

Every function here is one action: keyword-only arguments, permission and state checks
first, the change in one transaction, an audit entry, notification on commit. Errors:
:class:`~django.core.exceptions.PermissionDenied` when the actor may not, and
:class:`~django.core.exceptions.ValidationError` (naming the field) when the input is wrong.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xuefen.audit.choices import Event
from xuefen.audit.services import audit_log, audited_update, snapshot

from .choices import ALLOWED_PARENTS, REGION_KINDS, ROLE_NODE_KINDS, NodeKind, Role
from .models import (
    PATH_SEGMENT_WIDTH,
    OrgNode,
    PolicyBinding,
    RoleAssignment,
    Teacher,
    name_sort_key,
)
from .scoping import (
    ROLE_ACTIONS,
    STAFF_ROLES,
    ancestor_paths,
    can,
    forget_grants,
    require,
    user_grants,
)
from .validators import id_number_sex, mask_id_number, normalize_id_number

NODE_FIELDS = ("parent", "kind", "name", "code", "school_kind", "path")
TEACHER_FIELDS = (
    "user",
    "school",
    "group",
    "name",
    "sex",
    "id_number",
    "phone",
    "stage",
    "subject",
    "title",
    "head_teacher",
    "hire_date",
    "first_year",
    "active",
)
ROLE_FIELDS = ("user", "node", "role", "institution")
BINDING_FIELDS = ("node", "policy_id", "source_name", "policy_name", "valid_from", "valid_to")


def _require_superuser(actor: Any) -> None:
    if not (actor is not None and actor.is_authenticated and actor.is_superuser):
        raise PermissionDenied("only a superuser may do this")


# -- the tree --------------------------------------------------------------------------


def _check_node(*, parent: OrgNode | None, kind: str, name: str, school_kind: str) -> None:
    if kind not in NodeKind.values:
        raise ValidationError({"kind": _("Unknown kind %(kind)r.") % {"kind": kind}})
    parent_kind = parent.kind if parent is not None else None
    if parent_kind not in ALLOWED_PARENTS[kind]:
        raise ValidationError(
            {
                "parent": _("A %(kind)s cannot be placed under %(parent)s.")
                % {
                    "kind": NodeKind(kind).label,
                    "parent": NodeKind(parent_kind).label if parent_kind else _("the top level"),
                }
            }
        )
    if not name.strip():
        raise ValidationError({"name": _("A name is required.")})
    if kind == NodeKind.SCHOOL and not school_kind:
        raise ValidationError({"school_kind": _("Choose the kind of school.")})
    if kind != NodeKind.SCHOOL and school_kind:
        raise ValidationError({"school_kind": _("Only schools have a school kind.")})


def node_create(
    *,
    actor: Any,
    parent: OrgNode | None,
    kind: str,
    name: str,
    code: str = "",
    school_kind: str = "",
    reason: str = "",
) -> OrgNode:
    """Add a node to the tree under ``parent`` (a top-level node needs a superuser)."""
    if parent is None:
        _require_superuser(actor)
    else:
        # Regions, groups and schools are the training office's; a school administrator
        # keeps the school's own subject and lesson groups.
        inside_school = kind in (NodeKind.SUBJECT_GROUP, NodeKind.LESSON_GROUP)
        require(actor, "change" if inside_school else "manage", parent)
    _check_node(parent=parent, kind=kind, name=name, school_kind=school_kind)
    with transaction.atomic():
        # The path needs the primary key: insert with a unique placeholder, then set it.
        node = OrgNode.objects.create(
            parent=parent,
            kind=kind,
            name=name.strip(),
            code=code.strip(),
            school_kind=school_kind,
            path=f"~{uuid.uuid4().hex}",
            depth=(parent.depth + 1) if parent else 0,
        )
        node.path = (parent.path if parent else "/") + f"{node.pk:0{PATH_SEGMENT_WIDTH}d}/"
        node.save(update_fields=["path"])
        audit_log(
            actor=actor,
            event=Event.NODE_CREATE,
            target=node,
            node=node,
            new=snapshot(node, NODE_FIELDS),
            reason=reason,
        )
    return node


def node_update(
    *,
    actor: Any,
    node: OrgNode,
    name: str | None = None,
    code: str | None = None,
    school_kind: str | None = None,
    reason: str = "",
) -> OrgNode:
    """Rename a node or change its code or school kind (moving nodes is not offered)."""
    require(actor, "manage" if node.kind in REGION_KINDS else "change", node)
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = name.strip()
    if school_kind is not None:
        changes["school_kind"] = school_kind
    if code is not None:
        changes["code"] = code.strip()

    def clean(current: OrgNode) -> None:
        _check_node(
            parent=current.parent,
            kind=current.kind,
            name=current.name,
            school_kind=current.school_kind,
        )

    return audited_update(
        node,
        actor=actor,
        event=Event.NODE_UPDATE,
        fields=NODE_FIELDS,
        changes=changes,
        node=lambda n: n,
        clean=clean,
        reason=reason,
    )


# -- teachers --------------------------------------------------------------------------


def _clean_teacher(teacher: Teacher) -> None:
    """Model validation plus the cross-field rules; errors name the field."""
    teacher.id_number = normalize_id_number(teacher.id_number)
    if teacher.school.kind != NodeKind.SCHOOL:
        raise ValidationError({"school": _("A teacher belongs to a school.")})
    if teacher.group_id is not None and not teacher.group.is_under(teacher.school):
        raise ValidationError({"group": _("The group must belong to the teacher's school.")})
    if not teacher.sex and len(teacher.id_number) == 18:
        # A malformed number is reported by full_clean below.
        with contextlib.suppress(ValueError):
            teacher.sex = id_number_sex(teacher.id_number)
    teacher.full_clean()
    if teacher.sex != id_number_sex(teacher.id_number):
        raise ValidationError({"sex": _("The sex does not match the ID number.")})


def teacher_create(
    *,
    actor: Any,
    school: OrgNode,
    name: str,
    id_number: str,
    sex: str = "",
    phone: str = "",
    stage: str = "",
    subject: str = "",
    title: str = "",
    head_teacher: bool = False,
    hire_date: dt.date | None = None,
    first_year: bool = False,
    group: OrgNode | None = None,
    user: Any = None,
    reason: str = "",
) -> Teacher:
    """Add a teacher to a school's roster; with ``user``, also grant them the teacher role."""
    require(actor, "change", school)
    teacher = Teacher(
        school=school,
        group=group,
        name=name.strip(),
        name_pinyin=name_sort_key(name),
        sex=sex,
        id_number=id_number,
        phone=phone.strip(),
        stage=stage,
        subject=subject.strip(),
        title=title.strip(),
        head_teacher=head_teacher,
        hire_date=hire_date,
        first_year=first_year,
        user=user,
    )
    _clean_teacher(teacher)
    with transaction.atomic():
        teacher.save()
        audit_log(
            actor=actor,
            event=Event.TEACHER_CREATE,
            target=teacher,
            node=school,
            new=snapshot(teacher, TEACHER_FIELDS),
            reason=reason,
        )
        if user is not None:
            _grant(actor=actor, user=user, node=school, role=Role.TEACHER, institution=None)
    return teacher


def teacher_update(*, actor: Any, teacher: Teacher, reason: str = "", **changes: Any) -> Teacher:
    """Change a teacher's profile fields (any of ``TEACHER_FIELDS`` but ``user``).

    Rights are judged on the locked row and only the changed columns are written, so two
    administrators editing different fields at once both keep their change.
    """
    unknown = set(changes) - (set(TEACHER_FIELDS) - {"user"})
    if unknown:
        raise ValidationError(
            {name: _("This field cannot be changed here.") for name in sorted(unknown)}
        )
    if "school" in changes and changes["school"].pk != teacher.school_id:
        require(actor, "change", changes["school"])
    if "name" in changes:  # the roster's pinyin sort key follows the name
        changes = {**changes, "name_pinyin": name_sort_key(str(changes["name"]))}
    return audited_update(
        teacher,
        actor=actor,
        event=Event.TEACHER_UPDATE,
        fields=TEACHER_FIELDS,
        changes=changes,
        node=lambda t: t.school,
        check=lambda t: require(actor, "change", t),
        clean=_clean_teacher,
        reason=reason,
    )


def can_see_id_number(user: Any, teacher: Teacher) -> bool:
    """Full ID numbers are for the teacher and for school or region staff over them."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or (teacher.user_id is not None and teacher.user_id == user.pk):
        return True
    school_path = teacher.school.path
    return any(g.role in STAFF_ROLES and school_path.startswith(g.path) for g in user_grants(user))


def display_id_number(user: Any, teacher: Teacher) -> str:
    """The ID number as ``user`` may see it: in full or masked."""
    return (
        teacher.id_number if can_see_id_number(user, teacher) else mask_id_number(teacher.id_number)
    )


# -- roles -----------------------------------------------------------------------------


def _may_grant(actor: Any, node: OrgNode, role: str) -> bool:
    """Regional managers grant any role beneath them; a school administrator grants the
    teacher role at their own school."""
    if actor is None or not actor.is_authenticated:
        return False
    if actor.is_superuser or can(actor, "manage", node):
        return True
    return role == Role.TEACHER and any(
        g.role == Role.SCHOOL_ADMIN and node.path.startswith(g.path) for g in user_grants(actor)
    )


def _grant_reach(actor: Any) -> list[str]:
    """Paths of the nodes under which ``actor`` grants roles (regions they manage, schools
    they administer)."""
    return [
        g.path
        for g in user_grants(actor)
        if g.role == Role.SCHOOL_ADMIN or "manage" in ROLE_ACTIONS.get(g.role, ())
    ]


def _may_grant_to(actor: Any, user: Any, node: OrgNode, role: str) -> bool:
    """Whether ``actor`` may give a role to this ``user`` (where, is :func:`_may_grant`).

    A superuser gives any role to anyone. Everybody else only to accounts that are wholly
    theirs: not a superuser, every role the account holds at or under a node where the
    actor grants, its teacher profile and its home (``Account.home``) there too. A fresh
    account (no role, no teacher profile, no home) qualifies. The teacher role goes with
    the teacher profile: it is given at the school of the account's teacher profile only.
    So a school administrator can give the teacher role to their own teachers and to fresh
    accounts, never to a county administrator or to a teacher of another school.
    """
    if actor.is_superuser:
        return True
    if user.is_superuser:
        return False
    from .accounts import account_node_paths, within_reach

    if not within_reach(account_node_paths(user), _grant_reach(actor)):
        return False
    if role == Role.TEACHER:
        school_id = Teacher.objects.filter(user_id=user.pk).values_list("school_id", flat=True)
        return all(pk == node.pk for pk in school_id)
    return True


def _grant(
    *, actor: Any, user: Any, node: OrgNode, role: str, institution: Any, reason: str = ""
) -> RoleAssignment:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)r.") % {"role": role}})
    if node.kind not in ROLE_NODE_KINDS[role]:
        raise ValidationError(
            {
                "node": _("The role %(role)s cannot be held at a %(kind)s.")
                % {"role": Role(role).label, "kind": NodeKind(node.kind).label}
            }
        )
    if (role == Role.INSTITUTION) != (institution is not None):
        raise ValidationError(
            {"institution": _("The training institution role needs an institution, and only it.")}
        )
    # Lock the account while judging what it holds, so a concurrent grant elsewhere cannot
    # slip between the check and this grant.
    type(user)._default_manager.select_for_update().filter(pk=user.pk).exists()
    if not _may_grant_to(actor, user, node, role):
        raise PermissionDenied("not allowed to grant a role to this account")
    if RoleAssignment.objects.filter(user=user, node=node, role=role).exists():
        raise ValidationError({"role": _("The user already holds this role here.")})
    assignment = RoleAssignment.objects.create(
        user=user, node=node, role=role, institution=institution, granted_by=actor
    )
    audit_log(
        actor=actor,
        event=Event.ROLE_GRANT,
        target=assignment,
        node=node,
        new=snapshot(assignment, ROLE_FIELDS),
        reason=reason,
    )
    forget_grants(user)
    return assignment


def role_grant(
    *,
    actor: Any,
    user: Any,
    node: OrgNode,
    role: str,
    institution: Any = None,
    reason: str = "",
) -> RoleAssignment:
    """Give ``user`` the ``role`` at ``node`` (covering everything beneath it)."""
    if not _may_grant(actor, node, role):
        raise PermissionDenied("not allowed to grant this role here")
    with transaction.atomic():
        return _grant(
            actor=actor, user=user, node=node, role=role, institution=institution, reason=reason
        )


def role_revoke(*, actor: Any, assignment: RoleAssignment, reason: str = "") -> None:
    """Take a role away. The audit log keeps who held it."""
    if not _may_grant(actor, assignment.node, assignment.role):
        raise PermissionDenied("not allowed to revoke this role")
    with transaction.atomic():
        old = snapshot(assignment, ROLE_FIELDS)
        audit_log(
            actor=actor,
            event=Event.ROLE_REVOKE,
            target=assignment,
            node=assignment.node,
            old=old,
            reason=reason,
        )
        user = assignment.user
        assignment.delete()
    forget_grants(user)


# -- policies --------------------------------------------------------------------------


def bindings_over(node: OrgNode) -> list[PolicyBinding]:
    """Every binding on the node and its ancestors, deepest node first (one query)."""
    return list(
        PolicyBinding.objects.filter(node__path__in=ancestor_paths(node.path))
        .select_related("node")
        .order_by("-node__depth", "-valid_from")
    )


def binding_in_force(bindings: Iterable[PolicyBinding], day: dt.date) -> PolicyBinding | None:
    """Of ``bindings`` (deepest first, as :func:`bindings_over` gives them), the one in force
    on ``day``: a deeper node's binding overrides its region's while it is in force."""
    for binding in bindings:
        if binding.covers(day):
            return binding
    return None


def policy_for(*, node: OrgNode, day: dt.date) -> PolicyBinding | None:
    """The binding in force at ``node`` on ``day`` (None where no policy is bound)."""
    return binding_in_force(bindings_over(node), day)


def _validated_policy(policy_id: str, policy_text: str, source_name: str) -> Any:
    from xuefen.policy import PolicyFileError, UnknownPolicyError, load_policy, load_policy_text

    if bool(policy_id) == bool(policy_text):
        raise ValidationError(
            {"policy_id": _("Choose a bundled policy or upload a policy file, not both.")}
        )
    if policy_id:
        try:
            return load_policy(policy_id)
        except UnknownPolicyError as exc:
            raise ValidationError({"policy_id": str(exc)}) from None
    try:
        return load_policy_text(policy_text, source=source_name or "upload")
    except PolicyFileError as exc:
        raise ValidationError({"policy_text": str(exc)}) from None


def _refuse_rewriting_certified(node: OrgNode, valid_from: dt.date) -> None:
    """A binding from ``valid_from`` decides how every record dated from then on, in every
    school beneath ``node``, is computed (a deeper node's binding wins over its region's
    while it is in force). Certified figures are frozen, so a binding may not start on or
    before the date of a certified record beneath the node: the results of a period that
    has certified records are never rewritten."""
    from xuefen.records.choices import LOCKED_STATUSES

    latest = (
        Teacher.objects.filter(
            school__path__startswith=node.path, records__status__in=sorted(LOCKED_STATUSES)
        )
        .order_by("-records__date")
        .values_list("records__date", flat=True)
        .first()
    )
    if latest is not None and latest >= valid_from:
        raise ValidationError(
            {
                "valid_from": _(
                    "Records dated up to %(date)s are already certified here; a policy bound "
                    "here must start after that date."
                )
                % {"date": latest.isoformat()}
            }
        )


def policy_bind(
    *,
    actor: Any,
    node: OrgNode,
    valid_from: dt.date,
    policy_id: str = "",
    policy_text: str = "",
    source_name: str = "",
    reason: str = "",
) -> PolicyBinding:
    """Put a policy in force at ``node`` from ``valid_from``.

    The binding in force until then is closed the day before, so results of earlier periods
    stay as they were. History is not rewritten: a new binding must start after every
    existing binding of the node has started, and after the latest certified record beneath
    the node. Where a region and a school beneath it both have a binding in force on a day,
    the school's (the deeper node's) applies.
    """
    require(actor, "manage", node)
    if node.kind in (NodeKind.SUBJECT_GROUP, NodeKind.LESSON_GROUP):
        raise ValidationError({"node": _("Policies are bound to regions and schools.")})
    policy = _validated_policy(policy_id, policy_text, source_name)
    with transaction.atomic():
        existing = list(
            PolicyBinding.objects.select_for_update().filter(node=node).order_by("valid_from")
        )
        if existing and existing[-1].valid_from >= valid_from:
            raise ValidationError(
                {
                    "valid_from": _(
                        "A policy is already in force here from %(date)s; a replacement must "
                        "start later."
                    )
                    % {"date": existing[-1].valid_from.isoformat()}
                }
            )
        _refuse_rewriting_certified(node, valid_from)
        closing = existing[-1] if existing else None
        old: dict[str, Any] = {}
        if closing is not None and (closing.valid_to is None or closing.valid_to >= valid_from):
            old = {"replaced": closing.pk, "replaced_valid_to": closing.valid_to}
            closing.valid_to = valid_from - dt.timedelta(days=1)
            closing.save(update_fields=["valid_to"])
        binding = PolicyBinding.objects.create(
            node=node,
            policy_id=policy_id,
            policy_text=policy_text,
            source_name=source_name,
            policy_name=policy.name,
            valid_from=valid_from,
            created_by=actor,
        )
        new = snapshot(binding, BINDING_FIELDS)
        if old:
            new["replaced_valid_to"] = closing.valid_to.isoformat()
        audit_log(
            actor=actor,
            event=Event.POLICY_BIND,
            target=binding,
            node=node,
            old=old,
            new=new,
            reason=reason,
        )
    return binding
