"""Fuzzing the command and the policy and sheet loaders (issue 6).

Whatever the input — random JSON values, random YAML text or structures, mutations of the
bundled examples and policies — ``xuefen`` ends with exit 0 and valid JSON on stdout, or
exit 2 and exactly one line on stderr, within a bounded time; the loaders return a policy
or raise ``PolicyFileError``. Nothing else: no traceback, no hang.
"""

from __future__ import annotations

import copy
import io
import json
import os
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xuefen.cli import main
from xuefen.policy import PolicyFileError, load_policy_text
from xuefen.policy.loader import bundled_ids, bundled_text
from xuefen.policy.sheets import load_sheet_text

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {p.name: json.loads(p.read_text("utf-8")) for p in (ROOT / "examples").glob("*.json")}
POLICIES = bundled_ids()
SHEETS = bundled_ids("sheets")
FUZZ = settings(
    max_examples=int(os.environ.get("XUEFEN_FUZZ_EXAMPLES", "60")),  # more: a longer hunt
    deadline=None,
    # stdin is replaced and the captured output read on every run: the fixtures are reused
    # on purpose.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
SECONDS = 5  # any one run of the command or a loader


def run_cli(argv: list[str], payload: bytes, monkeypatch, capsys) -> None:
    """Run ``xuefen`` in-process on stdin and check the outcome is one of the two allowed."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(payload)))
    capsys.readouterr()
    start = time.perf_counter()
    code = main(argv)
    elapsed = time.perf_counter() - start
    out, err = capsys.readouterr()
    assert elapsed < SECONDS
    if code == 0:
        assert err == ""
        json.loads(out, parse_constant=lambda name: pytest.fail(f"{name} in the output"))
    else:
        assert code == 2, (code, err)
        assert out == ""
        assert err.startswith("xuefen: error: ") and err.count("\n") == 1 and err.endswith("\n")


def loads(text: str, *, sheet: bool = False) -> None:
    start = time.perf_counter()
    try:
        (load_sheet_text if sheet else load_policy_text)(text, source="fuzz.yaml")
    except PolicyFileError as exc:
        assert "\n" not in str(exc)
        assert str(exc).startswith("fuzz.yaml")
    assert time.perf_counter() - start < SECONDS


# -- values ------------------------------------------------------------------------------

SPECIAL = [
    "2023-03-10",
    "2023-02-30",
    "9999-12-31",
    "1899-01-01",
    "training",
    "online",
    "certified",
    "county",
    "fail",
    "hours",
    "30",
    "\ud800",
    "",
]
FIELDS = [
    "id",
    "kind",
    "date",
    "mode",
    "hours",
    "days",
    "score",
    "grade",
    "level",
    "count",
    "credit_per_hour",
    "self_selected",
    "status",
    "module",
    "practice_hours",
    "detail",
    "role",
    "award",
    "program",
    "activity",
    "credits",
    "attendance",
    "name",
    "entry",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(SPECIAL),
)


def containers(inner):
    return st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)


json_values = st.recursive(scalars, containers, max_leaves=20)


def paths(value, prefix=()):
    """Every path into a JSON value (keys and indexes), the value's own path first."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, (*prefix, i))


@st.composite
def mutated(draw, base):
    """A bundled example with a few of its values replaced, deleted or added to."""
    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(list(paths(data))))
        if not where:
            data = draw(json_values)
            continue
        parent = data
        for step in where[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[where[-1]] = draw(json_values)
        elif action == "delete":
            del parent[where[-1]]
        elif isinstance(parent[where[-1]], dict):
            parent[where[-1]][draw(st.sampled_from(FIELDS))] = draw(json_values)
        elif isinstance(parent[where[-1]], list):
            parent[where[-1]].append(draw(json_values))
    return data


def dumped(data, raw: bool = False) -> bytes:
    text = json.dumps(data, ensure_ascii=not raw)
    return text.encode("utf-8", "surrogatepass")


# -- the command --------------------------------------------------------------------------

AS_OF = [None, "2023-12-31", "2100-12-31", "1900-01-01"]
WORDS = [
    "policy",
    "sheet",
    "evaluate",
    "score",
    "validate",
    "list",
    "--policy",
    "--sheet",
    "--input",
    "-",
    "--as-of",
    "--period",
    "puer-2023",
    "pingyang-teacher",
    "2023-12-31",
    "9999-01-01",
    "2023-01-01:2023-12-31",
    "x",
    "",
]


def encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


@FUZZ
@given(value=json_values, policy=st.sampled_from(POLICIES), as_of=st.sampled_from(AS_OF))
def test_evaluate_any_json_value(value, policy, as_of, monkeypatch, capsys):
    argv = ["policy", "evaluate", "--policy", policy, "--input", "-"]
    argv += ["--as-of", as_of] if as_of else []
    run_cli(argv, dumped(value), monkeypatch, capsys)


@FUZZ
@given(data=mutated(EXAMPLES["teachers.json"]), policy=st.sampled_from(POLICIES))
def test_evaluate_mutated_example(data, policy, monkeypatch, capsys):
    argv = ["policy", "evaluate", "--policy", policy, "--input", "-"]
    run_cli(argv, dumped(data), monkeypatch, capsys)


@FUZZ
@given(data=mutated(EXAMPLES["pingyang-teacher.json"]), sheet=st.sampled_from(SHEETS))
def test_sheet_score_mutated_example(data, sheet, monkeypatch, capsys):
    argv = ["sheet", "score", "--sheet", sheet, "--input", "-"]
    run_cli(argv, dumped(data), monkeypatch, capsys)


@FUZZ
@given(payload=st.binary(max_size=200) | st.text(max_size=200).map(encoded))
def test_evaluate_any_bytes(payload, monkeypatch, capsys):
    argv = ["policy", "evaluate", "--policy", "puer-2023", "--input", "-"]
    run_cli(argv, payload, monkeypatch, capsys)


@FUZZ
@given(argv=st.lists(st.sampled_from(WORDS), max_size=8))
def test_any_arguments(argv, monkeypatch, capsys):
    if argv[:2] in (["policy", "list"], ["sheet", "list"]) or "show" in argv:
        return  # text output by design
    if argv[:2] in (["policy", "validate"], ["sheet", "validate"]):
        return  # prints "ok: ..." by design when given a file
    run_cli(argv, dumped(EXAMPLES["teachers.json"]), monkeypatch, capsys)


# -- the loaders --------------------------------------------------------------------------

yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
    st.dates(),
)
yaml_values = st.recursive(yaml_scalars, containers, max_leaves=25)


