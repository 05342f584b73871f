"""The pages of large exports (core.exports): the person's own list, a job's
progress, and its download. Only the person who asked sees any of them; for
anyone else a job does not exist (404)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from remedia.core import exports
from remedia.core.errors import NotFound
from remedia.core.models import ExportJob


def _job(request: HttpRequest, export_id: Any) -> ExportJob:
    try:
        return exports.export_get(user=request.user, export_id=export_id)
    except NotFound:
        raise Http404 from None


def _context(job: ExportJob) -> dict[str, Any]:
    running = job.status in {ExportJob.Status.QUEUED, ExportJob.Status.RUNNING}
    percent = (
        min(100, 100 * job.progress_done // job.progress_total)
        if job.progress_total
        else 0
    )
    return {
        "job": job,
        "label": exports.export_label(job),
        "running": running,
        "percent": percent,
        "ready": exports.export_ready(job),
        "expired": job.status == ExportJob.Status.DONE
        and not exports.export_ready(job),
        "error": exports.export_error(job),
        "filename": exports.export_filename(job),
    }


@never_cache
@login_required
@require_GET
def export_list_view(request: HttpRequest) -> HttpResponse:
    jobs = exports.export_list(user=request.user)
    items = [_context(job) for job in jobs]
    return render(request, "core/export_list.html", {"items": items})


@never_cache
@login_required
@require_GET
def export_detail_view(request: HttpRequest, export_id: Any) -> HttpResponse:
    return render(
        request, "core/export_detail.html", _context(_job(request, export_id))
    )


@never_cache
@login_required
@require_GET
def export_status_view(request: HttpRequest, export_id: Any) -> HttpResponse:
    """The progress part of the page alone, for the page's own refresh."""
    return render(
        request, "core/export_status.html", _context(_job(request, export_id))
    )


@login_required
@require_GET
def export_download_view(request: HttpRequest, export_id: Any) -> HttpResponse:
    try:
        job, content = exports.export_open(user=request.user, export_id=export_id)
    except NotFound:
        raise Http404 from None
    response = HttpResponse(content, content_type=exports.CONTENT_TYPES[job.format])
    response["Content-Disposition"] = (
        f'attachment; filename="{exports.export_filename(job)}"'
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
