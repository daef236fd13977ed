"""普洱's forms: the 申报表 (附件2—2) and the 登记册 (附件2—1).

Figures are checked against the engine evaluating the same records written out by hand
here (not read back from what xuefen stored), column by column with a different figure in
every mode, so a swapped column fails; draft marking, ID masking, scope, the policy in
force, the PDF's text and its repeated headers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from tests.conftest import id_number, training

from .conftest import YEAR, export_bytes, pdf_text

PROGRAMME = "云南师范大学 教育硕士"
PROJECT = "2023年思茅区初中语文骨干教师培训"
MODES = ("centralized", "online", "school_based")  # the 申报表's order
REGISTER_MODES = ("online", "centralized", "school_based")  # the 登记册's order
MODULES = ("ethics", "knowledge", "ability", "class_management", "school_based")


def _engine_inputs(draft: bool = False) -> dict[str, list[dict[str, Any]]]:
    """The records of :func:`puer_world`, written out in the engine's vocabulary by hand
    (records.md), certified ones, and for a draft the approved one as well."""
    a = [
        {"id": "a1", "kind": "training", "date": "2023-03-10", "level": "province", **training()},
        {
            "id": "a2",
            "kind": "training",
            "date": "2023-04-12",
            "level": "county",
            "mode": "centralized",
            "module": "ability",
            "hours": 18,
            "credit_per_hour": 1.5,
            "score": 95,
            "self_selected": True,
            "name": PROJECT,
        },
        {
            "id": "a3",
            "kind": "training",
            "date": "2023-05-20",
            "level": "school",
            "mode": "school_based",
            "module": "school_based",
            "hours": 20,
            "credit_per_hour": 0.8,
            "score": 75,
        },
        {
            "id": "a4",
            "kind": "competition",
            "date": "2022-10-15",
            "level": "city",
            "award": "first",
        },
        {"id": "a5", "kind": "degree_study", "date": "2022-07-01", "program": PROGRAMME},
        {"id": "a6", "kind": "degree_study", "date": "2023-07-01", "program": PROGRAMME},
        {
            "id": "a7",
            "kind": "award",
            "date": "2023-09-01",
            "level": "county",
            "category": "paper",
            "rank": "first",
        },
        {
            "id": "a8",
            "kind": "new_teacher_training",
            "date": "2021-09-01",
            "hours": 40,
            "practice_hours": 20,
        },
    ]
    if draft:
        a.append(
            {
                "id": "a9",
                "kind": "training",
                "date": "2023-05-06",
                "level": "province",
                **training(mode="centralized", hours=12, score=90),
            }
        )
    a2 = [
        {
            "id": "b1",
            "kind": "training",
            "date": "2023-06-01",
            "level": "school",
            "mode": "school_based",
            "module": "school_based",
            "hours": 26,
        },
        {
            "id": "b2",
            "kind": "training",
            "date": "2023-08-01",
            "level": "province",
            **training(hours=10, score=60),
        },
    ]
    return {"a": a, "a2": a2}


def _evaluate(draft: bool = False) -> dict[str, dict[str, Any]]:
    """The engine's own word on those records: ``{"a": teacher output, "a2": …}``."""
    from xuefen.policy import load_policy

    inputs = _engine_inputs(draft)
    out = load_policy("puer-2023").evaluate(
        [{"id": k, "records": v} for k, v in inputs.items()],
        as_of=dt.date(2023, 12, 31),
        all_cycles=True,
    )
    return {t["id"]: t for t in out["teachers"]}


def _year(teacher: dict[str, Any], label: str) -> dict[str, Any]:
    return next(p for p in teacher["periods"] if p["period"] == label)


