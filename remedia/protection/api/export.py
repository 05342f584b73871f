"""`GET /api/v1/protection/export`: the de-identified export, CSV or XLSX.

For protection leads (anyone else: 403). Bad parameters, k below 2 among
them, answer 422 with the field; the counts go in response headers so a
client need not parse the file to know what k held back.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Field, Query, Router, Schema

from remedia.core.kit import request_user
from remedia.protection.services.export import ExportFormat, export_make
from remedia.protection.vocabulary import TraffickingStatus

router = Router(tags=["protection"])


class ExportQuery(Schema):
    format: ExportFormat = Field(ExportFormat.CSV, description="`csv` or `xlsx`.")
    k: int | None = Field(
        None,
        description="A row is exported only if at least k files share all its "
        "values; 2 or more (default: the site's REMEDIA_EXPORT_K, 11).",
    )
    year_from: int | None = Field(None, description="First year of registration.")
    year_to: int | None = Field(None, description="Last year of registration.")
    trafficking_status: TraffickingStatus | None = None


@router.get(
    "/export",
    response={200: None},
    summary="The de-identified export of the files with reporting consent, in "
    "HTCDS/CTDC columns, k-anonymous (protection leads; audited)",
)
def export(request: HttpRequest, query: Query[ExportQuery]) -> HttpResponse:
    made = export_make(
        user=request_user(request),
        k=settings.REMEDIA_EXPORT_K if query.k is None else query.k,
        year_from=query.year_from,
        year_to=query.year_to,
        trafficking_status=query.trafficking_status or "",
        file_format=query.format,
    )
    response = HttpResponse(made.content, content_type=made.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=made.filename
    )
    response["Cache-Control"] = "no-store"
    counts: dict[str, Any] = {
        "X-Export-K": made.summary.k,
        "X-Export-Files": made.summary.files,
        "X-Export-Rows": made.summary.rows,
        "X-Export-Suppressed": made.summary.suppressed,
    }
    for name, value in counts.items():
        response[name] = str(value)
    return response
