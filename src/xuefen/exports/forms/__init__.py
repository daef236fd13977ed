"""The forms, one module per region\x27s documents (and :mod:`.common` for every region)."""
