"""The protection tests' world: a protection team, a receiving institution, files.

`team` is a civil-society organisation in Puebla with two protection workers
(`worker`, `worker2`), their lead (`lead`, who supervises every file) and a
case handler (`handler`, who must never see a file). `dif` is the receiving
institution (DIF's child-protection procuraduría) with its own protection
worker. Every member holds a keypair and a decrypting API token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from remedia.accounts import keys
from remedia.accounts.models import Organisation, User
from remedia.protection.models import Consent, VictimFile
from remedia.protection.services.files import file_open
from remedia.protection.vocabulary import ConsentGiver, ConsentScope
from tests.support.actors import Staff, organisation_with_escrow, staff_member
from tests.support.factories.accounts import PASSWORD

IDENTITY = {
    "given_names": "Lucía",
    "family_names": "Hernández Pérez",
    "date_of_birth": "2011-03-14",
    "contact": "Por medio de su tía, 222 555 0101",
    "story": "Trabaja de noche en un taller de costura en Tehuacán.",
}


@dataclass(frozen=True)
class ProtectionWorld:
    team: Organisation
    worker: Staff
    worker2: Staff
    lead: Staff
    handler: Staff
    dif: Organisation
    dif_worker: Staff
    outsider: Staff  # a protection lead of an organisation with no part in it


def private_key_of(user: User) -> bytes:
    """The user's private key, as their login unlocks it."""
    return keys.user_key_unlock(user=user, password=PASSWORD)


def victim_file_open(
    world: ProtectionWorld,
    *,
    by: Staff | None = None,
    identity: dict[str, Any] | None = None,
    **fields: Any,
) -> VictimFile:
    """A file opened by `by` (the first worker by default) through the service."""
    member = by or world.worker
    return file_open(
        organisation=world.team,
        opened_by=member.user,
        identity=identity or IDENTITY,
        fields=fields,
    )


@pytest.fixture
def protection_world(db: None) -> ProtectionWorld:
    team = organisation_with_escrow("Colectivo Costura Digna", "Costura Digna")
    dif = organisation_with_escrow(
        "Procuraduría de Protección de Niñas, Niños y Adolescentes (DIF Puebla)",
        "DIF Puebla",
    )
    elsewhere = organisation_with_escrow("Refugio Otra Parte", "Otra Parte")
    return ProtectionWorld(
        team=team,
        worker=staff_member(team, "paula", role="protection"),
        worker2=staff_member(team, "pedro", role="protection"),
        lead=staff_member(team, "lidia", role="protection_lead"),
        handler=staff_member(team, "hector", role="handler"),
        dif=dif,
        dif_worker=staff_member(dif, "diana", role="protection"),
        outsider=staff_member(elsewhere, "olga", role="protection_lead"),
    )


def consent_give(
    file: VictimFile,
    scope: str = ConsentScope.REPORTING,
    *,
    by: Staff | None = None,
    given_by: str = ConsentGiver.CAREGIVER,
    recipient: Organisation | None = None,
    recipient_name: str = "",
) -> Consent:
    """A consent recorded through the service; `by` defaults to whoever
    opened the file, the giver to a caregiver (valid at any age)."""
    from remedia.protection.services.consent import consent_record

    return consent_record(
        file=file,
        user=by.user if by else file.created_by,
        scope=scope,
        given_by=given_by,
        given_on=timezone.localdate(),
        recipient_id=recipient.pk if recipient else None,
        recipient_name=recipient_name,
    )


def reporting_file_open(
    world: ProtectionWorld,
    *,
    identified_on: date | None = None,
    consent: bool = True,
    **fields: Any,
) -> VictimFile:
    """A file of the team identified on `identified_on`, with consent for
    de-identified reporting unless `consent` is off."""
    file = file_open(
        organisation=world.team,
        opened_by=world.worker.user,
        identity=IDENTITY,
        identified_on=identified_on,
        fields=fields,
    )
    if consent:
        consent_give(file)
    return file


# --- Consent, the services directory and referrals -------------------------------------


def file_private_of(file: VictimFile, member: Staff) -> bytes | None:
    """The file's private key as `member`'s grant opens it."""
    from remedia.protection.services.grants import file_key

    return file_key(
        file=file, user=member.user, user_private_key=private_key_of(member.user)
    )


def directory_service(
    *,
    institution: str = "Procuraduría de Protección de Niñas, Niños y Adolescentes",
    name: str = "Restitución de derechos",
    organisation: Organisation | None = None,
    service_types: list[str] | None = None,
    states: list[str] | None = None,
    national: bool = False,
    timeframe: str = "1d",
    **fields: Any,
) -> Any:
    """A service of the directory (as a coordinator keeps it; setup only)."""
    from remedia.core.kit import full_clean
    from remedia.protection.models import Service

    service = Service(
        institution=institution,
        name=name,
        organisation=organisation,
        service_types=service_types or ["child_protection"],
        states=[] if national else (states or ["MX-PUE"]),
        national=national,
        timeframe=timeframe,
        **fields,
    )
    full_clean(service)
    service.save()
    return service


