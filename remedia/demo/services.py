"""`remedia seed-demo`: the demo organisations and users of PRODUCT.md, idempotently.

Later capabilities add their demo data here (facilities, reports, cases, the RRM
record, the INISA course, a work plan), each step idempotent on its own.
"""

from __future__ import annotations

import base64
import io
import math
import secrets
import struct
import wave
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from remedia.accounts import keys
from remedia.accounts import services as accounts
from remedia.accounts.models import Organisation, User
from remedia.accounts.permissions import Role, Sector
from remedia.analytics import public_figures
from remedia.analytics import services as analytics
from remedia.demo.coordination import seed_puebla_plan
from remedia.demo.protection import seed_files, seed_services
from remedia.demo.remediation import seed_inisa_course
from remedia.facilities import services as facilities
from remedia.facilities.models import Facility, FacilityStatus
from remedia.facilities.normalise import normalise_name
from remedia.intake import services as intake
from remedia.intake.models import (
    Channel,
    IntakeConfiguration,
    Report,
    RoutePurpose,
    RoutingRule,
)
from remedia.rrm import services as rrm


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
        "dif",
        "Procuraduría de Protección de Niñas, Niños y Adolescentes del Estado "
        "de Puebla (SEDIF)",
        "PPNNA Puebla",
        Sector.PUBLIC,
    ),
    DemoOrganisation(
        "coordination",
        "Secretaría del Trabajo del Estado de Puebla — Grupo Interinstitucional",
        "STyC Puebla",
        Sector.PUBLIC,
    ),
    # The Puebla plan's private sector and international partner (coordination.py).
    DemoOrganisation(
        "canaive_pue",
        "Cámara Nacional de la Industria del Vestido — Delegación Puebla",
        "CANAIVE Puebla",
        Sector.PRIVATE,
    ),
    DemoOrganisation(
        "iom",
        "Organización Internacional para las Migraciones (OIM México)",
        "OIM México",
        Sector.INTERNATIONAL,
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
    DemoUser(
        "protection_lead",
        "protection",
        Role.PROTECTION_LEAD,
        "Lorena",
        "Supervisora",
    ),
    DemoUser("dif", "dif", Role.PROTECTION, "Diana", "Procuraduría"),
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
    # The INISA course's statement survey, printed on the run that made it.
    survey_code: str = ""


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
    facilities_by_id = seed_facilities()
    receipts = seed_reports(facilities_by_id)
    seed_cases()
    rrm.rrm_record_seed(facility_links={"inisa": "demo-inisa"})
    seeded = seed_inisa_course(organisations=organisations, facilities=facilities_by_id)
    seed_files(
        organisations=organisations,
        facilities=facilities_by_id,
        services=seed_services(organisations),
    )
    seed_puebla_plan(organisations=organisations)
    # The public page (/cifras/) shows the demo's figures through today.
    public_figures.publication_create(before=timezone.localdate() + timedelta(days=1))
    # The dashboard's figures at once, not at the worker's next run.
    analytics.refresh()
    return SeedResult(
        users=created,
        organisations=created_organisations,
        receipts=receipts,
        survey_code=seeded.survey_code if seeded else "",
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
        "unions": "Sindicato de Industrias del Interior",
        "lat": "22.2410",
        "lng": "-102.3050",
        "aliases": ["La maquila de INISA en Rincón", "INISA Rincón"],
    },
    # Fictional from here on: names, companies, addresses and figures.
    # Aguascalientes.
    {
        "external_id": "demo-ags-2",
        "name": "Confecciones del Valle de Aguascalientes",
        "legal_name": "Confecciones del Valle de Aguascalientes, S. de R.L. de C.V.",
        "address": "Carretera a Valladolid km 2.5",
        "municipality": "Jesús María",
        "state": "MX-AGU",
        "sector": "Confección de prendas de vestir",
        "workers": 420,
        "lat": "21.9560",
        "lng": "-102.3480",
        "aliases": ["Confecciones del Valle"],
    },
    {
        "external_id": "demo-ags-3",
        "name": "Textiles Calvillo",
        "legal_name": "Textiles Calvillo, S.A. de C.V.",
        "municipality": "Calvillo",
        "state": "MX-AGU",
        "sector": "Bordado y confección",
        "workers": 150,
        "lat": "21.8510",
        "lng": "-102.7150",
    },
    {
        "external_id": "demo-ags-4",
        "name": "Deshilados y Bordados de Calvillo",
        "legal_name": "Deshilados de Calvillo, S.C. de R.L.",
        "municipality": "Calvillo",
        "state": "MX-AGU",
        "sector": "Bordado y deshilado",
        "workers": 45,
    },
    {
        "external_id": "demo-ags-5",
        "name": "Lavandería de Mezclilla Pabellón",
        "legal_name": "Lavandería y Acabados Pabellón, S.A. de C.V.",
        "address": "Boulevard Pabellón Sur 410",
        "municipality": "Pabellón de Arteaga",
        "state": "MX-AGU",
        "sector": "Lavandería de mezclilla",
        "workers": 310,
        "lat": "22.1420",
        "lng": "-102.2810",
    },
    {
        "external_id": "demo-ags-6",
        "name": "Maquiladora Textil San Francisco",
        "legal_name": "Maquiladora Textil San Francisco de los Romo, S. de R.L. de C.V.",
        "address": "Parque Industrial San Francisco, lote 12",
        "municipality": "San Francisco de los Romo",
        "state": "MX-AGU",
        "sector": "Maquila de exportación",
        "workers": 650,
        "lat": "22.0690",
        "lng": "-102.2660",
    },
    {
        "external_id": "demo-ags-7",
        "name": "Confecciones Ojocaliente",
        "legal_name": "Confecciones Ojocaliente, S.A. de C.V.",
        "address": "Avenida Siglo XXI 1240",
        "municipality": "Aguascalientes",
        "state": "MX-AGU",
        "sector": "Confección de prendas de vestir",
        "workers": 180,
    },
    {
        "external_id": "demo-ags-8",
        "name": "Uniformes Industriales del Centro",
        "legal_name": "Uniformes Industriales del Centro, S.A. de C.V.",
        "municipality": "Aguascalientes",
        "state": "MX-AGU",
        "sector": "Confección de uniformes",
        "workers": 220,
        "lat": "21.8690",
        "lng": "-102.2720",
    },
    {
        "external_id": "demo-ags-9",
        "name": "Tejidos de Punto Las Flores",
        "legal_name": "Tejidos Las Flores, S. de R.L. de C.V.",
        "municipality": "Aguascalientes",
        "state": "MX-AGU",
        "sector": "Tejido de punto",
        "workers": 95,
    },
    {
        "external_id": "demo-ags-10",
        "name": "Lavados Especiales Jesús María",
        "legal_name": "Lavados Especiales de Jesús María, S.A. de C.V.",
        "municipality": "Jesús María",
        "state": "MX-AGU",
        "sector": "Lavandería de mezclilla",
        "workers": 140,
    },
    {
        "external_id": "demo-ags-11",
        "name": "Camisas Finas del Bajío",
        "legal_name": "Camisería del Bajío, S.A. de C.V.",
        "municipality": "Aguascalientes",
        "state": "MX-AGU",
        "sector": "Confección de camisas",
        "workers": 380,
        "employer_group": "Grupo Bajío Textil",
        "lat": "21.9010",
        "lng": "-102.3020",
    },
    {
        "external_id": "demo-ags-12",
        "name": "Manufacturas de Exportación del Norte",
        "legal_name": (
            "Manufacturas de Exportación del Norte de Aguascalientes, S.A.P.I. de C.V."
        ),
        "municipality": "Rincón de Romos",
        "state": "MX-AGU",
        "sector": "Maquila de exportación",
        "workers": 900,
        "employer_group": "Grupo Bajío Textil",
    },
    {
        "external_id": "demo-ags-13",
        "name": "Taller de Costura La Estación",
        "municipality": "Pabellón de Arteaga",
        "state": "MX-AGU",
        "sector": "Taller de costura",
        "workers": 18,
    },
    {
        "external_id": "demo-ags-14",
        "name": "Bordados Industriales Jesús María",
        "legal_name": "Bordados Industriales de Aguascalientes, S.A. de C.V.",
        "municipality": "Jesús María",
        "state": "MX-AGU",
        "sector": "Bordado",
        "workers": 60,
    },
    {
        "external_id": "demo-ags-15",
        "name": "Ropa Infantil Aguascalientes",
        "legal_name": "Confecciones Infantiles de Aguascalientes, S. de R.L. de C.V.",
        "municipality": "Aguascalientes",
        "state": "MX-AGU",
        "sector": "Confección de ropa infantil",
        "workers": 260,
    },
    {
        "external_id": "demo-ags-16",
        "name": "Confecciones El Llano",
        "legal_name": "Confecciones El Llano, S.A. de C.V.",
        "municipality": "San Francisco de los Romo",
        "state": "MX-AGU",
        "sector": "Confección de prendas de vestir",
        "workers": 120,
        "status": FacilityStatus.CLOSED,
    },
    {
        "external_id": "demo-ags-17",
        "name": "Corte y Confección Rincón",
        "municipality": "Rincón de Romos",
        "state": "MX-AGU",
        "sector": "Corte y confección",
        "workers": 75,
        "lat": "22.2280",
        "lng": "-102.3250",
    },
    {
        "external_id": "demo-ags-18",
        "name": "Textiles Técnicos del Centro",
        "legal_name": "Textiles Técnicos del Centro, S.A. de C.V.",
        "address": "Parque Industrial del Valle de Aguascalientes, nave 7",
        "municipality": "Aguascalientes",
        "state": "MX-AGU",
        "sector": "Maquila de exportación (ropa deportiva)",
        "workers": 540,
        "employer_group": "Grupo Textil Centenario",
    },
    # Puebla.
    {
        "external_id": "demo-pue-1",
        "name": "Maquiladora Textil de Tehuacán",
        "legal_name": "Maquiladora Textil de Tehuacán, S.A. de C.V.",
        "municipality": "Tehuacán",
        "state": "MX-PUE",
        "sector": "Lavado y confección de mezclilla",
        "workers": 800,
        "lat": "18.4700",
        "lng": "-97.4010",
    },
    {
        "external_id": "demo-pue-2",
        "name": "Manufacturas Atlixco",
        "legal_name": "Manufacturas Atlixco, S. de R.L. de C.V.",
        "municipality": "Atlixco",
        "state": "MX-PUE",
        "sector": "Confección de uniformes",
        "workers": 260,
        "lat": "18.9120",
        "lng": "-98.4290",
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
    {
        "external_id": "demo-pue-4",
        "name": "Lavandería Industrial del Valle de Tehuacán",
        "legal_name": "Lavandería Industrial del Valle de Tehuacán, S.A. de C.V.",
        "address": "Carretera Federal Tehuacán–Orizaba km 4",
        "municipality": "Tehuacán",
        "state": "MX-PUE",
        "sector": "Lavandería de mezclilla",
        "workers": 450,
        "lat": "18.4830",
        "lng": "-97.3710",
    },
    {
        "external_id": "demo-pue-5",
        "name": "Jeans de Ajalpan",
        "legal_name": "Confecciones Ajalpan, S.A. de C.V.",
        "municipality": "Ajalpan",
        "state": "MX-PUE",
        "sector": "Confección de mezclilla",
        "workers": 700,
        "lat": "18.3720",
        "lng": "-97.2610",
    },
    {
        "external_id": "demo-pue-6",
        "name": "Maquiladora Sierra Negra",
        "legal_name": "Maquiladora Sierra Negra, S. de R.L. de C.V.",
        "municipality": "Ajalpan",
        "state": "MX-PUE",
        "sector": "Maquila de exportación",
        "workers": 380,
    },
    {
        "external_id": "demo-pue-7",
        "name": "Textiles Huejotzingo",
        "legal_name": "Textiles y Acabados Huejotzingo, S. de R.L. de C.V.",
        "municipality": "Huejotzingo",
        "state": "MX-PUE",
        "sector": "Tejido y acabado textil",
        "workers": 230,
        "lat": "19.1620",
        "lng": "-98.4010",
    },
    {
        "external_id": "demo-pue-8",
        "name": "Confecciones Izúcar",
        "legal_name": "Confecciones Izúcar, S.A. de C.V.",
        "municipality": "Izúcar de Matamoros",
        "state": "MX-PUE",
        "sector": "Confección de prendas de vestir",
        "workers": 160,
    },
    {
        "external_id": "demo-pue-9",
        "name": "Bordados Texmelucan",
        "municipality": "San Martín Texmelucan",
        "state": "MX-PUE",
        "sector": "Bordado",
        "workers": 85,
    },
    {
        "external_id": "demo-pue-10",
        "name": "Hilados y Tejidos de Texmelucan",
        "legal_name": "Hilados y Tejidos de Texmelucan, S.A. de C.V.",
        "municipality": "San Martín Texmelucan",
        "state": "MX-PUE",
        "sector": "Hilados y tejidos",
        "workers": 320,
        "lat": "19.2790",
        "lng": "-98.4420",
    },
    {
        "external_id": "demo-pue-11",
        "name": "Confecciones Angelópolis",
        "legal_name": "Confecciones Angelópolis, S.A. de C.V.",
        "address": "Parque Industrial Puebla 2000, calle 4 núm. 18",
        "municipality": "Puebla",
        "state": "MX-PUE",
        "sector": "Maquila de exportación",
        "workers": 850,
        "employer_group": "Grupo Angelópolis Textil",
        "unions": "Sindicato Independiente de la Industria del Vestido de Puebla",
        "lat": "19.0880",
        "lng": "-98.1830",
        "aliases": ["Angelópolis Jeans"],
    },
    {
        "external_id": "demo-pue-12",
        "name": "Uniformes Escolares de Puebla",
        "legal_name": "Uniformes Escolares de Puebla, S. de R.L. de C.V.",
        "municipality": "Puebla",
        "state": "MX-PUE",
        "sector": "Confección de uniformes",
        "workers": 140,
    },
    {
        "external_id": "demo-pue-13",
        "name": "Ropa Deportiva del Centro de Puebla",
        "legal_name": "Deportivos del Centro, S.A. de C.V.",
        "municipality": "Puebla",
        "state": "MX-PUE",
        "sector": "Confección de ropa deportiva",
        "workers": 410,
        "employer_group": "Grupo Angelópolis Textil",
        "lat": "19.0210",
        "lng": "-98.2290",
    },
    {
        "external_id": "demo-pue-14",
        "name": "Lavados y Acabados Tehuacán Sur",
        "legal_name": "Lavados y Acabados Tehuacán Sur, S.A. de C.V.",
        "municipality": "Tehuacán",
        "state": "MX-PUE",
        "sector": "Lavandería de mezclilla",
        "workers": 260,
    },
    {
        "external_id": "demo-pue-15",
        "name": "Taller Familiar Los Reyes",
        "municipality": "Tehuacán",
        "state": "MX-PUE",
        "sector": "Taller de costura",
        "workers": 12,
    },
    {
        "external_id": "demo-pue-16",
        "name": "Maquiladora Atlixco Norte",
        "legal_name": "Maquiladora Atlixco Norte, S. de R.L. de C.V.",
        "municipality": "Atlixco",
        "state": "MX-PUE",
        "sector": "Maquila de exportación",
        "workers": 520,
    },
    {
        "external_id": "demo-pue-17",
        "name": "Camisas Huejotzingo",
        "legal_name": "Camisas Huejotzingo, S.A. de C.V.",
        "municipality": "Huejotzingo",
        "state": "MX-PUE",
        "sector": "Confección de camisas",
        "workers": 190,
    },
    {
        "external_id": "demo-pue-18",
        "name": "Suéteres y Tejidos de Punto Poblanos",
        "legal_name": "Tejidos de Punto Poblanos, S.A. de C.V.",
        "municipality": "Puebla",
        "state": "MX-PUE",
        "sector": "Tejido de punto",
        "workers": 230,
    },
    {
        "external_id": "demo-pue-19",
        "name": "Confecciones Matamoros",
        "legal_name": "Confecciones del Sur de Puebla, S. de R.L. de C.V.",
        "municipality": "Izúcar de Matamoros",
        "state": "MX-PUE",
        "sector": "Confección de prendas de vestir",
        "workers": 110,
        "lat": "18.6030",
        "lng": "-98.4630",
    },
    {
        "external_id": "demo-pue-20",
        "name": "Mezclilla Premium Tehuacán",
        "legal_name": "Denim Premium de Tehuacán, S.A.P.I. de C.V.",
        "municipality": "Tehuacán",
        "state": "MX-PUE",
        "sector": "Lavandería y confección de mezclilla",
        "workers": 1200,
        "employer_group": "Grupo Denim del Valle",
        "unions": "Sindicato Independiente de la Industria del Vestido de Puebla",
        "lat": "18.4490",
        "lng": "-97.4120",
        "aliases": ["La Premium"],
    },
    {
        "external_id": "demo-pue-21",
        "name": "Bordados Atlixco",
        "municipality": "Atlixco",
        "state": "MX-PUE",
        "sector": "Bordado",
        "workers": 40,
    },
    {
        "external_id": "demo-pue-22",
        "name": "Costura Industrial Ajalpan",
        "legal_name": "Costura Industrial Ajalpan, S.C. de R.L.",
        "municipality": "Ajalpan",
        "state": "MX-PUE",
        "sector": "Maquila de costura",
        "workers": 55,
    },
]

DEMO_SOURCE = "demo"


def seed_facilities() -> dict[str, Facility]:
    """The demo registry, created through the registry's services, once each.

    Each facility is found by its `external_id`, so a second run (or a run on
    a database seeded before this list grew) only adds what is missing. The
    search tokens are rebuilt for every one: cheap for forty, and it brings a
    registry seeded before search existed up to date.
    """
    found = {}
    for spec in FACILITIES:
        data = {k: v for k, v in spec.items() if k not in {"aliases", "status"}}
        facility = Facility.objects.filter(external_id=spec["external_id"]).first()
        if facility is None:
            facility = facilities.facility_create(
                data=data, actor=None, source=DEMO_SOURCE
            )
            if spec.get("status"):
                facility = facilities.facility_status_change(
                    facility=facility,
                    status=spec["status"],
                    actor=None,
                    source=DEMO_SOURCE,
                )
        known = {a.name_key for a in facility.aliases.all()}
        for alias in spec.get("aliases", []):
            if normalise_name(alias) not in known:
                facilities.facility_alias_add(
                    facility=facility, name=alias, actor=None, source=DEMO_SOURCE
                )
        facilities.facility_index(facility=facility)
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
    {
        "channel": Channel.WEB,
        "categories": ["threats", "non_neutrality"],
        "facility": "demo-inisa",
        "state": "MX-AGU",
        "narrative": (
            "Un supervisor nos dijo en el comedor que si gana el sindicato "
            "independiente la planta se va a cerrar y nadie va a tener trabajo."
        ),
    },
    # One report from each of the worker's other channels, as they arrive there.
    {
        "channel": Channel.SMS,
        "categories": ["retaliation"],
        "facility": "demo-ags-2",
        "state": "MX-AGU",
        "narrative": (
            "Me cambiaron al turno de noche desde que fui a la asamblea del sindicato."
        ),
    },
    {
        "channel": Channel.WHATSAPP,
        "categories": ["harassment"],
        "facility": "demo-pue-1",
        "state": "MX-PUE",
        "narrative": (
            "La supervisora revisa nuestros teléfonos a la entrada y nos grita si "
            "hablamos del sindicato."
        ),
    },
    {
        "channel": Channel.EMAIL,
        "language": "es",
        "categories": ["other"],
        "facility": "demo-inisa",
        "state": "MX-AGU",
        "narrative": (
            "Denuncia\n\nNos pidieron firmar una hoja en blanco para recibir el "
            "bono de fin de año. Quien no firmó no lo recibió."
        ),
    },
    # Taken by a partner organisation's hotline and handed in through the API
    # with its partner token (issue 19): the union's line for garment workers.
    {
        "channel": Channel.PARTNER,
        "partner": "pue_union",
        "partner_channel": "Línea de las trabajadoras del vestido (SIIVP)",
        "categories": ["wages"],
        "facility": "demo-pue-1",
        "state": "MX-PUE",
        "narrative": (
            "Llamó una costurera a nuestra línea: desde enero les descuentan el "
            "día completo si llegan cinco minutos tarde."
        ),
    },
    {
        "channel": Channel.VOICE,
        "categories": ["forced_labour"],
        "facility": "demo-pue-3",
        "state": "MX-PUE",
        "narrative": "(Denuncia por teléfono: el relato está en la grabación.)",
        "recording": True,
    },
]


