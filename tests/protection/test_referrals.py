"""Referrals: the consent gate, Primero's transitions, what each side reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from remedia.core.errors import InvalidInput, NotFound, PermissionDenied
from remedia.core.models import AuditEntry
from remedia.notifications.models import Notification
from remedia.protection import alerts
from remedia.protection.models import Referral, ReferralKeyGrant, VictimFile
from remedia.protection.selectors.files import file_get_for_user
from remedia.protection.selectors.referrals import (
    INCOMING,
    SENT,
    ReferralFilters,
    referral_get_for_user,
    referral_list,
)
from remedia.protection.services.consent import consent_withdraw
from remedia.protection.services.referrals import (
    referral_accept,
    referral_counter,
    referral_done,
    referral_open,
    referral_reject,
    referral_revoke,
)
from tests.support.actors import with_email
from tests.support.protection import (
    IDENTITY,
    ProtectionWorld,
    consent_given,
    consented_for,
    directory_service,
    file_private_of,
    private_key_of,
    referral_sent,
)

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """`clock(moment)`: from now on it is `moment` for Remedia."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_to


def _reasons(exc: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [str(e["reason"]) for e in exc.value.errors]


def _opened(referral: Referral, member: Any) -> Any:
    return referral_open(
        referral=referral,
        user=member.user,
        user_private_key=private_key_of(member.user),
    )


# --- The consent gate ---------------------------------------------------------------------


def test_without_any_consent_nothing_is_referred(
    protection_world: ProtectionWorld, minor_file: VictimFile, dif_service: Any
) -> None:
    with pytest.raises(InvalidInput) as refused:
        referral_sent(protection_world, minor_file, dif_service)

    assert _reasons(refused) == [
        "Falta el consentimiento de la persona para recibir servicios.",
        "Falta el consentimiento para compartir su información con DIF Puebla.",
    ]
    assert str(refused.value.message) == (
        "Sin el consentimiento debido no se puede canalizar."
    )
    assert not Referral.objects.exists()
    assert not AuditEntry.objects.filter(
        action__startswith="protection.referral"
    ).exists()


def test_consent_for_services_alone_does_not_share(
    protection_world: ProtectionWorld, minor_file: VictimFile, dif_service: Any
) -> None:
    consent_given(protection_world, minor_file, "services")
    with pytest.raises(InvalidInput) as refused:
        referral_sent(protection_world, minor_file, dif_service)
    assert _reasons(refused) == [
        "Falta el consentimiento para compartir su información con DIF Puebla."
    ]
    assert not Referral.objects.exists()


def test_sharing_with_another_organisation_does_not_cover_this_one(
    protection_world: ProtectionWorld, minor_file: VictimFile, dif_service: Any
) -> None:
    consent_given(protection_world, minor_file, "services")
    consent_given(
        protection_world, minor_file, "sharing", recipient_name="Fiscalía de Puebla"
    )
    with pytest.raises(InvalidInput):
        referral_sent(protection_world, minor_file, dif_service)
    assert not Referral.objects.exists()


def test_a_withdrawn_consent_is_not_used(
    protection_world: ProtectionWorld, minor_file: VictimFile, dif_service: Any
) -> None:
    consented_for(protection_world, minor_file, dif_service)
    services = minor_file.consents.get(scope="services")
    consent_withdraw(consent=services, user=protection_world.worker.user)

    with pytest.raises(InvalidInput) as refused:
        referral_sent(protection_world, minor_file, dif_service)
    assert _reasons(refused) == [
        "Falta el consentimiento de la persona para recibir servicios."
    ]
    assert not Referral.objects.exists()


def test_an_outside_institution_is_covered_by_its_name(
    protection_world: ProtectionWorld, minor_file: VictimFile
) -> None:
    fiscalia = directory_service(
        institution="Fiscalía Especializada en Trata", service_types=["prosecution"]
    )
    consent_given(protection_world, minor_file, "services")
    consent_given(
        protection_world,
        minor_file,
        "sharing",
        recipient_name="fiscalia especializada en TRATA",
    )
    referral = referral_sent(protection_world, minor_file, fiscalia)
    assert referral.to_organisation is None
    assert not referral.consent_overridden


def test_a_worker_cannot_override_missing_consent(
    protection_world: ProtectionWorld, minor_file: VictimFile, dif_service: Any
) -> None:
    with pytest.raises(PermissionDenied) as refused:
        referral_sent(
            protection_world,
            minor_file,
            dif_service,
            override_reason="La niña corre peligro esta noche.",
        )
    assert "supervisión de protección" in str(refused.value.message)
    assert not Referral.objects.exists()


def test_a_lead_overrides_with_a_reason_audited_and_shown(
    protection_world: ProtectionWorld, minor_file: VictimFile, dif_service: Any
) -> None:
    reason = "La niña corre peligro esta noche y su tía no contesta."

    # When the lead refers without consent, giving a reason
    referral = referral_sent(
        protection_world,
        minor_file,
        dif_service,
        by=protection_world.lead,
        override_reason=reason,
    )

    # Then it goes, marked, with the reason sealed to the file key
    assert referral.consent_overridden
    assert reason.encode() not in bytes(referral.override_reason)
    audit = AuditEntry.objects.get(action="protection.consent_overridden")
    assert audit.object_id == str(referral.pk)
    assert reason not in str(audit.data)
    # And the file's readers read the reason; the receiver sees only the mark
    lead_view = referral_open(
        referral=referral,
        user=protection_world.lead.user,
        user_private_key=private_key_of(protection_world.lead.user),
        file_private=file_private_of(minor_file, protection_world.lead),
    )
    assert lead_view.override_reason == reason
    assert _opened(referral, protection_world.dif_worker).override_reason == ""


def test_an_override_without_a_reason_is_the_plain_refusal(
    protection_world: ProtectionWorld, minor_file: VictimFile, dif_service: Any
) -> None:
    with pytest.raises(InvalidInput):
        referral_sent(
            protection_world,
            minor_file,
            dif_service,
            by=protection_world.lead,
            override_reason="   ",
        )
    assert not Referral.objects.exists()


# --- What is sent ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timeframe", "hours"), [("1h", 1), ("3h", 3), ("1d", 24), ("3d", 72), ("7d", 168)]
)
def test_the_due_time_is_the_services_timeframe(
    protection_world: ProtectionWorld,
    minor_file: VictimFile,
    clock: Any,
    timeframe: str,
    hours: int,
) -> None:
    service = directory_service(organisation=protection_world.dif, timeframe=timeframe)
    consented_for(protection_world, minor_file, service)
    clock(MONDAY)
    referral = referral_sent(protection_world, minor_file, service)
    assert referral.due_at == MONDAY + timedelta(hours=hours)


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"service_type": "shelter"}, "service_type", "no ofrece lo que se pide"),
        ({"needs": ""}, "needs", "Escriba qué necesita la persona"),
        ({"share": ("name", "story")}, "share", "Dato desconocido."),
        ({"reason": "boredom"}, "reason", "Elija el motivo."),
    ],
)
def test_a_referral_the_service_cannot_take_is_refused(
    protection_world: ProtectionWorld,
    minor_file: VictimFile,
    dif_service: Any,
    change: dict[str, Any],
    field: str,
    reason: str,
) -> None:
    consented_for(protection_world, minor_file, dif_service)
    with pytest.raises(InvalidInput) as refused:
        referral_sent(protection_world, minor_file, dif_service, **change)
    assert reason in {e["field"]: str(e["reason"]) for e in refused.value.errors}[field]
    assert not Referral.objects.exists()


