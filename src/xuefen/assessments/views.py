"""The school's page of assessments (``/assessments/school/``): its own sheets in open and
closed rounds with each column's state and the next step, the sheets its staff evaluate
as a peer today, and the school's results. The county's pages are in :mod:`.county_views`,
the sheet page in :mod:`.sheet_views`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import selectors
from .choices import PEER_COLUMN, SELF_COLUMN, ColumnStatus, RoundStatus
from .models import SchoolAssessment, SheetColumn


def next_step(sheet: Any, columns: dict[str, SheetColumn], result: Any, day: dt.date) -> str:
    """What the school does next on its sheet, in words."""
    rnd = sheet.round
    own = columns.get(SELF_COLUMN)
    if rnd.status != RoundStatus.OPEN:
        return _("The round is closed.")
    if result is not None:
        if result.passed is not False or result.rectification_score is not None:
            return result.explanation
        if rnd.rectify_to is not None and day <= rnd.rectify_to:
            return _("Rectify, then the county scores again from %(day)s.") % {
                "day": f"{rnd.rectify_from:%Y-%m-%d}"
            }
        return result.explanation
    if own is None or own.status in (ColumnStatus.DRAFT, ColumnStatus.RETURNED):
        if day < rnd.self_from:
            return _("Self-evaluation opens on %(day)s.") % {"day": f"{rnd.self_from:%Y-%m-%d}"}
        if day <= rnd.self_to:
            if own is not None and own.status == ColumnStatus.RETURNED:
                return _("Returned: correct and submit the self-evaluation by %(day)s.") % {
                    "day": f"{rnd.self_to:%Y-%m-%d}"
                }
            return _("Fill in and submit the self-evaluation by %(day)s.") % {
                "day": f"{rnd.self_to:%Y-%m-%d}"
            }
        return _("The self-evaluation window has ended.")
    return _("Waiting for the on-site evaluation (%(from)s – %(to)s).") % {
        "from": f"{rnd.onsite_from:%Y-%m-%d}",
        "to": f"{rnd.onsite_to:%Y-%m-%d}",
    }


@login_required
@require_GET
def school_home(request: HttpRequest) -> HttpResponse:
    day = timezone.localdate()
    sheets = selectors.my_sheets(request.user, day)
    own = sheets["own"]
    columns: dict[int, dict[str, SheetColumn]] = {s.pk: {} for s in own}
    for col in SheetColumn.objects.filter(sheet_id__in=list(columns)).only(
        "pk", "sheet_id", "column", "status", "total"
    ):
        columns[col.sheet_id][col.column] = col
    keys = {(s.school_id, s.round.period_type, s.round.start) for s in own if s.teacher_id is None}
    results = {}
    if keys:
        for r in SchoolAssessment.objects.filter(
            school_id__in={k[0] for k in keys}, start__in={k[2] for k in keys}
        ).order_by("-start"):
            results[(r.school_id, r.period_type, r.start)] = r
    rows = []
    for s in own:
        cols = columns[s.pk]
        result = (
            results.get((s.school_id, s.round.period_type, s.round.start))
            if s.teacher_id is None
            else None
        )
        rows.append(
            {
                "sheet": s,
                "self": cols.get(SELF_COLUMN),
                "peer": cols.get(PEER_COLUMN),
                "others": [
                    c for k, c in sorted(cols.items()) if k not in (SELF_COLUMN, PEER_COLUMN)
                ],
                "result": result,
                "next": next_step(s, cols, result, day),
            }
        )
    return render(
        request,
        "assessments/school_home.html",
        {
            "rows": rows,
            "peer": sheets["peer"],
            "results": sorted(results.values(), key=lambda r: r.start, reverse=True),
            "today": day,
        },
    )


urlpatterns = [path("school/", school_home, name="school_home")]
