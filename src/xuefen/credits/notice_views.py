"""Pages of the public notice (公示): the school's workflow home for a period, one notice
with its lines, and the buttons that publish, close or withdraw it, raise, withdraw or
answer an objection.

Every page reads through the selectors (the user's scope; out of scope is a 404); every
button posts to a view that validates a form and calls exactly one service of
:mod:`xuefen.credits.notices`. A refused action shows its reason on the page it came from
(status 400), never a 500.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.generic import View

from xuefen.catalog.choices import Mode
from xuefen.org.models import OrgNode
from xuefen.org.scoping import can, get_scoped_or_404
from xuefen.portal.access import PortalAccessMixin

from .choices import NOTICE_COLORS, OBJECTION_COLORS, NoticeStatus, ObjectionStatus
from .models import Objection
from .notices import (
    MAX_NOTICE_DAYS,
    notice_close,
    notice_publish,
    notice_withdraw,
    objection_answer,
    objection_raise,
    objection_withdraw,
)
from .procedure import WorkPeriod, parse_period_key, recent_periods
from .selectors import (
    NOTICE_PAGE_SIZE,
    notice_get,
    notice_lines,
    notice_objections,
    notice_panel,
    notice_schools,
    own_line,
    own_teacher,
    school_notices,
)
from .workflow import NOTICE_MACHINE

# Primary keys are 64-bit: a larger number is no id.
_PK_MAX = 2**63 - 1
# The columns of a notice, in the engine's keys.
MODES = [(m.value, m.label) for m in Mode]


class PublishForm(forms.Form):
    """The publish button: which school and period, for how many days, a note."""

    school = forms.IntegerField(min_value=1, max_value=_PK_MAX, widget=forms.HiddenInput)
    period = forms.CharField(max_length=40, widget=forms.HiddenInput)
    current = forms.IntegerField(
        min_value=1, max_value=_PK_MAX, required=False, widget=forms.HiddenInput
    )
    days = forms.IntegerField(
        label=gettext_lazy("Days on notice"), min_value=1, max_value=MAX_NOTICE_DAYS
    )
    note = forms.CharField(
        label=gettext_lazy("Note to the teachers"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 28}),
    )


class ReasonForm(forms.Form):
    """A reason (withdrawing a notice)."""

    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 28}),
    )


class ObjectionForm(forms.Form):
    """A teacher's objection to their line."""

    reason = forms.CharField(
        label=gettext_lazy("What is wrong with your line?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 28}),
    )


class AnswerForm(forms.Form):
    """The school's answer to an objection."""

    answer = forms.CharField(
        label=gettext_lazy("Answer"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 28}),
    )


def add_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's refusal on the form: errors on the form's fields where they are
    named, the others (state, period, window) above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, errors in exc.error_dict.items():
        form.add_error(key if key in form.fields else NON_FIELD_ERRORS, errors)


# -- the school's page -------------------------------------------------------------------


def _url(name: str) -> str | None:
    """The URL of a page of another part, if that part is installed."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _pick_period(school: OrgNode, key: str | None, today: Any) -> tuple[WorkPeriod, list]:
    periods = recent_periods(school, today=today)
    if not periods:
        raise Http404("no policy procedure at this school")
    chosen = parse_period_key(school, key, today=today) if key else None
    return (chosen if chosen is not None else periods[0]), periods


def school_context(
    request: Any, school: OrgNode, period: WorkPeriod, periods: list, today: Any
) -> dict[str, Any]:
    """What the school page shows for ``period`` (also re-rendered with a refused form)."""
    user = request.user
    panel = notice_panel(fetched_by=user, school=school, period=period, today=today)
    context: dict[str, Any] = {
        "school": school,
        "period": period,
        "periods": periods,
        "today": today,
        "panel": panel,
        "publish_form": None,
        "review_url": _url("review:queue") if panel.can_review else None,
    }
    if panel.can_review:
        context["publish_form"] = PublishForm(
            initial={
                "school": school.pk,
                "period": period.key,
                "current": panel.live.pk if panel.live else None,
                "days": panel.notice_days,
            }
        )
        try:  # the submission part (credits.submission_views' partial)
            from .selectors import submission_panel
        except ImportError:  # pragma: no cover - the submission part is not installed
            submission_panel = None
        if submission_panel is not None:
            context["submission_panel"] = submission_panel(
                fetched_by=user, school=school, period=period, today=today
            )
    return context


class SchoolView(PortalAccessMixin, View):
    """``/credits/``: the school's workflow home for a period (``?school=``,
    ``?period=year:2025-01-01``; default: the user's school, the current period): the
    notice and its state, the records still waiting for review, the publish button, and
    the submission part. A teacher sees their school's notices."""

    def get(self, request: Any) -> HttpResponse:
        user = request.user
        today = timezone.localdate()
        schools = notice_schools(fetched_by=user)
        school_id = request.GET.get("school")
        if school_id:
            if not school_id.isdigit() or int(school_id) > _PK_MAX:
                raise Http404("no such school")
            school = get_scoped_or_404(schools, user, "review", pk=int(school_id))
        else:
            picked = list(schools[:2])
            if len(picked) > 1:
                return render(
                    request, "credits/notice_schools.html", {"schools": list(schools[:500])}
                )
            if not picked:
                return self.teacher_page(request, today)
            school = picked[0]
        period, periods = _pick_period(school, request.GET.get("period"), today)
        return render(
            request,
            "credits/notice_school.html",
            school_context(request, school, period, periods, today),
        )

    def teacher_page(self, request: Any, today: Any) -> HttpResponse:
        teacher = own_teacher(fetched_by=request.user)
        if teacher is None:
            raise Http404("no school to show")
        return render(
            request,
            "credits/notice_teacher.html",
            {
                "school": teacher.school,
                "notices": [
                    _colored(n)
                    for n in school_notices(fetched_by=request.user, school=teacher.school)
                ],
            },
        )


