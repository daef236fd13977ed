"""Pages of the sign-off, submission and certification (services in
:mod:`xuefen.credits.submissions` and :mod:`xuefen.credits.windows`).

- ``credits:sign`` — the principal signs a school's period off (after its notice);
- ``credits:submission`` — one submission: status, who did what, the county's reasons,
  and the buttons the user may press (``credits:submission-act`` posts them);
- ``credits:county`` — the county's schools for a period, submitted ones first with
  certify / return, the windows with their exceptions, and a form to open one;
- ``credits:revoke`` — the county revokes a certified record (for forgery: an entry in the
  teacher's integrity record, whose entries the page shows).

Each view validates a Django form and calls exactly one service; a service's
ValidationError is shown on the form, a right the user lacks is a 403, an object out of
reach a 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View

from xuefen.jobs.choices import JobKind
from xuefen.jobs.services import job_start
from xuefen.org.choices import NodeKind
from xuefen.org.models import OrgNode
from xuefen.org.scoping import get_scoped_or_404
from xuefen.portal.access import PortalAccessMixin
from xuefen.records.choices import STATUS_COLORS, RecordStatus
from xuefen.records.models import Record
from xuefen.records.services import record_revoke

from .choices import SUBMISSION_COLORS, Window
from .procedure import parse_period_key, recent_periods
from .selectors import (
    certify_regions,
    county_periods,
    county_rows,
    exception_nodes,
    region_exceptions,
    submission_actions,
    submission_get,
    submission_panel,
    teacher_integrity,
    window_states,
)
from .submissions import (
    latest_notice,
    period_records,
    submission_certify,
    submission_period,
    submission_return,
    submission_sign,
    submission_submit,
    submission_withdraw,
)
from .windows import window_exception_open

TEXTAREA = forms.Textarea(attrs={"rows": 2})


class SignForm(forms.Form):
    """The principal's sign-off: a confirmation and an optional remark."""

    confirm = forms.BooleanField(
        label=_("I have checked the period's summary and sign it off as the person responsible")
    )
    reason = forms.CharField(label=_("Remark"), required=False, max_length=1000, widget=TEXTAREA)


class ReasonForm(forms.Form):
    """A transition's reason (required where the transition says so: the service judges)."""

    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000, widget=TEXTAREA)


class RevokeForm(forms.Form):
    """A revocation: the reason, and whether the record was forged."""

    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=TEXTAREA)
    forgery = forms.BooleanField(
        label=_("Forged or falsified (written in the teacher's integrity record)"), required=False
    )


