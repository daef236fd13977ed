"""Job pages: start a job (a button elsewhere posts here), watch it, list one's jobs.

The job page polls its progress partial with htmx every two seconds while the job is open;
the partial of a finished job carries no trigger, so the polling stops by itself (no inline
script: the Content-Security-Policy allows none).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView, View

from xuefen.org.models import OrgNode
from xuefen.org.scoping import get_scoped_or_404
from xuefen.portal.access import PortalAccessMixin, region_nodes
from xuefen.portal.htmx import HtmxListMixin

from .choices import JobKind, JobStatus
from .forms import JobStartForm
from .kinds import KINDS
from .selectors import job_get, job_list
from .services import job_kind, job_start

# A job still waiting after this long suggests that no worker is running.
WAITING_HINT_AFTER = dt.timedelta(seconds=30)


class JobStartView(PortalAccessMixin, View):
    """``POST /jobs/start/`` (kind, node): start the job and show its page. A node out of
    the user's reach for the kind's action is a 404, as if it did not exist; a GET is
    405 (no ``get``)."""

    def post(self, request: Any) -> HttpResponseRedirect:
        form = JobStartForm(request.POST)
        if not form.is_valid():
            raise BadRequest("invalid job start")
        kind = form.cleaned_data["kind"]
        spec = job_kind(kind)
        node = get_scoped_or_404(OrgNode, request.user, spec.action, pk=form.cleaned_data["node"])
        try:
            job = job_start(actor=request.user, kind=kind, node=node)
        except PermissionDenied:
            raise Http404("no such organisation") from None
        return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))


class JobDetailView(PortalAccessMixin, HtmxListMixin, TemplateView):
    """``/jobs/<uuid>/``: one job's progress; htmx asks for the progress partial alone."""

    template_name = "jobs/job_detail.html"
    partial_template_name = "jobs/partials/job_progress.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        job = job_get(fetched_by=user, pk=kwargs["pk"])
        spec = KINDS.get(job.kind)
        back_url = None
        if job.kind == JobKind.RECOMPUTE and region_nodes(user).filter(pk=job.node_id).exists():
            back_url = reverse("portal:region", args=[job.node_id])
        waiting_long = (
            job.status == JobStatus.QUEUED and job.created_at < timezone.now() - WAITING_HINT_AFTER
        )
        return {
            **super().get_context_data(**kwargs),
            "job": job,
            "progress": (spec.progress if spec else "%(done)s / %(total)s")
            % {"done": job.done, "total": job.total},
            "back_url": back_url,
            "waiting_long": waiting_long,
            "link": spec.link(job) if spec and spec.link and job.status == JobStatus.DONE else None,
        }


class JobListView(PortalAccessMixin, TemplateView):
    """``/jobs/``: the jobs the user started, newest first."""

    template_name = "jobs/job_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "jobs": job_list(fetched_by=self.request.user),
        }
