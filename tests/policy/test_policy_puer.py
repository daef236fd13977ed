"""puer-2023: every rule of 普洱 (seed 004), with cases computed by hand from the text.

Formula (第十一条): 学分 = 项目学分 × 学时 × (1 + 绩效系数); 优 0.2, 良 0.15, 中 0.1, 合格 0.
"""

import random

import pytest

from xuefen.policy import InputError

from .helpers import by_id, evaluate, period, rec, requirement

P = "puer-2023"


def one(record, **teacher):
    result = evaluate(P, [record], **teacher)
    return result["records"][0]


def test_contract_example_online_training():
    # 30 h × 1 (online) × (1 + 0.15 良: score 85) = 34.5
    r = one(
        rec(
            "training",
            "2023-03-10",
            id="r1",
            mode="online",
            module="knowledge",
            level="province",
            hours=30,
            score=85,
            self_selected=True,
        )
    )
    assert r == {
        "id": "r1",
        "kind": "training",
        "date": "2023-03-10",
        "counted": True,
        "hours": 30.0,
        "credits": 34.5,
        "explanation": "30 h × 1 × (1 + 0.15 良)",
        "rule": "training-online",
        "mode": "online",
        "module": "knowledge",
        "self_selected": True,
    }


@pytest.mark.parametrize(
    ("score", "credits", "label"),
    [
        (100, 12.0, "优"),  # 10 × 1 × 1.2
        (90, 12.0, "优"),
        (89.9, 11.5, "良"),  # 10 × 1.15
        (80, 11.5, "良"),
        (79, 11.0, "中"),  # 10 × 1.1
        (70, 11.0, "中"),
        (69.5, 10.0, "合格"),  # 10 × 1 × (1 + 0)
        (60, 10.0, "合格"),
    ],
)
def test_grade_bands_and_performance(score, credits, label):
    r = one(rec("training", "2023-03-10", mode="online", hours=10, score=score))
    assert r["counted"] is True
    assert r["credits"] == credits
    assert label in r["explanation"]


def test_fail_earns_no_hours_and_no_credits():
    r = one(rec("training", "2023-03-10", mode="online", hours=10, score=59.9))
    assert (r["counted"], r["hours"], r["credits"]) == (False, 0.0, 0.0)
    assert "不合格" in r["explanation"]
    r = one(rec("training", "2023-03-10", mode="online", hours=10, grade="fail"))
    assert r["counted"] is False


def test_training_without_score_counts_as_pass_without_performance():
    r = one(rec("training", "2023-03-10", mode="online", hours=10))
    assert (r["credits"], r["explanation"]) == (10.0, "10 h × 1")


def test_centralized_days_are_six_hours_and_level_ranges():
    # 2 d × 6 h = 12 h × 1.5 (county maximum) × (1 + 0.2 优) = 21.6
    r = one(
        rec(
            "training",
            "2023-05-01",
            mode="centralized",
            level="county",
            days=2,
            credit_per_hour=1.5,
            score=92,
        )
    )
    assert (r["hours"], r["credits"]) == (12.0, 21.6)
    assert r["explanation"] == "2 d × 6 h/d = 12 h × 1.5 × (1 + 0.2 优)"


@pytest.mark.parametrize(
    ("level", "top"), [("county", 1.5), ("city", 2), ("province", 2.5), ("national", 3)]
)
def test_centralized_coefficient_rows(level, top):
    # the top of each level's range is accepted: 10 h × top
    r = one(
        rec(
            "training", "2023-05-01", mode="centralized", level=level, hours=10, credit_per_hour=top
        )
    )
    assert r["credits"] == round(10 * top, 2)
    # no coefficient given: 1 (未规定的原则上按1项目学分计)
    r = one(rec("training", "2023-05-01", mode="centralized", level=level, hours=10))
    assert r["credits"] == 10.0
    # a little above the range is an input error naming the record and field
    with pytest.raises(InputError) as err:
        one(
            rec(
                "training",
                "2023-05-01",
                id="bad",
                mode="centralized",
                level=level,
                hours=10,
                credit_per_hour=top + 0.1,
            )
        )
    assert (err.value.record, err.value.field) == ("T1/bad", "credit_per_hour")


def test_online_and_school_based_coefficient_ranges():
    assert (
        one(rec("training", "2023-01-02", mode="school_based", hours=10, credit_per_hour=0.5))[
            "credits"
        ]
        == 5.0
    )
    with pytest.raises(InputError):
        one(rec("training", "2023-01-02", mode="school_based", hours=10, credit_per_hour=0.4))
    with pytest.raises(InputError):
        one(rec("training", "2023-01-02", mode="online", hours=10, credit_per_hour=1.2))