def test_a_withdrawn_service_or_ones_own_cannot_be_referred_to(
    protection_world: ProtectionWorld, minor_file: VictimFile
) -> None:
    own = directory_service(organisation=protection_world.team)
    withdrawn = directory_service(organisation=protection_world.dif, is_active=False)
    consent_given(protection_world, minor_file, "services")
    with pytest.raises(InvalidInput) as refused:
        referral_sent(protection_world, minor_file, own)
    assert "su propia organización" in _reasons(refused)[0]
    with pytest.raises(InvalidInput) as refused:
        referral_sent(protection_world, minor_file, withdrawn)
    assert _reasons(refused) == ["No encontrado."]


def test_the_receiver_reads_only_what_the_sender_ticked(
    protection_world: ProtectionWorld, minor_file: VictimFile, dif_service: Any
) -> None:
    consented_for(protection_world, minor_file, dif_service)
    referral = referral_sent(
        protection_world,
        minor_file,
        dif_service,
        share=("name", "age"),
        needs="Sacarla del taller y un lugar seguro.",
    )

    summary = _opened(referral, protection_world.dif_worker).summary
    assert summary == {
        "shared": ["age", "name"],
        "name": IDENTITY["given_names"],
        "age": 15,
        "needs": "Sacarla del taller y un lugar seguro.",
    }
    # Nothing of it is stored in the clear, and the file stays closed to DIF
    assert IDENTITY["given_names"].encode() not in bytes(referral.summary)
    with pytest.raises(NotFound):
        file_get_for_user(user=protection_world.dif_worker.user, file_id=minor_file.pk)
    # The sender reads what it sent
    assert _opened(referral, protection_world.worker).summary == summary
    assert AuditEntry.objects.filter(action="protection.referral_read").count() == 2


