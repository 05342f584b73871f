"""The registry in Open Supply Hub's columns, as CSV or JSON, streamed.

Open Supply Hub (OSH) takes a facility list with the columns `name`,
`address`, `country`, `sector`, `number_of_workers`, `parent_company`,
`facility_type`, `processing_type`, `product_type` (and `lat`, `lng`), and
gives every facility an OS ID; its downloads add `os_id` and `is_closed`
(reference notes, case-management-anchors §4). An export in those columns can
be contributed to OSH as it is, and a facility already there keeps its OS ID.

Remedia has no facility, processing or product type: those columns are empty.
OSH geocodes one address line, so `address` is the street with the
municipality and the state's name. `remedia_id` (the public id) and `state`
(ISO 3166-2:MX) follow OSH's columns, so a list sent back can be matched to
Remedia's records.

Rows are read in one query, streamed in chunks (`iterator`), so a registry of
100,000 facilities is written without being held in memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from remedia.core.geo import MX_STATES
from remedia.core.tables import export_cells
from remedia.facilities.models import Facility, FacilityStatus

OSH_COLUMNS = (
    "os_id",
    "name",
    "address",
    "country",
    "sector",
    "number_of_workers",
    "parent_company",
    "facility_type",
    "processing_type",
    "product_type",
    "lat",
    "lng",
    "is_closed",
)
REMEDIA_COLUMNS = ("remedia_id", "state")
COLUMNS = OSH_COLUMNS + REMEDIA_COLUMNS
# The model's fields an export reads (the queryset's `only`).
FIELDS = (
    "id",
    "public_id",
    "name",
    "address",
    "municipality",
    "state",
    "sector",
    "workers",
    "employer_group",
    "os_id",
    "lat",
    "lng",
    "status",
)
COUNTRY = "MX"
CHUNK = 2000


def _address(facility: Facility) -> str:
    parts = [facility.address, facility.municipality, MX_STATES.get(facility.state, "")]
    seen: list[str] = []
    for part in (p.strip() for p in parts if p):
        if part and part.casefold() not in (s.casefold() for s in seen):
            seen.append(part)
    return ", ".join(seen)


def _coordinate(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def osh_row(facility: Facility) -> dict[str, Any]:
    """One facility in the export's columns (JSON types: numbers, booleans, null)."""
    return {
        "os_id": facility.os_id or None,
        "name": facility.name,
        "address": _address(facility),
        "country": COUNTRY,
        "sector": facility.sector or None,
        "number_of_workers": facility.workers,
        "parent_company": facility.employer_group or None,
        "facility_type": None,
        "processing_type": None,
        "product_type": None,
        "lat": _coordinate(facility.lat),
        "lng": _coordinate(facility.lng),
        "is_closed": facility.status == FacilityStatus.CLOSED,
        "remedia_id": facility.public_id,
        "state": facility.state,
    }


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _rows(facilities: QuerySet[Facility]) -> Iterator[dict[str, Any]]:
    for facility in facilities.iterator(chunk_size=CHUNK):
        yield osh_row(facility)


def csv_stream(facilities: QuerySet[Facility]) -> Iterator[bytes]:
    """The CSV in UTF-8 with a byte-order mark (Excel reads accents right),
    every cell quoted, text that a spreadsheet would run as a formula
    neutralised (core.tables.export_cells)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")

    def flush() -> bytes:
        text = out.getvalue()
        out.seek(0)
        out.truncate(0)
        return text.encode("utf-8")

    writer.writerow(export_cells(COLUMNS))
    yield b"\xef\xbb\xbf" + flush()
    for number, row in enumerate(_rows(facilities), start=1):
        writer.writerow(export_cells([_csv_cell(row[c]) for c in COLUMNS]))
        if number % 500 == 0:
            yield flush()
    yield flush()


def json_stream(
    facilities: QuerySet[Facility], *, head: dict[str, Any]
) -> Iterator[bytes]:
    """`{...head, "columns": [...], "items": [{...}, ...]}`, one item per facility."""
    opening = json.dumps({**head, "columns": list(COLUMNS)}, ensure_ascii=False)
    yield (opening[:-1] + ', "items": [').encode("utf-8")
    batch: list[str] = []
    first = True
    for row in _rows(facilities):
        batch.append(("" if first else ",") + json.dumps(row, ensure_ascii=False))
        first = False
        if len(batch) >= 500:
            yield "".join(batch).encode("utf-8")
            batch = []
    batch.append("]}")
    yield "".join(batch).encode("utf-8")
