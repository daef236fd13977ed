"""The xuefen command: the records.md contract, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from xuefen.cli import main

EXAMPLE = {
    "teachers": [
        {
            "id": "T1",
            "first_year": False,
            "head_teacher": False,
            "records": [
                {
                    "id": "r1",
                    "kind": "training",
                    "date": "2023-03-10",
                    "mode": "online",
                    "module": "knowledge",
                    "level": "province",
                    "hours": 30,
                    "score": 85,
                    "self_selected": True,
                }
            ],
        }
    ]
}


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, data, name="in.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_policy_list_names_every_bundled_policy(capsys):
    code, out, _ = run(["policy", "list"], capsys)
    assert code == 0
    lines = dict(line.split("\t", 1) for line in out.strip().splitlines())
    assert "puer-2023" in lines
    assert "004_8403e7cbc03e57c3.txt" in lines["puer-2023"]


def test_evaluate_matches_the_contract_example(tmp_path, capsys):
    code, out, err = run(
        ["policy", "evaluate", "--policy", "puer-2023", "--input", write(tmp_path, EXAMPLE)],
        capsys,
    )
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["policy"] == "puer-2023"
    t = data["teachers"][0]
    r = t["records"][0]
    assert (r["id"], r["counted"], r["hours"], r["credits"]) == ("r1", True, 30.0, 34.5)
    assert r["explanation"] == "30 h × 1 × (1 + 0.15 良)"
    year = t["periods"][0]
    assert (year["period"], year["start"], year["end"]) == ("2023", "2023-01-01", "2023-12-31")
    assert year["hours"] == {"total": 30.0, "online": 30.0, "centralized": 0.0, "school_based": 0.0}
    assert year["credits"]["total"] == 34.5
    total = next(q for q in year["requirements"] if q["id"] == "year-hours-total")
    assert (total["met"], total["required"], total["actual"]) == (False, 72, 30.0)
    assert year["compliant"] is False
    cycle = t["cycle"]
    assert (cycle["period"], cycle["start"], cycle["end"]) == (
        "2021-2025",
        "2021-01-01",
        "2025-12-31",
    )
    assert cycle["credits"]["self_selected"] == 34.5
    assert cycle["modules"] == {
        "ethics": 0.0,
        "knowledge": 34.5,
        "ability": 0.0,
        "class_management": 0.0,
        "school_based": 0.0,
    }
    assert cycle["compliant"] is False


def test_as_of_and_stdin(monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(EXAMPLE).encode())))
    code, out, _ = run(
        ["policy", "evaluate", "--policy", "puer-2023", "--input", "-", "--as-of", "2027-01-01"],
        capsys,
    )
    assert code == 0
    assert json.loads(out)["teachers"][0]["cycle"]["period"] == "2026-2030"


def bad_record(**fields):
    record = {"id": "r9", "kind": "training", "date": "2023-03-10", "mode": "online", "hours": 3}
    record.update(fields)
    return {"teachers": [{"id": "T1", "records": [record]}]}


@pytest.mark.parametrize(
    ("payload", "policy", "expected"),
    [
        ("{not json", "puer-2023", "malformed JSON at line 1 column 2"),
        (EXAMPLE, "no-such-policy", "unknown policy 'no-such-policy'"),
        (bad_record(kind="sabbatical"), "puer-2023", "record T1/r9: field kind: unknown kind"),
        (bad_record(score=130), "puer-2023", "record T1/r9: field score:"),
        (bad_record(hours=-1), "puer-2023", "record T1/r9: field hours:"),
        (bad_record(colour="red"), "puer-2023", "record T1/r9: field colour: unknown field"),
        (bad_record(date="2023-02-30"), "puer-2023", "record T1/r9: field date:"),
        ({"teacher": []}, "puer-2023", "expected an object with a 'teachers' list"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, payload, policy, expected):
    code, out, err = run(
        ["policy", "evaluate", "--policy", policy, "--input", write(tmp_path, payload)], capsys
    )
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("xuefen: error: ")
    assert expected in err
    assert "Traceback" not in err


def test_missing_input_file(capsys):
    code, _, err = run(
        ["policy", "evaluate", "--policy", "puer-2023", "--input", "/nonexistent.json"], capsys
    )
    assert code == 2 and "input file not found" in err


def test_validate_accepts_a_bundled_file_and_rejects_a_broken_one(tmp_path, capsys):
    from xuefen.policy.loader import bundled_text

    good = tmp_path / "mine.yaml"
    good.write_text(bundled_text("puer-2023").replace("id: puer-2023", "id: mine"), "utf-8")
    code, out, _ = run(["policy", "validate", str(good)], capsys)
    assert code == 0 and out.startswith("ok: mine")
    broken = tmp_path / "broken.yaml"
    broken.write_text(good.read_text("utf-8").replace("measure: hours", "measure: minutes", 1))
    code, _, err = run(["policy", "validate", str(broken)], capsys)
    assert code == 2 and "requirements" in err and "measure" in err
    code, _, err = run(["policy", "validate", str(tmp_path / "missing.yaml")], capsys)
    assert code == 2 and "cannot read" in err


def test_custom_policy_file_evaluates(tmp_path, capsys):
    from xuefen.policy.loader import bundled_text

    text = bundled_text("puer-2023").replace(
        "rate: {field: credit_per_hour, default: 1, range: [1, 1]",
        "rate: {field: credit_per_hour, default: 2, range: [1, 2]",
    )
    path = tmp_path / "mine.yaml"
    path.write_text(text.replace("id: puer-2023", "id: mine"), "utf-8")
    code, out, _ = run(
        ["policy", "evaluate", "--policy", str(path), "--input", write(tmp_path, EXAMPLE)], capsys
    )
    assert code == 0
    # online now defaults to 2 credits per hour: 30 × 2 × 1.15 = 69
    assert json.loads(out)["teachers"][0]["records"][0]["credits"] == 69.0


def test_installed_command_runs_without_traceback(tmp_path):
    exe = Path(sys.executable).with_name("xuefen")
    proc = subprocess.run(
        [
            str(exe),
            "policy",
            "evaluate",
            "--policy",
            "puer-2023",
            "--input",
            write(tmp_path, bad_record(score=130)),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("xuefen: error: record T1/r9: field score:")
