"""Engine throughput on a synthetic county: records evaluated per second on one core.

Prints figures, not pass/fail. In the same run it times the floor: a plain sum of the same
records' hours by teacher, so the ratio stays meaningful on any machine.

    .venv/bin/python benchmarks/engine.py            # 5,000 teachers × 50 records, then × 4
    .venv/bin/python benchmarks/engine.py --teachers 1000 --scales 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import sys
import time
from collections import defaultdict

from xuefen.policy import load_policy

LEVELS = ["county", "city", "province", "national"]
MODULES = ["ethics", "knowledge", "ability", "class_management"]


def synthetic_county(teachers: int, per_teacher: int, seed: int = 1) -> list[dict]:
    """Teachers with a realistic mix of records over 2021–2025."""
    rnd = random.Random(seed)
    start = dt.date(2021, 1, 1).toordinal()
    out = []
    for t in range(teachers):
        records = []
        for i in range(per_teacher):
            day = dt.date.fromordinal(start + rnd.randrange(5 * 365)).isoformat()
            roll = rnd.random()
            rid = f"t{t}r{i}"
            if roll < 0.35:
                r = {
                    "id": rid,
                    "kind": "training",
                    "date": day,
                    "mode": "online",
                    "hours": rnd.choice([6, 10, 20, 30]),
                    "score": rnd.randrange(50, 101),
                    "module": rnd.choice(MODULES),
                    "self_selected": rnd.random() < 0.7,
                }
            elif roll < 0.6:
                r = {
                    "id": rid,
                    "kind": "training",
                    "date": day,
                    "mode": "school_based",
                    "hours": rnd.choice([2, 3, 4]),
                    "credit_per_hour": rnd.choice([0.5, 1]),
                }
            elif roll < 0.85:
                r = {
                    "id": rid,
                    "kind": "training",
                    "date": day,
                    "mode": "centralized",
                    "level": rnd.choice(LEVELS),
                    "days": rnd.choice([1, 2, 3]),
                    "score": rnd.randrange(60, 101),
                    "module": rnd.choice(MODULES),
                }
            elif roll < 0.92:
                r = {
                    "id": rid,
                    "kind": "competition",
                    "date": day,
                    "level": rnd.choice(LEVELS),
                    "award": rnd.choice(["first", "second", "third", "none"]),
                }
            else:
                r = {
                    "id": rid,
                    "kind": "teaching",
                    "date": day,
                    "level": rnd.choice(LEVELS),
                    "hours": rnd.choice([2, 4, 8]),
                }
            records.append(r)
        out.append({"id": f"T{t}", "head_teacher": t % 5 == 0, "records": records})
    return out


def floor_sum(teachers: list[dict]) -> dict[str, float]:
    """The floor: sum each teacher's raw hours (days × 6), no rules at all."""
    totals: dict[str, float] = defaultdict(float)
    for t in teachers:
        tid = t["id"]
        for r in t["records"]:
            totals[tid] += r.get("hours") or r.get("days", 0) * 6 or 6
    return totals


def stream(policy, teachers: list[dict], as_of: dt.date) -> int:
    """Evaluate one teacher at a time and drop each result, as a batch job that stores
    results would."""
    count = 0
    for _ in policy.iter_evaluate(teachers, as_of):
        count += 1
    return count


def parse_all(policy, teachers: list[dict]) -> list:
    """Validation alone, as the engine runs it (pydantic, into plain dicts)."""
    return [policy.parser.parse_facts(t["records"]) for t in teachers]


def timed(fn, *args, **kwargs):
    gc.collect()
    t0 = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--teachers", type=int, default=5000)
    parser.add_argument("--records", type=int, default=50)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args(argv)

    policy = load_policy("puer-2023")
    as_of = dt.date(2025, 12, 31)
    print(f"python {sys.version.split()[0]}, policy {policy.id}, one process (one core)")
    for scale in args.scales:
        teachers = synthetic_county(args.teachers * scale, args.records)
        n = sum(len(t["records"]) for t in teachers)
        _, floor = timed(floor_sum, teachers)
        result, took = timed(policy.evaluate, teachers, as_of)
        assert len(result["teachers"]) == len(teachers)
        del result
        streamed, stream_took = timed(stream, policy, teachers, as_of)
        assert streamed == len(teachers)
        _, parse = timed(parse_all, policy, teachers)
        print(
            f"{len(teachers):>7} teachers × {args.records} = {n:>9,} records: "
            f"evaluate {took:6.2f} s = {n / took:>9,.0f} records/s "
            f"(streamed: {n / stream_took:>7,.0f}/s); "
            f"of which validation ≈ {parse:5.2f} s; "
            f"floor (plain sum) {floor:5.3f} s; ratio {took / floor:5.1f}× the floor "
            f"(streamed {stream_took / floor:5.1f}×)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
