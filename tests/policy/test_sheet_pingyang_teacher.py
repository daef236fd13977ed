"""pingyang-teacher (平阳 附件2): cases computed by hand from the seed's 评分标准.

参与情况 35: 1. 全勤10分，缺勤1次扣2分，扣完为止; 2. 听课每节 1.5/1/0.5/0，最高15;
3. 县级及以上中短时培训 全勤5 / 请假≤1/5 2；90学时培训 全勤10 / 请假≤1/5 5；平台请假0；最高10；
无故不参加、不请假 → 本项0分.
贡献大小 45: 任职 8/6 取最高；导师 校3 县+5、徒弟获奖每项4，最高10；公开课 校6 县+10，最高10；
评课议课等 校4 县+8，最高10；精品教案等每份4，最高7.
成果成效 20: A组/B组获奖表、论文发表 市5 省10 国15；同项目不同级别取最高；本项最高20.
附加分: 荣誉 县5 市10 省15，同人同年度取最高.
"""

from __future__ import annotations

import datetime as dt

import pytest

from xuefen.policy import InputError, load_sheet

from .helpers import rec

D = "2023-04-10"


def score(records, period=None, **extra):
    sheet = load_sheet("pingyang-teacher")
    data = {"teachers": [{"id": "T1", "records": records}], **extra}
    return sheet.score(data, period=period)


def section(result, sid):
    return next(s for s in result["sections"] if s["id"] == sid)


def item(result, iid):
    for s in result["sections"]:
        for i in s["items"]:
            if i["id"] == iid:
                return i
    raise KeyError(iid)


def points(records, iid, **kw):
    return item(score(records, **kw), iid)["points"]


def absent(activity, status="absent"):
    return rec("activity_attendance", D, status=status, activity=activity)


def training(hours=None, attendance="full", level="county", mode="centralized", **kw):
    size = {"hours": hours} if hours is not None else {"days": kw.pop("days", 2)}
    return rec("training", D, mode=mode, level=level, attendance=attendance, **size, **kw)


# -- 参与情况 ----------------------------------------------------------------------------


def test_no_absence_is_full_attendance():
    r = score([rec("activity_attendance", D, status="present", activity="A1")])
    assert item(r, "activity-attendance")["points"] == 10


def test_one_absence_takes_two_points():
    it = item(score([absent("A1")]), "activity-attendance")
    assert it["points"] == 8
    assert it["explanation"] == "10 − 2 × 1 次缺勤 = 8"


def test_leave_counts_as_absence_unless_made_up():
    records = [
        absent("A1"),
        absent("A2", "leave"),
        absent("A3", "leave"),
        rec("activity_attendance", D, status="makeup", activity="A3"),
    ]
    assert points(records, "activity-attendance") == 6  # 10 − 2 × 2


def test_absences_deduct_until_nothing_is_left():
    it = item(score([absent(f"A{i}") for i in range(6)]), "activity-attendance")
    assert it["points"] == 0  # 10 − 12 floored
    assert it["explanation"].endswith("扣完为止 = 0")
    assert points([absent(f"A{i}") for i in range(5)], "activity-attendance") == 0


def test_lesson_observation_rows():
    records = [
        rec("lesson_observation", D, count=4, detail="detailed"),  # 6
        rec("lesson_observation", D, count=3, detail="partial"),  # 3
        rec("lesson_observation", D, count=2, detail="brief"),  # 1
        rec("lesson_observation", D, count=5, detail="none"),  # 0
    ]
    assert points(records, "lesson-observation") == 10


def test_lesson_observation_cap_15():
    it = item(
        score([rec("lesson_observation", D, count=12, detail="detailed")]), "lesson-observation"
    )
    assert it["points"] == 15
    assert it["explanation"] == "12 节 × 1.5（详细）= 18，最高 15"


@pytest.mark.parametrize(
    ("hours", "attendance", "expected"),
    [
        (90, "full", 10),  # 90学时培训全勤
        (120, "partial_leave", 5),  # 90学时培训请假不超过1/5
        (24, "full", 5),  # 中短时培训全勤
        (24, "partial_leave", 2),  # 中短时培训请假不超过1/5
        (24, "platform_leave", 0),  # 平台请假不得分
        (90, "platform_leave", 0),
        (89, "full", 5),  # under 90 h is 中短时
    ],
)
def test_training_rows(hours, attendance, expected):
    assert points([training(hours, attendance)], "training") == expected