@pytest.mark.parametrize("who", ["worker2", "handler", "outsider"])
def test_nobody_else_sees_a_referral(
    protection_world: ProtectionWorld,
    minor_file: VictimFile,
    dif_service: Any,
    who: str,
) -> None:
    consented_for(protection_world, minor_file, dif_service)
    referral = referral_sent(protection_world, minor_file, dif_service)
    member = getattr(protection_world, who)
    with pytest.raises(NotFound):
        referral_get_for_user(user=member.user, referral_id=referral.pk)
    assert not ReferralKeyGrant.objects.filter(
        referral=referral, user=member.user
    ).exists()


# --- Transitions ---------------------------------------------------------------------------


@pytest.fixture
def sent(
    protection_world: ProtectionWorld, minor_file: VictimFile, dif_service: Any
) -> Referral:
    consented_for(protection_world, minor_file, dif_service)
    return referral_sent(protection_world, minor_file, dif_service)


def test_accepted_then_done_marks_the_service_implemented(
    protection_world: ProtectionWorld, sent: Referral
) -> None:
    dif = protection_world.dif_worker.user
    accepted = referral_accept(referral=sent, user=dif, version=1, note="La recibimos.")
    assert accepted.status == "accepted"
    assert accepted.responded_by == dif
    assert accepted.implemented_at is None

    done = referral_done(referral=accepted, user=dif, version=accepted.version)
    assert done.status == "done"
    assert done.implemented_at is not None
    assert done.version == 3
    assert AuditEntry.objects.filter(action="protection.referral_done").exists()
    # The sender reads the receiver's note
    assert _opened(done, protection_world.worker).answer == "La recibimos."


