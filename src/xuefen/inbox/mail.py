"""E-mail copies of notifications, where the deployment configures mail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def mail_notifications(notifications: Sequence[Any]) -> None:
    """Mail each notification to its user if ``XUEFEN_NOTIFY_BY_MAIL`` is on and the user
    has an address. (Filled in by the inbox's mail support.)"""
    return None