def test_training_below_county_or_not_centralized_scores_nothing():
    records = [training(30, level="school"), training(30, mode="online", level="province")]
    assert points(records, "training") == 0


def test_training_in_days_counts_six_hours_a_day():
    assert points([training(days=15)], "training") == 10  # 90 h → 90学时培训
    assert points([training(days=2)], "training") == 5


def test_training_cap_10():
    it = item(score([training(96), training(12)]), "training")
    assert it["points"] == 10
    assert it["explanation"].endswith("，最高 10")


def test_absent_without_leave_zeroes_participation():
    records = [
        rec("lesson_observation", D, count=10, detail="detailed"),
        training(12, "absent_without_leave"),
        rec("open_class", D, level="county"),
    ]
    r = score(records)
    part = section(r, "participation")
    assert part["zeroed"] is True
    assert part["points"] == 0
    assert "无故不参加" in part["explanation"]
    assert item(r, "lesson-observation")["points"] == 15  # items still shown
    assert section(r, "contribution")["points"] == 10  # other sections untouched
    assert r["total"] == 10


@pytest.mark.parametrize(
    ("mode", "level"),
    [("online", "province"), ("school_based", "school"), ("centralized", "school")],
)
def test_only_an_outside_training_missed_zeroes_participation(mode, level):
    """外出培训: a county-or-higher centralized training; missing an online course or a
    school-based session does not zero the section."""
    records = [
        rec("lesson_observation", D, count=10, detail="detailed"),
        training(12, "absent_without_leave", level=level, mode=mode),
    ]
    part = section(score(records), "participation")
    assert part["zeroed"] is False
    assert part["points"] >= 15


def test_zeroing_respects_the_period():
    records = [
        rec(
            "training",
            "2023-01-05",
            mode="centralized",
            level="county",
            hours=12,
            attendance="absent_without_leave",
        ),
        rec("lesson_observation", "2023-03-01", count=2, detail="detailed"),
    ]
    r = score(records, period=(dt.date(2023, 2, 1), dt.date(2023, 7, 31)))
    assert section(r, "participation")["zeroed"] is False
    assert section(r, "participation")["points"] == 13  # 10 + 3


# -- 贡献大小 ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("academic_director", 8),
        ("research_director", 8),
        ("district_group_leader", 8),
        ("subject_group_leader", 6),
        ("lesson_group_leader", 6),
    ],
)
def test_post_rows(title, expected):
    assert points([rec("post", D, title=title)], "post") == expected


def test_posts_highest_only():
    records = [
        rec("post", D, title="lesson_group_leader"),
        rec("post", D, title="research_director"),
    ]
    it = item(score(records), "post")
    assert it["points"] == 8
    assert "取最高 8" in it["explanation"]


def test_mentoring_by_level_and_mentee_honors():
    assert points([rec("mentoring", D, level="school")], "mentoring") == 3
    assert points([rec("mentoring", D, level="city")], "mentoring") == 5
    two_honors = [rec("mentee_honor", D, level="county"), rec("mentee_honor", D, level="city")]
    assert points(two_honors, "mentoring") == 8


def test_mentoring_cap_10_covers_mentor_and_mentee_points():
    records = [
        rec("mentoring", D, level="school"),
        rec("mentee_honor", D, level="county"),
        rec("mentee_honor", D, level="county"),
    ]
    assert points(records, "mentoring") == 10  # 3 + 8 = 11 → 10


def test_open_class_rows_and_cap():
    assert points([rec("open_class", D, level="school")], "open-class") == 6
    assert points([rec("open_class", D, level="national")], "open-class") == 10
    both = [rec("open_class", D, level="school"), rec("open_class", D, level="school")]
    assert points(both, "open-class") == 10  # 12 → 10


def test_activity_role_rows_and_cap():
    assert points([rec("activity_role", D, role="review", level="school")], "activity-role") == 4
    assert points([rec("activity_role", D, role="lecture", level="county")], "activity-role") == 8
    two = [rec("activity_role", D, role="polish", level="school") for _ in range(2)]
    assert points(two, "activity-role") == 8
    three = [rec("activity_role", D, role="keynote", level="school") for _ in range(3)]
    assert points(three, "activity-role") == 10  # 12 → 10


