"""Catalog pages: a training institution writes its projects, sends them for approval and
registers its participants' results in one table; the region's training office approves
or rejects the projects sent to it.

Each view reads through the selectors (scoped: another institution's project is a 404),
validates input with a form and calls one service; a service's ``ValidationError`` is
shown on the form (by row and field for the results table), never a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import View

from xuefen.org.models import OrgNode
from xuefen.portal.access import PortalAccessMixin

from . import services
from .forms import (
    DEFAULT_ROWS,
    MAX_ROWS,
    PROJECT_FIELDS,
    DecisionForm,
    ProjectForm,
    ResultRowFormSet,
    ResultsHeaderForm,
)
from .selectors import (
    awaiting_approval,
    institution_grants,
    institutions_of,
    project_get,
    project_records,
    region_schools,
    teachers_by_name,
)
from .workflow import INSTITUTION_EDITABLE

PK_MAX = 2**63 - 1


def _pk(pk: int) -> int:
    if not 0 < pk <= PK_MAX:
        raise Http404("no such id")
    return pk


def _message(text: str) -> str:
    """A service or engine message in the user's language."""
    from xuefen.records.kinds import engine_message

    return engine_message(str(text))


def _show_errors(form: Any, exc: ValidationError) -> None:
    """A service's errors on the form: on the field named, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, _message(error))
    else:
        for error in exc.messages:
            form.add_error(None, _message(error))


def _back_to_list() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("portal:institution"))


class InstitutionMixin(PortalAccessMixin):
    """Pages for training institutions only (403 for anybody else)."""

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not institution_grants(request.user):
            raise PermissionDenied("not a training institution")
        return super().dispatch(request, *args, **kwargs)


class ProjectCreateView(InstitutionMixin, View):
    """``/catalog/projects/new/``: the institution writes a project (a draft)."""

    template_name = "catalog/project_form.html"

    def _institution(self, request: Any) -> Any:
        """The institution acting (the first, unless ``?institution=`` picks another)."""
        institutions = list(institutions_of(request.user))
        wanted = request.GET.get("institution") or request.POST.get("institution")
        for institution in institutions:
            if str(institution.pk) == str(wanted):
                return institution, institutions
        return institutions[0], institutions

    def _publisher(self, request: Any, institution: Any) -> OrgNode:
        grant = next(
            g for g in institution_grants(request.user) if g.institution_id == institution.pk
        )
        return OrgNode.objects.get(pk=grant.node_id)

    def get(self, request: Any) -> Any:
        institution, institutions = self._institution(request)
        return self._page(request, ProjectForm(), institution, institutions)

    def post(self, request: Any) -> Any:
        institution, institutions = self._institution(request)
        form = ProjectForm(request.POST)
        if form.is_valid():
            try:
                project = services.project_create(
                    actor=request.user,
                    publisher=self._publisher(request, institution),
                    institution=institution,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                _show_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Project 「%(name)s」 saved as a draft: send it for approval when ready.")
                    % {"name": project.name},
                )
                return _back_to_list()
        return self._page(request, form, institution, institutions)

    def _page(self, request: Any, form: Any, institution: Any, institutions: Any) -> Any:
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "institution": institution,
                "institutions": institutions,
                "publisher": self._publisher(request, institution),
                "creating": True,
            },
        )


class ProjectEditView(PortalAccessMixin, View):
    """``/catalog/projects/<pk>/edit/``: correct a draft or a rejected project."""

    template_name = "catalog/project_form.html"

    def get(self, request: Any, pk: int) -> Any:
        project = project_get(fetched_by=request.user, pk=_pk(pk))
        form = ProjectForm(initial=ProjectForm.initial_from(project))
        return self._page(request, form, project)

    def post(self, request: Any, pk: int) -> Any:
        project = project_get(fetched_by=request.user, pk=_pk(pk))
        form = ProjectForm(request.POST, initial=ProjectForm.initial_from(project))
        if form.is_valid():
            changes = {n: form.cleaned_data[n] for n in PROJECT_FIELDS if n in form.changed_data}
            try:
                services.project_update(actor=request.user, project=project, **changes)
            except ValidationError as exc:
                _show_errors(form, exc)
            else:
                messages.success(request, _("Project 「%(name)s」 saved.") % {"name": project.name})
                return _back_to_list()
        return self._page(request, form, project)

    def _page(self, request: Any, form: Any, project: Any) -> Any:
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "project": project,
                "institution": project.institution,
                "publisher": project.publisher,
                "editable": project.approval_status in INSTITUTION_EDITABLE,
            },
        )


class ProjectSubmitView(PortalAccessMixin, View):
    """``POST /catalog/projects/<pk>/submit/``: send the project for approval."""

    def post(self, request: Any, pk: int) -> HttpResponseRedirect:
        project = project_get(fetched_by=request.user, pk=_pk(pk))
        try:
            services.project_submit(actor=request.user, project=project)
        except ValidationError as exc:
            messages.error(request, "；".join(_message(m) for m in exc.messages))
        except PermissionDenied:
            raise Http404("no such project") from None
        else:
            messages.success(
                request,
                _("「%(name)s」 was sent to %(region)s for approval.")
                % {"name": project.name, "region": project.publisher.name},
            )
        return _back_to_list()


class ResultsView(PortalAccessMixin, View):
    """``/catalog/projects/<pk>/results/``: the results table of an approved project —
    one row per participant (name, school where two share a name, hours, score), all
    rows checked, then written together or not at all."""

    template_name = "catalog/results.html"

    def _rows(self, request: Any) -> int:
        try:
            rows = int(request.GET.get("rows", DEFAULT_ROWS))
        except ValueError:
            rows = DEFAULT_ROWS
        return max(1, min(MAX_ROWS, rows))

    def get(self, request: Any, pk: int) -> Any:
        project = project_get(fetched_by=request.user, pk=_pk(pk))
        schools = region_schools(project)
        header = ResultsHeaderForm(initial={"date": timezone.localdate()})
        formset = ResultRowFormSet(
            initial=[{}] * self._rows(request), form_kwargs={"schools": schools}
        )
        return self._page(request, project, header, formset)

    def post(self, request: Any, pk: int) -> Any:
        project = project_get(fetched_by=request.user, pk=_pk(pk))
        schools = region_schools(project)
        header = ResultsHeaderForm(request.POST)
        formset = ResultRowFormSet(request.POST, form_kwargs={"schools": schools})
        # Every check runs, so the page lists every problem of the table at once.
        valid = [header.is_valid(), formset.is_valid(), self._resolve(project, formset)]
        if all(valid):
            rows = [
                services.ResultRow(
                    teacher=form.teacher,
                    hours=form.cleaned_data.get("hours"),
                    score=form.cleaned_data.get("score"),
                    number=number,
                )
                for number, form in enumerate(formset.forms, start=1)
                if not form.is_blank
            ]
            try:
                created = services.results_register(
                    actor=request.user,
                    project=project,
                    date=header.cleaned_data["date"],
                    rows=rows,
                )
            except services.RowErrors as exc:
                self._row_errors(formset, exc)
            except ValidationError as exc:
                _show_errors(header, exc)
            else:
                messages.success(
                    request,
                    _(
                        "%(n)s results registered for 「%(name)s」: the teachers' schools "
                        "review them."
                    )
                    % {"n": len(created), "name": project.name},
                )
                return HttpResponseRedirect(reverse("catalog:results", args=[project.pk]))
        return self._page(request, project, header, formset)

    def _resolve(self, project: Any, formset: Any) -> bool:
        """Each row's name (and school) → one teacher of the project's region; a name
        nobody has, or several share without a school to tell them apart, is an error
        on that row."""
        typed = [
            f for f in formset.forms if not f.is_blank and f.cleaned_data.get("name", "").strip()
        ]
        found = teachers_by_name(project=project, names=[f.cleaned_data["name"] for f in typed])
        ok = True
        for form in typed:
            name = form.cleaned_data["name"].strip()
            school = form.cleaned_data.get("school")
            matches = [t for t in found.get(name, []) if school is None or t.school_id == school.pk]
            if len(matches) == 1:
                form.teacher = matches[0]
                continue
            ok = False
            if not matches and school is not None:
                form.add_error(
                    "name",
                    _("No teacher named %(name)s at %(school)s.")
                    % {"name": name, "school": school.name},
                )
            elif not matches:
                form.add_error(
                    "name",
                    _("No teacher named %(name)s in %(region)s.")
                    % {"name": name, "region": project.publisher.name},
                )
            else:
                form.add_error(
                    "school",
                    _("%(n)s teachers are named %(name)s (%(schools)s): choose the school.")
                    % {
                        "n": len(matches),
                        "name": name,
                        "schools": "、".join(t.school.name for t in matches),
                    },
                )
        return ok

    def _row_errors(self, formset: Any, exc: services.RowErrors) -> None:
        fields = {"teacher": "name", "hours": "hours", "score": "score"}
        for number, errors in exc.rows.items():
            form = formset.forms[number - 1]
            for field, messages_ in errors.items():
                for message in messages_:
                    form.add_error(fields.get(field), _message(message))

    def _page(self, request: Any, project: Any, header: Any, formset: Any) -> Any:
        problems = []
        for number, form in enumerate(formset.forms, start=1):
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                for error in errors:
                    problems.append({"row": number, "field": label, "message": error})
        return render(
            request,
            self.template_name,
            {
                "project": project,
                "header": header,
                "formset": formset,
                "problems": problems,
                "registered": project_records(fetched_by=request.user, project=project),
                "approved": project.is_approved,
                "more_rows": min(MAX_ROWS, len(formset.forms) + 10),
            },
        )


class ApprovalListView(PortalAccessMixin, View):
    """``/catalog/approvals/``: projects sent for approval to the user's regions, each
    with approve / reject (and a reason)."""

    template_name = "catalog/approvals.html"

    def get(self, request: Any) -> Any:
        return render(
            request,
            self.template_name,
            {"projects": awaiting_approval(fetched_by=request.user), "form": DecisionForm()},
        )


class ProjectDecideView(PortalAccessMixin, View):
    """``POST /catalog/projects/<pk>/decide/``: approve or reject (with a reason)."""

    def post(self, request: Any, pk: int) -> HttpResponseRedirect:
        project = project_get(fetched_by=request.user, pk=_pk(pk), action="certify")
        form = DecisionForm(request.POST)
        if not form.is_valid():
            messages.error(
                request,
                "；".join(str(e) for errors in form.errors.values() for e in errors),
            )
            return HttpResponseRedirect(reverse("catalog:approvals"))
        decide = (
            services.project_approve
            if form.cleaned_data["decision"] == "approve"
            else services.project_reject
        )
        try:
            decide(actor=request.user, project=project, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, "；".join(_message(m) for m in exc.messages))
        else:
            project.refresh_from_db()
            messages.success(
                request,
                _("「%(name)s」: %(state)s.")
                % {"name": project.name, "state": project.get_approval_status_display()},
            )
        return HttpResponseRedirect(reverse("catalog:approvals"))
