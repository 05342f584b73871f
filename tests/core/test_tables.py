"""Reading uploaded spreadsheets: CSV in its encodings, XLSX, the header, the rows."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from remedia.core.tables import (
    TableRejected,
    header_columns,
    header_key,
    read_rows,
    table_rows,
)

FIELDS = {"nombre": "name", "name": "name", "razon_social": "legal_name"}


def _xlsx(rows: list[list[object]]) -> bytes:
    """A one-sheet workbook, as Excel saves it."""
    workbook = Workbook(write_only=True)
    workbook.create_sheet().append(["name", "workers"])
    for row in rows:
        workbook.worksheets[0].append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_csv_in_cp1252_with_semicolons_reads_with_row_numbers():
    data = "Nombre;Razón social\r\nÑandú;Café S.A.\r\n".encode("cp1252")

    rows = list(read_rows(data=data, file_name="lista.csv"))

    assert rows == [(1, ["Nombre", "Razón social"]), (2, ["Ñandú", "Café S.A."])]


def test_csv_with_a_byte_order_mark_and_tabs():
    data = "\ufeffname\tstate\nA\tMX-AGU\n".encode()

    assert list(read_rows(data=data, file_name="")) == [
        (1, ["name", "state"]),
        (2, ["A", "MX-AGU"]),
    ]


def test_xlsx_cells_become_text():
    data = _xlsx([["Planta", 120.0], [None, True]])

    rows = list(read_rows(data=data, file_name="lista.xlsx"))

    assert rows == [(1, ["name", "workers"]), (2, ["Planta", "120"]), (3, ["", ""])]


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"", "a.csv", "El archivo está vacío."),
        (b"\xd0\xcf\x11\xe0rest", "a.xls", "Excel 97-2003"),
        (b"name\n", "a.pdf", "no «.pdf»"),
        (b"not a zip", "a.xlsx", "dice ser XLSX"),
        (b"PK\x03\x04broken", "a.xlsx", "dañado"),
    ],
)
def test_files_that_cannot_be_read_are_refused_with_a_reason(data, name, reason):
    with pytest.raises(TableRejected) as caught:
        list(read_rows(data=data, file_name=name))

    assert reason in caught.value.reason


def test_header_key_folds_case_accents_and_punctuation():
    assert header_key(" Razón-Social ") == "razon_social"
    assert header_key("No. de trabajadores") == "no_de_trabajadores"
    assert header_key(None) == ""


def test_header_columns_refuses_a_field_named_twice():
    def field_of(title: str) -> str | None:
        return FIELDS.get(header_key(title))

    assert header_columns(
        ["Nombre", "otra", "Razón social"], field_of=field_of, label=str
    ) == {
        "name": 0,
        "legal_name": 2,
    }
    with pytest.raises(TableRejected) as caught:
        header_columns(["Nombre", "name"], field_of=field_of, label=lambda n: f"«{n}»")
    assert "«name» aparece dos veces" in caught.value.reason


def _fields(header: list[str]) -> dict[str, int]:
    return {title: index for index, title in enumerate(header)}


def test_table_rows_skip_blank_rows_and_keep_spreadsheet_numbers():
    rows = [(1, ["", " "]), (2, ["a", "b"]), (3, ["1"]), (4, ["", ""]), (5, ["3", "4"])]

    assert list(table_rows(rows, columns=_fields, max_rows=10)) == [
        (3, {"a": "1", "b": ""}),
        (5, {"a": "3", "b": "4"}),
    ]


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        ([(1, [" "])], "El archivo está vacío."),
        ([(1, ["a"]), (2, [""])], "solo tiene el encabezado"),
        ([(1, ["a"]), (2, ["1"]), (3, ["2"]), (4, ["3"])], "más de 2 filas"),
    ],
)
def test_table_rows_refuse_empty_header_only_and_too_long(rows, reason):
    with pytest.raises(TableRejected) as caught:
        list(table_rows(rows, columns=_fields, max_rows=2))

    assert reason in caught.value.reason
