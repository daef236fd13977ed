"""Record import pages: upload → preview (problems by row, column and value, or what would
be written) → confirm; and the template to download.

The uploaded file is kept server-side under a random name in ``MEDIA_ROOT/imports/<user
id>/`` between preview and confirm (its name in the session; :mod:`.kept`); the
confirmation reads that file again and checks every row again, then deletes it. A file of
more than ``XUEFEN_IMPORT_INLINE_MAX`` rows is imported by a background job instead (the
page goes to the job's page; :mod:`.jobs`). Kept files older than
``XUEFEN_IMPORT_KEEP_HOURS`` are no longer used, and removed whenever the user uploads.
Only users who may change some teacher reach these pages; anyone else gets a 404.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import replace
from pathlib import Path, PurePath
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views import View

from xuefen.org.models import OrgNode, Teacher
from xuefen.org.services import display_id_number
from xuefen.org.validators import mask_id_number
from xuefen.portal.access import PortalAccessMixin
from xuefen.records.kinds import kind_spec

from .jobs import common_node
from .kept import folder as kept_folder
from .kept import fresh, inline_max, sweep
from .reader import SPREADSHEET_SUFFIXES
from .records import commit_problems, records_commit, records_plan, template_headers

SESSION_KEY = "imports_records"
MAX_UPLOAD = 20 * 1024 * 1024
PREVIEW_ROWS = 20
PREVIEW_PROBLEMS = 500
SUFFIXES = (*SPREADSHEET_SUFFIXES, ".csv")


def _kept(request: Any, token: str) -> tuple[Path, dict[str, Any]] | None:
    """The kept file of ``token`` and its session entry, if it is the user's and fresh."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if not entry or not isinstance(entry, dict):
        return None
    stored = kept_folder(request.user) / str(entry.get("file", ""))
    if stored.parent != kept_folder(request.user) or not fresh(stored):
        return None
    return stored, entry


def _forget(request: Any, token: str) -> None:
    kept = dict(request.session.get(SESSION_KEY, {}))
    kept.pop(token, None)
    request.session[SESSION_KEY] = kept


class _Access(PortalAccessMixin):
    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        user = request.user
        if user.is_authenticated and not Teacher.objects.restrict(user, "change").exists():
            raise Http404("no teachers to import records for")
        return super().dispatch(request, *args, **kwargs)


