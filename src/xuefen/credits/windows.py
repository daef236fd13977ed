"""Exceptions to the recognition windows: the county keeps a window open for a school (or
a whole region) past the policy's dates, with a reason, audited (普洱 认定程序: recognition
in November–December, certification March–April of the next year).

:func:`xuefen.credits.procedure.window_open` reads the exceptions; this module writes them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xuefen.audit.choices import Event
from xuefen.audit.services import audit_log
from xuefen.org.choices import NodeKind
from xuefen.org.models import OrgNode
from xuefen.org.scoping import require, user_grants

from .choices import Window
from .models import WindowException
from .procedure import WorkPeriod
from .submissions import CERTIFIER_ROLES

# An exception is a short extension, not a second calendar.
MAX_EXCEPTION_DAYS = 366
EXCEPTION_NODE_KINDS = (NodeKind.SCHOOL, NodeKind.GROUP, NodeKind.COUNTY, NodeKind.CITY)


def window_exception_open(
    *,
    actor: Any,
    node: OrgNode,
    window: str,
    period: WorkPeriod,
    open_until: dt.date,
    reason: str,
) -> WindowException:
    """Keep ``window`` open for ``period`` at ``node`` (a school, or every school beneath a
    region) until ``open_until``, with a reason: the regional office holding ``certify`` on
    the node only."""
    require(actor, "certify", node)
    if not actor.is_superuser and not any(
        g.role in CERTIFIER_ROLES and node.path.startswith(g.path) for g in user_grants(actor)
    ):
        raise PermissionDenied("only the county or city opens a window exception")
    errors: dict[str, str] = {}
    if window not in Window.values:
        errors["window"] = _("Unknown window %(w)r.") % {"w": window}
    if node.kind not in EXCEPTION_NODE_KINDS:
        errors["node"] = _("An exception is opened for a school or a region.")
    if not (reason or "").strip():
        errors["reason"] = _("Give a reason.")
    today = timezone.localdate()
    if not isinstance(open_until, dt.date) or open_until < today:
        errors["open_until"] = _("The exception must stay open until today or a later day.")
    elif open_until > today + dt.timedelta(days=MAX_EXCEPTION_DAYS):
        errors["open_until"] = _("An exception runs for at most a year (until %(day)s).") % {
            "day": (today + dt.timedelta(days=MAX_EXCEPTION_DAYS)).isoformat()
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        exception = WindowException.objects.create(
            node=node,
            window=window,
            period_type=period.type,
            start=period.start,
            open_until=open_until,
            reason=reason.strip(),
            created_by=actor,
        )
        audit_log(
            actor=actor,
            event=Event.WINDOW_EXCEPTION,
            target=exception,
            node=node,
            new={
                "window": window,
                "period": period.key,
                "label": period.name,
                "open_until": open_until,
            },
            reason=exception.reason,
        )
    return exception
