"""Rosters, training sessions and their attendance (PRODUCT.md C5 and C7).

A ``Person`` is on one roster: a facility's personnel or an organisation's
staff (officials and partners trained on protocols). A ``TrainingSession`` is
held for one of those rosters and ``Attendance`` ties people of that roster to
it; coverage (``coverage.py``) is counted from these rows.

The tables keep the names they had when training lived in ``remediation``
(``remediation_person``, ``remediation_trainingsession``,
``remediation_attendance``): the move changed Django's state, not the rows.
What a session counts for in a higher app (a course's training measure) is
that app's own table: ``remediation.CourseTrainingSession``; nothing here
refers to a higher app. Nothing here is reporter data either: no model refers
to a report.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from remedia.core.models import BaseModel


class PersonnelRole(models.TextChoices):
    """Roles coverage is counted by. Officials and partners are trained on
    protocols (C7) and counted the same way against their organisation's roster."""

    MANAGEMENT = "management", _("Dirección y gerencia")
    SUPERVISOR = "supervisor", _("Supervisión")
    HUMAN_RESOURCES = "human_resources", _("Recursos humanos")
    WORKER = "worker", _("Personal operativo")
    UNION_REPRESENTATIVE = "union_representative", _("Representación sindical")
    OFFICIAL = "official", _("Personal de gobierno")
    PARTNER = "partner", _("Personal de organización aliada")


class Person(BaseModel):
    """One person on a roster: a facility's personnel, or an organisation's staff.

    Rosters are the company's or the organisation's own lists (employee number,
    name, role), never anyone who reported: nothing here links to a report.
    """

    facility = models.ForeignKey(
        "facilities.Facility",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="personnel",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="trainees",
    )
    identifier = models.CharField(
        _("número de persona"),
        max_length=40,
        help_text=_("Número de empleado u otro identificador de la lista."),
    )
    name = models.CharField(_("nombre"), max_length=200)
    role = models.CharField(_("papel"), max_length=24, choices=PersonnelRole.choices)
    active = models.BooleanField(
        _("activo"), default=True, help_text=_("Desmarcado: ya no está en la lista.")
    )

    class Meta:
        db_table = "remediation_person"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(facility__isnull=False, organisation__isnull=True)
                | Q(facility__isnull=True, organisation__isnull=False),
                name="remediation_person_one_roster",
            ),
            models.UniqueConstraint(
                fields=["facility", "identifier"],
                condition=Q(facility__isnull=False),
                name="remediation_person_facility_identifier",
            ),
            models.UniqueConstraint(
                fields=["organisation", "identifier"],
                condition=Q(organisation__isnull=False),
                name="remediation_person_organisation_identifier",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} {self.name}"


class TrainingTopic(models.TextChoices):
    NEUTRALITY_GUIDELINES = (
        "neutrality_guidelines",
        _("Declaración de neutralidad y lineamientos de conducta"),
    )
    WORKER_RIGHTS = "worker_rights", _("Derechos de los trabajadores")
    ZERO_TOLERANCE = "zero_tolerance", _("Política de cero tolerancia")
    PROTOCOLS = "protocols", _("Protocolos de atención y derivación")
    CHILD_LABOUR = "child_labour", _("Prevención del trabajo infantil")
    FORCED_LABOUR = "forced_labour", _("Trabajo forzoso y trata de personas")
    OTHER = "other", _("Otro tema")


class TrainingSession(BaseModel):
    """A training held for a facility's personnel or an organisation's staff."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="training_sessions",
        help_text=_("Organización que registró la sesión."),
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_sessions",
        verbose_name=_("centro de trabajo"),
    )
    audience_organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trainings_received",
        verbose_name=_("organización capacitada"),
    )
    topic = models.CharField(_("tema"), max_length=32, choices=TrainingTopic.choices)
    title = models.CharField(_("título"), max_length=200, blank=True)
    held_on = models.DateField(_("fecha"))
    starts_at = models.TimeField(_("hora de inicio"))
    ends_at = models.TimeField(_("hora de término"))
    during_working_hours = models.BooleanField(
        _("en horario de trabajo"),
        help_text=_("Dentro de la jornada normal, pagada."),
    )
    trainer = models.CharField(_("quién capacitó"), max_length=200)
    audience_roles = models.JSONField(
        _("público"),
        default=list,
        help_text=_("Papeles de la lista a los que se dirigió."),
    )
    location = models.CharField(_("lugar"), max_length=200, blank=True)

    class Meta:
        db_table = "remediation_trainingsession"
        ordering = ["-held_on", "-starts_at"]
        verbose_name = _("sesión de capacitación")
        verbose_name_plural = _("sesiones de capacitación")
        constraints = [
            models.CheckConstraint(
                condition=Q(facility__isnull=False, audience_organisation__isnull=True)
                | Q(facility__isnull=True, audience_organisation__isnull=False),
                name="remediation_training_one_audience",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="remediation_training_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_topic_display()} {self.held_on:%Y-%m-%d}"


class Attendance(models.Model):
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendance"
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="attendance"
    )

    class Meta:
        db_table = "remediation_attendance"
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"], name="remediation_attendance_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.person_id}"