def consent_given(
    world: ProtectionWorld,
    file: VictimFile,
    scope: str,
    *,
    recipient: Organisation | None = None,
    recipient_name: str = "",
    given_by: str = "caregiver",
    by: Staff | None = None,
) -> Any:
    """A consent recorded through the service (by the file's first worker)."""
    from django.utils import timezone

    from remedia.protection.services.consent import consent_record

    return consent_record(
        file=file,
        user=(by or world.worker).user,
        scope=scope,
        given_by=given_by,
        given_on=timezone.localdate(),
        recipient_id=recipient.pk if recipient else None,
        recipient_name=recipient_name,
    )


def consented_for(world: ProtectionWorld, file: VictimFile, service: Any) -> None:
    """Consent for services and for sharing with the service's institution."""
    consent_given(world, file, "services")
    if service.organisation is not None:
        consent_given(world, file, "sharing", recipient=service.organisation)
    else:
        consent_given(world, file, "sharing", recipient_name=service.institution)


def referral_sent(
    world: ProtectionWorld,
    file: VictimFile,
    service: Any,
    *,
    by: Staff | None = None,
    share: tuple[str, ...] = ("name", "age"),
    needs: str = "Restitución de derechos y un lugar seguro.",
    **fields: Any,
) -> Any:
    """A referral sent through the service by the file's worker (consent given
    beforehand by the caller)."""
    from remedia.protection.services.referrals import referral_create

    member = by or world.worker
    return referral_create(
        file=file,
        user=member.user,
        service_id=service.pk,
        service_type=fields.pop("service_type", service.service_types[0]),
        share=share,
        needs=needs,
        file_private=file_private_of(file, member),
        **fields,
    )


@pytest.fixture
def dif_service(protection_world: ProtectionWorld) -> Any:
    """DIF Puebla's child-protection procuraduría, in Remedia, answers in a day."""
    return directory_service(organisation=protection_world.dif)


@pytest.fixture
def minor_file(protection_world: ProtectionWorld) -> VictimFile:
    """A 15-year-old's file, exploited in Puebla (the demo's first person)."""
    return victim_file_open(
        protection_world,
        age_at_identification=15,
        gender="feminine",
        exploitation_state="MX-PUE",
    )


# --- Helpers of the file and support-plan tests -------------------------------------

NOTE = "Dice que el encargado le quitó el acta de nacimiento."
OBJECTIVE = "Que Lucía vuelva a la secundaria en Tehuacán"
ACTION = "Inscripción con apoyo de la trabajadora social del DIF"


def file_url(file: VictimFile, suffix: str = "") -> str:
    """A file page's path, or one of its form actions' (`suffix`, e.g. "notas/")."""
    return f"/staff/proteccion/expedientes/{file.pk}/{suffix}"


def api_file_url(file: VictimFile, suffix: str = "") -> str:
    return f"/api/v1/protection/files/{file.pk}{suffix}"


def protection_report(
    world: ProtectionWorld, *, state: str = "MX-PUE", to: Organisation | None = None
) -> Any:
    """A child-labour report of `state` that the intake routes to `to` (the team)
    and only to it."""
    from remedia.intake import services as intake
    from remedia.intake.models import RoutePurpose, RoutingRule

    RoutingRule.objects.get_or_create(
        organisation=to or world.team, purpose=RoutePurpose.PROTECTION, state=state
    )
    return intake.report_submit(
        draft=intake.ReportDraft(
            channel="api",
            categories=["child_labour"],
            narrative="Hay niñas cosiendo de noche en el taller.",
            state=state,
            facility_name="Taller de la colonia",
        )
    ).report


def assign(world: ProtectionWorld, file: VictimFile, member: Staff) -> None:
    """The lead assigns `member`, with the lead's key unlocked (grant sealed now)."""
    from remedia.protection.services.files import file_assign

    file_assign(
        file=file,
        user=world.lead.user,
        worker_id=member.user.pk,
        user_private_key=private_key_of(world.lead.user),
    )


def support_action_of(world: ProtectionWorld, file: VictimFile, **fields: Any) -> Any:
    """An action of the file's plan added by its first worker."""
    from remedia.protection.services.support import support_action_add

    values: dict[str, Any] = {
        "support_type": "education",
        "objective": OBJECTIVE,
        "action": ACTION,
        **fields,
    }
    return support_action_add(file=file, user=world.worker.user, **values)


