"""The audit log of business events: who did what to which object, when and why."""
