"""The reviewer's decision on what the page showed.

The records services lock the row and check the transition table, which is enough for
two approvals (the second finds the record approved). It is not enough for an approval
and a return at once: the transition table lets a school return an *approved* record
(before certification), so a return arriving just after someone else's approval would
quietly undo it. A reviewer decides on the status their page showed; :func:`review_decide`
locks the row, refuses if the status moved since, and only then calls the one records
service, in the same transaction. Of two reviewers acting at once exactly one wins; the
other is told what the record became, and nothing they typed is lost (the page keeps it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xuefen.org.scoping import require
from xuefen.records.models import Record
from xuefen.records.services import record_approve, record_decline, record_reject

APPROVE, RETURN, DECLINE = "approve", "reject", "decline"

SERVICES: dict[str, Callable[..., Record]] = {
    APPROVE: record_approve,
    RETURN: record_reject,
    DECLINE: record_decline,
}


class HandledMeanwhile(ValidationError):
    """The record's status moved since the reviewer's page showed it."""

    def __init__(self, record: Record) -> None:
        self.record = record
        super().__init__(
            {
                "status": _("Already handled by another reviewer: it is now %(status)s.")
                % {"status": record.get_status_display()}
            }
        )


def review_decide(
    *, actor: Any, record: Record, decision: str, reason: str = "", seen: str | None = None
) -> Record:
    """Approve, return (``reject``) or refuse (``decline``) ``record``, provided it still
    has the status ``seen`` (what the reviewer's page showed; None: whatever it is).

    Raises :class:`HandledMeanwhile` if the status moved, else whatever the records
    service raises (``PermissionDenied``, ``ValidationError``); the service writes the
    audit entry and tells the teacher.
    """
    service = SERVICES[decision]
    require(actor, "review", record)
    with transaction.atomic():
        current = Record.objects.select_for_update().get(pk=record.pk)
        if seen and current.status != seen:
            record.status = current.status
            raise HandledMeanwhile(current)
        return service(actor=actor, record=current, reason=reason)