def demo_recording(seconds: float = 1.5, rate: int = 8000) -> bytes:
    """A short tone standing in for a caller's recording (8 kHz, as on a phone line)."""
    frames = bytearray()
    for n in range(int(seconds * rate)):
        sample = int(8000 * math.sin(2 * math.pi * 440 * n / rate))
        frames += struct.pack("<h", sample)
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(bytes(frames))
    return out.getvalue()


def seed_reports(facilities: dict[str, Facility]) -> list[tuple[str, str]]:
    """Demo reports, once; returns (facility name, receipt) of those created now."""
    if Report.objects.exists():
        return []
    created = []
    partners = {
        spec.key: Organisation.objects.filter(name=spec.name).first()
        for spec in ORGANISATIONS
    }
    for spec in DEMO_REPORTS:
        facility = facilities[spec["facility"]]
        partner = partners.get(spec.get("partner", ""))
        submitted = intake.report_submit(
            draft=intake.ReportDraft(
                partner_organisation_id=partner.pk if partner else None,
                partner_channel=spec.get("partner_channel", ""),
                channel=spec["channel"],
                categories=list(spec["categories"]),
                narrative=spec["narrative"],
                facility_id=facility.pk,
                state=spec["state"],
                language=spec.get("language", "es"),
                files=[
                    intake.IncomingFile(
                        name="relato-telefono.wav", data=demo_recording()
                    )
                ]
                if spec.get("recording")
                else [],
            )
        )
        created.append((facility.name, submitted.receipt))
    return created


