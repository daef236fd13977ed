"""Template tags for job buttons on other apps' pages (the region page's "recompute")."""

from __future__ import annotations

from typing import Any

from django import template

from xuefen.jobs.selectors import may_start, open_job

register = template.Library()


@register.simple_tag(takes_context=True)
def job_button(context: Any, kind: str, node: Any) -> dict[str, Any]:
    """For a job button: ``allowed`` (may the user start ``kind`` for ``node``) and
    ``open`` (the job of that kind already waiting or running there, if any)."""
    user = context["request"].user
    if node is None or not may_start(user=user, kind=kind, node=node):
        return {"allowed": False, "open": None}
    return {"allowed": True, "open": open_job(fetched_by=user, kind=kind, node=node)}
