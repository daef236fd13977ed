"""pingyang-school (平阳 附件1): cases computed by hand from the seed's 评分标准.

制度建设 20: 领导小组3、方案6、规划6（评定）；领导联系教研组 5分，校级领导不少于3次、分管教学
中层不少于5次，少一次减1分.
过程管理 40: 行政会议 ≥2 次5分、1次2分；专题研修活动25分，少一次或材料不完整减 25/(组数×3)；
外出培训心得 教研组交流2分/人、校级分享4分/人，最高10.
管理成效 40: 出勤率100% 5、95–99% 3；主题评定10；人均73学时且自主选学37学时 5；90学时集中培训
人数占比21% 5（半年折半）；指令性培训全勤5、有缺勤 −5；全校教师成果成效平均分 ≥10 → 10、5–10 → 6.
附加分: 县示范校10、市示范校20，同校同年度取最高.
"""

from __future__ import annotations

import datetime as dt

import pytest

from xuefen.policy import InputError, load_sheet

from .helpers import rec

D = "2023-04-10"

FULL_INPUTS = {
    "leading_group": 3,
    "management_plan": 6,
    "group_development_plan": 6,
    "leader_participation": [
        {"name": "张校长", "role": "school_leader", "sessions": 3},
        {"name": "李主任", "role": "teaching_middle_leader", "sessions": 5},
    ],
    "admin_meetings": 2,
    "subject_groups": 4,
    "missing_activities": 0,
    "incomplete_activities": 0,
    "sharing_in_group": 1,
    "sharing_at_school": 2,
    "theme_value": 10,
}


def teacher(tid, *records):
    return {"id": tid, "records": list(records)}


def present(activity="A1"):
    return rec("activity_attendance", D, status="present", activity=activity)


def score(teachers=None, school_records=(), period=None, **inputs):
    sheet = load_sheet("pingyang-school")
    data = {
        "school": {"id": "S1", "records": list(school_records)},
        "inputs": {**FULL_INPUTS, **inputs},
        "teachers": teachers if teachers is not None else [teacher("T1", present())],
    }
    return sheet.score(data, period=period)


def item(result, iid):
    for s in result["sections"]:
        for i in s["items"]:
            if i["id"] == iid:
                return i
    raise KeyError(iid)


def section(result, sid):
    return next(s for s in result["sections"] if s["id"] == sid)


# -- 制度建设 ----------------------------------------------------------------------------


def test_system_full_marks():
    r = score()
    assert [i["points"] for i in section(r, "system")["items"]] == [3, 6, 6, 5]
    assert section(r, "system")["points"] == 20


def test_judgement_bounds_and_missing_inputs():
    with pytest.raises(InputError) as err:
        score(management_plan=7)
    assert err.value.field == "inputs.management_plan"
    assert "0–6" in str(err.value)
    with pytest.raises(InputError) as err:
        score(theme_value=-1)
    assert err.value.field == "inputs.theme_value"
    sheet = load_sheet("pingyang-school")
    inputs = {k: v for k, v in FULL_INPUTS.items() if k != "theme_value"}
    with pytest.raises(InputError) as err:
        sheet.score({"inputs": inputs, "teachers": [teacher("T1")]})
    assert err.value.field == "inputs.theme_value"
    assert "研修活动主题" in str(err.value)


def test_leader_shortfall_one_point_each():
    people = [
        {"name": "张校长", "role": "school_leader", "sessions": 2},  # 少 1
        {"name": "李主任", "role": "teaching_middle_leader", "sessions": 3},  # 少 2
        {"name": "王校长", "role": "school_leader", "sessions": 4},  # 0
    ]
    it = item(score(leader_participation=people), "leader-participation")
    assert it["points"] == 2  # 5 − 3
    assert "张校长（校级领导）2/3 少 1" in it["explanation"]


def test_leader_shortfall_floor():
    people = [
        {"role": "teaching_middle_leader", "sessions": 0},
        {"role": "school_leader", "sessions": 1},
    ]
    assert item(score(leader_participation=people), "leader-participation")["points"] == 0


def test_leader_unknown_role_is_an_input_error():
    with pytest.raises(InputError) as err:
        score(leader_participation=[{"role": "principal", "sessions": 3}])
    assert err.value.field == "inputs.leader_participation[0].role"


# -- 过程管理 ----------------------------------------------------------------------------


@pytest.mark.parametrize(("meetings", "expected"), [(0, 0), (1, 2), (2, 5), (3, 5)])
def test_admin_meetings_bands(meetings, expected):
    assert item(score(admin_meetings=meetings), "admin-meetings")["points"] == expected


