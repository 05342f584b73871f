"""`remedia seed-demo`: the demo organisations and users of PRODUCT.md, idempotently.

Later capabilities add their demo data here (facilities, reports, cases, the RRM
record, the INISA course, a work plan), each step idempotent on its own.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from remedia.accounts import keys
from remedia.accounts import services as accounts
from remedia.accounts.models import Organisation, User
from remedia.accounts.permissions import Role, Sector
from remedia.facilities.models import Facility
from remedia.intake import services as intake
from remedia.intake.models import (
    Channel,
    IntakeConfiguration,
    Report,
    RoutePurpose,
    RoutingRule,
)


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
        "inisa",
        "Industrias del Interior, S.A. de C.V. (INISA)",
        "INISA",
        Sector.PRIVATE,
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
    receipts: list[tuple[str, str]]


@transaction.atomic
def seed_demo() -> SeedResult:
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
    seed_routing(organisations)
    receipts = seed_reports(seed_facilities())
    return SeedResult(
        users=created, organisations=created_organisations, receipts=receipts
    )


# --- Facilities, routing and reports ------------------------------------------------

FACILITIES: list[dict[str, Any]] = [
    # Public: the garment facility of the 2023 RRM case (domain/rrm-cases.csv).
    {
        "external_id": "demo-inisa",
        "name": "INISA — planta de mezclilla Rincón de Romos",
        "legal_name": "Industrias del Interior, S.A. de C.V.",
        "municipality": "Rincón de Romos",
        "state": "MX-AGU",
        "sector": "Confección de prendas de mezclilla",
        "workers": 1000,
    },
    # Fictional from here on.
    {
        "external_id": "demo-ags-2",
        "name": "Confecciones del Valle de Aguascalientes",
        "legal_name": "Confecciones del Valle de Aguascalientes, S. de R.L. de C.V.",
        "municipality": "Jesús María",
        "state": "MX-AGU",
        "sector": "Confección de prendas de vestir",
        "workers": 420,
    },
    {
        "external_id": "demo-ags-3",
        "name": "Textiles Calvillo",
        "legal_name": "Textiles Calvillo, S.A. de C.V.",
        "municipality": "Calvillo",
        "state": "MX-AGU",
        "sector": "Bordado y confección",
        "workers": 150,
    },
    {
        "external_id": "demo-pue-1",
        "name": "Maquiladora Textil de Tehuacán",
        "legal_name": "Maquiladora Textil de Tehuacán, S.A. de C.V.",
        "municipality": "Tehuacán",
        "state": "MX-PUE",
        "sector": "Lavado y confección de mezclilla",
        "workers": 800,
    },
    {
        "external_id": "demo-pue-2",
        "name": "Manufacturas Atlixco",
        "legal_name": "Manufacturas Atlixco, S. de R.L. de C.V.",
        "municipality": "Atlixco",
        "state": "MX-PUE",
        "sector": "Confección de uniformes",
        "workers": 260,
    },
    {
        "external_id": "demo-pue-3",
        "name": "Taller de Costura San Martín",
        "legal_name": "",
        "municipality": "San Martín Texmelucan",
        "state": "MX-PUE",
        "sector": "Taller de costura",
        "workers": 35,
    },
]


def seed_facilities() -> dict[str, Facility]:
    found = {}
    for spec in FACILITIES:
        facility = Facility.objects.filter(external_id=spec["external_id"]).first()
        if facility is None:
            facility = Facility(**spec)
            facility.full_clean()
            facility.save()
        found[spec["external_id"]] = facility
    return found


def seed_routing(organisations: dict[str, Organisation]) -> None:
    rules = [
        ("ags_centre", RoutePurpose.LABOUR_RIGHTS, "MX-AGU"),
        ("pue_union", RoutePurpose.LABOUR_RIGHTS, "MX-PUE"),
        ("protection", RoutePurpose.PROTECTION, ""),
    ]
    for key, purpose, state in rules:
        RoutingRule.objects.get_or_create(
            organisation=organisations[key], purpose=purpose, state=state, category=""
        )
    config = IntakeConfiguration.objects.get(id=1)
    if config.default_organisation_id is None:
        config.default_organisation = organisations["ags_centre"]
        config.save(update_fields=["default_organisation"])


DEMO_REPORTS: list[dict[str, Any]] = [
    {
        "channel": Channel.WEB,
        "categories": ["non_neutrality", "intimidation"],
        "facility": "demo-inisa",
        "state": "MX-AGU",
        "narrative": (
            "El gerente de producción reunió a la línea 4 y dijo que quien vote por el "
            "sindicato nuevo no tendrá horas extra. Repartieron volantes del sindicato "
            "de la empresa en la entrada."
        ),
    },
    {
        "channel": Channel.API,
        "categories": ["retaliation"],
        "facility": "demo-ags-2",
        "state": "MX-AGU",
        "narrative": (
            "Despidieron a tres compañeras del área de corte una semana después de "
            "que firmaron la hoja de apoyo al sindicato independiente."
        ),
    },
    {
        "channel": Channel.WEB,
        "categories": ["wages", "hours"],
        "facility": "demo-pue-1",
        "state": "MX-PUE",
        "narrative": (
            "Nos pagan la semana incompleta desde hace un mes y nos hacen quedarnos "
            "hasta las 10 de la noche sin pagar las horas extra."
        ),
    },
    {
        "channel": Channel.WEB,
        "categories": ["child_labour", "hours"],
        "facility": "demo-pue-3",
        "state": "MX-PUE",
        "narrative": (
            "En el taller trabajan dos muchachos de unos 13 años cosiendo bolsas "
            "toda la tarde, también los sábados."
        ),
    },
]


def seed_reports(facilities: dict[str, Facility]) -> list[tuple[str, str]]:
    """Demo reports, once; returns (facility name, receipt) of those created now."""
    if Report.objects.exists():
        return []
    created = []
    for spec in DEMO_REPORTS:
        facility = facilities[spec["facility"]]
        submitted = intake.report_submit(
            draft=intake.ReportDraft(
                channel=spec["channel"],
                categories=list(spec["categories"]),
                narrative=spec["narrative"],
                facility_id=facility.pk,
                state=spec["state"],
            )
        )
        created.append((facility.name, submitted.receipt))
    return created
