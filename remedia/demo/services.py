"""`remedia seed-demo`: the demo organisations and users of PRODUCT.md, idempotently.

Later capabilities add their demo data here (facilities, reports, cases, the RRM
record, the INISA course, a work plan), each step idempotent on its own.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from remedia.accounts import keys
from remedia.accounts import services as accounts
from remedia.accounts.models import Organisation, User
from remedia.accounts.permissions import Role, Sector


@dataclass(frozen=True)
class DemoOrganisation:
    key: str
    name: str
    short_name: str
    sector: str
    country: str = "MX"


ORGANISATIONS = [
    DemoOrganisation(
        "operator", "Remedia — equipo de operación", "Remedia", Sector.CIVIL_SOCIETY
    ),
    DemoOrganisation(
        "ags_centre",
        "Centro de Apoyo a Trabajadoras y Trabajadores de Aguascalientes",
        "CATTA",
        Sector.CIVIL_SOCIETY,
    ),
    DemoOrganisation(
        "pue_union",
        "Sindicato Independiente de la Industria del Vestido de Puebla",
        "SIIVP",
        Sector.UNION,
    ),
    DemoOrganisation(
        "ilc",
        "Interagency Labor Committee (USTR / USDOL)",
        "ILC",
        Sector.PUBLIC,
        "US",
    ),
    DemoOrganisation(
        "monitor",
        "Observatorio Independiente de Remediación Laboral",
        "OIRL",
        Sector.CIVIL_SOCIETY,
    ),
    DemoOrganisation(
        "inisa", "Industrias del Interior, S.A. de C.V. (INISA)", "INISA", Sector.PRIVATE
    ),
    DemoOrganisation(
        "protection",
        "Red de Atención a Víctimas de Trata y Trabajo Forzoso de Puebla",
        "RAV Puebla",
        Sector.CIVIL_SOCIETY,
    ),
    DemoOrganisation(
        "coordination",
        "Secretaría del Trabajo del Estado de Puebla — Grupo Interinstitucional",
        "STyC Puebla",
        Sector.PUBLIC,
    ),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    organisation: str
    role: str
    first_name: str
    last_name: str
    superuser: bool = False


USERS = [
    DemoUser("admin", "operator", Role.ADMIN, "Alicia", "Administradora", True),
    DemoUser("handler", "ags_centre", Role.HANDLER, "Hilda", "Gestora"),
    DemoUser("handler2", "pue_union", Role.HANDLER, "Héctor", "Gestor"),
    DemoUser("analyst", "ilc", Role.ANALYST, "Ana", "Analyst"),
    DemoUser("monitor", "monitor", Role.MONITOR, "Mónica", "Monitora"),
    DemoUser("facility", "inisa", Role.FACILITY_OFFICER, "Fernando", "Cumplimiento"),
    DemoUser("protection", "protection", Role.PROTECTION, "Paula", "Protección"),
    DemoUser("coordinator", "coordination", Role.COORDINATOR, "Carlos", "Coordinador"),
]


@dataclass(frozen=True)
class CreatedCredentials:
    username: str
    password: str
    totp_secret: str


@dataclass(frozen=True)
class CreatedOrganisation:
    name: str
    recovery_key: str


def _organisations() -> tuple[dict[str, Organisation], list[CreatedOrganisation]]:
    found = {}
    created = []
    for spec in ORGANISATIONS:
        organisation = Organisation.objects.filter(name=spec.name).first()
        if organisation is None:
            organisation = accounts.organisation_create(
                name=spec.name,
                short_name=spec.short_name,
                sector=spec.sector,
                country=spec.country,
            )
            created.append(
                CreatedOrganisation(
                    name=organisation.name,
                    recovery_key=keys.organisation_escrow_issue(
                        organisation=organisation
                    ),
                )
            )
        found[spec.key] = organisation
    return found, created


@dataclass(frozen=True)
class SeedResult:
    users: list[CreatedCredentials]
    organisations: list[CreatedOrganisation]


@transaction.atomic
def seed_accounts() -> SeedResult:
    """Create what is missing; return the secrets of what was created now only."""
    organisations, created_organisations = _organisations()
    created = []
    for spec in USERS:
        if User.objects.filter(username=spec.username).exists():
            continue
        password = secrets.token_urlsafe(12)
        user = accounts.user_create(
            username=spec.username,
            password=password,
            organisation=organisations[spec.organisation],
            roles=[spec.role],
            first_name=spec.first_name,
            last_name=spec.last_name,
            email=f"{spec.username}@demo.remedia.invalid",
        )
        if spec.superuser:
            user.is_staff = True
            user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        device = TOTPDevice.objects.create(user=user, name="Remedia", confirmed=True)
        created.append(
            CreatedCredentials(
                username=spec.username,
                password=password,
                totp_secret=base64.b32encode(device.bin_key).decode(),
            )
        )
    return SeedResult(users=created, organisations=created_organisations)