def test_group_activity_deduction_25_over_groups_times_3():
    it = item(
        score(subject_groups=4, missing_activities=2, incomplete_activities=1), "group-activities"
    )
    assert it["points"] == 18.75  # 25 − 3 × 25 / 12
    assert it["explanation"].startswith("25 − 25 / (4 × 3)（= 2.08）× 3 次")
    it = item(score(subject_groups=5, missing_activities=1), "group-activities")
    assert it["points"] == 23.33  # 25 − 25 / 15


def test_group_activity_deduction_floor():
    assert item(score(subject_groups=3, missing_activities=9), "group-activities")["points"] == 0
    it = item(score(subject_groups=3, missing_activities=10), "group-activities")
    assert it["points"] == 0
    assert it["explanation"].endswith("扣完为止 = 0")
    with pytest.raises(InputError) as err:
        score(subject_groups=0)
    assert err.value.field == "inputs.subject_groups"


def test_training_sharing_and_cap_10():
    it = item(score(sharing_in_group=2, sharing_at_school=1), "training-sharing")
    assert it["points"] == 8
    assert item(score(sharing_in_group=0, sharing_at_school=3), "training-sharing")["points"] == 10


# -- 管理成效 ----------------------------------------------------------------------------


def attendance_teachers(sessions, missed):
    """One teacher per session pattern: ``sessions`` sessions of which ``missed`` absent."""
    out = []
    for i in range(sessions):
        status = "absent" if i < missed else "present"
        out.append(teacher(f"T{i}", rec("activity_attendance", D, status=status, activity="A1")))
    return out


@pytest.mark.parametrize(
    ("sessions", "missed", "expected"),
    [(20, 0, 5), (20, 1, 3), (100, 5, 3), (10, 1, 0), (200, 1, 3)],
)
def test_attendance_rate_bands(sessions, missed, expected):
    it = item(score(attendance_teachers(sessions, missed)), "attendance-rate")
    assert it["points"] == expected


def test_attendance_rate_counts_made_up_leave_as_attended():
    t = teacher(
        "T1",
        rec("activity_attendance", D, status="leave", activity="A1"),
        rec("activity_attendance", D, status="makeup", activity="A1"),
        present("A2"),
    )
    assert item(score([t]), "attendance-rate")["points"] == 5


def hours_teacher(tid, total, self_selected, date=D):
    records = [
        rec("training", date, mode="online", level="province", hours=self_selected,
            self_selected=True)
    ]  # fmt: skip
    if total > self_selected:
        records.append(
            rec("training", date, mode="school_based", hours=total - self_selected,
                self_selected=True)
        )  # fmt: skip
    return teacher(tid, *records)


def test_training_hours_exactly_met():
    teachers = [hours_teacher("T1", 80, 40), hours_teacher("T2", 66, 34)]  # avg 73 and 37
    assert item(score(teachers), "training-hours")["points"] == 5


def test_training_hours_missed_by_a_little():
    teachers = [hours_teacher("T1", 80, 40), hours_teacher("T2", 65, 34)]  # avg 72.5
    assert item(score(teachers), "training-hours")["points"] == 0
    teachers = [hours_teacher("T1", 80, 40), hours_teacher("T2", 66, 33)]  # self avg 36.5
    assert item(score(teachers), "training-hours")["points"] == 0


def test_school_based_and_mandatory_hours_are_not_self_selected():
    t = teacher(
        "T1",
        rec("training", D, mode="online", level="province", hours=36, self_selected=True),
        rec("training", D, mode="school_based", hours=40, self_selected=True),
        rec("training", D, mode="centralized", level="city", hours=10),  # 指令性
    )
    assert item(score([t]), "training-hours")["points"] == 0  # 86 ≥ 73 but 36 < 37


def test_half_year_counts_per_year():
    # The standards are yearly: totals 73 h and 37 h over 2 teachers = 36.5 and 18.5 a teacher.
    # A year: 36.5 < 73 → 0. Half a year: 36.5 ÷ 0.5 = 73 ≥ 73 and 18.5 ÷ 0.5 = 37 ≥ 37 → 5
    # (the same as halving the standards to 36.5 and 18.5: 半年考评折半计算).
    teachers = [hours_teacher("T1", 37, 19), hours_teacher("T2", 36, 18)]
    it = item(score(teachers), "training-hours")
    assert it["points"] == 0
    assert it["explanation"].startswith("年均人均培训学时 73 / 2 人 ÷ 1 年 = 36.5 < 73")
    it = item(score(teachers, half_year=True), "training-hours")
    assert it["points"] == 5
    assert it["explanation"] == (
        "年均人均培训学时 73 / 2 人 ÷ 0.5 年 = 73 ≥ 73，"
        "年均人均自主选学学时（不含校本、指令性） 37 / 2 人 ÷ 0.5 年 = 37 ≥ 37 → 5"
    )


