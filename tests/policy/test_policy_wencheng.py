"""wencheng-2018: 文成县校本研修学分认定, computed by hand.

Source: shared/seeds/000_7fcceab846ea0df5.txt. The county's part: semesters from 07-01 and 01-01
(2018-07-01..2018-12-31 is 2018学年第一学期, label 2018-2019-1) and the gate: a school's
school-based credits of a semester count only with an assessment score strictly above 120, or a
rectification score strictly above 120. The menu values are the file's EXAMPLE (10 h = 1 credit;
session 3 h unless recorded; lesson 1 h, at most 10 h a semester; open class 6 h; review 2,
polish 3, keynote 3, lecture 4 h; design 3, courseware 3, case 4, paper 6, course 8 h).
"""

from __future__ import annotations

import json

from xuefen.cli import main
from xuefen.policy import load_policy

POLICY = "wencheng-2018"


def run(records, school=None):
    teacher = {"id": "T1", "records": records}
    if school is not None:
        teacher["school"] = school
    return load_policy(POLICY).evaluate([teacher])["teachers"][0]


def passing(score=121, rectification=None):
    result = {"score": score}
    if rectification is not None:
        result["rectification_score"] = rectification
    return {"id": "S1", "assessment": result}


def period(teacher, label):
    return next(p for p in teacher["periods"] if p["period"] == label)


def rec(teacher, rid):
    return next(r for r in teacher["records"] if r["id"] == rid)


def paper(rid="p", date="2018-10-12"):
    return {"id": rid, "kind": "research_output", "date": date, "output": "paper"}


def test_gate_passes_at_121():
    # paper 6 h × 0.1 = 0.6 credit, school score 121 > 120.
    t = run([paper()], passing(121))
    r = rec(t, "p")
    assert (r["counted"], r["hours"], r["credits"]) == (True, 6.0, 0.6)
    assert r["explanation"] == "6 h（论文） × 0.1；示例菜单；学校考核 121 分，高于 120 分，予以认定"
    assert period(t, "2018-2019-1")["credits"]["school_based"] == 0.6


def test_gate_fails_at_120():
    t = run([paper()], passing(120))
    r = rec(t, "p")
    assert (r["counted"], r["hours"], r["credits"]) == (False, 0.0, 0.0)
    assert "学校考核 120 分，未高于 120 分" in r["explanation"]
    assert "不予认定" in r["explanation"]
    assert period(t, "2018-2019-1")["credits"]["total"] == 0.0


def test_gate_fail_then_pass_after_rectification():
    t = run([paper()], passing(118, 125))
    r = rec(t, "p")
    assert (r["counted"], r["credits"]) == (True, 0.6)
    assert "学校考核 118 分，整改后 125 分，予以认定" in r["explanation"]


def test_gate_still_fails_after_rectification():
    # 118, then 120 after rectification: 120 is not above 120.
    t = run([paper()], passing(118, 120))
    r = rec(t, "p")
    assert (r["counted"], r["credits"]) == (False, 0.0)
    assert "学校考核 118 分，整改后 120 分，未高于 120 分" in r["explanation"]


def test_gate_without_an_assessment():
    for school in (None, {"id": "S1"}):
        t = run([paper()], school)
        r = rec(t, "p")
        assert (r["counted"], r["credits"]) == (False, 0.0)
        assert "考核结果未录入" in r["explanation"]


def test_gate_per_semester_label_and_semester_boundaries():
    # assessments keyed by period label: semester 1 passed (121), semester 2 failed (119).
    school = {
        "id": "S1",
        "assessments": {"2018-2019-1": {"score": 121}, "2018-2019-2": {"score": 119}},
    }
    t = run([paper("a", "2018-12-31"), paper("b", "2019-01-01")], school)
    s1, s2 = period(t, "2018-2019-1"), period(t, "2018-2019-2")
    assert (s1["start"], s1["end"]) == ("2018-07-01", "2018-12-31")
    assert (s2["start"], s2["end"]) == ("2019-01-01", "2019-06-30")
    assert rec(t, "a")["counted"] is True
    assert rec(t, "b")["counted"] is False
    assert (s1["credits"]["school_based"], s2["credits"]["school_based"]) == (0.6, 0.0)
    # 2018-06-30 is the previous school year's second semester.
    t = run([paper("c", "2018-06-30")], passing())
    assert t["periods"][0]["period"] == "2017-2018-2"


