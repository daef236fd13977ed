"""Business actions on the training catalog: institutions and projects.

Same conventions as :mod:`xuefen.org.services`: keyword-only, permission and state checks
first, one transaction, one audit entry, notification on commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xuefen.audit.choices import Event
from xuefen.audit.services import audit_log, audited_update, snapshot
from xuefen.org.choices import Role
from xuefen.org.models import OrgNode
from xuefen.org.scoping import Grant, require, user_grants

from .choices import ApprovalStatus
from .models import Institution, Project
from .workflow import INSTITUTION_EDITABLE, PROJECT_MACHINE

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
    """Publish a training project (pending approval) at ``publisher``.

    A training institution writes its own projects as drafts (``submit`` sends them for
    approval), published by the region where it holds its role: the training office that
    approves them.
    """
    grant = _institution_grant(actor, institution)
    if grant is not None:
        if publisher.path != grant.path:
            raise ValidationError(
                {"publisher": _("An institution publishes at the region that approves it.")}
            )
    else:
        require(actor, "change", publisher)
    project = Project(
        approval_status=ApprovalStatus.DRAFT if grant is not None else ApprovalStatus.PENDING,
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
        check=lambda p: _require_project_editable(actor, p, changes),
        clean=_clean_project,
        reason=reason,
    )


def _institution_grant(actor: Any, institution: Institution | None) -> Grant | None:
    """The actor's institution role for ``institution`` (None: not acting as it)."""
    if institution is None or actor is None or not actor.is_authenticated:
        return None
    for grant in user_grants(actor):
        if grant.role == Role.INSTITUTION and grant.institution_id == institution.pk:
            return grant
    return None


def _acts_as_institution(actor: Any, project: Project) -> bool:
    return project.institution_id is not None and any(
        g.role == Role.INSTITUTION and g.institution_id == project.institution_id
        for g in user_grants(actor)
    )


def _require_project_editable(actor: Any, project: Project, changes: dict[str, Any]) -> None:
    """Staff of the publishing region edit any project; an institution edits its own
    drafts and the projects returned to it, and never moves them to another institution."""
    require(actor, "change", project)
    if actor.is_superuser or not _acts_as_institution(actor, project):
        return
    if "institution" in changes and changes["institution"] != project.institution:
        raise ValidationError({"institution": _("This field cannot be changed here.")})
    if project.approval_status not in INSTITUTION_EDITABLE:
        raise ValidationError(
            {
                "approval_status": _(
                    "The project is %(state)s: only drafts and rejected projects can be "
                    "edited by the institution."
                )
                % {"state": project.get_approval_status_display()}
            }
        )