SPRING = (dt.date(2023, 2, 1), dt.date(2023, 7, 31))  # 181 days: half a year
SCHOOL_YEAR = (dt.date(2022, 9, 1), dt.date(2023, 8, 31))  # 365 days: a year


def test_a_semester_period_is_half_a_year():
    teachers = [hours_teacher("T1", 37, 19), hours_teacher("T2", 36, 18)]
    assert item(score(teachers, period=SPRING), "training-hours")["points"] == 5
    assert item(score(teachers, period=SCHOOL_YEAR), "training-hours")["points"] == 0
    autumn = (dt.date(2022, 9, 1), dt.date(2023, 1, 31))  # 153 days, 5 months: half a year
    teachers = [hours_teacher("T1", 37, 19, date="2022-10-10"),
                hours_teacher("T2", 36, 18, date="2022-10-10")]  # fmt: skip
    assert item(score(teachers, period=autumn), "training-hours")["points"] == 5


def test_half_year_contradicting_the_period_is_an_error():
    teachers = [hours_teacher("T1", 37, 19)]
    with pytest.raises(InputError, match=r"field inputs\.half_year: true, but the period"):
        score(teachers, period=SCHOOL_YEAR, half_year=True)
    assert item(score(teachers, period=SPRING, half_year=True), "training-hours")["points"] == 5


def share_teachers(n, with_90h, attendance="full"):
    out = []
    for i in range(n):
        records = [present()]
        if i < with_90h:
            records.append(
                rec(
                    "training",
                    D,
                    mode="centralized",
                    level="county",
                    hours=96,
                    attendance=attendance,
                )
            )
        out.append(teacher(f"T{i}", *records))
    return out


def test_share_of_teachers_with_90h_training():
    assert item(score(share_teachers(5, 1)), "centralized-90h")["points"] == 0  # 20%
    assert item(score(share_teachers(100, 21)), "centralized-90h")["points"] == 5  # 21%
    assert item(score(share_teachers(4, 1, "partial_leave")), "centralized-90h")["points"] == 5
    assert item(score(share_teachers(4, 1, "platform_leave")), "centralized-90h")["points"] == 0


def test_share_of_teachers_half_year():
    # 1 of 9 = 11.11% in half a year → 22.22% a year ≥ 21% → 5; as a year's figure → 0.
    teachers = share_teachers(9, 1)
    assert item(score(teachers), "centralized-90h")["points"] == 0
    assert item(score(teachers, half_year=True), "centralized-90h")["points"] == 5
    it = item(score(teachers, period=SPRING), "centralized-90h")
    assert it["points"] == 5
    assert it["explanation"].startswith("90学时集中培训年均人数占比 1人 / 9 人 ÷ 0.5 年 = 22.22%")


def training_90h(date):
    return rec("training", date, mode="centralized", level="county", hours=96)


def test_yearly_average_over_two_years():
    # Span 2021-09-01..2023-08-31 = 730 days = 2 years (year 1 to 2022-08-31, year 2 after).
    # T0: 90 h in both years → 2 人次; T1 in 2022-03 (year 1); T2 in 2023-03 (year 2);
    # T4: twice in year 1 → once. 人次 4 + 1 = 5 over 10 teachers ÷ 2 years = 25% ≥ 21% → 5.
    span = (dt.date(2021, 9, 1), dt.date(2023, 8, 31))
    teachers = [teacher(f"T{i}", present()) for i in range(10)]
    teachers[0]["records"] += [training_90h("2021-10-10"), training_90h("2022-10-10")]
    teachers[1]["records"].append(training_90h("2022-03-10"))
    teachers[2]["records"].append(training_90h("2023-03-10"))
    teachers[4]["records"] += [training_90h("2021-11-10"), training_90h("2022-05-10")]
    it = item(score(teachers, period=span), "centralized-90h")
    assert it["explanation"].startswith("90学时集中培训年均人数占比 5人次 / 10 人 ÷ 2 年 = 25%")
    assert it["points"] == 5
    # Without T2's: 4 人次 / 10 ÷ 2 = 20% < 21% → 0.
    teachers[2]["records"].pop()
    assert item(score(teachers, period=span), "centralized-90h")["points"] == 0


