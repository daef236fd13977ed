"""The review pages: the queue, one record's decision, and the batch approval.

A decision calls :func:`xuefen.review.services.review_decide` (approve, return =
``record_reject``, refuse = ``record_decline``, on the status the page showed), the batch
``record_approve`` per record; both lock the row and re-check its state, so of two
reviewers acting on one record at once exactly one wins, and the other is told what
happened meanwhile, with their reason still in the form. Out of the user's reach is a 404;
a user who reviews nothing at all (a teacher) gets 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy
from django.views.generic import TemplateView, View

from xuefen.org.scoping import get_scoped_or_404, restrict
from xuefen.portal.access import PortalAccessMixin
from xuefen.portal.htmx import HtmxListMixin, is_htmx
from xuefen.records.choices import RecordStatus
from xuefen.records.models import Record
from xuefen.records.services import record_approve

from .filters import QueueFilterForm
from .forms import BatchApproveForm, DecisionForm, safe_next
from .selectors import (
    SORT_DATE,
    may_review,
    queue_rows,
    record_title,
    review_groups,
    review_queue,
    review_schools,
)
from .services import APPROVE, DECLINE, RETURN, HandledMeanwhile, review_decide

# Records per queue page.
QUEUE_PAGE_SIZE = 50

# What the reviewer is told once a decision is stored.
DONE = {
    APPROVE: pgettext_lazy("review done", "approved"),
    RETURN: pgettext_lazy("review done", "returned to the teacher"),
    DECLINE: pgettext_lazy("review done", "refused"),
}


class ReviewAccessMixin(PortalAccessMixin):
    """Anonymous → login; a user who reviews nothing anywhere → 403."""

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not may_review(request.user):
            raise PermissionDenied("no review right")
        return super().dispatch(request, *args, **kwargs)


def _record_for_review(user: Any, pk: int) -> Record:
    return get_scoped_or_404(
        Record.objects.select_related("teacher__school", "teacher__group", "project"),
        user,
        "review",
        pk=pk,
    )


def error_messages(exc: ValidationError) -> list[str]:
    """A service's ValidationError as lines to show."""
    if hasattr(exc, "error_dict"):
        return [str(m) for errors in exc.message_dict.values() for m in errors]
    return [str(m) for m in exc.messages]


class QueueView(ReviewAccessMixin, HtmxListMixin, TemplateView):
    """``/review/``: the records the user may review (default: submitted ones), filtered,
    sorted and paginated in the database; htmx requests get the table alone."""

    template_name = "review/queue.html"
    partial_template_name = "review/partials/queue_table.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        schools = review_schools(fetched_by=user)
        reach = list(schools[:2])
        school = None
        if len(reach) == 1:
            school = reach[0]
        else:
            raw = self.request.GET.get("school", "")
            if raw.isdigit() and len(raw) < 19:
                school = schools.filter(pk=int(raw)).first()
        groups = review_groups(fetched_by=user, school=school) if school is not None else None
        # Always bound, with the defaults filled in, so the selects show what is applied
        # (an unbound status select would show its first choice, 草稿, and send it back).
        data = self.request.GET.copy()
        data.setdefault("status", RecordStatus.SUBMITTED)
        data.setdefault("sort", SORT_DATE)
        form = QueueFilterForm(data, schools=schools, groups=groups)
        filters = form.filters()
        records = review_queue(fetched_by=user, filters=filters)
        page = Paginator(records, QUEUE_PAGE_SIZE).get_page(self.request.GET.get("page"))
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "filters": filters,
            "several_schools": len(reach) > 1,
            "single_school": reach[0] if len(reach) == 1 else None,
            "page_obj": page,
            "rows": queue_rows(page.object_list),
            "next": self.request.get_full_path(),
            "oob": is_htmx(self.request),
            "row_htmx": True,
            "uid": get_random_string(6),
        }


