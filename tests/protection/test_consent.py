"""Consent as records: who gave it, for what, with whom; withdrawn at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from remedia.core.errors import InvalidInput, NotFound
from remedia.core.models import AuditEntry
from remedia.protection.models import Consent, ReferralKeyGrant, VictimFile
from remedia.protection.selectors.consent import (
    consent_active,
    consent_state,
    files_with_active_consent,
)
from remedia.protection.services.consent import consent_record, consent_withdraw
from remedia.protection.services.referrals import (
    referral_accept,
    referral_done,
    referral_open,
)
from tests.support.protection import (
    ProtectionWorld,
    consent_given,
    consented_for,
    directory_service,
    private_key_of,
    referral_sent,
    victim_file_open,
)

pytestmark = pytest.mark.django_db


def _reasons(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {e["field"]: str(e["reason"]) for e in exc.value.errors}


def test_a_caregiver_consents_for_a_minor_and_it_holds(
    protection_world: ProtectionWorld, minor_file: VictimFile
) -> None:
    # When the caregiver of a 15-year-old consents to services
    consent = consent_given(protection_world, minor_file, "services")

    # Then the consent is active, recorded by the worker and audited
    assert consent_active(file=minor_file, scope="services")
    assert consent.recorded_by == protection_world.worker.user
    assert AuditEntry.objects.filter(
        action="protection.consent_recorded", object_id=str(consent.pk)
    ).exists()
    assert consent_state(file=minor_file).services == consent


def test_a_minor_cannot_consent_alone(
    protection_world: ProtectionWorld, minor_file: VictimFile
) -> None:
    # When a 15-year-old's own consent is recorded
    with pytest.raises(InvalidInput) as refused:
        consent_given(protection_world, minor_file, "services", given_by="person")

    # Then it is refused with the reason, and nothing is stored
    assert "menor de 18 años" in _reasons(refused)["given_by"]
    assert not Consent.objects.exists()


def test_an_adult_consents_for_herself(protection_world: ProtectionWorld) -> None:
    file = victim_file_open(protection_world, age_at_identification=18)
    consent_given(protection_world, file, "services", given_by="person")
    assert consent_active(file=file, scope="services")


def test_a_consent_given_in_the_future_is_refused(
    protection_world: ProtectionWorld, minor_file: VictimFile
) -> None:
    with pytest.raises(InvalidInput) as refused:
        consent_record(
            file=minor_file,
            user=protection_world.worker.user,
            scope="services",
            given_by="caregiver",
            given_on=timezone.localdate() + timedelta(days=1),
        )
    assert _reasons(refused)["given_on"] == "La fecha no puede estar en el futuro."
    assert not Consent.objects.exists()


@pytest.mark.parametrize(
    ("recipient", "name", "field", "reason"),
    [
        (None, "", "recipient_id", "Diga con qué institución se puede compartir."),
        ("dif", "Fiscalía", "recipient_name", "Nombre una sola institución"),
        ("team", "", "recipient_id", "Su propia organización ya lleva el expediente"),
        (None, "dif puebla", "recipient_name", "Esa institución está en Remedia"),
        ("nowhere", "", "recipient_id", "Esa organización no está en Remedia."),
    ],
)
def test_sharing_names_exactly_one_other_institution(
    protection_world: ProtectionWorld,
    minor_file: VictimFile,
    recipient: str | None,
    name: str,
    field: str,
    reason: str,
) -> None:
    recipient_id = {
        "dif": protection_world.dif.pk,
        "team": protection_world.team.pk,
        "nowhere": "not-an-id",
        None: None,
    }[recipient]
    with pytest.raises(InvalidInput) as refused:
        consent_record(
            file=minor_file,
            user=protection_world.worker.user,
            scope="sharing",
            given_by="caregiver",
            given_on=timezone.localdate(),
            recipient_id=recipient_id,
            recipient_name=name,
        )
    assert reason in _reasons(refused)[field]
    assert not Consent.objects.exists()


def test_only_sharing_names_an_institution(
    protection_world: ProtectionWorld, minor_file: VictimFile
) -> None:
    with pytest.raises(InvalidInput) as refused:
        consent_given(
            protection_world, minor_file, "services", recipient=protection_world.dif
        )
    assert "Solo el consentimiento para compartir" in _reasons(refused)["recipient_id"]


def test_the_same_consent_is_not_recorded_twice_while_active(
    protection_world: ProtectionWorld, minor_file: VictimFile
) -> None:
    consent_given(
        protection_world, minor_file, "sharing", recipient=protection_world.dif
    )
    with pytest.raises(InvalidInput) as refused:
        consent_given(
            protection_world, minor_file, "sharing", recipient=protection_world.dif
        )
    assert "Ya hay un consentimiento vigente" in _reasons(refused)["scope"]
    assert Consent.objects.count() == 1


def test_sharing_with_an_outside_institution_matches_without_accents_or_case(
    protection_world: ProtectionWorld, minor_file: VictimFile
) -> None:
    consent_given(
        protection_world,
        minor_file,
        "sharing",
        recipient_name="Fiscalía Especializada en Trata de Personas",
    )
    assert consent_active(
        file=minor_file,
        scope="sharing",
        recipient="fiscalia  especializada en TRATA de personas",
    )
    assert not consent_active(file=minor_file, scope="sharing", recipient="CEAV")
    assert not consent_active(
        file=minor_file, scope="sharing", recipient=protection_world.dif
    )


@pytest.mark.parametrize("who", ["worker2", "handler", "dif_worker", "outsider"])
def test_who_does_not_read_the_file_cannot_record_consent(
    protection_world: ProtectionWorld, minor_file: VictimFile, who: str
) -> None:
    with pytest.raises(NotFound):
        consent_given(
            protection_world,
            minor_file,
            "services",
            by=getattr(protection_world, who),
        )
    assert not Consent.objects.exists()


def test_a_withdrawal_takes_effect_at_once_and_once_only(
    protection_world: ProtectionWorld, minor_file: VictimFile
) -> None:
    consent = consent_given(protection_world, minor_file, "reporting")
    assert files_with_active_consent(
        VictimFile.objects.all(), scope="reporting"
    ).exists()

    # When the lead withdraws the reporting consent
    consent_withdraw(consent=consent, user=protection_world.lead.user)

    # Then the file leaves what exports read, and the withdrawal is audited
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert consent.withdrawn_by == protection_world.lead.user
    assert not consent_active(file=minor_file, scope="reporting")
    assert not files_with_active_consent(
        VictimFile.objects.all(), scope="reporting"
    ).exists()
    assert AuditEntry.objects.filter(action="protection.consent_withdrawn").exists()

    # And it cannot be withdrawn twice
    with pytest.raises(InvalidInput) as refused:
        consent_withdraw(consent=consent, user=protection_world.lead.user)
    assert _reasons(refused)["consent"] == "Este consentimiento ya se había retirado."


def test_withdrawing_sharing_revokes_the_open_referral_to_that_institution_only(
    protection_world: ProtectionWorld, minor_file: VictimFile, dif_service
) -> None:
    # Given referrals to DIF (in Remedia) and to a shelter outside Remedia
    shelter = directory_service(
        institution="Refugio Casa de la Esperanza", service_types=["shelter"]
    )
    consented_for(protection_world, minor_file, dif_service)
    consent_given(
        protection_world,
        minor_file,
        "sharing",
        recipient_name="Refugio Casa de la Esperanza",
    )
    to_dif = referral_sent(protection_world, minor_file, dif_service)
    to_shelter = referral_sent(protection_world, minor_file, shelter)
    assert ReferralKeyGrant.objects.filter(
        referral=to_dif, user=protection_world.dif_worker.user
    ).exists()
    sharing_dif = minor_file.consents.get(
        scope="sharing", recipient=protection_world.dif
    )

    # When the caregiver withdraws sharing with DIF
    revoked = consent_withdraw(consent=sharing_dif, user=protection_world.worker.user)

    # Then the referral to DIF is revoked at once: no grant, no summary
    assert [r.pk for r in revoked] == [to_dif.pk]
    to_dif.refresh_from_db()
    assert to_dif.status == "revoked"
    assert to_dif.revoked_reason == "consent_withdrawn"
    assert to_dif.revoked_by is None
    assert to_dif.summary is None
    assert not ReferralKeyGrant.objects.filter(referral=to_dif).exists()
    opened = referral_open(
        referral=to_dif,
        user=protection_world.dif_worker.user,
        user_private_key=private_key_of(protection_world.dif_worker.user),
    )
    assert opened.summary is None
    # And the shelter's stays
    to_shelter.refresh_from_db()
    assert to_shelter.status == "in_progress"


def test_withdrawing_consent_for_services_revokes_every_open_referral(
    protection_world: ProtectionWorld, minor_file: VictimFile, dif_service
) -> None:
    shelter = directory_service(institution="Refugio", service_types=["shelter"])
    consented_for(protection_world, minor_file, dif_service)
    consent_given(protection_world, minor_file, "sharing", recipient_name="Refugio")
    accepted = referral_sent(protection_world, minor_file, dif_service)
    referral_accept(referral=accepted, user=protection_world.dif_worker.user, version=1)
    finished = referral_sent(protection_world, minor_file, shelter)
    referral_accept(referral=finished, user=protection_world.worker.user, version=1)
    referral_done(referral=finished, user=protection_world.worker.user, version=2)
    pending = referral_sent(protection_world, minor_file, shelter)

    services = minor_file.consents.get(scope="services")
    revoked = consent_withdraw(consent=services, user=protection_world.worker.user)

    assert {r.pk for r in revoked} == {accepted.pk, pending.pk}
    finished.refresh_from_db()
    assert finished.status == "done"
    assert finished.summary is not None
