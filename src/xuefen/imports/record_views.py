"""Record import pages: upload → preview (problems by row, column and value, or what would
be written) → confirm; and the template to download.

The uploaded file is kept server-side under a random name in ``MEDIA_ROOT/imports/<user
id>/`` between preview and confirm (its name in the session); the confirmation reads that
file again and checks every row again, then deletes it. Files older than a day are removed
whenever the user uploads. Only users who may change some teacher reach these pages;
anyone else gets a 404.
"""

from __future__ import annotations

import io
import secrets
import time
from dataclasses import replace
from pathlib import Path, PurePath
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views import View

from xuefen.org.models import Teacher
from xuefen.org.services import display_id_number
from xuefen.org.validators import mask_id_number
from xuefen.portal.access import PortalAccessMixin
from xuefen.records.kinds import kind_spec

from .reader import SPREADSHEET_SUFFIXES
from .records import commit_problems, records_commit, records_plan, template_headers

SESSION_KEY = "imports_records"
KEEP_SECONDS = 24 * 3600
MAX_UPLOAD = 20 * 1024 * 1024
PREVIEW_ROWS = 20
PREVIEW_PROBLEMS = 500
SUFFIXES = (*SPREADSHEET_SUFFIXES, ".csv")


def _folder(user: Any) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / str(user.pk)


def _sweep(folder: Path) -> None:
    """Remove the user's kept files older than a day."""
    if not folder.is_dir():
        return
    cutoff = time.time() - KEEP_SECONDS
    for item in folder.iterdir():
        try:
            if item.is_file() and item.stat().st_mtime < cutoff:
                item.unlink()
        except OSError:
            pass


def _kept(request: Any, token: str) -> tuple[Path, str] | None:
    """The kept file of ``token`` and its original name, if it is the user's."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if not entry or not isinstance(entry, dict):
        return None
    stored = _folder(request.user) / str(entry.get("file", ""))
    if stored.parent != _folder(request.user) or not stored.is_file():
        return None
    return stored, str(entry.get("name", stored.name))


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
        folder = _folder(request.user)
        folder.mkdir(parents=True, exist_ok=True)
        _sweep(folder)
        token = secrets.token_hex(16)
        stored = folder / f"{token}{suffix}"
        with stored.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        with stored.open("rb") as stream:
            plan = records_plan(request.user, name, stream)
        if plan.ok and plan.to_create:
            kept = dict(request.session.get(SESSION_KEY, {}))
            kept[token] = {"file": stored.name, "name": name}
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
        stored, name = found
        with stored.open("rb") as stream:
            plan = records_plan(request.user, name, stream)
        if not plan.ok:
            stored.unlink(missing_ok=True)
            return render(
                request, "imports/records_preview.html", _preview(request, plan, "", name)
            )
        try:
            written = records_commit(request.user, plan, file_name=name)
        except ValidationError as exc:
            stored.unlink(missing_ok=True)
            plan.problems = commit_problems(exc)
            return render(
                request, "imports/records_preview.html", _preview(request, plan, "", name)
            )
        stored.unlink(missing_ok=True)
        kept = dict(request.session.get(SESSION_KEY, {}))
        kept.pop(token, None)
        request.session[SESSION_KEY] = kept
        return render(
            request,
            "imports/records_done.html",
            {"name": name, "written": written, "unchanged": len(plan.unchanged)},
        )


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
        for item in plan.rows[:PREVIEW_ROWS]
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
        "create_count": len(plan.to_create),
        "unchanged_count": len(plan.unchanged),
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
