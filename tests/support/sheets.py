"""Reading back what an export wrote, as a person's spreadsheet would."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook


def csv_rows(data: bytes) -> list[list[str]]:
    """The rows of a CSV export, read by Python's csv module."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_rows(data: bytes) -> list[list[str]]:
    """The rows of an XLSX export's first sheet, read by openpyxl, as text
    (an empty cell as ""), to compare with `csv_rows`."""
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [
        ["" if v is None else str(v) for v in row]
        for row in sheet.iter_rows(values_only=True)
    ]