def _step(referral: Referral, action: str, user: Any) -> Referral:
    version = referral.version
    if action == "accept":
        return referral_accept(referral=referral, user=user, version=version)
    if action == "reject":
        return referral_reject(
            referral=referral, user=user, version=version, reason="Sin cupo."
        )
    if action == "done":
        return referral_done(referral=referral, user=user, version=version)
    return referral_revoke(referral=referral, user=user, version=version)


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ((), "done"),
        (("accept",), "accept"),
        (("accept",), "reject"),
        (("reject",), "accept"),
        (("reject",), "done"),
        (("reject",), "revoke"),
        (("accept", "done"), "accept"),
        (("accept", "done"), "reject"),
        (("accept", "done"), "done"),
        (("accept", "done"), "revoke"),
        (("revoke",), "accept"),
        (("revoke",), "reject"),
        (("revoke",), "done"),
        (("revoke",), "revoke"),
    ],
)
def test_every_illegal_transition_is_refused(
    protection_world: ProtectionWorld,
    sent: Referral,
    path: tuple[str, ...],
    illegal: str,
) -> None:
    def actor(action: str) -> Any:
        side = (
            protection_world.worker
            if action == "revoke"
            else protection_world.dif_worker
        )
        return side.user

    referral = sent
    for action in path:
        referral = _step(referral, action, actor(action))
    before = (referral.status, referral.version)

    with pytest.raises(InvalidInput) as refused:
        _step(referral, illegal, actor(illegal))

    assert "no puede pasar a" in _reasons(refused)[0]
    referral.refresh_from_db()
    assert (referral.status, referral.version) == before


def test_a_rejection_needs_its_reason_and_takes_the_receivers_access(
    protection_world: ProtectionWorld, sent: Referral
) -> None:
    dif = protection_world.dif_worker
    with pytest.raises(InvalidInput) as refused:
        referral_reject(referral=sent, user=dif.user, version=1, reason=" ")
    assert _reasons(refused) == ["Diga por qué se rechaza: quien canalizó lo leerá."]

    rejected = referral_reject(
        referral=sent, user=dif.user, version=1, reason="No atendemos ese municipio."
    )
    assert rejected.status == "rejected"
    assert not ReferralKeyGrant.objects.filter(referral=sent, user=dif.user).exists()
    assert not ReferralKeyGrant.objects.filter(
        referral=sent, organisation=protection_world.dif
    ).exists()
    assert _opened(rejected, protection_world.worker).answer == (
        "No atendemos ese municipio."
    )


def test_each_side_does_only_its_part(
    protection_world: ProtectionWorld, sent: Referral
) -> None:
    with pytest.raises(PermissionDenied):
        referral_accept(referral=sent, user=protection_world.worker.user, version=1)
    with pytest.raises(PermissionDenied) as refused:
        referral_revoke(referral=sent, user=protection_world.dif_worker.user, version=1)
    assert "Solo quien envió" in str(refused.value.message)
    sent.refresh_from_db()
    assert sent.status == "in_progress"


def test_a_crossed_answer_is_refused_not_applied(
    protection_world: ProtectionWorld, sent: Referral
) -> None:
    # Given the sender revoked while the receiver had the page open (version 1)
    referral_revoke(referral=sent, user=protection_world.worker.user, version=1)

    # When the receiver accepts what it saw
    with pytest.raises(InvalidInput) as refused:
        referral_accept(referral=sent, user=protection_world.dif_worker.user, version=1)

    # Then it is refused with what happened, and the revocation stands
    assert "Alguien más cambió esta canalización" in _reasons(refused)[0]
    assert "Revocada" in _reasons(refused)[0]
    sent.refresh_from_db()
    assert sent.status == "revoked"


def test_revoking_wipes_what_was_shared(
    protection_world: ProtectionWorld, sent: Referral
) -> None:
    referral_accept(referral=sent, user=protection_world.dif_worker.user, version=1)
    sent.refresh_from_db()
    revoked = referral_revoke(
        referral=sent, user=protection_world.worker.user, version=sent.version
    )

    assert revoked.revoked_reason == "by_sender"
    assert revoked.revoked_by == protection_world.worker.user
    assert revoked.summary is None
    assert revoked.response_note is None
    assert not ReferralKeyGrant.objects.filter(referral=sent).exists()
    # The receiver still finds it, revoked and empty
    seen = referral_get_for_user(
        user=protection_world.dif_worker.user, referral_id=sent.pk
    )
    assert seen.status == "revoked"
    assert _opened(seen, protection_world.dif_worker).summary is None


