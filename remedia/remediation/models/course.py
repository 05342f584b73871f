"""The course of remediation and the organisations party to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from remedia.core.models import BaseModel


class CourseOrigin(models.TextChoices):
    RRM = "rrm", _("Mecanismo Laboral de Respuesta Rápida")
    CASE = "case", _("Caso en Remedia")
    INSPECTION = "inspection", _("Inspección laboral")
    BRAND = "brand", _("Plan de acción correctiva de una marca")
    OTHER = "other", _("Otro origen")


class CourseStatus(models.TextChoices):
    ACTIVE = "active", _("En curso")
    COMPLETED = "completed", _("Cumplido")
    INCOMPLETE = "incomplete", _("Cerrado sin cumplirse")


class Course(BaseModel):
    """A course of remediation for one facility, with its measures."""

    title = models.CharField(
        _("título"), max_length=200, help_text=_("Nombre corto del plan.")
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="remediation_courses",
        verbose_name=_("organización responsable del seguimiento"),
        help_text=_("Organización que lleva el plan en Remedia."),
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        on_delete=models.PROTECT,
        related_name="remediation_courses",
        verbose_name=_("centro de trabajo"),
        help_text=_("Centro de trabajo donde se cumple el plan."),
    )
    origin = models.CharField(
        _("origen"),
        max_length=16,
        choices=CourseOrigin.choices,
        help_text=_("De dónde viene el plan."),
    )
    rrm_case = models.ForeignKey(
        "rrm.RrmCase",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="remediation_courses",
        verbose_name=_("caso del MLRR"),
        help_text=_("Caso del Mecanismo del que resulta el plan, si lo hay."),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="remediation_courses",
        verbose_name=_("caso"),
        help_text=_("Caso de Remedia del que resulta el plan, si lo hay."),
    )
    reference = models.CharField(
        _("referencia"),
        max_length=120,
        blank=True,
        help_text=_("Número de inspección, del plan de la marca u otra referencia."),
    )
    summary = models.TextField(
        _("resumen"),
        blank=True,
        help_text=_("Qué se acordó y por qué; sin datos de quien denunció."),
    )
    agreed_on = models.DateField(
        _("fecha del acuerdo"), null=True, blank=True, help_text=_("Cuándo se acordó.")
    )
    deadline = models.DateField(
        _("fecha límite"), help_text=_("Fecha en que todo debe estar cumplido.")
    )
    status = models.CharField(
        _("estado"),
        max_length=16,
        choices=CourseStatus.choices,
        default=CourseStatus.ACTIVE,
        db_index=True,
    )
    closed_on = models.DateField(
        _("fecha de cierre"), null=True, blank=True, help_text=_("Cuándo se cerró.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["deadline", "created_at"]
        verbose_name = _("plan de remediación")
        verbose_name_plural = _("planes de remediación")
        constraints = [
            models.CheckConstraint(
                condition=Q(agreed_on__isnull=True) | Q(deadline__gte=F("agreed_on")),
                name="remediation_course_deadline_after_agreement",
            ),
            models.CheckConstraint(
                condition=Q(status="active", closed_on__isnull=True)
                | (~Q(status="active") & Q(closed_on__isnull=False)),
                name="remediation_course_closed_on_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PartyRole(models.TextChoices):
    MONITOR = "monitor", _("Monitoreo")
    GOVERNMENT = "government", _("Gobierno")
    COMPANY = "company", _("Empresa")
    UNION = "union", _("Sindicato")
    BRAND = "brand", _("Marca")
    OTHER = "other", _("Otra parte")


class CourseParty(BaseModel):
    """A party to a course; one that is an organisation in Remedia shares it."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="parties")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="remediation_parties",
        verbose_name=_("organización en Remedia"),
        help_text=_("Vacío si la parte no usa Remedia."),
    )
    name = models.CharField(
        _("nombre"), max_length=200, help_text=_("Nombre de la parte.")
    )
    role = models.CharField(
        _("papel"), max_length=16, choices=PartyRole.choices, help_text=_("Su papel.")
    )

    class Meta:
        ordering = ["role", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "organisation"],
                condition=Q(organisation__isnull=False),
                name="remediation_party_once_per_course",
            )
        ]

    def __str__(self) -> str:
        return self.name
