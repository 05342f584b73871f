"""Reports, their routing, keys, messages and attachments.

Nothing here holds what a reporter said in plain text: narrative, facility as
typed, messages, attachment names and bytes are ciphertext sealed to the
report's own public key. Metadata needed for triage and statistics (channel,
categories, state, facility picked from the registry, dates, status, urgency)
stays in plain columns so it can be queried.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.core.choices import ChoiceLabels
from remedia.core.geo import STATE_CHOICES
from remedia.core.models import BaseModel
from remedia.core.sealed import SealedDocument, SealedKeyGrant, grant_constraints
from remedia.facilities.models import Facility
from remedia.intake.categories import Category


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    VOICE = "voice", _("Teléfono")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    EMAIL = "email", _("Correo electrónico")
    # A report another organisation's hotline took and handed in through the
    # API with a partner token (`reports:submit`).
    PARTNER = "partner", _("Línea aliada")


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("Recibida")
    ACKNOWLEDGED = "acknowledged", _("Acusada de recibo")
    IN_REVIEW = "in_review", _("En revisión")
    CLOSED = "closed", _("Cerrada")


class IntakeConfiguration(models.Model):
    """Site-wide intake settings, one row, edited in the admin."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    receipt_salt = models.BinaryField(
        help_text=_("Sal de Argon2id para los recibos; se crea una vez y no cambia.")
    )
    default_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organización por defecto"),
        help_text=_(
            "Recibe las denuncias que ninguna regla de ruteo asigna, para que "
            "ninguna quede sin quien la lea."
        ),
    )
    retention_days = models.PositiveIntegerField(
        _("conservación (días)"),
        default=730,
        help_text=_(
            "Días tras el cierre de una denuncia antes de destruirla con sus llaves."
        ),
    )

    class Meta:
        verbose_name = _("configuración de denuncias")
        verbose_name_plural = _("configuración de denuncias")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1), name="intake_config_single"
            )
        ]

    def __str__(self) -> str:
        return str(_("Configuración de denuncias"))


class RoutePurpose(models.TextChoices):
    LABOUR_RIGHTS = "labour_rights", _("Derechos laborales")
    PROTECTION = "protection", _("Protección (trabajo infantil, forzoso, trata)")