def test_the_sender_records_an_outside_institutions_answers(
    protection_world: ProtectionWorld, minor_file: VictimFile
) -> None:
    shelter = directory_service(institution="Refugio", service_types=["shelter"])
    consent_given(protection_world, minor_file, "services")
    consent_given(protection_world, minor_file, "sharing", recipient_name="Refugio")
    referral = referral_sent(protection_world, minor_file, shelter)
    worker = protection_world.worker.user

    referral = referral_accept(referral=referral, user=worker, version=1)
    referral = referral_done(referral=referral, user=worker, version=2)

    assert referral.status == "done"
    assert referral.implemented_at is not None
    audit = AuditEntry.objects.get(action="protection.referral_done")
    assert audit.data["on_behalf"] is True


# --- Counter-referrals ----------------------------------------------------------------------


def test_the_receiver_counter_refers_and_the_file_team_reads_it(
    protection_world: ProtectionWorld, sent: Referral, minor_file: VictimFile
) -> None:
    dif = protection_world.dif_worker
    with pytest.raises(PermissionDenied):
        referral_counter(referral=sent, user=dif.user, version=1, note="Aún no.")
    accepted = referral_accept(referral=sent, user=dif.user, version=1)

    counter = referral_counter(
        referral=accepted,
        user=dif.user,
        version=accepted.version,
        note="Recibió atención; recomendamos acompañamiento escolar.",
    )

    assert counter.answers == sent
    assert counter.from_organisation == protection_world.dif
    assert counter.to_organisation == protection_world.team
    # The file team sees it incoming and reads it; DIF sees it as sent
    incoming = referral_list(
        viewer=protection_world.worker.user, filters=ReferralFilters(box=INCOMING)
    )
    assert list(incoming) == [counter]
    assert list(referral_list(viewer=dif.user, filters=ReferralFilters(box=SENT))) == [
        counter
    ]
    assert _opened(counter, protection_world.worker).summary["note"] == (
        "Recibió atención; recomendamos acompañamiento escolar."
    )
    # The file team answers it; DIF still never reaches the file
    referral_accept(referral=counter, user=protection_world.worker.user, version=1)
    with pytest.raises(NotFound):
        file_get_for_user(user=dif.user, file_id=minor_file.pk)
    # A worker of the team not on the file does not see it
    with pytest.raises(NotFound):
        referral_get_for_user(
            user=protection_world.worker2.user, referral_id=counter.pk
        )


def test_lists_split_incoming_and_sent(
    protection_world: ProtectionWorld, sent: Referral
) -> None:
    worker, dif = protection_world.worker.user, protection_world.dif_worker.user
    assert list(referral_list(viewer=dif, filters=ReferralFilters(box=INCOMING))) == [
        sent
    ]
    assert not referral_list(viewer=dif, filters=ReferralFilters(box=SENT)).exists()
    assert list(referral_list(viewer=worker, filters=ReferralFilters(box=SENT))) == [
        sent
    ]
    assert not referral_list(
        viewer=worker, filters=ReferralFilters(box=INCOMING)
    ).exists()


# --- Telling people --------------------------------------------------------------------------


