"""lanzhou-14-2015: 兰州市联校研训第十四片区, computed by hand.

Source: shared/seeds/003_b6fc0b6e931135d6.txt. Readings under test: school year 09-01..08-31,
semesters 09-01..01-31 and 02-01..08-31; 每周4学时 × 18 teaching weeks = 72 h a semester from
sessions (present / makeup) and school-based self-study; a leave or absence needs a make-up for
the same activity in the same semester; 1 credit per hour at semester end; reading practice
counts 12 credits a school year (cap and minimum); the humanities programme 24 credits a
5-year cycle aligned to 2011 (cap and minimum).
"""

from __future__ import annotations

import datetime as dt
import json

from xuefen.cli import main
from xuefen.policy import load_policy

POLICY = "lanzhou-14-2015"


def run(records, as_of=None):
    result = load_policy(POLICY).evaluate([{"id": "T1", "records": records}], as_of=as_of)
    return result["teachers"][0]


def period(teacher, label):
    return next(p for p in teacher["periods"] if p["period"] == label)


def req(p, rid):
    return next(r for r in p["requirements"] if r["id"] == rid)


def rec(teacher, rid):
    return next(r for r in teacher["records"] if r["id"] == rid)


def session(rid, date, status, activity, hours=None, **extra):
    out = {"id": rid, "kind": "activity_attendance", "date": date, "status": status,
           "activity": activity, **extra}  # fmt: skip
    if hours is not None:
        out["hours"] = hours
    return out


def study(rid, date, hours, mode="school_based"):
    return {"id": rid, "kind": "training", "date": date, "mode": mode, "hours": hours}


def reading(rid, date, program="practice", **amount):
    return {"id": rid, "kind": "reading", "date": date, "program": program, **amount}


def test_sessions_earn_hours_at_one_credit_per_hour():
    t = run(
        [
            session("p", "2015-09-10", "present", "A1", 4),
            session("m", "2015-09-24", "makeup", "A2", 3),
            session("l", "2015-09-17", "leave", "A2", 4),
            session("x", "2015-10-08", "absent", "A3", 4),
        ]
    )
    # present 4 h × 1 = 4; makeup 3 h × 1 = 3; leave and absence earn nothing.
    assert (rec(t, "p")["hours"], rec(t, "p")["credits"]) == (4.0, 4.0)
    assert rec(t, "p")["explanation"] == "4 h × 1"
    assert (rec(t, "m")["hours"], rec(t, "m")["credits"]) == (3.0, 3.0)
    for rid in ("l", "x"):
        r = rec(t, rid)
        assert (r["counted"], r["hours"], r["credits"]) == (False, 0.0, 0.0)
        assert "补课" in r["explanation"]
    s = period(t, "2015-2016-1")
    assert s["hours"]["school_based"] == 7.0
    assert s["credits"]["school_based"] == 7.0


def test_weekly_four_hours_met_at_72_and_missed_at_71_5():
    # 4 h/week × 18 weeks = 72 h. Sessions 10 × 4 = 40 h + self-study 32 h = 72 h → met.
    records = [session(f"s{i}", f"2015-10-{i + 10:02d}", "present", f"A{i}", 4) for i in range(10)]
    t = run([*records, study("w", "2015-12-01", 32)])
    w = req(period(t, "2015-2016-1"), "semester-weekly-study")
    assert (w["met"], w["actual"], w["required"]) == (True, 72.0, 72)
    # Self-study 31.5 h instead: 40 + 31.5 = 71.5 h → short by 0.5.
    t = run([*records, study("w", "2015-12-01", 31.5)])
    w = req(period(t, "2015-2016-1"), "semester-weekly-study")
    assert (w["met"], w["actual"], w["shortfall"]) == (False, 71.5, 0.5)


def test_reading_and_other_trainings_do_not_count_towards_weekly_study():
    # Online 30 h and centralized 12 h earn 1 credit/h in the totals (42), reading 5 credits;
    # none of them is session or school-based study → weekly study actual 0.
    t = run(
        [
            study("o", "2016-03-01", 30, mode="online"),
            study("c", "2016-03-02", 12, mode="centralized"),
            reading("r", "2016-03-03", credits=5),
        ]
    )
    assert rec(t, "o")["credits"] == 30.0
    assert rec(t, "c")["credits"] == 12.0
    s = period(t, "2015-2016-2")
    assert s["credits"]["total"] == 47.0  # 30 + 12 + 5
    assert req(s, "semester-weekly-study")["actual"] == 0.0


def test_leave_without_make_up_fails_and_make_up_clears_it():
    leave = session("l", "2015-09-17", "leave", "A2", 4)
    t = run([leave])
    m = req(period(t, "2015-2016-1"), "semester-missed-sessions")
    assert (m["met"], m["actual"], m["maximum"]) == (False, 1.0, 0)
    # A make-up for the same activity clears it.
    t = run([leave, session("m", "2015-09-24", "makeup", "A2", 4)])
    assert req(period(t, "2015-2016-1"), "semester-missed-sessions")["met"] is True
    # A make-up for another activity does not; an absence counts like a leave: 2 missed.
    t = run(
        [
            leave,
            session("x", "2015-10-08", "absent", "A3"),
            session("m", "2015-09-24", "makeup", "A9", 4),
        ]
    )
    m = req(period(t, "2015-2016-1"), "semester-missed-sessions")
    assert (m["met"], m["actual"]) == (False, 2.0)


