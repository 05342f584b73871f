"""The case's timeline: one row per event."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.cases.models.case import Case
from remedia.core.choices import ChoiceLabels


class EventKind(models.TextChoices):
    OPENED = "opened", _("Caso abierto")
    REPORT_ADDED = "report_added", _("Denuncia unida al caso")
    STATUS_CHANGED = "status_changed", _("Cambio de estado")
    ASSIGNED = "assigned", _("Asignación")
    SEVERITY_CHANGED = "severity_changed", _("Cambio de gravedad")
    CATEGORIES_CHANGED = "categories_changed", _("Cambio de categorías")
    FACILITY_CHANGED = "facility_changed", _("Cambio de centro de trabajo")
    NOTE_ADDED = "note_added", _("Nota interna")
    TASK_ADDED = "task_added", _("Tarea creada")
    TASK_DONE = "task_done", _("Tarea completada")
    DOCUMENT_ADDED = "document_added", _("Documento añadido")
    MESSAGE_SENT = "message_sent", _("Mensaje a quienes denunciaron")
    REPORTER_REPLIED = "reporter_replied", _("Respuesta de quien denunció")
    CLOCK_PAUSED = "clock_paused", _("Relojes en pausa")
    CLOCK_RESUMED = "clock_resumed", _("Relojes reanudados")
    ESCALATED = "escalated", _("Escalado a petición del MLRR")
    CHECKIN_SENT = "checkin_sent", _("Pregunta por represalias enviada")
    CHECKIN_ANSWERED = "checkin_answered", _("Respuesta sobre represalias")
    REOPENED = "reopened", _("Caso reabierto")


class CaseEvent(ChoiceLabels, models.Model):
    """One line of a case's timeline. Never holds what anyone wrote: ids and facts."""

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="events", help_text=_("Caso.")
    )
    kind = models.CharField(
        max_length=24, choices=EventKind.choices, help_text=_("Qué pasó.")
    )
    actor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quién; vacío si fue quien denuncia o el sistema."),
    )
    at = models.DateTimeField(help_text=_("Cuándo."))
    data = models.JSONField(
        default=dict, help_text=_("Datos del evento, sin contenido.")
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("evento del caso")
        verbose_name_plural = _("eventos del caso")
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"