def test_school_based_year_cap_trims_the_later_record():
    records = [
        rec("training", "2023-03-01", id="a", mode="school_based", hours=30),
        rec("training", "2023-05-01", id="b", mode="school_based", hours=30),
        rec("training", "2023-06-01", id="c", mode="school_based", hours=10),
        rec("training", "2024-01-05", id="d", mode="school_based", hours=30),
    ]
    for order in (records, list(reversed(records))):
        result = evaluate(P, order)
        assert by_id(result, "a")["hours"] == 30.0
        assert by_id(result, "b")["hours"] == 18.0  # 48 − 30
        assert by_id(result, "b")["explanation"].startswith(
            "18 h（原 30 h，校本研修每年最多计48学时）"
        )
        assert by_id(result, "c")["counted"] is False
        assert by_id(result, "d")["hours"] == 30.0  # a new year
        assert period(result, "2023")["hours"]["school_based"] == 48.0


def test_studio_rows():
    # host, county (1.5), 优: 72 × 1.5 × 1.2 = 129.6
    assert (
        one(rec("studio", "2023-12-01", role="host", level="county", grade="excellent"))["credits"]
        == 129.6
    )
    # member, school (1), 中: 48 × 1 × 1.1 = 52.8
    assert (
        one(rec("studio", "2023-12-01", role="member", level="school", grade="medium"))["credits"]
        == 52.8
    )
    # student, national (3), 合格: 24 × 3 = 72
    r = one(rec("studio", "2023-12-01", role="student", level="national", grade="pass"))
    assert (r["hours"], r["credits"], r["mode"]) == (24.0, 72.0, "centralized")
    # member, city (2), 良: 48 × 2 × 1.15 = 110.4; province (2.5) 优: 48 × 2.5 × 1.2 = 144
    assert (
        one(rec("studio", "2023-12-01", role="member", level="city", grade="good"))["credits"]
        == 110.4
    )
    assert (
        one(rec("studio", "2023-12-01", role="member", level="province", grade="excellent"))[
            "credits"
        ]
        == 144.0
    )
    assert (
        one(rec("studio", "2023-12-01", role="host", level="city", grade="fail"))["counted"]
        is False
    )


@pytest.mark.parametrize(
    ("level", "credits"),
    [("national", 80.0), ("province", 64.0), ("city", 48.0), ("county", 32.0), ("school", 16.0)],
)
def test_teaching_coefficients(level, credits):
    # 8 h taught × 10 / 8 / 6 / 4 / 2
    r = one(rec("teaching", "2023-04-01", hours=8, level=level))
    assert (r["hours"], r["credits"]) == (8.0, credits)


@pytest.mark.parametrize(
    ("level", "award", "credits"),
    [
        ("city", "first", 14.4),  # 6 × 2 × 1.2
        ("county", "none", 9.0),  # 6 × 1.5, participation only
        ("province", "second", 17.25),  # 6 × 2.5 × 1.15
        ("national", "third", 19.8),  # 6 × 3 × 1.1
    ],
)
def test_competition_rows(level, award, credits):
    r = one(rec("competition", "2023-04-01", level=level, award=award))
    assert (r["hours"], r["credits"]) == (6.0, credits)


def test_competition_below_county_earns_nothing():
    r = one(rec("competition", "2023-04-01", level="school", award="first"))
    assert r["counted"] is False and "县级以下" in r["explanation"]


def test_research_project_rows():
    # host, province 2.5, 良: 12 × 2.5 × 1.15 = 34.5; participant, county 1.5, 中: 6 × 1.5 × 1.1
    assert (
        one(rec("research_project", "2023-06-01", role="host", level="province", grade="good"))[
            "credits"
        ]
        == 34.5
    )
    assert (
        one(
            rec(
                "research_project", "2023-06-01", role="participant", level="county", grade="medium"
            )
        )["credits"]
        == 9.9
    )
    # national 3, 优: 12 × 3 × 1.2 = 43.2; city 2, 合格: 6 × 2 = 12
    assert (
        one(
            rec("research_project", "2023-06-01", role="host", level="national", grade="excellent")
        )["credits"]
        == 43.2
    )
    assert (
        one(rec("research_project", "2023-06-01", role="participant", level="city", grade="pass"))[
            "credits"
        ]
        == 12.0
    )
    assert (
        one(rec("research_project", "2023-06-01", role="host", level="school", grade="good"))[
            "counted"
        ]
        is False
    )
    assert (
        one(rec("research_project", "2023-06-01", role="host", level="city", grade="fail"))[
            "counted"
        ]
        is False
    )


