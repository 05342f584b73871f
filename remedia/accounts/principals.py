"""Who an API request acts for when it is not a person: a partner system.

A partner token belongs to an organisation, not to a user. Authentication turns
it into a `PartnerPrincipal`, which every selector that scopes by organisation
understands (`selectors.organisations_for`): it holds, in its organisation
only, the capabilities its scopes map to, and nothing else. It is never a
`User`: it has no memberships, no key, no session, and opens no sealed content.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.permissions import Capability

PARTNER_TOKEN_PREFIX = "rmp_"  # noqa: S105 (a visible prefix, not a secret)


class Scope(models.TextChoices):
    """The fixed list of what a partner token may be granted."""

    REGISTRY_READ = "registry:read", _("Leer el padrón de centros de trabajo")
    REGISTRY_WRITE = "registry:write", _("Dar de alta y actualizar centros de trabajo")
    REPORTS_SUBMIT = "reports:submit", _("Entregar denuncias recibidas por su línea")
    RRM_READ = "rrm:read", _("Leer casos del MLRR y sus plazos")
    REMEDIATION_READ = "remediation:read", _("Leer cursos de remediación y medidas")


# What each scope lets the partner's organisation read or write through the
# selectors that staff use. `reports:submit` grants no read at all.
SCOPE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Scope.REGISTRY_READ: frozenset({Capability.FACILITY_READ}),
    Scope.REGISTRY_WRITE: frozenset(
        {Capability.FACILITY_READ, Capability.FACILITY_WRITE}
    ),
    Scope.REPORTS_SUBMIT: frozenset(),
    Scope.RRM_READ: frozenset({Capability.PETITION_READ}),
    Scope.REMEDIATION_READ: frozenset({Capability.REMEDIATION_READ}),
}


@dataclass(eq=False)
class PartnerPrincipal:
    """The organisation's system behind a valid partner token."""

    token_id: uuid.UUID
    prefix: str
    organisation_id: uuid.UUID
    scopes: frozenset[str]
    rate_limit_per_minute: int
    capabilities: frozenset[Capability] = field(init=False)

    # What code written for users asks of `request.auth` (audit, selectors).
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    is_partner = True

    def __post_init__(self) -> None:
        caps: set[Capability] = set()
        for scope in self.scopes:
            caps |= SCOPE_CAPABILITIES.get(scope, frozenset())
        self.capabilities = frozenset(caps)

    @property
    def pk(self) -> uuid.UUID:
        return self.token_id

    @property
    def id(self) -> uuid.UUID:
        return self.token_id

    def get_username(self) -> str:
        return f"partner:{self.prefix}"

    def __str__(self) -> str:
        return self.get_username()

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


def is_partner(principal: Any) -> bool:
    return isinstance(principal, PartnerPrincipal)
