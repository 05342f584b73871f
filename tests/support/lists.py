"""Helpers for the tests of the staff lists: a form of a page, an export run
to its file, a page's query count."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from remedia.core.models import ExportJob


def form_html(html: str, form_id: str) -> str:
    """The form with id `form_id`, up to its end."""
    form = html[html.index(f'id="{form_id}"') :]
    return form[: form.index("</form>")]


def exported_csv(
    client: Any, capture: Any, url: str, data: dict[str, str]
) -> list[list[str]]:
    """Post an export, run its job and read the CSV it made."""
    with capture(execute=True):
        response = client.post(url, {**data, "format": "csv"})
    assert response.status_code == 302, response.content[:500]
    job = ExportJob.objects.order_by("-created_at").first()
    assert job is not None
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    content = client.get(f"/staff/exportaciones/{job.pk}/descargar/").content
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def page_queries(client: Any, url: str) -> int:
    """The queries of a page read a second time (totals and choices kept by
    the first, as on any busy server)."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)
