"""Action codes of the audit log (``case.read``) in the reader's language.

The object (``case`` → "Caso") and what happened (``read`` → "consulta"),
or a phrase for a whole code; a code neither list knows is shown as it is,
never dropped. Used by the staff audit page and the admin's log.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Whole codes whose words are not the sum of their parts.
ACTION_LABELS: dict[str, Any] = {
    "login.succeeded": _("Inicio de sesión"),
    "login.failed": _("Inicio de sesión fallido"),
    "login.throttled": _("Inicio de sesión bloqueado por intentos"),
    "logout": _("Cierre de sesión"),
    "audit.read": _("Bitácora de auditoría consultada"),
    "report.submitted": _("Denuncia recibida"),
    "report.key_shared": _("Acceso a una denuncia concedido"),
    "case.key_shared": _("Acceso a un caso concedido"),
    "second_factor.enrolled": _("Segundo factor activado"),
    "second_factor.reset": _("Segundo factor restablecido"),
    "second_factor.recovery_codes_issued": _("Códigos de recuperación emitidos"),
    "password.set": _("Contraseña asignada"),
    "password.changed": _("Contraseña cambiada"),
    "membership.granted": _("Rol concedido"),
    "membership.revoked": _("Rol retirado"),
    "token.issued": _("Token de la API emitido"),
    "token.revoked": _("Token de la API revocado"),
    "export.requested": _("Exportación solicitada"),
    "export.downloaded": _("Exportación descargada"),
    "analytics.export": _("Cifras exportadas"),
    "rrm.imported": _("Registro del MLRR importado"),
    "rrm.translated": _("Registro del MLRR traducido"),
}

# The first part of a code: what the action was about.
OBJECT_LABELS: dict[str, Any] = {
    "case": _("Caso"),
    "report": _("Denuncia"),
    "facility": _("Centro de trabajo"),
    "rrm": _("Petición MLRR"),
    "remediation": _("Reparación"),
    "protection": _("Protección"),
    "coordination": _("Coordinación"),
    "user": _("Usuario"),
    "user_key": _("Llave de usuario"),
    "organisation": _("Organización"),
    "membership": _("Membresía"),
    "integrations": _("Integraciones"),
    "survey": _("Encuesta"),
    "retention": _("Retención"),
    "victim_file": _("Expediente de víctima"),
    "screening": _("Entrevista de detección"),
    "routing_rule": _("Regla de ruteo"),
    "sla_policy": _("Política de plazos"),
    "intake_configuration": _("Configuración de denuncias"),
    "export": _("Exportación"),
}

# The last word of a code: what happened.
EVENT_LABELS: dict[str, Any] = {
    "read": pgettext_lazy("auditoría", "consulta"),
    "opened": pgettext_lazy("auditoría", "apertura"),
    "created": pgettext_lazy("auditoría", "creación"),
    "changed": pgettext_lazy("auditoría", "cambio"),
    "updated": pgettext_lazy("auditoría", "actualización"),
    "deleted": pgettext_lazy("auditoría", "eliminación"),
    "destroyed": pgettext_lazy("auditoría", "destrucción por retención"),
    "status_changed": pgettext_lazy("auditoría", "cambio de estado"),
    "note_added": pgettext_lazy("auditoría", "nota agregada"),
    "document_added": pgettext_lazy("auditoría", "documento agregado"),
    "document_read": pgettext_lazy("auditoría", "documento consultado"),
    "document_opened": pgettext_lazy("auditoría", "documento abierto"),
    "message_added": pgettext_lazy("auditoría", "mensaje agregado"),
    "attachment_read": pgettext_lazy("auditoría", "adjunto consultado"),
    "facility_linked": pgettext_lazy("auditoría", "centro vinculado"),
    "task_added": pgettext_lazy("auditoría", "tarea agregada"),
    "task_done": pgettext_lazy("auditoría", "tarea hecha"),
    "reports_added": pgettext_lazy("auditoría", "denuncias agregadas"),
    "escalated": pgettext_lazy("auditoría", "escalamiento"),
    "imported": pgettext_lazy("auditoría", "importación"),
    "merged": pgettext_lazy("auditoría", "fusión"),
    "exported": pgettext_lazy("auditoría", "exportación"),
    "assigned": pgettext_lazy("auditoría", "asignación"),
    "file_assigned": pgettext_lazy("auditoría", "expediente asignado"),
    "file_read": pgettext_lazy("auditoría", "expediente consultado"),
    "file_opened": pgettext_lazy("auditoría", "expediente abierto"),
    "referral_created": pgettext_lazy("auditoría", "canalización creada"),
    "consent_recorded": pgettext_lazy("auditoría", "consentimiento registrado"),
    "consent_overridden": pgettext_lazy("auditoría", "consentimiento omitido"),
    "petition_created": pgettext_lazy("auditoría", "petición creada"),
    "petition_advanced": pgettext_lazy("auditoría", "etapa avanzada"),
    "petition_published": pgettext_lazy("auditoría", "publicación"),
}


def action_label(code: str) -> str:
    """A code in the reader's language: a known phrase, "Objeto: evento", or
    the code itself."""
    if code in ACTION_LABELS:
        return str(ACTION_LABELS[code])
    head, _dot, event = code.partition(".")
    if head in OBJECT_LABELS and event in EVENT_LABELS:
        return f"{OBJECT_LABELS[head]}: {EVENT_LABELS[event]}"
    return code
