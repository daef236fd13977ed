"""``/assessments/honors/``: the schools' honours a region records (平阳 附加分: 县/市校本研训
示范校), which the sheets score as the school's records. The region's administrators only;
anyone else gets a 404."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from xuefen.org.choices import NodeKind
from xuefen.org.models import OrgNode
from xuefen.org.scoping import restrict

from . import services
from .county_views import _region
from .forms import HonorForm, add_errors
from .models import SchoolHonor

MAX_SCHOOLS = 2000


def _schools(user: Any, region: OrgNode) -> list[OrgNode]:
    return list(
        restrict(OrgNode, user, "manage")
        .filter(kind=NodeKind.SCHOOL, path__startswith=region.path)
        .order_by("path")[:MAX_SCHOOLS]
    )


@login_required
@require_http_methods(["GET", "POST"])
def honors(request: HttpRequest) -> HttpResponse:
    region, regions = _region(request)
    schools = _schools(request.user, region)
    form = HonorForm(request.POST or None, schools=schools)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            school = next(s for s in schools if s.pk == form.cleaned_data["school"])
            try:
                services.honor_add(
                    actor=request.user,
                    school=school,
                    title=form.cleaned_data["title"],
                    level=form.cleaned_data["level"],
                    date=form.cleaned_data["date"],
                    note=form.cleaned_data["note"],
                )
            except PermissionDenied:
                raise Http404("no such school") from None
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return HttpResponseRedirect(reverse("assessments:honors") + f"?node={region.pk}")
        status = 400
    return _page(request, region, regions, form, status=status)


def _page(
    request: HttpRequest,
    region: OrgNode,
    regions: list[OrgNode],
    form: HonorForm,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    listed = list(
        restrict(SchoolHonor.objects.select_related("school"), request.user, "manage")
        .filter(school__path__startswith=region.path)
        .order_by("school__path", "-date")[:500]
    )
    return render(
        request,
        "assessments/honors.html",
        {"region": region, "regions": regions, "form": form, "honors": listed, "error": error},
        status=status,
    )


@login_required
@require_POST
def honor_remove(request: HttpRequest, pk: int) -> HttpResponse:
    honor = (
        restrict(SchoolHonor.objects.select_related("school"), request.user, "manage")
        .filter(pk=pk)
        .first()
    )
    if honor is None:
        raise Http404("no such honour")
    try:
        services.honor_remove(
            actor=request.user, honor=honor, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        region, regions = _region(request)
        form = HonorForm(schools=_schools(request.user, region))
        return _page(request, region, regions, form, error="；".join(exc.messages), status=400)
    return HttpResponseRedirect(reverse("assessments:honors"))


urlpatterns = [
    path("honors/", honors, name="honors"),
    path("honors/<int:pk>/remove/", honor_remove, name="honor_remove"),
]
