"""Pages of the semester plan (校本研修计划): the school's plans, the form of each layout
(rows added on the server, no script), one plan with its buttons, and the county's queue
of plans to approve.

Every page reads through :mod:`xuefen.activities.selectors` (the user's scope; out of
scope is a 404); every button posts to a view that validates a form and calls exactly one
service of :mod:`xuefen.activities.plans`. A refused action shows its reason on the page
it came from (status 400), never a 500.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import BaseFormSet, formset_factory
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.generic import View

from xuefen.credits.choices import Window
from xuefen.credits.procedure import window_open
from xuefen.credits.selectors import own_teacher
from xuefen.credits.submissions import may_act_for_school, may_certify
from xuefen.credits.windows import window_exception_open
from xuefen.org.scoping import can, get_scoped_or_404
from xuefen.portal.access import PortalAccessMixin

from .choices import ActivityType, PlanStatus, PlanTemplate, Tier
from .plans import (
    DALI_STEPS,
    EDITABLE,
    FIELD_LABELS,
    plan_approve,
    plan_create,
    plan_period,
    plan_return,
    plan_semester,
    plan_submit,
    plan_update,
)
from .selectors import (
    certifying_regions,
    county_plans,
    plan_get,
    plan_history,
    plan_list,
    plan_schools,
)
from .workflow import PLAN_MACHINE

# Primary keys are 64-bit: a larger number is no id.
_PK_MAX = 2**63 - 1
PAGE_SIZE = 50
PLAN_COLORS = {
    PlanStatus.DRAFT: "gray",
    PlanStatus.SUBMITTED: "blue",
    PlanStatus.APPROVED: "green",
    PlanStatus.RETURNED: "orange",
}
# Group names in one field: separated by commas, 、 or spaces.
_SEPARATORS = re.compile(r"[,，、;；\s]+")


def _area(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "cols": 28})


# -- forms ---------------------------------------------------------------------------------


class PlanForm(forms.Form):
    """The plan's header: title, goals, themes, the people responsible."""

    title = forms.CharField(label=_("Title"), max_length=200)
    goals = forms.CharField(label=_("Goals"), max_length=5000, widget=_area(4))
    themes = forms.CharField(label=_("Themes"), max_length=2000, widget=_area(3))
    responsible = forms.CharField(label=_("People responsible"), max_length=300)


