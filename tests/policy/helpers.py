"""Small builders shared by the engine tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from xuefen.policy import load_policy

_ids = itertools.count(1)


def rec(kind: str, date: str, **fields: Any) -> dict[str, Any]:
    """A record dict with a fresh id unless one is given."""
    out = {"id": fields.pop("id", f"r{next(_ids)}"), "kind": kind, "date": date}
    out.update(fields)
    return out


def evaluate(policy_id: str, records: list[dict], as_of: str | None = None, **teacher: Any):
    """Evaluate one teacher and return the teacher's result."""
    policy = load_policy(policy_id)
    day = dt.date.fromisoformat(as_of) if as_of else None
    result = policy.evaluate([{"id": "T1", "records": records, **teacher}], as_of=day)
    return result["teachers"][0]


def by_id(result: dict, record_id: str) -> dict:
    return next(r for r in result["records"] if r["id"] == record_id)


def period(result: dict, label: str, type_: str | None = None) -> dict:
    return next(
        p
        for p in result["periods"]
        if p["period"] == label and (type_ is None or p["type"] == type_)
    )


def requirement(block: dict, req_id: str) -> dict:
    return next(r for r in block["requirements"] if r["id"] == req_id)