def test_degree_study_48_hours_a_year_for_three_years():
    records = [
        rec("degree_study", f"{y}-07-01", id=f"d{y}", program="MEd")
        for y in (2021, 2022, 2023, 2024)
    ]
    records.append(rec("degree_study", "2022-12-01", id="d2022b", program="MEd"))
    result = evaluate(P, records, as_of="2024-12-31")
    assert [by_id(result, f"d{y}")["hours"] for y in (2021, 2022, 2023)] == [48.0] * 3
    assert by_id(result, "d2021")["credits"] == 48.0
    assert by_id(result, "d2024")["counted"] is False  # a fourth year
    assert by_id(result, "d2022b")["counted"] is False  # already 48 h that year


def test_new_teacher_induction_not_in_totals_and_checked_for_first_year():
    records = [rec("new_teacher_training", "2023-09-01", id="n", hours=100, practice_hours=60)]
    result = evaluate(P, records, first_year=True)
    year = period(result, "2023")
    assert year["hours"]["total"] == 0.0
    assert by_id(result, "n")["in_totals"] is False
    hours = requirement(year, "new-teacher-hours")
    assert (hours["met"], hours["actual"], hours["shortfall"]) == (False, 100.0, 20.0)
    assert requirement(year, "new-teacher-practice-hours")["met"] is True
    # not a first-year teacher: the induction requirements do not apply
    year = period(evaluate(P, records), "2023")
    assert "new-teacher-hours" not in {r["id"] for r in year["requirements"]}


def compliant_year(online_hours=24.0):
    # online (province) 24 h → 24 credits; centralized county 24 h → 24; school-based 24 h → 24.
    # Totals 72 h / 72 credits; county-or-higher credits 24 + 24 = 48.
    return [
        rec("training", "2023-03-01", mode="online", level="province", hours=online_hours),
        rec("training", "2023-04-01", mode="centralized", level="county", hours=24),
        rec("training", "2023-05-01", mode="school_based", level="school", hours=24),
    ]


def test_a_year_meeting_every_minimum_exactly_is_compliant():
    year = period(evaluate(P, compliant_year()), "2023")
    assert year["compliant"] is True
    assert year["hours"] == {
        "total": 72.0,
        "online": 24.0,
        "centralized": 24.0,
        "school_based": 24.0,
    }
    assert requirement(year, "year-credits-county-plus")["actual"] == 48.0


def test_a_year_short_by_half_an_hour_online_is_not():
    year = period(evaluate(P, compliant_year(online_hours=23.5)), "2023")
    assert year["compliant"] is False
    online = requirement(year, "year-hours-online")
    assert (online["met"], online["shortfall"]) == (False, 0.5)
    assert requirement(year, "year-hours-total")["shortfall"] == 0.5
    assert requirement(year, "year-credits-county-plus")["met"] is False  # 47.5 < 48
    # modes cannot offset one another: 10 extra centralized hours do not help online
    extra = [
        *compliant_year(23.5),
        rec("training", "2023-06-01", mode="centralized", level="county", hours=10),
    ]
    year = period(evaluate(P, extra), "2023")
    assert requirement(year, "year-hours-total")["met"] is True
    assert requirement(year, "year-hours-online")["met"] is False
    assert year["compliant"] is False


def test_cycle_modules_and_self_selected_share():
    # 60 of 100 credits self-selected: exactly 60% → met; 59 of 100 → missed
    def cycle_for(self_hours):
        records = [
            rec(
                "training",
                "2022-03-01",
                mode="online",
                module="ethics",
                hours=self_hours,
                self_selected=True,
            ),
            rec(
                "training",
                "2022-04-01",
                mode="online",
                module="class_management",
                hours=100 - self_hours,
            ),
        ]
        return evaluate(P, records)["cycle"]

    cycle = cycle_for(60)
    share = requirement(cycle, "cycle-self-selected-share")
    assert (share["met"], share["actual"]) == (True, 0.6)
    assert cycle["period"] == "2021-2025"
    assert cycle["modules"]["ethics"] == 60.0
    assert cycle["credits"]["self_selected"] == 60.0
    assert requirement(cycle, "cycle-module-ethics")["met"] is True  # 60 ≥ 30
    assert requirement(cycle, "cycle-module-class-management")["met"] is True  # 40 ≥ 30
    assert requirement(cycle, "cycle-module-knowledge")["shortfall"] == 60.0
    share = requirement(cycle_for(59), "cycle-self-selected-share")
    assert (share["met"], share["actual"]) == (False, 0.59)


