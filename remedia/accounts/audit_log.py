"""The audit log as a staff page: who did what, newest first, for the
administrators of the organisations it was done in.

Entries carry the organisation they were written for (``AuditEntry.
organisation_id``); a reader sees only those of the organisations where they
hold ``audit.read``. Entries with no organisation (an anonymous worker's
report, a failed login, the system's jobs, a partner system, the platform's
administration) are the platform's: its administrators (superusers) read
them here too, and organisation staff never do. Reading the page is itself
audited.

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

from remedia.accounts.models import Organisation
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for
from remedia.core.audit_labels import action_label
from remedia.core.forms import PeriodFormMixin
from remedia.core.models import AuditEntry

PAGE_SIZE = 50

__all__ = ["action_label"]


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    obj: str = ""


class AuditFilterForm(PeriodFormMixin):
    action = forms.ChoiceField(label=_("Acción"), required=False)
    actor = forms.CharField(label=_("Quién"), required=False, max_length=150)
    obj = forms.CharField(
        label=_("Objeto"),
        required=False,
        max_length=64,
        help_text=_("Tipo (p. ej. cases.case) o identificador del objeto."),
    )
    field_order = ("action", "actor", "since", "until", "obj", "page")
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


def platform_reader(viewer: Any) -> bool:
    """A platform administrator, who also reads the entries of no organisation."""
    return bool(
        getattr(viewer, "is_authenticated", False)
        and getattr(viewer, "is_active", False)
        and getattr(viewer, "is_superuser", False)
    )


def audit_scope(*, viewer: Any) -> QuerySet[AuditEntry] | None:
    """The entries ``viewer`` may read; None if they may read none."""
    orgs = organisations_for(user=viewer, capability=Capability.AUDIT_READ)
    platform = platform_reader(viewer)
    if not orgs and not platform:
        return None
    readable = Q(organisation_id__in=[str(o) for o in orgs])
    if platform:
        readable |= Q(organisation_id="")
    return AuditEntry.objects.filter(readable)


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
