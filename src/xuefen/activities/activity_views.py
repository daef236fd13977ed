"""Pages of school-based activities: the school's list, the form, one activity with its
participants, roles, materials and leave requests, the attendance sheet, closing and
cancelling; the teacher's leave request and the administrator's leave decisions.

Every page reads through :mod:`xuefen.activities.selectors` (the user's scope; out of
scope is a 404); every button posts to a view that validates a form and calls exactly one
service of :mod:`xuefen.activities.services`. A refused action shows its reason on the
page it came from (status 400), never a 500.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View

from xuefen.jobs.choices import JobKind
from xuefen.jobs.services import job_start
from xuefen.org.scoping import can, get_scoped_or_404
from xuefen.portal.access import PortalAccessMixin
from xuefen.portal.htmx import is_htmx
from xuefen.records.evidence import INLINE_TYPES, file_type_of

from . import services
from .choices import (
    ATTENDANCE_COLORS,
    REQUIRED_MATERIALS,
    ActivityStatus,
    ActivityType,
    Attendance,
    LeaveStatus,
    RoleKind,
    Tier,
)
from .models import ActivityRole, Participation
from .selectors import (
    ACTIVITY_PAGE_SIZE,
    activity_get,
    activity_leaves,
    activity_list,
    activity_materials,
    activity_participants,
    activity_roles,
    activity_schools,
    leave_get,
    makeup_candidates,
    material_get,
    pending_leaves,
    school_groups,
    school_plans,
    school_teachers,
)
from .workflow import ACTIVITY_MACHINE

# Primary keys are 64-bit: a larger number is no id.
_PK_MAX = 2**63 - 1
STATUS_COLORS = {
    ActivityStatus.PLANNED: "blue",
    ActivityStatus.CLOSED: "green",
    ActivityStatus.CANCELLED: "gray",
}
LEAVE_COLORS = {
    LeaveStatus.PENDING: "orange",
    LeaveStatus.APPROVED: "green",
    LeaveStatus.REFUSED: "red",
}
_DT_FORMAT = "%Y-%m-%dT%H:%M"


def _area(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "cols": 28})


def _pk(value: Any) -> int:
    """A primary key from the URL or a form, or 404."""
    text = str(value)
    if not text.isdigit() or int(text) > _PK_MAX or int(text) < 1:
        raise Http404("no such object")
    return int(text)


def add_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's refusal on the form: errors on the form's fields where they are
    named, the others above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, errors in exc.error_dict.items():
        form.add_error(key if key in form.fields else NON_FIELD_ERRORS, errors)


# -- forms -------------------------------------------------------------------------------


class _DateTime(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_DT_FORMAT)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            input_formats=[_DT_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"], **kwargs
        )


class ActivityForm(forms.Form):
    """An activity's values; the pickers hold only the school's own groups, teachers,
    plans and activities (another id is "not one of the choices")."""

    theme = forms.CharField(label=gettext_lazy("Theme"), max_length=200)
    type = forms.ChoiceField(label=gettext_lazy("Type"), choices=ActivityType.choices)
    tier = forms.ChoiceField(
        label=gettext_lazy("Tier"), choices=[("", "—"), *Tier.choices], required=False
    )
    groups = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Subject groups"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None: every teacher of the school takes part."),
    )
    place = forms.CharField(label=gettext_lazy("Place"), max_length=200)
    starts_at = _DateTime(label=gettext_lazy("Starts at"))
    ends_at = _DateTime(label=gettext_lazy("Ends at"))
    hours = forms.DecimalField(
        label=gettext_lazy("Hours"), min_value=0.1, max_value=24, decimal_places=1
    )
    presenter = forms.ModelChoiceField(
        label=gettext_lazy("Presenter"), queryset=None, required=False
    )
    plan = forms.ModelChoiceField(
        label=gettext_lazy("Semester plan"),
        queryset=None,
        required=False,
        help_text=gettext_lazy("Only an activity under a plan the county approved earns hours."),
    )
    makeup_of = forms.ModelChoiceField(
        label=gettext_lazy("Make-up session for"), queryset=None, required=False
    )

    def __init__(self, *args: Any, user: Any, school: Any, activity: Any = None, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["groups"].queryset = school_groups(fetched_by=user, school=school)
        self.fields["presenter"].queryset = school_teachers(fetched_by=user, school=school)
        self.fields["plan"].queryset = school_plans(fetched_by=user, school=school)
        # The 50 most recent activities (and the one chosen before) are offered.
        candidates = makeup_candidates(fetched_by=user, school=school, exclude=activity).filter(
            makeup_of__isnull=True
        )
        offered = list(candidates.values_list("pk", flat=True)[:50])
        if activity is not None and activity.makeup_of_id:
            offered.append(activity.makeup_of_id)
        self.fields["makeup_of"].queryset = candidates.filter(pk__in=offered)
        self.fields["plan"].label_from_instance = lambda p: (
            f"{p.label} {p.title}（{p.get_status_display()}）"
        )


class ReasonForm(forms.Form):
    """A reason (cancelling; refusing a leave)."""

    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000, widget=_area())


class LeaveForm(forms.Form):
    """The teacher's leave request."""

    reason = forms.CharField(
        label=gettext_lazy("Why can you not attend?"), max_length=2000, widget=_area(3)
    )