def test_head_teacher_class_management_hours():
    records = [rec("training", "2022-03-01", mode="online", module="class_management", hours=29)]
    cycle = evaluate(P, records, head_teacher=True)["cycle"]
    check = requirement(cycle, "cycle-head-teacher-class-management")
    assert (check["met"], check["shortfall"]) == (False, 1.0)
    cycle = evaluate(P, records)["cycle"]
    assert "cycle-head-teacher-class-management" not in {r["id"] for r in cycle["requirements"]}


def test_cycle_totals_and_as_of_picks_the_cycle():
    records = [
        rec("training", "2020-06-01", id="old", mode="online", hours=50),
        rec("training", "2023-06-01", id="new", mode="online", hours=30),
    ]
    result = evaluate(P, records, as_of="2023-12-31")
    assert result["cycle"]["period"] == "2021-2025"
    assert result["cycle"]["hours"]["total"] == 30.0
    check = requirement(result["cycle"], "cycle-hours-total")
    assert (check["met"], check["shortfall"]) == (False, 330.0)
    result = evaluate(P, records, as_of="2020-12-31")
    assert result["cycle"]["period"] == "2016-2020"
    assert result["cycle"]["hours"]["total"] == 50.0


def test_unapproved_uncertified_and_incomplete_records_earn_nothing():
    cases = {
        "unapproved": rec("training", "2023-03-01", mode="online", hours=10, approved=False),
        "submitted": rec("training", "2023-03-01", mode="online", hours=10, status="submitted"),
        "leave": rec("training", "2023-03-01", mode="online", hours=10, attendance="partial_leave"),
    }
    for name, record in cases.items():
        r = one(record)
        assert r["counted"] is False, name
        assert r["explanation"], name
    assert "审批" in one(cases["unapproved"])["explanation"]
    assert "已提交待审核" in one(cases["submitted"])["explanation"]


def test_record_order_does_not_change_results():
    records = [
        *compliant_year(),
        rec("training", "2023-07-01", mode="school_based", hours=30, score=95),
        rec("studio", "2023-12-01", role="member", level="city", grade="good"),
        rec("competition", "2023-04-01", level="county", award="first"),
    ]
    expected = evaluate(P, records)
    shuffled = records[:]
    random.Random(7).shuffle(shuffled)
    got = evaluate(P, shuffled)
    key = lambda r: r["id"]  # noqa: E731
    assert sorted(got["records"], key=key) == sorted(expected["records"], key=key)
    assert got["periods"] == expected["periods"] and got["cycle"] == expected["cycle"]


def test_worked_example_of_docs_policies_md(tmp_path):
    """docs/policies.md: a county raises the school-based cap to 60 h and online to 1.2."""
    from xuefen.policy import load_policy_text
    from xuefen.policy.loader import bundled_text

    text = bundled_text(P).replace("id: puer-2023", "id: county-2025")
    text = text.replace("max_hours: 48", "max_hours: 60", 1)
    text = text.replace("label: 校本研修每年最多计48学时", "label: 校本研修每年最多计60学时")
    text = text.replace("range: [1, 1], label: 项目学分", "range: [1, 1.2], label: 项目学分")
    county = load_policy_text(text, source="county.yaml")
    records = [
        rec("training", "2023-03-01", id="a", mode="school_based", hours=30),
        rec("training", "2023-05-01", id="b", mode="school_based", hours=30),
        rec("training", "2023-06-01", id="c", mode="school_based", hours=10),
        rec("training", "2023-07-01", id="o", mode="online", hours=10, credit_per_hour=1.2),
    ]
    old = evaluate(P, records[:3])
    new = county.evaluate([{"id": "T1", "records": records}])["teachers"][0]
    assert [by_id(old, i)["hours"] for i in "abc"] == [30.0, 18.0, 0.0]
    assert [by_id(new, i)["hours"] for i in "abc"] == [30.0, 30.0, 0.0]
    assert by_id(old, "b")["explanation"] == "18 h（原 30 h，校本研修每年最多计48学时） × 1"
    assert by_id(new, "b")["explanation"] == "30 h × 1"
    assert by_id(new, "o")["credits"] == 12.0


def test_iter_evaluate_yields_what_evaluate_returns():
    from xuefen.policy import load_policy

    policy = load_policy(P)
    teachers = [
        {"id": "A", "records": compliant_year()},
        {
            "id": "B",
            "head_teacher": True,
            "records": [rec("training", "2022-01-05", mode="online", hours=3)],
        },
    ]
    assert list(policy.iter_evaluate(iter(teachers))) == policy.evaluate(teachers)["teachers"]
    with pytest.raises(InputError, match="duplicate id"):
        list(policy.iter_evaluate([teachers[0], teachers[0]]))
