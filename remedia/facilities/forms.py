"""HTML forms of the facility registry's staff pages (shape only; rules are in services)."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.facilities.models import FacilityStatus

# --- Facility page: another name, status, merge ------------------------------------


class AliasForm(forms.Form):
    name = forms.CharField(
        label=_("Otro nombre"),
        max_length=255,
        help_text=_("Como lo llaman las trabajadoras, una marca o un padrón."),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Situación"),
        choices=[
            (FacilityStatus.ACTIVE.value, FacilityStatus.ACTIVE.label),
            (FacilityStatus.CLOSED.value, FacilityStatus.CLOSED.label),
            (FacilityStatus.MOVED.value, FacilityStatus.MOVED.label),
        ],
    )


class MergeKeep(models.TextChoices):
    THIS = "this", _("Este registro")
    OTHER = "other", _("El otro registro")


class MergeForm(forms.Form):
    other = forms.CharField(
        label=_("Identificador público del otro registro"),
        max_length=20,
        help_text=_("Por ejemplo FAC-7K2M9QX4; lo encuentra en la lista de centros."),
    )
    keep = forms.ChoiceField(
        label=_("¿Cuál se queda?"),
        choices=MergeKeep.choices,
        initial=MergeKeep.THIS,
        widget=forms.RadioSelect,
        help_text=_(
            "El otro pasa a «fusionado»: sus nombres, otros nombres y denuncias "
            "pasan al que se queda, y su enlace lleva a él."
        ),
    )
    confirm = forms.BooleanField(
        label=_("Confirmo que los dos registros son el mismo centro de trabajo."),
        required=True,
    )


# --- Import of a facility list --------------------------------------------------------

IMPORT_MAX_MB = 30
IMPORT_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")


class ImportUploadHandler(FileUploadHandler):
    """Keeps an uploaded facility list in memory up to IMPORT_MAX_MB.

    Past the limit it keeps nothing and marks the file `too_large`, so the form
    can say so; no file reaches the disk (a list is not reporter data, but the
    site's rule is that uploads do not linger there).
    """

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.size = 0
        self.too_large = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.size += len(raw_data)
        if self.size > IMPORT_MAX_MB * 1024 * 1024:
            self.too_large = True
            self.buffer = io.BytesIO()
        elif not self.too_large:
            self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        uploaded = InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            # The real size, so that the form says "too large", not "empty".
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
        uploaded.too_large = self.too_large  # type: ignore[attr-defined]
        return uploaded


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Archivo CSV o XLSX"),
        help_text=_(
            "Primera fila con los nombres de las columnas. Obligatorias: name (o "
            "nombre) y state (o estado: código como MX-PUE o el nombre). Opcionales: "
            "legal_name (razon_social), address (direccion), municipality "
            "(municipio), sector, workers (trabajadores), os_id, external_id, lat, "
            "lng."
        ),
        error_messages={
            "required": _("Elija el archivo CSV o XLSX que quiere importar."),
            "empty": _("El archivo está vacío."),
        },
    )
    dry_run = forms.BooleanField(
        label=_("Solo revisar: mostrar lo que pasaría, sin guardar nada"),
        required=False,
        initial=True,
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith(IMPORT_SUFFIXES):
            raise forms.ValidationError(
                _("Solo se pueden importar archivos CSV o XLSX (Excel).")
            )
        if getattr(upload, "too_large", False) or (
            upload.size > IMPORT_MAX_MB * 1024 * 1024
        ):
            raise forms.ValidationError(
                _("El archivo pesa más de %(mb)d MB; divídalo en partes.")
                % {"mb": IMPORT_MAX_MB}
            )
        if not upload.size:
            raise forms.ValidationError(_("El archivo está vacío."))
        return upload
