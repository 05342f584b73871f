"""Webhook endpoints, the deliveries owed to them and each attempt's outcome."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation
from remedia.core.models import BaseModel


class DisabledReason(models.TextChoices):
    MANUAL = "manual", _("Desactivado por la administración")
    GONE = "gone", _("El receptor respondió 410: ya no existe")
    FAILING = "failing", _("Fallaron todos los intentos de una entrega")


class Endpoint(BaseModel):
    """A URL of another system that an organisation wants told of events.

    The secret is kept wrapped (XSalsa20-Poly1305) under a key derived from
    the secret key (`crypto.subkey`), never in the clear; it is shown once,
    when created or rotated. After a rotation the previous secret still signs
    until `previous_expires_at`, so a receiver can switch without a gap.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        help_text=_("Organización dueña del destino."),
    )
    url = models.URLField(
        max_length=500, help_text=_("Dirección que recibe los avisos.")
    )
    description = models.CharField(
        max_length=200, blank=True, help_text=_("Para qué sistema es.")
    )
    event_types = models.JSONField(
        default=list, help_text=_("Tipos de evento que recibe.")
    )
    secret_wrapped = models.BinaryField(help_text=_("Secreto de firma, cifrado."))
    previous_secret_wrapped = models.BinaryField(
        null=True, blank=True, help_text=_("Secreto anterior, cifrado, tras rotar.")
    )
    previous_expires_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Hasta cuándo firma también el anterior.")
    )
    enabled = models.BooleanField(default=True, help_text=_("Si recibe avisos."))
    disabled_reason = models.CharField(
        max_length=20,
        choices=DisabledReason.choices,
        blank=True,
        help_text=_("Por qué está desactivado."),
    )
    disabled_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo se desactivó.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quién lo registró."),
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("destino de webhooks")
        verbose_name_plural = _("destinos de webhooks")

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pendiente")
    SUCCEEDED = "succeeded", _("Entregada")
    FAILED = "failed", _("Fallida")
    CANCELLED = "cancelled", _("Cancelada")


def _message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


class Delivery(BaseModel):
    """One event owed to one endpoint. `message_id` is the `webhook-id`
    header: the same on every attempt, the receiver's idempotency key."""

    endpoint = models.ForeignKey(
        Endpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        help_text=_("Destino."),
    )
    message_id = models.CharField(
        max_length=40,
        unique=True,
        default=_message_id,
        help_text=_("Cabecera webhook-id, igual en cada intento."),
    )
    event_type = models.CharField(
        max_length=40, help_text=_("Tipo de evento del catálogo.")
    )
    event_key = models.CharField(
        max_length=200, help_text=_("Qué evento es, para no entregarlo dos veces.")
    )
    payload = models.JSONField(
        help_text=_("Cuerpo enviado: tipo, hora, ids y estados.")
    )
    status = models.CharField(
        max_length=20,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        help_text=_("Estado de la entrega."),
    )
    attempts_made = models.PositiveSmallIntegerField(
        default=0, help_text=_("Intentos automáticos hechos.")
    )
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo toca el próximo intento.")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("entrega de webhook")
        verbose_name_plural = _("entregas de webhooks")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_key"], name="integrations_delivery_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"], name="integrations_delivery_due"
            )
        ]

    def __str__(self) -> str:
        return self.message_id


class Attempt(models.Model):
    """One try at a delivery: when, the answer's status code, how long it took
    and, on failure, the kind of error. Never the receiver's response body."""

    id = models.BigAutoField(primary_key=True)
    delivery = models.ForeignKey(
        Delivery,
        on_delete=models.CASCADE,
        related_name="attempts",
        help_text=_("Entrega."),
    )
    at = models.DateTimeField(help_text=_("Cuándo se intentó."))
    status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Código HTTP de la respuesta, si la hubo.")
    )
    latency_ms = models.PositiveIntegerField(
        default=0, help_text=_("Milisegundos hasta la respuesta.")
    )
    error = models.CharField(
        max_length=40, blank=True, help_text=_("Clase de error, sin detalles.")
    )
    manual = models.BooleanField(
        default=False, help_text=_("Si fue un reenvío pedido por una persona.")
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("intento de entrega")
        verbose_name_plural = _("intentos de entrega")

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error}"
