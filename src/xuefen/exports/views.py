"""The export page (``/exports/``) and the download of a kept file.

The page shows the forms of one organisation (``?org=``; default: the user's own school or
region) or one teacher (``?teacher=``: the register), each with its periods, the two
formats and, where it has figures, the draft over pending records; and the user's files
still kept. Pressing a format posts here: a small file is made at once and downloaded, a
large one (or one whose teachers wait for the worker) becomes a job whose page offers the
file when it is done. Outside the user's reach everything answers 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from xuefen.org.choices import NodeKind
from xuefen.org.models import OrgNode, Teacher
from xuefen.org.scoping import STAFF_ROLES, restrict, user_grants
from xuefen.portal.periods import period_picker

from . import services
from .models import ExportFile
from .pdf import PdfUnavailable
from .registry import FORMATS, PDF, REGION, SCHOOL, TEACHER
from .registry import forms as all_forms

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "zip": "application/zip",
}
RECENT = 20


class ExportForm(forms.Form):
    form = forms.CharField(max_length=40)
    org = forms.IntegerField(required=False, min_value=1)
    teacher = forms.IntegerField(required=False, min_value=1)
    period = forms.CharField(max_length=40, required=False)
    format = forms.ChoiceField(choices=[(f, f) for f in FORMATS])
    draft = forms.BooleanField(required=False)


def _default_node(user: Any) -> OrgNode | None:
    """The user's own school or region: the highest node they are staff at."""
    paths = sorted((g.path for g in user_grants(user) if g.role in STAFF_ROLES), key=len)
    if not paths:
        return None
    return OrgNode.objects.filter(path=paths[0]).first()


def _pk(value: Any) -> int | None:
    """A primary key from the query or form (None where none is given); anything that is
    no key answers 404, never an error page."""
    if value in (None, ""):
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404("no such object") from None
    if not 0 < pk < 2**63:
        raise Http404("no such object")
    return pk


def _target(request: HttpRequest, org: Any, teacher: Any) -> tuple[OrgNode, Teacher | None]:
    """The organisation or teacher asked for, within the user's reach (else 404)."""
    user = request.user
    teacher_pk, org_pk = _pk(teacher), _pk(org)
    if teacher_pk is not None:
        found = (
            restrict(Teacher.objects.select_related("school"), user, "view")
            .filter(pk=teacher_pk)
            .first()
        )
        if found is None:
            raise Http404("no such teacher")
        own = found.user_id == user.pk
        if not own and not services.is_staff_over(user, found.school):
            raise Http404("no such teacher")
        return found.school, found
    if org_pk is not None:
        node = services.exportable_nodes(user).filter(pk=org_pk).first()
    else:
        node = _default_node(user)
        if node is None:
            own = Teacher.objects.filter(user=user).select_related("school").first()
            if own is not None:
                return own.school, own
    if node is None:
        raise Http404("no such organisation")
    return node, None


def _offers(node: OrgNode, teacher: Teacher | None, today: dt.date) -> list[dict[str, Any]]:
    """The forms for this node or teacher under the policy in force, each with the periods
    to choose (the current one selected)."""
    policy = services.policy_id_at(node, today)
    level = TEACHER if teacher else (SCHOOL if node.kind == NodeKind.SCHOOL else REGION)
    picker = period_picker(node, value=None, today=today)
    offers = []
    for form in all_forms().values():
        if form.level != level or not form.applies_to(policy):
            continue
        choices = [c for c in picker.choices if c.type in form.period_types]
        if form.period_types and not choices:
            continue
        current = next(
            (c for c in choices if c.contains(today) and c.type == form.period_types[0]),
            next((c for c in choices if c.contains(today)), None),
        )
        offers.append(
            {
                "form": form,
                "periods": [
                    {"value": c.key, "name": c.name, "selected": c == current} for c in choices
                ],
            }
        )
    return offers


def _page(
    request: HttpRequest,
    node: OrgNode,
    teacher: Teacher | None,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    user = request.user
    children = []
    if teacher is None and node.kind != NodeKind.SCHOOL:
        children = list(
            services.exportable_nodes(user)
            .filter(parent=node)
            .order_by("kind", "code", "name")[:500]
        )
    parent = None
    if teacher is None and node.parent_id:
        parent = services.exportable_nodes(user).filter(pk=node.parent_id).first()
    files = list(
        ExportFile.objects.restrict(user, "view")
        .filter(owner=user, expires_at__gte=timezone.now())
        .select_related("job")[:RECENT]
    )
    return render(
        request,
        "exports/exports.html",
        {
            "node": node,
            "teacher": teacher,
            "offers": _offers(node, teacher, today),
            "children": children,
            "parent": parent,
            "files": files,
            "error": error,
            "pdf_max": services.inline_max(PDF),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def exports(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        node, teacher = _target(request, request.GET.get("org"), request.GET.get("teacher"))
        return _page(request, node, teacher)
    posted = ExportForm(request.POST)
    if not posted.is_valid():
        node, teacher = _target(request, request.POST.get("org"), request.POST.get("teacher"))
        return _page(
            request, node, teacher, error=_("Choose a form, a period and a format."), status=400
        )
    data = posted.cleaned_data
    node, teacher = _target(request, data.get("org"), data.get("teacher"))
    try:
        export = services.make_request(
            user=request.user,
            form_id=data["form"],
            node=node,
            period=data.get("period") or None,
            teacher=teacher,
            draft=data.get("draft", False),
            fmt=data["format"],
        )
        made = services.export_start(request=export)
    except ValidationError as exc:
        return _page(request, node, teacher, error="；".join(exc.messages), status=400)
    except PdfUnavailable as exc:
        return _page(request, node, teacher, error=str(exc), status=503)
    if isinstance(made, ExportFile):
        return HttpResponseRedirect(reverse("exports:download", args=[made.pk]))
    return HttpResponseRedirect(reverse("jobs:detail", args=[made.pk]))


@login_required
@require_http_methods(["GET"])
def download(request: HttpRequest, pk: Any) -> HttpResponse:
    """The kept file, to its owner only, while it is kept."""
    made = (
        ExportFile.objects.restrict(request.user, "view")
        .filter(pk=pk, owner=request.user, expires_at__gte=timezone.now())
        .first()
    )
    if made is None:
        raise Http404("no such file")
    path = services.export_dir() / made.path
    if not path.is_file():
        raise Http404("file gone")
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=made.name,
        content_type=CONTENT_TYPES.get(made.format, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