def rows_holding(model: Any, needles: list[str]) -> list[str]:
    """Columns of `model`'s stored rows that hold any of `needles` as plain text
    (text, JSON or bytes): what a database dump would show."""
    import json

    from django.db import connection

    # JSON columns may hold "Lucía" as "Luc\\u00eda".
    forms = {n: {n, json.dumps(n)[1:-1]} for n in needles}
    found = []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - a model's own table
        names = [c[0] for c in cursor.description]
        for row in cursor.fetchall():
            for name, value in zip(names, row, strict=True):
                if isinstance(value, memoryview):
                    value = bytes(value)
                blob = value if isinstance(value, bytes) else str(value).encode()
                for needle, variants in forms.items():
                    if any(v.encode() in blob for v in variants):
                        found.append(f"{table}.{name}: {needle}")
    return found


@pytest.fixture
def sign_in(client: Any, log_in_verified: Any) -> Any:
    """`sign_in(member)`: the test client becomes `member`, logged in afresh
    through the form (key unlocked in the session); members may come back."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.support.factories.accounts import totp_device

    def enter(member: Staff) -> User:
        client.logout()
        if not TOTPDevice.objects.filter(user=member.user, confirmed=True).exists():
            totp_device(member.user)
        assert log_in_verified(member.user).status_code == 302
        return member.user

    return enter


# --- Screenings -------------------------------------------------------------------------

# A 15-year-old sewing at night in a workshop: the demo's and the case.
ANSWERS_15_AT_NIGHT = {
    "age": "15",
    "hours_per_day": "7",
    "longest_block_hours": "4",
    "night_work": "yes",
    "hazardous_work": "no",
    "overtime": "no",
    "rest_day_work": "no",
    "finished_basic_education": "yes",
    "guardian_authorisation": "yes",
    "medical_certificate": "no",
    "deception": "no",
    "restriction_of_movement": "no",
    "retention_of_documents": "no",
    "debt_bondage": "no",
    "free_to_leave": "yes",
}
NARRATIVE_PROTECTION = (
    "En el taller de la calle 5 de Mayo en Tehuacán cose una niña de 15 años "
    "de las 10 de la noche a las 5 de la mañana."
)
FACILITY_TYPED = "Taller de costura de don Efrén"


@dataclass(frozen=True)
class ScreeningWorld:
    """`protection_world`, with reports routed: the team is a protection route
    for every state; `labour` (a labour-rights organisation of Puebla with a
    handler and no protection staff) receives Puebla's reports; `elsewhere`'s
    handler has no part in any of it."""

    p: ProtectionWorld
    labour: Organisation
    labour_handler: Staff
    elsewhere_handler: Staff


@pytest.fixture
def screening_world(protection_world: ProtectionWorld) -> ScreeningWorld:
    from remedia.intake.models import RoutePurpose, RoutingRule
    from tests.support.intake import intake_configuration

    labour = organisation_with_escrow("Colectivo Obrero de Puebla", "COP")
    elsewhere = organisation_with_escrow("Centro Laboral del Norte", "CLN")
    RoutingRule.objects.create(
        organisation=protection_world.team, purpose=RoutePurpose.PROTECTION
    )
    RoutingRule.objects.create(
        organisation=labour, purpose=RoutePurpose.LABOUR_RIGHTS, state="MX-PUE"
    )
    config = intake_configuration()
    config.default_organisation = labour
    config.save()
    return ScreeningWorld(
        p=protection_world,
        labour=labour,
        labour_handler=staff_member(labour, "lucas", role="handler"),
        elsewhere_handler=staff_member(elsewhere, "elena", role="handler"),
    )


@pytest.fixture
def protection_report_in(
    screening_world: ScreeningWorld,
    hand_in: Any,
    django_capture_on_commit_callbacks: Any,
) -> Any:
    """`protection_report_in(categories=...)`: a report handed in (child labour in
    Puebla unless told otherwise) with the signals' jobs run after the commit,
    as a request would; returns the report and the receipt."""

    def submit(
        *, categories: tuple[str, ...] = ("child_labour",), state: str = "MX-PUE"
    ) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return hand_in(
                narrative=NARRATIVE_PROTECTION,
                state=state,
                categories=categories,
                facility_name=FACILITY_TYPED,
            )

    return submit


@pytest.fixture
def pending_screening(
    screening_world: ScreeningWorld, protection_report_in: Any
) -> Any:
    """The team's pending screening of a child-labour report from Puebla (which
    the labour organisation received too)."""
    from remedia.protection.models import Screening

    protection_report_in()
    return Screening.objects.get(organisation=screening_world.p.team)
