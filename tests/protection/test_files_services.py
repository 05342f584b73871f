"""Editing a victim file: coded fields, identity, determination, risk, status,
assignments, notes and links; each refused cleanly, versioned and audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from remedia.cases import services as cases
from remedia.core.audit import AuditEntry
from remedia.core.errors import InvalidInput, NotFound, PermissionDenied
from remedia.core.sealed import json_open
from remedia.protection.models import FileKeyGrant, FileNote, VictimFile
from remedia.protection.selectors.files import file_get_for_user
from remedia.protection.services import files as services
from remedia.protection.services.grants import file_key
from tests.support.protection import (
    IDENTITY,
    NOTE,
    ProtectionWorld,
    assign,
    private_key_of,
    protection_report,
    rows_holding,
    victim_file_open,
)

pytestmark = pytest.mark.django_db


def reasons(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {e["field"]: str(e["reason"]) for e in exc.value.errors}


def stored(file: VictimFile) -> VictimFile:
    return VictimFile.objects.get(pk=file.pk)


def actions(file: VictimFile) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_id=str(file.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


# --- Coded fields -------------------------------------------------------------------


def test_coded_fields_change_with_the_version_seen_and_are_audited(
    protection_world: ProtectionWorld,
) -> None:
    # Given a file at version 1
    world = protection_world
    file = victim_file_open(world)
    assert file.version == 1

    # When its worker records what the person described
    services.file_update(
        file=file,
        user=world.worker.user,
        version=1,
        changes={
            "age_at_identification": "15",
            "citizenship": "gt",
            "exploitation_types": ["child_labour", "forced_labour", "child_labour"],
            "control_methods": ["withholds_documents", "debt_bondage"],
            "recruitment": "recruitment_agency",
            "recruitment_country": "GT",
            "exploitation_state": "MX-PUE",
        },
    )

    # Then the codes are stored cleaned (country upper case, no repeats, the
    # vocabulary's order), the version moved, and the audit names the fields
    file = stored(file)
    assert file.age_at_identification == 15
    assert file.citizenship == "GT"
    assert file.exploitation_types == ["forced_labour", "child_labour"]
    assert file.control_methods == ["debt_bondage", "withholds_documents"]
    assert file.version == 2
    entry = AuditEntry.objects.get(action="protection.file_updated")
    assert "citizenship" in entry.data["fields"]
    assert "GT" not in str(entry.data)


def test_a_stale_version_is_refused_and_nothing_is_stored(
    protection_world: ProtectionWorld,
) -> None:
    # Given a worker and a lead who both opened the file at version 1
    world = protection_world
    file = victim_file_open(world, gender="feminine")
    services.file_update(
        file=file, user=world.lead.user, version=1, changes={"gender": "masculine"}
    )

    # When the worker saves what they saw as version 1
    with pytest.raises(services.StaleVersion) as exc:
        services.file_update(
            file=file,
            user=world.worker.user,
            version=1,
            changes={"gender": "unknown", "citizenship": "MX"},
        )

    # Then the lead's change stands, nothing of the worker's is stored, and
    # the worker is told why in Spanish
    assert "Otra persona cambió este expediente" in str(exc.value.message)
    assert exc.value.status_code == 409
    file = stored(file)
    assert (file.gender, file.citizenship, file.version) == ("masculine", "", 2)


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"age_at_identification": 111}, "age_at_identification", "entre 0 y 110"),
        ({"age_at_identification": -1}, "age_at_identification", "entre 0 y 110"),
        ({"age_at_identification": "quince"}, "age_at_identification", "con número"),
        ({"citizenship": "XX"}, "citizenship", "ISO 3166-1"),
        ({"citizenship": "EU"}, "citizenship", "ISO 3166-1"),
        ({"exploitation_types": ["begging"]}, "exploitation_types", "desconocido"),
        ({"control_methods": "threats"}, "control_methods", "lista de códigos"),
        ({"recruitment_state": "MX-XXX"}, "recruitment_state", "estado de México"),
        ({"industry": "Z"}, "industry", "Elija una opción"),
        ({"gender": "otro"}, "gender", "Elija una opción"),
        ({"identified_on": "1999-12-31"}, "identified_on", "anterior a 2000"),
        ({"identified_on": "31/12/2025"}, "identified_on", "AAAA-MM-DD"),
        ({"facility_id": "00000000-0000-0000-0000-000000000000"}, "facility_id", ""),
        ({"colour": "red"}, "colour", "no se admite"),
    ],
)
def test_bad_coded_input_is_refused_with_its_reason_and_nothing_stored(
    protection_world: ProtectionWorld, changes: dict, field: str, reason: str
) -> None:
    file = victim_file_open(protection_world)
    with pytest.raises(InvalidInput) as exc:
        services.file_update(
            file=file,
            user=protection_world.worker.user,
            version=1,
            changes={"gender": "feminine", **changes},
        )
    assert reason in reasons(exc)[field]
    assert (stored(file).gender, stored(file).version) == ("unknown", 1)


def test_a_future_identification_date_is_refused(
    protection_world: ProtectionWorld,
) -> None:
    file = victim_file_open(protection_world)
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(InvalidInput) as exc:
        services.file_update(
            file=file,
            user=protection_world.worker.user,
            version=1,
            changes={"identified_on": tomorrow},
        )
    assert reasons(exc) == {"identified_on": "La fecha no puede estar en el futuro."}


def test_a_state_of_recruitment_needs_mexico_as_its_country(
    protection_world: ProtectionWorld,
) -> None:
    file = victim_file_open(protection_world)
    with pytest.raises(InvalidInput) as exc:
        services.file_update(
            file=file,
            user=protection_world.worker.user,
            version=1,
            changes={"recruitment_state": "MX-PUE", "recruitment_country": "GT"},
        )
    assert "es de México" in reasons(exc)["recruitment_state"]


def test_opening_a_file_with_bad_codes_or_dates_stores_nothing(
    protection_world: ProtectionWorld,
) -> None:
    with pytest.raises(InvalidInput) as exc:
        victim_file_open(
            protection_world,
            identity={"family_names": "Pérez", "date_of_birth": "2099-01-01"},
            age_at_identification=130,
            citizenship="ZZ",
        )
    assert set(reasons(exc)) == {
        "given_names",
        "date_of_birth",
        "age_at_identification",
        "citizenship",
    }
    assert not VictimFile.objects.exists()


# --- Identity -----------------------------------------------------------------------


def test_the_identity_is_sealed_again_whole_with_the_fields_given_changed(
    protection_world: ProtectionWorld,
) -> None:
    # Given a file and its worker's key
    world = protection_world
    file = victim_file_open(world)
    key = private_key_of(world.worker.user)

    # When the worker corrects the contact only
    services.file_identity_update(
        file=file,
        user=world.worker.user,
        version=1,
        user_private_key=key,
        identity={"contact": "Por la maestra de la escuela", "story": None},
    )

    # Then the whole identity opens with the new contact and the rest kept
    # (a null clears), and no plaintext is in the row
    file = stored(file)
    private = file_key(file=file, user=world.worker.user, user_private_key=key)
    assert private is not None
    identity = json_open(bytes(file.identity), private_key=private)
    assert identity["contact"] == "Por la maestra de la escuela"
    assert identity["given_names"] == IDENTITY["given_names"]
    assert identity["story"] == ""
    assert file.version == 2
    assert rows_holding(VictimFile, ["Por la maestra", IDENTITY["given_names"]]) == []
    assert AuditEntry.objects.get(action="protection.identity_updated").data == {
        "fields": ["contact", "story"]
    }


def test_the_identity_cannot_change_without_the_key(
    protection_world: ProtectionWorld,
) -> None:
    file = victim_file_open(protection_world)
    before = bytes(file.identity)
    with pytest.raises(services.KeyLocked) as exc:
        services.file_identity_update(
            file=file,
            user=protection_world.worker.user,
            version=1,
            user_private_key=None,
            identity={"alias": "Lu"},
        )
    assert "llave no está desbloqueada" in str(exc.value.message)
    assert bytes(stored(file).identity) == before


def test_an_identity_without_any_name_is_refused(
    protection_world: ProtectionWorld,
) -> None:
    world = protection_world
    file = victim_file_open(world)
    with pytest.raises(InvalidInput) as exc:
        services.file_identity_update(
            file=file,
            user=world.worker.user,
            version=1,
            user_private_key=private_key_of(world.worker.user),
            identity={"given_names": "", "alias": ""},
        )
    assert "Escriba un nombre" in reasons(exc)["given_names"]
    assert stored(file).version == 1


# --- Trafficking, risk, status --------------------------------------------------------


def test_confirming_or_ruling_out_trafficking_needs_who_decided_it(
    protection_world: ProtectionWorld,
) -> None:
    world = protection_world
    file = victim_file_open(world)
    for status in ("actual", "not_a_victim"):
        with pytest.raises(InvalidInput) as exc:
            services.file_trafficking_determine(
                file=file, user=world.worker.user, version=1, status=status
            )
        assert "Diga quién lo determinó" in reasons(exc)["trafficking_decided_by"]
    assert stored(file).trafficking_status == "undetermined"

    # When the prosecutor's determination is recorded
    services.file_trafficking_determine(
        file=file,
        user=world.worker.user,
        version=1,
        status="actual",
        decided_by="court_or_prosecution",
    )

    # Then the status, the decision maker, who recorded it and when are kept
    file = stored(file)
    assert file.trafficking_status == "actual"
    assert file.trafficking_decided_by == "court_or_prosecution"
    assert file.trafficking_decided_by_user == world.worker.user
    assert file.trafficking_decided_at is not None

    # And going back to undetermined clears who decided
    services.file_trafficking_determine(
        file=file, user=world.lead.user, version=2, status="undetermined"
    )
    file = stored(file)
    assert (file.trafficking_decided_by, file.trafficking_decided_at) == ("", None)


def test_a_possible_victim_needs_no_decision_maker(
    protection_world: ProtectionWorld,
) -> None:
    file = victim_file_open(protection_world)
    services.file_trafficking_determine(
        file=file, user=protection_world.worker.user, version=1, status="possible"
    )
    assert stored(file).trafficking_status == "possible"


def test_a_risk_assessment_is_dated(protection_world: ProtectionWorld) -> None:
    file = victim_file_open(protection_world)
    services.file_risk_assess(
        file=file, user=protection_world.worker.user, version=1, risk_level="high"
    )
    file = stored(file)
    assert file.risk_level == "high"
    assert file.risk_assessed_at is not None
    with pytest.raises(InvalidInput):
        services.file_risk_assess(
            file=file, user=protection_world.worker.user, version=2, risk_level="max"
        )


def test_the_status_moves_along_its_transitions_and_closing_needs_a_reason(
    protection_world: ProtectionWorld,
) -> None:
    world = protection_world
    user = world.worker.user
    file = victim_file_open(world)
    services.file_status_change(file=file, user=user, version=1, status="follow_up")
    with pytest.raises(InvalidInput) as exc:
        services.file_status_change(file=file, user=user, version=2, status="closed")
    assert reasons(exc) == {"closure_reason": "Diga por qué se cierra el expediente."}

    services.file_status_change(
        file=file,
        user=user,
        version=2,
        status="closed_referred",
        closure_reason="referred",
    )
    file = stored(file)
    assert (file.status, file.closure_reason) == ("closed_referred", "referred")
    assert file.closed_at is not None

    # A closed file does not go to follow-up; it reopens as active
    with pytest.raises(InvalidInput) as exc:
        services.file_status_change(file=file, user=user, version=3, status="follow_up")
    assert "no puede pasar" in reasons(exc)["status"]
    services.file_status_change(file=file, user=user, version=3, status="active")
    file = stored(file)
    assert (file.status, file.closure_reason, file.closed_at) == ("active", "", None)
    assert actions(file).count("protection.file_status_changed") == 3


# --- Who may write, who works the file --------------------------------------------------


@pytest.mark.parametrize("who", ["worker2", "handler", "dif_worker", "outsider"])
def test_only_the_files_readers_may_write_it(
    protection_world: ProtectionWorld, who: str
) -> None:
    file = victim_file_open(protection_world)
    member = getattr(protection_world, who)
    with pytest.raises(NotFound):
        services.file_note_add(file=file, user=member.user, body="Hola")
    with pytest.raises(NotFound):
        services.file_update(
            file=file, user=member.user, version=1, changes={"gender": "feminine"}
        )
    assert not FileNote.objects.exists()


def test_a_worker_cannot_assign(protection_world: ProtectionWorld) -> None:
    world = protection_world
    file = victim_file_open(world)
    with pytest.raises(PermissionDenied) as exc:
        services.file_assign(
            file=file,
            user=world.worker.user,
            worker_id=world.worker2.user.pk,
            user_private_key=private_key_of(world.worker.user),
        )
    assert "Solo la supervisión" in str(exc.value.message)


@pytest.mark.parametrize("who", ["handler", "dif_worker", "outsider"])
def test_only_protection_workers_of_the_organisation_can_be_assigned(
    protection_world: ProtectionWorld, who: str
) -> None:
    world = protection_world
    file = victim_file_open(world)
    with pytest.raises(InvalidInput) as exc:
        assign(world, file, getattr(world, who))
    assert "equipo de protección" in reasons(exc)["user_id"]


def test_an_assigned_worker_reads_the_file_and_loses_it_when_unassigned(
    protection_world: ProtectionWorld,
) -> None:
    # Given a file worker2 may not read
    world = protection_world
    file = victim_file_open(world)
    with pytest.raises(NotFound):
        file_get_for_user(user=world.worker2.user, file_id=file.pk)

    # When the lead, whose key is unlocked, assigns worker2
    assign(world, file, world.worker2)

    # Then worker2 finds the file and opens its identity at once
    found = file_get_for_user(user=world.worker2.user, file_id=file.pk)
    private = file_key(
        file=found,
        user=world.worker2.user,
        user_private_key=private_key_of(world.worker2.user),
    )
    assert private is not None

    # And when the lead takes worker2 off, the file and the grant are gone
    services.file_unassign(
        file=file, user=world.lead.user, worker_id=world.worker2.user.pk
    )
    with pytest.raises(NotFound):
        file_get_for_user(user=world.worker2.user, file_id=file.pk)
    assert not FileKeyGrant.objects.filter(file=file, user=world.worker2.user).exists()
    assert actions(file)[-2:] == [
        "protection.file_assigned",
        "protection.file_unassigned",
    ]


def test_a_lead_without_a_key_assigns_and_the_next_reader_shares_the_key(
    protection_world: ProtectionWorld,
) -> None:
    # Given the lead assigns worker2 from a token without a key
    world = protection_world
    file = victim_file_open(world)
    services.file_assign(
        file=file,
        user=world.lead.user,
        worker_id=world.worker2.user.pk,
        user_private_key=None,
    )
    assert not FileKeyGrant.objects.filter(file=file, user=world.worker2.user).exists()
    reading = services.file_read(
        file=file,
        user=world.worker2.user,
        user_private_key=private_key_of(world.worker2.user),
    )
    assert reading.opened.unlocked is False

    # When the first worker opens the file with their key
    services.file_read(
        file=file,
        user=world.worker.user,
        user_private_key=private_key_of(world.worker.user),
    )

    # Then worker2 holds a grant and reads the identity
    reading = services.file_read(
        file=file,
        user=world.worker2.user,
        user_private_key=private_key_of(world.worker2.user),
    )
    assert reading.opened.unlocked is True
    assert reading.opened.identity["given_names"] == IDENTITY["given_names"]
    assert "protection.file_key_shared" in actions(file)


def test_unassigning_someone_not_assigned_is_refused(
    protection_world: ProtectionWorld,
) -> None:
    world = protection_world
    file = victim_file_open(world)
    for value in (world.worker2.user.pk, "no-es-un-id"):
        with pytest.raises(InvalidInput) as exc:
            services.file_unassign(file=file, user=world.lead.user, worker_id=value)
        assert "no está asignada" in reasons(exc)["user_id"]


# --- Reading, notes ----------------------------------------------------------------------


def test_every_read_is_audited_with_whether_it_was_decrypted(
    protection_world: ProtectionWorld,
) -> None:
    world = protection_world
    file = victim_file_open(world)
    services.file_read(file=file, user=world.worker.user, user_private_key=None)
    services.file_read(
        file=file,
        user=world.lead.user,
        user_private_key=private_key_of(world.lead.user),
    )
    reads = AuditEntry.objects.filter(action="protection.file_read").order_by("seq")
    assert [(e.actor_label, e.data["decrypted"]) for e in reads] == [
        ("paula", False),
        ("lidia", True),
    ]
    assert all(e.organisation_id == str(world.team.pk) for e in reads)


def test_notes_are_sealed_and_read_back_by_the_files_readers(
    protection_world: ProtectionWorld,
) -> None:
    world = protection_world
    file = victim_file_open(world)
    services.file_note_add(file=file, user=world.worker.user, body=f"  {NOTE}  ")
    with pytest.raises(InvalidInput) as exc:
        services.file_note_add(file=file, user=world.worker.user, body="   ")
    assert reasons(exc) == {"body": "Escriba la nota."}

    reading = services.file_read(
        file=file,
        user=world.lead.user,
        user_private_key=private_key_of(world.lead.user),
    )
    assert [n.body for n in reading.opened.notes] == [NOTE]
    assert rows_holding(FileNote, [NOTE]) == []
    assert rows_holding(AuditEntry, [NOTE, IDENTITY["given_names"]]) == []


# --- Links ------------------------------------------------------------------------------


def test_a_report_routed_to_the_team_is_linked_and_unlinked(
    protection_world: ProtectionWorld,
) -> None:
    world = protection_world
    file = victim_file_open(world)
    report = protection_report(world)
    services.file_report_link(file=file, user=world.worker.user, report_id=report.pk)
    assert list(stored(file).reports.all()) == [report]
    with pytest.raises(InvalidInput) as exc:
        services.file_report_link(
            file=file, user=world.worker.user, report_id=report.pk
        )
    assert "ya está ligada" in reasons(exc)["report_id"]

    services.file_report_unlink(file=file, user=world.worker.user, report_id=report.pk)
    assert not stored(file).reports.exists()


def test_a_report_not_routed_to_the_files_organisation_is_not_found(
    protection_world: ProtectionWorld,
) -> None:
    world = protection_world
    file = victim_file_open(world)
    elsewhere = protection_report(world, state="MX-AGU", to=world.dif)
    with pytest.raises(InvalidInput) as exc:
        services.file_report_link(
            file=file, user=world.worker.user, report_id=elsewhere.pk
        )
    assert reasons(exc) == {"report_id": "No encontrado."}


def test_a_case_of_the_organisation_is_linked_by_its_number(
    protection_world: ProtectionWorld,
) -> None:
    world = protection_world
    file = victim_file_open(world)
    report = protection_report(world)
    case = cases.case_open(report_ids=[report.pk], user=world.handler.user)

    services.file_case_link(
        file=file, user=world.worker.user, case_ref=f" {case.number.lower()} "
    )
    assert list(stored(file).cases.all()) == [case]
    with pytest.raises(InvalidInput) as exc:
        services.file_case_link(
            file=file, user=world.worker.user, case_ref="CASO-1999-9"
        )
    assert "No hay un caso" in reasons(exc)["case"]
    services.file_case_unlink(file=file, user=world.worker.user, case_id=case.pk)
    assert not stored(file).cases.exists()
