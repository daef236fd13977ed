"""Forms of puer (being written)."""
