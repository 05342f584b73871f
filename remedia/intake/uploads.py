"""Uploads: held in memory, bounded per file, per request and per body.

Django's default would spill large files to a temporary file on disk, in plain.
`BoundedMemoryUploadHandler` never writes to disk; a file over the limit is kept
as an empty marker (`too_large`), so the form can say which file was refused
and keep the rest of the report, instead of failing the whole request. Past
`MAX_FILES` files in one request it keeps no more bytes at all: the intake then
says "up to 5 files" without having held the extra ones.

`UploadBoundsMiddleware` refuses, before the body is read, a request whose
declared length is more than a report may carry (`REMEDIA_REQUEST_MAX_BYTES`),
and answers a request with more file parts than `DATA_UPLOAD_MAX_NUMBER_FILES`
on the worker's pages and the intake API with a clear 400/422 in the worker's
language (Django would stop at the same count, but with a bare 400 page).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import TooManyFilesSent
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from remedia.core.files import MAX_BYTES, MAX_FILES


class BoundedMemoryUploadHandler(FileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.size = 0
        self.too_large = False
        # Counted on the request, which one handler instance serves.
        self.ordinal = getattr(self, "ordinal", 0) + 1
        self.kept = self.ordinal <= MAX_FILES

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.size += len(raw_data)
        if self.size > MAX_BYTES:
            self.too_large = True
            self.buffer = io.BytesIO()
        elif not self.too_large and self.kept:
            self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        # One buffer, handed on as it is: `read()` of a whole fresh BytesIO
        # made from bytes gives those bytes back without another copy.
        data = b"" if self.too_large or not self.kept else self.buffer.getvalue()
        self.buffer = io.BytesIO()
        uploaded = InMemoryUploadedFile(
            file=io.BytesIO(data),
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=0 if self.too_large else file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
        uploaded.too_large = self.too_large  # type: ignore[attr-defined]
        return uploaded


def _too_many_reason() -> str:
    return _("Puede adjuntar hasta %(n)s archivos.") % {"n": MAX_FILES}


def _too_heavy_reason() -> str:
    return _(
        "Lo que envió pesa demasiado: hasta %(n)s archivos de %(mb)s MB cada uno. "
        "Vuelva atrás y elija menos archivos o más ligeros."
    ) % {"n": MAX_FILES, "mb": MAX_BYTES // (1024 * 1024)}


class UploadBoundsMiddleware:
    """Refuse oversized bodies and too many files before anything is read.

    Placed after the locale middleware (the answer is in the worker's
    language) and before everything that reads the body (CSRF reads it).
    """

    API_PREFIX = "/api/"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._parsed_here: tuple[str, ...] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REMEDIA_REQUEST_MAX_BYTES:
            return self._refuse(request, 413, _too_heavy_reason())
        if (
            request.method == "POST"
            and request.content_type == "multipart/form-data"
            and request.path_info.startswith(self._paths())
        ):
            # Parsed here rather than in the CSRF check, so that too many files
            # get an answer that says so; these views keep the default handlers.
            try:
                request.FILES  # noqa: B018
            except TooManyFilesSent:
                return self._refuse(request, 400, _too_many_reason())
        return self.get_response(request)

    def _paths(self) -> tuple[str, ...]:
        """The worker's pages and the intake API, which take a report's files."""
        if self._parsed_here is None:
            self._parsed_here = (
                reverse("intake:report"),
                reverse("intake:followup"),
                reverse("intake:inbox"),
                f"{self.API_PREFIX}v1/intake/",
            )
        return self._parsed_here

    def _refuse(self, request: HttpRequest, status: int, reason: str) -> HttpResponse:
        if request.path_info.startswith(self.API_PREFIX):
            if status == 400:
                # The same shape as the intake's own refusal of a sixth file.
                return JsonResponse(
                    {
                        "detail": _("Hay datos que no son válidos."),
                        "errors": [{"field": "attachments", "reason": reason}],
                    },
                    status=422,
                )
            return JsonResponse({"detail": reason}, status=status)
        if request.path_info.startswith("/hooks/"):
            return HttpResponse(reason, status=status, content_type="text/plain")
        return render(
            request,
            "intake/upload_refused.html",
            {"status": status, "reason": reason},
            status=status,
        )
