"""Who may export which form, and making the file.

:func:`make_request` turns what a page or the command asks for (a form, a school, region
or teacher, a period) into an :class:`~xuefen.exports.registry.ExportRequest`, checking
scope on the way: school and region forms are for the staff over the node (school
administrators, principals, the region's administrators), a teacher's form also for the
teacher; anything else is "not found" (404), as everywhere. :func:`render` writes the file.
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from xuefen.org.models import OrgNode, Teacher
from xuefen.org.scoping import STAFF_ROLES, restrict, user_grants
from xuefen.org.services import binding_in_force, bindings_over
from xuefen.policy import XuefenError
from xuefen.portal.periods import PeriodChoice, period_picker

from .layout import Document
from .registry import (
    FORMATS,
    PDF,
    REGION,
    SCHOOL,
    TEACHER,
    XLSX,
    ExportRequest,
    FormSpec,
    Period,
    get_form,
)


def is_staff_over(user: Any, node: OrgNode) -> bool:
    """Whether ``user`` holds a staff role (school or region) at ``node`` or above it: who
    may export its forms and see its teachers' full ID numbers."""
    if user is None:
        return True  # the command line without --actor: the operator of the server
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(g.role in STAFF_ROLES and node.path.startswith(g.path) for g in user_grants(user))


def exportable_nodes(user: Any) -> Any:
    """The schools and regions whose forms ``user`` may export (the staff's reach)."""
    paths = [g.path for g in user_grants(user) if g.role in STAFF_ROLES]
    if user is not None and user.is_superuser:
        return OrgNode.objects.all()
    if not paths:
        return OrgNode.objects.none()
    q = Q()
    for path in paths:
        q |= Q(path__startswith=path)
    return OrgNode.objects.filter(q)


def policy_id_at(node: OrgNode, day: dt.date) -> str:
    """The id of the policy in force at ``node`` on ``day`` ('' where none)."""
    binding = binding_in_force(bindings_over(node), day)
    if binding is None:
        return ""
    if binding.policy_id:
        return binding.policy_id
    try:
        return str(binding.load().id)
    except (XuefenError, ValueError, OSError):
        return ""


def _period(node: OrgNode, value: str | None, form: FormSpec, today: dt.date) -> Period | None:
    picker = period_picker(node, value=None, today=today)
    choices = [c for c in picker.choices if not form.period_types or c.type in form.period_types]
    if not choices:
        return None
    chosen: PeriodChoice | None = None
    if value:
        text = value.strip()
        chosen = next(
            (c for c in choices if text in (c.key, c.label, c.name)),
            None,
        )
        if chosen is None:
            raise ValidationError(
                {
                    "period": _("Unknown period %(value)s; one of: %(choices)s")
                    % {"value": value[:40], "choices": "、".join(c.label for c in choices[:12])}
                }
            )
    else:
        current = [c for c in choices if c.contains(today)]
        preferred = (
            [c for c in current if c.type == form.period_types[0]] if form.period_types else []
        )
        chosen = next(iter(preferred or current or choices))
    return Period(chosen.type, chosen.start, chosen.end, chosen.label, chosen.name)


def make_request(
    *,
    user: Any,
    form_id: str,
    node: OrgNode,
    period: str | None = None,
    teacher: Teacher | None = None,
    draft: bool = False,
    fmt: str = XLSX,
    today: dt.date | None = None,
) -> ExportRequest:
    """The export ``user`` asks for, checked: the form exists and suits the node (level,
    region's policy, format), the user may export the node's (or teacher's) forms — else
    :class:`~django.http.Http404` —, the period is one the node's policy defines (else a
    :class:`ValidationError` listing the choices)."""
    today = today or timezone.localdate()
    form = get_form(form_id)
    if form is None:
        raise ValidationError({"form": _("Unknown form: %(form)s") % {"form": form_id[:60]}})
    if fmt not in FORMATS or fmt not in form.formats:
        raise ValidationError(
            {
                "format": _("%(form)s cannot be written as %(fmt)s.")
                % {"form": form.title, "fmt": fmt[:10]}
            }
        )
    if form.level == TEACHER:
        if teacher is None:
            raise ValidationError({"teacher": _("This form is one teacher's: choose the teacher.")})
        own = user is not None and teacher.user_id is not None and teacher.user_id == user.pk
        if not own and not is_staff_over(user, teacher.school):
            raise Http404
        node = teacher.school
    else:
        if not is_staff_over(user, node):
            raise Http404
        if form.level == SCHOOL and node.kind != "school":
            raise ValidationError(
                {
                    "org": _("%(form)s is made for a school, not for %(org)s.")
                    % {"form": form.title, "org": node.name}
                }
            )
        if form.level == REGION and node.kind == "school":
            raise ValidationError(
                {
                    "org": _("%(form)s is made for a region, not for a school.")
                    % {"form": form.title}
                }
            )
    if user is not None and not restrict(OrgNode.objects.filter(pk=node.pk), user, "view").exists():
        raise Http404
    policy = policy_id_at(node, today)
    if not form.applies_to(policy):
        raise ValidationError(
            {
                "form": _("%(form)s is not a form of the policy in force here.")
                % {"form": form.title}
            }
        )
    chosen = _period(node, period, form, today) if form.period_types else None
    if form.period_types and chosen is None:
        raise ValidationError(
            {"period": _("No policy is in force here: there is no period to export.")}
        )
    binding = binding_in_force(bindings_over(node), chosen.start if chosen else today)
    who = (user.get_full_name() or user.get_username()) if user is not None else "manage.py"
    return ExportRequest(
        form=form,
        user=user,
        node=node,
        period=chosen or Period("", today, today, "", ""),
        draft=bool(draft and form.has_figures),
        teacher=teacher,
        binding=binding,
        full_ids=is_staff_over(user, node)
        or (teacher is not None and user is not None and teacher.user_id == user.pk),
        format=fmt,
        made=f"xuefen {timezone.localtime():%Y-%m-%d %H:%M} {who} 导出",
    )


def build(request: ExportRequest) -> Document:
    """The form's document (its rows still to be read)."""
    return request.form.build(request)


def render(request: ExportRequest, out: IO[bytes] | str) -> int:
    """Build the form and write it to ``out`` in the request's format; returns the rows
    (xlsx) or pages (pdf) written."""
    document = build(request)
    if request.format == PDF:
        from .pdf import write_pdf

        return write_pdf(document, out)
    from .xlsx import write_xlsx

    return write_xlsx(document, out)


def file_name(request: ExportRequest) -> str:
    """The download's file name: the document's name and the extension."""
    document_name = f"{request.node.name}_{request.period.label}_{request.form.title}"
    if request.teacher is not None:
        document_name = f"{request.teacher.name}_{request.period.label}_{request.form.title}"
    if request.draft:
        document_name += "_草稿"
    return f"{document_name.replace('/', '_').strip('_')}.{request.format}"