def test_mandatory_training_full_attendance_or_minus_five():
    ok = teacher("T1", present(), rec("training", D, mode="online", level="province", hours=20))
    assert item(score([ok]), "mandatory-training")["points"] == 5
    bad = teacher(
        "T2",
        rec("training", D, mode="centralized", level="city", hours=20, attendance="partial_leave"),
    )
    assert item(score([ok, bad]), "mandatory-training")["points"] == -5
    chosen = teacher(
        "T3",
        rec(
            "training",
            D,
            mode="online",
            level="province",
            hours=20,
            self_selected=True,
            attendance="platform_leave",
        ),
    )
    assert item(score([ok, chosen]), "mandatory-training")["points"] == 5


def test_negative_item_cannot_take_the_section_below_zero():
    bad = teacher(
        "T1",
        rec(
            "training",
            D,
            mode="centralized",
            level="national",
            hours=20,
            attendance="absent_without_leave",
        ),
    )
    r = score([bad], theme_value=0)
    eff = section(r, "effect")
    assert [i["points"] for i in eff["items"]] == [0, 0, 0, 0, -5, 0]
    assert eff["points"] == 0
    assert eff["explanation"].endswith("最低 0")


def award(category, level, rank):
    return rec("award", D, category=category, level=level, rank=rank)


@pytest.mark.parametrize(
    ("t1", "t2", "expected"),
    [
        ([award("quality_lesson", "county", "first")], [award("paper", "county", "third")], 6),
        ([award("quality_lesson", "province", "first")], [], 10),  # (20 + 0) / 2 = 10
        # (12 + 7) / 2 = 9.5: between "9" and "10" → 6
        (
            [award("course", "city", "second"), award("case", "county", "third")],
            [award("design", "county", "second"), award("exam", "county", "third")],
            6,
        ),
        ([award("design", "county", "first")], [], 0),  # 4 < 5
    ],
)
def test_fed_average_of_teacher_achievement(t1, t2, expected):
    r = score([teacher("T1", present(), *t1), teacher("T2", present(), *t2)])
    assert item(r, "achievement-average")["points"] == expected


def test_fed_average_explanation():
    t1 = teacher("T1", award("quality_lesson", "county", "first"))
    t2 = teacher("T2", award("paper", "county", "third"))
    it = item(score([t1, t2]), "achievement-average")
    assert it["explanation"] == "全校教师“成果成效”平均分 12 / 2 人 = 6，5–10分（不含10） → 6"


def test_no_teachers_is_an_input_error():
    with pytest.raises(InputError) as err:
        score([])
    assert err.value.field == "teachers"


# -- 附加分 and totals -------------------------------------------------------------------