def test_make_up_must_fall_in_the_same_semester():
    # Leave on 2016-01-31 (semester 1), make-up on 2016-02-01 (semester 2): semester 1 still
    # has one missed session; semester 2 has none to clear.
    t = run(
        [
            session("l", "2016-01-31", "leave", "A5", 4),
            session("m", "2016-02-01", "makeup", "A5", 4),
        ]
    )
    s1, s2 = period(t, "2015-2016-1"), period(t, "2015-2016-2")
    assert (s1["start"], s1["end"]) == ("2015-09-01", "2016-01-31")
    assert req(s1, "semester-missed-sessions")["actual"] == 1.0
    assert req(s2, "semester-missed-sessions")["actual"] == 0.0
    assert s2["hours"]["school_based"] == 4.0
    assert period(t, "2015-2016")["hours"]["school_based"] == 4.0


def test_session_without_hours_counts_for_sign_in_only():
    t = run([session("p", "2015-09-10", "present", "A1")])
    r = rec(t, "p")
    assert (r["counted"], r["hours"], r["credits"]) == (True, 0.0, 0.0)
    assert req(period(t, "2015-2016-1"), "semester-missed-sessions")["met"] is True


def test_reading_practice_12_credits_a_year_cap_and_minimum():
    # Date order: 8 credits, then 6 h × 1 = 6 credits trimmed to 12 − 8 = 4, then 2 credits
    # find the year full. Year total 12 → the minimum is met.
    t = run(
        [
            reading("r3", "2016-03-01", credits=2),
            reading("r1", "2015-10-08", credits=8),
            reading("r2", "2015-11-08", hours=6),
        ]
    )
    assert rec(t, "r1")["credits"] == 8.0
    assert rec(t, "r1")["explanation"] == "8 学分（直接登记）"
    assert rec(t, "r2")["credits"] == 4.0
    assert "原 6" in rec(t, "r2")["explanation"]
    r3 = rec(t, "r3")
    assert (r3["counted"], r3["credits"]) == (False, 0.0)
    assert "已达上限" in r3["explanation"]
    y = period(t, "2015-2016")
    assert req(y, "year-reading-practice")["actual"] == 12.0
    assert req(y, "year-reading-practice")["met"] is True
    assert y["credits"]["school_based"] == 12.0


def test_reading_practice_missed_by_half_a_credit_and_resets_each_school_year():
    t = run([reading("a", "2016-08-31", credits=11.5), reading("b", "2016-09-01", credits=12)])
    y1, y2 = period(t, "2015-2016"), period(t, "2016-2017")
    r = req(y1, "year-reading-practice")
    assert (r["met"], r["actual"], r["shortfall"]) == (False, 11.5, 0.5)
    assert req(y2, "year-reading-practice")["met"] is True
    assert rec(t, "b")["credits"] == 12.0  # a new year: the cap starts again


def test_humanities_24_credits_a_cycle():
    # Cycle 2011-2015 (calendar, aligned to 十二五). 20 + 10 → the second trimmed to 24 − 20 = 4.
    t = run(
        [
            reading("h1", "2015-05-01", "humanities", credits=20),
            reading("h2", "2015-06-01", "humanities", credits=10),
        ]
    )
    assert rec(t, "h2")["credits"] == 4.0
    assert rec(t, "h2")["mode"] == "online"
    c = t["cycle"]
    assert (c["period"], c["start"], c["end"]) == ("2011-2015", "2011-01-01", "2015-12-31")
    h = req(c, "cycle-humanities")
    assert (h["met"], h["actual"]) == (True, 24.0)
    # 23 credits → short by 1; a record on 2016-01-01 belongs to the next cycle, 2016-2020.
    t = run(
        [
            reading("h1", "2015-05-01", "humanities", credits=23),
            reading("h2", "2016-01-01", "humanities", credits=10),
        ],
        as_of=dt.date(2015, 12, 31),
    )
    h = req(t["cycle"], "cycle-humanities")
    assert (h["met"], h["actual"], h["shortfall"]) == (False, 23.0, 1.0)
    t = run([reading("h2", "2016-01-01", "humanities", credits=10)])
    assert t["cycle"]["period"] == "2016-2020"
    assert req(t["cycle"], "cycle-humanities")["actual"] == 10.0


def test_readings_state_weeks_rate_and_periods():
    texts = " ".join(r.text for r in load_policy(POLICY).spec.readings)
    assert "18" in texts and "72" in texts
    assert "每学时1学分" in texts
    assert "同一学期" in texts
    assert load_policy(POLICY).source == "003_b6fc0b6e931135d6.txt"


def test_cli_evaluate(tmp_path, capsys):
    records = [
        session("l", "2015-09-17", "leave", "A2", 4),
        session("m", "2015-09-24", "makeup", "A2", 4),
    ]
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"teachers": [{"id": "T1", "records": records}]}), "utf-8")
    assert main(["policy", "evaluate", "--policy", POLICY, "--input", str(path)]) == 0
    t = json.loads(capsys.readouterr().out)["teachers"][0]
    s = period(t, "2015-2016-1")
    assert req(s, "semester-missed-sessions")["met"] is True
    w = req(s, "semester-weekly-study")
    assert (w["actual"], w["shortfall"]) == (4.0, 68.0)  # 72 − 4
    assert t["cycle"]["period"] == "2011-2015"
