"""The sheet page: its sections and items, what is filled automatically (with the engine's
explanation), and for the column the user may fill today a form of the entries with save,
submit, finalize or rectify; for the reviewer also returning a column with a reason.

Who sees what (:mod:`.access`): the school's staff, the region's and (on a teacher sheet)
the teacher see every column; the assigned peer — inside the peer window only — sees the
items, its own column and the assessed school's activities of the period with their
materials (downloaded through :func:`sheet_material`, which checks the grant again).
Refusals: a ``ValidationError`` is shown on the page in Chinese; ``PermissionDenied`` and
anything out of reach are a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from xuefen.credits.submissions import may_act_for_school
from xuefen.org.scoping import restrict

from . import scoring, selectors, services
from .access import (
    RECTIFICATION,
    column_window,
    in_window,
    may_fill,
    may_review,
    peer_assignment,
    reviewer_column,
    visible_sheet,
)
from .choices import PEER_COLUMN, SELF_COLUMN, ColumnStatus, RoundStatus
from .forms import ReturnForm, column_form, messages_of
from .workflow import EDITABLE

RECTIFICATION_LABEL = "整改后复评"


def _actions(column: str, reviewer: str, sheet: Any) -> list[str]:
    if column == RECTIFICATION:
        return ["rectify"]
    if column == reviewer:
        return ["save", "finalize"]
    return ["save", "submit"]


def _preview(sheet: Any, sheet_file: Any, column: str, values: dict[str, Any]) -> dict[str, Any]:
    """The engine's items computed from records and the platform's inputs, by item id
    (points and explanation), scored with what the column holds (an entry not yet given
    counts as its lowest value, which only the entered items depend on)."""
    auto_ids = [
        item.id
        for sec in sheet_file.spec.sections
        for item in sec.items
        if getattr(item, "type", "") != "judgement"
    ]
    if not auto_ids:
        return {}
    filled = dict(values)
    for name, spec in scoring.entry_inputs(sheet_file).items():
        if filled.get(name) in (None, ""):
            if spec["type"] == "boolean":
                filled[name] = False
            elif spec["type"] == "list":
                filled[name] = []
            else:
                filled[name] = spec["min"] if spec["min"] is not None else 0
    try:
        scored = scoring.score(sheet, column, filled, sheet_file=sheet_file)
    except ValidationError:
        return {}
    out = {}
    for section in scored.get("sections", []):
        for item in section.get("items", []):
            if item["id"] in auto_ids:
                out[item["id"]] = item
    return out


def _page(
    request: HttpRequest,
    sheet: Any,
    *,
    day: dt.date,
    bound: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    return_form: Any = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    rnd = sheet.round
    sheet_file = scoring.load_round_sheet(rnd)
    reviewer = reviewer_column(sheet_file)
    columns = selectors.columns_of(sheet)
    as_peer = (
        peer_assignment(user, sheet, day) is not None
        and not may_act_for_school(user, sheet.school)
        and not may_review(user, sheet)
    )
    reviewing = may_review(user, sheet)
    entries = scoring.entry_inputs(sheet_file)
    result = None if as_peer else selectors.result_of(sheet)
    auto = {
        name: {"value": value, "where": where}
        for name, (value, where) in scoring.auto_inputs(sheet, sheet_file).items()
    }
    all_columns = [*sheet_file.columns.items()]
    if sheet.teacher_id is None and rnd.rectify_from is not None:
        all_columns.append((RECTIFICATION, RECTIFICATION_LABEL))
    panels = []
    for column_id, label in all_columns:
        col = columns.get(column_id)
        if as_peer and column_id != PEER_COLUMN:
            continue  # a peer sees the sheet's items and its own column only
        start, end = column_window(rnd, column_id, reviewer)
        open_today = (
            rnd.status == RoundStatus.OPEN
            and in_window(start, end, day)
            and may_fill(user, sheet, column_id, reviewer, day)
            and (col is None or col.status in EDITABLE)
        )
        if column_id == RECTIFICATION and open_today:
            open_today = (
                result is not None
                and result.passed is not None
                and not (result.passed and result.rectification_score is None)
            )
        form = None
        if open_today:
            if bound is not None and bound.get("column") == column_id:
                form = bound["form"]
            else:
                initial = dict(col.values) if col else {}
                initial = {
                    k: ("1" if v is True else "0" if v is False else v) for k, v in initial.items()
                }
                initial["remarks"] = col.remarks if col else ""
                form = column_form(entries, initial=initial)
        if col is None and form is None:
            panels.append({"id": column_id, "label": label, "column": None, "window": (start, end)})
            continue
        panels.append(
            {
                "id": column_id,
                "label": label,
                "column": col,
                "form": form,
                "actions": _actions(column_id, reviewer, sheet) if form is not None else [],
                "errors": (errors or {}).get(column_id, []),
                "window": (start, end),
                "may_return": reviewing
                and rnd.status == RoundStatus.OPEN
                and col is not None
                and col.status == ColumnStatus.SUBMITTED
                and column_id in (SELF_COLUMN, PEER_COLUMN),
            }
        )
    editing = next((p for p in panels if p.get("form") is not None), None)
    preview = _preview(
        sheet,
        sheet_file,
        reviewer if editing is None or editing["id"] == RECTIFICATION else editing["id"],
        dict(editing["column"].values) if editing and editing["column"] else {},
    )
    sections = []
    for sec in sheet_file.spec.sections:
        items = []
        for item in sec.items:
            judged = getattr(item, "type", "") == "judgement"
            items.append(
                {
                    "id": item.id,
                    "label": item.label,
                    "max": getattr(item, "max", None),
                    "judged": judged,
                    "input": item.input_name if judged else None,
                    "auto": preview.get(item.id),
                }
            )
        sections.append({"label": sec.label, "max": sec.max, "items": items})
    return render(
        request,
        "assessments/sheet.html",
        {
            "sheet": sheet,
            "round": rnd,
            "sheet_file": sheet_file,
            "reviewer": reviewer,
            "sections": sections,
            "auto_inputs": [
                {"name": n, "label": sheet_file.input_label(n), **a} for n, a in auto.items()
            ],
            "panels": panels,
            "result": result,
            "as_peer": as_peer,
            "materials": selectors.school_materials(sheet)
            if sheet.teacher_id is None and (as_peer or reviewing)
            else None,
            "return_form": return_form or ReturnForm(),
            "page_errors": [
                message
                for key, messages in (errors or {}).items()
                if key == "" or not any(p["id"] == key and p.get("form") for p in panels)
                for message in messages
            ],
            "today": day,
        },
        status=status,
    )


@login_required
@require_GET
def sheet_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """``/assessments/sheets/<id>/``."""
    day = timezone.localdate()
    return _page(request, visible_sheet(request.user, pk, day), day=day)


def _values(form: Any, entries: dict[str, Any]) -> dict[str, Any]:
    return {
        name: form.cleaned_data.get(name)
        for name in entries
        if name in form.fields and form.cleaned_data.get(name) not in (None, "")
    }


@login_required
@require_POST
def column_post(request: HttpRequest, pk: Any, column: str) -> HttpResponse:
    """Save, submit, finalize or rectify the column the user fills."""
    day = timezone.localdate()
    sheet = visible_sheet(request.user, pk, day)
    sheet_file = scoring.load_round_sheet(sheet.round)
    entries = scoring.entry_inputs(sheet_file)
    action = request.POST.get("action", "save")
    form = column_form(entries, data=request.POST)
    bound = {"column": column, "form": form}
    if not form.is_valid():
        return _page(request, sheet, day=day, bound=bound, status=400)
    values, remarks = _values(form, entries), form.cleaned_data.get("remarks") or ""
    user = request.user
    try:
        if action == "rectify":
            services.sheet_rectify(actor=user, sheet=sheet, values=values, remarks=remarks)
        elif action in ("save", "submit", "finalize"):
            services.column_save(
                actor=user, sheet=sheet, column=column, values=values, remarks=remarks
            )
            if action == "submit":
                services.column_submit(actor=user, sheet=sheet, column=column)
            elif action == "finalize":
                services.sheet_finalize(actor=user, sheet=sheet)
        else:
            raise Http404("no such action")
    except PermissionDenied:
        raise Http404("no such sheet") from None
    except ValidationError as exc:
        sheet = visible_sheet(user, pk, day)
        return _page(
            request, sheet, day=day, bound=bound, errors={column: messages_of(exc)}, status=400
        )
    return HttpResponseRedirect(reverse("assessments:sheet", args=[sheet.pk]) + f"#col-{column}")


@login_required
@require_POST
def column_return(request: HttpRequest, pk: Any) -> HttpResponse:
    """The reviewer returns a submitted self or peer column with a reason."""
    day = timezone.localdate()
    sheet = visible_sheet(request.user, pk, day)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.column_return(
                actor=request.user,
                sheet=sheet,
                column=form.cleaned_data["column"],
                reason=form.cleaned_data["reason"],
            )
        except PermissionDenied:
            raise Http404("no such sheet") from None
        except ValidationError as exc:
            return _page(
                request, sheet, day=day, errors={"": messages_of(exc)}, return_form=form, status=400
            )
        return HttpResponseRedirect(reverse("assessments:sheet", args=[sheet.pk]))
    errors = [str(e) for errs in form.errors.values() for e in errs]
    return _page(request, sheet, day=day, errors={"": errors}, return_form=form, status=400)


@login_required
@require_GET
def sheet_material(request: HttpRequest, pk: Any, material: Any) -> FileResponse:
    """A material of the assessed school's activity in the round's period, to the assigned
    peer inside its window or to whoever may see the activity (the school, the region)."""
    from xuefen.activities.models import Material
    from xuefen.records.evidence import INLINE_TYPES, file_type_of
    from xuefen.records.views import _disposition

    day = timezone.localdate()
    sheet = visible_sheet(request.user, pk, day)
    if sheet.teacher_id is not None:
        raise Http404("no such material")
    found = selectors.sheet_material(sheet, material)
    if found is None:
        raise Http404("no such material")
    granted = peer_assignment(request.user, sheet, day) is not None
    if not granted and not restrict(Material, request.user, "view").filter(pk=found.pk).exists():
        raise Http404("no such material")
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise Http404("file missing") from None
    response = FileResponse(handle, content_type=found.content_type or "application/octet-stream")
    kind = "inline" if file_type_of(found.file.name) in INLINE_TYPES else "attachment"
    response["Content-Disposition"] = _disposition(kind, found.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("sheets/<int:pk>/", sheet_detail, name="sheet"),
    path("sheets/<int:pk>/column/<str:column>/", column_post, name="column"),
    path("sheets/<int:pk>/return/", column_return, name="return"),
    path("sheets/<int:pk>/materials/<int:material>/", sheet_material, name="material"),
]