def test_the_receiver_is_told_on_arrival_and_the_sender_on_every_answer(
    protection_world: ProtectionWorld,
    minor_file: VictimFile,
    dif_service: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    dif, worker = protection_world.dif_worker.user, protection_world.worker.user
    consented_for(protection_world, minor_file, dif_service)
    with django_capture_on_commit_callbacks(execute=True):
        sent = referral_sent(protection_world, minor_file, dif_service)
    assert Notification.objects.filter(
        user=dif, kind=alerts.RECEIVED, key=str(sent.pk)
    ).exists()
    assert not Notification.objects.filter(user=worker).exists()

    with django_capture_on_commit_callbacks(execute=True):
        referral_accept(referral=sent, user=dif, version=1)
    with django_capture_on_commit_callbacks(execute=True):
        referral_done(referral=sent, user=dif, version=2)

    told = set(
        Notification.objects.filter(user=worker, kind=alerts.ANSWERED).values_list(
            "key", flat=True
        )
    )
    assert told == {f"{sent.pk}:accepted", f"{sent.pk}:done"}
    # The lead reads the file too and is told; the one who answered is not
    assert (
        Notification.objects.filter(
            user=protection_world.lead.user, kind=alerts.ANSWERED
        ).count()
        == 2
    )
    assert not Notification.objects.filter(user=dif, kind=alerts.ANSWERED).exists()


def test_a_revocation_is_told_to_the_receiver(
    protection_world: ProtectionWorld,
    sent: Referral,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        referral_revoke(referral=sent, user=protection_world.worker.user, version=1)
    assert Notification.objects.filter(
        user=protection_world.dif_worker.user, kind=alerts.REVOKED
    ).exists()


def test_an_overdue_referral_is_flagged_and_told_once(
    protection_world: ProtectionWorld, minor_file: VictimFile, clock: Any
) -> None:
    service = directory_service(organisation=protection_world.dif, timeframe="1h")
    consented_for(protection_world, minor_file, service)
    clock(MONDAY)
    late = referral_sent(protection_world, minor_file, service)
    answered = referral_sent(protection_world, minor_file, service)
    referral_accept(referral=answered, user=protection_world.dif_worker.user, version=1)

    clock(MONDAY + timedelta(minutes=30))
    alerts.referrals_overdue_notify()
    assert not Notification.objects.filter(kind=alerts.OVERDUE).exists()
    clock(MONDAY + timedelta(minutes=90))
    alerts.referrals_overdue_notify()
    alerts.referrals_overdue_notify()

    late.refresh_from_db()
    assert late.overdue_notified_at is not None
    assert late.version == 1
    told = Notification.objects.filter(kind=alerts.OVERDUE)
    assert sorted(told.values_list("user__username", flat=True)) == [
        "diana",
        "lidia",
        "paula",
    ]
    assert set(told.values_list("key", flat=True)) == {str(late.pk)}
    answered.refresh_from_db()
    assert answered.overdue_notified_at is None


def test_a_worker_assigned_later_gets_the_key_when_a_reader_opens_it(
    protection_world: ProtectionWorld, sent: Referral, minor_file: VictimFile
) -> None:
    from remedia.protection.models import FileAssignment

    FileAssignment.objects.create(
        file=minor_file,
        user=protection_world.worker2.user,
        assigned_by=protection_world.lead.user,
    )
    _opened(sent, protection_world.worker)
    assert _opened(sent, protection_world.worker2).summary is not None


def test_emails_say_which_service_and_nothing_about_the_person(
    protection_world: ProtectionWorld,
    minor_file: VictimFile,
    dif_service: Any,
    smtp: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with_email(protection_world.dif_worker, "diana@dif.example.mx")
    with_email(protection_world.worker, "paula@costura.example.mx")
    consented_for(protection_world, minor_file, dif_service)
    with django_capture_on_commit_callbacks(execute=True):
        referral = referral_sent(
            protection_world,
            minor_file,
            dif_service,
            note="Vive con su tía en Tehuacán.",
        )
    with django_capture_on_commit_callbacks(execute=True):
        referral_reject(
            referral=referral,
            user=protection_world.dif_worker.user,
            version=1,
            reason="No atendemos Tehuacán.",
        )

    (arrived,) = smtp.to("diana@dif.example.mx")
    (answered,) = smtp.to("paula@costura.example.mx")
    assert "Canalización recibida de Costura Digna" in arrived.subject
    assert dif_service.institution in arrived.body
    assert f"/staff/proteccion/canalizaciones/{referral.pk}/" in arrived.body
    assert "Rechazada" in answered.subject
    for message in (arrived, answered):
        for secret in (*IDENTITY.values(), "Tehuacán", "tía"):
            assert secret not in message.body
            assert secret not in message.subject