def test_resource_shared_cap_7():
    assert points([rec("resource_shared", D, resource="exam")], "resource-shared") == 4
    two = [rec("resource_shared", D, resource="lesson_plan") for _ in range(2)]
    assert points(two, "resource-shared") == 7  # 8 → 7


def test_contribution_full_marks():
    records = [
        rec("post", D, title="academic_director"),
        rec("mentoring", D, level="county"),
        rec("mentee_honor", D, level="county"),
        rec("mentee_honor", D, level="province"),
        rec("open_class", D, level="county"),
        rec("activity_role", D, role="review", level="county"),
        rec("activity_role", D, role="review", level="school"),
        rec("resource_shared", D, resource="study_plan"),
        rec("resource_shared", D, resource="exam"),
    ]
    r = score(records)
    # 8 + min(5 + 8, 10) + 10 + min(8 + 4, 10) + min(8, 7) = 45
    assert [i["points"] for i in section(r, "contribution")["items"]] == [8, 10, 10, 10, 7]
    assert section(r, "contribution")["points"] == 45


# -- 成果成效 ----------------------------------------------------------------------------

A_TABLE = [
    ("county", "first", 10),
    ("county", "second", 8),
    ("county", "third", 5),
    ("city", "first", 15),
    ("city", "second", 10),
    ("city", "third", 8),
    ("province", "first", 20),
    ("province", "second", 15),
    ("province", "third", 10),
]
B_TABLE = [
    ("county", "first", 8),
    ("county", "second", 5),
    ("county", "third", 2),
    ("city", "first", 10),
    ("city", "second", 8),
    ("city", "third", 5),
    ("province", "first", 15),
    ("province", "second", 10),
    ("province", "third", 8),
]


@pytest.mark.parametrize(("level", "rank", "expected"), A_TABLE)
@pytest.mark.parametrize("category", ["quality_lesson", "project", "course"])
def test_award_group_a_table(category, level, rank, expected):
    r = [rec("award", D, category=category, level=level, rank=rank)]
    assert points(r, "award-a") == expected
    assert points(r, "award-b") == 0


@pytest.mark.parametrize(("level", "rank", "expected"), B_TABLE)
def test_award_group_b_table(level, rank, expected):
    r = [rec("award", D, category="narrative", level=level, rank=rank)]
    assert points(r, "award-b") == expected
    assert points(r, "award-a") == 0


def test_national_awards_count_as_province_and_school_awards_do_not():
    assert (
        points([rec("award", D, category="paper", level="national", rank="first")], "award-b") == 15
    )
    assert (
        points([rec("award", D, category="course", level="school", rank="first")], "award-a") == 0
    )


def test_same_entry_at_several_levels_counts_the_highest():
    records = [
        rec("award", D, category="quality_lesson", level="county", rank="second", entry="e1"),
        rec("award", D, category="quality_lesson", level="city", rank="first", entry="e1"),
        rec("award", D, category="project", level="county", rank="third", entry="e2"),
    ]
    it = item(score(records), "award-a")
    assert it["points"] == 20  # e1: max(8, 15) = 15; e2: 5
    assert "取最高 15" in it["explanation"]


def test_awards_without_entry_are_separate_entries():
    records = [rec("award", D, category="case", level="county", rank="third") for _ in range(2)]
    assert points(records, "award-b") == 4


def test_publications_and_the_section_cap_20():
    pubs = [rec("publication", D, level=lv) for lv in ("city", "province", "national")]
    r = score(pubs)
    assert item(r, "publication")["points"] == 30  # 5 + 10 + 15
    assert section(r, "achievement")["points"] == 20
    assert section(r, "achievement")["explanation"] == "0 + 0 + 30 = 30，最高 20"


# -- 附加分 ------------------------------------------------------------------------------


def test_honors_same_year_highest_other_years_add():
    same_year = [
        rec("honor", "2023-03-01", title="advanced_researcher", level="county"),
        rec("honor", "2023-09-01", title="excellent_group_leader", level="city"),
    ]
    assert score(same_year)["bonus"] == 10
    two_years = [
        rec("honor", "2022-12-01", title="advanced_researcher", level="county"),
        rec("honor", "2023-03-01", title="excellent_mentor", level="province"),
    ]
    assert score(two_years)["bonus"] == 20  # 5 + 15


