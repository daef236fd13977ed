"""Signals of business events.

- :data:`business_change` is sent inside the changing transaction, right after the audit
  entry is written, with ``entries`` (the unsaved-or-saved :class:`AuditEntry` rows) and
  ``targets`` (the changed objects, where the writer has them; ``None`` items otherwise).
  Derived data that must change with the facts in the same transaction listens here:
  :mod:`xuefen.results.events` marks the affected teachers stale. A receiver that raises
  rolls the change back, so receivers do only what must be atomic with it.
- :data:`business_event` is sent once the transaction has committed, with the committed
  ``entry``: notifications and queued work (a rolled-back action notifies nobody).
"""

from django.dispatch import Signal

business_change = Signal()
business_event = Signal()
