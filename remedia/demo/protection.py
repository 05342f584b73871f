"""The protection demo: the services directory of Puebla and Mexico, and two files.

The directory holds the institutions domain/protection.md names. Names are
public; contact data shown only where it is the institution's published line
(the national anti-trafficking hotline), otherwise left for coordinators to
confirm: a directory must never send a victim to a wrong number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from remedia.accounts.models import Organisation, User
from remedia.facilities.models import Facility
from remedia.protection.models import Referral, Service, VictimFile
from remedia.protection.services.consent import consent_record
from remedia.protection.services.files import file_open
from remedia.protection.services.referrals import referral_accept, referral_create
from remedia.protection.services.support import support_action_add
from remedia.protection.vocabulary import (
    TIMEFRAME_HOURS,
    ConsentGiver,
    ConsentScope,
    ControlMethod,
    ExploitationType,
    Gender,
    Recruitment,
    RiskLevel,
    ServedSexes,
    ServiceType,
    SupportType,
    Timeframe,
    TraffickingStatus,
)

UNCONFIRMED = (
    "Dato de demostración: confirme teléfono, horario y requisitos con la "
    "institución antes de canalizar."
)


@dataclass(frozen=True)
class DemoService:
    institution: str
    name: str
    types: tuple[str, ...]
    organisation: str = ""  # demo key when the institution works in Remedia
    national: bool = False
    states: tuple[str, ...] = ("MX-PUE",)
    min_age: int | None = None
    max_age: int | None = None
    sexes: str = ServedSexes.ALL
    phone: str = ""
    website: str = ""
    hours: str = ""
    timeframe: str = Timeframe.ONE_DAY
    notes: str = UNCONFIRMED


SERVICES = [
    DemoService(
        "Procuraduría de Protección de Niñas, Niños y Adolescentes (SEDIF Puebla)",
        "Intervención inmediata y medidas de protección para personas menores de 18",
        (ServiceType.CHILD_PROTECTION, ServiceType.SHELTER, ServiceType.LEGAL),
        organisation="dif",
        max_age=17,
        hours="Guardia las 24 horas",
        timeframe=Timeframe.THREE_HOURS,
    ),
    DemoService(
        "Fiscalía General del Estado de Puebla",
        "Unidad especializada en investigación de trata de personas",
        (ServiceType.PROSECUTION,),
        timeframe=Timeframe.ONE_DAY,
    ),
    DemoService(
        "Fiscalía General de la República (FEVIMTRA)",
        "Fiscalía Especial para los Delitos de Violencia contra las Mujeres y "
        "Trata de Personas",
        (ServiceType.PROSECUTION, ServiceType.SHELTER),
        national=True,
        states=(),
        timeframe=Timeframe.THREE_DAYS,
    ),
    DemoService(
        "Consejo Ciudadano para la Seguridad y Justicia",
        "Línea Nacional contra la Trata de Personas",
        (ServiceType.LEGAL, ServiceType.PSYCHOLOGICAL),
        national=True,
        states=(),
        phone="800 5533 000",
        hours="Las 24 horas, todos los días",
        timeframe=Timeframe.ONE_HOUR,
        notes="Orientación gratuita y confidencial; canaliza a las autoridades.",
    ),
    DemoService(
        "Comisión Ejecutiva de Atención a Víctimas (CEAV)",
        "Atención integral, asesoría jurídica federal y registro de víctimas",
        (ServiceType.LEGAL, ServiceType.PSYCHOLOGICAL, ServiceType.MEDICAL),
        national=True,
        states=(),
        timeframe=Timeframe.THREE_DAYS,
    ),
    DemoService(
        "Comisión Ejecutiva Estatal de Atención a Víctimas de Puebla",
        "Asesoría jurídica y acompañamiento psicológico",
        (ServiceType.LEGAL, ServiceType.PSYCHOLOGICAL),
        timeframe=Timeframe.THREE_DAYS,
    ),
    DemoService(
        "Secretaría del Trabajo del Estado de Puebla",
        "Inspección local del trabajo",
        (ServiceType.LABOUR_INSPECTION,),
        timeframe=Timeframe.ONE_WEEK,
    ),
    DemoService(
        "Secretaría del Trabajo y Previsión Social (STPS)",
        "Inspección federal del trabajo",
        (ServiceType.LABOUR_INSPECTION,),
        national=True,
        states=(),
        timeframe=Timeframe.ONE_WEEK,
    ),
    DemoService(
        "Servicios de Salud del Estado de Puebla",
        "Atención médica de urgencia y seguimiento",
        (ServiceType.MEDICAL,),
        timeframe=Timeframe.ONE_DAY,
    ),
    DemoService(
        "Organización Internacional para las Migraciones (OIM México)",
        "Asistencia para el retorno voluntario y la reintegración",
        (ServiceType.REPATRIATION, ServiceType.LIVELIHOOD),
        national=True,
        states=(),
        min_age=18,
        timeframe=Timeframe.ONE_WEEK,
    ),
    DemoService(
        "Red de Atención a Víctimas de Trata y Trabajo Forzoso de Puebla",
        "Casa de acogida, acompañamiento psicológico y jurídico",
        (
            ServiceType.SHELTER,
            ServiceType.PSYCHOLOGICAL,
            ServiceType.LEGAL,
            ServiceType.LIVELIHOOD,
        ),
        organisation="protection",
        min_age=18,
        sexes=ServedSexes.WOMEN,
        hours="Lunes a sábado, 9:00 a 19:00; guardia telefónica nocturna",
        timeframe=Timeframe.ONE_DAY,
        notes="Organización ficticia de la demostración.",
    ),
]


def seed_services(organisations: dict[str, Organisation]) -> dict[str, Service]:
    """The directory, created once per (institution, name)."""
    found: dict[str, Service] = {}
    for spec in SERVICES:
        service = Service.objects.filter(
            institution=spec.institution, name=spec.name
        ).first()
        if service is None:
            service = Service(
                institution=spec.institution,
                name=spec.name,
                organisation=organisations.get(spec.organisation),
                service_types=list(spec.types),
                national=spec.national,
                states=list(spec.states),
                min_age=spec.min_age,
                max_age=spec.max_age,
                sexes=spec.sexes,
                phone=spec.phone,
                website=spec.website,
                hours=spec.hours,
                timeframe=spec.timeframe,
                notes=spec.notes,
            )
            service.full_clean()
            service.save()
        found[spec.organisation or spec.institution] = service
    return found


@dataclass(frozen=True)
class DemoFile:
    key: str
    identity: dict[str, str]
    fields: dict[str, Any]
    facility: str


FILES = [
    DemoFile(
        "night_workshop",
        {
            "given_names": "Guadalupe",
            "family_names": "Tlaxcalteca Ramírez",
            "alias": "Lupita",
            "date_of_birth": "",
            "place_of_origin": "Ajalpan, Puebla",
            "languages": "Español y náhuatl",
            "contact": "Por medio de su madre, en el mercado de Tehuacán",
            "caregiver": "Su madre, que la acompañó a la entrevista",
            "story": (
                "Tiene 15 años. Cose en un taller de maquila de pantalones de 7 de la "
                "tarde a 3 de la mañana, de lunes a sábado; dejó la secundaria este "
                "año. Nadie le pidió autorización de sus padres ni certificado médico."
            ),
        },
        {
            "age_at_identification": 15,
            "gender": Gender.FEMININE,
            "citizenship": "MX",
            "exploitation_state": "MX-PUE",
            "exploitation_types": [ExploitationType.CHILD_LABOUR],
            "control_methods": [ControlMethod.EXCESSIVE_WORKING_HOURS],
            "recruitment": Recruitment.FRIEND,
            "recruitment_state": "MX-PUE",
            "recruitment_country": "MX",
            "risk_level": RiskLevel.HIGH,
        },
        "demo-pue-3",
    ),
    DemoFile(
        "migrant_debt",
        {
            "given_names": "Edwin",
            "family_names": "Xol Caal",
            "alias": "",
            "date_of_birth": "2002-08-19",
            "place_of_origin": "Cobán, Alta Verapaz, Guatemala",
            "languages": "Q'eqchi' y español",
            "contact": "Solo en persona, en la casa de acogida",
            "caregiver": "",
            "story": (
                "Llegó con un enganchador que le prometió trabajo de costura con "
                "buen sueldo. El dueño del taller guarda su pasaporte y le descuenta "
                "del pago una deuda por el viaje y la comida que no deja de crecer; "
                "duerme en el taller y no puede salir sin permiso."
            ),
        },
        {
            "age_at_identification": 24,
            "gender": Gender.MASCULINE,
            "citizenship": "GT",
            "exploitation_state": "MX-PUE",
            "exploitation_types": [ExploitationType.FORCED_LABOUR],
            "control_methods": [
                ControlMethod.WITHHOLDS_DOCUMENTS,
                ControlMethod.DEBT_BONDAGE,
                ControlMethod.RESTRICTS_MOVEMENT,
                ControlMethod.FALSE_PROMISES,
            ],
            "recruitment": Recruitment.RECRUITMENT_AGENCY,
            "recruitment_country": "GT",
            "trafficking_status": TraffickingStatus.POSSIBLE,
            "risk_level": RiskLevel.HIGH,
        },
        "demo-pue-1",
    ),
]


def seed_files(
    *,
    organisations: dict[str, Organisation],
    facilities: dict[str, Facility],
    services: dict[str, Service],
) -> dict[str, VictimFile]:
    """The two Puebla files, opened once by the demo's protection worker, with
    their consents, a referral each and a support plan."""
    worker = User.objects.filter(username="protection").first()
    team = organisations.get("protection")
    if worker is None or team is None:
        return {}
    found: dict[str, VictimFile] = {}
    for spec in FILES:
        existing = VictimFile.objects.filter(
            organisation=team, created_by=worker, facility__external_id=spec.facility
        ).first()
        if existing is not None:
            found[spec.key] = existing
            continue
        fields = dict(spec.fields)
        fields["facility"] = facilities.get(spec.facility)
        file = file_open(
            organisation=team,
            opened_by=worker,
            identity=spec.identity,
            identified_on=timezone.localdate() - timedelta(days=12),
            fields=fields,
        )
        _FOLLOW_UP[spec.key](
            file=file, worker=worker, organisations=organisations, services=services
        )
        found[spec.key] = file
    return found


def _night_workshop(
    *,
    file: VictimFile,
    worker: User,
    organisations: dict[str, Organisation],
    services: dict[str, Service],
) -> None:
    """Her mother consents; the procuraduría gets the referral, still to answer."""
    given = timezone.localdate() - timedelta(days=11)
    dif = organisations["dif"]
    for scope, recipient in (
        (ConsentScope.SERVICES, None),
        (ConsentScope.SHARING, dif),
        (ConsentScope.REPORTING, None),
    ):
        consent_record(
            file=file,
            user=worker,
            scope=scope,
            given_by=ConsentGiver.CAREGIVER,
            given_on=given,
            recipient_id=recipient.pk if recipient else None,
        )
    referral = referral_create(
        file=file,
        user=worker,
        service_id=services["dif"].pk,
        service_type=ServiceType.CHILD_PROTECTION,
        share=["age", "gender"],
        needs=(
            "Adolescente de 15 años que cose de noche en un taller de Tehuacán; "
            "pedimos medidas de protección y el regreso a la secundaria."
        ),
    )
    # Sent the day her mother consented: three hours to answer have long
    # passed, so it waits at the procuraduría and is overdue for its sender
    # (each side's count on the home page leads to it).
    sent = timezone.now() - timedelta(days=11)
    Referral.objects.filter(pk=referral.pk).update(
        created_at=sent,
        due_at=sent + timedelta(hours=TIMEFRAME_HOURS[Timeframe.THREE_HOURS]),
    )
    support_action_add(
        file=file,
        user=worker,
        support_type=SupportType.EDUCATION,
        objective="Que vuelva a la secundaria en el próximo ciclo",
        action="Acompañar a su madre a la inscripción y pedir beca estatal",
        starts_on=given,
        due_on=given + timedelta(days=60),
    )


def _migrant_debt(
    *,
    file: VictimFile,
    worker: User,
    organisations: dict[str, Organisation],
    services: dict[str, Service],
) -> None:
    """He consents to services and to the state prosecutor's unit (outside
    Remedia), which accepted; the plan covers his documents and his way home."""
    given = timezone.localdate() - timedelta(days=10)
    prosecutor = services["Fiscalía General del Estado de Puebla"]
    for scope, name in (
        (ConsentScope.SERVICES, ""),
        (ConsentScope.SHARING, prosecutor.institution),
        (ConsentScope.REPORTING, ""),
    ):
        consent_record(
            file=file,
            user=worker,
            scope=scope,
            given_by=ConsentGiver.PERSON,
            given_on=given,
            recipient_name=name,
        )
    referral = referral_create(
        file=file,
        user=worker,
        service_id=prosecutor.pk,
        service_type=ServiceType.PROSECUTION,
        share=["age", "gender"],
        needs="Retención de pasaporte y deuda impuesta por el dueño del taller.",
    )
    # An institution outside Remedia answers through the sender.
    referral_accept(referral=referral, user=worker, version=referral.version, note="")
    for support_type, objective, action, days in (
        (
            SupportType.LEGAL,
            "Recuperar su pasaporte",
            "Acompañar la denuncia ante la Fiscalía y pedir la devolución",
            30,
        ),
        (
            SupportType.SOCIAL_CARE,
            "Alojamiento seguro mientras dura el proceso",
            "Casa de acogida de la red; revisar cada semana",
            90,
        ),
        (
            SupportType.LIVELIHOOD,
            "Trabajo con paga justa o retorno a Cobán si lo decide",
            "Contactar a la OIM para el retorno voluntario",
            120,
        ),
    ):
        support_action_add(
            file=file,
            user=worker,
            support_type=support_type,
            objective=objective,
            action=action,
            starts_on=given,
            due_on=given + timedelta(days=days),
        )


_FOLLOW_UP = {"night_workshop": _night_workshop, "migrant_debt": _migrant_debt}