@pytest.fixture
def puer_world(world: Any, make_record: Any) -> Any:
    """The world's teacher_a (30 h online certified, 12 h centralized approved) with a
    county project of an approved institution (18 h × 1.5, 95 分), school-based training,
    a competition, two years of degree study, an award and an induction; teacher_a2 with
    school-based and online training. Results recomputed."""
    from xuefen.catalog.services import project_approve, project_create
    from xuefen.results.compute import recompute

    p = world
    project = project_create(
        actor=p.county_admin,
        publisher=p.county_x,
        name=PROJECT,
        level="county",
        mode="centralized",
        module="ability",
        hours=18,
        credit_per_hour=1.5,
        institution=p.institution,
    )
    project_approve(actor=p.county_admin, project=project)
    a, a2 = p.teacher_a, p.teacher_a2
    make_record(
        a,
        date=dt.date(2023, 4, 12),
        fields={"score": 95},
        level="",
        project=project,
        status="certified",
    )
    make_record(
        a,
        date=dt.date(2023, 5, 20),
        fields={
            "mode": "school_based",
            "module": "school_based",
            "hours": 20,
            "credit_per_hour": 0.8,
            "score": 75,
        },
        level="school",
        status="certified",
    )
    make_record(
        a,
        kind="competition",
        date=dt.date(2022, 10, 15),
        level="city",
        fields={"award": "first", "name": "普洱市初中语文课堂教学比赛"},
        status="certified",
    )
    for day in (dt.date(2022, 7, 1), dt.date(2023, 7, 1)):
        make_record(
            a,
            kind="degree_study",
            date=day,
            level="",
            fields={"program": PROGRAMME},
            status="certified",
        )
    make_record(
        a,
        kind="award",
        date=dt.date(2023, 9, 1),
        level="county",
        fields={"category": "paper", "rank": "first", "name": "论文评比"},
        status="certified",
    )
    make_record(
        a,
        kind="new_teacher_training",
        date=dt.date(2021, 9, 1),
        level="",
        fields={"hours": 40, "practice_hours": 20, "name": "新教师岗前培训"},
        status="certified",
    )
    make_record(
        a2,
        date=dt.date(2023, 6, 1),
        fields={"mode": "school_based", "module": "school_based", "hours": 26},
        level="school",
        status="certified",
    )
    make_record(
        a2, date=dt.date(2023, 8, 1), fields=training(hours=10, score=60), status="certified"
    )
    recompute([a.pk, a2.pk, p.teacher_b.pk])
    p.project = project
    return p


# -- helpers ----------------------------------------------------------------------------


