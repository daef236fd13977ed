"""Reading spreadsheets: every format to the same rows of text, headers as schools write
them, clear refusals for what is no table."""

from __future__ import annotations

import datetime as dt
import io

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
