"""One way to declare a workflow: a table of named transitions per object.

Every workflow object (a record, a public notice, an objection, a period's submission) has
its states and transitions declared in one :class:`Machine`, next to its model, and each
transition is one service function that calls :meth:`Machine.check` on the locked row
before changing it (Wagtail's ``WorkflowState``; style.md habits 3 and 17). The table says
which states a transition leaves from, the state it reaches, the scoping action the actor
needs on the object, the audit event it writes, whether a reason is required, and the
recognition window (``xuefen.workflow.windows``) it must fall in, if any. Pages read the
same table to offer only the buttons that can succeed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Transition:
    """One named move of a workflow object."""

    name: str
    sources: frozenset[str]
    target: str
    action: str
    event: str
    label: Any = ""
    reason_required: bool = False
    window: str | None = None


@dataclass(frozen=True)
class Machine:
    """The states (with their labels) and transitions of one workflow object."""

    name: str
    states: Any  # a TextChoices class: values and Chinese labels
    transitions: tuple[Transition, ...]
    field: str = "status"
    _by_name: dict[str, Transition] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {t.name: t for t in self.transitions}
        if len(by_name) != len(self.transitions):
            raise ValueError(f"{self.name}: duplicate transition names")
        values = set(self.states.values)
        for t in self.transitions:
            unknown = (set(t.sources) | {t.target}) - values
            if unknown:
                raise ValueError(f"{self.name}.{t.name}: unknown states {sorted(unknown)}")
        object.__setattr__(self, "_by_name", by_name)

    def __getitem__(self, name: str) -> Transition:
        return self._by_name[name]

    def available(self, state: str) -> list[Transition]:
        """The transitions that may leave ``state`` (permission and window not judged)."""
        return [t for t in self.transitions if state in t.sources]

    def label(self, state: str) -> str:
        """The state's label."""
        try:
            return str(self.states(state).label)
        except ValueError:
            return state

    def check(self, name: str, state: str, *, reason: str = "") -> Transition:
        """The transition ``name`` if it may leave ``state``; else a :class:`ValidationError`
        naming the state (``{"status": [...]}``), or the missing reason (``{"reason": ...}``).
        """
        transition = self[name]
        if state not in transition.sources:
            raise ValidationError(
                {
                    self.field: _("This is %(state)s: it cannot be %(action)s.")
                    % {"state": self.label(state), "action": transition.label or transition.name}
                }
            )
        if transition.reason_required and not (reason or "").strip():
            raise ValidationError({"reason": _("Give a reason.")})
        return transition

    def targets(self, names: Iterable[str]) -> frozenset[str]:
        """The states the named transitions reach."""
        return frozenset(self[n].target for n in names)
