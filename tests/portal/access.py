"""Reusable permission checks for every page (style.md habit 7, after NetBox's
``utilities/testing/views.py``): a page is described once by a :class:`Page` — how to
build its URL from the named people, who is in scope and who is not — and the same four
checks run on each: anonymous → login redirect, no role → 403, in scope → 200, out of
scope → 404 (or the status the page gives to a role it does not serve)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.shortcuts import resolve_url


@dataclass(frozen=True)
class Page:
    """A page under test. ``url`` builds the URL from (people, objects); ``in_scope`` and
    ``out_of_scope`` name users of the people fixture (``teacher_a`` means its user)."""

    name: str
    url: Callable[[Any, dict[str, Any]], str]
    in_scope: tuple[str, ...]
    out_of_scope: tuple[str, ...] = ()
    ok_status: int = 200
    out_status: int = 404
    extra: dict[str, Any] = field(default_factory=dict)


def person(people: Any, name: str) -> Any:
    """The user called ``name`` in the people fixture (a teacher's user for teachers)."""
    obj = getattr(people, name)
    return getattr(obj, "user", None) if hasattr(obj, "school_id") else obj


def get_as(client: Any, url: str, user: Any = None) -> Any:
    """GET ``url`` as ``user`` (anonymous when None), on a fresh session."""
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def assert_anonymous_redirects_to_login(client: Any, url: str) -> None:
    response = get_as(client, url)
    assert response.status_code == 302, response.status_code
    target = urlparse(response["Location"])
    assert target.path == resolve_url(settings.LOGIN_URL)
    assert "next=" in target.query


def assert_status(client: Any, url: str, user: Any, status: int) -> Any:
    response = get_as(client, url, user)
    assert response.status_code == status, (
        f"{user} GET {url}: {response.status_code}, expected {status}"
    )
    return response