class ExceptionForm(forms.Form):
    """Open a window for a school or region past the policy's dates."""

    node = forms.ModelChoiceField(label=_("For"), queryset=OrgNode.objects.none())
    window = forms.ChoiceField(label=_("Window"), choices=Window.choices)
    open_until = forms.DateField(
        label=_("Open until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=TEXTAREA)

    def __init__(self, *args: Any, nodes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes
        self.fields["node"].label_from_instance = lambda n: (
            n.name if n.kind == NodeKind.SCHOOL else f"{n.name}（{n.get_kind_display()}）"
        )


def show_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: under the field it names, else on top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _next(request: Any, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# -- the principal's sign-off ----------------------------------------------------------


class SignView(PortalAccessMixin, View):
    """``/credits/schools/<pk>/sign/?period=year:2025-01-01``: what is signed (the period,
    its latest notice, the windows) and the sign-off form; principals only (404 else)."""

    template_name = "credits/submission_sign.html"

    def _context(self, request: Any, pk: int) -> dict[str, Any]:
        school = get_scoped_or_404(OrgNode, request.user, "sign", pk=pk, kind=NodeKind.SCHOOL)
        today = timezone.localdate()
        periods = recent_periods(school, today=today)
        key = request.GET.get("period") or request.POST.get("period")
        period = parse_period_key(school, key, today=today) if key else None
        if period is None:
            if not periods:
                raise Http404("no policy procedure at this school")
            period = periods[0]
        panel = submission_panel(fetched_by=request.user, school=school, period=period, today=today)
        return {
            "school": school,
            "period": period,
            "periods": periods,
            "notice": latest_notice(school, period),
            "panel": panel,
        }

    def get(self, request: Any, pk: int) -> HttpResponse:
        context = self._context(request, pk)
        return render(request, self.template_name, {**context, "form": SignForm()})

    def post(self, request: Any, pk: int) -> HttpResponse:
        context = self._context(request, pk)
        form = SignForm(request.POST)
        if form.is_valid():
            try:
                submission = submission_sign(
                    actor=request.user,
                    school=context["school"],
                    period=context["period"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                return HttpResponseRedirect(reverse("credits:submission", args=[submission.pk]))
        return render(request, self.template_name, {**context, "form": form})


# -- one submission --------------------------------------------------------------------

ACTS = {
    "submit": submission_submit,
    "withdraw": submission_withdraw,
    "certify": submission_certify,
    "return": submission_return,
}


def _submission_page(
    request: Any, submission: Any, *, errors: dict[str, forms.Form] | None = None
) -> HttpResponse:
    today = timezone.localdate()
    actions = submission_actions(user=request.user, submission=submission)
    errors = errors or {}
    return render(
        request,
        "credits/submission.html",
        {
            "submission": submission,
            "color": SUBMISSION_COLORS.get(submission.status, "gray"),
            "actions": [(t, errors.get(t.name) or ReasonForm()) for t in actions],
            "windows": window_states(
                node=submission.school,
                period=submission_period(submission),
                today=today,
            ),
            "failed": bool(errors),
        },
    )


class SubmissionView(PortalAccessMixin, View):
    """``/credits/submissions/<pk>/``: one submission and the user's buttons."""

    def get(self, request: Any, pk: int) -> HttpResponse:
        return _submission_page(request, submission_get(fetched_by=request.user, pk=pk))


def _certify_in_background(submission: Any) -> bool:
    """Whether the period has more approved records than a request should certify
    (``XUEFEN_CERTIFY_INLINE_MAX``, 2,000 by default): then the worker does it, as a job
    whose page the county watches."""
    limit = getattr(settings, "XUEFEN_CERTIFY_INLINE_MAX", 2000)
    return period_records(submission).count() > limit


class SubmissionActView(PortalAccessMixin, View):
    """``POST /credits/submissions/<pk>/<action>/`` (submit, withdraw, certify, return),
    with ``reason`` and ``next``: the service's refusal is shown on the submission page."""

    def post(self, request: Any, pk: int, action: str) -> HttpResponse:
        if action not in ACTS:
            raise Http404("no such action")
        submission = submission_get(fetched_by=request.user, pk=pk)
        form = ReasonForm(request.POST)
        if form.is_valid():
            try:
                if action == "certify" and _certify_in_background(submission):
                    job = job_start(
                        actor=request.user,
                        kind=JobKind.CERTIFY,
                        node=submission.school,
                        submission=submission.pk,
                        reason=form.cleaned_data["reason"],
                    )
                    return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
                ACTS[action](
                    actor=request.user, submission=submission, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                default = reverse("credits:submission", args=[submission.pk])
                return HttpResponseRedirect(_next(request, default))
        submission = submission_get(fetched_by=request.user, pk=pk)
        return _submission_page(request, submission, errors={action: form})


# -- the county's page -----------------------------------------------------------------


class CountyView(PortalAccessMixin, View):
    """``/credits/county/?node=<region>&period=<key>``: the region's schools for a period
    (submitted first, with certify / return), the windows and their exceptions; a POST
    opens an exception."""

    template_name = "credits/county.html"

    def _context(self, request: Any) -> dict[str, Any]:
        user = request.user
        regions = certify_regions(fetched_by=user).order_by("path")
        node = request.GET.get("node")
        region = None
        if node and str(node).isdigit():
            region = regions.filter(pk=int(node)).first()
        elif not node:
            region = regions.first()
        if region is None:
            raise Http404("no region to certify")
        today = timezone.localdate()
        periods, default = county_periods(region, today=today)
        key = request.GET.get("period")
        period = parse_period_key(region, key, today=today) if key else None
        if period is None:
            if not periods:
                raise Http404("no policy procedure in this region")
            period = periods[default]
        rows = county_rows(fetched_by=user, region=region, period=period)
        return {
            "region": region,
            "regions": list(regions) if regions.count() > 1 else [],
            "period": period,
            "periods": periods,
            "rows": rows,
            "awaiting": sum(1 for r in rows if r.awaiting),
            "windows": window_states(node=region, period=period, today=today),
            "exceptions": region_exceptions(fetched_by=user, region=region, period=period),
            "nodes": exception_nodes(fetched_by=user, region=region),
            "here": f"{request.path}?node={region.pk}&period={period.key}",
        }

    def get(self, request: Any) -> HttpResponse:
        context = self._context(request)
        form = ExceptionForm(nodes=context["nodes"], initial={"node": context["region"]})
        return render(request, self.template_name, {**context, "form": form})

    def post(self, request: Any) -> HttpResponse:
        context = self._context(request)
        form = ExceptionForm(request.POST, nodes=context["nodes"])
        if form.is_valid():
            try:
                window_exception_open(
                    actor=request.user,
                    node=form.cleaned_data["node"],
                    window=form.cleaned_data["window"],
                    period=context["period"],
                    open_until=form.cleaned_data["open_until"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                return HttpResponseRedirect(context["here"])
        return render(request, self.template_name, {**context, "form": form})


# -- revocation ------------------------------------------------------------------------


class RevokeView(PortalAccessMixin, View):
    """``/credits/records/<pk>/revoke/``: a record the user certifies for (404 else), the
    teacher's integrity record, and the revocation form."""

    template_name = "credits/county_revoke.html"

    def _context(self, request: Any, pk: int) -> dict[str, Any]:
        record = get_scoped_or_404(
            Record.objects.select_related("teacher__school", "project"),
            request.user,
            "certify",
            pk=pk,
        )
        data = record.certified_input or {}
        return {
            "record": record,
            "color": STATUS_COLORS.get(record.status, "gray"),
            "revocable": record.status == RecordStatus.CERTIFIED,
            "hours": data.get("hours"),
            "entries": teacher_integrity(fetched_by=request.user, teacher=record.teacher),
        }

    def get(self, request: Any, pk: int) -> HttpResponse:
        context = self._context(request, pk)
        return render(request, self.template_name, {**context, "form": RevokeForm()})

    def post(self, request: Any, pk: int) -> HttpResponse:
        context = self._context(request, pk)
        form = RevokeForm(request.POST)
        if form.is_valid():
            try:
                record_revoke(
                    actor=request.user,
                    record=context["record"],
                    reason=form.cleaned_data["reason"],
                    forgery=form.cleaned_data["forgery"],
                )
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                return HttpResponseRedirect(reverse("credits:revoke", args=[pk]))
        return render(request, self.template_name, {**context, "form": form})


urlpatterns = [
    path("county/", CountyView.as_view(), name="county"),
    path("schools/<int:pk>/sign/", SignView.as_view(), name="sign"),
    path("submissions/<int:pk>/", SubmissionView.as_view(), name="submission"),
    path(
        "submissions/<int:pk>/<str:action>/",
        SubmissionActView.as_view(),
        name="submission-act",
    ),
    path("records/<int:pk>/revoke/", RevokeView.as_view(), name="revoke"),
]
