"""Hardening (issue 6): every policy, sheet or JSON input is bounded and strict.

Bad input never hangs, never crashes, never prints a traceback and is never silently
accepted: it is a ``PolicyFileError`` / ``InputError`` naming the file and line or key
path, or the record and field, and on the command line one line on stderr with exit 2.
Each test here failed (hung, crashed or accepted) before the hardening.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import sys
import time

import pytest

from xuefen.cli import main
from xuefen.policy import PolicyFileError, load_policy_file, load_policy_text
from xuefen.policy.loader import MAX_DEPTH, MAX_FILE_BYTES, bundled_text
from xuefen.policy.sheets import load_sheet_text

PINGYANG = bundled_text("pingyang")
SHEET = bundled_text("pingyang-teacher", "sheets")
ATTENDANCE = "{attendance: [full, partial_leave]}"
assert ATTENDANCE in PINGYANG


def refused(text: str, *, sheet: bool = False) -> str:
    """The one-line error a policy (or sheet) text is refused with, within 5 s."""
    start = time.perf_counter()
    with pytest.raises(PolicyFileError) as info:
        (load_sheet_text if sheet else load_policy_text)(text, source="up.yaml")
    assert time.perf_counter() - start < 5
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("up.yaml: ")
    return message


def billion_laughs(sheet: bool = False) -> str:
    """A bundled file with nine levels of nine aliases in a free-form value: under 900
    bytes more text, 9⁹ strings once expanded (the engine used to walk every one)."""
    levels = ['&a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"&{name} [" + ",".join(["*" + prev] * 9) + "]")
    bomb = "[" + ", ".join(levels) + "]"
    if sheet:
        return SHEET.replace("\nname:", f"\ncounted_statuses: {bomb}\nname:", 1)
    return PINGYANG + f"extensions: {{kinds: {{lol: {{fields: {{}}, lol: {bomb}}}}}}}\n"


# -- policy and sheet files ---------------------------------------------------------------


def test_bundled_files_use_anchors_so_aliases_stay_allowed():
    assert "*training_requires" in bundled_text("puer-2023")
    assert load_policy_text(bundled_text("puer-2023")).id == "puer-2023"


@pytest.mark.parametrize("sheet", [False, True])
def test_an_alias_bomb_is_refused_quickly(sheet):
    assert len(billion_laughs(sheet).encode()) - len((SHEET if sheet else PINGYANG).encode()) < 900
    message = refused(billion_laughs(sheet), sheet=sheet)
    assert "too many values: more than 100,000 once aliases are expanded" in message


def test_aliases_that_nest_too_deep_once_expanded_are_refused():
    text = "a: &a " + "[" * 30 + "1" + "]" * 30 + "\nb: " + "[" * 30 + "*a" + "]" * 30 + "\n"
    assert "nested more than 50 levels deep once aliases are expanded" in refused(text)


def test_a_recursive_alias_is_refused():
    assert "an alias refers to the node that contains it" in refused("a: &a [1, *a]\n")


@pytest.mark.parametrize("sheet", [False, True])
def test_deep_nesting_is_refused_not_a_recursion_error(sheet):
    text = "id: x\nname: " + "[" * 2000 + "]" * 2000 + "\n"
    message = refused(text, sheet=sheet)
    assert message == f"up.yaml: line 2: nested more than {MAX_DEPTH} levels deep"


def test_a_mapping_inside_an_in_list_names_the_key_path():
    text = PINGYANG.replace(ATTENDANCE, "{attendance: {in: [full, {a: 1}]}}")
    message = refused(text)
    assert message == (
        "up.yaml: credit_rules.training.requires[1].attendance.in[1]: 'in': single values "
        "only (text, number, boolean, date), got a mapping"
    )


def test_a_mapping_inside_a_list_of_values_is_refused():
    text = PINGYANG.replace(ATTENDANCE, "{attendance: [full, [a]]}")
    assert "requires[1].attendance[1]: a list of values: single values only" in refused(text)


def test_a_mapping_inside_a_sheet_condition_is_refused():
    case = SHEET.index("when: {")
    text = SHEET[:case] + "when: {level: {in: [{a: 1}]}, " + SHEET[case + len("when: {") :]
    assert "'in': single values only" in refused(text, sheet=True)


def test_a_5000_digit_integer_is_refused_with_its_line():
    text = PINGYANG.replace("version: 1", "version: " + "9" * 5000)
    line = PINGYANG[: PINGYANG.index("version: 1")].count("\n") + 1
    assert refused(text) == f"up.yaml: line {line}: number too long (5000 characters, at most 30)"


def test_an_impossible_date_is_refused_with_its_line():
    text = PINGYANG.replace(ATTENDANCE, "{date: {gte: 2023-02-30}}")
    line = PINGYANG[: PINGYANG.index(ATTENDANCE)].count("\n") + 1
    assert refused(text) == (
        f"up.yaml: line {line}: not a valid date: 2023-02-30 (day is out of range for month)"
    )


def test_a_number_beyond_the_bounds_or_of_the_wrong_type_is_refused():
    assert "Input should be less than or equal to 1000000" in refused(
        PINGYANG.replace("min: 90", "min: 1.0e+300", 1)
    )
    assert "should be a valid number" in refused(PINGYANG.replace("min: 90", "min: true", 1))
    assert "should be a valid number" in refused(PINGYANG.replace("min: 90", "min: '90'", 1))
    assert "not a finite number: .inf" in refused(PINGYANG.replace("min: 90", "min: .inf", 1))


def test_a_boolean_setting_takes_a_boolean_only():
    text = PINGYANG.replace("version: 1", "version: 1\nexample: 0")
    assert "example: Input should be a valid boolean" in refused(text)


def test_a_duplicate_key_is_refused_not_silently_dropped():
    text = PINGYANG.replace("version: 1", "version: 1\nversion: 2")
    assert "duplicate key 'version'" in refused(text)


def test_a_lone_surrogate_escape_is_refused():
    text = PINGYANG.replace("name: ", 'name: "\\ud800"  # ', 1)
    assert "not valid Unicode text" in refused(text)


def with_rules(count: int) -> str:
    rule = "  - {{id: r{}, label: x, kind: training, rate: {{fixed: 1}}}}\n"
    rules = "".join(rule.format(i) for i in range(count))
    return PINGYANG.replace("credit_rules:\n", "credit_rules:\n" + rules, 1)


def test_too_many_rules_are_refused_quickly():
    big = with_rules(20_000)
    assert refused(big) == f"up.yaml: file too large (more than {MAX_FILE_BYTES:,} bytes)"
    small = with_rules(1_000)
    assert "entries in one list or mapping (at most 1,000)" in refused(small)


def test_a_large_file_is_not_read_past_the_limit(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# " + b"x" * (MAX_FILE_BYTES * 3))
    with pytest.raises(PolicyFileError, match="file too large"):
        load_policy_file(path)


def test_validate_command_reports_a_bomb_in_one_line(tmp_path, capsys):
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs(), encoding="utf-8")
    assert main(["policy", "validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert re.fullmatch(r"xuefen: error: .*bomb\.yaml: line \d+: too many values.*\n", err)


# -- the command's JSON input -------------------------------------------------------------


def run(argv, capsys, stdin: bytes | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, out: str, err: str) -> str:
    assert (code, out) == (2, "")
    assert err.startswith("xuefen: error: ") and err.endswith("\n") and err.count("\n") == 1
    return err[len("xuefen: error: ") : -1]


def record(**fields) -> str:
    r = {"id": "r9", "kind": "training", "date": "2023-03-10", "mode": "online", "hours": 3}
    r.update(fields)
    return json.dumps({"teachers": [{"id": "T1", "records": [r]}]})


BIG = "9" * 5000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (record(kind={"a": 1}), "record T1/r9: field kind: unknown kind an object (one of:"),
        (record().replace('"hours": 3', f'"hours": {BIG}'), "in.json: a number with too many"),
        (record(date="9999-12-31"), "record T1/r9: field date: a date from 1900-01-01 to"),
        (record(date="1899-12-31"), "record T1/r9: field date: a date from 1900-01-01 to"),
        (record(date=20230310), "record T1/r9: field date: a date is text YYYY-MM-DD"),
        (record(id="\ud800"), "record T1/#1: field id: not valid Unicode text"),
        (record(name="x\udfff"), "record T1/r9: field name: not valid Unicode text"),
        ('{"teachers": [{"id": "\\udc00", "records": []}]}', "field teachers.0.id: not valid"),
        ("[" * 100_000 + "]" * 100_000, "in.json: arrays and objects nested too deeply"),
        (
            record(hours=True),
            "record T1/r9: field hours: Input should be a valid number (got True)",
        ),
        (
            record(hours="30"),
            "record T1/r9: field hours: Input should be a valid number (got '30')",
        ),
        (record(hours=1e308), "field hours: Input should be less than or equal to 10000"),
        (record(hours=10_001), "field hours: Input should be less than or equal to 10000"),
        (record(days=1001, hours=None), "field days: Input should be less than or equal to 1000"),
        (record(credit_per_hour=101), "field credit_per_hour: Input should be less than or"),
        (record(self_selected=1), "field self_selected: Input should be a valid boolean"),
        (record(id="x" * 201), "record T1/#1: field id: String should have at most 200"),
        (record(hours=float("nan")), "in.json: NaN is not a JSON number"),
        ('{"teachers": [{"id": true, "records": []}]}', "teacher #1: 'id' must be text of"),
    ],
)
def test_bad_json_input_is_one_line_exit_2(tmp_path, capsys, text, expected):
    path = tmp_path / "in.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    argv = ["policy", "evaluate", "--policy", "puer-2023", "--input", str(path)]
    assert expected in one_line_error(*run(argv, capsys))


def test_wencheng_assessments_must_be_an_object(tmp_path, capsys):
    r = {"id": "r1", "kind": "training", "date": "2019-03-10", "mode": "school_based"}
    r.update(hours=10, credit_per_hour=1)
    teacher = {"id": "T1", "school": {"id": "S", "assessments": [1]}, "records": [r]}
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"teachers": [teacher]}), encoding="utf-8")
    code, out, err = run(
        ["policy", "evaluate", "--policy", "wencheng-2018", "--input", str(path)], capsys
    )
    assert one_line_error(code, out, err) == (
        "field school.assessments: teacher T1: must be a JSON object"
    )


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--as-of", "9999-12-31"], "argument --as-of: a date from 1900-01-01 to 2100-12-31"),
        (["--as-of", "2023-02-30"], "argument --as-of: not a date (YYYY-MM-DD): '2023-02-30'"),
        (["--as-of", "20230310"], "argument --as-of: not a date (YYYY-MM-DD): '20230310'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_argument_errors_are_one_line(tmp_path, capsys, argv, expected):
    path = tmp_path / "in.json"
    path.write_text(record(), encoding="utf-8")
    argv = ["policy", "evaluate", "--policy", "puer-2023", "--input", str(path), *argv]
    assert expected in one_line_error(*run(argv, capsys))


def test_missing_arguments_and_bad_period_are_one_line(capsys):
    assert "argument --policy: expected one argument" in one_line_error(
        *run(["policy", "evaluate", "--policy"], capsys)
    )
    assert "the following arguments are required: group" in one_line_error(*run([], capsys))
    period = ["--period", "2023-01-01:2101-01-01"]
    error = one_line_error(
        *run(["sheet", "score", "--sheet", "x", "--input", "-", *period], capsys)
    )
    assert "--period: a date from 1900-01-01 to 2100-12-31, got 2101-01-01" in error


def test_the_engine_refuses_an_as_of_out_of_range():
    from xuefen.policy import InputError, load_policy

    with pytest.raises(InputError, match="as-of date 9999-12-31 is outside"):
        load_policy("puer-2023").evaluate([], as_of=dt.date(9999, 12, 31))


def test_stdin_is_read_only_up_to_the_limit(capsys, monkeypatch):
    monkeypatch.setattr("xuefen.cli.MAX_INPUT_BYTES", 1_000)
    argv = ["policy", "evaluate", "--policy", "puer-2023", "--input", "-"]
    error = one_line_error(*run(argv, capsys, b" " * 5_000 + record().encode(), monkeypatch))
    assert error == "-: input too large (more than 1,000 bytes)"


def test_output_is_valid_json_without_infinity(tmp_path, capsys):
    """At the bounds the result is finite; beyond them (1e308 hours used to print
    ``Infinity``) the input is refused."""
    top = {"kind": "training", "date": "2023-03-10", "mode": "centralized", "level": "national"}
    top.update(hours=10_000, credit_per_hour=3, score=100)
    path = tmp_path / "in.json"
    for hours, expect in [(10_000, 0), (1e308, 2)]:
        records = [{**top, "id": f"r{i}", "hours": hours} for i in range(50)]
        path.write_text(json.dumps({"teachers": [{"id": "T1", "records": records}]}), "utf-8")
        argv = ["policy", "evaluate", "--policy", "puer-2023", "--input", str(path)]
        code, out, err = run(argv, capsys)
        if expect == 0:
            assert (code, err) == (0, "")
            json.loads(out, parse_constant=lambda name: pytest.fail(f"{name} in the output"))
        else:
            assert "field hours: Input should be less than or equal to 10000" in one_line_error(
                code, out, err
            )


def test_lesson_observation_count_is_a_bounded_whole_number():
    from xuefen.policy import InputError, load_policy

    policy = load_policy("pingyang")
    for count, message in [(2.0, "valid integer"), (True, "valid integer"), (10**6, "less than")]:
        r = {"id": "r1", "kind": "lesson_observation", "date": "2023-03-10", "detail": "brief"}
        with pytest.raises(InputError, match=message):
            policy.evaluate([{"id": "T1", "records": [{**r, "count": count}]}])
