"""Notifications to staff: one row per (user, kind, key), the in-app item and the email outbox.

The row is committed before its email goes, and its unique (user, kind, key)
makes a second worker's attempt fail, so nothing is sent twice. The row also
is what the staff member sees in their list of notifications: a kind's label
and a link, never anything a reporter or a staff member wrote.

The kinds are not listed here: each app registers its own
(`remedia.notifications.registry`), so no app names another app's kinds and
the column has no database choices to migrate when one is added.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.core.models import BaseModel


class Notification(BaseModel):
    """One notice to a staff member: in their list, and by email unless they opted out."""

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="notifications",
        help_text=_("Destinatario."),
    )
    kind = models.CharField(
        max_length=20,
        help_text=_("Tipo de aviso, uno de los registrados por las aplicaciones."),
    )
    key = models.CharField(
        max_length=120, help_text=_("Qué avisó (p. ej. el caso y el plazo).")
    )
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo salió el correo.")
    )
    by_email = models.BooleanField(
        default=True,
        help_text=_("Si se envía por correo (la persona puede apagar un tipo)."),
    )
    url = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("Enlace a la página de personal de lo que avisa; sin contenido."),
    )
    read_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo lo marcó como leído.")
    )

    class Meta:
        # The table of the cases app, where the model was born: kept, rows and all.
        db_table = "cases_notification"
        verbose_name = _("aviso")
        verbose_name_plural = _("avisos")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "key"], name="notification_once"
            )
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            models.Index(fields=["user", "-created_at"], name="notification_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"


class NotificationPreference(BaseModel):
    """What one staff member wants by email; without a row, everything, in their language."""

    user = models.OneToOneField(
        User,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        help_text=_("Persona cuyas preferencias son."),
    )
    email_off = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Tipos de aviso que no recibe por correo (sí en la lista)."),
    )
    language = models.CharField(
        max_length=8,
        blank=True,
        choices=[("es-mx", _("Español (México)")), ("en", _("English"))],
        help_text=_("Idioma de los correos; vacío: el de su cuenta."),
    )

    class Meta:
        verbose_name = _("preferencias de avisos")
        verbose_name_plural = _("preferencias de avisos")

    def __str__(self) -> str:
        return str(self.user_id)
