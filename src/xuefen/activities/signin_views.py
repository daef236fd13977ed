"""Pages of the sign-in (签到): the activity's QR screen for the presenter or the school's
administrators, the page a scanned code opens on a teacher's phone, the teacher's own
rotating code and the presenter's page after scanning it, and signing in by hand.

The code in a scanned link is checked when the page opens; a good one is noted in the
browser's session, so the sign-in survives the login in between (see
:mod:`xuefen.activities.signin`). Every button posts to a view that calls exactly one
service; a refusal is shown on the phone in Chinese (status 400), never a 500.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View

from xuefen.org.scoping import can
from xuefen.portal.access import PortalAccessMixin

from . import signin
from .choices import ActivityStatus, Attendance
from .models import Activity, Participation
from .selectors import (
    flagged_participations,
    own_participation,
    participant_of,
    signin_activity,
    signin_counts,
    signin_rows,
)
from .services import attendance_set

# Primary keys are 64-bit: a larger number is no id.
_PK_MAX = 2**63 - 1

DEVICE_COOKIE = "xuefen_device"
DEVICE_SALT = "xuefen.activities.device"
DEVICE_MAX_AGE = 400 * 24 * 3600
SCANS_KEY = "xuefen.signin.scans"
SCANS_KEEP = 20


# -- helpers -------------------------------------------------------------------------------


def _check_pk(*pks: int) -> None:
    if any(pk > _PK_MAX for pk in pks):
        raise Http404("no such activity")


def qr_svg(url: str) -> SafeString:
    """The QR code of ``url`` as inline SVG: no size, no style (sized by CSS classes)."""
    svg = segno.make(url, error="m").svg_inline(
        scale=1, border=4, omitsize=True, svgclass="qr", lineclass="qr-line", light="#fff"
    )
    return mark_safe(svg)  # segno's own markup; the URL is ours


def device_id(request: HttpRequest) -> str:
    """The random id of this browser's device cookie ('' when it has none)."""
    return request.get_signed_cookie(DEVICE_COOKIE, default="", salt=DEVICE_SALT) or ""


