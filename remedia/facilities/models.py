from __future__ import annotations

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.core.geo import STATE_CHOICES
from remedia.core.models import BaseModel
from remedia.facilities.normalise import normalise_name

_PUBLIC_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U


def public_id_new() -> str:
    return "FAC-" + "".join(secrets.choice(_PUBLIC_ID_ALPHABET) for _i in range(8))


class FacilityStatus(models.TextChoices):
    ACTIVE = "active", _("En operación")
    CLOSED = "closed", _("Cerrado")
    MOVED = "moved", _("Se mudó")
    MERGED = "merged", _("Fusionado con otro registro")


class Facility(BaseModel):
    """A workplace: a garment factory, a workshop, a plant (PRODUCT.md, C1)."""

    public_id = models.CharField(
        _("identificador público"),
        max_length=16,
        unique=True,
        default=public_id_new,
        editable=False,
        help_text=_("Identificador estable para citar el centro fuera de Remedia."),
    )
    name = models.CharField(
        _("nombre"), max_length=255, help_text=_("Nombre con el que se le conoce.")
    )
    legal_name = models.CharField(
        _("razón social"),
        max_length=255,
        blank=True,
        help_text=_("Razón social de la empresa que opera el centro."),
    )
    address = models.CharField(
        _("dirección"),
        max_length=500,
        blank=True,
        help_text=_("Calle, número, colonia."),
    )
    municipality = models.CharField(
        _("municipio"), max_length=120, blank=True, help_text=_("Municipio o alcaldía.")
    )
    state = models.CharField(
        _("estado"),
        max_length=6,
        choices=STATE_CHOICES,
        db_index=True,
        help_text=_("Estado, como código ISO 3166-2:MX (p. ej. MX-PUE)."),
    )
    sector = models.CharField(
        _("sector"),
        max_length=120,
        blank=True,
        default="",
        help_text=_("Rama de actividad, p. ej. confección de prendas de vestir."),
    )
    workers = models.PositiveIntegerField(
        _("personas trabajadoras"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(1_000_000)],
        help_text=_("Número aproximado de personas que trabajan ahí."),
    )
    unions = models.CharField(
        _("sindicatos"),
        max_length=500,
        blank=True,
        help_text=_("Sindicatos con contrato o presencia en el centro."),
    )
    employer_group = models.CharField(
        _("grupo empresarial"),
        max_length=255,
        blank=True,
        help_text=_("Grupo o marca a la que pertenece la empresa."),
    )
    os_id = models.CharField(
        _("ID de Open Supply Hub"),
        max_length=32,
        blank=True,
        db_index=True,
        help_text=_("Identificador en Open Supply Hub, si se conoce."),
    )
    external_id = models.CharField(
        _("ID externo"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Identificador en la lista de origen (padrón, proveedor)."),
    )
    lat = models.DecimalField(
        _("latitud"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text=_("Latitud WGS84."),
    )
    lng = models.DecimalField(
        _("longitud"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        help_text=_("Longitud WGS84."),
    )
    status = models.CharField(
        _("situación"),
        max_length=10,
        choices=FacilityStatus.choices,
        default=FacilityStatus.ACTIVE,
        help_text=_(
            "Si el centro opera, cerró, se mudó o se fusionó con otro registro."
        ),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("fusionado con"),
        help_text=_("El registro que quedó cuando este resultó ser el mismo centro."),
    )
    field_sources = models.JSONField(
        default=dict,
        blank=True,
        help_text=_(
            "De dónde vino cada dato: {campo: {source, at}}, p. ej. una importación "
            "o un usuario."
        ),
    )
    name_key = models.CharField(
        max_length=255,
        db_index=True,
        editable=False,
        help_text=_("Nombre y razón social normalizados, para buscar y comparar."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("centro de trabajo")
        verbose_name_plural = _("centros de trabajo")
        indexes = [models.Index(fields=["state", "name_key"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        # A derived column, kept in step with the names wherever they are saved.
        names = [normalise_name(self.name), normalise_name(self.legal_name)]
        self.name_key = " ".join(dict.fromkeys(n for n in names if n))[:255]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class FacilityAlias(BaseModel):
    """Another name a facility is known by (a brand's list, how workers say it)."""

    facility = models.ForeignKey(
        Facility,
        on_delete=models.CASCADE,
        related_name="aliases",
        help_text=_("Centro al que se refiere el nombre."),
    )
    name = models.CharField(_("nombre"), max_length=255, help_text=_("Otro nombre."))
    name_key = models.CharField(
        max_length=255, db_index=True, help_text=_("El nombre, normalizado.")
    )
    source = models.CharField(
        _("origen"),
        max_length=120,
        blank=True,
        help_text=_("Importación, usuario o fusión que aportó el nombre."),
    )

    class Meta:
        verbose_name = _("otro nombre")
        verbose_name_plural = _("otros nombres")
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "name_key"], name="facility_alias_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class FacilitySearchToken(models.Model):
    """One significant word of a facility's names, for blocking search candidates."""

    facility = models.ForeignKey(
        Facility,
        on_delete=models.CASCADE,
        related_name="search_tokens",
        help_text=_("Centro."),
    )
    token = models.CharField(max_length=60, db_index=True, help_text=_("Palabra."))
    prefix = models.CharField(
        max_length=3, db_index=True, help_text=_("Primeras tres letras de la palabra.")
    )

    class Meta:
        verbose_name = _("palabra de búsqueda")
        verbose_name_plural = _("palabras de búsqueda")
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "token"], name="facility_search_token_unique"
            )
        ]

    def __str__(self) -> str:
        return self.token


class FacilityEventKind(models.TextChoices):
    CREATED = "created", _("Creado")
    UPDATED = "updated", _("Modificado")
    ALIAS_ADDED = "alias_added", _("Otro nombre agregado")
    MERGED = "merged", _("Fusionado")
    STATUS_CHANGED = "status_changed", _("Cambio de situación")


class FacilityEvent(BaseModel):
    """The history of a facility: who changed what, from which source."""

    facility = models.ForeignKey(
        Facility,
        on_delete=models.CASCADE,
        related_name="events",
        help_text=_("Centro."),
    )
    kind = models.CharField(
        max_length=20, choices=FacilityEventKind.choices, help_text=_("Qué pasó.")
    )
    actor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quién lo hizo; vacío para procesos automáticos."),
    )
    source = models.CharField(
        max_length=120, blank=True, help_text=_("Importación o vía del cambio.")
    )
    changes = models.JSONField(
        default=dict, blank=True, help_text=_("{campo: [antes, después]}.")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("evento del centro")
        verbose_name_plural = _("historia del centro")

    def __str__(self) -> str:
        return f"{self.kind} · {self.facility_id}"


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("En espera")
    RUNNING = "running", _("En proceso")
    DONE = "done", _("Terminada")
    FAILED = "failed", _("Rechazada")


class FacilityImport(BaseModel):
    """One file of facilities, imported whole or not at all."""

    file_name = models.CharField(max_length=255, help_text=_("Nombre del archivo."))
    file_sha256 = models.CharField(
        max_length=64, db_index=True, help_text=_("Huella del contenido.")
    )
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quién lo importó; vacío desde la línea de comandos."),
    )
    dry_run = models.BooleanField(
        default=False, help_text=_("Solo mostrar lo que pasaría, sin guardar nada.")
    )
    status = models.CharField(
        max_length=10,
        choices=ImportStatus.choices,
        default=ImportStatus.PENDING,
        help_text=_("Avance."),
    )
    total_rows = models.PositiveIntegerField(default=0, help_text=_("Filas."))
    processed_rows = models.PositiveIntegerField(
        default=0, help_text=_("Filas revisadas hasta ahora.")
    )
    created_count = models.PositiveIntegerField(default=0, help_text=_("Creados."))
    matched_count = models.PositiveIntegerField(
        default=0, help_text=_("Ya existían y no cambiaron.")
    )
    updated_count = models.PositiveIntegerField(default=0, help_text=_("Actualizados."))
    review_count = models.PositiveIntegerField(
        default=0, help_text=_("Parecidos a uno existente: una persona decide.")
    )
    rejected_count = models.PositiveIntegerField(
        default=0, help_text=_("Filas con errores.")
    )
    errors = models.JSONField(
        default=list, blank=True, help_text=_("[{row, field, reason}] por fila.")
    )
    finished_at = models.DateTimeField(null=True, blank=True, help_text=_("Fin."))
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text=_(
            "Última señal de vida del proceso que la hace; si se calla, la "
            "importación se retoma o se marca como detenida."
        ),
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text=_("Veces que un proceso empezó esta importación.")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("importación de centros")
        verbose_name_plural = _("importaciones de centros")

    def __str__(self) -> str:
        return self.file_name


class FacilityImportFile(models.Model):
    """The uploaded file of a queued import, kept until the import ends, so
    that a worker that dies mid-way can be replaced and the import retried."""

    facility_import = models.OneToOneField(
        FacilityImport,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="file",
        help_text=_("Importación."),
    )
    data = models.BinaryField(help_text=_("El archivo tal como se subió."))
    created_at = models.DateTimeField(auto_now_add=True, help_text=_("Cuándo."))

    class Meta:
        verbose_name = _("archivo de importación")
        verbose_name_plural = _("archivos de importación")

    def __str__(self) -> str:
        return str(self.facility_import_id)


class ImportedRow(models.Model):
    """A row an import placed, by content: the same row, from any file, is
    recognised and changes nothing (importing.row_fingerprint)."""

    fingerprint = models.CharField(
        max_length=64,
        primary_key=True,
        help_text=_(
            "Huella del contenido de la fila (sin distinguir mayúsculas, acentos "
            "ni espacios)."
        ),
    )
    facility = models.ForeignKey(
        Facility,
        on_delete=models.CASCADE,
        related_name="imported_rows",
        help_text=_("El centro que es la fila."),
    )
    # No index but the key and the facility's: an import writes one row here
    # per row of its file, and nothing looks these up by import or date but
    # the once-per-import check of `importing.stale`.
    facility_import = models.ForeignKey(
        FacilityImport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        help_text=_("La importación que la colocó por primera vez."),
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text=_("Cuándo."))

    class Meta:
        verbose_name = _("fila importada")
        verbose_name_plural = _("filas importadas")

    def __str__(self) -> str:
        return self.fingerprint


class CandidateStatus(models.TextChoices):
    PENDING = "pending", _("Por decidir")
    CONFIRMED = "confirmed", _("Es el mismo centro")
    REJECTED = "rejected", _("Es otro centro")


class FacilityMatchCandidate(BaseModel):
    """The review queue: an incoming record that may be an existing facility."""

    facility_import = models.ForeignKey(
        FacilityImport,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="candidates",
        help_text=_("Importación de la que viene el registro."),
    )
    row_number = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Fila del archivo.")
    )
    record = models.JSONField(help_text=_("Los datos del registro entrante."))
    facility = models.ForeignKey(
        Facility,
        on_delete=models.CASCADE,
        related_name="match_candidates",
        help_text=_("Centro existente al que se parece."),
    )
    score = models.FloatField(help_text=_("Parecido de 0 a 1."))
    status = models.CharField(
        max_length=10,
        choices=CandidateStatus.choices,
        default=CandidateStatus.PENDING,
        db_index=True,
        help_text=_("Decisión."),
    )
    decided_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quién decidió."),
    )
    decided_at = models.DateTimeField(null=True, blank=True, help_text=_("Cuándo."))

    class Meta:
        ordering = ["-score"]
        verbose_name = _("posible coincidencia")
        verbose_name_plural = _("posibles coincidencias")

    def __str__(self) -> str:
        return f"{self.record.get('name', '')} ~ {self.facility_id} ({self.score:.2f})"


class MatchDecision(BaseModel):
    """A person's decision, remembered: this record key is (or is not) that facility."""

    key = models.CharField(
        max_length=400,
        unique=True,
        help_text=_("Nombre, municipio y estado normalizados del registro entrante."),
    )
    facility = models.ForeignKey(
        Facility,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="match_decisions",
        help_text=_("El centro que es; vacío si se decidió que es uno nuevo."),
    )
    decided_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quién decidió."),
    )

    class Meta:
        verbose_name = _("decisión de coincidencia")
        verbose_name_plural = _("decisiones de coincidencia")

    def __str__(self) -> str:
        return self.key
