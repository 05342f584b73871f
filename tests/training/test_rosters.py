"""Rosters: importing CSV and XLSX (all or nothing), replacing, hand edits, who may."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from remedia.core.errors import InvalidInput, NotFound, PermissionDenied
from remedia.training import access as training_access
from remedia.training import rosters
from remedia.training import services as training_services
from remedia.training.models import (
    Attendance,
    Person,
    PersonnelRole,
)
from tests.support.factories.facilities import FacilityFactory
from tests.support.remediation import World
from tests.support.uploads import csv_file
from tests.training.coverage_terms import attend, session_make


def xlsx_file(rows: list[list[object]], name: str = "lista.xlsx") -> Any:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def people(world: World) -> dict[str, tuple[str, str, bool]]:
    return {
        p.identifier: (p.name, p.role, p.active)
        for p in Person.objects.filter(facility=world.facility)
    }


def test_a_monitor_imports_a_csv_roster_with_english_headers(world: World, course):
    result = training_services.roster_import(
        user=world.monitor.user,
        facility=world.facility,
        file=csv_file(
            "identifier,name,role\n"
            "001,Ana López,worker\n"
            "002,Beto Ruiz,supervisor\n"
            "003,Carla Díaz,union_representative\n"
        ),
    )

    assert result.counts() == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "deactivated": 0,
    }
    assert people(world) == {
        "001": ("Ana López", "worker", True),
        "002": ("Beto Ruiz", "supervisor", True),
        "003": ("Carla Díaz", "union_representative", True),
    }


def test_spanish_headers_and_spanish_role_labels_with_or_without_accents(
    world: World, course
):
    # A Latin-1 file from an old Excel, semicolons, headers in Spanish.
    training_services.roster_import(
        user=world.officer.user,
        facility=world.facility,
        file=csv_file(
            "Número;Nombre;Papel\n"
            "10;Dora Peña;Personal operativo\n"
            "11;Eva Solís;representacion sindical\n"
            "12;Fidel Mora;RECURSOS HUMANOS\n"
            "13;Gil Vega;Dirección y gerencia\n",
            encoding="cp1252",
        ),
    )

    assert people(world) == {
        "10": ("Dora Peña", PersonnelRole.WORKER, True),
        "11": ("Eva Solís", PersonnelRole.UNION_REPRESENTATIVE, True),
        "12": ("Fidel Mora", PersonnelRole.HUMAN_RESOURCES, True),
        "13": ("Gil Vega", PersonnelRole.MANAGEMENT, True),
    }


def test_an_xlsx_roster_with_numeric_identifiers(world: World, course):
    training_services.roster_import(
        user=world.monitor.user,
        facility=world.facility,
        file=xlsx_file(
            [
                ["numero", "nombre", "papel"],
                [101, "Hugo Sáenz", "Supervisión"],
                [102, "Inés Toro", "worker"],
                [None, None, None],  # the blank rows a spreadsheet keeps
            ]
        ),
    )

    assert people(world) == {
        "101": ("Hugo Sáenz", PersonnelRole.SUPERVISOR, True),
        "102": ("Inés Toro", PersonnelRole.WORKER, True),
    }


def test_bad_rows_save_nothing_and_each_is_named_by_row_and_column(
    world: World, course
):
    file = csv_file(
        "numero,nombre,papel\n"
        "1,Ana,worker\n"  # row 2: fine
        ",Beto,worker\n"  # row 3: no number
        "3,,worker\n"  # row 4: no name
        "4,Carla,astronauta\n"  # row 5: unknown role
        "1,Dora,worker\n"  # row 6: number already in row 2
        "5,Eva,official\n"  # row 7: not a facility role
    )

    with pytest.raises(InvalidInput) as refused:
        training_services.roster_import(
            user=world.monitor.user, facility=world.facility, file=file
        )

    assert Person.objects.count() == 0
    found = {(e["row"], e["column"]) for e in refused.value.errors}
    assert found == {
        (3, "identifier"),
        (4, "name"),
        (5, "role"),
        (6, "identifier"),
        (7, "role"),
    }
    reasons = {e["row"]: e["reason"] for e in refused.value.errors}
    assert reasons[3].startswith("Fila 3")
    assert "falta el número" in reasons[3]
    assert "astronauta" in reasons[5]
    assert "Personal operativo" in reasons[5]  # the roles it accepts
    assert "ya está en la fila 2" in reasons[6]
    assert {e["field"] for e in refused.value.errors} >= {"rows.3.identifier"}
    assert "no se guardó nada" in str(refused.value.message)


def test_a_file_without_the_role_column_or_not_a_list_is_refused(world: World, course):
    with pytest.raises(InvalidInput) as missing:
        training_services.roster_import(
            user=world.monitor.user,
            facility=world.facility,
            file=csv_file("numero,nombre\n1,Ana\n"),
        )
    assert missing.value.errors[0]["field"] == "file"
    assert "papel" in missing.value.errors[0]["reason"]

    with pytest.raises(InvalidInput) as wrong_kind:
        training_services.roster_import(
            user=world.monitor.user,
            facility=world.facility,
            file=SimpleUploadedFile("lista.pdf", b"%PDF-1.4"),
        )
    assert "CSV o XLSX" in wrong_kind.value.errors[0]["reason"]

    with pytest.raises(InvalidInput):
        training_services.roster_import(
            user=world.monitor.user,
            facility=world.facility,
            file=SimpleUploadedFile("lista.xlsx", b"PK\x03\x04 not really a zip"),
        )
    assert Person.objects.count() == 0


def test_reimport_updates_by_identifier_and_replace_deactivates_the_missing(
    world: World, course
):
    training_services.roster_import(
        user=world.monitor.user,
        facility=world.facility,
        file=csv_file(
            "numero,nombre,papel\n1,Ana,worker\n2,Beto,worker\n3,Carla,worker\n"
        ),
    )
    trained = Person.objects.get(identifier="3")
    attend(session_make(world, "worker_rights"), trained)

    added = training_services.roster_import(
        user=world.monitor.user,
        facility=world.facility,
        file=csv_file("numero,nombre,papel\n1,Ana,worker\n2,Beto Ruiz,supervisor\n"),
    )
    assert added.counts() == {
        "created": 0,
        "updated": 1,
        "unchanged": 1,
        "deactivated": 0,
    }
    assert people(world)["3"] == ("Carla", "worker", True)  # kept without replace

    replaced = training_services.roster_import(
        user=world.monitor.user,
        facility=world.facility,
        file=csv_file("numero,nombre,papel\n1,Ana,worker\n2,Beto Ruiz,supervisor\n"),
        replace=True,
    )

    assert replaced.deactivated == 1
    assert people(world) == {
        "1": ("Ana", "worker", True),
        "2": ("Beto Ruiz", "supervisor", True),
        "3": ("Carla", "worker", False),
    }
    # Never deleted: her attendance stays in the history.
    assert Attendance.objects.filter(person=trained).count() == 1

    training_services.roster_import(
        user=world.monitor.user,
        facility=world.facility,
        file=csv_file("numero,nombre,papel\n3,Carla,worker\n"),
    )
    assert people(world)["3"] == ("Carla", "worker", True)  # back on the list


def test_who_may_import_a_facility_roster(world: World, course):
    file = "numero,nombre,papel\n1,Ana,worker\n"
    # The officer of the company party keeps its facility's list.
    training_services.roster_import(
        user=world.officer.user, facility=world.facility, file=csv_file(file)
    )
    # The analyst reads the course, so the roster, but may not change it.
    roster = training_access.roster_for_facility(
        user=world.analyst.user, facility=world.facility
    )
    assert not roster.can_manage
    with pytest.raises(PermissionDenied):
        training_services.roster_import(
            user=world.analyst.user, facility=world.facility, file=csv_file(file)
        )
    # A stranger does not learn the roster exists.
    with pytest.raises(NotFound):
        training_services.roster_import(
            user=world.stranger.user, facility=world.facility, file=csv_file(file)
        )
    # Nor may the officer touch another facility's roster.
    elsewhere = FacilityFactory(name="Otra planta")
    with pytest.raises(NotFound):
        training_services.roster_import(
            user=world.officer.user, facility=elsewhere, file=csv_file(file)
        )


def test_an_organisations_roster_is_kept_by_its_own_writers(world: World):
    from tests.support.actors import staff_member

    coordinator = staff_member(world.ilc, "coordina", role="coordinator")
    file = csv_file(
        "numero,nombre,papel\nF1,Funcionaria Uno,official\nP1,Aliada,partner\n"
    )

    training_services.roster_import(
        user=coordinator.user, organisation=world.ilc, file=file
    )

    assert set(
        Person.objects.filter(organisation=world.ilc).values_list("identifier", "role")
    ) == {("F1", "official"), ("P1", "partner")}
    # The ILC's analyst reads it but writes neither remediation nor coordination.
    with pytest.raises(PermissionDenied):
        training_services.roster_import(
            user=world.analyst.user,
            organisation=world.ilc,
            file=csv_file("numero,nombre,papel\nF2,Otro,official\n"),
        )
    with pytest.raises(NotFound):
        training_services.roster_import(
            user=world.monitor.user,
            organisation=world.ilc,
            file=csv_file("numero,nombre,papel\nF2,Otro,official\n"),
        )


def test_a_person_is_added_and_corrected_by_hand(world: World, course):
    person = training_services.person_create(
        user=world.officer.user,
        facility=world.facility,
        identifier=" 77 ",
        name="Julia  Ortiz",
        role=PersonnelRole.WORKER,
    )
    assert (person.identifier, person.name) == ("77", "Julia Ortiz")

    with pytest.raises(InvalidInput) as taken:
        training_services.person_create(
            user=world.monitor.user,
            facility=world.facility,
            identifier="77",
            name="Otra",
            role="worker",
        )
    assert taken.value.errors[0]["field"] == "identifier"

    updated = training_services.person_update(
        user=world.monitor.user,
        person=person,
        identifier="77",
        name="Julia Ortiz",
        role="supervisor",
        active=False,
    )
    assert (updated.role, updated.active) == ("supervisor", False)

    with pytest.raises(InvalidInput) as bad_role:
        training_services.person_update(
            user=world.monitor.user,
            person=person,
            identifier="77",
            name="Julia Ortiz",
            role="official",
            active=True,
        )
    assert bad_role.value.errors[0]["field"] == "role"
    with pytest.raises(PermissionDenied):
        training_services.person_update(
            user=world.analyst.user,
            person=person,
            identifier="77",
            name="Julia",
            role="worker",
            active=True,
        )


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("worker", "worker"),
        ("Personal operativo", "worker"),
        ("personal  OPERATIVO", "worker"),
        ("Representación sindical", "union_representative"),
        ("union representative", "union_representative"),
        ("Human resources", "human_resources"),
        ("supervision", "supervisor"),
        ("capataz", None),
        ("", None),
    ],
)
def test_role_from_text(text, role):
    assert rosters.role_from_text(text) == role