class RecordsImportView(_Access, View):
    """``/imports/records/``: GET the upload form; POST a file → preview; POST a token
    with ``confirm`` → write."""

    template_name = "imports/records.html"

    def get(self, request: Any) -> HttpResponse:
        return render(request, self.template_name, {})

    def post(self, request: Any) -> HttpResponse:
        if "confirm" in request.POST:
            return self._confirm(request)
        upload = request.FILES.get("file")
        if upload is None:
            return render(request, self.template_name, {"error": _("Choose a file.")})
        name = PurePath(upload.name or "").name[:200]
        suffix = PurePath(name).suffix.lower()
        if suffix not in SUFFIXES:
            return render(
                request,
                self.template_name,
                {
                    "error": _("%(name)s is not a spreadsheet: use .xlsx, .xls, .ods or .csv.")
                    % {"name": name}
                },
            )
        if upload.size > MAX_UPLOAD:
            return render(request, self.template_name, {"error": _("The file is too large.")})
        folder = kept_folder(request.user)
        folder.mkdir(parents=True, exist_ok=True)
        sweep(folder)
        token = secrets.token_hex(16)
        stored = folder / f"{token}{suffix}"
        with stored.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        with stored.open("rb") as stream:
            plan = records_plan(request.user, name, stream)
        if plan.ok and plan.create_count:
            kept = dict(request.session.get(SESSION_KEY, {}))
            node = common_node(plan.schools)
            kept[token] = {
                "file": stored.name,
                "name": name,
                "rows": plan.row_count,
                "node": node.pk if node is not None else None,
            }
            request.session[SESSION_KEY] = kept
        else:
            stored.unlink(missing_ok=True)
        return render(request, "imports/records_preview.html", _preview(request, plan, token, name))

    def _confirm(self, request: Any) -> HttpResponse:
        token = str(request.POST.get("token", ""))
        found = _kept(request, token)
        if found is None:
            messages.error(
                request, _("The file has expired or was imported already: upload it again.")
            )
            return HttpResponseRedirect(reverse("imports:records"))
        stored, entry = found
        name = str(entry.get("name", stored.name))
        if int(entry.get("rows") or 0) > inline_max():
            job = self._start_job(request, stored, entry, name)
            if job is not None:
                _forget(request, token)
                return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
        with stored.open("rb") as stream:
            plan = records_plan(request.user, name, stream)
        if not plan.ok:
            stored.unlink(missing_ok=True)
            return render(
                request, "imports/records_preview.html", _preview(request, plan, "", name)
            )
        try:
            with stored.open("rb") as stream:
                written = records_commit(request.user, plan, file_name=name, stream=stream)
        except ValidationError as exc:
            stored.unlink(missing_ok=True)
            plan.problems = commit_problems(exc)
            return render(
                request, "imports/records_preview.html", _preview(request, plan, "", name)
            )
        stored.unlink(missing_ok=True)
        _forget(request, token)
        return render(
            request,
            "imports/records_done.html",
            {"name": name, "written": written, "unchanged": plan.unchanged_count},
        )

    def _start_job(self, request: Any, stored: Path, entry: dict[str, Any], name: str) -> Any:
        """A job importing the kept file (the worker checks it again and writes it), for
        the deepest unit over its teachers; None where the user may not start one there
        (teachers of units they manage apart): then the request imports it."""
        from xuefen.jobs.choices import JobKind
        from xuefen.jobs.services import job_start

        node = OrgNode.objects.filter(pk=entry.get("node")).first()
        if node is None:
            return None
        try:
            return job_start(
                actor=request.user,
                kind=JobKind.IMPORT_RECORDS,
                node=node,
                file=stored.name,
                name=name,
            )
        except PermissionDenied:
            return None


def _preview(request: Any, plan: Any, token: str, name: str) -> dict[str, Any]:
    id_header = plan.headers.get("id_number", "")
    rows = [
        {
            "row": item.row,
            "id_number": display_id_number(request.user, item.teacher),
            "teacher": item.teacher.name,
            "kind": kind_spec(item.kind).label,
            "date": item.date,
            "name": item.fields.get("name", ""),
            "exists": item.exists,
        }
        for item in plan.preview[:PREVIEW_ROWS]
    ]
    return {
        "name": name,
        "token": token,
        # An ID number typed in the file may be anyone's: shown masked on the page.
        "problems": [
            replace(p, value=mask_id_number(p.value)) if p.column == id_header else p
            for p in plan.problems[:PREVIEW_PROBLEMS]
        ],
        "problem_count": len(plan.problems),
        "rows": rows,
        "create_count": plan.create_count,
        "unchanged_count": plan.unchanged_count,
    }


class RecordsTemplateView(_Access, View):
    """``/imports/records/template.xlsx``: the headers with a sample row."""

    def get(self, request: Any) -> HttpResponse:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("Records"))
        sheet.append(template_headers())
        sheet.append(
            [
                "530802198503120029",
                "张丽",
                "PX-2023-001",
                "培训项目",
                "2023-03-10",
                "省级",
                "国培计划（2023）",
                "网络研修",
                "专业知识",
                30,
                "",
                85,
                "",
                "是",
                "已提交",
            ]
        )
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = "attachment; filename*=UTF-8''records-template.xlsx"
        return response


urlpatterns = [
    path("records/", RecordsImportView.as_view(), name="records"),
    path("records/template.xlsx", RecordsTemplateView.as_view(), name="records_template"),
]
