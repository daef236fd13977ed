"""The county's pages of assessments: its rounds with a form for a new one, and a round's
board (every school at a glance) with the peer assignments and opening and closing.

Only the administrators of the round's region reach them (``restrict(..., "manage")``);
anybody else gets a 404, as if the round did not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from xuefen.org.models import OrgNode
from xuefen.portal.periods import period_picker

from . import scoring, selectors, services
from .access import RECTIFICATION, reviewer_column, round_for_region
from .forms import PeerAssignForm, RoundForm, add_errors, messages_of

BOARD_PAGE = 100


def _bundled_sheets() -> list[tuple[str, str]]:
    from xuefen.policy.sheets import list_sheets

    return [(s["id"], f"{s['name']}（{s['id']}）") for s in list_sheets()]


def _region(request: HttpRequest) -> tuple[OrgNode, list[OrgNode]]:
    regions = selectors.managed_regions(request.user)
    if not regions:
        raise Http404("no region")
    wanted = request.GET.get("node") or request.POST.get("node")
    for region in regions:
        if str(region.pk) == str(wanted):
            return region, regions
    if wanted:
        raise Http404("no such region")
    return regions[0], regions


@login_required
@require_http_methods(["GET", "POST"])
def county_home(request: HttpRequest) -> HttpResponse:
    """``/assessments/``: the region's rounds, newest first, and the form of a new one."""
    region, regions = _region(request)
    today = timezone.localdate()
    picker = period_picker(region, value=None, today=today)
    kwargs = {"sheets": _bundled_sheets(), "periods": picker.choices}
    if request.method == "POST":
        form = RoundForm(request.POST, request.FILES, **kwargs)
        if form.is_valid():
            try:
                rnd = services.round_create(
                    actor=request.user, node=region, **form.service_fields()
                )
            except PermissionDenied:
                raise Http404("no such region") from None
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return HttpResponseRedirect(reverse("assessments:round", args=[rnd.pk]))
        status = 400
    else:
        initial = {"period": picker.default.key if picker.default else None}
        form = RoundForm(initial=initial, **kwargs)
        status = 200
    return render(
        request,
        "assessments/county_home.html",
        {
            "region": region,
            "regions": regions,
            "rounds": selectors.region_rounds(request.user, region),
            "form": form,
            "no_periods": not picker.choices,
        },
        status=status,
    )


def _board(
    request: HttpRequest, rnd: Any, *, peer_form: Any = None, errors: Any = None, status: int = 200
) -> HttpResponse:
    sheet_file = scoring.load_round_sheet(rnd)
    reviewer = reviewer_column(sheet_file)
    try:
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page = 1
    rows, count = selectors.round_board(rnd, offset=(page - 1) * BOARD_PAGE, limit=BOARD_PAGE)
    columns = [(cid, label) for cid, label in sheet_file.columns.items()]
    for row in rows:
        row.columns_list = row.column_cells([cid for cid, _label in columns])
    schools = selectors.round_schools(rnd)
    return render(
        request,
        "assessments/round_board.html",
        {
            "round": rnd,
            "sheet_file": sheet_file,
            "reviewer": reviewer,
            "columns": columns,
            "column_ids": [c for c, _label in columns],
            "rectification": RECTIFICATION,
            "rows": rows,
            "count": count,
            "page": page,
            "pages": max(1, -(-count // BOARD_PAGE)),
            "peer_form": peer_form or PeerAssignForm(schools=schools),
            "errors": errors or [],
            "has_peer": "peer" in sheet_file.columns and rnd.subject == "school",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def round_board(request: HttpRequest, pk: Any) -> HttpResponse:
    """``/assessments/rounds/<id>/``: every school of the round at a glance."""
    return _board(request, round_for_region(request.user, pk, "manage"))


@login_required
@require_POST
def round_action(request: HttpRequest, pk: Any, action: str) -> HttpResponse:
    """Open or close the round."""
    rnd = round_for_region(request.user, pk, "manage")
    service = {"open": services.round_open, "close": services.round_close}.get(action)
    if service is None:
        raise Http404("no such action")
    try:
        service(actor=request.user, rnd=rnd)
    except PermissionDenied:
        raise Http404("no such round") from None
    except ValidationError as exc:
        return _board(request, rnd, errors=messages_of(exc), status=400)
    return HttpResponseRedirect(reverse("assessments:round", args=[rnd.pk]))


@login_required
@require_POST
def round_peer(request: HttpRequest, pk: Any) -> HttpResponse:
    """互比互学: assign a school of the region to evaluate another."""
    rnd = round_for_region(request.user, pk, "manage")
    form = PeerAssignForm(request.POST, schools=selectors.round_schools(rnd))
    if form.is_valid():
        try:
            services.peer_assign(
                actor=request.user,
                rnd=rnd,
                assessor=form.cleaned_data["assessor"],
                school=form.cleaned_data["school"],
            )
        except PermissionDenied:
            raise Http404("no such round") from None
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return HttpResponseRedirect(reverse("assessments:round", args=[rnd.pk]) + "#peers")
    return _board(request, rnd, peer_form=form, status=400)


urlpatterns = [
    path("", county_home, name="county"),
    path("rounds/<int:pk>/", round_board, name="round"),
    path("rounds/<int:pk>/peers/", round_peer, name="round_peer"),
    path("rounds/<int:pk>/<str:action>/", round_action, name="round_action"),
]
