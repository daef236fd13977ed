"""Login throttling on django-axes: the client's address, per-address limits, the lock page.

Settings (``web/settings/base.py``, documented in docs/administration.md): failures are
counted per account and per address (``AXES_LOCKOUT_PARAMETERS``); an account is locked
after ``AXES_FAILURE_LIMIT`` failures, an address after
``XUEFEN_LOGIN_ADDRESS_FAILURE_LIMIT`` (a school's teachers often share one address), for
``AXES_COOLOFF_TIME`` after the failure that locked it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

LOCKED_OUT_TEMPLATE = "registration/locked_out.html"


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or behind ``XUEFEN_PROXY_COUNT`` reverse
    proxies the address the outermost of them saw (each proxy appends to X-Forwarded-For,
    so entries further left were written by the client and cannot be trusted)."""
    remote = request.META.get("REMOTE_ADDR")
    count = getattr(settings, "XUEFEN_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-count] if len(hops) >= count else remote


def _names(parameter: str | list[str]) -> tuple[str, ...]:
    return (parameter,) if isinstance(parameter, str) else tuple(parameter)


def _limit(names: tuple[str, ...], request: Any, credentials: Any) -> int:
    """The failure limit of one set of lock-out parameters."""
    if names == ("ip_address",):
        return settings.XUEFEN_LOGIN_ADDRESS_FAILURE_LIMIT
    return get_failure_limit(request, credentials)


class LoginAttemptHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per parameter set: the address may fail more
    often than one account before it is locked."""

    def failures_by_parameter(
        self, request: HttpRequest, credentials: dict | None = None
    ) -> list[tuple[tuple[str, ...], int, int, QuerySet]]:
        """For each lock-out parameter set: (names, recent failures, limit, attempts)."""
        parameters = get_lockout_parameters(request, credentials)
        rows = []
        for parameter, attempts in zip(
            parameters, self.get_user_attempts(request, credentials), strict=True
        ):
            names = _names(parameter)
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            rows.append((names, failures, _limit(names, request, credentials), attempts))
        return rows

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """The failures axes compares with ``AXES_FAILURE_LIMIT``: the worst parameter set,
        each scaled to that limit (so a set is locked exactly when it reaches its own)."""
        account_limit = get_failure_limit(request, credentials)
        return max(
            (
                failures * account_limit // limit
                for _names, failures, limit, _attempts in self.failures_by_parameter(
                    request, credentials
                )
            ),
            default=0,
        )

    def locked_parameters(
        self, request: HttpRequest, credentials: dict | None = None
    ) -> list[tuple[str, ...]]:
        """The parameter sets (``("username",)``, ``("ip_address",)``) now locked."""
        return [
            names
            for names, failures, limit, _attempts in self.failures_by_parameter(
                request, credentials
            )
            if failures >= limit
        ]

    def lock_lifts_at(
        self, request: HttpRequest, credentials: dict | None = None
    ) -> dt.datetime | None:
        """When every lock on this request's account and address has lifted: a set is
        locked while its failures newer than the cool-off reach its limit, so it lifts
        a cool-off after the failure that (counting back from the newest) reached it."""
        cool_off = get_cool_off(request)
        if cool_off is None:
            return None
        lifts: dt.datetime | None = None
        for _names, failures, limit, attempts in self.failures_by_parameter(request, credentials):
            if failures < limit:
                continue
            total = 0
            for when, count in attempts.order_by("-attempt_time").values_list(
                "attempt_time", "failures_since_start"
            ):
                total += count
                if total >= limit:
                    candidate = when + cool_off
                    lifts = candidate if lifts is None else max(lifts, candidate)
                    break
        return lifts


def locked_out_response(
    request: HttpRequest, original_response: Any = None, credentials: dict | None = None
) -> HttpResponse:
    """The page a refused login gets (``AXES_LOCKOUT_CALLABLE``): in Chinese, when to try
    again and whom to ask; status 429."""
    handler = AxesProxyHandler.get_implementation()
    lifts = None
    if isinstance(handler, LoginAttemptHandler):
        lifts = handler.lock_lifts_at(request, credentials)
    cool_off = get_cool_off(request)
    context = {
        "until": timezone.localtime(lifts) if lifts else None,
        "minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, LOCKED_OUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE)
