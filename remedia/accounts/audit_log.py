"""The audit log as a staff page: who did what, newest first, for the
administrators of the organisations it was done in.

Entries carry the organisation they were written for (``AuditEntry.
organisation_id``); a reader sees only those of the organisations where they
hold ``audit.read``. Entries with no organisation (an anonymous worker's
report, a failed login, the system's jobs) are the platform's, and stay in
the Django admin for its superusers. Reading the page is itself audited.

Action codes (``case.read``) are shown as words in the reader's language: the
object (``case`` → "Caso") and what happened (``read`` → "consultado"); a code
neither list knows is shown as it is, never dropped.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from remedia.accounts.models import Organisation
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for
from remedia.core.models import AuditEntry

PAGE_SIZE = 50

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


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    obj: str = ""


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Acción"), required=False)
    actor = forms.CharField(label=_("Quién"), required=False, max_length=150)
    since = forms.DateField(
        label=_("Desde"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Escriba una fecha válida (AAAA-MM-DD).")},
    )
    until = forms.DateField(
        label=_("Hasta"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Escriba una fecha válida (AAAA-MM-DD).")},
    )
    obj = forms.CharField(
        label=_("Objeto"),
        required=False,
        max_length=64,
        help_text=_("Tipo (p. ej. cases.case) o identificador del objeto."),
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": _("La página debe ser un número."),
            "min_value": _("La página debe ser 1 o mayor."),
        },
    )

    def __init__(self, *args: Any, actions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labelled = sorted(((code, action_label(code)) for code in actions), key=_by_2)
        self.fields["action"].choices = [("", _("Todas")), *labelled]  # type: ignore[attr-defined]
        self.fields["action"].error_messages["invalid_choice"] = _(
            "Elija una acción de la lista."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("«Hasta» no puede ser antes de «Desde»."))
        return data

    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        return AuditFilters(
            action=data.get("action") or "",
            actor=(data.get("actor") or "").strip(),
            since=data.get("since"),
            until=data.get("until"),
            obj=(data.get("obj") or "").strip(),
        )


def _by_2(pair: tuple[str, str]) -> str:
    return pair[1].casefold()


def audit_scope(*, viewer: Any) -> QuerySet[AuditEntry] | None:
    """The entries ``viewer`` may read; None if they may read none."""
    orgs = organisations_for(user=viewer, capability=Capability.AUDIT_READ)
    if not orgs:
        return None
    return AuditEntry.objects.filter(organisation_id__in=[str(o) for o in orgs])


def audit_organisation(*, viewer: Any) -> Organisation | None:
    """The organisation a read of the log is recorded under (the first, by name,
    of those whose log the viewer reads)."""
    orgs = organisations_for(user=viewer, capability=Capability.AUDIT_READ)
    return Organisation.objects.filter(pk__in=orgs).order_by("name").first()


def audit_actions(*, scope: QuerySet[AuditEntry]) -> list[str]:
    return list(scope.order_by().values_list("action", flat=True).distinct())


def audit_entries(
    *, scope: QuerySet[AuditEntry], filters: AuditFilters
) -> QuerySet[AuditEntry]:
    """Newest first."""
    rows = scope
    if filters.action:
        rows = rows.filter(action=filters.action)
    if filters.actor:
        rows = rows.filter(actor_label__icontains=filters.actor)
    if filters.since:
        rows = rows.filter(at__date__gte=filters.since)
    if filters.until:
        rows = rows.filter(at__date__lte=filters.until)
    if filters.obj:
        match = Q(object_type__iexact=filters.obj) | Q(object_id=filters.obj)
        try:
            match |= Q(object_id=str(uuid.UUID(filters.obj)))
        except ValueError:
            pass
        rows = rows.filter(match)
    return rows.order_by("-at", "-seq")


def audit_page(rows: QuerySet[AuditEntry], *, number: int) -> Page[AuditEntry]:
    """A page of rows; past the last page, the last one."""
    return Paginator(rows, PAGE_SIZE).get_page(number)
