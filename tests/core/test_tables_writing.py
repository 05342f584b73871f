"""Writing exports: formula-neutralised cells, the same rows in CSV and XLSX."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from remedia.core.tables import (
    Sheet,
    cell_neutralise,
    csv_bytes,
    xlsx_bytes,
    xlsx_sheets_bytes,
)
from tests.support.sheets import csv_rows, xlsx_rows


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://x")',
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\tcmd",
        "\rcmd",
        "=cmd|' /C calc'!A0",
        "\uff1d1+1",  # full-width equals sign
    ],
)
def test_a_text_cell_that_could_start_a_formula_gets_an_apostrophe(
    value: str,
) -> None:
    assert cell_neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Manufacturing", "48+", "0--8", "MX", "", "a=b"])
def test_other_text_is_left_as_it_is(value: str) -> None:
    assert cell_neutralise(value) == value


@pytest.mark.parametrize("value", [2024, 0, 1, -3, None])
def test_numbers_and_empty_cells_are_not_text_and_stay_numbers(
    value: int | None,
) -> None:
    # A negative number is a number to a spreadsheet, never a formula; the
    # protection export writes none anyway.
    assert cell_neutralise(value) == value


def test_csv_and_xlsx_hold_the_same_neutralised_cells_and_no_formula() -> None:
    # Given rows with cells that would run as formulas, control characters and
    # accents
    header = ["col", "n"]
    rows = [["=1+1", 2024], ["@A1", 0], ["Tehuacán\x01", None], ["-x", 1]]

    # When written as CSV and as XLSX
    as_csv = csv_bytes(header=header, rows=rows)
    as_xlsx = xlsx_bytes(header=header, rows=rows, title="t")

    # Then both hold the same cells, neutralised, without the control character
    expected = [
        ["col", "n"],
        ["'=1+1", "2024"],
        ["'@A1", "0"],
        ["Tehuacán", ""],
        ["'-x", "1"],
    ]
    assert csv_rows(as_csv) == expected
    assert xlsx_rows(as_xlsx) == expected
    # And no cell of the workbook is a formula; numbers stay numbers
    sheet = load_workbook(io.BytesIO(as_xlsx)).worksheets[0]
    types = {cell.data_type for row in sheet.iter_rows() for cell in row}
    assert "f" not in types
    assert sheet["B2"].value == 2024


def test_every_csv_cell_is_quoted_so_no_separator_in_a_value_splits_it() -> None:
    data = csv_bytes(header=["a"], rows=[['x","=1+1'], [7]])

    assert data.decode("utf-8-sig").splitlines() == ['"a"', '"x"",""=1+1"', '"7"']
    assert csv_rows(data) == [["a"], ['x","=1+1'], ["7"]]


def test_a_workbook_of_several_sheets_keeps_numbers_and_neutralises_text() -> None:
    from decimal import Decimal

    data = xlsx_sheets_bytes(
        [
            Sheet(title="Acciones", header=["Acción", "Meta"], rows=[["=1+1", 40]]),
            Sheet(
                title="Indicadores: [1/2]?",
                header=["Logrado"],
                rows=[[Decimal("12.50")]],
            ),
        ]
    )

    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Acciones", "Indicadores   1 2"]
    first, second = book.worksheets
    assert list(first.iter_rows(values_only=True)) == [
        ("Acción", "Meta"),
        ("'=1+1", 40),
    ]
    assert list(second.iter_rows(values_only=True)) == [("Logrado",), (12.5,)]
