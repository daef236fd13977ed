"""pingyang: 平阳县 per-semester teacher requirements (三(二)), computed by hand.

Source: shared/seeds/001_fbe9f7fd85f9dc02.txt: “每学期听课至少10节，至少承担2次以上主要
教研角色，包括执教者、评课议课、磨课者或指导师等，每学期至少完成1项教研成果”.
Readings under test: semesters 09-01..01-31 and 02-01..08-31; lessons counted by the record's
``count``; main roles are open_class, activity_role review / polish and mentoring (keynote and
lecture are not); outputs are the five research_output kinds; trainings earn hours × 1 credit.
"""

from __future__ import annotations

import json

from xuefen.cli import main
from xuefen.policy import load_policy

POLICY = "pingyang"
S1 = "2020-2021-1"


def run(records):
    return load_policy(POLICY).evaluate([{"id": "T1", "records": records}])["teachers"][0]


def period(teacher, label):
    return next(p for p in teacher["periods"] if p["period"] == label)


def req(p, rid):
    return next(r for r in p["requirements"] if r["id"] == rid)


def rec(teacher, rid):
    return next(r for r in teacher["records"] if r["id"] == rid)


def lessons(rid, date, count, **extra):
    return {"id": rid, "kind": "lesson_observation", "date": date, "count": count,
            "detail": "detailed", **extra}  # fmt: skip


def role(rid, date, r):
    return {"id": rid, "kind": "activity_role", "date": date, "role": r}


def item(rid, date, kind, **fields):
    return {"id": rid, "kind": kind, "date": date, **fields}


def training(rid, date, **fields):
    return {"id": rid, "kind": "training", "date": date, **fields}


def test_lesson_observations_nine_vs_ten():
    # 6 + 3 = 9 lessons → short by 1; a draft record (10 lessons) does not count.
    base = [lessons("a", "2020-10-01", 6), lessons("b", "2020-11-01", 3),
            lessons("d", "2020-11-02", 10, status="draft")]  # fmt: skip
    r = req(period(run(base), S1), "semester-lesson-observations")
    assert (r["met"], r["actual"], r["shortfall"], r["required"]) == (False, 9.0, 1.0, 10)
    # One more lesson, recorded "brief" (detail does not matter): 10 → met.
    t = run([*base, lessons("c", "2020-12-01", 1, detail="none")])
    r = req(period(t, S1), "semester-lesson-observations")
    assert (r["met"], r["actual"]) == (True, 10.0)


def test_main_roles_two_needed():
    # open class (执教者) + review (评课议课) = 2 → met.
    t = run([item("o", "2020-10-01", "open_class"), role("r", "2020-10-02", "review")])
    assert req(period(t, S1), "semester-main-roles")["actual"] == 2.0
    assert req(period(t, S1), "semester-main-roles")["met"] is True
    # polish (磨课者) + mentoring (指导师) = 2 → met.
    t = run([role("p", "2020-10-02", "polish"), item("m", "2020-10-03", "mentoring")])
    assert req(period(t, S1), "semester-main-roles")["met"] is True
    # keynote and lecture are not main roles: 1 open class only → short by 1.
    t = run(
        [
            item("o", "2020-10-01", "open_class"),
            role("k", "2020-10-02", "keynote"),
            role("l", "2020-10-03", "lecture"),
        ]
    )
    r = req(period(t, S1), "semester-main-roles")
    assert (r["met"], r["actual"], r["shortfall"]) == (False, 1.0, 1.0)


def test_research_output_at_least_one_of_five_kinds():
    t = run([item("a", "2020-10-01", "award", category="paper", rank="first", level="county")])
    r = req(period(t, S1), "semester-research-outputs")
    assert (r["met"], r["actual"], r["shortfall"]) == (False, 0.0, 1.0)  # an award is not one
    for output in ("design", "courseware", "case", "paper", "course"):
        t = run([item("x", "2020-10-01", "research_output", output=output)])
        r = req(period(t, S1), "semester-research-outputs")
        assert (r["met"], r["actual"]) == (True, 1.0), output


