"""Reading jobs for pages (style.md habit 15): always through the user's scope."""

from __future__ import annotations

from typing import Any

from xuefen.org.models import OrgNode
from xuefen.org.scoping import can, get_scoped_or_404

from .choices import OPEN_STATUSES
from .kinds import KINDS
from .models import Job


def job_list(*, fetched_by: Any, limit: int = 50) -> list[Job]:
    """The jobs ``fetched_by`` started, newest first."""
    return list(
        Job.objects.restrict(fetched_by, "view")
        .filter(started_by=fetched_by)
        .select_related("node")
        .order_by("-created_at")[:limit]
    )


def job_get(*, fetched_by: Any, pk: Any) -> Job:
    """One job ``fetched_by`` may see; :class:`~django.http.Http404` otherwise (someone
    else's job looks like no job)."""
    return get_scoped_or_404(Job.objects.select_related("node", "started_by"), fetched_by, pk=pk)


def open_job(*, fetched_by: Any, kind: str, node: OrgNode) -> Job | None:
    """The waiting or running job of ``kind`` for ``node`` that ``fetched_by`` may see."""
    return (
        Job.objects.restrict(fetched_by, "view")
        .filter(kind=kind, node=node, status__in=sorted(OPEN_STATUSES))
        .order_by("-created_at")
        .first()
    )


def may_start(*, user: Any, kind: str, node: OrgNode) -> bool:
    """Whether ``user`` may start a job of ``kind`` for ``node`` (to show its button)."""
    spec = KINDS.get(kind)
    return spec is not None and can(user, spec.action, node)
