"""Signals sent after a business event has been committed.

Receivers (notifications, later: mail and the activity feed) get the committed
:class:`~xuefen.audit.models.AuditEntry` as ``entry``. Sent from ``transaction.on_commit``,
so a rolled-back action notifies nobody.
"""

from django.dispatch import Signal

business_event = Signal()