class RoutingRule(BaseModel):
    """Which organisation reads reports of a state and category (admin-editable)."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        verbose_name=_("organización"),
        help_text=_("Organización que recibe las denuncias que cumplen la regla."),
    )
    purpose = models.CharField(
        _("propósito"),
        max_length=20,
        choices=RoutePurpose.choices,
        default=RoutePurpose.LABOUR_RIGHTS,
        help_text=_(
            "Protección: solo denuncias con trabajo infantil, trabajo forzoso o trata."
        ),
    )
    state = models.CharField(
        _("estado"),
        max_length=6,
        choices=STATE_CHOICES,
        blank=True,
        help_text=_("Vacío: cualquier estado."),
    )
    category = models.CharField(
        _("categoría"),
        max_length=32,
        choices=Category.choices,
        blank=True,
        help_text=_("Vacío: cualquier categoría."),
    )
    is_active = models.BooleanField(
        _("activa"), default=True, help_text=_("Regla en uso.")
    )

    class Meta:
        ordering = ["state", "category"]
        verbose_name = _("regla de ruteo")
        verbose_name_plural = _("reglas de ruteo")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "purpose", "state", "category"],
                name="routing_rule_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.state or '*'} / {self.category or '*'} → {self.organisation}"


class Report(BaseModel):
    """One report by one anonymous worker, on any channel."""

    channel = models.CharField(
        _("canal"),
        max_length=10,
        choices=Channel.choices,
        help_text=_("Por dónde llegó."),
    )
    language = models.CharField(
        _("idioma"),
        max_length=8,
        default="es",
        help_text=_("Idioma de quien denuncia."),
    )
    state = models.CharField(
        _("estado"),
        max_length=6,
        choices=STATE_CHOICES,
        db_index=True,
        help_text=_("Estado donde ocurrió, código ISO 3166-2:MX."),
    )
    facility = models.ForeignKey(
        Facility,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("centro de trabajo"),
        help_text=_("Centro del padrón elegido por quien denuncia o por el personal."),
    )
    occurred_on = models.DateField(
        _("fecha de los hechos"), null=True, blank=True, help_text=_("Si se indicó.")
    )
    urgent = models.BooleanField(
        _("urgente"),
        default=False,
        db_index=True,
        help_text=_("Trabajo infantil, trabajo forzoso o trata."),
    )
    status = models.CharField(
        _("estado de atención"),
        max_length=16,
        choices=ReportStatus.choices,
        default=ReportStatus.RECEIVED,
        db_index=True,
        help_text=_("Lo que ve quien denuncia."),
    )
    acknowledged_at = models.DateTimeField(
        _("acusada de recibo"), null=True, blank=True, help_text=_("Primer acuse.")
    )
    closed_at = models.DateTimeField(
        _("cerrada"), null=True, blank=True, help_text=_("Cuándo se cerró.")
    )
    routed_by_default = models.BooleanField(
        _("ruteada por defecto"),
        default=False,
        help_text=_("Ninguna regla la asignó; fue a la organización por defecto."),
    )
    public_key = models.BinaryField(help_text=_("Llave pública de la denuncia."))
    content = models.BinaryField(
        help_text=_("Relato, centro escrito y demás texto, sellado a la llave pública.")
    )
    receipt_lookup = models.BinaryField(
        unique=True,
        help_text=_("Mitad almacenable del Argon2id del recibo; nunca el recibo."),
    )
    reporter_wrapped_key = models.BinaryField(
        help_text=_("Llave privada de la denuncia cifrada con la llave del recibo.")
    )
    reporter_last_seen_on = models.DateField(
        null=True,
        blank=True,
        help_text=_("Último día (no hora) en que quien denuncia consultó."),
    )
    # A worker who reported by SMS, WhatsApp or email and chose to hear back
    # that way: the channel in the clear (to know a reply can be sent), the
    # number or address sealed to the report's public key like the narrative,
    # so only someone who can open the report (a handler, at the moment of
    # replying) can read it. Empty: replies wait for the worker to ask.
    reply_channel = models.CharField(
        _("canal de respuesta"),
        max_length=16,
        choices=Channel.choices,
        blank=True,
        help_text=_("Canal por el que quien denuncia pidió recibir respuestas."),
    )
    reply_contact = models.BinaryField(
        null=True,
        blank=True,
        help_text=_("Número o correo para responder, sellado a la llave pública."),
    )
    # Which partner organisation handed the report in, and the name of its
    # channel (a hotline's). Nothing about the caller is accepted or kept.
    partner_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organización aliada"),
        help_text=_("Organización aliada que entregó la denuncia por la API."),
    )
    partner_channel = models.CharField(
        _("canal de la organización aliada"),
        max_length=100,
        blank=True,
        help_text=_("Nombre del canal por el que la recibió (p. ej., su línea)."),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("denuncia")
        verbose_name_plural = _("denuncias")
        indexes = [
            models.Index(fields=["status", "urgent", "created_at"]),
            # The inbox's order: urgent first, newest first.
            models.Index(fields=["-urgent", "-created_at"], name="report_inbox_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.created_at:%Y-%m-%d}"

    @property
    def category_labels(self) -> str:
        """The report's categories in the reader's language, "; " between
        them: what every list and panel shows of them, read from
        `category_rows` (prefetched by the lists; one query otherwise)."""
        return "; ".join(row.get_code_display() for row in self.category_rows.all())


class CategoryRow(ChoiceLabels, models.Model):
    """One category of a report or of a record made from reports (a case).

    The concrete model adds the foreign key to its record and a unique
    constraint on (record, code).
    """

    code = models.CharField(
        max_length=32,
        choices=Category.choices,
        db_index=True,
        help_text=_("Categoría."),
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.code


class ReportCategory(CategoryRow):
    report = models.ForeignKey(
        Report,
        on_delete=models.CASCADE,
        related_name="category_rows",
        help_text=_("Denuncia."),
    )

    class Meta:
        verbose_name = _("categoría de denuncia")
        verbose_name_plural = _("categorías de denuncia")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "code"], name="report_category_unique"
            )
        ]


class ReportRecipient(ChoiceLabels, models.Model):
    """An organisation a report was routed to; its entitled members may read it."""

    report = models.ForeignKey(
        Report,
        on_delete=models.CASCADE,
        related_name="recipients",
        help_text=_("Denuncia."),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="received_reports",
        help_text=_("Organización destinataria."),
    )
    purpose = models.CharField(
        max_length=20,
        choices=[*RoutePurpose.choices, ("default", _("Por defecto"))],
        help_text=_("Por qué la recibió."),
    )

    class Meta:
        verbose_name = _("destinataria")
        verbose_name_plural = _("destinatarias")
        # Scoping starts from the organisation: "reports routed to mine".
        indexes = [models.Index(fields=["organisation", "report"])]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "organisation"], name="report_recipient_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report_id} → {self.organisation_id}"


class ReportKeyGrant(SealedKeyGrant):
    """The report's private key sealed to one user's or one escrow public key."""

    report = models.ForeignKey(
        Report,
        on_delete=models.CASCADE,
        related_name="key_grants",
        help_text=_("Denuncia."),
    )

    class Meta:
        verbose_name = _("acceso cifrado")
        verbose_name_plural = _("accesos cifrados")
        constraints = grant_constraints(
            owner="report",
            user_name="grant_report_user",
            escrow_name="grant_report_escrow",
            xor_name="grant_user_xor_escrow",
        )

    def __str__(self) -> str:
        return f"grant {self.report_id}"


class AuthorKind(models.TextChoices):
    REPORTER = "reporter", _("Quien denuncia")
    STAFF = "staff", _("Personal")


class Message(BaseModel):
    """One message between the reporter and the staff, sealed to the report's key."""

    report = models.ForeignKey(
        Report,
        on_delete=models.CASCADE,
        related_name="messages",
        help_text=_("Denuncia."),
    )
    author_kind = models.CharField(
        max_length=10, choices=AuthorKind.choices, help_text=_("Quién escribió.")
    )
    author = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Integrante del personal que escribió; vacío para quien denuncia."),
    )
    author_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Organización del personal que escribió."),
    )
    content = models.BinaryField(
        help_text=_("Texto sellado a la llave de la denuncia.")
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("mensaje")
        verbose_name_plural = _("mensajes")

    def __str__(self) -> str:
        return f"{self.author_kind} · {self.created_at:%Y-%m-%d %H:%M}"


class Attachment(BaseModel, SealedDocument):
    """A file, cleaned of metadata, encrypted under its own key sealed to the report."""

    report = models.ForeignKey(
        Report,
        on_delete=models.CASCADE,
        related_name="attachments",
        help_text=_("Denuncia."),
    )
    message = models.ForeignKey(
        Message,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        help_text=_("Mensaje al que acompaña, si no llegó con la denuncia."),
    )
    author_kind = models.CharField(
        max_length=10, choices=AuthorKind.choices, help_text=_("Quién lo subió.")
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("adjunto")
        verbose_name_plural = _("adjuntos")
