from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.core.choices import ChoiceLabels


class BaseModel(ChoiceLabels, models.Model):
    """Every domain model: a UUID key for URLs and timestamps for audits."""

    id = models.UUIDField(
        primary_key=True,
        default=uuid.uuid4,
        editable=False,
        help_text=_("Identificador estable que aparece en URL y en la API."),
    )
    created_at = models.DateTimeField(
        auto_now_add=True, db_index=True, help_text=_("Cuándo se creó el registro.")
    )
    updated_at = models.DateTimeField(
        auto_now=True, help_text=_("Cuándo se modificó el registro por última vez.")
    )

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """One line of the append-only audit log.

    A request writes the entry with a sequence number of its own (a database
    sequence on PostgreSQL, so no two requests wait on each other) and `digest`
    set to an HMAC over its fields and that number, keyed by a key derived from
    the secret key. The worker later seals entries into the hash chain
    (`AuditLink`); `remedia audit-verify` seals first, then checks both. Entries
    up to `AuditHead.legacy_seq` were chained one by one when written
    (`prev_digest` set) and are verified that way. Database triggers refuse
    updates and deletes; verification catches whoever removes the triggers.
    """

    seq = models.BigIntegerField(
        primary_key=True, help_text=_("Número de secuencia; puede tener huecos.")
    )
    at = models.DateTimeField(help_text=_("Momento del hecho registrado."))
    actor_id = models.CharField(
        max_length=64,
        blank=True,
        help_text=_("Identificador del usuario que actuó; vacío si fue anónimo."),
    )
    actor_label = models.CharField(
        max_length=150,
        blank=True,
        help_text=_("Nombre de usuario o sistema en el momento del hecho."),
    )
    organisation_id = models.CharField(
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Organización en cuyo nombre se actuó, si aplica."),
    )
    action = models.CharField(
        max_length=64, db_index=True, help_text=_("Qué ocurrió, p. ej. report.read.")
    )
    object_type = models.CharField(
        max_length=64, blank=True, help_text=_("Tipo del objeto afectado.")
    )
    object_id = models.CharField(
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Identificador del objeto afectado."),
    )
    data = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Detalles no sensibles; nunca contenido de denuncias."),
    )
    prev_digest = models.CharField(
        max_length=64,
        blank=True,
        help_text=_("Resumen de la entrada anterior (solo en entradas antiguas)."),
    )
    digest = models.CharField(
        max_length=64, unique=True, help_text=_("HMAC-SHA256 de esta entrada.")
    )

    class Meta:
        ordering = ["seq"]
        verbose_name = _("entrada de auditoría")
        verbose_name_plural = _("bitácora de auditoría")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class AuditHead(models.Model):
    """The chain's tip, one row, locked by the sealer only (never by a request).

    `seq`: every entry up to it is sealed or recorded as skipped; `digest`: the
    last link's digest; `position`: the number of links; `legacy_seq`: the last
    entry chained the old way (one by one, when written).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0, help_text=_("Última posición escrita."))
    digest = models.CharField(
        max_length=64, default="0" * 64, help_text=_("Resumen de la última entrada.")
    )
    position = models.BigIntegerField(
        default=0, help_text=_("Número de eslabones sellados.")
    )
    legacy_seq = models.BigIntegerField(
        default=0, help_text=_("Última entrada encadenada al escribirse.")
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_head_single")
        ]
        verbose_name = _("punta de la bitácora")

    def __str__(self) -> str:
        return f"audit head #{self.seq}"


class AuditLink(models.Model):
    """One link of the sealed hash chain: an entry, a late entry, or skipped numbers.

    `digest` is an HMAC over the link's fields and the previous link's digest;
    an entry's link also binds the entry's own HMAC, so its content is chained.
    """

    KIND_ENTRY = "entry"
    KIND_GAP = "gap"
    KIND_LATE = "late"

    position = models.BigIntegerField(
        primary_key=True, help_text=_("Posición en la cadena, sin huecos.")
    )
    kind = models.CharField(
        max_length=8, help_text=_("Entrada, hueco o entrada tardía.")
    )
    seq = models.BigIntegerField(
        db_index=True, help_text=_("Primera entrada cubierta.")
    )
    seq_last = models.BigIntegerField(help_text=_("Última entrada cubierta."))
    entry_mac = models.CharField(
        max_length=64, blank=True, help_text=_("HMAC de la entrada sellada.")
    )
    at = models.DateTimeField(help_text=_("Momento del sellado."))
    prev_digest = models.CharField(
        max_length=64, help_text=_("Resumen del eslabón anterior.")
    )
    digest = models.CharField(
        max_length=64, unique=True, help_text=_("HMAC-SHA256 de este eslabón.")
    )

    class Meta:
        ordering = ["position"]
        verbose_name = _("eslabón de auditoría")
        verbose_name_plural = _("cadena de auditoría")

    def __str__(self) -> str:
        return f"audit link #{self.position} ({self.kind} {self.seq})"


class DeferredJob(models.Model):
    """A job the queue could not take when it was queued (Redis down): kept here.

    `core.tasks.deferred_jobs_requeue` queues it once the queue answers again.
    The payload is the queue's own serialised job (its arguments are ids).
    """

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    name = models.CharField(max_length=200, help_text=_("Nombre del trabajo."))
    payload = models.BinaryField(help_text=_("El trabajo tal como lo guarda la cola."))
    priority = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("trabajo pendiente de encolar")

    def __str__(self) -> str:
        return f"{self.name} ({self.created_at:%Y-%m-%d %H:%M})"


class JobState(models.TextChoices):
    QUEUED = "queued", _("en cola")
    RUNNING = "running", _("en curso")
    DONE = "done", _("terminado")
    FAILED = "failed", _("fallido")


class JobRecord(ChoiceLabels, models.Model):
    """One queued job, from its queuing until it ends: what the queue forgets.

    The queue (Redis or the SQLite file) hands a job to the worker by removing
    it, so a worker killed while running it would lose it. This row outlives
    that: the worker marks it running (with who runs it) before it starts and
    done when it ends; `remedia worker` puts back in the queue the jobs left
    running by a worker that died, and those queued long ago that the queue
    lost (remedia/core/jobqueue.py). The payload is the queue's own serialised
    job (its arguments are ids).
    """

    id = models.CharField(primary_key=True, max_length=64)
    name = models.CharField(max_length=200, help_text=_("Nombre del trabajo."))
    payload = models.BinaryField(help_text=_("El trabajo tal como lo guarda la cola."))
    priority = models.IntegerField(default=0)
    state = models.CharField(
        max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    owner = models.CharField(
        max_length=200, blank=True, help_text=_("El proceso que lo ejecuta.")
    )
    attempts = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField(db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("trabajo en cola")
        indexes = [models.Index(fields=["state", "queued_at"], name="job_state_queued")]

    def __str__(self) -> str:
        return f"{self.name} ({self.state})"


class ExportJob(BaseModel):
    """A large export made by the worker, for the one person who asked for it.

    An app registers a producer by name (`core.exports.export_register`); the
    job runs it with `parameters`, writes the file (encrypted) under
    ``DATA_DIR/exports/`` and keeps it until `expires_at`. Only `requested_by`
    sees the job or downloads the file (docs/security.md).
    """

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class Status(models.TextChoices):
        QUEUED = "queued", _("en espera")
        RUNNING = "running", _("en curso")
        DONE = "done", _("lista")
        FAILED = "failed", _("falló")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="export_jobs",
        help_text=_("Quien pidió la exportación: la única persona que la ve."),
    )
    name = models.CharField(
        max_length=100, help_text=_("El nombre con que la app registró la exportación.")
    )
    format = models.CharField(max_length=4, choices=Format.choices)
    parameters = models.JSONField(
        default=dict, blank=True, help_text=_("Los filtros de la exportación.")
    )
    language = models.CharField(max_length=10, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(
        default=0, help_text=_("0 mientras no se sabe cuántas filas serán.")
    )
    error = models.CharField(
        max_length=20, blank=True, help_text=_("Por qué falló (un código).")
    )
    file = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("El archivo cifrado bajo DATA_DIR/exports/, mientras se guarda."),
    )
    size = models.PositiveBigIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("exportación")
        verbose_name_plural = _("exportaciones")
        indexes = [models.Index(fields=["requested_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name}.{self.format} ({self.status})"


class IdempotentRequest(models.Model):
    """One `Idempotency-Key` a caller sent with a POST to the API, for 24 hours.

    Only keyed hashes and a sealed answer: the caller is an HMAC of the
    credential presented (never a user id, never the credential), the key an
    HMAC of the key, the request an HMAC of its method, path and body. The
    answer (status and body) is encrypted under a key derived from the
    credential and the key, which are never stored: only the same caller
    sending the same key can read it back (core/idempotency.py,
    docs/security.md). While the first request runs, `status_code` is null.
    """

    id = models.BigAutoField(primary_key=True)
    caller_hash = models.CharField(
        max_length=64, help_text=_("HMAC de la credencial presentada.")
    )
    key_hash = models.CharField(
        max_length=64, help_text=_("HMAC de la clave de idempotencia.")
    )
    request_hash = models.CharField(
        max_length=64, help_text=_("HMAC del método, la ruta y el cuerpo.")
    )
    status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Vacío mientras la primera petición corre.")
    )
    content_type = models.CharField(max_length=100, blank=True)
    sealed_body = models.BinaryField(
        null=True, blank=True, help_text=_("La respuesta, cifrada para quien la pidió.")
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("petición idempotente")
        verbose_name_plural = _("peticiones idempotentes")
        constraints = [
            models.UniqueConstraint(
                fields=["caller_hash", "key_hash"], name="idempotency_caller_key"
            )
        ]

    def __str__(self) -> str:
        return f"idempotent request #{self.pk}"
