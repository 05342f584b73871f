"""The victim file: one person, their sealed identity, and who may open it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.cases.models import Case
from remedia.core.geo import STATE_CHOICES
from remedia.core.models import BaseModel
from remedia.core.sealed import SealedKeyGrant, SealedNote, grant_constraints
from remedia.facilities.models import Facility
from remedia.intake.models import Report
from remedia.protection.vocabulary import (
    DecisionMaker,
    FileClosureReason,
    FileStatus,
    Gender,
    Recruitment,
    RiskLevel,
    TraffickingStatus,
)


class FileNumber(models.Model):
    """The last file number given in a year (one row per year, locked to count)."""

    year = models.PositiveSmallIntegerField(primary_key=True, help_text=_("Año."))
    last = models.PositiveIntegerField(default=0, help_text=_("Último número dado."))

    class Meta:
        verbose_name = _("numeración de expedientes")
        verbose_name_plural = _("numeración de expedientes")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class VictimFile(BaseModel):
    """One person a protection team assists.

    Who the person is (names, date of birth, contact, story) is sealed to the
    file's own key, granted only to the workers assigned to the file and the
    organisation's protection leads. The coded fields below stay readable by
    the server because the de-identified export and the figures count them;
    they say nothing that names the person, and the same access rule guards
    them as the sealed part.
    """

    number = models.CharField(
        _("número"),
        max_length=16,
        unique=True,
        help_text=_("Número del expediente, p. ej. EXP-2026-0007."),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="victim_files",
        verbose_name=_("organización"),
        help_text=_("Organización que lleva el expediente."),
    )
    public_key = models.BinaryField(help_text=_("Llave pública del expediente."))
    identity = models.BinaryField(
        help_text=_("Nombre, fecha de nacimiento, contacto e historia, sellados.")
    )
    status = models.CharField(
        _("estado"),
        max_length=16,
        choices=FileStatus.choices,
        default=FileStatus.ACTIVE,
        help_text=_("Etapa del expediente (HTCDS cas_Status)."),
    )
    closure_reason = models.CharField(
        _("motivo de cierre"),
        max_length=24,
        choices=FileClosureReason.choices,
        blank=True,
        help_text=_("Obligatorio al cerrar."),
    )
    identified_on = models.DateField(
        _("fecha de identificación"), help_text=_("Cuándo se identificó el caso.")
    )
    age_at_identification = models.PositiveSmallIntegerField(
        _("edad al identificarse"),
        null=True,
        blank=True,
        help_text=_("Años cumplidos; vacío si no se sabe."),
    )
    gender = models.CharField(
        _("género"),
        max_length=16,
        choices=Gender.choices,
        default=Gender.UNKNOWN,
        help_text=_("HTCDS prs_Gender."),
    )
    citizenship = models.CharField(
        _("nacionalidad"),
        max_length=2,
        blank=True,
        help_text=_("Código de país ISO 3166-1 (MX, GT, HN...)."),
    )
    trafficking_status = models.CharField(
        _("situación de trata"),
        max_length=16,
        choices=TraffickingStatus.choices,
        default=TraffickingStatus.UNDETERMINED,
        help_text=_("Posible, confirmada o descartada, y por quién."),
    )
    trafficking_decided_by = models.CharField(
        _("quién lo determinó"),
        max_length=24,
        choices=DecisionMaker.choices,
        blank=True,
        help_text=_("Tipo de institución que determinó la situación de trata."),
    )
    trafficking_decided_by_user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quien registró la determinación."),
    )
    trafficking_decided_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo se registró la determinación.")
    )
    control_methods = models.JSONField(
        _("medios de control"),
        default=list,
        blank=True,
        help_text=_("Códigos de ControlMethod (HTCDS, 17 valores)."),
    )
    exploitation_types = models.JSONField(
        _("tipos de explotación"),
        default=list,
        blank=True,
        help_text=_("Códigos de ExploitationType."),
    )
    recruitment = models.CharField(
        _("reclutamiento"),
        max_length=24,
        choices=Recruitment.choices,
        default=Recruitment.UNKNOWN,
        help_text=_("Cómo fue reclutada la persona."),
    )
    recruitment_state = models.CharField(
        _("estado de reclutamiento"),
        max_length=6,
        choices=STATE_CHOICES,
        blank=True,
        help_text=_("Estado de México donde fue reclutada, si fue en México."),
    )
    recruitment_country = models.CharField(
        _("país de reclutamiento"),
        max_length=2,
        blank=True,
        help_text=_("Código de país ISO 3166-1."),
    )
    exploitation_state = models.CharField(
        _("estado de explotación"),
        max_length=6,
        choices=STATE_CHOICES,
        blank=True,
        help_text=_("Estado de México donde ocurrió la explotación."),
    )
    industry = models.CharField(
        _("industria"),
        max_length=1,
        default="C",
        help_text=_("Sección CIIU/ISIC; la confección es C (manufactura)."),
    )
    risk_level = models.CharField(
        _("riesgo"),
        max_length=12,
        choices=RiskLevel.choices,
        default=RiskLevel.UNASSESSED,
        help_text=_("Valoración del riesgo para la persona."),
    )
    risk_assessed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo se valoró el riesgo.")
    )
    facility = models.ForeignKey(
        Facility,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="victim_files",
        verbose_name=_("centro de trabajo"),
        help_text=_("Centro del padrón donde trabajaba, si se sabe."),
    )
    reports = models.ManyToManyField(
        Report,
        blank=True,
        related_name="victim_files",
        help_text=_("Denuncias relacionadas (quien denunció nunca ve el expediente)."),
    )
    cases = models.ManyToManyField(
        Case,
        blank=True,
        related_name="victim_files",
        help_text=_("Casos relacionados."),
    )
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text=_("Quien abrió el expediente."),
    )
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo se cerró.")
    )
    version = models.PositiveIntegerField(
        default=1, help_text=_("Crece con cada cambio; detecta ediciones cruzadas.")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("expediente de víctima")
        verbose_name_plural = _("expedientes de víctimas")
        indexes = [models.Index(fields=["organisation", "status", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status__in=["closed", "closed_referred"])
                | ~models.Q(closure_reason=""),
                name="victim_file_closed_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(age_at_identification__isnull=True)
                | models.Q(age_at_identification__lte=120),
                name="victim_file_age_range",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("protection:file", kwargs={"file_id": self.pk})


class FileAssignment(BaseModel):
    """A protection worker assigned to a file: with the leads, the only readers."""

    file = models.ForeignKey(
        VictimFile,
        on_delete=models.CASCADE,
        related_name="assignments",
        help_text=_("Expediente."),
    )
    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="victim_file_assignments",
        help_text=_("Persona asignada."),
    )
    assigned_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text=_("Quien la asignó."),
    )

    class Meta:
        verbose_name = _("asignación de expediente")
        verbose_name_plural = _("asignaciones de expedientes")
        constraints = [
            models.UniqueConstraint(
                fields=["file", "user"], name="victim_file_assignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_id} · {self.user_id}"


class FileKeyGrant(SealedKeyGrant):
    """The file's private key sealed to one reader's or the escrow public key."""

    file = models.ForeignKey(
        VictimFile,
        on_delete=models.CASCADE,
        related_name="key_grants",
        help_text=_("Expediente."),
    )

    class Meta:
        verbose_name = _("acceso cifrado al expediente")
        verbose_name_plural = _("accesos cifrados a expedientes")
        constraints = grant_constraints(
            owner="file",
            user_name="victim_file_grant_user",
            escrow_name="victim_file_grant_escrow",
            xor_name="victim_file_grant_user_xor_escrow",
        )

    def __str__(self) -> str:
        return f"grant {self.file_id}"


class FileNote(BaseModel, SealedNote):
    """A follow-up note on a file, sealed to the file's key."""

    file = models.ForeignKey(
        VictimFile,
        on_delete=models.CASCADE,
        related_name="notes",
        help_text=_("Expediente."),
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("nota del expediente")
        verbose_name_plural = _("notas del expediente")

    def __str__(self) -> str:
        return f"note {self.file_id}"
