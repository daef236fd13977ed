"""The portal's pages. Each reads through the scoping helper and shows the results
service's numbers (see :mod:`xuefen.portal.standings`); none computes hours or credits."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.views.generic import TemplateView, View

from xuefen.catalog.models import Project
from xuefen.exports.services import is_staff_over
from xuefen.org.choices import NodeKind, Role
from xuefen.org.models import OrgNode, Teacher
from xuefen.org.scoping import can, get_scoped_or_404, restrict, user_grants
from xuefen.org.services import display_id_number
from xuefen.records.choices import STATUS_COLORS, RecordStatus
from xuefen.records.kinds import record_display
from xuefen.records.models import Record
from xuefen.records.selectors import evidence_of
from xuefen.records.views import may_edit
from xuefen.results.selectors import stale_count, teacher_standing

from .access import PortalAccessMixin, home_url, region_nodes, roster_schools
from .filters import RosterFilterForm
from .htmx import HtmxListMixin
from .periods import period_picker
from .plan import teacher_plan
from .standings import (
    roster_counts,
    roster_queryset,
    roster_rows,
    school_summaries,
    teacher_periods,
)

# Teachers per roster page.
ROSTER_PAGE_SIZE = 50


class HomeView(PortalAccessMixin, View):
    """``/``: send each user to their role's home."""

    def get(self, request: Any) -> HttpResponseRedirect:
        url = home_url(request.user)
        if url is None:
            raise PermissionDenied("no role")
        return HttpResponseRedirect(url)


def teacher_context(user: Any, teacher: Teacher, period: str | None) -> dict[str, Any]:
    """What the teacher page shows: the period picked (default: this year) and the cycle
    it falls in, the other periods of its kind, and every record with the engine's verdict
    on it — each on both bases, certified and with the pending records."""
    as_of = timezone.localdate()
    standing = teacher_standing(teacher, as_of=as_of)
    picker = period_picker(teacher.school, value=period, today=as_of)
    records = (
        restrict(Record, user, "view")
        .filter(teacher=teacher)
        .select_related("project")
        .order_by("-date", "-pk")
    )
    rows = []
    for record in records:
        verdict = standing.records.get(str(record.pk))
        pending = standing.pending_records.get(str(record.pk))
        rows.append(
            {
                "record": record,
                "verdict": verdict,
                # What the record earns once approved, where that differs from now.
                "pending": pending
                if pending and pending.get("counted") and not (verdict or {}).get("counted")
                else None,
                "status_color": STATUS_COLORS.get(record.status, "gray"),
            }
        )
    periods = teacher_periods(standing, picker)
    return {
        "teacher": teacher,
        "id_number": display_id_number(user, teacher),
        # The register and other teacher forms: for the teacher and the staff over them.
        "can_export": teacher.user_id == user.pk or is_staff_over(user, teacher.school),
        "as_of": as_of,
        "standing": standing,
        "picker": picker,
        "shown": periods["selected"],
        "cycle": periods["cycle"],
        "others": periods["others"],
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
        context = teacher_context(user, teacher, self.request.GET.get("period"))
        return {
            **super().get_context_data(**kwargs),
            **context,
            "own": True,
            # The next step: what is missing today and the open projects that close it.
            "plan": teacher_plan(fetched_by=user, teacher=teacher, standing=context["standing"]),
        }


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
            **teacher_context(user, teacher, self.request.GET.get("period")),
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
            "fields": record_display(record),
            "evidence": evidence_of(fetched_by=user, record=record),
            "may_edit": may_edit(user, record),
            # The county's revocation (a certified record changes only this way).
            "may_revoke": record.status == RecordStatus.CERTIFIED and can(user, "certify", record),
            "teacher_link": restrict(Teacher, user, "view").filter(pk=record.teacher_id).exists(),
        }


class RosterView(PortalAccessMixin, HtmxListMixin, TemplateView):
    """A school's roster with each teacher's standing in the period picked (default: this
    year), on both bases; filtered, sorted and paginated in the database. htmx requests get
    the table alone."""

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
        as_of = timezone.localdate()
        picker = period_picker(school, value=self.request.GET.get("period"), today=as_of)
        period = picker.selected
        teachers = roster_queryset(
            form.filter_teachers(
                restrict(Teacher, user, "view")
                .filter(school=school, active=True)
                .select_related("group")
            ),
            period,
            compliance=form.wanted_compliance,
            sort=form.wanted_sort,
        )
        counts = roster_counts(teachers, period)
        paginator = Paginator(teachers, ROSTER_PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        rows = roster_rows(list(page.object_list), period)
        region = (
            region_nodes(user)
            .filter(pk__in=school.ancestors().values("pk"))
            .order_by("-depth")
            .first()
        )
        return {
            **super().get_context_data(**kwargs),
            "school": school,
            "may_import": can(user, "change", school),
            "form": form,
            "rows": rows,
            "page_obj": page,
            "as_of": as_of,
            "picker": picker,
            "period": period,
            "updating": stale_count(under=school),
            "region": region,
            "total": counts["total"],
            "compliant": counts["compliant"],
            "pending_compliant": counts["pending_compliant"],
        }


class RegionView(PortalAccessMixin, TemplateView):
    """A county's (or city's, or 片区's) schools with their completion rates in the period
    picked (default: this year), certified and with the pending records, and 普洱's 20%
    rule flagged on the certified figures of a year."""

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
        picker = period_picker(region, value=self.request.GET.get("period"), today=as_of)
        period = picker.selected
        summaries = school_summaries(schools, period, region)
        subregions = (
            region_nodes(user)
            .filter(parent=region, kind__in=[NodeKind.COUNTY, NodeKind.GROUP, NodeKind.CITY])
            .order_by("path")
        )
        parent = region_nodes(user).filter(pk=region.parent_id).first()
        awards_rule = picker.is_year
        return {
            **super().get_context_data(**kwargs),
            "region": region,
            "parent": parent,
            "subregions": list(subregions),
            "summaries": summaries,
            "as_of": as_of,
            "picker": picker,
            "period": period,
            "awards_rule": awards_rule,
            "updating": stale_count(under=region),
            "flagged": sum(1 for s in summaries if s.barred_from_awards) if awards_rule else 0,
            "teacher_count": sum(s.teachers for s in summaries),
            "compliant_count": sum(s.compliant for s in summaries),
            "pending_compliant_count": sum(s.pending_compliant for s in summaries),
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
