"""lanzhou-14-2015: 兰州市联校研训第十四片区, computed by hand.

Source: shared/seeds/003_b6fc0b6e931135d6.txt. Readings under test: school year 09-01..08-31,
semesters 09-01..01-31 and 02-01..08-31; 每周4学时 checked week by week (Monday–Sunday) over
the teaching weeks lying wholly within 09-01..01-15 and 03-01..07-15 — 18 weeks in each
semester of 2015-2016 (2015-09-07..2016-01-10, 2016-03-07..2016-07-10) — from sessions
(present / makeup) and school-based self-study, a week's surplus never making up another's;
a leave or absence needs a make-up for the same activity in the same semester; 1 credit per
hour at semester end; reading practice counts 12 credits a school year (cap and minimum);
the humanities programme 24 credits a 5-year cycle aligned to 2011 (cap and minimum).
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


AUTUMN_MONDAYS = [dt.date(2015, 9, 7) + dt.timedelta(7 * i) for i in range(18)]


def weekly(hours_by_week):
    """A 4 h session on the Wednesday of each teaching week of 2015-2016-1, or the hours
    given for that week (1-based)."""
    return [
        session(f"w{n}", (monday + dt.timedelta(2)).isoformat(), "present", f"A{n}",
                hours_by_week.get(n, 4))
        for n, monday in enumerate(AUTUMN_MONDAYS, 1)
    ]  # fmt: skip


def test_eighteen_teaching_weeks_each_with_four_hours():
    t = run(weekly({}))
    w = req(period(t, "2015-2016-1"), "semester-weekly-study")
    # 18 weeks × 4 h: every week met.
    assert (w["met"], w["weeks"], w["weeks_met"], w["per_week"]) == (True, 18, 18, 4)
    assert (w["required"], w["actual"], w["shortfall"], w["weeks_short"]) == (72, 72, 0, [])
    assert AUTUMN_MONDAYS[-1] == dt.date(2016, 1, 4)  # week 18 ends Sunday 2016-01-10


def test_a_week_short_is_not_made_up_by_another():
    # week 3 (2015-09-21..09-27) 3 h, week 5 8 h: the semester has 16 × 4 + 3 + 8 = 75 h,
    # yet week 3 lacks 1 h. actual = 17 × 4 + 3 = 71, required 72, shortfall 1.
    t = run(weekly({3: 3, 5: 8}))
    s = period(t, "2015-2016-1")
    assert s["hours"]["school_based"] == 75.0
    w = req(s, "semester-weekly-study")
    assert (w["met"], w["actual"], w["shortfall"], w["weeks_met"]) == (False, 71.0, 1.0, 17)
    assert w["weeks_short"] == [
        {"week": 3, "start": "2015-09-21", "end": "2015-09-27", "actual": 3.0,
         "shortfall": 1.0, "upcoming": False}
    ]  # fmt: skip


def test_hours_bunched_in_a_few_weeks_do_not_meet_it():
    # 10 sessions of 4 h on 2015-10-10..10-19 and 32 h of self-study on 12-01: 72 h in all,
    # but only 4 weeks reach 4 h: week 5 (10-05..10-11: 10-10, 10-11 → 8 h), week 6
    # (10-12..10-18 → 28 h), week 7 (10-19 → 4 h), week 13 (11-30..12-06 → 32 h).
    # actual = 4 × 4 = 16, required 72, shortfall 14 weeks × 4 = 56.
    records = [session(f"s{i}", f"2015-10-{i + 10:02d}", "present", f"A{i}", 4) for i in range(10)]
    t = run([*records, study("w", "2015-12-01", 32)])
    s = period(t, "2015-2016-1")
    assert s["hours"]["school_based"] == 72.0
    w = req(s, "semester-weekly-study")
    assert (w["met"], w["actual"], w["shortfall"], w["weeks_met"]) == (False, 16.0, 56.0, 4)
    assert [x["week"] for x in w["weeks_short"]] == [1, 2, 3, 4, 8, 9, 10, 11, 12, 14, 15, 16,
                                                      17, 18]  # fmt: skip


def test_edge_days_and_holidays_are_not_checked_but_count_in_totals():
    # 2015-09-01 (Tuesday: its week begins in August) and 2016-01-12 (the week of 01-11..01-17
    # runs past 01-15) are outside every checked week; a make-up in week 2 counts for week 2.
    records = weekly({2: 0})
    records += [
        study("edge1", "2015-09-01", 6),
        study("edge2", "2016-01-12", 6),
        session("mk", "2015-09-16", "makeup", "A2", 4),
    ]
    t = run(records)
    s = period(t, "2015-2016-1")
    assert s["hours"]["school_based"] == 17 * 4 + 4 + 12  # 84
    w = req(s, "semester-weekly-study")
    assert (w["met"], w["actual"]) == (True, 72.0)
    # Spring: 18 weeks 2016-03-07..07-10; 2016-02-29 (before 03-01) is not checked.
    t = run([study("feb", "2016-02-29", 4)], as_of=dt.date(2016, 3, 9))
    w = req(period(t, "2015-2016-2"), "semester-weekly-study")
    assert (w["weeks"], w["actual"], w["shortfall"]) == (18, 0.0, 72.0)
    assert w["weeks_short"][0]["start"] == "2016-03-07"
    assert w["weeks_short"][-1]["end"] == "2016-07-10"
    # as of 2016-03-09, week 1 has begun, week 2 has not
    assert [x["upcoming"] for x in w["weeks_short"][:2]] == [False, True]


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
    assert "每周" in texts and "教学周" in texts and "18个教学周" in texts
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


def test_per_week_is_checked_in_the_file():
    import pytest

    from xuefen.policy import PolicyFileError, load_policy_text

    head = """
id: t
name: t
region: t
source: t
periods: {semester: {anchors: ["09-01", "02-01"], label: 学期}}
credit_rules: [{id: r, label: r, kind: training, rate: {fixed: 1}}]
requirements:
"""
    bad = [
        ("  - {id: q, label: q, period: semester, measure: hours, per: week, max: 4}", "a min"),
        ("  - {id: q, label: q, period: semester, measure: share, per: week, min: 1,"
         " share_of: {mode: online}}", "per: week goes with"),
        ("  - {id: q, label: q, period: semester, measure: hours, min: 4,"
         " weeks: {within: [['09-01', '01-15']]}}", "'weeks' goes with per: week"),
        ("  - {id: q, label: q, period: semester, measure: hours, per: week, min: 4,"
         " weeks: {within: [['09-01', '02-29']]}}", "02-29"),
    ]  # fmt: skip
    for line, message in bad:
        with pytest.raises(PolicyFileError, match=message):
            load_policy_text(head + line)
    # without weeks.within every whole week of the period is checked: 2015-09-07..2016-01-31
    # has 21 whole weeks (the last Monday 2016-01-25, its Sunday the 31st).
    p = load_policy_text(
        head + "  - {id: q, label: q, period: semester, measure: hours, per: week, min: 1}"
    )
    t = p.evaluate([{"id": "T", "records": [study("a", "2015-09-09", 1)]}])["teachers"][0]
    q = req(period(t, "2015-2016-1"), "q")
    assert (q["weeks"], q["weeks_met"], q["shortfall"]) == (21, 1, 20.0)