class NewPlanForm(PlanForm):
    """A new plan also names its semester (this one or the next)."""

    semester = forms.ChoiceField(label=_("Semester"))
    field_order = ("semester", "title", "goals", "themes", "responsible")

    def __init__(self, *args: Any, semesters: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["semester"].choices = [
            (p.start.isoformat(), f"{p.name}（{p.start:%Y-%m-%d} – {p.end:%Y-%m-%d}）")
            for p in semesters
        ]


class MonthlyRowForm(forms.Form):
    """One planned activity of a month."""

    use_required_attribute = False  # spare rows stay blank

    month = forms.CharField(
        label=FIELD_LABELS["month"], max_length=7, widget=forms.TextInput(attrs={"type": "month"})
    )
    theme = forms.CharField(label=FIELD_LABELS["theme"], max_length=200)
    type = forms.ChoiceField(label=FIELD_LABELS["type"], choices=[("", "—"), *ActivityType.choices])
    groups = forms.CharField(label=FIELD_LABELS["groups"], max_length=500, required=False)
    responsible = forms.CharField(label=FIELD_LABELS["responsible"], max_length=100)

    def item(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["groups"] = [g for g in _SEPARATORS.split(data.get("groups") or "") if g]
        return {k: data[k] for k in ("month", "theme", "type", "groups", "responsible")}


class DaliStepForm(forms.Form):
    """One of the five steps: its phase, content and each tier's task."""

    use_required_attribute = False  # spare rows stay blank

    step = forms.CharField(max_length=20, widget=forms.HiddenInput)
    start = forms.DateField(
        label=FIELD_LABELS["start"], widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=FIELD_LABELS["end"], widget=forms.DateInput(attrs={"type": "date"}))
    content = forms.CharField(label=FIELD_LABELS["content"], max_length=2000, widget=_area(3))
    novice = forms.CharField(label=Tier.NOVICE.label, max_length=1000, required=False)
    growing = forms.CharField(label=Tier.GROWING.label, max_length=1000, required=False)
    key = forms.CharField(label=Tier.KEY.label, max_length=1000, required=False)

    def has_changed(self) -> bool:
        # The step's name is always there: a row counts once something else is filled in.
        return any(name != "step" for name in self.changed_data)

    def item(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "step": d["step"],
            "start": d["start"].isoformat(),
            "end": d["end"].isoformat(),
            "content": d["content"],
            "tasks": {t.value: d.get(t.value, "") for t in Tier},
        }


class SessionForm(forms.Form):
    """A centralized session with the six fixes (兰州 六定)."""

    use_required_attribute = False  # spare rows stay blank

    time = forms.DateTimeField(
        label=FIELD_LABELS["time"],
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    content = forms.CharField(label=FIELD_LABELS["content"], max_length=500)
    goal = forms.CharField(label=FIELD_LABELS["goal"], max_length=500)
    materials = forms.CharField(label=FIELD_LABELS["materials"], max_length=500)
    presenter = forms.CharField(label=FIELD_LABELS["presenter"], max_length=100)
    topic = forms.CharField(label=FIELD_LABELS["topic"], max_length=200)

    def item(self) -> dict[str, Any]:
        d = self.cleaned_data
        when = timezone.make_naive(d["time"]) if timezone.is_aware(d["time"]) else d["time"]
        return {
            "kind": "session",
            "time": when.strftime("%Y-%m-%dT%H:%M"),
            **{k: d[k] for k in ("content", "goal", "materials", "presenter", "topic")},
        }


class StudyForm(forms.Form):
    """Self-study with the four fixes (兰州 四定)."""

    use_required_attribute = False  # spare rows stay blank

    content = forms.CharField(label=FIELD_LABELS["content"], max_length=500)
    goal = forms.CharField(label=FIELD_LABELS["goal"], max_length=500)
    materials = forms.CharField(label=FIELD_LABELS["materials"], max_length=500)
    words = forms.IntegerField(label=FIELD_LABELS["words"], min_value=1, max_value=100_000)

    def item(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"kind": "self_study", **{k: d[k] for k in ("content", "goal", "materials")}} | {
            "words": d["words"]
        }


class RowFormSet(BaseFormSet):
    """Rows of a plan: every posted row is optional (a blank one is skipped), so the
    school can leave spare rows empty."""

    def initial_form_count(self) -> int:
        return 0 if self.is_bound else super().initial_form_count()


def _formset(form: type[forms.Form], *, deletable: bool = True) -> type[BaseFormSet]:
    return formset_factory(
        form, formset=RowFormSet, extra=0, can_delete=deletable, max_num=100, absolute_max=100
    )


MonthlyFormSet = _formset(MonthlyRowForm)
DaliFormSet = _formset(DaliStepForm, deletable=False)
SessionFormSet = _formset(SessionForm)
StudyFormSet = _formset(StudyForm)

# Each layout's row sets: (prefix, formset class, heading, the item's kind or None).
LAYOUTS: dict[str, list[tuple[str, Any, Any, str | None]]] = {
    PlanTemplate.MONTHLY: [("months", MonthlyFormSet, _("Activities by month"), None)],
    PlanTemplate.DALI_FIVE_STEPS: [("steps", DaliFormSet, _("The five steps"), None)],
    PlanTemplate.LANZHOU: [
        ("sessions", SessionFormSet, _("Centralized sessions (six fixes)"), "session"),
        ("study", StudyFormSet, _("Self-study (four fixes)"), "self_study"),
    ],
}


def _initial_rows(template: str, items: list[dict], kind: str | None) -> list[dict]:
    """A stored plan's rows as the form's initial values."""
    rows = [i for i in items if kind is None or i.get("kind") == kind]
    if template == PlanTemplate.MONTHLY:
        return [{**r, "groups": "、".join(r.get("groups") or [])} for r in rows] + [{}]
    if template == PlanTemplate.DALI_FIVE_STEPS:
        by_step = {r.get("step"): r for r in rows}
        return [{"step": step, **_flat_tasks(by_step.get(step, {}))} for step in DALI_STEPS]
    return [*rows, {}]


def _flat_tasks(row: dict) -> dict:
    tasks = row.get("tasks") or {}
    return {**{k: v for k, v in row.items() if k != "tasks"}, **tasks}


def _row_sets(template: str, *, data: Any = None, items: list[dict] | None = None) -> list:
    """The layout's formsets: bound to ``data``, or filled from ``items``."""
    sets = []
    for prefix, cls, heading, kind in LAYOUTS[template]:
        if data is not None:
            formset = cls(data, prefix=prefix)
        else:
            formset = cls(prefix=prefix, initial=_initial_rows(template, items or [], kind))
        sets.append({"prefix": prefix, "formset": formset, "heading": heading, "kind": kind})
    return sets


def _raw_rows(formset: Any) -> list[dict]:
    """The rows as typed (not validated), without those marked for deletion."""
    rows = []
    for form in formset.forms:
        values = {name: form[name].value() for name in form.base_fields}
        if values.pop("DELETE", False):
            continue
        rows.append(values)
    return rows


def _with_extra_row(template: str, sets: list, which: str) -> list:
    """The row sets as posted, unbound, with a blank row added to ``which`` (the "add a
    row" button: nothing is saved, nothing is judged)."""
    fresh = []
    for entry in sets:
        rows = _raw_rows(entry["formset"])
        if entry["prefix"] == which:
            rows.append({"step": ""} if template == PlanTemplate.DALI_FIVE_STEPS else {})
        cls = entry["formset"].__class__
        fresh.append({**entry, "formset": cls(prefix=entry["prefix"], initial=rows)})
    return fresh


def _typed(form: forms.Form) -> dict[str, Any]:
    """A bound form's values as typed, to show again unjudged."""
    return {name: form[name].value() for name in form.fields}


def _items(sets: list) -> list[dict] | None:
    """The rows of valid formsets as the service's items (blank and deleted rows left
    out); None if a formset has errors."""
    if not all(entry["formset"].is_valid() for entry in sets):
        return None
    items: list[dict] = []
    for entry in sets:
        formset = entry["formset"]
        for form in formset.forms:
            if not form.has_changed() or (formset.can_delete and form.cleaned_data.get("DELETE")):
                continue
            items.append(form.item())
    return items


def add_errors(form: forms.Form, exc: ValidationError) -> list[str]:
    """Put a service's refusal on the form (fields it names; the rest above the form);
    returns the messages about the planned rows (``items``)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return []
    rows: list[str] = []
    for key, errors in exc.error_dict.items():
        if key == "items":
            rows.extend(m for e in errors for m in e.messages)
        else:
            form.add_error(key if key in form.fields else NON_FIELD_ERRORS, errors)
    return rows


def _safe_next(request: Any, default: str) -> str:
    value = request.POST.get("next") or ""
    if value.startswith("/") and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}
    ):
        return value
    return default


def _pk(value: Any) -> int:
    if not isinstance(value, str) or not value.isdigit() or int(value) > _PK_MAX:
        raise Http404("no such object")
    return int(value)


def _may_write(user: Any, school: Any) -> bool:
    return can(user, "change", school) and may_act_for_school(user, school)


def _colored(plan: Any) -> Any:
    plan.color = PLAN_COLORS.get(plan.status, "gray")
    return plan


# -- the school's plans ------------------------------------------------------------------


def _semesters(school: Any, today: dt.date) -> list[Any]:
    """The semester of today and the next one (what a new plan may cover)."""
    try:
        current = plan_semester(school, semester_day=today)
        following = plan_semester(school, semester_day=current.end + dt.timedelta(days=1))
    except ValidationError:
        return []
    return [current, following]


class PlansView(PortalAccessMixin, View):
    """``/activities/plans/`` (``?school=``): the school's plans with their status and the
    county's reasons, the plan window of the current semester, the button for a new plan.
    A teacher sees their school's plans; a county's staff land on their queue."""

    def get(self, request: Any) -> HttpResponse:
        user = request.user
        schools = plan_schools(fetched_by=user)
        school_id = request.GET.get("school")
        if school_id:
            school = get_scoped_or_404(schools, user, "review", pk=_pk(school_id))
        else:
            picked = list(schools[:2])
            if len(picked) > 1:
                return HttpResponseRedirect(reverse("activities:plans_county"))
            if picked:
                school = picked[0]
            else:
                teacher = own_teacher(fetched_by=user)
                if teacher is None:
                    raise Http404("no school to show")
                school = teacher.school
        today = timezone.localdate()
        semesters = _semesters(school, today)
        window = None
        if semesters:
            is_open, span, exception = window_open(
                school=school, window=Window.PLAN, period=semesters[0], today=today
            )
            window = {"open": is_open, "span": span, "exception": exception}
        plans = [_colored(p) for p in plan_list(fetched_by=user, school=school)]
        return render(
            request,
            "activities/plans.html",
            {
                "school": school,
                "plans": plans,
                "today": today,
                "semester": semesters[0] if semesters else None,
                "window": window,
                "may_write": _may_write(user, school),
                "templates": PlanTemplate.choices,
            },
        )


# -- writing a plan ------------------------------------------------------------------------


def _form_context(**values: Any) -> dict[str, Any]:
    template = values["template"]
    return {
        "template_label": PlanTemplate(template).label,
        "row_errors": [],
        "tiers": list(Tier),
        **values,
    }


class PlanNewView(PortalAccessMixin, View):
    """``/activities/plans/new/?school=&template=``: a new plan of the chosen layout for
    this semester or the next (without ``template``: the choice of layouts)."""

    def _school(self, request: Any, source: Any) -> Any:
        user = request.user
        school = get_scoped_or_404(
            plan_schools(fetched_by=user), user, "change", pk=_pk(source.get("school"))
        )
        if not may_act_for_school(user, school):
            raise Http404("not this school's staff")
        return school

    def _template(self, source: Any) -> str | None:
        value = source.get("template")
        return value if value in PlanTemplate.values else None

    def get(self, request: Any) -> HttpResponse:
        school = self._school(request, request.GET)
        template = self._template(request.GET)
        semesters = _semesters(school, timezone.localdate())
        if template is None or not semesters:
            return render(
                request,
                "activities/plan_choose.html",
                {"school": school, "templates": PlanTemplate.choices, "semesters": semesters},
            )
        return render(
            request,
            "activities/plan_form.html",
            _form_context(
                school=school,
                plan=None,
                template=template,
                form=NewPlanForm(semesters=semesters),
                sets=_row_sets(template, items=[]),
            ),
        )

    def post(self, request: Any) -> HttpResponse:
        school = self._school(request, request.POST)
        template = self._template(request.POST)
        semesters = _semesters(school, timezone.localdate())
        if template is None or not semesters:
            raise Http404("no such layout or semester")
        form = NewPlanForm(request.POST, semesters=semesters)
        sets = _row_sets(template, data=request.POST)
        context = _form_context(school=school, plan=None, template=template, form=form)
        if request.POST.get("add"):
            context["sets"] = _with_extra_row(template, sets, request.POST["add"])
            context["form"] = NewPlanForm(initial=_typed(form), semesters=semesters)
            return render(request, "activities/plan_form.html", context)
        items = _items(sets)
        if form.is_valid() and items is not None:
            data = form.cleaned_data
            try:
                plan = plan_create(
                    actor=request.user,
                    school=school,
                    semester_day=dt.date.fromisoformat(data["semester"]),
                    title=data["title"],
                    template=template,
                    goals=data["goals"],
                    themes=data["themes"],
                    responsible=data["responsible"],
                    items=items,
                )
            except PermissionDenied:
                raise Http404("not this school's staff") from None
            except ValidationError as exc:
                context["row_errors"] = add_errors(form, exc)
            else:
                return HttpResponseRedirect(reverse("activities:plan", args=[plan.pk]))
        context["sets"] = sets
        return render(request, "activities/plan_form.html", context, status=400)


class PlanEditView(PortalAccessMixin, View):
    """``/activities/plans/<pk>/edit/``: change a draft or returned plan."""

    def _plan(self, request: Any, pk: int) -> Any:
        plan = plan_get(fetched_by=request.user, pk=pk, action="change")
        if not may_act_for_school(request.user, plan.school):
            raise Http404("not this school's staff")
        return plan

    def get(self, request: Any, pk: int) -> HttpResponse:
        plan = self._plan(request, pk)
        if plan.status not in EDITABLE:
            return HttpResponseRedirect(reverse("activities:plan", args=[plan.pk]))
        return render(
            request,
            "activities/plan_form.html",
            _form_context(
                school=plan.school,
                plan=plan,
                template=plan.template,
                form=PlanForm(
                    initial={
                        "title": plan.title,
                        "goals": plan.goals,
                        "themes": plan.themes,
                        "responsible": plan.responsible,
                    }
                ),
                sets=_row_sets(plan.template, items=plan.items),
            ),
        )

    def post(self, request: Any, pk: int) -> HttpResponse:
        plan = self._plan(request, pk)
        form = PlanForm(request.POST)
        sets = _row_sets(plan.template, data=request.POST)
        context = _form_context(school=plan.school, plan=plan, template=plan.template, form=form)
        if request.POST.get("add"):
            context["sets"] = _with_extra_row(plan.template, sets, request.POST["add"])
            context["form"] = PlanForm(initial=_typed(form))
            return render(request, "activities/plan_form.html", context)
        items = _items(sets)
        if form.is_valid() and items is not None:
            try:
                plan_update(actor=request.user, plan=plan, items=items, **form.cleaned_data)
            except PermissionDenied:
                raise Http404("not this school's staff") from None
            except ValidationError as exc:
                context["row_errors"] = add_errors(form, exc)
            else:
                return HttpResponseRedirect(reverse("activities:plan", args=[plan.pk]))
        context["sets"] = sets
        return render(request, "activities/plan_form.html", context, status=400)


# -- one plan ------------------------------------------------------------------------------


class ReasonForm(forms.Form):
    """A reason (returning a plan) or a note (submitting or approving it)."""

    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False, widget=_area())


class ExceptionForm(forms.Form):
    """The county keeps the plan window open for this school and semester."""

    open_until = forms.DateField(
        label=_("Open until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=_area())


def display_items(plan: Any) -> dict[str, list[dict]]:
    """The planned rows as the plan page shows them (labels instead of codes)."""
    types = dict(ActivityType.choices)
    shown: dict[str, list[dict]] = {"months": [], "steps": [], "sessions": [], "study": []}
    for item in plan.items or []:
        if plan.template == PlanTemplate.MONTHLY:
            shown["months"].append(
                {**item, "type_label": types.get(item.get("type"), item.get("type"))}
            )
        elif plan.template == PlanTemplate.DALI_FIVE_STEPS:
            tasks = item.get("tasks") or {}
            shown["steps"].append(
                {**item, "tier_tasks": [(t.label, tasks.get(t.value, "")) for t in Tier]}
            )
        elif item.get("kind") == "session":
            shown["sessions"].append({**item, "when": item.get("time", "").replace("T", " ")})
        else:
            shown["study"].append(item)
    return shown


def plan_context(request: Any, plan: Any, **forms_: Any) -> dict[str, Any]:
    """What the plan page shows; ``forms_`` replace blank forms with refused ones."""
    user = request.user
    school = plan.school
    today = timezone.localdate()
    staff = can(user, "review", plan)
    school_staff = staff and may_act_for_school(user, school)
    certifier = can(user, "certify", plan) and may_certify(user, school)
    actions = {t.name for t in PLAN_MACHINE.available(plan.status)}
    is_open, span, exception = window_open(
        school=school, window=Window.PLAN, period=plan_period(plan), today=today
    )
    may_submit = school_staff and "submit" in actions
    return {
        "plan": _colored(plan),
        "school": school,
        "shown": display_items(plan),
        "tiers": list(Tier),
        "today": today,
        "window": {"open": is_open, "span": span, "exception": exception},
        "may_edit": plan.status in EDITABLE and _may_write(user, school),
        "may_submit": may_submit,
        "may_approve": certifier and "approve" in actions,
        "may_return": certifier and "return" in actions,
        "submit_form": forms_.get("submit_form") or ReasonForm(auto_id="id_submit_%s"),
        "approve_form": forms_.get("approve_form") or ReasonForm(auto_id="id_approve_%s"),
        "return_form": forms_.get("return_form") or ReasonForm(auto_id="id_return_%s"),
        "exception_form": (forms_.get("exception_form") or ExceptionForm(auto_id="id_exception_%s"))
        if certifier and plan.status in EDITABLE and not is_open
        else None,
        "errors": forms_.get("errors", []),
        "history": plan_history(fetched_by=user, plan=plan) if staff else [],
    }


class PlanView(PortalAccessMixin, View):
    """``/activities/plans/<pk>/``: the plan with its rows, status and reasons, the
    buttons the user may press (edit, submit; approve, return), and its history."""

    def get(self, request: Any, pk: int) -> HttpResponse:
        plan = plan_get(fetched_by=request.user, pk=pk)
        return render(request, "activities/plan_detail.html", plan_context(request, plan))


ACTIONS = {"submit": plan_submit, "approve": plan_approve, "return": plan_return}


class PlanActView(PortalAccessMixin, View):
    """``POST /activities/plans/<pk>/<action>/`` (reason; ``next``): submit, approve or
    return the plan; a refusal is shown on the plan page."""

    def post(self, request: Any, pk: int, action: str) -> HttpResponse:
        service = ACTIONS.get(action)
        if service is None:
            raise Http404("no such action")
        plan = plan_get(fetched_by=request.user, pk=pk)
        form = ReasonForm(request.POST, auto_id=f"id_{action}_%s")
        if form.is_valid():
            try:
                service(actor=request.user, plan=plan, reason=form.cleaned_data["reason"])
            except PermissionDenied:
                raise Http404("no such plan") from None
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return HttpResponseRedirect(
                    _safe_next(request, reverse("activities:plan", args=[plan.pk]))
                )
        plan = plan_get(fetched_by=request.user, pk=pk)
        context = plan_context(request, plan, **{f"{action}_form": form})
        return render(request, "activities/plan_detail.html", context, status=400)


class PlanWindowView(PortalAccessMixin, View):
    """``POST /activities/plans/<pk>/window/`` (open_until, reason): the county keeps the
    plan window open for this school and semester (an audited window exception)."""

    def post(self, request: Any, pk: int) -> HttpResponse:
        plan = plan_get(fetched_by=request.user, pk=pk, action="certify")
        form = ExceptionForm(request.POST, auto_id="id_exception_%s")
        if form.is_valid():
            try:
                window_exception_open(
                    actor=request.user,
                    node=plan.school,
                    window=Window.PLAN,
                    period=plan_period(plan),
                    open_until=form.cleaned_data["open_until"],
                    reason=form.cleaned_data["reason"],
                )
            except PermissionDenied:
                raise Http404("no such plan") from None
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return HttpResponseRedirect(reverse("activities:plan", args=[plan.pk]))
        context = plan_context(request, plan, exception_form=form)
        return render(request, "activities/plan_detail.html", context, status=400)


# -- the county's queue --------------------------------------------------------------------

COUNTY_FILTERS = [
    (PlanStatus.SUBMITTED.value, PlanStatus.SUBMITTED.label),
    (PlanStatus.APPROVED.value, PlanStatus.APPROVED.label),
    (PlanStatus.RETURNED.value, PlanStatus.RETURNED.label),
    ("all", _("All but drafts")),
]


class CountyPlansView(PortalAccessMixin, View):
    """``/activities/plans/county/?status=``: the plans of the schools under the user's
    region — submitted ones first, to approve or return with reasons (``status`` shows
    the approved, the returned, or all but drafts)."""

    def get(self, request: Any) -> HttpResponse:
        user = request.user
        status = request.GET.get("status") or PlanStatus.SUBMITTED
        if status not in dict(COUNTY_FILTERS):
            status = PlanStatus.SUBMITTED
        plans = county_plans(fetched_by=user, status=None if status == "all" else status)
        page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [_colored(p) for p in page.object_list]
        regions = certifying_regions(p.school for p in rows)
        for plan in rows:
            region = regions.get(plan.school_id)
            decides = region is not None and may_certify(user, plan.school, region=region)
            plan.may_approve = decides and plan.status == PlanStatus.SUBMITTED
            plan.may_return = decides and plan.status in (
                PlanStatus.SUBMITTED,
                PlanStatus.APPROVED,
            )
        return render(
            request,
            "activities/plans_county.html",
            {
                "rows": rows,
                "page_obj": page,
                "status": status,
                "filters": COUNTY_FILTERS,
                "here": request.get_full_path(),
            },
        )


urlpatterns: list = [
    path("plans/", PlansView.as_view(), name="plans"),
    path("plans/new/", PlanNewView.as_view(), name="plan_new"),
    path("plans/county/", CountyPlansView.as_view(), name="plans_county"),
    path("plans/<int:pk>/", PlanView.as_view(), name="plan"),
    path("plans/<int:pk>/edit/", PlanEditView.as_view(), name="plan_edit"),
    path("plans/<int:pk>/window/", PlanWindowView.as_view(), name="plan_window"),
    path(
        "plans/<int:pk>/<str:action>/",
        PlanActView.as_view(),
        name="plan_act",
    ),
]
