"""Business actions on the training catalog: institutions and projects.

Same conventions as :mod:`xuefen.org.services`: keyword-only, permission and state checks
first, one transaction, one audit entry, notification on commit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xuefen.audit.choices import Event
from xuefen.audit.services import audit_log, audited_update, snapshot
from xuefen.org.models import OrgNode
from xuefen.org.scoping import require

from .choices import ApprovalStatus
from .models import Institution, Project

INSTITUTION_FIELDS = ("name", "code", "node", "contact", "approved", "approved_by", "approved_at")
PROJECT_FIELDS = (
    "name",
    "code",
    "level",
    "mode",
    "module",
    "hours",
    "days",
    "credit_per_hour",
    "selection",
    "publisher",
    "institution",
    "approval_status",
    "approved_by",
    "approved_at",
    "enrol_from",
    "enrol_to",
    "description",
)
PROJECT_EDITABLE = frozenset(PROJECT_FIELDS) - {
    "publisher",
    "approval_status",
    "approved_by",
    "approved_at",
}


# -- institutions ----------------------------------------------------------------------


def institution_create(
    *, actor: Any, node: OrgNode, name: str, code: str = "", contact: str = "", reason: str = ""
) -> Institution:
    """Register a training institution with a region (not yet approved)."""
    require(actor, "manage", node)
    institution = Institution(node=node, name=name.strip(), code=code.strip(), contact=contact)
    institution.full_clean()
    with transaction.atomic():
        institution.save()
        audit_log(
            actor=actor,
            event=Event.INSTITUTION_CREATE,
            target=institution,
            node=node,
            new=snapshot(institution, INSTITUTION_FIELDS),
            reason=reason,
        )
    return institution


def institution_update(
    *, actor: Any, institution: Institution, reason: str = "", **changes: Any
) -> Institution:
    """Change an institution's name, code or contact."""
    unknown = set(changes) - {"name", "code", "contact"}
    if unknown:
        raise ValidationError({n: _("This field cannot be changed here.") for n in unknown})
    return audited_update(
        institution,
        actor=actor,
        event=Event.INSTITUTION_UPDATE,
        fields=INSTITUTION_FIELDS,
        changes=changes,
        node=lambda i: i.node,
        check=lambda i: require(actor, "manage", i),
        clean=lambda i: i.full_clean(),
        reason=reason,
    )


def _set_institution_approval(
    *, actor: Any, institution: Institution, approved: bool, reason: str
) -> Institution:
    def check(current: Institution) -> None:
        require(actor, "certify", current)
        if current.approved == approved:
            raise ValidationError(
                {
                    "approved": _("The institution is already approved.")
                    if approved
                    else _("The institution is not approved.")
                }
            )

    return audited_update(
        institution,
        actor=actor,
        event=Event.INSTITUTION_APPROVE if approved else Event.INSTITUTION_REVOKE,
        fields=INSTITUTION_FIELDS,
        changes={
            "approved": approved,
            "approved_by": actor if approved else None,
            "approved_at": timezone.now() if approved else None,
        },
        node=lambda i: i.node,
        check=check,
        reason=reason,
    )


def institution_approve(*, actor: Any, institution: Institution, reason: str = "") -> Institution:
    """The region's training office approves an institution: its projects' records count."""
    return _set_institution_approval(
        actor=actor, institution=institution, approved=True, reason=reason
    )


def institution_revoke(*, actor: Any, institution: Institution, reason: str) -> Institution:
    """Withdraw an institution's approval: its projects' records earn nothing from now."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason.")})
    return _set_institution_approval(
        actor=actor, institution=institution, approved=False, reason=reason
    )


# -- projects --------------------------------------------------------------------------


def _clean_project(project: Project) -> None:
    if (project.hours is None) == (project.days is None):
        raise ValidationError({"hours": _("Give the hours or the days, exactly one of them.")})
    for name in ("hours", "days", "credit_per_hour"):
        value = getattr(project, name)
        if value is not None and Decimal(value) <= 0:
            raise ValidationError({name: _("Must be greater than zero.")})
    if project.enrol_from and project.enrol_to and project.enrol_to < project.enrol_from:
        raise ValidationError({"enrol_to": _("Enrolment cannot close before it opens.")})
    if project.institution_id is not None and not (
        project.publisher.is_under(project.institution.node)
        or project.institution.node.is_under(project.publisher)
    ):
        raise ValidationError(
            {"institution": _("The institution is registered with another region.")}
        )
    project.full_clean()
    _check_against_policy(project)


def _check_against_policy(project: Project) -> None:
    """A record of the project must be computable under the policy in force where it is
    published: a credit rate outside the level's range is refused here, once, instead of
    turning every participant's result into an error."""
    from xuefen.org.services import policy_for
    from xuefen.policy import InputError

    today = timezone.localdate()
    binding = policy_for(node=project.publisher, day=today)
    if binding is None:
        return
    probe = {
        **project.engine_defaults(),
        "id": "project",
        "kind": "training",
        "date": today.isoformat(),
    }
    try:
        binding.load().evaluate_teacher({"id": "check", "records": [probe]}, today)
    except InputError as exc:
        raise ValidationError({exc.field or NON_FIELD_ERRORS: [exc.message]}) from None