def _sheets(content: bytes) -> dict[str, list[list[Any]]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def _by_first(rows: list[list[Any]], column: int = 1) -> dict[Any, list[Any]]:
    return {r[column]: r for r in rows if r and len(r) > column and r[column] is not None}


def _pages(content: bytes, tmp_path: Any) -> list[str]:
    """The text of each page (pdftotext separates pages with form feeds), without spaces."""
    text = pdf_text(content, tmp_path)
    return [page for page in text.split("\f") if page.strip()]


def _page_text(content: bytes, tmp_path: Any, page: int) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: scripts/ensure-test-tools.sh installs poppler-utils")
    path = tmp_path / "page.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.replace(" ", "")


def _declaration(world: Any, **kwargs: Any) -> bytes:
    values = {
        "user": world.school_admin_a,
        "form_id": "puer-declaration",
        "node": world.school_a,
        "period": "2023",
        "today": YEAR,
    }
    values.update(kwargs)
    return export_bytes(**values)


def _register(world: Any, teacher: Any = None, **kwargs: Any) -> bytes:
    teacher = teacher or world.teacher_a
    values = {
        "user": teacher.user,
        "form_id": "puer-register",
        "node": teacher.school,
        "teacher": teacher,
        "period": "2021-2025",
        "today": YEAR,
    }
    values.update(kwargs)
    return export_bytes(**values)


def _mode_figures(period: dict[str, Any], modes: tuple[str, ...]) -> list[float]:
    return [v for m in modes for v in (period["hours"][m], period["credits"][m])]


# -- the declaration (附件2—2) ----------------------------------------------------------


def test_declaration_figures_equal_the_engine(puer_world):
    rows = _sheets(_declaration(puer_world))["学时学分申报表"]
    assert rows[0][0] == "普洱市中小学幼儿园教师全员培训学时学分申报表（试行）"
    engine = _evaluate()
    teachers = _by_first(rows)
    for key, teacher in (("a", puer_world.teacher_a), ("a2", puer_world.teacher_a2)):
        year = _year(engine[key], "2023")
        row = teachers[teacher.name]
        expected = [
            *_mode_figures(year, MODES),
            year["hours"]["total"],
            year["credits"]["total"],
        ]
        assert row[6:14] == expected, (key, row)
    a = teachers[puer_world.teacher_a.name]
    # 集中培训 = the project (18 h × 1.5 × 1.2) and a year of degree study (48 h): not online.
    assert a[6:8] == [66, 80.4] and a[8:10] == [30, 34.5] and a[10:12] == [20, 17.6]
    assert a[3] == puer_world.teacher_a.id_number  # school staff see full numbers
    assert a[4] == "小学语文" and a[2] == "女"
    # 116 h and 132.5 credits, online met; school-based 20 h and 17.6 credits of 24 each.
    assert a[14] == "差：校本4时/6.4分"
    a2 = teachers[puer_world.teacher_a2.name]
    # 36 h/36 credits: 10 online, none centralized, 26 school-based; 10 county-or-above.
    assert a2[14] == "差：全年36时/36分；网络14时/14分；集中24时/24分；县级以上38分"


def test_declaration_totals_row_is_the_sum_of_the_rows(puer_world):
    rows = _sheets(_declaration(puer_world))["学时学分申报表"]
    body = [r for r in rows if r and isinstance(r[0], int)]
    assert [r[1] for r in body] == [puer_world.teacher_a2.name, puer_world.teacher_a.name]
    total = next(r for r in rows if r and r[0] == "合计")
    assert total[1] == "2人"
    for col in range(6, 14):
        assert total[col] == pytest.approx(sum(r[col] for r in body)), col
    engine = _evaluate()
    assert total[13] == pytest.approx(
        sum(_year(engine[k], "2023")["credits"]["total"] for k in ("a", "a2"))
    )


def test_declaration_draft_counts_pending_and_is_marked(puer_world):
    from xuefen.exports.layout import DRAFT_MARK

    content = _declaration(puer_world, draft=True)
    rows = _sheets(content)["学时学分申报表"]
    assert rows[1][0] == DRAFT_MARK
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        sheets = [n for n in book.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml", n)]
        for name in sheets:  # printed: the mark is the page header of every page
            assert DRAFT_MARK in book.read(name).decode(), name
    engine = _evaluate(draft=True)
    teachers = _by_first(rows)
    a = teachers[puer_world.teacher_a.name]
    year = _year(engine["a"], "2023")
    assert a[6:14] == [
        *_mode_figures(year, MODES),
        year["hours"]["total"],
        year["credits"]["total"],
    ]
    assert a[6] == 78  # the approved 12 h counted
    assert a[14].startswith("含待认定")
    assert not (teachers[puer_world.teacher_a2.name][14] or "").startswith("含待认定")


def test_declaration_masks_id_numbers_for_who_may_not_see_them(puer_world):
    from xuefen.exports.services import make_request, render
    from xuefen.org.validators import mask_id_number

    request = make_request(
        user=puer_world.school_admin_a,
        form_id="puer-declaration",
        node=puer_world.school_a,
        period="2023",
        today=YEAR,
    )
    assert request.full_ids
    masked = io.BytesIO()
    render(dataclasses.replace(request, full_ids=False), masked)
    rows = _sheets(masked.getvalue())["学时学分申报表"]
    row = _by_first(rows)[puer_world.teacher_a.name]
    assert (
        row[3] == mask_id_number(puer_world.teacher_a.id_number) != puer_world.teacher_a.id_number
    )
    cells = {str(c) for r in rows for c in r if c is not None}
    for teacher in (puer_world.teacher_a, puer_world.teacher_a2):
        assert not any(teacher.id_number in c for c in cells)


def test_declaration_pdf_has_the_forms_headers(puer_world, tmp_path):
    text = pdf_text(_declaration(puer_world, fmt="pdf"), tmp_path)
    for word in (
        "普洱市中小学幼儿园教师全员培训学时学分申报表",
        "学校（盖章）：思茅一中",
        "联系人及电话",
        "身份证号码",
        "任教学段学科",
        "集中培训",
        "网络研修",
        "校本研修",
        "全年汇总",
        "总学时",
        "备注",
        "合计",
        "审核单位（盖章）",
        "说明：此表由学校汇总填写上报",
        puer_world.teacher_a.name,
        "第1页共1页",
    ):
        assert word in text, word
    assert "草稿" not in text


def test_declaration_of_eighty_teachers_repeats_its_header(puer_world, tmp_path):
    from xuefen.org.models import Teacher

    Teacher.objects.bulk_create(
        [
            Teacher(
                school=puer_world.school_a,
                name=f"教师{i:02d}",
                name_pinyin=f"jiao shi {i:02d}",
                sex="male",
                id_number=id_number(100 + i),
                stage="junior",
                subject="数学",
            )
            for i in range(78)
        ]
    )
    content = _declaration(puer_world, fmt="pdf", draft=True)
    pages = _pages(content, tmp_path)
    assert len(pages) >= 2
    second = _page_text(content, tmp_path, 2)
    assert "身份证号码" in second and "集中培训" in second
    assert "第2页" in second
    for page in pages:
        assert "草稿" in page
    assert "80人" in "".join(pages)


# -- the register (附件2—1) -------------------------------------------------------------


def test_register_yearly_table_equals_the_engine(puer_world):
    sheets = _sheets(_register(puer_world))
    engine = _evaluate()["a"]
    yearly = sheets["三 年度登记"]
    rows = {r[0]: r for r in yearly if r and re.fullmatch(r"\d{4}年度", str(r[0]))}
    assert list(rows) == ["2021年度", "2022年度", "2023年度", "2024年度", "2025年度"]
    hours = credits = 0.0
    for label in ("2022", "2023"):
        year = _year(engine, label)
        row = rows[f"{label}年度"]
        assert row[1:7] == _mode_figures(year, REGISTER_MODES), label
        hours += year["hours"]["total"]
        credits += year["credits"]["total"]
        assert row[7:9] == [pytest.approx(hours), pytest.approx(credits)]  # 累计
    total = next(r for r in yearly if r and r[0] == "周期合计")
    cycle = engine["cycle"]
    assert total[1:9] == [
        *_mode_figures(cycle, REGISTER_MODES),
        cycle["hours"]["total"],
        cycle["credits"]["total"],
    ]
    # 2021: the induction only, which stays out of the totals.
    assert rows["2021年度"][1:9] == [0] * 8

    modules = sheets["三 五年一周期学分合计"]
    by_year = {r[0]: r for r in modules if r and re.fullmatch(r"\d{4}年度", str(r[0]))}
    per_record = {r["id"]: r for r in engine["records"]}
    knowledge = per_record["a1"]["credits"]
    ability = per_record["a2"]["credits"]
    school_based = per_record["a3"]["credits"]
    assert by_year["2023年度"][1:7] == [
        0,
        knowledge,
        ability,
        0,
        school_based,
        _year(engine, "2023")["credits"]["total"],
    ]
    total = next(r for r in modules if r and r[0] == "周期合计")
    assert total[1:7] == [*[cycle["modules"][m] for m in MODULES], cycle["credits"]["total"]]


def test_register_project_and_other_tables(puer_world):
    sheets = _sheets(_register(puer_world))
    engine = {r["id"]: r for r in _evaluate()["a"]["records"]}
    projects = sheets["四 项目登记 2023"]
    assert any(r and r[0] == "（2023年度）" for r in projects)
    rows = [r for r in projects if r and isinstance(r[0], int)]
    assert [r[0] for r in rows] == [1, 2, 3]  # online, project, school-based (the approved
    # 12 h are not certified: not in the register)
    project = next(r for r in rows if r[2] == PROJECT)
    assert project[1] == "2023-04-12"
    assert project[3:9] == [
        "县(区)级",
        "集中研修",
        engine["a2"]["hours"],
        "95",
        engine["a2"]["credits"],
        puer_world.institution.name,
    ]
    online = rows[0]
    assert online[1:9] == [
        "2023-03-10",
        "培训项目",
        "省级",
        "网络研修",
        engine["a1"]["hours"],
        "85",
        engine["a1"]["credits"],
        None,
    ]
    school_based = next(r for r in rows if r[4] == "校本研修")
    assert school_based[5] == engine["a3"]["hours"] and school_based[7] == engine["a3"]["credits"]
    assert school_based[8] == puer_world.school_a.name
    total = next(r for r in projects if r and r[0] == "合计")
    assert total[5] == 68 and total[7] == pytest.approx(
        sum(engine[k]["credits"] for k in ("a1", "a2", "a3"))
    )
    assert "四 项目登记 2022" in sheets  # a year without training: its page, saying so
    assert any(r and r[2] == "本年度无计入的培训项目" for r in sheets["四 项目登记 2022"])

    degree = sheets["二 学历进修"]
    programme = next(r for r in degree if r and r[0] == 1)
    assert programme[2:4] == ["教育硕士", "云南师范大学"]
    assert programme[9:12] == ["2022、2023", 96, 96]
    assert [r[0] for r in degree if r and isinstance(r[0], int)] == [1, 2, 3]  # the form's rows

    induction = sheets["五 新教师试用期培训"]
    row = next(r for r in induction if r and r[0] == 1)
    assert row[1:5] == ["2021-09-01", "新教师岗前培训", 40, 20]

    other = {r[2]: r for r in sheets["六 其他形式培训"] if r and isinstance(r[0], int)}
    competition = other["普洱市初中语文课堂教学比赛"]
    assert competition[3:8] == ["教研活动/课堂教学比赛", "市级", 6, "一等奖", 14.4]
    assert competition[9] == engine["a4"]["explanation"]
    award = other["论文评比"]
    assert award[5] == 0 and award[7] == 0 and award[9] == engine["a7"]["explanation"]

    personal = sheets["一 个人基本信息"]
    cells = [c for r in personal for c in r if c is not None]
    assert puer_world.teacher_a.name in cells and puer_world.teacher_a.id_number in cells
    assert "1985年03月" in cells and "民族" in cells and "政治面貌" in cells


def test_register_for_one_year_keeps_to_that_year(puer_world):
    sheets = _sheets(_register(puer_world, period="2023"))
    assert [n for n in sheets if n.startswith("四")] == ["四 项目登记 2023"]
    programme = next(r for r in sheets["二 学历进修"] if r and r[0] == 1)
    assert programme[9:12] == ["2023", 48, 48]
    assert not any(r and r[0] == 1 for r in sheets["五 新教师试用期培训"])
    # The yearly table is still the cycle's.
    assert any(r and r[0] == "2022年度" for r in sheets["三 年度登记"])


def test_register_pdf_text_and_draft_mark_on_every_page(puer_world, tmp_path):
    from xuefen.exports.layout import DRAFT_MARK

    content = _register(puer_world, fmt="pdf", draft=True)
    pages = _pages(content, tmp_path)
    assert len(pages) >= 6
    mark = DRAFT_MARK.replace(" ", "")
    for n, page in enumerate(pages, 1):
        assert mark in page, n
    text = "".join(pages)
    for word in (
        "普洱市中小学教师全员培训登记册",
        "一、个人基本信息表",
        "二、提高学历层次进修登记表",
        "三、教师全员培训学时学分年度登记表",
        "教师五年一周期学分合计",
        "四、教师全员培训学时学分项目登记表",
        "五、新招聘教师试用期培训登记表",
        "六、其他形式培训登记表",
        "学校审查意见",
        "累计学时",
        puer_world.teacher_a.name,
        puer_world.institution.name,
    ):
        assert word in text, word
    # The draft counts the approved 12 h: 2023's 集中研修 is 78 h.
    assert "78.00" in text


def test_staff_export_a_teachers_register_a_colleague_may_not(puer_world):
    content = _register(puer_world, user=puer_world.school_admin_a)
    assert puer_world.teacher_a.id_number in {
        c for r in _sheets(content)["一 个人基本信息"] for c in r
    }
    for user in (puer_world.teacher_a2.user, puer_world.peer_assessor, puer_world.school_admin_b):
        with pytest.raises(Http404):
            _register(puer_world, user=user)


def test_forms_only_where_puers_policy_is_in_force(puer_world):
    from xuefen.org.services import policy_bind

    policy_bind(
        actor=puer_world.root,
        node=puer_world.county_y,
        policy_id="dali-2020",
        valid_from=dt.date(2021, 1, 1),
    )
    with pytest.raises(ValidationError) as exc:
        _declaration(
            puer_world,
            user=puer_world.county_y_admin,
            node=puer_world.school_c,
            period=None,
        )
    assert "form" in exc.value.message_dict
    with pytest.raises(ValidationError):
        _register(puer_world, teacher=puer_world.teacher_c, period=None)
    # Where 普洱's policy is in force they are offered.
    from xuefen.exports.registry import forms

    assert forms()["puer-declaration"].applies_to("puer-2023")
    assert not forms()["puer-register"].applies_to("dali-2020")


def test_declaration_xlsx_converts_in_libreoffice(puer_world, tmp_path):
    """The workbook with its two header rows of merged cells is a real spreadsheet:
    LibreOffice opens it and prints the form's headers and the teachers."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail("LibreOffice is missing: scripts/ensure-test-tools.sh installs it")
    source = tmp_path / "declaration.xlsx"
    source.write_bytes(_declaration(puer_world, draft=True))
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    converted = tmp_path / "declaration.pdf"
    assert done.returncode == 0 and converted.exists(), done.stderr[-500:]
    text = pdf_text(converted.read_bytes(), tmp_path)
    for word in ("身份证号码", "集中培训", "全年汇总", "合计", "草稿", puer_world.teacher_a.name):
        assert word in text, word


def test_register_without_full_numbers_hides_the_birth_date_too(puer_world):
    from xuefen.exports.services import make_request, render
    from xuefen.org.validators import mask_id_number

    request = make_request(
        user=puer_world.teacher_a.user,
        form_id="puer-register",
        node=puer_world.school_a,
        teacher=puer_world.teacher_a,
        period="2023",
        today=YEAR,
    )
    assert request.full_ids  # the teacher's own register
    out = io.BytesIO()
    render(dataclasses.replace(request, full_ids=False), out)
    cells = [c for r in _sheets(out.getvalue())["一 个人基本信息"] for c in r if c is not None]
    assert mask_id_number(puer_world.teacher_a.id_number) in cells
    assert puer_world.teacher_a.id_number not in cells and "1985年03月" not in cells


def test_declaration_pdf_in_parts_has_its_totals_in_the_last(puer_world, tmp_path, settings):
    """A long 申报表 comes out as a zip of PDFs: the 合计 of every teacher, in the last part
    only, each part with the form's header."""
    from xuefen.org.models import Teacher

    settings.XUEFEN_EXPORT_PDF_PART_ROWS = 50
    Teacher.objects.bulk_create(
        [
            Teacher(
                school=puer_world.school_a,
                name=f"教师{i:02d}",
                name_pinyin=f"jiao shi {i:02d}",
                sex="female",
                id_number=id_number(200 + i, female=True),
                stage="primary",
                subject="数学",
            )
            for i in range(58)
        ]
    )
    content = _declaration(puer_world, fmt="pdf")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        texts = [pdf_text(archive.read(name), tmp_path) for name in names]
    assert len(names) == 2
    for text in texts:
        assert "身份证号码" in text and "集中培训" in text
    assert "60人" not in texts[0] and "60人" in texts[1]