SPRING_2023 = (dt.date(2023, 2, 1), dt.date(2023, 8, 31))
AUTUMN_2023 = (dt.date(2023, 9, 1), dt.date(2024, 1, 31))


def test_honors_of_one_year_over_two_semester_sheets_add_up_to_the_highest():
    # 2023: county (5) in the spring, city (10) in the autumn. Spring sheet: 5. Autumn sheet:
    # the year's highest so far 10, less the 5 the spring sheet scored = 5. Together 10, the
    # year's highest. A 2024-01 county honour is another year: 5 more on the autumn sheet.
    records = [
        rec("honor", "2023-03-01", title="advanced_researcher", level="county"),
        rec("honor", "2023-11-01", title="excellent_group_leader", level="city"),
    ]
    assert score(records, period=SPRING_2023)["bonus"] == 5
    autumn = score(records, period=AUTUMN_2023)
    assert autumn["bonus"] == 5
    assert autumn["bonus_detail"]["items"][0]["explanation"] == (
        "2023 年度：10（市级）；此前已计 5（县级），本期计 10 − 5 = 5"
    )
    records.append(rec("honor", "2024-01-10", title="excellent_mentor", level="county"))
    assert score(records, period=AUTUMN_2023)["bonus"] == 10  # 5 + 5
    # the spring honour higher: nothing more in the autumn (10 − 15 → 0)
    records[0]["level"] = "province"
    assert score(records, period=AUTUMN_2023)["bonus"] == 5  # 0 for 2023 + 5 for 2024
    # without a period (or without the earlier records) the sheet sees one year's highest
    assert score(records)["bonus"] == 20  # 2023: 15, 2024: 5


def test_other_honors_earn_no_bonus():
    assert score([rec("honor", D, title="model_worker", level="city")])["bonus"] == 0


# -- the whole sheet ---------------------------------------------------------------------


def test_worked_example_total():
    records = [
        absent("A1"),  # 8
        rec("lesson_observation", D, count=10, detail="partial"),  # 10
        training(96, "partial_leave"),  # 5
        rec("post", D, title="subject_group_leader"),  # 6
        rec("open_class", D, level="school"),  # 6
        rec("award", D, category="design", level="city", rank="second"),  # 8
        rec("honor", D, title="excellent_mentor", level="county"),  # bonus 5
    ]
    r = score(records)
    assert [s["points"] for s in r["sections"]] == [23, 12, 8]
    assert r["bonus"] == 5
    assert r["total"] == 48
    assert r["column"] == "school"
    assert "passed" not in r


def test_uncertified_records_and_records_outside_the_period_are_ignored():
    records = [
        rec("open_class", D, level="county", status="submitted"),
        rec("open_class", "2022-12-31", level="county"),
        rec("activity_attendance", D, status="absent", activity="A1", review_status="draft"),
    ]
    r = score(records, period=(dt.date(2023, 1, 1), dt.date(2023, 6, 30)))
    assert item(r, "open-class")["points"] == 0
    assert item(r, "activity-attendance")["points"] == 10


def test_self_column_and_single_teacher_form():
    sheet = load_sheet("pingyang-teacher")
    r = sheet.score({"teacher": {"id": "T1", "records": []}, "column": "self"})
    assert (r["column"], r["column_label"]) == ("self", "自评")
    assert r["total"] == 10  # full attendance only


def test_bad_inputs():
    sheet = load_sheet("pingyang-teacher")
    with pytest.raises(InputError, match="column"):
        sheet.score({"teachers": [{"id": "T1", "records": []}], "column": "district"})
    with pytest.raises(InputError, match="one teacher"):
        sheet.score({"teachers": [{"id": "T1"}, {"id": "T2"}]})
    with pytest.raises(InputError) as err:
        sheet.score(
            {
                "teachers": [
                    {
                        "id": "T1",
                        "records": [{"id": "x", "kind": "post", "date": D, "title": "boss"}],
                    }
                ]
            }
        )
    assert err.value.record == "T1/x" and err.value.field == "title"
    with pytest.raises(InputError, match=r"inputs\.foo"):
        sheet.score({"teachers": [{"id": "T1", "records": []}], "inputs": {"foo": 1}})
