"""A small declarative condition language shared by policy and sheet files.

A condition is a mapping from a field name to a test; every test must hold::

    mode: centralized            # equal
    level: [county, city]        # one of
    hours: {gte: 90}             # comparison: eq ne gt gte lt lte in not_in exists
    any_of: [{award: first}, {award: second}]
    all_of: [...]
    not: {attendance: full}

Conditions are compiled once into plain Python predicates; nothing is ever evaluated as
code. A field that is absent from the facts compares as ``None``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from .errors import PolicyFileError

Facts = Mapping[str, Any]
Predicate = Callable[[Facts], bool]

_COMBINATORS = {"any_of", "all_of", "not"}
_SCALARS = (str, int, float, bool, dt.date)


def _shown(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple | set | frozenset):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _scalar(value: Any, what: str, where: str) -> Any:
    """A value a field is compared with: a string, number, boolean, date or null."""
    if value is not None and not isinstance(value, _SCALARS):
        raise PolicyFileError(
            f"{what}: single values only (text, number, boolean, date), got {_shown(value)}",
            location=where,
        )
    return value


def _scalars(values: Any, what: str, where: str) -> frozenset:
    if not isinstance(values, list):
        raise PolicyFileError(f"{what} takes a list, got {_shown(values)}", location=where)
    for i, v in enumerate(values):
        _scalar(v, what, f"{where}[{i}]")
    return frozenset(values)


def _cmp(op: str, expected: Any, where: str) -> Callable[[Any], bool]:
    if op == "eq":
        _scalar(expected, "'eq'", where)
        return lambda v: v == expected
    if op == "ne":
        _scalar(expected, "'ne'", where)
        return lambda v: v != expected
    if op in {"in", "not_in"}:
        values = _scalars(expected, f"'{op}'", f"{where}.{op}")
        if op == "in":
            return lambda v: v in values
        return lambda v: v not in values
    if op == "exists":
        return (lambda v: v is not None) if expected else (lambda v: v is None)
    if op in {"gt", "gte", "lt", "lte"}:
        if not isinstance(expected, int | float) or isinstance(expected, bool):
            raise PolicyFileError(f"'{op}' takes a number, got {_shown(expected)}", location=where)
        if op == "gt":
            return lambda v: v is not None and v > expected
        if op == "gte":
            return lambda v: v is not None and v >= expected
        if op == "lt":
            return lambda v: v is not None and v < expected
        return lambda v: v is not None and v <= expected
    raise PolicyFileError(
        f"unknown operator {str(op)[:40]!r} (use eq ne in not_in gt gte lt lte exists)",
        location=where,
    )


def _field_test(name: str, spec: Any, where: str) -> Predicate:
    if isinstance(spec, Mapping):
        tests = [_cmp(op, expected, f"{where}.{name}") for op, expected in spec.items()]
        if not tests:
            raise PolicyFileError("empty test", location=f"{where}.{name}")
        if len(tests) == 1:
            # One operator: test the value directly (no generator per call).
            (op, expected), test = next(iter(spec.items())), tests[0]
            if op == "eq":
                return lambda facts: facts.get(name) == expected
            if op == "ne":
                return lambda facts: facts.get(name) != expected
            return lambda facts: test(facts.get(name))
        return lambda facts: all(t(facts.get(name)) for t in tests)
    if isinstance(spec, list):
        values = _scalars(spec, "a list of values", f"{where}.{name}")
        return lambda facts: facts.get(name) in values
    _scalar(spec, "a field test", f"{where}.{name}")
    return lambda facts: facts.get(name) == spec


def compile_condition(spec: Mapping[str, Any] | None, where: str = "when") -> Predicate:
    """Compile a condition mapping into a predicate over a facts mapping.

    ``None`` or an empty mapping is always true.
    """
    if not spec:
        return lambda facts: True
    if not isinstance(spec, Mapping):
        raise PolicyFileError(f"a condition is a mapping, got {_shown(spec)}", location=where)
    parts: list[Predicate] = []
    for key, value in spec.items():
        if key == "any_of" or key == "all_of":
            if not isinstance(value, list) or not value:
                raise PolicyFileError(f"'{key}' takes a non-empty list", location=where)
            subs = [compile_condition(v, f"{where}.{key}[{i}]") for i, v in enumerate(value)]
            if key == "any_of":
                parts.append(lambda f, subs=subs: any(s(f) for s in subs))
            else:
                parts.append(lambda f, subs=subs: all(s(f) for s in subs))
        elif key == "not":
            sub = compile_condition(value, f"{where}.not")
            parts.append(lambda f, sub=sub: not sub(f))
        else:
            parts.append(_field_test(str(key), value, where))
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        first, second = parts
        return lambda facts: bool(first(facts) and second(facts))
    return lambda facts: all(p(facts) for p in parts)


def condition_fields(spec: Mapping[str, Any] | None) -> set[str]:
    """The field names a condition reads (used to check them against the vocabulary)."""
    names: set[str] = set()
    if not spec:
        return names
    for key, value in spec.items():
        if key in {"any_of", "all_of"}:
            for sub in value:
                names |= condition_fields(sub)
        elif key == "not":
            names |= condition_fields(value)
        else:
            names.add(str(key))
    return names