def test_example_menu_values():
    # session 3 h (default) → 0.3; session 2 h recorded → 0.2; lessons 4 × 1 h → 0.4;
    # open class 6 h → 0.6; review 2 h → 0.2; polish 3 h → 0.3; keynote 3 h → 0.3;
    # lecture 4 h → 0.4; design 3 h → 0.3; case 4 h → 0.4; course 8 h → 0.8;
    # school-based training 5 h → 0.5. Total 3+2+4+6+2+3+3+4+3+4+8+5 = 47 h, 4.7 credits.
    def role(rid, r):
        return {"id": rid, "kind": "activity_role", "date": "2018-09-20", "role": r}

    def output(rid, o):
        return {"id": rid, "kind": "research_output", "date": "2018-09-21", "output": o}

    records = [
        {"id": "s1", "kind": "activity_attendance", "date": "2018-09-03", "status": "present",
         "activity": "A1"},
        {"id": "s2", "kind": "activity_attendance", "date": "2018-09-04", "status": "makeup",
         "activity": "A0", "hours": 2},
        {"id": "l", "kind": "lesson_observation", "date": "2018-09-05", "count": 4,
         "detail": "brief"},
        {"id": "o", "kind": "open_class", "date": "2018-09-06"},
        role("rv", "review"), role("po", "polish"), role("kn", "keynote"), role("le", "lecture"),
        output("de", "design"), output("ca", "case"), output("co", "course"),
        {"id": "t", "kind": "training", "date": "2018-09-07", "mode": "school_based", "hours": 5},
    ]  # fmt: skip
    t = run(records, passing())
    expected = {"s1": (3, 0.3), "s2": (2, 0.2), "l": (4, 0.4), "o": (6, 0.6), "rv": (2, 0.2),
                "po": (3, 0.3), "kn": (3, 0.3), "le": (4, 0.4), "de": (3, 0.3), "ca": (4, 0.4),
                "co": (8, 0.8), "t": (5, 0.5)}  # fmt: skip
    for rid, (hours, credits) in expected.items():
        r = rec(t, rid)
        assert (r["counted"], r["hours"], r["credits"]) == (True, hours, credits), rid
        assert r["mode"] == "school_based"
    s = period(t, "2018-2019-1")
    assert (s["hours"]["school_based"], s["credits"]["school_based"]) == (47.0, 4.7)
    assert s["requirements"] == [] and s["compliant"] is True


def test_example_lesson_cap_keeps_the_gate_remark():
    # 8 lessons (8 h) then 4 lessons: only 10 − 8 = 2 h count → 0.2 credit; 3 more find it full.
    def lessons(rid, date, n):
        return {"id": rid, "kind": "lesson_observation", "date": date, "count": n,
                "detail": "detailed"}  # fmt: skip

    t = run(
        [lessons("a", "2018-09-11", 8), lessons("b", "2018-10-11", 4),
         lessons("c", "2018-11-11", 3)],
        passing(118, 125),
    )  # fmt: skip
    assert (rec(t, "a")["hours"], rec(t, "a")["credits"]) == (8.0, 0.8)
    b = rec(t, "b")
    assert (b["hours"], b["credits"]) == (2.0, 0.2)
    assert b["explanation"].startswith("2 h（原 4 h，听课每学期最多计10学时（示例）） × 0.1")
    assert b["explanation"].endswith("学校考核 118 分，整改后 125 分，予以认定")
    assert rec(t, "c")["counted"] is False
    assert period(t, "2018-2019-1")["hours"]["school_based"] == 10.0


def test_leave_and_other_modes_earn_nothing():
    t = run(
        [
            {"id": "l", "kind": "activity_attendance", "date": "2018-09-03", "status": "leave",
             "activity": "A1"},
            {"id": "o", "kind": "training", "date": "2018-09-04", "mode": "online", "hours": 10},
        ],
        passing(),
    )  # fmt: skip
    assert rec(t, "l")["counted"] is False
    assert "请假或缺勤" in rec(t, "l")["explanation"]
    assert rec(t, "o")["counted"] is False
    assert "只认定校本研修学分" in rec(t, "o")["explanation"]
    assert period(t, "2018-2019-1")["credits"]["total"] == 0.0


def test_menu_is_marked_as_an_example():
    policy = load_policy(POLICY)
    assert policy.source == "000_7fcceab846ea0df5.txt"
    assert "示例" in policy.spec.description
    assert any("示例" in r.text and "附件3" in r.text for r in policy.spec.readings)
    assert [g.pass_above for g in policy.spec.gates] == [120]


def test_cli_evaluate(tmp_path, capsys):
    data = {
        "teachers": [
            {"id": "A", "school": {"id": "S1", "assessment": {"score": 121}}, "records": [paper()]},
            {"id": "B", "school": {"id": "S2", "assessment": {"score": 118,
                                                               "rectification_score": 119}},
             "records": [paper()]},
        ]
    }  # fmt: skip
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["policy", "evaluate", "--policy", POLICY, "--input", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    a, b = out["teachers"]
    assert a["periods"][0]["credits"]["school_based"] == 0.6
    assert b["periods"][0]["credits"]["school_based"] == 0.0
    assert b["records"][0]["counted"] is False
