"""Files and registry records for the import tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

from remedia.facilities import services
from remedia.facilities.models import Facility

HEADER = ("name", "state", "municipality", "workers")


def csv_bytes(
    rows: Sequence[Sequence[Any]],
    header: Sequence[str] = HEADER,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def registered(**data: Any) -> Facility:
    """A facility as the registry records one (indexed, with its history)."""
    data.setdefault("state", "MX-AGU")
    return services.facility_create(data=data, actor=None, source="test")


def run_import(data: bytes, file_name: str = "lista.csv", **kwargs: Any):
    kwargs.setdefault("dry_run", False)
    return services.facilities_import(data=data, file_name=file_name, **kwargs)