def _colored(notice: Any) -> Any:
    notice.color = NOTICE_COLORS.get(notice.status, "gray")
    return notice


class PublishView(PortalAccessMixin, View):
    """``POST /credits/publish/``: publish the period's notice (replacing the standing
    one); a refusal is shown on the school page."""

    def post(self, request: Any) -> HttpResponse:
        user = request.user
        form = PublishForm(request.POST)
        if not form.is_valid() and (form.has_error("school") or form.has_error("period")):
            raise Http404("no such school or period")
        school = get_scoped_or_404(
            notice_schools(fetched_by=user), user, "review", pk=form.cleaned_data["school"]
        )
        today = timezone.localdate()
        period = parse_period_key(school, form.cleaned_data["period"], today=today)
        if period is None:
            raise Http404("no such period")
        if form.is_valid():
            try:
                notice = notice_publish(
                    actor=user,
                    school=school,
                    period=period,
                    days=form.cleaned_data["days"],
                    note=form.cleaned_data["note"],
                    today=today,
                    current=form.cleaned_data["current"],
                )
            except PermissionDenied:
                raise Http404("no such school") from None
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return HttpResponseRedirect(reverse("credits:notice", args=[notice.pk]))
        _p, periods = _pick_period(school, period.key, today)
        context = school_context(request, school, period, periods, today)
        context["publish_form"] = form
        return render(request, "credits/notice_school.html", context, status=400)


# -- one notice --------------------------------------------------------------------------


