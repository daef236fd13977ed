"""The one htmx helper (style.md habit 11): a list view answers an htmx request with its
table partial only, so filtering swaps the table in place without reloading the page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx sent the request for a fragment (a history restore wants the page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


class HtmxListMixin:
    """For a TemplateView-like list page: ``partial_template_name`` renders the table alone.

    The full template includes the same partial, so both answers show the same rows.
    """

    partial_template_name: str = ""

    def get_template_names(self) -> list[str]:
        if is_htmx(self.request) and self.partial_template_name:  # type: ignore[attr-defined]
            return [self.partial_template_name]
        return super().get_template_names()  # type: ignore[misc]

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)  # type: ignore[misc]
        # The same URL answers with a page or a fragment: caches must keep them apart.
        patch_vary_headers(response, ("HX-Request",))
        return response