def test_semester_boundary_2021_01_31_vs_02_01():
    # 5 lessons on 2021-01-31 (semester 1) and 5 on 2021-02-01 (semester 2): neither reaches 10.
    t = run([lessons("a", "2021-01-31", 5), lessons("b", "2021-02-01", 5)])
    s1, s2 = period(t, S1), period(t, "2020-2021-2")
    assert (s1["start"], s1["end"]) == ("2020-09-01", "2021-01-31")
    assert (s2["start"], s2["end"]) == ("2021-02-01", "2021-08-31")
    assert req(s1, "semester-lesson-observations")["actual"] == 5.0
    assert req(s2, "semester-lesson-observations")["actual"] == 5.0
    assert not s1["compliant"] and not s2["compliant"]


def test_compliant_semester():
    t = run(
        [
            lessons("l", "2020-09-15", 10),
            item("o", "2020-10-01", "open_class", level="county"),
            role("r", "2020-11-01", "review"),
            item("p", "2020-12-01", "research_output", output="case"),
        ]
    )
    s = period(t, S1)
    assert [r["met"] for r in s["requirements"]] == [True, True, True]
    assert s["compliant"] is True
    # Requirement-only records earn no hours and say so.
    r = rec(t, "l")
    assert (r["counted"], r["hours"], r["credits"]) == (False, 0.0, 0.0)
    assert "仅用于次数要求" in r["explanation"]


def test_trainings_one_credit_per_hour():
    # 90 h × 1 = 90; 2 d × 6 h = 12 h × 1 = 12; 10 h × 1.5 (the record's own) = 15;
    # absent and failed trainings earn nothing. Total 90 + 12 + 10 = 112 h, 117 credits.
    t = run(
        [
            training("a", "2020-10-01", mode="centralized", level="county", hours=90),
            training("b", "2020-10-02", mode="centralized", days=2),
            training("c", "2020-10-03", mode="online", hours=10, credit_per_hour=1.5),
            training("d", "2020-10-04", mode="online", hours=10,
                     attendance="absent_without_leave"),
            training("e", "2020-10-05", mode="school_based", hours=10, score=50),
        ]
    )  # fmt: skip
    assert (rec(t, "a")["hours"], rec(t, "a")["credits"]) == (90.0, 90.0)
    assert rec(t, "a")["explanation"] == "90 h × 1"
    assert (rec(t, "b")["hours"], rec(t, "b")["credits"]) == (12.0, 12.0)
    assert rec(t, "b")["explanation"] == "2 d × 6 h/d = 12 h × 1"
    assert (rec(t, "c")["hours"], rec(t, "c")["credits"]) == (10.0, 15.0)
    assert rec(t, "d")["counted"] is False and "缺席" in rec(t, "d")["explanation"]
    assert rec(t, "e")["counted"] is False and "不合格" in rec(t, "e")["explanation"]
    s = period(t, S1)
    assert (s["hours"]["total"], s["credits"]["total"]) == (112.0, 117.0)
    assert s["credits"]["online"] == 15.0


def test_readings_cover_roles_and_credits():
    policy = load_policy(POLICY)
    assert policy.source == "001_fbe9f7fd85f9dc02.txt"
    topics = {r.topic for r in policy.spec.readings}
    assert {"主要教研角色", "教研成果", "培训学分", "学期"} <= topics
    texts = " ".join(r.text for r in policy.spec.readings)
    assert "mentoring" in texts and "keynote" in texts


def test_cli_evaluate(tmp_path, capsys):
    records = [lessons("l", "2021-03-01", 12), role("r", "2021-03-02", "polish")]
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"teachers": [{"id": "T1", "records": records}]}), "utf-8")
    assert main(["policy", "evaluate", "--policy", POLICY, "--input", str(path)]) == 0
    t = json.loads(capsys.readouterr().out)["teachers"][0]
    s = period(t, "2020-2021-2")
    assert req(s, "semester-lesson-observations")["actual"] == 12.0
    assert req(s, "semester-main-roles")["shortfall"] == 1.0  # 2 − 1
    assert req(s, "semester-research-outputs")["met"] is False


def test_only_certified_records_count_towards_requirements():
    # A submitted open class and a draft output do not count: roles 1 (review), outputs 0.
    t = run(
        [
            item("o", "2020-10-01", "open_class", status="submitted"),
            role("r", "2020-10-02", "review"),
            item("p", "2020-10-03", "research_output", output="design", status="draft"),
        ]
    )
    s = period(t, S1)
    assert req(s, "semester-main-roles")["actual"] == 1.0
    assert req(s, "semester-research-outputs")["actual"] == 0.0
    assert s["compliant"] is False