def project_submit(*, actor: Any, project: Project, reason: str = "") -> Project:
    """The institution sends its draft (or a rejected project, corrected) to the region's
    training office for approval; the office's administrators are told."""
    from django.urls import reverse

    from xuefen.inbox.recipients import users_with_roles
    from xuefen.inbox.services import notify_on_commit

    def check(current: Project) -> None:
        require(actor, PROJECT_MACHINE["submit"].action, current)
        PROJECT_MACHINE.check("submit", current.approval_status, reason=reason)

    with transaction.atomic():
        project = audited_update(
            project,
            actor=actor,
            event=Event.PROJECT_SUBMIT,
            fields=PROJECT_FIELDS,
            changes={"approval_status": ApprovalStatus.PENDING},
            node=lambda p: p.publisher,
            check=check,
            clean=_clean_project,  # still computable under the policy in force
            reason=reason,
        )
        admins = users_with_roles(
            project.publisher, [Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.PROVINCE_ADMIN]
        )
        title = _("Project sent for approval: %(project)s") % {"project": project.name}
        notify_on_commit(
            admins,
            event=Event.PROJECT_SUBMIT,
            title=title,
            body=_("%(institution)s asks for the approval of 「%(project)s」.")
            % {
                "institution": project.institution.name if project.institution else "",
                "project": project.name,
            },
            url=reverse("catalog:approvals"),
        )
    return project


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
        # A draft has not been sent: the institution is still writing it.
        PROJECT_MACHINE.check(
            "approve" if status == ApprovalStatus.APPROVED else "reject",
            current.approval_status,
            reason=reason,
        )

    approved = status == ApprovalStatus.APPROVED
    event = Event.PROJECT_APPROVE if approved else Event.PROJECT_REJECT
    with transaction.atomic():
        project = audited_update(
            project,
            actor=actor,
            event=event,
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
        _notify_institution(project, event, reason)
    return project


def _notify_institution(project: Project, event: str, reason: str) -> None:
    """Tell the institution's users of the region's decision on their project, with the
    reason (a rejected project is corrected and sent again)."""
    from django.urls import reverse

    from xuefen.inbox.services import notify_on_commit
    from xuefen.org.models import RoleAssignment

    if project.institution_id is None:
        return
    users = RoleAssignment.objects.filter(
        role=Role.INSTITUTION, institution_id=project.institution_id, user__is_active=True
    ).values_list("user_id", flat=True)
    if event == Event.PROJECT_APPROVE:
        text = _("Your project 「%(project)s」 was approved.") % {"project": project.name}
    else:
        text = _("Your project 「%(project)s」 was not approved: %(reason)s") % {
            "project": project.name,
            "reason": reason,
        }
    notify_on_commit(
        list(users), event=event, title=text, body=text, url=reverse("portal:institution")
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


# -- results registered by the institution -------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    """One participant of a results table: the teacher (as the form resolved the name),
    the hours attended (None: the project's) and the score (None: none given)."""

    teacher: Any
    hours: Decimal | None = None
    score: Decimal | None = None
    number: int = 0  # the row as the page numbers it (0: its place in the list)


class RowErrors(ValidationError):
    """The problems of a results table, by row (numbered from 1) and field, so the page
    shows each where it was typed. Nothing of the table was written."""

    def __init__(self, rows: dict[int, dict[str, list[str]]]):
        self.rows = rows
        super().__init__(
            [
                _("Row %(row)s: %(message)s") % {"row": row, "message": message}
                for row, fields in sorted(rows.items())
                for messages in fields.values()
                for message in messages
            ]
        )


def results_register(
    *,
    actor: Any,
    project: Project,
    date: dt.date,
    rows: list[ResultRow],
    reason: str = "",
) -> list[Any]:
    """The institution registers the results (hours, score) of its participants in an
    approved project: one ``training`` record per row, ``submitted`` so each teacher's
    school reviews it, entered by the institution (source ``institution``).

    Every row is checked as a record (``records.services.record_create``: the engine's
    vocabulary and the policy in force, the project offered to the teacher's school) and
    the table is written in one transaction: all rows or none. A teacher who already has
    a record of the project, or appears twice in the table, is refused with the row named
    — registering a table again never counts anyone twice. The project row is locked, so
    two registrations of the same project run one after the other.
    """
    # The workflow above the catalog: records of projects are written by the records app.
    from xuefen.inbox.recipients import users_with_roles
    from xuefen.inbox.services import notify_on_commit
    from xuefen.records.choices import RecordSource, RecordStatus
    from xuefen.records.models import Record
    from xuefen.records.services import record_create

    with transaction.atomic():
        current = (
            Project.objects.select_for_update(of=("self",))
            .select_related("institution", "publisher")
            .get(pk=project.pk)
        )
        require(actor, "change", current)
        if not current.is_approved:
            raise ValidationError(
                {
                    "project": _("%(reason)s: no results can be registered.")
                    % {"reason": current.unapproved_reason()}
                }
            )
        if not rows:
            raise ValidationError({NON_FIELD_ERRORS: [_("Enter at least one participant.")]})
        teacher_ids = [r.teacher.pk for r in rows if r.teacher is not None]
        registered = set(
            Record.objects.filter(project=current, teacher_id__in=teacher_ids).values_list(
                "teacher_id", flat=True
            )
        )
        errors: dict[int, dict[str, list[str]]] = {}
        seen: dict[int, int] = {}
        created = []
        for place, row in enumerate(rows, start=1):
            number = row.number or place
            teacher = row.teacher
            if teacher is None:
                errors[number] = {"teacher": [_("Unknown teacher.")]}
                continue
            if teacher.pk in seen:
                errors[number] = {
                    "teacher": [
                        _("%(name)s is already in row %(row)s.")
                        % {"name": teacher.name, "row": seen[teacher.pk]}
                    ]
                }
                continue
            seen[teacher.pk] = number
            if teacher.pk in registered:
                errors[number] = {
                    "teacher": [
                        _("%(name)s already has a record of this project: not registered again.")
                        % {"name": teacher.name}
                    ]
                }
                continue
            fields: dict[str, Any] = {}
            if row.hours is not None:
                fields["hours"] = float(row.hours)
                if current.days is not None:
                    fields["days"] = None  # the hours attended replace the project's days
            if row.score is not None:
                fields["score"] = float(row.score)
            try:
                with transaction.atomic():
                    created.append(
                        record_create(
                            actor=actor,
                            teacher=teacher,
                            kind="training",
                            date=date,
                            fields=fields,
                            project=current,
                            source=RecordSource.INSTITUTION,
                            status=RecordStatus.SUBMITTED,
                            reason=reason,
                        )
                    )
            except ValidationError as exc:
                errors[number] = (
                    exc.message_dict
                    if hasattr(exc, "error_dict")
                    else {NON_FIELD_ERRORS: exc.messages}
                )
            except PermissionDenied:
                errors[number] = {"teacher": [_("The project is not offered to this teacher.")]}
        if errors:
            raise RowErrors(errors)  # the records written above roll back with it
        audit_log(
            actor=actor,
            event=Event.RESULTS_REGISTER,
            target=current,
            node=current.publisher,
            new={
                "date": date.isoformat(),
                "records": [r.pk for r in created],
                "teachers": [r.teacher_id for r in created],
            },
            reason=reason,
        )
        schools = {r.teacher.school_id: r.teacher.school for r in created}
        for school in schools.values():
            count = sum(1 for r in created if r.teacher.school_id == school.pk)
            notify_on_commit(
                users_with_roles(school, [Role.SCHOOL_ADMIN]),
                event=Event.RESULTS_REGISTER,
                title=_("%(institution)s registered %(n)s results to review")
                % {
                    "institution": current.institution.name if current.institution else "",
                    "n": count,
                },
                body=_("Project 「%(project)s」: %(n)s records of your teachers await review.")
                % {"project": current.name, "n": count},
            )
    return created