class DecideForm(forms.Form):
    """The administrator's decision on a leave request."""

    decision = forms.ChoiceField(
        choices=[("approve", gettext_lazy("Approve")), ("refuse", gettext_lazy("Refuse"))]
    )
    answer = forms.CharField(
        label=gettext_lazy("Answer (required to refuse)"),
        max_length=2000,
        required=False,
        widget=_area(),
    )


class AttendanceForm(forms.Form):
    """One line of the attendance sheet."""

    participation = forms.IntegerField(min_value=1, max_value=_PK_MAX, widget=forms.HiddenInput)
    state = forms.ChoiceField(choices=[(s.value, s.label) for s in services.SHEET_STATES])
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000, required=False)


class MaterialForm(forms.Form):
    """Uploading a material."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=list(services.MATERIAL_LABELS.items())
    )
    file = forms.FileField(label=gettext_lazy("File"))


class TeacherPickForm(forms.Form):
    """A teacher of the school (adding a participant) and, for roles, the role."""

    teacher = forms.ModelChoiceField(label=gettext_lazy("Teacher"), queryset=None)

    def __init__(self, *args: Any, user: Any, school: Any, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["teacher"].queryset = school_teachers(fetched_by=user, school=school)


class RoleForm(TeacherPickForm):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=RoleKind.choices)


class MakeupForm(forms.Form):
    """How a miss was made up: a make-up session of the school, or a note."""

    makeup_activity = forms.ModelChoiceField(
        label=gettext_lazy("Make-up session"), queryset=None, required=False
    )
    note = forms.CharField(
        label=gettext_lazy("Or how it was made up"), max_length=2000, required=False
    )

    def __init__(self, *args: Any, user: Any, activity: Any, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["makeup_activity"].queryset = makeup_candidates(
            fetched_by=user, school=activity.school, exclude=activity
        ).filter(starts_at__gt=activity.starts_at)


# -- the school's list -------------------------------------------------------------------


def _school(request: Any, value: Any = None) -> Any:
    """The school the page is about: ``?school=`` among the user's, else their only one;
    None when they have several and chose none."""
    schools = activity_schools(fetched_by=request.user)
    value = value if value is not None else request.GET.get("school")
    if value:
        return get_scoped_or_404(schools, request.user, "review", pk=_pk(value))
    picked = list(schools[:2])
    if not picked:
        raise Http404("no school")
    return picked[0] if len(picked) == 1 else None


class ListView(PortalAccessMixin, View):
    """``/activities/list/``: the school's activities, upcoming or past, by group and
    type, 20 a page (``?school=&when=upcoming|past&group=&type=&page=``). An htmx request
    gets the rows alone."""

    def get(self, request: Any) -> HttpResponse:
        user = request.user
        school = _school(request)
        if school is None:
            return render(
                request,
                "activities/activity_schools.html",
                {"schools": list(activity_schools(fetched_by=user)[:500])},
            )
        when = "past" if request.GET.get("when") == "past" else "upcoming"
        groups = list(school_groups(fetched_by=user, school=school))
        group = None
        group_value = request.GET.get("group") or ""
        if group_value:
            group = next((g for g in groups if str(g.pk) == group_value), None)
            if group is None:
                raise Http404("no such group")
        type_value = request.GET.get("type") or ""
        if type_value and type_value not in ActivityType.values:
            type_value = ""
        qs = activity_list(fetched_by=user, school=school, when=when, group=group, type=type_value)
        page = Paginator(qs, ACTIVITY_PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
        for activity in rows:
            activity.color = STATUS_COLORS.get(activity.status, "gray")
        query = f"school={school.pk}&when={when}"
        if group is not None:
            query += f"&group={group.pk}"
        if type_value:
            query += f"&type={quote(type_value)}"
        context = {
            "school": school,
            "when": when,
            "groups": groups,
            "group": group,
            "types": ActivityType.choices,
            "type": type_value,
            "page_obj": page,
            "activities": rows,
            "query": query,
            "may_create": can(user, "change", school),
            "pending_leaves": pending_leaves(fetched_by=user, school=school).count(),
        }
        template = "activities/activity_list.html"
        if is_htmx(request):
            template = "activities/partials/activity_rows.html"
        response = render(request, template, context)
        response["Vary"] = "HX-Request"
        return response


# -- the form ----------------------------------------------------------------------------


def _form_values(form: ActivityForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data["groups"] = list(data.get("groups") or [])
    data["tier"] = data.get("tier") or ""
    return data


class NewView(PortalAccessMixin, View):
    """``/activities/new/?school=``: plan an activity (the school administrator)."""

    def school(self, request: Any) -> Any:
        school = _school(request, request.GET.get("school") or request.POST.get("school"))
        if school is None or not can(request.user, "change", school):
            raise Http404("no school to plan for")
        return school

    def get(self, request: Any) -> HttpResponse:
        school = self.school(request)
        initial: dict[str, Any] = {"type": ActivityType.SEMINAR, "hours": 2}
        makeup = request.GET.get("makeup_of")
        if makeup:
            initial["makeup_of"] = _pk(makeup)
        form = ActivityForm(initial=initial, user=request.user, school=school)
        return render(request, "activities/activity_form.html", {"form": form, "school": school})

    def post(self, request: Any) -> HttpResponse:
        school = self.school(request)
        form = ActivityForm(request.POST, user=request.user, school=school)
        if form.is_valid():
            try:
                activity = services.activity_create(
                    actor=request.user, school=school, **_form_values(form)
                )
            except PermissionDenied:
                raise Http404("no school") from None
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return HttpResponseRedirect(reverse("activities:detail", args=[activity.pk]))
        return render(
            request,
            "activities/activity_form.html",
            {"form": form, "school": school},
            status=400,
        )


class EditView(PortalAccessMixin, View):
    """``/activities/<pk>/edit/``: change a planned activity."""

    def get(self, request: Any, pk: int) -> HttpResponse:
        activity = activity_get(fetched_by=request.user, pk=pk, action="change")
        initial = {
            name: getattr(activity, name)
            for name in ("theme", "type", "tier", "place", "hours", "presenter", "plan")
        }
        initial["makeup_of"] = activity.makeup_of
        initial["groups"] = list(activity.groups.all())
        initial["starts_at"] = timezone.localtime(activity.starts_at)
        initial["ends_at"] = timezone.localtime(activity.ends_at)
        form = ActivityForm(
            initial=initial, user=request.user, school=activity.school, activity=activity
        )
        return render(
            request,
            "activities/activity_form.html",
            {"form": form, "school": activity.school, "activity": activity},
        )

    def post(self, request: Any, pk: int) -> HttpResponse:
        activity = activity_get(fetched_by=request.user, pk=pk, action="change")
        form = ActivityForm(
            request.POST, user=request.user, school=activity.school, activity=activity
        )
        if form.is_valid():
            try:
                services.activity_update(
                    actor=request.user, activity=activity, **_form_values(form)
                )
            except PermissionDenied:
                raise Http404("no such activity") from None
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return HttpResponseRedirect(reverse("activities:detail", args=[activity.pk]))
        return render(
            request,
            "activities/activity_form.html",
            {"form": form, "school": activity.school, "activity": activity},
            status=400,
        )


# -- one activity ------------------------------------------------------------------------


def detail_context(request: Any, activity: Any, **given: Any) -> dict[str, Any]:
    """What the activity's page shows; ``given`` replaces blank forms with refused ones
    (``cancel_form``, ``material_form``, ``role_form``, ``participant_form``,
    ``makeup_forms`` by participation id) and adds ``errors``."""
    user = request.user
    staff = can(user, "change", activity)
    reviewer = can(user, "review", activity)
    planned = activity.status == ActivityStatus.PLANNED
    participants = activity_participants(fetched_by=user, activity=activity)
    makeup_forms = given.get("makeup_forms", {})
    for row in participants:
        row.color = ATTENDANCE_COLORS.get(row.state, "gray")
        row.makeup_form = None
        if staff and row.state in services.MISSED and activity.status != "cancelled":
            row.makeup_form = makeup_forms.get(row.pk) or MakeupForm(
                user=user, activity=activity, auto_id=f"id_makeup_{row.pk}_%s"
            )
    materials = activity_materials(fetched_by=user, activity=activity)
    for material in materials:
        material.kind_label = services.MATERIAL_LABELS.get(material.kind, material.kind)
    missing = services.materials_missing(m.kind for m in materials)
    leaves = activity_leaves(fetched_by=user, activity=activity)
    for leave in leaves:
        leave.color = LEAVE_COLORS.get(leave.status, "gray")
    counts = {s: 0 for s in Attendance.values}
    for row in participants:
        counts[row.state] += 1
    mine = next((p for p in participants if p.teacher.user_id == user.pk), None)
    my_leave = next(
        (
            lv
            for lv in leaves
            if mine is not None
            and lv.teacher_id == mine.teacher_id
            and lv.status in (LeaveStatus.PENDING, LeaveStatus.APPROVED)
        ),
        None,
    )
    now = timezone.now()
    actions = [t.name for t in ACTIVITY_MACHINE.available(activity.status)] if staff else []
    return {
        "activity": activity,
        "color": STATUS_COLORS.get(activity.status, "gray"),
        "groups": list(activity.groups.all()),
        "staff": staff,
        "reviewer": reviewer,
        "planned": planned,
        "participants": participants,
        "counts": [(Attendance(s).label, n, ATTENDANCE_COLORS[s]) for s, n in counts.items() if n],
        "taken_roles": activity_roles(fetched_by=user, activity=activity),
        "materials": materials,
        "missing": [services.MATERIAL_LABELS[k] for k in missing],
        "required": [services.MATERIAL_LABELS[k] for k in REQUIRED_MATERIALS],
        "leaves": leaves,
        "mine": mine,
        "my_leave": my_leave,
        "may_ask_leave": (
            mine is not None
            and planned
            and now < activity.starts_at
            and my_leave is None
            and mine.state == Attendance.EXPECTED
        ),
        "may_withdraw_leave": my_leave is not None and planned and now < activity.starts_at,
        "may_close": "close" in actions and now >= activity.starts_at,
        "close_from": activity.starts_at if "close" in actions else None,
        "cancel_form": given.get("cancel_form")
        or (ReasonForm(auto_id="id_cancel_%s") if "cancel" in actions else None),
        "material_form": given.get("material_form")
        or (MaterialForm() if staff and activity.status != "cancelled" else None),
        "may_confirm": reviewer
        and activity.status != "cancelled"
        and activity.materials_confirmed_at is None,
        "role_form": given.get("role_form")
        or (
            RoleForm(user=user, school=activity.school, auto_id="id_role_%s")
            if staff and planned
            else None
        ),
        "participant_form": given.get("participant_form")
        or (
            TeacherPickForm(user=user, school=activity.school, auto_id="id_participant_%s")
            if staff and planned
            else None
        ),
        "errors": given.get("errors", []),
        "earns": activity.earns,
    }


def _detail_error(request: Any, activity: Any, **given: Any) -> HttpResponse:
    return render(
        request,
        "activities/activity_detail.html",
        detail_context(request, activity, **given),
        status=400,
    )


def _back(activity: Any, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("activities:detail", args=[activity.pk]) + anchor)


def _messages(exc: ValidationError) -> list[str]:
    return list(exc.messages)


class DetailView(PortalAccessMixin, View):
    """``/activities/<pk>/``: the activity with its participants (staff; a teacher sees
    their own line and the leave button), roles, materials with their completeness,
    leave requests, and the buttons."""

    def get(self, request: Any, pk: int) -> HttpResponse:
        activity = activity_get(fetched_by=request.user, pk=pk)
        return render(request, "activities/activity_detail.html", detail_context(request, activity))


class CloseView(PortalAccessMixin, View):
    """``POST /activities/<pk>/close/``: close it; the records are generated."""

    def post(self, request: Any, pk: int) -> HttpResponse:
        activity = activity_get(fetched_by=request.user, pk=pk, action="change")
        limit = getattr(settings, "XUEFEN_CLOSE_INLINE_MAX", 300)
        if activity.participants.count() > limit:
            # Thousands of records: the worker generates them, the job's page tells.
            job = job_start(
                actor=request.user,
                kind=JobKind.CLOSE_ACTIVITY,
                node=activity.school,
                activity=activity.pk,
            )
            return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
        try:
            closed = services.activity_close(actor=request.user, activity=activity)
        except PermissionDenied:
            raise Http404("no such activity") from None
        except ValidationError as exc:
            return _detail_error(request, activity, errors=_messages(exc))
        messages.success(
            request,
            _("Closed: %(n)d records generated, waiting for review.") % {"n": len(closed.created)},
        )
        return _back(activity)


class CancelView(PortalAccessMixin, View):
    """``POST /activities/<pk>/cancel/`` (reason)."""

    def post(self, request: Any, pk: int) -> HttpResponse:
        activity = activity_get(fetched_by=request.user, pk=pk, action="change")
        form = ReasonForm(request.POST, auto_id="id_cancel_%s")
        if form.is_valid():
            try:
                services.activity_cancel(
                    actor=request.user, activity=activity, reason=form.cleaned_data["reason"]
                )
            except PermissionDenied:
                raise Http404("no such activity") from None
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return _back(activity)
        return _detail_error(request, activity, cancel_form=form)


# -- participants, roles, make-up ---------------------------------------------------------


class ParticipantAddView(PortalAccessMixin, View):
    """``POST /activities/<pk>/participants/`` (teacher)."""

    def post(self, request: Any, pk: int) -> HttpResponse:
        activity = activity_get(fetched_by=request.user, pk=pk, action="change")
        form = TeacherPickForm(
            request.POST, user=request.user, school=activity.school, auto_id="id_participant_%s"
        )
        if form.is_valid():
            try:
                services.participant_add(
                    actor=request.user, activity=activity, teacher=form.cleaned_data["teacher"]
                )
            except PermissionDenied:
                raise Http404("no such activity") from None
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return _back(activity, "#participants")
        return _detail_error(request, activity, participant_form=form)


def _participation(request: Any, pk: int) -> Participation:
    return get_scoped_or_404(
        Participation.objects.select_related("activity", "activity__school", "teacher"),
        request.user,
        "view",
        pk=_pk(pk),
    )


class ParticipantRemoveView(PortalAccessMixin, View):
    """``POST /activities/participant/<pk>/remove/``."""

    def post(self, request: Any, pk: int) -> HttpResponse:
        row = _participation(request, pk)
        activity = activity_get(fetched_by=request.user, pk=row.activity_id, action="change")
        try:
            services.participant_remove(actor=request.user, participation=row)
        except PermissionDenied:
            raise Http404("no such participant") from None
        except ValidationError as exc:
            return _detail_error(request, activity, errors=_messages(exc))
        return _back(activity, "#participants")


class MakeupView(PortalAccessMixin, View):
    """``POST /activities/participant/<pk>/makeup/`` (makeup_activity or note): the miss
    was made up; a closed activity's records follow (a certified one is not touched, and
    the page says so)."""

    def post(self, request: Any, pk: int) -> HttpResponse:
        row = _participation(request, pk)
        activity = activity_get(fetched_by=request.user, pk=row.activity_id, action="change")
        form = MakeupForm(
            request.POST, user=request.user, activity=activity, auto_id=f"id_makeup_{row.pk}_%s"
        )
        if form.is_valid():
            try:
                done = services.makeup_record(
                    actor=request.user,
                    participation=row,
                    makeup_activity=form.cleaned_data["makeup_activity"],
                    note=form.cleaned_data["note"],
                )
            except PermissionDenied:
                raise Http404("no such participant") from None
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                synced = done.synced
                if synced is not None and synced.untouched:
                    messages.warning(
                        request,
                        _(
                            "%(name)s: made up. %(n)d certified record(s) were not changed: "
                            "a certified record changes only by the county's revocation."
                        )
                        % {"name": row.teacher.name, "n": len(synced.untouched)},
                    )
                else:
                    messages.success(request, _("%(name)s: made up.") % {"name": row.teacher.name})
                return _back(activity, "#participants")
        return _detail_error(request, activity, makeup_forms={row.pk: form})


class RolesView(PortalAccessMixin, View):
    """``POST /activities/<pk>/roles/`` (teacher, role): a role taken."""

    def post(self, request: Any, pk: int) -> HttpResponse:
        activity = activity_get(fetched_by=request.user, pk=pk, action="change")
        form = RoleForm(
            request.POST, user=request.user, school=activity.school, auto_id="id_role_%s"
        )
        if form.is_valid():
            try:
                services.role_assign(
                    actor=request.user,
                    activity=activity,
                    teacher=form.cleaned_data["teacher"],
                    role=form.cleaned_data["role"],
                )
            except PermissionDenied:
                raise Http404("no such activity") from None
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return _back(activity, "#roles")
        return _detail_error(request, activity, role_form=form)


class RoleRemoveView(PortalAccessMixin, View):
    """``POST /activities/role/<pk>/remove/``."""

    def post(self, request: Any, pk: int) -> HttpResponse:
        role = get_scoped_or_404(
            ActivityRole.objects.select_related("activity"), request.user, "change", pk=_pk(pk)
        )
        activity = activity_get(fetched_by=request.user, pk=role.activity_id, action="change")
        try:
            services.role_remove(actor=request.user, role=role)
        except PermissionDenied:
            raise Http404("no such role") from None
        except ValidationError as exc:
            return _detail_error(request, activity, errors=_messages(exc))
        return _back(activity, "#roles")


# -- materials ---------------------------------------------------------------------------


class MaterialAddView(PortalAccessMixin, View):
    """``POST /activities/<pk>/materials/`` (kind, file): checked by its content."""

    def post(self, request: Any, pk: int) -> HttpResponse:
        activity = activity_get(fetched_by=request.user, pk=pk, action="change")
        form = MaterialForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.material_add(
                    actor=request.user,
                    activity=activity,
                    kind=form.cleaned_data["kind"],
                    file=form.cleaned_data["file"],
                )
            except PermissionDenied:
                raise Http404("no such activity") from None
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return _back(activity, "#materials")
        return _detail_error(request, activity, material_form=form)


class MaterialView(PortalAccessMixin, View):
    """``/activities/material/<pk>/``: the file, to whoever may see the activity (every
    teacher of the school); PDFs and images open in place, others download; the type
    detected at upload, never guessed again (``nosniff``)."""

    def get(self, request: Any, pk: int) -> FileResponse:
        from xuefen.records.views import _disposition

        material = material_get(fetched_by=request.user, pk=_pk(pk))
        file_type = file_type_of(material.file.name)
        try:
            handle = material.file.open("rb")
        except FileNotFoundError:
            raise Http404("file missing") from None
        response = FileResponse(
            handle, content_type=material.content_type or "application/octet-stream"
        )
        disposition = "inline" if file_type in INLINE_TYPES else "attachment"
        response["Content-Disposition"] = _disposition(disposition, material.name)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class MaterialDeleteView(PortalAccessMixin, View):
    """``POST /activities/material/<pk>/delete/``."""

    def post(self, request: Any, pk: int) -> HttpResponse:
        material = material_get(fetched_by=request.user, pk=_pk(pk), action="change")
        activity = activity_get(fetched_by=request.user, pk=material.activity_id)
        try:
            services.material_delete(actor=request.user, material=material)
        except PermissionDenied:
            raise Http404("no such material") from None
        except ValidationError as exc:
            return _detail_error(request, activity, errors=_messages(exc))
        return _back(activity, "#materials")


class MaterialsConfirmView(PortalAccessMixin, View):
    """``POST /activities/<pk>/materials/confirm/``: the file is complete."""

    def post(self, request: Any, pk: int) -> HttpResponse:
        activity = activity_get(fetched_by=request.user, pk=pk, action="review")
        try:
            services.materials_confirm(actor=request.user, activity=activity)
        except PermissionDenied:
            raise Http404("no such activity") from None
        except ValidationError as exc:
            return _detail_error(request, activity, errors=_messages(exc))
        return _back(activity, "#materials")


# -- the attendance sheet ----------------------------------------------------------------


def _sheet(request: Any, activity: Any, *, form: Any = None, row_pk: Any = None, status=200):
    rows = activity_participants(fetched_by=request.user, activity=activity)
    for row in rows:
        row.color = ATTENDANCE_COLORS.get(row.state, "gray")
        row.form = (
            form
            if form is not None and row.pk == row_pk
            else AttendanceForm(
                initial={"participation": row.pk, "state": row.state},
                auto_id=f"id_att_{row.pk}_%s",
            )
        )
    return render(
        request,
        "activities/activity_attendance.html",
        {
            "activity": activity,
            "rows": rows,
            "planned": activity.status == ActivityStatus.PLANNED,
            "states": services.SHEET_STATES,
        },
        status=status,
    )


class AttendanceView(PortalAccessMixin, View):
    """``/activities/<pk>/attendance/``: the sheet; ``POST`` (participation, state,
    reason) marks one teacher present (signed in by hand), absent or on leave."""

    def get(self, request: Any, pk: int) -> HttpResponse:
        activity = activity_get(fetched_by=request.user, pk=pk, action="change")
        return _sheet(request, activity)

    def post(self, request: Any, pk: int) -> HttpResponse:
        activity = activity_get(fetched_by=request.user, pk=pk, action="change")
        raw = request.POST.get("participation", "")
        row = get_scoped_or_404(
            Participation.objects.filter(activity_id=activity.pk).select_related("teacher"),
            request.user,
            "change",
            pk=_pk(raw),
        )
        form = AttendanceForm(request.POST, auto_id=f"id_att_{row.pk}_%s")
        if form.is_valid():
            try:
                services.attendance_set(
                    actor=request.user,
                    participation=row,
                    state=form.cleaned_data["state"],
                    reason=form.cleaned_data["reason"],
                )
            except PermissionDenied:
                raise Http404("no such participant") from None
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return HttpResponseRedirect(
                    reverse("activities:attendance", args=[activity.pk]) + f"#p{row.pk}"
                )
        return _sheet(request, activity, form=form, row_pk=row.pk, status=400)


# -- leave -------------------------------------------------------------------------------


class LeaveNewView(PortalAccessMixin, View):
    """``/activities/<pk>/leave/``: the teacher asks for leave (before it starts)."""

    def get(self, request: Any, pk: int) -> HttpResponse:
        activity = activity_get(fetched_by=request.user, pk=pk)
        return render(
            request, "activities/leave_form.html", {"activity": activity, "form": LeaveForm()}
        )

    def post(self, request: Any, pk: int) -> HttpResponse:
        activity = activity_get(fetched_by=request.user, pk=pk)
        form = LeaveForm(request.POST)
        if form.is_valid():
            try:
                services.leave_request(
                    actor=request.user, activity=activity, reason=form.cleaned_data["reason"]
                )
            except PermissionDenied:
                form.add_error(None, _("Only a teacher of this activity asks for leave."))
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Your leave request was sent to the school."))
                return _back(activity, "#mine")
        return render(
            request,
            "activities/leave_form.html",
            {"activity": activity, "form": form},
            status=400,
        )


class LeaveWithdrawView(PortalAccessMixin, View):
    """``POST /activities/leave/<pk>/withdraw/``: the teacher takes it back."""

    def post(self, request: Any, pk: int) -> HttpResponse:
        leave = leave_get(fetched_by=request.user, pk=_pk(pk), action="change")
        activity = activity_get(fetched_by=request.user, pk=leave.activity_id)
        try:
            services.leave_withdraw(actor=request.user, leave=leave)
        except PermissionDenied:
            raise Http404("not your request") from None
        except ValidationError as exc:
            return _detail_error(request, activity, errors=_messages(exc))
        return _back(activity, "#mine")


class LeavesView(PortalAccessMixin, View):
    """``/activities/leaves/?school=``: the leave requests waiting for a decision."""

    def get(self, request: Any) -> HttpResponse:
        school = _school(request)
        if school is None:
            return render(
                request,
                "activities/activity_schools.html",
                {"schools": list(activity_schools(fetched_by=request.user)[:500]), "leaves": True},
            )
        page = Paginator(pending_leaves(fetched_by=request.user, school=school), 50).get_page(
            request.GET.get("page")
        )
        return render(
            request,
            "activities/leave_list.html",
            {"school": school, "page_obj": page, "leaves": list(page.object_list)},
        )


class LeaveDecideView(PortalAccessMixin, View):
    """``/activities/leave/<pk>/``: one request; ``POST`` (decision, answer) approves or
    refuses it (a reason is required to refuse)."""

    def render_page(self, request: Any, leave: Any, form: Any, status: int = 200) -> HttpResponse:
        return render(
            request,
            "activities/leave_decide.html",
            {
                "leave": leave,
                "color": LEAVE_COLORS.get(leave.status, "gray"),
                "form": form if leave.status == LeaveStatus.PENDING else None,
            },
            status=status,
        )

    def get(self, request: Any, pk: int) -> HttpResponse:
        leave = leave_get(fetched_by=request.user, pk=_pk(pk), action="review")
        return self.render_page(request, leave, DecideForm())

    def post(self, request: Any, pk: int) -> HttpResponse:
        leave = leave_get(fetched_by=request.user, pk=_pk(pk), action="review")
        form = DecideForm(request.POST)
        if form.is_valid():
            answer = form.cleaned_data["answer"]
            try:
                if form.cleaned_data["decision"] == "approve":
                    services.leave_approve(actor=request.user, leave=leave, answer=answer)
                else:
                    services.leave_refuse(actor=request.user, leave=leave, reason=answer)
            except PermissionDenied:
                form.add_error(
                    None,
                    _(
                        "The activity is closed: only the school's administrator may approve "
                        "now (its generated records change)."
                    ),
                )
            except ValidationError as exc:
                if "reason" in getattr(exc, "error_dict", {}):
                    form.add_error("answer", exc.error_dict["reason"])
                else:
                    add_errors(form, exc)
            else:
                url = reverse("activities:leaves") + f"?school={leave.activity.school_id}"
                return HttpResponseRedirect(url)
        leave.refresh_from_db()
        return self.render_page(request, leave, form, status=400)


urlpatterns: list = [
    path("list/", ListView.as_view(), name="list"),
    path("new/", NewView.as_view(), name="new"),
    path("<int:pk>/", DetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", EditView.as_view(), name="edit"),
    path("<int:pk>/attendance/", AttendanceView.as_view(), name="attendance"),
    path("<int:pk>/close/", CloseView.as_view(), name="close"),
    path("<int:pk>/cancel/", CancelView.as_view(), name="cancel"),
    path("<int:pk>/participants/", ParticipantAddView.as_view(), name="participant_add"),
    path(
        "participant/<int:pk>/remove/", ParticipantRemoveView.as_view(), name="participant_remove"
    ),
    path("participant/<int:pk>/makeup/", MakeupView.as_view(), name="makeup"),
    path("<int:pk>/roles/", RolesView.as_view(), name="roles"),
    path("role/<int:pk>/remove/", RoleRemoveView.as_view(), name="role_remove"),
    path("<int:pk>/materials/", MaterialAddView.as_view(), name="material_add"),
    path("<int:pk>/materials/confirm/", MaterialsConfirmView.as_view(), name="materials_confirm"),
    path("material/<int:pk>/", MaterialView.as_view(), name="material"),
    path("material/<int:pk>/delete/", MaterialDeleteView.as_view(), name="material_delete"),
    path("<int:pk>/leave/", LeaveNewView.as_view(), name="leave_new"),
    path("leave/<int:pk>/withdraw/", LeaveWithdrawView.as_view(), name="leave_withdraw"),
    path("leaves/", LeavesView.as_view(), name="leaves"),
    path("leave/<int:pk>/", LeaveDecideView.as_view(), name="leave_decide"),
]
