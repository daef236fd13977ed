"""The sheet file format: validation errors with locations, the wencheng example, properties."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from xuefen.cli import main
from xuefen.policy import (
    InputError,
    PolicyFileError,
    UnknownPolicyError,
    list_sheets,
    load_sheet,
    load_sheet_file,
    load_sheet_text,
)

MINIMAL = {
    "id": "mini",
    "name": "迷你表",
    "region": "测试县",
    "source": "test",
    "subject": "teacher",
    "columns": [{"id": "self", "label": "自评"}, {"id": "school", "label": "校评"}],
    "default_column": "school",
    "sections": [
        {
            "id": "s1",
            "label": "参与",
            "max": 10,
            "items": [
                {
                    "id": "open",
                    "label": "公开课",
                    "type": "records",
                    "when": {"kind": "open_class"},
                    "cases": [{"when": {"level": "school"}, "points": 3, "label": "校级"}],
                }
            ],
        }
    ],
}


def text(**changes):
    data = json.loads(json.dumps(MINIMAL))
    data.update(changes)
    return yaml.safe_dump(data, allow_unicode=True)


def with_item(item, **changes):
    data = json.loads(json.dumps(MINIMAL))
    data["sections"][0]["items"] = [item]
    data.update(changes)
    return yaml.safe_dump(data, allow_unicode=True)


def test_minimal_sheet_scores():
    sheet = load_sheet_text(text())
    r = sheet.score(
        {
            "teacher": {
                "id": "T",
                "records": [
                    {"id": "a", "kind": "open_class", "date": "2023-01-01", "level": "school"},
                    {"id": "b", "kind": "open_class", "date": "2023-01-02", "level": "county"},
                ],
            }
        }
    )
    assert r["total"] == 3
    assert (
        r["sections"][0]["items"][0]["explanation"]
        == "1 次 × 3（校级）= 3；另 1 次无适用标准，不计分"
    )


def test_unknown_top_level_key():
    with pytest.raises(PolicyFileError) as err:
        load_sheet_text(text(colour="red"), source="x.yaml")
    assert err.value.location == "colour"
    assert str(err.value) == "x.yaml: colour: unknown key"


def test_unknown_item_key_names_its_location():
    data = json.loads(json.dumps(MINIMAL))
    data["sections"][0]["items"][0]["maximum"] = 5
    with pytest.raises(PolicyFileError) as err:
        load_sheet_text(yaml.safe_dump(data))
    assert err.value.location == "sections.0.items.0.records.maximum"


def test_bad_condition_operator():
    data = json.loads(json.dumps(MINIMAL))
    data["sections"][0]["items"][0]["cases"][0]["when"] = {"level": {"above": "school"}}
    with pytest.raises(PolicyFileError) as err:
        load_sheet_text(yaml.safe_dump(data), source="x.yaml")
    assert err.value.location == "sections[0].items[0].cases[0].when.level"
    assert "unknown operator 'above'" in str(err.value)


def test_unknown_record_field_in_a_condition():
    data = json.loads(json.dumps(MINIMAL))
    data["sections"][0]["items"][0]["when"] = {"kind": "open_class", "lvl": "school"}
    with pytest.raises(PolicyFileError) as err:
        load_sheet_text(yaml.safe_dump(data))
    assert err.value.location == "sections[0].items[0].when"
    assert "lvl" in str(err.value)


def test_unknown_item_type():
    with pytest.raises(PolicyFileError) as err:
        load_sheet_text(with_item({"id": "x", "label": "x", "type": "magic"}))
    assert err.value.location == "sections.0.items.0"


def test_undeclared_input_and_metric():
    bands = {
        "id": "b",
        "label": "会议",
        "type": "bands",
        "value": {"input": "meetings"},
        "bands": [{"min": 2, "points": 5}],
    }
    with pytest.raises(PolicyFileError, match="unknown input 'meetings'"):
        load_sheet_text(with_item(bands))
    bands["value"] = {"metric": "rate"}
    with pytest.raises(PolicyFileError, match="metrics are computed over a school"):
        load_sheet_text(with_item(bands, metrics={"rate": {"label": "r", "measure": "count"}}))
    with pytest.raises(PolicyFileError, match="unknown metric 'rate'"):
        load_sheet_text(with_item(bands))


def test_bands_must_descend_and_default_column_must_exist():
    bands = {
        "id": "b",
        "label": "会议",
        "type": "bands",
        "value": {"input": "m"},
        "bands": [{"min": 1, "points": 2}, {"min": 2, "points": 5}],
    }
    with pytest.raises(PolicyFileError, match="highest min down"):
        load_sheet_text(with_item(bands, inputs={"m": {"label": "m"}}))
    with pytest.raises(PolicyFileError, match="default_column"):
        load_sheet_text(text(default_column="district"))


def test_judgement_min_above_max_and_not_yaml():
    with pytest.raises(PolicyFileError, match="min is above max"):
        load_sheet_text(
            with_item({"id": "j", "label": "j", "type": "judgement", "min": 5, "max": 3})
        )
    with pytest.raises(PolicyFileError, match="not valid YAML"):
        load_sheet_text("id: [unclosed")


def test_fed_sheet_must_exist():
    data = json.loads(json.dumps(MINIMAL))
    data["subject"] = "school"
    data["metrics"] = {"avg": {"label": "avg", "measure": "sheet_average", "sheet": "nope"}}
    data["sections"][0]["items"] = [
        {
            "id": "b",
            "label": "avg",
            "type": "bands",
            "value": {"metric": "avg"},
            "bands": [{"min": 10, "points": 10}],
        }
    ]
    with pytest.raises(PolicyFileError) as err:
        load_sheet_text(yaml.safe_dump(data))
    assert err.value.location == "metrics.avg"
    data["metrics"]["avg"]["sheet"] = "pingyang-teacher"
    data["metrics"]["avg"]["section"] = "nope"
    with pytest.raises(PolicyFileError, match="no section 'nope'"):
        load_sheet_text(yaml.safe_dump(data))


def test_at_least_threshold_and_computed_deduction():
    item = {
        "id": "d",
        "label": "活动",
        "type": "deduction",
        "start": 10,
        "per_unit": {"value": 10, "divide_by": [{"input": "groups"}]},
        "units": {"measure": "inputs", "inputs": ["missing"]},
        "unit": "次",
    }
    inputs = {
        "groups": {"label": "组数", "type": "integer", "min": 1},
        "missing": {"label": "少开展", "type": "integer", "min": 0},
    }
    sheet = load_sheet_text(
        with_item(item, inputs=inputs, passing={"score": 6, "rule": "at_least"})
    )
    r = sheet.score({"teacher": {"id": "T"}, "inputs": {"groups": 5, "missing": 2}})
    assert r["total"] == 6 and r["passed"] is True
    assert r["sections"][0]["items"][0]["explanation"] == "10 − 10 / 5（= 2）× 2 次 = 6"
    r = sheet.score({"teacher": {"id": "T"}, "inputs": {"groups": 5, "missing": 3}})
    assert r["passed"] is False
    with pytest.raises(InputError, match="whole number"):
        sheet.score({"teacher": {"id": "T"}, "inputs": {"groups": 2.5, "missing": 0}})


def test_bundled_sheets_listed_and_unknown_id():
    ids = {s["id"]: s for s in list_sheets()}
    assert set(ids) >= {"pingyang-teacher", "pingyang-school", "wencheng-school-example"}
    assert ids["wencheng-school-example"]["example"] is True
    assert ids["pingyang-school"]["source"] == "001_fbe9f7fd85f9dc02.txt"
    with pytest.raises(UnknownPolicyError):
        load_sheet("nope")


def test_section_maxima_of_bundled_sheets():
    def maxima(ident):
        return {s.id: s.max for s in load_sheet(ident).spec.sections}

    assert maxima("pingyang-teacher") == {
        "participation": 35,
        "contribution": 45,
        "achievement": 20,
    }
    assert maxima("pingyang-school") == {"system": 20, "process": 40, "effect": 40}


# -- 文成 example --------------------------------------------------------------------------


def wencheng_inputs(total_off=0.0):
    sheet = load_sheet("wencheng-school-example")
    inputs = {}
    for sec in sheet.spec.sections:
        for it in sec.items:
            inputs[it.id] = it.max
    inputs["growth"] -= total_off
    return inputs


def test_wencheng_example_is_marked_and_passes_strictly_above_120():
    sheet = load_sheet("wencheng-school-example")
    assert sheet.spec.example is True
    assert "示例" in sheet.spec.description and "不是文成县的评分表" in sheet.spec.description
    assert [c.id for c in sheet.spec.columns] == ["self", "peer", "county"]
    full = sheet.score({"inputs": wencheng_inputs(), "teachers": []})
    assert (full["total"], full["passed"]) == (150, True)
    at_120 = sheet.score({"inputs": wencheng_inputs(15) | {"outcomes": 0}, "teachers": []})
    assert (at_120["total"], at_120["passed"]) == (120, False)
    above = sheet.score({"inputs": wencheng_inputs(15) | {"outcomes": 0.5}, "teachers": []})
    assert (above["total"], above["passed"]) == (120.5, True)
    peer = sheet.score({"inputs": wencheng_inputs(), "column": "peer"})
    assert peer["column_label"] == "互比互学考核组考评"


# -- the command line --------------------------------------------------------------------


def test_cli_sheet_score_and_error(tmp_path, capsys):
    good = tmp_path / "in.json"
    good.write_text(
        json.dumps(
            {
                "teachers": [
                    {
                        "id": "T1",
                        "records": [
                            {
                                "id": "r1",
                                "kind": "open_class",
                                "date": "2023-03-01",
                                "level": "county",
                            }
                        ],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    assert main(["sheet", "score", "--sheet", "pingyang-teacher", "--input", str(good)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["sheet"] == "pingyang-teacher" and out["total"] == 20  # 10 attendance + 10
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"inputs": {}, "teachers": [{"id": "T1"}]}), encoding="utf-8")
    assert main(["sheet", "score", "--sheet", "pingyang-school", "--input", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("xuefen: error: field inputs.") and err.count("\n") == 1


def test_cli_sheet_validate(tmp_path, capsys):
    path = tmp_path / "mini.yaml"
    path.write_text(text(), encoding="utf-8")
    assert main(["sheet", "validate", str(path)]) == 0
    assert "ok: mini" in capsys.readouterr().out
    assert load_sheet_file(path).id == "mini"


# -- properties --------------------------------------------------------------------------

LEVELS = ["school", "county", "city", "province", "national"]


def _record(draw_kind, level, n, extra):
    kinds = {
        "lesson_observation": {"count": n, "detail": extra["detail"]},
        "open_class": {"level": level},
        "activity_role": {"level": level, "role": "review"},
        "resource_shared": {"resource": "exam"},
        "mentoring": {"level": level},
        "mentee_honor": {"level": level},
        "post": {"title": extra["title"]},
        "award": {
            "level": level,
            "rank": extra["rank"],
            "category": extra["category"],
            "entry": f"e{n % 3}",
        },
        "publication": {"level": level if level in ("city", "province", "national") else "city"},
        "honor": {"level": level, "title": "excellent_mentor"},
        "training": {
            "mode": "centralized",
            "level": level,
            "hours": n * 10,
            "attendance": extra["attendance"],
        },
    }
    return {"kind": draw_kind, "date": f"20{22 + n % 2}-03-01", **kinds[draw_kind]}


record_strategy = st.builds(
    _record,
    st.sampled_from(
        [
            "lesson_observation",
            "open_class",
            "activity_role",
            "resource_shared",
            "mentoring",
            "mentee_honor",
            "post",
            "award",
            "publication",
            "honor",
            "training",
        ]
    ),
    st.sampled_from(LEVELS),
    st.integers(min_value=1, max_value=12),
    st.fixed_dictionaries(
        {
            "detail": st.sampled_from(["detailed", "partial", "brief", "none"]),
            "title": st.sampled_from(["academic_director", "lesson_group_leader"]),
            "rank": st.sampled_from(["first", "second", "third"]),
            "category": st.sampled_from(["quality_lesson", "paper", "course", "design"]),
            "attendance": st.sampled_from(["full", "partial_leave", "platform_leave"]),
        }
    ),
)


def _score(records):
    raws = [{"id": f"r{i}", **r} for i, r in enumerate(records)]
    return load_sheet("pingyang-teacher").score({"teacher": {"id": "T", "records": raws}})


UNCAPPED = [
    i.id
    for i in load_sheet("pingyang-teacher").spec.all_items()
    if i.type == "records" and i.max is None
]


@settings(max_examples=120, deadline=None)
@given(st.lists(record_strategy, max_size=14), record_strategy)
def test_adding_a_record_never_lowers_an_uncapped_item(records, extra):
    def items(result):
        out = {i["id"]: i["points"] for s in result["sections"] for i in s["items"]}
        out.update({i["id"]: i["points"] for i in result["bonus_detail"]["items"]})
        return out

    before = items(_score(records))
    after = items(_score([*records, extra]))
    assert UNCAPPED  # post, awards, publications, honors
    for iid in UNCAPPED:
        assert after[iid] >= before[iid]


@settings(max_examples=120, deadline=None)
@given(st.lists(record_strategy, max_size=20))
def test_no_section_exceeds_its_max(records):
    result = _score(records)
    for sec in result["sections"]:
        assert 0 <= sec["points"] <= sec["max"]
        for it in sec["items"]:
            if "max" in it:
                assert it["points"] <= it["max"]
    assert result["total"] == round(
        sum(s["points"] for s in result["sections"]) + result["bonus"], 2
    )