class ReviewRecordView(ReviewAccessMixin, View):
    """``/review/<pk>/``: one record as the reviewer sees it, with the decisions; a POST
    makes one (htmx: the queue's row answers in place)."""

    template_name = "review/record.html"
    row_template_name = "review/partials/row.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = _record_for_review(request.user, pk)
        form = DecisionForm(initial={"seen": record.status, "next": request.GET.get("next")})
        return self.render(request, record, form, next_url=request.GET.get("next"))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request.user
        record = _record_for_review(user, pk)
        form = DecisionForm(request.POST)
        next_url = safe_next(request.POST.get("next"), host=request.get_host())
        if form.is_valid():
            decision = form.cleaned_data["decision"]
            try:
                review_decide(
                    actor=user,
                    record=record,
                    decision=decision,
                    reason=form.cleaned_data["reason"],
                    seen=form.cleaned_data["seen"] or None,
                )
            except PermissionDenied:
                raise Http404("out of reach") from None
            except HandledMeanwhile as exc:
                record.status = exc.record.status
                form.add_error(None, error_messages(exc))
            except ValidationError as exc:
                for line in error_messages(exc):
                    form.add_error(None, line)
            else:
                record = _record_for_review(user, pk)
                done = _("%(record)s (%(teacher)s): %(done)s.") % {
                    "record": record_title(record),
                    "teacher": record.teacher.name,
                    "done": DONE[decision],
                }
                if is_htmx(request):
                    fresh = DecisionForm(initial={"seen": record.status, "next": next_url})
                    return self.render(request, record, fresh, next_url=next_url, done=done)
                messages.success(request, done)
                return HttpResponseRedirect(next_url)
        return self.render(request, record, form, next_url=next_url)

    def render(
        self,
        request: HttpRequest,
        record: Record,
        form: DecisionForm,
        *,
        next_url: str | None,
        done: str = "",
    ) -> HttpResponse:
        """The record page, or for htmx the queue's row."""
        next_url = safe_next(next_url, host=request.get_host())
        if is_htmx(request):
            (row,) = queue_rows([record])
            return TemplateResponse(
                request,
                self.row_template_name,
                {
                    "row": row,
                    "decision_form": form,
                    "next": next_url,
                    "done": done,
                    "row_htmx": True,
                    "uid": get_random_string(6),
                },
            )
        (row,) = queue_rows([record])
        return TemplateResponse(
            request,
            self.template_name,
            {
                "record": record,
                "row": row,
                "title": row.title,
                "hours": row.hours,
                "hours_unit": row.hours_unit,
                "status_color": row.status_color,
                "decision_form": form,
                "next": next_url,
                "done": done,
                "uid": "page",
            },
        )


class BatchApproveView(ReviewAccessMixin, View):
    """``POST /review/batch/``: approve each ticked record through ``record_approve``, each
    in its own transaction; report how many were approved and why each other one was
    skipped, and go back to the queue with its filters."""

    def post(self, request: HttpRequest) -> HttpResponseRedirect:
        user = request.user
        form = BatchApproveForm(request.POST)
        next_url = safe_next(request.POST.get("next"), host=request.get_host())
        if not form.is_valid():
            for errors in form.errors.values():
                for line in errors:
                    messages.error(request, line)
            return HttpResponseRedirect(next_url)
        ids = form.cleaned_data["records"]
        reachable = {
            r.pk: r
            for r in restrict(Record, user, "review")
            .filter(pk__in=ids)
            .select_related("teacher", "project")
        }
        approved = 0
        skipped: list[str] = []
        for pk in ids:
            record = reachable.get(pk)
            if record is None:
                skipped.append(
                    _("Record %(pk)s: no such record among those you review.") % {"pk": pk}
                )
                continue
            label = _("%(record)s (%(teacher)s)") % {
                "record": record_title(record),
                "teacher": record.teacher.name,
            }
            try:
                record_approve(actor=user, record=record)
            except PermissionDenied:
                skipped.append(_("%(label)s: not yours to review.") % {"label": label})
            except ValidationError as exc:
                if record.status != RecordStatus.SUBMITTED:
                    why = _("already handled: it is now %(status)s") % {
                        "status": record.get_status_display()
                    }
                else:
                    why = "；".join(error_messages(exc))
                skipped.append(_("%(label)s: %(why)s") % {"label": label, "why": why})
            else:
                approved += 1
        summary = ngettext("%(n)d record approved", "%(n)d records approved", approved) % {
            "n": approved
        }
        summary += _(", %(m)d skipped.") % {"m": len(skipped)}
        (messages.success if not skipped else messages.warning)(request, summary)
        for line in skipped:
            messages.warning(request, line)
        return HttpResponseRedirect(next_url)