def bundled(ident_sheet):
    ident, sheet = ident_sheet
    text = bundled_text(ident, "sheets" if sheet else None)
    return yaml.safe_load(text), sheet


BUNDLED = [(i, False) for i in POLICIES] + [(i, True) for i in SHEETS]


@FUZZ
@given(text=st.text(max_size=300), sheet=st.booleans())
def test_loaders_take_any_text(text, sheet):
    loads(text, sheet=sheet)


@FUZZ
@given(value=yaml_values, sheet=st.booleans())
def test_loaders_take_any_structure(value, sheet):
    loads(yaml.safe_dump(value, allow_unicode=True), sheet=sheet)


@st.composite
def mutated_file(draw):
    data, sheet = bundled(draw(st.sampled_from(BUNDLED)))
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(list(paths(data))))
        if not where:
            continue
        parent = data
        for step in where[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[where[-1]] = draw(yaml_values)
        elif action == "delete":
            del parent[where[-1]]
        elif isinstance(parent[where[-1]], dict):
            parent[where[-1]][draw(st.text(max_size=8))] = draw(yaml_values)
        elif isinstance(parent[where[-1]], list):
            parent[where[-1]].append(draw(yaml_values))
    return yaml.safe_dump(data, allow_unicode=True), sheet


@FUZZ
@given(case=mutated_file())
def test_loaders_take_mutated_bundled_files(case):
    text, sheet = case
    loads(text, sheet=sheet)


INSERTS = [
    *("", "[", "{", "&a ", "*a", ":", "- ", "\n  ", "? ", "<<: ", "'", "2023-02-30", ".inf"),
    *("!!python/object:os.system ", '"\\ud800"', "9" * 40),
]


@FUZZ
@given(
    ident_sheet=st.sampled_from(BUNDLED),
    cut=st.integers(0, 20_000),
    insert=st.sampled_from(INSERTS),
)
def test_loaders_take_textual_mutations(ident_sheet, cut, insert):
    ident, sheet = ident_sheet
    text = bundled_text(ident, "sheets" if sheet else None)
    cut %= len(text) + 1
    loads(text[:cut] + insert + text[cut:], sheet=sheet)
