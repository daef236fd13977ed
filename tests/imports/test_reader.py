"""Reading spreadsheets: every format to the same rows of text, headers as schools write
them, clear refusals for what is no table."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import translation
from openpyxl import Workbook

from xuefen.imports.reader import Column, ReadError, cell_text, normalize_header, read_table

COLUMNS = [
    Column("name", ("姓名",), required=True),
    Column("id_number", ("身份证号", "身份证号码"), required=True),
    Column("hours", ("学时",)),
]


def xlsx(rows: list[list[object]]) -> io.BytesIO:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data


def test_xlsx_rows_come_out_as_text_with_their_row_numbers() -> None:
    data = xlsx(
        [
            [],
            ["姓 名", "身份证号码（必填）", "学时", "备注"],
            ["张丽", "530802198503120024", 12.0, "x"],
            [],
            ["李强", "530802198503120032", 7.5, None],
        ]
    )
    table = read_table("名单.xlsx", data, COLUMNS)
    assert table.headers == {"name": "姓 名", "id_number": "身份证号码(必填)", "hours": "学时"}
    assert table.ignored == ["备注"]
    assert [(r.number, r.values["hours"]) for r in table.rows] == [(3, "12"), (5, "7.5")]
    assert table.rows[0].get("name") == "张丽"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_the_encodings_excel_writes(encoding: str) -> None:
    text = "姓名,身份证号,学时\r\n张丽,530802198503120024,12\r\n"
    table = read_table("a.csv", io.BytesIO(text.encode(encoding)), COLUMNS)
    assert table.rows[0].values == {
        "name": "张丽",
        "id_number": "530802198503120024",
        "hours": "12",
    }


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.xlsx", b"\x89PNG\r\n\x1a\n not a workbook", "已损坏"),
        ("a.xlsx", b"", "已损坏"),
        ("a.exe", b"MZ", "不是电子表格"),
        ("a.csv", b"", "文件为空"),
        ("a.csv", "姓名\n张丽\n".encode(), "缺少必填列：身份证号"),
        ("a.csv", "姓名,姓名,身份证号\n".encode(), "有两列"),
    ],
)
def test_what_is_no_table_is_refused_with_a_reason(name: str, data: bytes, message: str) -> None:
    with translation.override("zh-hans"), pytest.raises(ReadError) as exc:
        read_table(name, io.BytesIO(data), COLUMNS)
    assert message in exc.value.message


def test_cells_and_headers_normalize() -> None:
    assert cell_text(12.0) == "12" and cell_text(0.5) == "0.5" and cell_text(None) == ""
    assert cell_text(float("nan")) == ""
    assert cell_text(dt.datetime(2025, 3, 1)) == "2025-03-01"
    assert cell_text("ＡＢＣ１２３ ") == "ABC123"
    assert normalize_header(" 身份证号（必填） ") == "身份证号"
    assert normalize_header("Hours") == "hours"


def test_title_rows_above_the_header_are_skipped() -> None:
    data = xlsx(
        [
            ["2023 年度教师名册"],
            [],
            ["草稿（未认定）", None, "打印日期：2023-06-01"],
            ["姓名", "身份证号", "学时"],
            ["张丽", "530802198503120024", 12],
        ]
    )
    table = read_table("名册.xlsx", data, COLUMNS)
    assert table.headers == {"name": "姓名", "id_number": "身份证号", "hours": "学时"}
    assert table.ignored == []
    assert [(r.number, r.get("name")) for r in table.rows] == [(5, "张丽")]


def test_a_row_naming_some_column_is_the_header_even_if_incomplete() -> None:
    data = xlsx([["标题"], ["姓名", "学时"], ["张丽", 3]])
    with translation.override("zh-hans"), pytest.raises(ReadError) as exc:
        read_table("a.xlsx", data, COLUMNS)
    assert "缺少必填列：身份证号" in exc.value.message and "第 2 行" in exc.value.message


def test_at_most_ten_title_rows_then_the_header_is_missing() -> None:
    rows: list[list[object]] = [[f"标题 {i}"] for i in range(11)]
    data = xlsx([*rows, ["姓名", "身份证号"], ["张丽", "530802198503120024"]])
    with translation.override("zh-hans"), pytest.raises(ReadError) as exc:
        read_table("a.xlsx", data, COLUMNS)
    # The eleventh title row is taken for the header.
    assert "缺少必填列：姓名、身份证号" in exc.value.message and "第 11 行" in exc.value.message
    ten = xlsx([*rows[:10], ["姓名", "身份证号"], ["张丽", "530802198503120024"]])
    assert [r.number for r in read_table("a.xlsx", ten, COLUMNS).rows] == [12]


def test_a_file_of_title_rows_only_names_the_missing_columns() -> None:
    with translation.override("zh-hans"), pytest.raises(ReadError) as exc:
        read_table("a.csv", io.BytesIO("名单\n说明\n".encode()), COLUMNS)
    assert "缺少必填列：姓名、身份证号" in exc.value.message and "第 1 行" in exc.value.message


def test_text_our_export_escaped_against_formulas_reads_back_unescaped() -> None:
    import xlsxwriter

    from xuefen.exports.xlsx import escape

    data = io.BytesIO()
    book = xlsxwriter.Workbook(data, {"in_memory": True})
    sheet = book.add_worksheet()
    values = ["=SUM(A1)", "+86 138", "-3", "@home", "'plain", "'x=1", "普通"]
    sheet.write_string(0, 0, "姓名")
    sheet.write_string(0, 1, "身份证号")
    for i, value in enumerate(values, start=1):
        sheet.write_string(i, 0, escape(value))
        sheet.write_string(i, 1, "530802198503120024")
    book.close()
    data.seek(0)
    table = read_table("a.xlsx", data, COLUMNS)
    assert [r.get("name") for r in table.rows] == values
    assert cell_text("'=1") == "=1" and cell_text("'1") == "'1"


def test_open_table_streams_the_rows_and_says_how_many_at_most(monkeypatch: Any) -> None:
    from xuefen.imports import reader

    text = "标题\n姓名,身份证号\n张丽,1\n\n李强,2\n"
    table = reader.open_table("a.csv", io.BytesIO(text.encode()), COLUMNS)
    assert table.headers == {"name": "姓名", "id_number": "身份证号"}
    assert table.size >= 3 and not isinstance(table.rows, list)
    assert [(r.number, r.get("name")) for r in table.rows] == [(3, "张丽"), (5, "李强")]
    monkeypatch.setattr(reader, "MAX_ROWS", 1)
    rows = reader.open_table("a.csv", io.BytesIO(text.encode()), COLUMNS).rows
    assert next(rows).get("name") == "张丽"
    with translation.override("zh-hans"), pytest.raises(ReadError) as exc:
        next(rows)
    assert "文件超过 1 行" in exc.value.message
