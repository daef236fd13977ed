"""dali-2020: 大荔县2020—2021学年度网络研修与校本研修整合培训, computed by hand.

Source: shared/seeds/002_eeb70f572d5b4273.txt. Per school year (09-01..08-31): online ≥ 30 h and
≥ 9 credits, school-based ≥ 50 h and ≥ 10 credits; per semester (09-01..01-31, 02-01..08-31):
school-based 研修活动 ≥ 18 h and 研修成果 ≥ 7 h. Rates: online 9 ÷ 30 = 0.3 credit/h, school-based
10 ÷ 50 = 0.2 credit/h; centralized (not part of the plan) 1 credit/h unless the record says.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from xuefen.cli import main
from xuefen.policy import InputError, load_policy

POLICY = "dali-2020"


def run(records, as_of=None):
    result = load_policy(POLICY).evaluate([{"id": "T1", "records": records}], as_of=as_of)
    assert result["policy"] == POLICY
    return result["teachers"][0]


def period(teacher, label):
    return next(p for p in teacher["periods"] if p["period"] == label)


def req(p, rid):
    return next(r for r in p["requirements"] if r["id"] == rid)


def rec(teacher, rid):
    return next(r for r in teacher["records"] if r["id"] == rid)


def online(rid, date, hours, **extra):
    return {"id": rid, "kind": "training", "date": date, "mode": "online", "hours": hours, **extra}


def school(rid, date, hours, category="activity", **extra):
    return {
        "id": rid,
        "kind": "training",
        "date": date,
        "mode": "school_based",
        "hours": hours,
        "school_based_category": category,
        **extra,
    }


def test_online_rate_and_requirements_met_at_30_hours():
    # 30 h × 0.3 = 9 credits: exactly the plan's "30学时(9学分)".
    t = run([online("o1", "2020-11-20", 30)])
    r = rec(t, "o1")
    assert (r["counted"], r["hours"], r["credits"]) == (True, 30.0, 9.0)
    assert r["explanation"] == "30 h × 0.3"
    y = period(t, "2020-2021")
    assert y["hours"]["online"] == 30.0
    assert y["credits"]["online"] == 9.0
    assert req(y, "year-hours-online")["met"] is True
    assert req(y, "year-credits-online")["met"] is True


def test_online_missed_by_half_an_hour():
    # 29.5 h × 0.3 = 8.85 credits; short of 30 h by 0.5 and of 9 credits by 0.15.
    t = run([online("o1", "2020-11-20", 29.5)])
    y = period(t, "2020-2021")
    hours, credits = req(y, "year-hours-online"), req(y, "year-credits-online")
    assert (hours["met"], hours["actual"], hours["shortfall"]) == (False, 29.5, 0.5)
    assert (credits["met"], credits["actual"], credits["shortfall"]) == (False, 8.85, 0.15)
    assert y["compliant"] is False


def test_school_based_rate_and_year_minimums():
    # 18 + 7 (semester 1) + 18 + 6.5 (semester 2) = 49.5 h; 49.5 × 0.2 = 9.9 credits:
    # short of 50 h by 0.5 and of 10 credits by 0.1.
    records = [
        school("a1", "2020-11-10", 18),
        school("c1", "2020-12-28", 7, "outcome"),
        school("a2", "2021-03-10", 18),
        school("c2", "2021-06-10", 6.5, "outcome"),
    ]
    t = run(records)
    assert rec(t, "a1")["credits"] == 3.6  # 18 × 0.2
    assert rec(t, "c2")["credits"] == 1.3  # 6.5 × 0.2
    assert rec(t, "c2")["explanation"] == "6.5 h × 0.2"
    y = period(t, "2020-2021")
    assert y["hours"]["school_based"] == 49.5
    assert y["credits"]["school_based"] == 9.9
    assert req(y, "year-hours-school-based")["shortfall"] == 0.5
    assert req(y, "year-credits-school-based")["shortfall"] == 0.1
    # One more half hour of outcome in semester 2: 50 h, 50 × 0.2 = 10 credits → both met.
    t = run([*records, school("c3", "2021-06-20", 0.5, "outcome")])
    y = period(t, "2020-2021")
    assert (y["hours"]["school_based"], y["credits"]["school_based"]) == (50.0, 10.0)
    assert req(y, "year-hours-school-based")["met"] is True
    assert req(y, "year-credits-school-based")["met"] is True


def test_semester_quotas_activity_18_and_outcome_7():
    # Semester 1: activity 17.5 h (short 0.5), outcome 7 h (met).
    # Semester 2: activity 18 h (met), outcome 6.5 h (short 0.5).
    t = run(
        [
            school("a1", "2020-10-20", 10),
            school("a2", "2020-12-01", 7.5),
            school("c1", "2021-01-15", 7, "outcome"),
            school("a3", "2021-04-01", 18),
            school("c2", "2021-06-01", 6.5, "outcome"),
        ]
    )
    s1, s2 = period(t, "2020-2021-1"), period(t, "2020-2021-2")
    assert (s1["start"], s1["end"]) == ("2020-09-01", "2021-01-31")
    assert (s2["start"], s2["end"]) == ("2021-02-01", "2021-08-31")
    a1, o1 = req(s1, "semester-hours-activity"), req(s1, "semester-hours-outcome")
    assert (a1["met"], a1["actual"], a1["shortfall"]) == (False, 17.5, 0.5)
    assert (o1["met"], o1["actual"]) == (True, 7.0)
    a2, o2 = req(s2, "semester-hours-activity"), req(s2, "semester-hours-outcome")
    assert (a2["met"], a2["actual"]) == (True, 18.0)
    assert (o2["met"], o2["actual"], o2["shortfall"]) == (False, 6.5, 0.5)
    assert s1["compliant"] is False and s2["compliant"] is False


def test_semester_boundary_2021_01_31_vs_02_01():
    # Same school year 2020-2021, different semesters.
    t = run([school("x", "2021-01-31", 18), school("y", "2021-02-01", 18)])
    assert period(t, "2020-2021-1")["hours"]["school_based"] == 18.0
    assert period(t, "2020-2021-2")["hours"]["school_based"] == 18.0
    assert period(t, "2020-2021")["hours"]["school_based"] == 36.0
    # 2021-08-31 closes the school year; 2021-09-01 opens 2021-2022.
    t = run([school("x", "2021-08-31", 5), school("y", "2021-09-01", 5)])
    assert period(t, "2020-2021")["hours"]["school_based"] == 5.0
    assert period(t, "2021-2022")["hours"]["school_based"] == 5.0
    assert period(t, "2021-2022-1")["start"] == "2021-09-01"


def test_fully_compliant_teacher():
    # Online 30 h (9 credits); school-based 18 + 7 + 18 + 7 = 50 h, 50 × 0.2 = 10 credits.
    t = run(
        [
            online("o1", "2020-12-20", 30),
            school("a1", "2020-11-27", 18),
            school("c1", "2020-12-31", 7, "outcome"),
            school("a2", "2021-05-10", 18),
            school("c2", "2021-07-05", 7, "outcome"),
        ]
    )
    y = period(t, "2020-2021")
    assert y["hours"]["total"] == 80.0  # the covering notice's "80" = 30 + 50
    assert y["credits"]["total"] == 19.0  # 9 + 10
    assert all(p["compliant"] for p in t["periods"])


def test_outcome_is_entered_once_as_school_based():
    # 研修成果共用 reading: an outcome counts once, as school-based (7 × 0.2 = 1.4), never online.
    t = run([school("c1", "2020-12-31", 7, "outcome")])
    y = period(t, "2020-2021")
    assert y["hours"] == {"total": 7.0, "online": 0.0, "centralized": 0.0, "school_based": 7.0}
    assert y["credits"]["school_based"] == 1.4
    assert req(y, "year-hours-online")["actual"] == 0.0


def test_uncategorised_school_based_counts_for_the_year_not_the_quotas():
    t = run(
        [
            {
                "id": "s1",
                "kind": "training",
                "date": "2020-11-01",
                "mode": "school_based",
                "hours": 20,
            }
        ]
    )
    assert period(t, "2020-2021")["hours"]["school_based"] == 20.0
    s1 = period(t, "2020-2021-1")
    assert req(s1, "semester-hours-activity")["actual"] == 0.0
    assert req(s1, "semester-hours-outcome")["actual"] == 0.0


def test_centralized_default_rate_and_not_required():
    # Not part of the plan: 1 credit/h by default (12 × 1 = 12), or the record's own (6 × 1.5 = 9).
    t = run(
        [
            {"id": "c1", "kind": "training", "date": "2021-03-01", "mode": "centralized",
             "hours": 12},
            {"id": "c2", "kind": "training", "date": "2021-03-02", "mode": "centralized",
             "days": 1, "credit_per_hour": 1.5},
        ]
    )  # fmt: skip
    assert (rec(t, "c1")["hours"], rec(t, "c1")["credits"]) == (12.0, 12.0)
    assert (rec(t, "c2")["hours"], rec(t, "c2")["credits"]) == (6.0, 9.0)  # 1 d × 6 h
    y = period(t, "2020-2021")
    assert y["credits"]["centralized"] == 21.0
    ids = {r["id"] for r in y["requirements"]}
    assert not any("centralized" in i for i in ids)


def test_record_rate_must_match_the_plan():
    # credit_per_hour 0.3 agrees with 9 ÷ 30; 0.5 contradicts it and is an input error.
    t = run([online("o1", "2020-11-20", 10, credit_per_hour=0.3)])
    assert rec(t, "o1")["credits"] == 3.0
    with pytest.raises(InputError) as err:
        run([online("o1", "2020-11-20", 10, credit_per_hour=0.5)])
    assert err.value.field == "credit_per_hour"


def test_failed_absent_and_uncertified_records_earn_nothing():
    t = run(
        [
            online("f", "2020-11-20", 30, score=59),
            online("a", "2020-11-21", 30, attendance="absent_without_leave"),
            online("p", "2020-11-22", 30, attendance="platform_leave"),
            online("d", "2020-11-23", 30, status="submitted"),
            online("ok", "2020-11-24", 10, score=60),
        ]
    )
    for rid in ("f", "a", "p", "d"):
        r = rec(t, rid)
        assert (r["counted"], r["hours"], r["credits"]) == (False, 0.0, 0.0)
        assert r["explanation"]
    assert "不合格" in rec(t, "f")["explanation"]
    assert rec(t, "d")["explanation"].startswith("状态为")  # not certified
    assert rec(t, "ok")["credits"] == 3.0  # 10 × 0.3, no performance coefficient in 大荔
    assert period(t, "2020-2021")["hours"]["online"] == 10.0


def test_readings_name_the_50_hour_choice_and_the_source():
    policy = load_policy(POLICY)
    assert policy.source == "002_eeb70f572d5b4273.txt"
    texts = " ".join(r.text for r in policy.spec.readings)
    assert "50" in texts and "80" in texts
    assert "共用" in texts
    assert "0.3" in texts and "0.2" in texts


def test_cli_evaluate(tmp_path, capsys):
    data = {"teachers": [{"id": "T9", "records": [online("o1", "2020-12-01", 29.5)]}]}
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code = main(["policy", "evaluate", "--policy", POLICY, "--input", str(path),
                 "--as-of", "2021-06-30"])  # fmt: skip
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    t = out["teachers"][0]
    assert t["records"][0]["credits"] == 8.85  # 29.5 × 0.3
    y = period(t, "2020-2021")
    assert req(y, "year-hours-online")["shortfall"] == 0.5
    assert [p["period"] for p in t["periods"]] == ["2020-2021", "2020-2021-1", "2020-2021-2"]


def test_as_of_adds_its_own_empty_period():
    t = run([online("o1", "2020-12-01", 30)], as_of=dt.date(2021, 9, 1))
    assert period(t, "2021-2022")["hours"]["total"] == 0.0
    assert req(period(t, "2021-2022"), "year-hours-online")["met"] is False
