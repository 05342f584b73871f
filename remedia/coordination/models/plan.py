"""The annual work plan: objectives of each group, and the actions under them."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.accounts.permissions import Sector
from remedia.cases.models import Case
from remedia.coordination.models.groups import WorkGroup
from remedia.core.geo import STATE_CHOICES
from remedia.core.models import BaseModel
from remedia.facilities.models import Facility
from remedia.remediation.models import Course


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planeada")
    ONGOING = "ongoing", _("En curso")
    DONE = "done", _("Hecha")
    DROPPED = "dropped", _("Descartada")


class WorkPlan(BaseModel):
    """The plan of one year: one per year."""

    year = models.PositiveSmallIntegerField(
        _("año"), unique=True, help_text=_("Año del plan.")
    )
    title = models.CharField(
        _("título"), max_length=200, help_text=_("Título del plan.")
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("plan de trabajo")
        verbose_name_plural = _("planes de trabajo")

    def __str__(self) -> str:
        return f"{self.year} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("coordination:plan", args=[self.year])


class Objective(BaseModel):
    """An objective of the plan that one group carries."""

    plan = models.ForeignKey(
        WorkPlan,
        on_delete=models.CASCADE,
        related_name="objectives",
        help_text=_("El plan."),
    )
    group = models.ForeignKey(
        WorkGroup,
        on_delete=models.PROTECT,
        related_name="objectives",
        help_text=_("El grupo que lo lleva; quien lo coordina aprueba avances."),
    )
    title = models.CharField(
        _("objetivo"), max_length=300, help_text=_("Qué se quiere lograr.")
    )
    order = models.PositiveSmallIntegerField(
        _("orden"), default=0, help_text=_("Posición en el plan.")
    )

    class Meta:
        ordering = ["plan", "order", "title"]
        verbose_name = _("objetivo")
        verbose_name_plural = _("objetivos")

    def __str__(self) -> str:
        return self.title


class Action(BaseModel):
    """One action of the plan: who, what, where, when, and how it goes."""

    objective = models.ForeignKey(
        Objective,
        on_delete=models.PROTECT,
        related_name="actions",
        help_text=_("El objetivo al que sirve."),
    )
    title = models.CharField(_("acción"), max_length=300, help_text=_("Qué se hace."))
    description = models.TextField(
        _("descripción"), max_length=4000, blank=True, help_text=_("Detalle.")
    )
    sector = models.CharField(
        _("sector"),
        max_length=20,
        choices=Sector.choices,
        help_text=_("Sector que la lleva."),
    )
    owner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="coordination_actions",
        verbose_name=_("responsable"),
        help_text=_("Organización responsable."),
    )
    partners = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="coordination_partnered_actions",
        verbose_name=_("aliadas"),
        help_text=_("Organizaciones que colaboran."),
    )
    state = models.CharField(
        _("estado"),
        max_length=6,
        choices=STATE_CHOICES,
        blank=True,
        help_text=_("Estado (ISO 3166-2:MX) donde ocurre."),
    )
    municipality = models.CharField(
        _("municipio"), max_length=120, blank=True, help_text=_("Municipio.")
    )
    starts_on = models.DateField(_("inicio"), help_text=_("Cuándo empieza."))
    due_on = models.DateField(_("fecha límite"), help_text=_("Cuándo debe terminar."))
    status = models.CharField(
        _("situación"),
        max_length=10,
        choices=ActionStatus.choices,
        default=ActionStatus.PLANNED,
        help_text=_("Planeada, en curso, hecha o descartada."),
    )
    dropped_reason = models.CharField(
        _("motivo del descarte"),
        max_length=1000,
        blank=True,
        help_text=_("Por qué se descartó."),
    )
    done_on = models.DateField(
        _("terminada el"),
        null=True,
        blank=True,
        help_text=_("Cuándo se marcó hecha: a tiempo si no pasa de la fecha límite."),
    )
    course = models.ForeignKey(
        Course,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Curso de remediación al que apunta (solo el identificador)."),
    )
    facility = models.ForeignKey(
        Facility,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Centro de trabajo al que apunta (solo el identificador)."),
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Caso al que apunta (solo el identificador)."),
    )
    pathway_service_id = models.UUIDField(
        null=True,
        blank=True,
        help_text=_(
            "Servicio de la ruta de atención (directorio de protección) al que "
            "apunta, solo el identificador."
        ),
    )
    version = models.PositiveIntegerField(
        default=1,
        help_text=_("Sube con cada cambio: un cambio sobre otra versión se rechaza."),
    )
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quien la creó."),
    )

    class Meta:
        ordering = ["due_on", "title"]
        verbose_name = _("acción")
        verbose_name_plural = _("acciones")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("starts_on")),
                name="coordination_action_due_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="dropped") | ~models.Q(dropped_reason=""),
                name="coordination_action_dropped_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("coordination:action", args=[self.pk])
