"""Declaring pages: my records, declare (kind → form), edit, submit, withdraw, delete,
evidence upload, download and removal.

Each view reads through the scoping helper (out of scope → 404), validates input with a
form and calls one service; a service's ``ValidationError`` is shown on the form (or, for
the one-button actions, as a message on the page the user comes back to), never a 500.
Staff of a school may declare for one of its teachers (``?teacher=<id>``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import View

from xuefen.org.models import Teacher
from xuefen.org.scoping import can, get_scoped_or_404
from xuefen.portal.access import PortalAccessMixin

from . import services
from .choices import LOCKED_STATUSES, STATUS_COLORS, RecordSource, RecordStatus
from .evidence import CONTENT_TYPES, INLINE_TYPES, file_type_of
from .forms import EvidenceUploadForm, RecordForm
from .kinds import DECLARABLE_KINDS, kind_choices, kind_spec, record_display
from .models import Evidence, Record
from .selectors import (
    PK_MAX,
    evidence_of,
    projects_for,
    record_get,
    record_list_mine,
    teachers_for_declaring,
    teachers_matching,
)
from .workflow import OWNER_EDITABLE


def _pk(pk: int) -> int:
    if not 0 < pk <= PK_MAX:
        raise Http404("no such id")
    return pk


def _own_teacher(user: Any) -> Teacher | None:
    return Teacher.objects.select_related("school").filter(user=user).first()


def _error_text(exc: ValidationError) -> str:
    from .kinds import engine_message

    return "；".join(engine_message(str(m)) for m in exc.messages)


def may_edit(user: Any, record: Record) -> bool:
    """Whether ``user`` may still change ``record`` (the services decide again): not
    locked, and for its teacher only while a draft or returned."""
    if record.status in LOCKED_STATUSES or not can(user, "change", record):
        return False
    return record.status in OWNER_EDITABLE or can(user, "change", record.teacher)


def locked_reason(record: Record) -> str:
    """Why a record cannot be edited by its teacher, in Chinese."""
    if record.status == RecordStatus.SUBMITTED:
        return _("This record is submitted and waits for review: withdraw it to change it.")
    if record.status in LOCKED_STATUSES:
        return _("This record is %(status)s and locked: only the county can revoke it.") % {
            "status": record.get_status_display()
        }
    return _("This record is %(status)s and can no longer be changed.") % {
        "status": record.get_status_display()
    }


class MyRecordsView(PortalAccessMixin, View):
    """``/records/``: the teacher's records grouped by status, a returned or refused
    record with its reason; staff pick a teacher to declare for."""

    def get(self, request: Any) -> Any:
        user = request.user
        teacher = _own_teacher(user)
        groups = []
        if teacher is not None:
            for status, rows in record_list_mine(fetched_by=user, teacher=teacher):
                groups.append(
                    {
                        "status": status,
                        "label": RecordStatus(status).label,
                        "color": STATUS_COLORS.get(status, "gray"),
                        "rows": rows,
                    }
                )
        # Staff declare for a teacher found by name or pinyin (a county reaches thousands:
        # never a list of them all).
        teachers = teachers_for_declaring(fetched_by=user).exclude(user=user)
        staff = teachers.exists()
        query = (request.GET.get("q") or "").strip()[:40] if staff else ""
        found = list(teachers_matching(teachers, query)[:PICK_LIMIT]) if query else []
        return render(
            request,
            "records/mine.html",
            {
                "teacher": teacher,
                "groups": groups,
                "staff": staff,
                "q": query,
                "found": found,
                "more": len(found) == PICK_LIMIT,
            },
        )


# Teachers a staff search lists at most.
PICK_LIMIT = 20


def _declaring_for(request: Any) -> Teacher:
    """The teacher a record is declared for: ``?teacher=`` (staff, the change right on the
    teacher) or the user's own teacher profile; 404 otherwise."""
    raw = request.GET.get("teacher") or request.POST.get("teacher")
    if raw:
        if not str(raw).isdigit() or len(str(raw)) > 18:
            raise Http404("no such teacher")
        return get_scoped_or_404(
            Teacher.objects.select_related("school"), request.user, "change", pk=int(raw)
        )
    teacher = _own_teacher(request.user)
    if teacher is None:
        raise Http404("no teacher profile")
    return teacher


