"""Hardening (issue 6): every policy, sheet or JSON input is bounded and strict.

Bad input never hangs, never crashes, never prints a traceback and is never silently
accepted: it is a ``PolicyFileError`` / ``InputError`` naming the file and line or key
path, or the record and field, and on the command line one line on stderr with exit 2.
Each test here failed (hung, crashed or accepted) before the hardening.
"""

from __future__ import annotations

import re
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


def billion_laughs(depth: int = 9) -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    prev = "a"
    for name in "bcdefghijklmnop"[: depth - 1]:
        text += f"{name}: &{name} [" + ",".join(["*" + prev] * 9) + "]\n"
        prev = name
    return text


# -- policy and sheet files ---------------------------------------------------------------


def test_bundled_files_use_anchors_so_aliases_stay_allowed():
    assert "*training_requires" in bundled_text("puer-2023")
    assert load_policy_text(bundled_text("puer-2023")).id == "puer-2023"


@pytest.mark.parametrize("sheet", [False, True])
def test_an_alias_bomb_is_refused_quickly(sheet):
    message = refused(billion_laughs(), sheet=sheet)
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