def with_device(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Give the browser its device cookie on its first visit (signed, HttpOnly, Lax)."""
    if not device_id(request):
        response.set_signed_cookie(
            DEVICE_COOKIE,
            secrets.token_urlsafe(18),
            salt=DEVICE_SALT,
            max_age=DEVICE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


def _scan_key(pk: int, teacher_pk: int | None) -> str:
    return f"{pk}:{teacher_pk or ''}"


def note_scan(request: HttpRequest, pk: int, code: str, teacher_pk: int | None = None) -> None:
    """Remember in the session that this browser saw ``code`` good now."""
    scans = dict(request.session.get(SCANS_KEY, {}))
    scans[_scan_key(pk, teacher_pk)] = [code, signin._now().isoformat()]
    if len(scans) > SCANS_KEEP:
        oldest = sorted(scans, key=lambda k: scans[k][1])[: len(scans) - SCANS_KEEP]
        for key in oldest:
            del scans[key]
    request.session[SCANS_KEY] = scans


def scanned_at(
    request: HttpRequest, pk: int, code: str, teacher_pk: int | None = None
) -> dt.datetime | None:
    """When this browser's session saw ``code`` good (None: never)."""
    noted = request.session.get(SCANS_KEY, {}).get(_scan_key(pk, teacher_pk))
    if not noted or noted[0] != code:
        return None
    try:
        return dt.datetime.fromisoformat(noted[1])
    except (TypeError, ValueError):
        return None


def _fresh(activity: Activity | None, code: str, teacher: Any = None) -> bool:
    """Whether ``code`` is good now (the activity open, the code of this slot or the last)."""
    if activity is None:
        return False
    now = signin._now()
    return signin.closed_reason(activity, now) is None and signin.code_matches(
        activity, code, moment=now, teacher=teacher
    )


def _messages(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _refused(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return with_device(request, render(request, template, context, status=400))


class SignForm(forms.Form):
    """The sign-in button (nothing to fill in: the code is in the address)."""


class ManualForm(forms.Form):
    """Signing a participant in by hand, with a reason."""

    participation = forms.TypedChoiceField(label=gettext_lazy("Teacher"), coerce=int)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 28}),
    )

    def __init__(self, *args: Any, rows: list[Participation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participation"].choices = [
            (r.pk, r.teacher.name) for r in rows if r.state != Attendance.PRESENT
        ]


# -- the teacher scans the screen ---------------------------------------------------------


class SignView(View):
    """``/activities/sign/<pk>/<code>/``: the page the screen's QR code opens.

    Not logged in: a good code is noted in the session and the browser sent to the login
    (``next`` is this address); an expired code is refused at once. Logged in: the
    teacher's participation and a button that signs them in; a teacher of another school
    gets a 404; a second visit after signing in shows the time.
    """

    template = "activities/sign.html"

    def get(self, request: HttpRequest, pk: int, code: str) -> HttpResponse:
        _check_pk(pk)
        user = request.user
        unscoped = Activity.objects.filter(pk=pk).first()  # only to check the code's MAC
        if _fresh(unscoped, code):
            note_scan(request, pk, code)
        if not user.is_authenticated:
            if scanned_at(request, pk, code) is None:
                # Names nothing about the activity to someone not logged in.
                context = {"errors": [signin.expired_message()], "activity": None}
                return _refused(request, self.template, context)
            return with_device(request, redirect_to_login(request.get_full_path()))
        activity = signin_activity(fetched_by=user, pk=pk)
        return with_device(request, self.page(request, activity, code))

    def page(
        self,
        request: HttpRequest,
        activity: Activity,
        code: str,
        errors: list[str] | None = None,
    ) -> HttpResponse:
        mine = own_participation(fetched_by=request.user, activity=activity)
        context: dict[str, Any] = {
            "activity": activity,
            "mine": mine,
            "window": signin.sign_window(activity),
            "done": request.GET.get("done") == "1",
            "errors": errors or [],
            "form": None,
        }
        if mine is None:
            context["errors"] = [signin.not_participant_message()]
            return render(request, self.template, context, status=400)
        if mine.state == Attendance.PRESENT:
            return render(request, self.template, context)
        if errors is None:
            try:
                signin.check_code(
                    activity,
                    code,
                    now=signin._now(),
                    scanned_at=scanned_at(request, activity.pk, code),
                )
            except ValidationError as exc:
                context["errors"] = _messages(exc)
        if context["errors"]:
            return render(request, self.template, context, status=400)
        context["form"] = SignForm()
        return render(request, self.template, context)

    def post(self, request: HttpRequest, pk: int, code: str) -> HttpResponse:
        _check_pk(pk)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        activity = signin_activity(fetched_by=request.user, pk=pk)
        try:
            signin.sign_in(
                actor=request.user,
                activity=activity,
                code=code,
                device=device_id(request),
                scanned_at=scanned_at(request, pk, code),
            )
        except PermissionDenied:
            raise Http404("not a teacher of this activity") from None
        except ValidationError as exc:
            return with_device(request, self.page(request, activity, code, _messages(exc)))
        url = reverse("activities:sign", args=[pk, code]) + "?done=1"
        return with_device(request, HttpResponseRedirect(url))


# -- the screen ----------------------------------------------------------------------------


def _presented(request: HttpRequest, pk: int) -> Activity:
    """The activity whose sign-in the user runs (404 for anybody else)."""
    _check_pk(pk)
    activity = signin_activity(fetched_by=request.user, pk=pk)
    if not signin.may_present(request.user, activity):
        raise Http404("not the presenter or an administrator of this activity")
    return activity


def screen_context(request: HttpRequest, activity: Activity) -> dict[str, Any]:
    """The screen's code, counts and window (also the polled part)."""
    now = signin._now()
    reason = signin.closed_reason(activity, now)
    context: dict[str, Any] = {
        "activity": activity,
        "window": signin.sign_window(activity),
        "reason": reason,
        "counts": signin_counts(activity),
        "rotation": signin.rotation(),
        "qr": None,
        "url": None,
        "polling": _polling(activity),
    }
    if reason is None:
        code = signin.room_code(activity, now=now)
        url = request.build_absolute_uri(reverse("activities:sign", args=[activity.pk, code]))
        context.update(qr=qr_svg(url), url=url, code=code)
    return context


def _polling(activity: Activity) -> bool:
    """Whether a code may still appear on the page (else its polling stops)."""
    if activity.status != ActivityStatus.PLANNED:
        return False
    return signin.sign_window(activity).state(signin._now()) != "after"


def _poll_status(polling: bool) -> int:
    # 286 tells htmx to stop polling: nothing will change on this page any more.
    return 200 if polling else 286


class ScreenView(PortalAccessMixin, View):
    """``/activities/<pk>/screen/``: the big rotating QR code for the projector or the
    presenter's phone, with signed in / expected, the window, the flagged devices."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        activity = _presented(request, pk)
        context = screen_context(request, activity)
        context["flagged"] = flagged_participations(activity)
        context["may_manual"] = can(request.user, "change", activity)
        return render(request, "activities/screen.html", context)


class ScreenCodeView(PortalAccessMixin, View):
    """``/activities/<pk>/screen/code/``: the polled part of the screen (htmx, every 5 s)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        activity = _presented(request, pk)
        context = screen_context(request, activity)
        return render(
            request,
            "activities/screen_code.html",
            context,
            status=_poll_status(context["polling"]),
        )


# -- the teacher's personal code, scanned by the presenter ---------------------------------


def _own(request: HttpRequest, pk: int) -> tuple[Activity, Participation]:
    _check_pk(pk)
    activity = signin_activity(fetched_by=request.user, pk=pk)
    mine = own_participation(fetched_by=request.user, activity=activity)
    if mine is None:
        raise Http404("not a participant")
    return activity, mine


def my_code_context(request: HttpRequest, activity: Activity, mine: Participation) -> dict:
    now = signin._now()
    reason = signin.closed_reason(activity, now)
    context: dict[str, Any] = {
        "activity": activity,
        "mine": mine,
        "window": signin.sign_window(activity),
        "reason": reason,
        "rotation": signin.rotation(),
        "qr": None,
        "polling": mine.state != Attendance.PRESENT and _polling(activity),
    }
    if reason is None and mine.state != Attendance.PRESENT:
        code = signin.personal_code(activity, mine.teacher, now=now)
        url = request.build_absolute_uri(
            reverse("activities:scan", args=[activity.pk, mine.teacher_id, code])
        )
        context["qr"] = qr_svg(url)
    return context


class MyCodeView(PortalAccessMixin, View):
    """``/activities/<pk>/my-code/``: the teacher's rotating personal code, for the
    presenter's phone to scan (large rooms)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        activity, mine = _own(request, pk)
        return render(
            request, "activities/sign_my_code.html", my_code_context(request, activity, mine)
        )


class MyCodeCodeView(PortalAccessMixin, View):
    """``/activities/<pk>/my-code/code/``: its polled part."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        activity, mine = _own(request, pk)
        context = my_code_context(request, activity, mine)
        return render(
            request,
            "activities/sign_my_code_part.html",
            context,
            status=_poll_status(context["polling"]),
        )


class ScanView(View):
    """``/activities/scan/<pk>/<teacher>/<code>/``: the presenter's phone scanned a
    teacher's personal code; a button signs the teacher in."""

    template = "activities/sign_scan.html"

    def get(self, request: HttpRequest, pk: int, teacher: int, code: str) -> HttpResponse:
        _check_pk(pk, teacher)
        if not request.user.is_authenticated:
            unscoped = Activity.objects.filter(pk=pk).first()
            row = participant_of(activity=unscoped, teacher_pk=teacher) if unscoped else None
            if row is not None and _fresh(unscoped, code, row.teacher):
                note_scan(request, pk, code, teacher)
            return redirect_to_login(request.get_full_path())
        activity = _presented(request, pk)
        row = participant_of(activity=activity, teacher_pk=teacher)
        if row is not None and _fresh(activity, code, row.teacher):
            note_scan(request, pk, code, teacher)
        return self.page(request, activity, row, code)

    def page(
        self,
        request: HttpRequest,
        activity: Activity,
        row: Participation | None,
        code: str,
        errors: list[str] | None = None,
    ) -> HttpResponse:
        context: dict[str, Any] = {
            "activity": activity,
            "row": row,
            "done": request.GET.get("done") == "1",
            "errors": errors or [],
            "form": None,
            "counts": signin_counts(activity),
        }
        if row is None:
            context["errors"] = [_("This teacher is not on the list of participants.")]
            return render(request, self.template, context, status=400)
        if row.state == Attendance.PRESENT:
            return render(request, self.template, context)
        if errors is None:
            try:
                signin.check_code(
                    activity,
                    code,
                    now=signin._now(),
                    scanned_at=scanned_at(request, activity.pk, code, row.teacher_id),
                    teacher=row.teacher,
                )
            except ValidationError as exc:
                context["errors"] = _messages(exc)
        if context["errors"]:
            return render(request, self.template, context, status=400)
        context["form"] = SignForm()
        return render(request, self.template, context)

    def post(self, request: HttpRequest, pk: int, teacher: int, code: str) -> HttpResponse:
        _check_pk(pk, teacher)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        activity = _presented(request, pk)
        row = participant_of(activity=activity, teacher_pk=teacher)
        if row is None:
            return self.page(request, activity, None, code)
        try:
            signin.sign_in_personal(
                actor=request.user,
                activity=activity,
                teacher=row.teacher,
                code=code,
                scanned_at=scanned_at(request, pk, code, teacher),
            )
        except PermissionDenied:
            raise Http404("not the presenter") from None
        except ValidationError as exc:
            return self.page(request, activity, row, code, _messages(exc))
        return HttpResponseRedirect(
            reverse("activities:scan", args=[pk, teacher, code]) + "?done=1"
        )


# -- by hand -------------------------------------------------------------------------------


class ManualView(PortalAccessMixin, View):
    """``/activities/<pk>/sign/manual/``: the school's administrator signs a participant
    in by hand, with a reason; the list of who is signed in, how and when."""

    template = "activities/sign_manual.html"

    def _activity(self, request: HttpRequest, pk: int) -> Activity:
        _check_pk(pk)
        activity = signin_activity(fetched_by=request.user, pk=pk)
        if not can(request.user, "change", activity):
            raise Http404("not an administrator of this activity's school")
        return activity

    def render_page(
        self, request: HttpRequest, activity: Activity, form: ManualForm | None, status: int = 200
    ) -> HttpResponse:
        rows = signin_rows(activity)
        form = form or ManualForm(rows=rows)
        return render(
            request,
            self.template,
            {
                "activity": activity,
                "rows": rows,
                "form": form if activity.status == ActivityStatus.PLANNED else None,
                "counts": signin_counts(activity),
            },
            status=status,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render_page(request, self._activity(request, pk), None)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        activity = self._activity(request, pk)
        rows = signin_rows(activity)
        form = ManualForm(request.POST, rows=rows)
        if form.is_valid():
            row = next(r for r in rows if r.pk == form.cleaned_data["participation"])
            try:
                attendance_set(
                    actor=request.user,
                    participation=row,
                    state=Attendance.PRESENT,
                    reason=form.cleaned_data["reason"],
                )
            except PermissionDenied:
                raise Http404("not an administrator") from None
            except ValidationError as exc:
                for message in _messages(exc):
                    form.add_error(None, message)
            else:
                return HttpResponseRedirect(reverse("activities:sign_manual", args=[pk]))
        return self.render_page(request, activity, form, status=400)


urlpatterns: list = [
    path("sign/<int:pk>/<str:code>/", SignView.as_view(), name="sign"),
    path("scan/<int:pk>/<int:teacher>/<str:code>/", ScanView.as_view(), name="scan"),
    path("<int:pk>/screen/", ScreenView.as_view(), name="screen"),
    path("<int:pk>/screen/code/", ScreenCodeView.as_view(), name="screen_code"),
    path("<int:pk>/my-code/", MyCodeView.as_view(), name="my_code"),
    path("<int:pk>/my-code/code/", MyCodeCodeView.as_view(), name="my_code_code"),
    path("<int:pk>/sign/manual/", ManualView.as_view(), name="sign_manual"),
]
