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
    given_by: str = ConsentGiver.PERSON,
    recipient: Organisation | None = None,
    recipient_name: str = "",
) -> Consent:
    """A consent row written straight to the model (the consent services are
    another part's); `by` defaults to whoever opened the file."""
    return Consent.objects.create(
        file=file,
        scope=scope,
        recipient=recipient,
        recipient_name=recipient_name,
        given_by=given_by,
        given_on=timezone.localdate(),
        recorded_by=by.user if by else file.created_by,
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
