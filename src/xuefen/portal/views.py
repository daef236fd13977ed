"""The portal's pages. Each reads through the scoping helper and shows the results
service's numbers (see :mod:`xuefen.portal.standings`); none computes hours or credits."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.views.generic import TemplateView, View

from xuefen.catalog.models import Project
from xuefen.org.choices import NodeKind, Role
from xuefen.org.models import OrgNode, Teacher
from xuefen.org.scoping import get_scoped_or_404, restrict, user_grants
from xuefen.org.services import display_id_number
from xuefen.records.choices import STATUS_COLORS
from xuefen.records.models import Record
from xuefen.results.selectors import stale_count, teacher_standing

from .access import PortalAccessMixin, home_url, region_nodes, roster_schools
from .filters import RosterFilterForm
from .htmx import HtmxListMixin
from .standings import current_period, period_view, roster_rows, school_summaries


class HomeView(PortalAccessMixin, View):
    """``/``: send each user to their role's home."""

    def get(self, request: Any) -> HttpResponseRedirect:
        url = home_url(request.user)
        if url is None:
            raise PermissionDenied("no role")
        return HttpResponseRedirect(url)


def teacher_context(user: Any, teacher: Teacher) -> dict[str, Any]:
    """What the teacher page shows: this year, this cycle, earlier years and every record
    with the engine's verdict on it."""
    as_of = timezone.localdate()
    standing = teacher_standing(teacher, as_of=as_of)
    result = standing.result or {}
    current = standing.period(as_of, period_type="year")
    earlier = [
        period_view(p)
        for p in reversed(result.get("periods", []))
        if p.get("type") == "year" and p is not current
    ]
    records = (
        restrict(Record, user, "view")
        .filter(teacher=teacher)
        .select_related("project")
        .order_by("-date", "-pk")
    )
    rows = []
    for record in records:
        rows.append(
            {
                "record": record,
                "verdict": standing.records.get(str(record.pk)),
                "pending": standing.pending_records.get(str(record.pk)),
                "status_color": STATUS_COLORS.get(record.status, "gray"),
            }
        )
    return {
        "teacher": teacher,
        "id_number": display_id_number(user, teacher),
        "as_of": as_of,
        "standing": standing,
        "year": period_view(current),
        "cycle": period_view(result.get("cycle")),
        "earlier": earlier,
        "record_rows": rows,
        "policy": standing.binding,
    }


class MyHomeView(PortalAccessMixin, TemplateView):
    """A teacher's own home: their progress and records."""

    template_name = "portal/teacher.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        teacher = get_scoped_or_404(
            Teacher.objects.select_related("school", "group").filter(user=user), user, "view"
        )
        return {**super().get_context_data(**kwargs), **teacher_context(user, teacher), "own": True}


class TeacherDetailView(PortalAccessMixin, TemplateView):
    """One teacher's page, as their school or region sees it (same content as their home)."""

    template_name = "portal/teacher.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        teacher = get_scoped_or_404(
            Teacher.objects.select_related("school", "group"), user, "view", pk=kwargs["pk"]
        )
        schools = roster_schools(user).filter(pk=teacher.school_id)
        return {
            **super().get_context_data(**kwargs),
            **teacher_context(user, teacher),
            "own": teacher.user_id == user.pk,
            "roster_link": schools.exists(),
        }


class RecordDetailView(PortalAccessMixin, TemplateView):
    """One record: its fields, status, evidence and the engine's verdict."""

    template_name = "portal/record.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        record = get_scoped_or_404(
            Record.objects.select_related("teacher__school", "project__institution"),
            user,
            "view",
            pk=kwargs["pk"],
        )
        standing = teacher_standing(record.teacher, as_of=timezone.localdate())
        return {
            **super().get_context_data(**kwargs),
            "record": record,
            "verdict": standing.records.get(str(record.pk)),
            "pending": standing.pending_records.get(str(record.pk)),
            "status_color": STATUS_COLORS.get(record.status, "gray"),
            "fields": sorted((record.fields or {}).items()),
            "evidence": list(record.evidence.all()),
            "teacher_link": restrict(Teacher, user, "view").filter(pk=record.teacher_id).exists(),
        }


class RosterView(PortalAccessMixin, HtmxListMixin, TemplateView):
    """A school's roster with each teacher's standing this year, filterable; htmx requests
    get the table alone."""

    template_name = "portal/roster.html"
    partial_template_name = "portal/partials/roster_table.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        school = get_scoped_or_404(roster_schools(user), user, "view", pk=kwargs["pk"])
        groups = OrgNode.objects.filter(
            path__startswith=school.path,
            kind__in=[NodeKind.SUBJECT_GROUP, NodeKind.LESSON_GROUP],
        ).order_by("path")
        form = RosterFilterForm(self.request.GET or None, groups=groups)
        teachers = form.filter_teachers(
            restrict(Teacher, user, "view")
            .filter(school=school, active=True)
            .select_related("school", "group")
            .order_by("name", "pk")
        )
        as_of = timezone.localdate()
        period = current_period(school, as_of)
        rows = [r for r in roster_rows(list(teachers), period) if form.wants(r.compliant)]
        region = (
            region_nodes(user)
            .filter(pk__in=school.ancestors().values("pk"))
            .order_by("-depth")
            .first()
        )
        return {
            **super().get_context_data(**kwargs),
            "school": school,
            "form": form,
            "rows": rows,
            "as_of": as_of,
            "period": period,
            "updating": sum(1 for r in rows if r.updating),
            "region": region,
            "total": len(rows),
            "compliant": sum(1 for r in rows if r.compliant),
        }


class RegionView(PortalAccessMixin, TemplateView):
    """A county's (or city's, or 片区's) schools with their completion rates this year and
    普洱's 20% rule flagged."""

    template_name = "portal/region.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        region = get_scoped_or_404(region_nodes(user), user, "view", pk=kwargs["pk"])
        schools = list(
            restrict(OrgNode, user, "view")
            .filter(kind=NodeKind.SCHOOL, path__startswith=region.path)
            .order_by("path")
        )
        as_of = timezone.localdate()
        period = current_period(region, as_of)
        summaries = school_summaries(schools, period, region)
        subregions = (
            region_nodes(user)
            .filter(parent=region, kind__in=[NodeKind.COUNTY, NodeKind.GROUP, NodeKind.CITY])
            .order_by("path")
        )
        parent = region_nodes(user).filter(pk=region.parent_id).first()
        return {
            **super().get_context_data(**kwargs),
            "region": region,
            "parent": parent,
            "subregions": list(subregions),
            "summaries": summaries,
            "as_of": as_of,
            "period": period,
            "updating": stale_count(under=region),
            "flagged": sum(1 for s in summaries if s.barred_from_awards),
            "teacher_count": sum(s.teachers for s in summaries),
            "compliant_count": sum(s.compliant for s in summaries),
        }


class InstitutionHomeView(PortalAccessMixin, TemplateView):
    """A training institution's home: its projects and the records registered under them."""

    template_name = "portal/institution.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        institution_ids = [
            g.institution_id for g in user_grants(user) if g.role == Role.INSTITUTION
        ]
        if not institution_ids:
            raise PermissionDenied("not a training institution")
        projects = (
            restrict(Project, user, "view")
            .filter(institution_id__in=institution_ids)
            .select_related("institution", "publisher")
            .annotate(record_count=Count("records"))
            .order_by("-pk")
        )
        return {**super().get_context_data(**kwargs), "projects": list(projects)}