def notice_context(request: Any, notice: Any, **forms_: Any) -> dict[str, Any]:
    """What the notice page shows; ``forms_`` replace the blank forms with refused ones
    (``objection_form``, ``withdraw_form``, ``answer_forms`` by objection id, ``errors``)."""
    user = request.user
    today = timezone.localdate()
    mine = own_line(fetched_by=user, notice=notice)
    paginator = Paginator(notice_lines(notice=notice), NOTICE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    lines = list(page.object_list)
    for line in [*lines, mine] if mine is not None else lines:
        line.cells = [  # type: ignore[attr-defined]
            (label, (line.hours or {}).get(key, 0), (line.credits or {}).get(key, 0))
            for key, label in MODES
        ]
    objections = notice_objections(fetched_by=user, notice=notice)
    can_review = can(user, "review", notice)
    answer_forms = forms_.get("answer_forms", {})
    for objection in objections:
        objection.color = OBJECTION_COLORS.get(objection.status, "gray")
        objection.form = answer_forms.get(objection.pk) or (
            AnswerForm(auto_id=f"id_answer_{objection.pk}_%s")
            if can_review and objection.status == ObjectionStatus.OPEN
            else None
        )
    mine_open = mine is not None and any(
        o.line_id == mine.pk and o.status == ObjectionStatus.OPEN for o in objections
    )
    may_object = (
        mine is not None
        and notice.status == NoticeStatus.OPEN
        and today <= notice.ends_on
        and not mine_open
    )
    open_count = sum(1 for o in objections if o.status == ObjectionStatus.OPEN)
    actions = [t.name for t in NOTICE_MACHINE.available(notice.status)] if can_review else []
    return {
        "notice": notice,
        "color": NOTICE_COLORS.get(notice.status, "gray"),
        "modes": MODES,
        "page_obj": page,
        "lines": lines,
        "mine": mine,
        "objections": objections,
        "open_objections": open_count,
        "can_review": can_review,
        "may_object": may_object,
        "objection_form": forms_.get("objection_form") or (ObjectionForm() if may_object else None),
        "may_close": "close" in actions,
        "close_ready": today >= notice.ends_on and not open_count,
        "withdraw_form": forms_.get("withdraw_form")
        or (ReasonForm(auto_id="id_withdraw_%s") if "withdraw" in actions else None),
        "errors": forms_.get("errors", []),
        "today": today,
    }


class NoticeView(PortalAccessMixin, View):
    """``/credits/notice/<pk>/``: the notice's lines (every teacher of the school, no ID
    numbers), the user's own line first with the objection form while the notice is open,
    the objections (the school answers them), the close and withdraw buttons."""

    def get(self, request: Any, pk: int) -> HttpResponse:
        notice = notice_get(fetched_by=request.user, pk=pk)
        return render(request, "credits/notice_detail.html", notice_context(request, notice))


def _notice_error(request: Any, notice: Any, **forms_: Any) -> HttpResponse:
    return render(
        request, "credits/notice_detail.html", notice_context(request, notice, **forms_), status=400
    )


def _back(notice: Any, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("credits:notice", args=[notice.pk]) + anchor)


class ObjectView(PortalAccessMixin, View):
    """``POST /credits/notice/<pk>/object/`` (reason): the teacher objects to their line."""

    def post(self, request: Any, pk: int) -> HttpResponse:
        notice = notice_get(fetched_by=request.user, pk=pk)
        line = own_line(fetched_by=request.user, notice=notice)
        if line is None:
            raise Http404("no line of yours in this notice")
        form = ObjectionForm(request.POST)
        if form.is_valid():
            try:
                objection_raise(actor=request.user, line=line, reason=form.cleaned_data["reason"])
            except PermissionDenied:
                raise Http404("not your line") from None
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return _back(notice, "#mine")
        return _notice_error(request, notice, objection_form=form)


class ObjectionWithdrawView(PortalAccessMixin, View):
    """``POST /credits/objection/<pk>/withdraw/``: the teacher takes their objection back."""

    def post(self, request: Any, pk: int) -> HttpResponse:
        objection = get_scoped_or_404(
            Objection.objects.select_related("notice"), request.user, "change", pk=pk
        )
        try:
            objection_withdraw(actor=request.user, objection=objection)
        except PermissionDenied:
            raise Http404("not your objection") from None
        except ValidationError as exc:
            return _notice_error(request, objection.notice, errors=exc.messages)
        return _back(objection.notice, "#mine")


class AnswerView(PortalAccessMixin, View):
    """``POST /credits/objection/<pk>/answer/`` (answer): the school answers."""

    def post(self, request: Any, pk: int) -> HttpResponse:
        objection = get_scoped_or_404(
            Objection.objects.select_related("notice"), request.user, "review", pk=pk
        )
        form = AnswerForm(request.POST, auto_id=f"id_answer_{objection.pk}_%s")
        if form.is_valid():
            try:
                objection_answer(
                    actor=request.user, objection=objection, answer=form.cleaned_data["answer"]
                )
            except PermissionDenied:
                raise Http404("no such objection") from None
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return _back(objection.notice, f"#objection-{objection.pk}")
        return _notice_error(request, objection.notice, answer_forms={objection.pk: form})


class CloseView(PortalAccessMixin, View):
    """``POST /credits/notice/<pk>/close/``: end the notice (from its last day on)."""

    def post(self, request: Any, pk: int) -> HttpResponse:
        notice = notice_get(fetched_by=request.user, pk=pk, action="review")
        try:
            notice_close(actor=request.user, notice=notice)
        except PermissionDenied:
            raise Http404("no such notice") from None
        except ValidationError as exc:
            return _notice_error(request, notice, errors=exc.messages)
        return _back(notice)


class WithdrawView(PortalAccessMixin, View):
    """``POST /credits/notice/<pk>/withdraw/`` (reason): take the notice down."""

    def post(self, request: Any, pk: int) -> HttpResponse:
        notice = notice_get(fetched_by=request.user, pk=pk, action="review")
        form = ReasonForm(request.POST, auto_id="id_withdraw_%s")
        if form.is_valid():
            try:
                notice_withdraw(
                    actor=request.user, notice=notice, reason=form.cleaned_data["reason"]
                )
            except PermissionDenied:
                raise Http404("no such notice") from None
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return _back(notice)
        return _notice_error(request, notice, withdraw_form=form)


urlpatterns: list = [
    path("", SchoolView.as_view(), name="school"),
    path("publish/", PublishView.as_view(), name="publish"),
    path("notice/<int:pk>/", NoticeView.as_view(), name="notice"),
    path("notice/<int:pk>/object/", ObjectView.as_view(), name="object"),
    path("notice/<int:pk>/close/", CloseView.as_view(), name="notice_close"),
    path("notice/<int:pk>/withdraw/", WithdrawView.as_view(), name="notice_withdraw"),
    path("objection/<int:pk>/answer/", AnswerView.as_view(), name="answer"),
    path(
        "objection/<int:pk>/withdraw/",
        ObjectionWithdrawView.as_view(),
        name="objection_withdraw",
    ),
]
