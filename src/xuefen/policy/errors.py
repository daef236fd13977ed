"""Errors raised by the policy engine.

Every error renders as one line that names what is wrong (record, field, value), so the
command line and the web app can show it as it is.
"""

from __future__ import annotations


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped (``\\n``), so an
    error is always one line whatever a key or value holds."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class XuefenError(Exception):
    """Base class of every error the engine raises on purpose."""


class InputError(XuefenError):
    """Bad input: a record, a teacher or a sheet input that cannot be evaluated."""

    def __init__(self, message: str, *, record: str | None = None, field: str | None = None):
        self.record = record
        self.field = field
        self.message = message
        where = []
        if record is not None:
            where.append(f"record {record}")
        if field is not None:
            where.append(f"field {field}")
        prefix = ": ".join(where)
        super().__init__(one_line(f"{prefix}: {message}" if prefix else message))


class PolicyFileError(XuefenError):
    """A policy or sheet file that does not validate."""

    def __init__(self, message: str, *, source: str | None = None, location: str | None = None):
        self.source = one_line(source) if source else source
        self.location = one_line(location) if location else location
        where = ": ".join(p for p in (source, location) if p)
        super().__init__(one_line(f"{where}: {message}" if where else message))


class UnknownPolicyError(XuefenError):
    """A policy or sheet id that is not bundled."""