def project_create(
    *,
    actor: Any,
    publisher: OrgNode,
    name: str,
    level: str,
    mode: str,
    module: str,
    hours: Decimal | float | None = None,
    days: Decimal | float | None = None,
    credit_per_hour: Decimal | float | None = None,
    selection: str = "self_selected",
    institution: Institution | None = None,
    code: str = "",
    enrol_from: dt.date | None = None,
    enrol_to: dt.date | None = None,
    description: str = "",
    reason: str = "",
) -> Project:
    """Publish a training project (pending approval) at ``publisher``."""
    require(actor, "change", publisher)
    project = Project(
        publisher=publisher,
        name=name.strip(),
        code=code.strip(),
        level=level,
        mode=mode,
        module=module,
        hours=None if hours is None else Decimal(str(hours)),
        days=None if days is None else Decimal(str(days)),
        credit_per_hour=None if credit_per_hour is None else Decimal(str(credit_per_hour)),
        selection=selection,
        institution=institution,
        enrol_from=enrol_from,
        enrol_to=enrol_to,
        description=description,
    )
    _clean_project(project)
    with transaction.atomic():
        project.save()
        audit_log(
            actor=actor,
            event=Event.PROJECT_CREATE,
            target=project,
            node=publisher,
            new=snapshot(project, PROJECT_FIELDS),
            reason=reason,
        )
    return project


def project_update(*, actor: Any, project: Project, reason: str = "", **changes: Any) -> Project:
    """Change a project's description or numbers (approval has its own actions).

    Records already certified keep what they earned (``Record.certified_input``); the
    others follow the corrected project.
    """
    unknown = set(changes) - PROJECT_EDITABLE
    if unknown:
        raise ValidationError({n: _("This field cannot be changed here.") for n in unknown})
    for name in ("hours", "days", "credit_per_hour"):
        if changes.get(name) is not None:
            changes[name] = Decimal(str(changes[name]))
    return audited_update(
        project,
        actor=actor,
        event=Event.PROJECT_UPDATE,
        fields=PROJECT_FIELDS,
        changes=changes,
        node=lambda p: p.publisher,
        check=lambda p: require(actor, "change", p),
        clean=_clean_project,
        reason=reason,
    )


def _set_project_approval(*, actor: Any, project: Project, status: str, reason: str) -> Project:
    def check(current: Project) -> None:
        require(actor, "certify", current)
        if current.approval_status == status:
            raise ValidationError(
                {
                    "approval_status": _("The project is already %(state)s.")
                    % {"state": ApprovalStatus(status).label}
                }
            )

    approved = status == ApprovalStatus.APPROVED
    return audited_update(
        project,
        actor=actor,
        event=Event.PROJECT_APPROVE if approved else Event.PROJECT_REJECT,
        fields=PROJECT_FIELDS,
        changes={
            "approval_status": status,
            "approved_by": actor if approved else None,
            "approved_at": timezone.now() if approved else None,
        },
        node=lambda p: p.publisher,
        check=check,
        reason=reason,
    )


def project_approve(*, actor: Any, project: Project, reason: str = "") -> Project:
    """The region approves a project: its records can earn credits."""
    return _set_project_approval(
        actor=actor, project=project, status=ApprovalStatus.APPROVED, reason=reason
    )


def project_reject(*, actor: Any, project: Project, reason: str) -> Project:
    """The region rejects a project (or withdraws its approval): its records earn nothing."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason.")})
    return _set_project_approval(
        actor=actor, project=project, status=ApprovalStatus.REJECTED, reason=reason
    )
