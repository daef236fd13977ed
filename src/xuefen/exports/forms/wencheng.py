"""Forms of wencheng (being written)."""
