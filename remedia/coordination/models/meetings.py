"""Meetings of a work group: who was invited and came, the agenda, the minutes.

After OpenProject's meetings: each agenda item ends in an outcome that is
information, a decision or a task; a decision or a task may become an action
of the plan, and the action knows the item it came from (``agenda_items``).
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.coordination.models.groups import WorkGroup
from remedia.coordination.models.plan import Action
from remedia.core.models import BaseModel


class Outcome(models.TextChoices):
    INFORMATION = "information", _("Información")
    DECISION = "decision", _("Decisión")
    TASK = "task", _("Tarea")


class Meeting(BaseModel):
    """One meeting of a group. Its minutes close once: then nothing changes."""

    group = models.ForeignKey(
        WorkGroup,
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("grupo"),
        help_text=_("El grupo que se reúne."),
    )
    title = models.CharField(
        _("título"), max_length=200, help_text=_("De qué trata la reunión.")
    )
    held_on = models.DateField(_("fecha"), help_text=_("Día de la reunión."))
    starts_at = models.TimeField(
        _("hora"), null=True, blank=True, help_text=_("Hora de inicio.")
    )
    location = models.CharField(
        _("lugar"), max_length=200, blank=True, help_text=_("Dónde o por qué medio.")
    )
    minutes = models.TextField(
        _("minuta"),
        max_length=20000,
        blank=True,
        help_text=_("Lo que se trató y se acordó, en texto."),
    )
    closed_at = models.DateTimeField(
        _("minuta cerrada"),
        null=True,
        blank=True,
        help_text=_("Cuándo se cerró la minuta: ya no cambia."),
    )
    closed_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quien cerró la minuta."),
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
        help_text=_("Quien registró la reunión."),
    )

    class Meta:
        ordering = ["-held_on", "title"]
        verbose_name = _("reunión")
        verbose_name_plural = _("reuniones")

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("coordination:meeting", args=[self.pk])

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


class MeetingParticipant(BaseModel):
    """An organisation (through one person, if named) invited to a meeting."""

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="participants",
        help_text=_("La reunión."),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organización"),
        help_text=_("La organización invitada."),
    )
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("persona usuaria"),
        help_text=_("Quien la representa, si está en Remedia."),
    )
    name = models.CharField(
        _("nombre"),
        max_length=200,
        blank=True,
        help_text=_("Quien la representa, si no está en Remedia."),
    )
    invited = models.BooleanField(_("invitada"), default=True)
    attended = models.BooleanField(_("asistió"), default=False)

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = _("participante")
        verbose_name_plural = _("participantes")
        # A user once per organisation; a named person (or the organisation
        # alone) once: two partial constraints (SQLite has no NULLS NOT DISTINCT).
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "organisation", "user"],
                condition=models.Q(user__isnull=False),
                name="coordination_participant_user_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "organisation", "name"],
                condition=models.Q(user__isnull=True),
                name="coordination_participant_name_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} · {self.organisation_id}"


class AgendaItem(BaseModel):
    """One point of a meeting's agenda and what came of it."""

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="items",
        help_text=_("La reunión."),
    )
    order = models.PositiveSmallIntegerField(
        _("orden"), default=0, help_text=_("Posición en el orden del día.")
    )
    title = models.CharField(_("punto"), max_length=300, help_text=_("Qué se trata."))
    notes = models.TextField(
        _("notas"), max_length=4000, blank=True, help_text=_("Lo que se dijo.")
    )
    outcome = models.CharField(
        _("resultado"),
        max_length=12,
        choices=Outcome.choices,
        default=Outcome.INFORMATION,
        help_text=_("Información, decisión o tarea."),
    )
    outcome_text = models.TextField(
        _("qué se decidió"),
        max_length=4000,
        blank=True,
        help_text=_("La decisión o la tarea, en una frase."),
    )
    action = models.ForeignKey(
        Action,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_("acción del plan"),
        help_text=_("La acción del plan que salió de este punto."),
    )

    class Meta:
        ordering = ["meeting", "order", "created_at"]
        verbose_name = _("punto del orden del día")
        verbose_name_plural = _("puntos del orden del día")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome="information") | ~models.Q(outcome_text=""),
                name="coordination_item_outcome_text",
            ),
            models.CheckConstraint(
                condition=~models.Q(outcome="information")
                | models.Q(action__isnull=True),
                name="coordination_item_information_no_action",
            ),
        ]

    def __str__(self) -> str:
        return self.title
