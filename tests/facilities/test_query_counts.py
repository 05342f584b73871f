"""Query counts pinned for the registry API's reads: the export (CSV and JSON,
whole and paged), one facility and one import.

Each read is measured with N rows and with 3N: the count must be the same (no
query per facility), and below a bound, as tests/cases/test_query_counts.py
does. Counts can differ by database (savepoints), so the bound is a ceiling
that holds on both.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from remedia.facilities import services
from tests.facilities.import_support import csv_bytes, registered
from tests.support.actors import Staff, organisation_with_escrow, staff_member

URL = "/api/v1/facilities"


@pytest.fixture
def editor(db) -> Staff:
    org = organisation_with_escrow("Centro Laboral Aguascalientes", "CLA")
    return staff_member(org, "hilda", decrypting=False)


def _add(n: int, start: int) -> None:
    for i in range(start, start + n):
        registered(
            name=f"Confecciones Número {i}",
            municipality="Aguascalientes",
            workers=10 + i,
            os_id=f"MX2026{i:09d}",
            lat="21.88",
            lng="-102.29",
        )


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _count(client, url: str, staff: Staff, **params: Any) -> tuple[int, int]:
    """(queries, bytes) of a read, its streamed body consumed inside the count."""
    first = client.get(url, params, headers=staff.headers)
    assert first.status_code == 200
    _body(first)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params, headers=staff.headers)
        assert response.status_code == 200
        body = _body(response)
    return len(captured), len(body)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/export.csv", {}),
        ("/export.json", {}),
        ("/export.json", {"limit": 5, "offset": 1}),
        ("/export", {"format": "csv", "state": "MX-AGU"}),
    ],
)
def test_export_query_count_does_not_grow_with_the_registry(
    client, editor, path, params
):
    _add(5, 0)
    few, few_bytes = _count(client, URL + path, editor, **params)

    _add(10, 5)
    many, many_bytes = _count(client, URL + path, editor, **params)

    assert many == few
    # The token's cached lookup and "last used" stamp (the suite's cache is
    # the database) are most of them; the rows are one query, and the JSON's
    # total another.
    assert few <= 10
    if "limit" not in params:
        assert many_bytes > few_bytes  # the rows added were written


def test_facility_and_import_reads_take_a_fixed_number_of_queries(client, editor):
    _add(3, 0)
    facility = registered(name="Bordados Rosy", municipality="Apizaco", state="MX-TLA")
    services.facility_merge(
        keep=facility,
        merge=registered(name="Bordados Rosy de Apizaco", state="MX-TLA"),
        actor=editor.user,
    )
    detail, _size = _count(client, f"{URL}/{facility.pk}", editor)
    assert detail <= 10

    small = csv_bytes([(f"Taller {i}", "MX-AGU", "", "") for i in range(3)])
    large = csv_bytes([(f"Hilados {i}", "MX-PUE", "", "") for i in range(30)])
    counts = []
    for data in (small, large):
        queued = client.post(
            f"{URL}/imports", data=data, content_type="text/csv", headers=editor.headers
        ).json()
        counts.append(_count(client, queued["url"], editor)[0])
    assert counts[0] == counts[1]
    assert counts[0] <= 10
