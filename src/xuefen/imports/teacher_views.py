"""Teacher roster import pages: upload → preview → confirm, and the template.

The uploaded file is kept between preview and confirm under a random name in
``MEDIA_ROOT/imports/<user id>/`` (:mod:`.kept`: deleted after the commit, unused after
``XUEFEN_IMPORT_KEEP_HOURS`` and then removed at the user's next upload); the confirm step
reads that file again and checks every row again before writing anything. A roster of more
than ``XUEFEN_IMPORT_INLINE_MAX`` rows is written by a background job (which checks it
again) and the page goes to the job's page.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path, PurePath
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from xuefen.org.choices import NodeKind
from xuefen.org.models import OrgNode, Teacher
from xuefen.org.scoping import get_scoped_or_404
from xuefen.org.services import can_see_id_number, display_id_number
from xuefen.org.validators import mask_id_number

from .kept import folder as kept_folder
from .kept import fresh, inline_max, sweep
from .reader import SPREADSHEET_SUFFIXES
from .teachers import ImportFailed, Plan, commit_teachers, plan_teachers, template_workbook

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
PREVIEW_ROWS = 20
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
SUFFIXES = (*SPREADSHEET_SUFFIXES, ".csv")


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Roster file (.xlsx, .xls, .ods, .csv)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        if PurePath(upload.name).suffix.lower() not in SUFFIXES:
            raise forms.ValidationError(_("Use a .xlsx, .xls, .ods or .csv file."))
        return upload


class ConfirmForm(forms.Form):
    token = forms.RegexField(regex=_TOKEN)
    name = forms.CharField(max_length=200)


def _folder(user: Any) -> Path:
    folder = kept_folder(user)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _kept(user: Any, token: str, name: str) -> Path:
    suffix = PurePath(name).suffix.lower()
    if suffix not in SUFFIXES:
        suffix = ".bin"
    return _folder(user) / f"teachers-{token}{suffix}"


def _school(request: HttpRequest, school_id: int) -> OrgNode:
    return get_scoped_or_404(
        OrgNode.objects.filter(kind=NodeKind.SCHOOL), request.user, "change", pk=school_id
    )


def _preview_context(request: HttpRequest, school: OrgNode, plan: Plan) -> dict[str, Any]:
    full = can_see_id_number(request.user, Teacher(school=school))
    problems = [
        {
            "row": p.row,
            "column": p.column,
            "value": p.shown_value(full_ids=full),
            "message": p.message,
        }
        for p in plan.problems
    ]

    def shown(planned: Any) -> dict[str, Any]:
        if planned.teacher is not None:
            number = display_id_number(request.user, planned.teacher)
        else:
            number = planned.id_number if full else mask_id_number(planned.id_number)
        return {
            "row": planned.row,
            "name": planned.name,
            "id_number": number,
            "changes": [str(Teacher._meta.get_field(k).verbose_name) for k in planned.changes],
        }

    return {
        "school": school,
        "plan": plan,
        "problems": problems,
        "create_rows": [shown(p) for p in plan.create[:PREVIEW_ROWS]],
        "update_rows": [shown(p) for p in plan.update[:PREVIEW_ROWS]],
    }


@login_required
@require_http_methods(["GET", "POST"])
def teachers_import(request: HttpRequest, school_id: int) -> HttpResponse:
    school = _school(request, school_id)
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request, school)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "imports/teachers.html", {"school": school, "form": form})
    upload = form.cleaned_data["file"]
    name = PurePath(upload.name).name[:200]
    folder = _folder(request.user)
    sweep(folder)
    token = secrets.token_hex(16)
    kept = _kept(request.user, token, name)
    with kept.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    with kept.open("rb") as stream:
        plan = plan_teachers(school=school, name=name, stream=stream)
    context = _preview_context(request, school, plan)
    if plan.ok:
        context["confirm"] = ConfirmForm(initial={"token": token, "name": name})
    else:
        kept.unlink(missing_ok=True)
    return render(request, "imports/teachers_preview.html", context)


def _confirm(request: HttpRequest, school: OrgNode) -> HttpResponse:
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "imports/teachers.html",
            {"school": school, "form": UploadForm(), "expired": True},
            status=400,
        )
    name = form.cleaned_data["name"]
    kept = _kept(request.user, form.cleaned_data["token"], name)
    if not fresh(kept):
        return render(
            request,
            "imports/teachers.html",
            {"school": school, "form": UploadForm(), "expired": True},
            status=400,
        )
    with kept.open("rb") as stream:
        plan = plan_teachers(school=school, name=name, stream=stream)
    if plan.ok and plan.rows > inline_max():
        from xuefen.jobs.choices import JobKind
        from xuefen.jobs.services import job_start

        job = job_start(
            actor=request.user,
            kind=JobKind.IMPORT_TEACHERS,
            node=school,
            file=kept.name,
            name=name,
        )
        return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
    try:
        commit_teachers(actor=request.user, school=school, plan=plan)
    except ImportFailed:
        context = _preview_context(request, school, plan)
        return render(request, "imports/teachers_preview.html", context)
    finally:
        kept.unlink(missing_ok=True)
    return render(request, "imports/teachers_done.html", {"school": school, "plan": plan})


@login_required
@require_http_methods(["GET"])
def teachers_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        template_workbook(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''teachers-template.xlsx"
    return response


urlpatterns = [
    path("teachers/<int:school_id>/", teachers_import, name="teachers"),
    path("teachers/template.xlsx", teachers_template, name="teachers_template"),
]