class RecordNewView(PortalAccessMixin, View):
    """``/records/new/``: choose the kind, then fill its form; save as a draft (and add
    files on the next page) or submit at once."""

    def _context(self, request: Any, teacher: Teacher, kind: str | None, form: Any) -> dict:
        own = teacher.user_id == request.user.pk
        return {
            "teacher": teacher,
            "own": own,
            "teacher_query": "" if own else f"&teacher={teacher.pk}",
            "kinds": kind_choices(),
            "kind": kind,
            "spec": kind_spec(kind) if kind else None,
            "form": form,
        }

    def _kind(self, request: Any) -> str | None:
        kind = request.GET.get("kind") or request.POST.get("kind")
        if kind and kind not in DECLARABLE_KINDS:
            raise Http404("no such kind")
        return kind or None

    def get(self, request: Any) -> Any:
        teacher = _declaring_for(request)
        kind = self._kind(request)
        form = None
        if kind:
            form = RecordForm(
                spec=kind_spec(kind),
                projects=projects_for(fetched_by=request.user, teacher=teacher),
                initial={"date": None},
            )
        return render(request, "records/new.html", self._context(request, teacher, kind, form))

    def post(self, request: Any) -> Any:
        teacher = _declaring_for(request)
        kind = self._kind(request)
        if kind is None:
            raise Http404("no kind")
        form = RecordForm(
            request.POST,
            spec=kind_spec(kind),
            projects=projects_for(fetched_by=request.user, teacher=teacher),
        )
        submit = request.POST.get("action") == "submit"
        if form.is_valid():
            data = form.to_service()
            try:
                record = services.record_create(
                    actor=request.user,
                    teacher=teacher,
                    kind=kind,
                    source=RecordSource.DECLARED
                    if teacher.user_id == request.user.pk
                    else RecordSource.SCHOOL,
                    status=RecordStatus.SUBMITTED if submit else RecordStatus.DRAFT,
                    **data,
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            except PermissionDenied:
                raise Http404("not allowed") from None
            else:
                if submit:
                    messages.success(request, _("Submitted for review."))
                    return HttpResponseRedirect(reverse("portal:record", args=[record.pk]))
                messages.success(request, _("Saved as a draft. Add the evidence files below."))
                return HttpResponseRedirect(reverse("records:edit", args=[record.pk]))
        return render(
            request,
            "records/new.html",
            self._context(request, teacher, kind, form),
            status=200,
        )


class RecordEditView(PortalAccessMixin, View):
    """``/records/<id>/edit/``: change a draft or returned record, upload its evidence,
    submit it. A record that can no longer be changed shows why."""

    def _render(self, request: Any, record: Record, form: Any, upload: Any) -> Any:
        editable = may_edit(request.user, record)
        return render(
            request,
            "records/edit.html",
            {
                "record": record,
                "spec": kind_spec(record.kind) if record.kind in DECLARABLE_KINDS else None,
                "form": form if editable else None,
                "upload": upload if editable else None,
                "editable": editable,
                "locked_reason": "" if editable else locked_reason(record),
                "status_color": STATUS_COLORS.get(record.status, "gray"),
                "evidence": evidence_of(fetched_by=request.user, record=record),
                "fields": record_display(record),
                "may_submit": editable and record.status in OWNER_EDITABLE,
            },
        )

    def _form(self, request: Any, record: Record, data: Any = None) -> RecordForm | None:
        if record.kind not in DECLARABLE_KINDS:
            return None
        return RecordForm(
            data,
            spec=kind_spec(record.kind),
            projects=projects_for(fetched_by=request.user, teacher=record.teacher),
            initial=RecordForm.initial_from(record),
        )

    def get(self, request: Any, pk: int) -> Any:
        record = record_get(fetched_by=request.user, pk=pk, action="change")
        return self._render(request, record, self._form(request, record), EvidenceUploadForm())

    def post(self, request: Any, pk: int) -> Any:
        record = record_get(fetched_by=request.user, pk=pk, action="change")
        form = self._form(request, record, request.POST)
        if form is None:
            raise Http404("not a declarable kind")
        if form.is_valid():
            try:
                services.record_update(actor=request.user, record=record, **form.to_service())
            except ValidationError as exc:
                form.add_service_errors(exc)
            except PermissionDenied:
                raise Http404("not allowed") from None
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(reverse("records:edit", args=[record.pk]))
        return self._render(request, record, form, EvidenceUploadForm())


class _RecordActionView(PortalAccessMixin, View):
    """A one-button POST on a record through one service; errors come back as a message."""

    action = "change"
    done_message = ""

    def run(self, request: Any, record: Record) -> Any:
        raise NotImplementedError

    def after(self, record: Record) -> str:
        return reverse("records:edit", args=[record.pk])

    def post(self, request: Any, pk: int) -> Any:
        record = record_get(fetched_by=request.user, pk=pk, action=self.action)
        try:
            self.run(request, record)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
            return HttpResponseRedirect(reverse("records:edit", args=[record.pk]))
        except PermissionDenied:
            raise Http404("not allowed") from None
        messages.success(request, str(self.done_message))
        return HttpResponseRedirect(self.after(record))


class RecordSubmitView(_RecordActionView):
    """``POST /records/<id>/submit/``: a draft or returned record goes to review."""

    done_message = _("Submitted for review.")

    def run(self, request: Any, record: Record) -> Any:
        return services.record_submit(actor=request.user, record=record)

    def after(self, record: Record) -> str:
        return reverse("portal:record", args=[record.pk])


class RecordWithdrawView(_RecordActionView):
    """``POST /records/<id>/withdraw/``: a submitted record back to draft."""

    done_message = _("Withdrawn: the record is a draft again.")

    def run(self, request: Any, record: Record) -> Any:
        return services.record_withdraw(actor=request.user, record=record)


class RecordDeleteView(_RecordActionView):
    """``POST /records/<id>/delete/``: delete a draft or returned record."""

    action = "delete"
    done_message = _("The record was deleted.")

    def run(self, request: Any, record: Record) -> Any:
        return services.record_delete(actor=request.user, record=record)

    def after(self, record: Record) -> str:
        return reverse("records:mine")


class EvidenceAddView(PortalAccessMixin, View):
    """``POST /records/<id>/evidence/``: attach one or more files; each is checked by its
    content, and a refused one is named with the reason (the others are kept)."""

    def post(self, request: Any, pk: int) -> Any:
        record = record_get(fetched_by=request.user, pk=pk, action="change")
        form = EvidenceUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            for error in form.errors.get("files", []):
                messages.error(request, error)
            return HttpResponseRedirect(reverse("records:edit", args=[record.pk]))
        added = 0
        for upload in form.cleaned_data["files"]:
            try:
                services.evidence_add(actor=request.user, record=record, file=upload)
            except ValidationError as exc:
                messages.error(request, _error_text(exc))
            except PermissionDenied:
                raise Http404("not allowed") from None
            else:
                added += 1
        if added:
            messages.success(request, _("%(n)d file(s) attached.") % {"n": added})
        return HttpResponseRedirect(reverse("records:edit", args=[record.pk]))


class EvidenceDeleteView(PortalAccessMixin, View):
    """``POST /records/evidence/<id>/delete/``: remove a file from an unlocked record."""

    def post(self, request: Any, pk: int) -> Any:
        evidence = get_scoped_or_404(
            Evidence.objects.select_related("record"), request.user, "change", pk=_pk(pk)
        )
        try:
            services.evidence_delete(actor=request.user, evidence=evidence)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        except PermissionDenied:
            raise Http404("not allowed") from None
        else:
            messages.success(request, _("The file was removed."))
        return HttpResponseRedirect(reverse("records:edit", args=[evidence.record_id]))


class EvidenceFileView(PortalAccessMixin, View):
    """``/records/evidence/<id>/``: the file, to users who may see its record. Images and
    PDFs open in the browser, other types download; the content type is the one detected
    at upload, never guessed again (``nosniff``)."""

    def get(self, request: Any, pk: int) -> FileResponse:
        evidence = get_scoped_or_404(Evidence, request.user, "view", pk=_pk(pk))
        file_type = file_type_of(evidence.file.name)
        try:
            handle = evidence.file.open("rb")
        except FileNotFoundError:
            raise Http404("file missing") from None
        response = FileResponse(
            handle,
            content_type=CONTENT_TYPES.get(file_type, "application/octet-stream"),
        )
        disposition = "inline" if file_type in INLINE_TYPES else "attachment"
        response["Content-Disposition"] = _disposition(disposition, evidence.name)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


def _disposition(kind: str, name: str) -> str:
    """A Content-Disposition header with the display name: an ASCII fallback and the
    UTF-8 name (RFC 6266 / 5987), so no quote or line break reaches the header."""
    ascii_name = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
