"""Forms of dali (being written)."""
