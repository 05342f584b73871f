"""Where a report goes: the routing table, the protection team, the default.

A report is never accepted with no one to read it. Labour-rights rules match
on state and category (blank matches any); a protection category also brings
in the protection rules and makes the report urgent; if nothing matches, the
configured default organisation receives it and the administrator is warned.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from remedia.core.errors import ApplicationError
from remedia.intake.categories import PROTECTION_CATEGORIES
from remedia.intake.models import IntakeConfiguration, RoutePurpose, RoutingRule


class NoRecipient(ApplicationError):
    status_code = 503

    def __init__(self) -> None:
        super().__init__(
            _(
                "No podemos recibir denuncias en este momento porque no hay una "
                "organización configurada para leerlas. Intente más tarde."
            )
        )


@dataclass(frozen=True)
class Route:
    organisation_id: uuid.UUID
    purpose: str


def route(*, state: str, categories: list[str]) -> list[Route]:
    rules = RoutingRule.objects.filter(
        is_active=True, organisation__is_active=True
    ).filter(Q(state="") | Q(state=state))
    found: dict[uuid.UUID, str] = {}
    for rule in rules.filter(purpose=RoutePurpose.LABOUR_RIGHTS).filter(
        Q(category="") | Q(category__in=categories)
    ):
        found.setdefault(rule.organisation_id, RoutePurpose.LABOUR_RIGHTS)
    if any(code in PROTECTION_CATEGORIES for code in categories):
        for rule in rules.filter(purpose=RoutePurpose.PROTECTION).filter(
            Q(category="") | Q(category__in=categories)
        ):
            found[rule.organisation_id] = RoutePurpose.PROTECTION
    if found:
        return [Route(org, purpose) for org, purpose in found.items()]
    config = IntakeConfiguration.objects.filter(id=1).first()
    if config is None or config.default_organisation_id is None:
        raise NoRecipient()
    return [Route(config.default_organisation_id, "default")]
