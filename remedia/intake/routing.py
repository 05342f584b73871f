"""Where a report goes: the routing table, the protection team, the default.

A report is never accepted with no one to read it. Labour-rights rules match
on state and category (blank matches any); a protection category also brings
in the protection rules and makes the report urgent; if nothing matches, the
configured default organisation receives it and the administrator is warned.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation
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


ROUTING_CACHE_KEY = "intake:routing-table"
# A safety net only: every save or delete of a rule, of the configuration or of
# an organisation empties the cache at once (and again after commit). Changes
# that skip signals (a queryset update in a shell) show within this time.
ROUTING_CACHE_SECONDS = 60


@dataclass(frozen=True)
class _Table:
    # (organisation id, state, category, purpose) of every active rule of an
    # active organisation, in the table's order.
    rules: tuple[tuple[uuid.UUID, str, str, str], ...]
    default_organisation_id: uuid.UUID | None


def _table() -> _Table:
    """The routing table, read once for all submissions until it changes.

    Every submission routes; the table changes when an administrator edits it.
    """
    from django.core.cache import cache

    table = cache.get(ROUTING_CACHE_KEY)
    if table is None:
        rules = RoutingRule.objects.filter(
            is_active=True, organisation__is_active=True
        ).values_list("organisation_id", "state", "category", "purpose")
        table = _Table(
            rules=tuple(rules),
            default_organisation_id=IntakeConfiguration.objects.filter(id=1)
            .values_list("default_organisation_id", flat=True)
            .first(),
        )
        cache.set(ROUTING_CACHE_KEY, table, ROUTING_CACHE_SECONDS)
    return table


def routing_changed(**_kwargs: object) -> None:
    from django.core.cache import cache
    from django.db import transaction

    cache.delete(ROUTING_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(ROUTING_CACHE_KEY))


for _model in (RoutingRule, IntakeConfiguration, Organisation):
    post_save.connect(routing_changed, sender=_model, dispatch_uid=f"routing-{_model}")
    post_delete.connect(
        routing_changed, sender=_model, dispatch_uid=f"routing-{_model}"
    )


def route(*, state: str, categories: list[str]) -> list[Route]:
    table = _table()
    wanted = set(categories)

    def matching(purpose: str) -> list[uuid.UUID]:
        return [
            org
            for org, rule_state, rule_category, rule_purpose in table.rules
            if rule_purpose == purpose
            and rule_state in ("", state)
            and (rule_category == "" or rule_category in wanted)
        ]

    found: dict[uuid.UUID, str] = {}
    for org in matching(RoutePurpose.LABOUR_RIGHTS):
        found.setdefault(org, RoutePurpose.LABOUR_RIGHTS)
    if any(code in PROTECTION_CATEGORIES for code in categories):
        for org in matching(RoutePurpose.PROTECTION):
            found[org] = RoutePurpose.PROTECTION
    if found:
        return [Route(org, purpose) for org, purpose in found.items()]
    if table.default_organisation_id is None:
        raise NoRecipient()
    return [Route(table.default_organisation_id, "default")]
