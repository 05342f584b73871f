"""Registry records: every change has its source and its event, names gather as
aliases, closed and moved facilities stay, and a merge folds one record into
another with everything about it, history kept on both."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest

from remedia.core.errors import ApplicationError, InvalidInput
from remedia.core.models import AuditEntry
from remedia.facilities import services
from remedia.facilities.models import (
    Facility,
    FacilityAlias,
    FacilityEvent,
    FacilityEventKind,
    FacilityStatus,
    MatchDecision,
)
from remedia.facilities.selectors import facility_search
from remedia.facilities.signals import facility_merged
from remedia.intake import services as intake
from remedia.intake.models import Report
from tests.support.factories.accounts import member
from tests.support.factories.facilities import FacilityFactory

SOURCE = "user:hilda"


@pytest.fixture
def hilda(org_a):
    return member("handler", org_a, username="hilda")


@pytest.fixture
def inisa(hilda):
    return services.facility_create(
        data={
            "name": "INISA planta de mezclilla",
            "legal_name": "Industrias del Interior, S.A. de C.V.",
            "municipality": "Rincón de Romos",
            "state": "MX-AGU",
            "workers": 1000,
        },
        actor=hilda,
        source="import:lista-marca-2024",
    )


def _events(facility, kind=None):
    qs = FacilityEvent.objects.filter(facility=facility)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("created_at"))


def _reason(exc_info) -> str:
    exc = exc_info.value
    if isinstance(exc, InvalidInput):
        return str(exc.errors[0]["reason"])
    return str(exc.message)


# --- Create and update ---------------------------------------------------------------


def test_create_records_each_given_field_with_its_source_and_a_created_event(inisa):
    # Then each field given has the import as its source; blank ones have none
    assert inisa.field_sources["name"]["source"] == "import:lista-marca-2024"
    assert inisa.field_sources["workers"]["source"] == "import:lista-marca-2024"
    assert "address" not in inisa.field_sources
    # And its history starts with what it was created with
    (created,) = _events(inisa)
    assert created.kind == FacilityEventKind.CREATED
    assert created.changes["workers"] == [None, 1000]
    assert created.actor.username == "hilda"
    assert AuditEntry.objects.filter(
        action="facility.created", object_id=str(inisa.pk)
    ).exists()


def test_update_records_before_and_after_and_the_new_source(inisa, hilda):
    # When a person corrects the worker count and adds coordinates
    updated = services.facility_update(
        facility=inisa,
        changes={"workers": "1150", "lat": "22.2410", "lng": "-102.305"},
        actor=hilda,
        source=SOURCE,
    )

    # Then the values are stored, cleaned
    updated.refresh_from_db()
    assert updated.workers == 1150
    assert updated.lat == Decimal("22.241")
    # And the event says what each was and became
    (event,) = _events(inisa, FacilityEventKind.UPDATED)
    assert event.changes == {
        "workers": [1000, 1150],
        "lat": [None, "22.2410"],
        "lng": [None, "-102.305"],
    }
    assert event.source == SOURCE
    # And those fields now come from the person; the others from the import still
    assert updated.field_sources["workers"]["source"] == SOURCE
    assert updated.field_sources["workers"]["at"]
    assert updated.field_sources["name"]["source"] == "import:lista-marca-2024"
    audit = AuditEntry.objects.get(action="facility.updated")
    assert audit.data == {"fields": ["lat", "lng", "workers"], "source": SOURCE}


def test_a_renamed_facility_keeps_its_old_name_as_another_name(inisa, hilda):
    # When the facility is renamed
    services.facility_update(
        facility=inisa,
        changes={"name": "Planta INISA Rincón de Romos"},
        actor=hilda,
        source=SOURCE,
    )

    # Then the old name is one of its other names, so reports and lists that
    # use it still find it
    (alias,) = FacilityAlias.objects.filter(facility=inisa)
    assert alias.name == "INISA planta de mezclilla"
    assert alias.source == SOURCE
    assert facility_search(q="inisa planta de mezclilla")[0] == inisa


def test_update_with_the_same_values_writes_nothing(inisa, hilda):
    # When a re-imported row brings what is already stored, in another spelling
    services.facility_update(
        facility=inisa,
        changes={"workers": "1000", "municipality": "Rincón de Romos"},
        actor=None,
        source="import:again",
    )

    # Then there is no event and the sources did not move
    assert _events(inisa, FacilityEventKind.UPDATED) == []
    inisa.refresh_from_db()
    assert inisa.field_sources["workers"]["source"] == "import:lista-marca-2024"


def test_update_with_bad_values_says_why_and_changes_nothing(inisa, hilda):
    with pytest.raises(InvalidInput) as exc_info:
        services.facility_update(
            facility=inisa,
            changes={"state": "MX-XXX", "workers": "muchos"},
            actor=hilda,
            source=SOURCE,
        )

    fields = {e["field"] for e in exc_info.value.errors}
    assert fields == {"state", "workers"}
    inisa.refresh_from_db()
    assert inisa.state == "MX-AGU"
    assert _events(inisa, FacilityEventKind.UPDATED) == []


def test_update_refuses_fields_that_have_their_own_service(inisa, hilda):
    with pytest.raises(InvalidInput) as exc_info:
        services.facility_update(
            facility=inisa,
            changes={"status": "closed"},
            actor=hilda,
            source=SOURCE,
        )
    assert exc_info.value.errors[0]["field"] == "status"


# --- Aliases -------------------------------------------------------------------------


def test_alias_is_added_with_its_event(inisa, hilda):
    alias = services.facility_alias_add(
        facility=inisa,
        name="  la maquila de INISA   en Rincón ",
        actor=hilda,
        source=SOURCE,
    )

    assert alias.name == "la maquila de INISA en Rincón"
    assert alias.source == SOURCE
    (event,) = _events(inisa, FacilityEventKind.ALIAS_ADDED)
    assert event.changes == {"alias": [None, "la maquila de INISA en Rincón"]}


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("IND. DEL INTERIOR SA DE CV", "El centro ya se conoce con ese nombre."),
        ("  ", "Escriba el otro nombre del centro."),
        ("x" * 300, "El nombre es demasiado largo."),
    ],
)
def test_alias_that_adds_nothing_is_refused(inisa, hilda, name, reason):
    with pytest.raises(InvalidInput) as exc_info:
        services.facility_alias_add(
            facility=inisa, name=name, actor=hilda, source=SOURCE
        )

    assert _reason(exc_info) == reason
    assert not FacilityAlias.objects.filter(facility=inisa).exists()


def test_same_alias_twice_is_refused(inisa, hilda):
    services.facility_alias_add(
        facility=inisa, name="INISA Rincón", actor=hilda, source=SOURCE
    )

    with pytest.raises(InvalidInput) as exc_info:
        services.facility_alias_add(
            facility=inisa, name="inisa rincon", actor=hilda, source=SOURCE
        )

    assert _reason(exc_info) == "El centro ya se conoce con ese nombre."
    assert FacilityAlias.objects.filter(facility=inisa).count() == 1


# --- Closed and moved ----------------------------------------------------------------


def test_closing_a_facility_keeps_it_with_its_history(inisa, hilda):
    closed = services.facility_status_change(
        facility=inisa, status=FacilityStatus.CLOSED, actor=hilda
    )

    assert closed.status == FacilityStatus.CLOSED
    assert closed.field_sources["status"]["source"] == "user:hilda"
    (event,) = _events(inisa, FacilityEventKind.STATUS_CHANGED)
    assert event.changes == {"status": ["active", "closed"]}
    # Setting the same status again writes nothing
    services.facility_status_change(
        facility=closed, status=FacilityStatus.CLOSED, actor=hilda
    )
    assert len(_events(inisa, FacilityEventKind.STATUS_CHANGED)) == 1


def test_status_merged_only_comes_from_a_merge(inisa, hilda):
    with pytest.raises(InvalidInput) as exc_info:
        services.facility_status_change(
            facility=inisa, status=FacilityStatus.MERGED, actor=hilda
        )

    assert _reason(exc_info) == (
        "Elija «en operación», «cerrado» o «se mudó». Para unir dos registros del "
        "mismo centro use la fusión."
    )
    inisa.refresh_from_db()
    assert inisa.status == FacilityStatus.ACTIVE


# --- Merge -------------------------------------------------------------------------------


@pytest.fixture
def duplicate(hilda):
    """The same plant, imported from a brand's list under the company's name."""
    facility = services.facility_create(
        data={
            "name": "Ind. del Interior (Rincón)",
            "legal_name": "INDUSTRIAS DEL INTERIOR SA DE CV",
            "address": "Carretera a Tepezalá km 3",
            "municipality": "Rincón de Romos",
            "state": "MX-AGU",
            "lat": "22.2410",
            "lng": "-102.3050",
        },
        actor=None,
        source="import:marca",
    )
    services.facility_alias_add(
        facility=facility, name="La fábrica de jeans", actor=hilda, source=SOURCE
    )
    return facility


def _report_about(facility, *, state: str = "MX-AGU") -> Report:
    return intake.report_submit(
        draft=intake.ReportDraft(
            channel="api",
            categories=["intimidation"],
            narrative="Nos dijeron que no votemos por el sindicato.",
            facility_id=facility.pk,
            state=state,
        )
    ).report


def test_merge_folds_the_duplicate_into_the_record_that_stays(
    inisa, duplicate, hilda, receiving_org
):
    # Given two reports about the duplicate and one about the record that stays
    moved = [_report_about(duplicate), _report_about(duplicate)]
    stays = _report_about(inisa)

    # When a handler merges them
    result = services.facility_merge(keep=inisa, merge=duplicate, actor=hilda)

    # Then the duplicate is marked merged into the one that stays
    duplicate.refresh_from_db()
    assert duplicate.status == FacilityStatus.MERGED
    assert duplicate.merged_into_id == inisa.pk
    # Its names are names of the one that stays, and its alias moved with them
    # (its legal name was already the legal name of the one that stays)
    names = set(
        FacilityAlias.objects.filter(facility=inisa).values_list("name", flat=True)
    )
    assert names == {"Ind. del Interior (Rincón)", "La fábrica de jeans"}
    assert not FacilityAlias.objects.filter(facility=duplicate).exists()
    assert result.aliases_added == 2
    # What the one that stays lacked is filled in, with the merge as its source
    inisa.refresh_from_db()
    assert inisa.address == "Carretera a Tepezalá km 3"
    assert inisa.lat == Decimal("22.241")
    assert inisa.field_sources["address"]["source"] == f"merge:{duplicate.public_id}"
    assert inisa.workers == 1000  # what it knew stays
    # The reports about the duplicate are about the one that stays now
    for report in [*moved, stays]:
        report.refresh_from_db()
        assert report.facility_id == inisa.pk
    # Both keep their history, each with the merge in it
    (kept_event,) = _events(inisa, FacilityEventKind.MERGED)
    assert kept_event.changes["merged_from"] == [None, duplicate.public_id]
    (merged_event,) = _events(duplicate, FacilityEventKind.MERGED)
    assert merged_event.changes == {
        "status": ["active", "merged"],
        "merged_into": [None, inisa.public_id],
    }
    assert len(_events(duplicate)) == 3  # created, alias added, merged
    # And the audit log has it, with the count of reports that followed
    audit = AuditEntry.objects.get(action="facility.merged")
    assert audit.data["merge"] == duplicate.public_id
    assert audit.data["moved"]["reports"] == 2


def test_merge_rolls_back_whole_when_an_app_cannot_follow(inisa, duplicate, hilda):
    # Given an app whose rows cannot follow the merge
    def refuses(sender, **kwargs):
        raise RuntimeError("cannot re-point")

    facility_merged.connect(refuses, dispatch_uid="test.refuses")
    try:
        with pytest.raises(RuntimeError):
            services.facility_merge(keep=inisa, merge=duplicate, actor=hilda)
    finally:
        facility_merged.disconnect(dispatch_uid="test.refuses")

    # Then nothing of the merge is left
    duplicate.refresh_from_db()
    assert duplicate.status == FacilityStatus.ACTIVE
    assert duplicate.merged_into_id is None
    assert FacilityAlias.objects.filter(facility=duplicate).count() == 1
    assert not FacilityEvent.objects.filter(kind=FacilityEventKind.MERGED).exists()
    assert not AuditEntry.objects.filter(action="facility.merged").exists()


def test_merge_repoints_earlier_merges_and_remembered_decisions(
    inisa, duplicate, hilda
):
    # Given a third record merged into the duplicate earlier, and a remembered
    # match decision pointing at the duplicate
    older = FacilityFactory(name="INISA Rincón (lista 2021)")
    services.facility_merge(keep=duplicate, merge=older, actor=hilda)
    MatchDecision.objects.create(key="inisa|rincon de romos|MX-AGU", facility=duplicate)

    # When the duplicate is merged in turn
    services.facility_merge(keep=inisa, merge=duplicate, actor=hilda)

    # Then the oldest record points straight at the one that stays
    older.refresh_from_db()
    assert older.merged_into_id == inisa.pk
    assert MatchDecision.objects.get().facility_id == inisa.pk


def test_merge_into_itself_is_refused(inisa, hilda):
    with pytest.raises(ApplicationError) as exc_info:
        services.facility_merge(keep=inisa, merge=inisa, actor=hilda)

    assert _reason(exc_info) == "Un registro no puede fusionarse consigo mismo."


def test_merge_of_an_already_merged_record_is_refused(inisa, duplicate, hilda):
    other = FacilityFactory()
    services.facility_merge(keep=inisa, merge=duplicate, actor=hilda)

    with pytest.raises(ApplicationError) as exc_info:
        services.facility_merge(keep=other, merge=duplicate, actor=hilda)

    assert _reason(exc_info) == (
        f"{duplicate.public_id} ya se fusionó con {inisa.public_id}."
    )
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == inisa.pk


def test_merge_into_a_merged_record_is_refused(inisa, duplicate, hilda):
    other = FacilityFactory()
    services.facility_merge(keep=inisa, merge=duplicate, actor=hilda)

    with pytest.raises(ApplicationError) as exc_info:
        services.facility_merge(keep=duplicate, merge=other, actor=hilda)

    assert _reason(exc_info) == (
        f"{duplicate.public_id} ya se fusionó con {inisa.public_id}: no se puede "
        f"fusionar otro registro con él. Use {inisa.public_id}."
    )
    other.refresh_from_db()
    assert other.status == FacilityStatus.ACTIVE


def test_a_merged_record_takes_no_more_changes(inisa, duplicate, hilda):
    services.facility_merge(keep=inisa, merge=duplicate, actor=hilda)

    with pytest.raises(ApplicationError) as exc_info:
        services.facility_alias_add(
            facility=duplicate, name="Otra", actor=hilda, source=SOURCE
        )

    assert _reason(exc_info) == (
        f"Este registro se fusionó con {inisa.public_id}: haga los cambios en ese "
        "registro."
    )


# --- The dependency order ------------------------------------------------------------


def test_the_registry_imports_no_app_above_it():
    """facilities sits below intake, cases, rrm ... (STYLE.md): it signals, never
    imports them; the apps above connect to its signal."""
    above = (
        "remedia.intake",
        "remedia.cases",
        "remedia.rrm",
        "remedia.remediation",
        "remedia.protection",
        "remedia.coordination",
        "remedia.analytics",
    )
    package = Path(services.__file__).parents[1]  # the app: services is a package
    offenders = []
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith(above)]
    assert offenders == []


def test_facility_create_rejects_unknown_fields(hilda):
    with pytest.raises(InvalidInput) as exc_info:
        services.facility_create(
            data={"name": "X", "state": "MX-AGU", "colour": "red"},
            actor=hilda,
            source=SOURCE,
        )
    assert exc_info.value.errors == [
        {"field": "colour", "reason": "Campo desconocido."}
    ]
    assert not Facility.objects.exists()
