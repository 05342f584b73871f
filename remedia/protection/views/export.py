"""The de-identified export page, for protection leads.

`/staff/proteccion/exportar/` shows the form (k, the year range, the
trafficking status, the format); submitted (GET), it shows how many files
qualify and how many rows k holds back, with the download link
(`exportar/descargar/`, the same query). Anyone who does not supervise
protection somewhere gets a 404, as for any page of a role they lack.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.core.errors import ApplicationError
from remedia.core.forms import errors_onto
from remedia.core.hooks import NavItem
from remedia.core.kit import capability_require
from remedia.core.kit import request_user as _user
from remedia.protection.deidentify import COLUMNS, K_MAX, K_MIN
from remedia.protection.services.export import (
    ExportFormat,
    ExportSummary,
    export_make,
    export_preview,
)
from remedia.protection.vocabulary import TraffickingStatus

_NUMBER = {"inputmode": "numeric"}


class ExportForm(forms.Form):
    """The export's parameters; the service checks their rules."""

    k = forms.IntegerField(
        label=_("k: expedientes que debe compartir cada fila"),
        help_text=_(
            "Una fila sale solo si al menos k expedientes tienen exactamente los "
            "mismos valores. 11 es el valor de CTDC; el mínimo es 2."
        ),
        error_messages={
            "required": _("Escriba k."),
            "invalid": _("Escriba k como número entero."),
        },
        widget=forms.NumberInput(attrs={**_NUMBER, "min": K_MIN, "max": K_MAX}),
    )
    year_from = forms.IntegerField(
        label=_("Desde el año"),
        required=False,
        error_messages={"invalid": _("Escriba el año con cuatro cifras.")},
        widget=forms.NumberInput(attrs=_NUMBER),
    )
    year_to = forms.IntegerField(
        label=_("Hasta el año"),
        required=False,
        error_messages={"invalid": _("Escriba el año con cuatro cifras.")},
        widget=forms.NumberInput(attrs=_NUMBER),
    )
    trafficking_status = forms.ChoiceField(
        label=_("Situación de trata"),
        required=False,
        choices=[("", _("Todas")), *TraffickingStatus.choices],
        error_messages={"invalid_choice": _("Situación desconocida.")},
    )
    format = forms.ChoiceField(
        label=_("Formato"),
        choices=ExportFormat.choices,
        initial=ExportFormat.CSV,
        error_messages={
            "required": _("Elija CSV o XLSX."),
            "invalid_choice": _("Elija CSV o XLSX."),
        },
        widget=forms.RadioSelect,
    )


def export_nav(request: HttpRequest) -> NavItem | None:
    """The staff menu entry, for protection leads."""
    if not user_can(user=request.user, capability=Capability.PROTECTION_SUPERVISE):
        return None
    return NavItem(
        label=_("Exportación anonimizada"),
        url=reverse("protection:export"),
        order=55,
    )


def _raw(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "k": data["k"],
        "year_from": data.get("year_from"),
        "year_to": data.get("year_to"),
        "trafficking_status": data.get("trafficking_status") or "",
        "file_format": data.get("format") or ExportFormat.CSV,
    }


def _page(
    request: HttpRequest,
    form: ExportForm,
    summary: ExportSummary | None = None,
) -> HttpResponse:
    return render(
        request,
        "protection/export.html",
        {
            "form": form,
            "summary": summary,
            "columns": COLUMNS,
            "download_url": reverse("protection:export_download")
            + "?"
            + request.GET.urlencode(),
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_GET
@never_cache
def export_view(request: HttpRequest) -> HttpResponse:
    capability_require(request, Capability.PROTECTION_SUPERVISE)
    if "k" not in request.GET:
        return _page(
            request,
            ExportForm(
                initial={"k": settings.REMEDIA_EXPORT_K, "format": ExportFormat.CSV}
            ),
        )
    form = ExportForm(request.GET)
    summary = None
    if form.is_valid():
        try:
            summary = export_preview(user=_user(request), **_raw(form.cleaned_data))
        except ApplicationError as exc:
            errors_onto(form, exc)
    return _page(request, form, summary)


@login_required
@require_GET
@never_cache
def export_download_view(request: HttpRequest) -> HttpResponse:
    capability_require(request, Capability.PROTECTION_SUPERVISE)
    form = ExportForm(request.GET)
    if form.is_valid():
        try:
            export = export_make(user=_user(request), **_raw(form.cleaned_data))
        except ApplicationError as exc:
            errors_onto(form, exc)
        else:
            response = HttpResponse(export.content, content_type=export.content_type)
            response["Content-Disposition"] = content_disposition_header(
                as_attachment=True, filename=export.filename
            )
            response["Cache-Control"] = "no-store"
            return response
    return _page(request, form)
