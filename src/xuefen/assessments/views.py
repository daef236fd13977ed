"""The pages of assessments a school and a peer use: the sheets to fill, and a sheet.

``/assessments/school/`` lists the user's sheets in open rounds (their school's, their own
on a teacher round) and the sheets their school evaluates as a peer today; the sheet page
shows every column the user may see with the engine's points and explanations per item.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import scoring, selectors
from .access import RECTIFICATION, peer_assignment, reviewer_column, visible_sheet


@login_required
@require_GET
def school_home(request: HttpRequest) -> HttpResponse:
    day = timezone.localdate()
    sheets = selectors.my_sheets(request.user, day)
    return render(request, "assessments/school_home.html", {**sheets, "today": day})


@login_required
@require_GET
def sheet_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    day = timezone.localdate()
    sheet = visible_sheet(request.user, pk, day)
    sheet_file = scoring.load_round_sheet(sheet.round)
    reviewer = reviewer_column(sheet_file)
    columns = selectors.columns_of(sheet)
    as_peer = peer_assignment(request.user, sheet, day) is not None
    shown = []
    for column_id, label in [*sheet_file.columns.items(), (RECTIFICATION, "整改后复评")]:
        col = columns.get(column_id)
        if col is None:
            continue
        if as_peer and column_id != "peer":
            continue  # a peer sees the sheet's items and its own column only
        shown.append({"id": column_id, "label": label, "column": col})
    return render(
        request,
        "assessments/sheet.html",
        {
            "sheet": sheet,
            "sheet_file": sheet_file,
            "reviewer": reviewer,
            "columns": shown,
            "result": None if as_peer else selectors.result_of(sheet),
            "as_peer": as_peer,
        },
    )


urlpatterns = [
    path("school/", school_home, name="school_home"),
    path("sheets/<int:pk>/", sheet_detail, name="sheet"),
]
