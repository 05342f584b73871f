"""Reading the directory of assistance services, and searching it.

The directory is shared data: every staff member who works in protection or
coordination reads all of it (it names institutions and their contacts, never
a person). Search folds accents and case, as people type on phones ("dif",
"fiscalia", "procuraduria"), over the institution, the service's name and the
area it serves; the filters narrow by what is needed, where, and for whom.

The lists and the states served are JSON columns, which SQLite cannot search
inside; the directory is a few hundred rows at most, so the coded filters run
in the database and those over the JSON and the folded text in Python, and
the answer is a queryset again (by primary key) that pages like any other.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import get_scoped, user_can
from remedia.core.geo import fold
from remedia.core.hooks import Reference
from remedia.protection.models import Service
from remedia.protection.vocabulary import ServedSexes


def directory_readable(*, user: Any) -> bool:
    return user_can(user=user, capability=Capability.PROTECTION_READ) or user_can(
        user=user, capability=Capability.COORDINATION_READ
    )


def directory_writable(*, user: Any) -> bool:
    """Coordinators keep the directory (it is data, never code)."""
    return user_can(user=user, capability=Capability.COORDINATION_WRITE)


def _readable(user: Any) -> QuerySet[Service]:
    if not directory_readable(user=user):
        return Service.objects.none()
    return Service.objects.select_related("organisation")


def service_get_for_user(*, user: Any, service_id: Any) -> Service:
    """One service, for anyone who reads the directory; `NotFound` otherwise."""
    return get_scoped(_readable(user), pk=service_id)


@dataclass(frozen=True)
class ServiceFilters:
    q: str = ""
    service_type: str | None = None
    state: str | None = None  # ISO 3166-2:MX; national services match every state
    age: int | None = None
    sex: str | None = None  # "women" or "men": services for all match too
    in_remedia: bool | None = None
    active: bool | None = True  # None: active and withdrawn alike


def service_search_text(service: Service) -> str:
    return fold(" ".join((service.institution, service.name, service.area_detail)))


def service_list(*, viewer: Any, filters: ServiceFilters) -> QuerySet[Service]:
    rows = _readable(viewer)
    if filters.active is not None:
        rows = rows.filter(is_active=filters.active)
    if filters.in_remedia is not None:
        rows = rows.filter(organisation__isnull=not filters.in_remedia)
    if filters.age is not None:
        rows = rows.filter(
            Q(min_age__isnull=True) | Q(min_age__lte=filters.age),
            Q(max_age__isnull=True) | Q(max_age__gte=filters.age),
        )
    if filters.sex in (ServedSexes.WOMEN, ServedSexes.MEN):
        rows = rows.filter(sexes__in=[ServedSexes.ALL, filters.sex])
    words = fold(filters.q).split()
    if not (words or filters.service_type or filters.state):
        return rows.order_by("institution", "name")
    kept = [
        service.pk
        for service in rows.select_related(None).only(
            "pk",
            "institution",
            "name",
            "area_detail",
            "service_types",
            "states",
            "national",
        )
        if (not filters.service_type or filters.service_type in service.service_types)
        and (not filters.state or service.national or filters.state in service.states)
        and all(word in service_search_text(service) for word in words)
    ]
    return (
        Service.objects.filter(pk__in=kept)
        .select_related("organisation")
        .order_by("institution", "name")
    )


def institutions_outside(*, user: Any) -> list[str]:
    """Names of the directory's institutions outside Remedia (for the consent
    form's suggestions, so a consent names them as a referral will)."""
    return sorted(
        set(
            _readable(user)
            .filter(organisation__isnull=True, is_active=True)
            .values_list("institution", flat=True)
        )
    )


class PathwayServices:
    """The directory's services as a kind of reference (`core.hooks`): other
    apps (coordination's plan actions) point at a service of the referral
    pathway by its id, and show it by institution and name, nothing more."""

    kind = "pathway_service"
    label = _("Servicio de la ruta de atención")

    def choices(self, user: Any) -> list[tuple[str, str]]:
        return [
            (str(s.pk), f"{s.institution} · {s.name}")
            for s in _readable(user)
            .select_related(None)
            .filter(is_active=True)
            .only("pk", "institution", "name")
            .order_by("institution", "name")
        ]

    def resolve(self, user: Any, ids: Iterable[Any]) -> dict[str, Reference]:
        wanted = {str(i) for i in ids if parse_uuid(i) is not None}
        if not wanted:
            return {}
        rows = (
            _readable(user)
            .select_related(None)
            .filter(pk__in=wanted)
            .only("pk", "institution", "name", "is_active")
        )
        return {
            str(s.pk): Reference(
                label=f"{s.institution} · {s.name}",
                url=reverse("protection:service", args=[s.pk]),
                available=s.is_active,
            )
            for s in rows
        }


def parse_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None