def test_demonstration_school_bonus_same_year_highest():
    same = [
        rec("honor", "2023-03-01", title="demonstration_school", level="county"),
        rec("honor", "2023-10-01", title="demonstration_school", level="city"),
    ]
    assert score(school_records=same)["bonus"] == 20
    years = [
        rec("honor", "2022-03-01", title="demonstration_school", level="county"),
        rec("honor", "2023-03-01", title="demonstration_school", level="county"),
    ]
    assert score(school_records=years)["bonus"] == 20  # 10 + 10
    period = (dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert score(school_records=years, period=period)["bonus"] == 10


def test_worked_example_total_and_columns():
    teachers = [
        teacher(
            "T1",
            present(),
            rec("training", D, mode="centralized", level="county", hours=96, self_selected=True),
            award("quality_lesson", "city", "first"),
        ),
        teacher("T2", present(), rec("training", D, mode="online", level="province", hours=50)),
    ]
    r = score(
        teachers,
        school_records=[rec("honor", D, title="demonstration_school", level="county")],
        admin_meetings=1,
        subject_groups=4,
        missing_activities=1,
        incomplete_activities=1,
        theme_value=8,
    )
    # system 20; process 2 + (25 − 2 × 25/12 = 20.83) + 10 = 32.83;
    # effect: 5 + 8 + 5 (avg 73, self 48) + 5 (50%) + 5 + 6 (avg 7.5) = 34; bonus 10
    assert [s["points"] for s in r["sections"]] == [20, 32.83, 34]
    assert r["bonus"] == 10
    assert r["total"] == 96.83
    assert (r["column"], r["column_label"]) == ("district", "区评")
    sheet = load_sheet("pingyang-school")
    data = {"inputs": FULL_INPUTS, "teachers": teachers, "column": "self"}
    assert sheet.score(data)["column_label"] == "自评"


def test_per_year_and_half_year_input_are_checked_in_the_file():
    from xuefen.policy import PolicyFileError, load_sheet_text

    text = """
id: t
name: t
region: t
source: t
subject: school
columns: [{id: c, label: c}]
default_column: c
inputs: {half: {label: h, type: BOOL, required: false, default: false}}
half_year_input: half
metrics: {m: {label: m, measure: MEASURE, per_year: true}}
sections:
  - {id: s, label: s, max: 5, items: [{id: i, label: i, type: bands,
     value: {metric: m}, bands: [{min: 1, points: 5}]}]}
"""
    with pytest.raises(PolicyFileError, match="per_year does not apply to measure"):
        load_sheet_text(text.replace("BOOL", "boolean").replace("MEASURE", "attendance_rate"))
    with pytest.raises(PolicyFileError, match="not a declared boolean input"):
        load_sheet_text(text.replace("BOOL", "integer").replace("MEASURE", "count"))
    sheet = load_sheet_text(
        text.replace("BOOL", "boolean").replace("MEASURE", "share_of_teachers")
        .replace("measure: share_of_teachers", "measure: share_of_teachers, when: {kind: post}")
    )  # fmt: skip
    data = {"teachers": [teacher("T1", rec("post", D, title="subject_group_leader"))]}
    # 1 of 1 teacher: 100% in a year; 200% a year over half a year
    assert sheet.score(data)["sections"][0]["items"][0]["explanation"].startswith(
        "m 1人 / 1 人 ÷ 1 年 = 100%"
    )
    data["inputs"] = {"half": True}
    assert "÷ 0.5 年 = 200%" in sheet.score(data)["sections"][0]["items"][0]["explanation"]


def test_only_completed_trainings_count_towards_the_averages():
    # 72 h completed (37 self-selected) + 20 h absent without leave + 10 h on platform leave
    # + 8 h failed (score 50): only the 72 h are 完成 → 72 < 73 → 0 (all 110 h would give 5).
    t = hours_teacher("T1", 72, 37)
    t["records"] += [
        rec("training", D, mode="online", hours=20, self_selected=True,
            attendance="absent_without_leave"),
        rec("training", D, mode="online", hours=10, self_selected=True,
            attendance="platform_leave"),
        rec("training", D, mode="centralized", level="county", hours=8, self_selected=True,
            score=50),
    ]  # fmt: skip
    it = item(score([t]), "training-hours")
    assert it["points"] == 0
    assert it["explanation"].startswith("年均人均培训学时 72 / 1 人 ÷ 1 年 = 72 < 73")
    # 请假不超过1/5 still completes the training: +1 h partial leave → 73 → 5.
    t["records"].append(rec("training", D, mode="school_based", hours=1,
                            attendance="partial_leave"))  # fmt: skip
    assert item(score([t]), "training-hours")["points"] == 5


def test_demonstration_school_of_one_year_over_two_half_year_sheets():
    # 2023: county 示范校 (10) in the spring half, city (20) in the autumn half: the autumn
    # sheet scores 20 − 10 = 10, so the year's two sheets add up to its highest, 20.
    honours = [
        rec("honor", "2023-03-01", title="demonstration_school", level="county"),
        rec("honor", "2023-10-01", title="demonstration_school", level="city"),
    ]
    spring = (dt.date(2023, 2, 1), dt.date(2023, 8, 31))
    autumn = (dt.date(2023, 9, 1), dt.date(2024, 1, 31))
    teachers = [teacher("T1", present("A1"), rec("activity_attendance", "2023-10-10",
                                                   status="present", activity="A2"))]  # fmt: skip
    assert score(teachers, honours, period=spring)["bonus"] == 10
    assert score(teachers, honours, period=autumn)["bonus"] == 10
    assert score(teachers, honours)["bonus"] == 20


def test_span_years():
    from xuefen.policy import span_years

    day = dt.date
    assert span_years(day(2023, 9, 1), day(2024, 1, 31)) == 0.5  # 153 days
    assert span_years(day(2023, 2, 1), day(2023, 8, 31)) == 0.5  # 212 days
    assert span_years(day(2023, 1, 1), day(2023, 9, 30)) == 0.5  # 273 days
    assert span_years(day(2023, 1, 1), day(2023, 10, 1)) == 1.0  # 274 days
    assert span_years(day(2022, 9, 1), day(2023, 8, 31)) == 1.0
    assert span_years(day(2021, 1, 1), day(2025, 12, 31)) == 5.0
    assert span_years(day(2023, 3, 1), day(2023, 3, 1)) == 0.5