# --- Cases ----------------------------------------------------------------------------


def seed_cases() -> None:
    """One case per demo organisation, once: triage already done, work under way.

    In Aguascalientes the two reports about the INISA facility form a case in
    investigation with a task; in Puebla the wages report is a case waiting on
    the reporter (its clocks paused). The other reports stay in triage.
    """
    from remedia.cases import services as cases
    from remedia.cases.models import Case

    if Case.objects.exists():
        return
    handler = User.objects.filter(username="handler").first()
    handler2 = User.objects.filter(username="handler2").first()
    if handler is None or handler2 is None:
        return
    inisa = list(
        Report.objects.filter(facility__external_id="demo-inisa").order_by("created_at")
    )
    if inisa:
        case = cases.case_open(
            report_ids=[r.pk for r in inisa],
            user=handler,
            assignee_id=handler.pk,
            severity="high",
        )
        cases.case_status_change(case=case, user=handler, status="investigating")
        cases.case_task_add(
            case=case,
            user=handler,
            title="Solicitar inspección a la Secretaría del Trabajo",
            owner_id=handler.pk,
            due_on=timezone.localdate() + timedelta(days=5),
        )
        cases.case_note_add(
            case=case,
            user=handler,
            body=(
                "Dos denuncias de la misma línea; coinciden en el mensaje del "
                "gerente. Posible caso para el MLRR."
            ),
        )
    wages = (
        Report.objects.filter(
            facility__external_id="demo-pue-1", category_rows__code="wages"
        )
        .order_by("created_at")
        .first()
    )
    if wages is not None:
        case = cases.case_open(
            report_ids=[wages.pk], user=handler2, assignee_id=handler2.pk
        )
        cases.case_message_reporters(
            case=case,
            user=handler2,
            body=(
                "Gracias por avisarnos. ¿Desde qué fecha les pagan incompleto? "
                "¿Pasa en todas las líneas o solo en la suya?"
            ),
        )
        cases.case_status_change(case=case, user=handler2, status="awaiting_response")
