"""The staff pages of the registry: the list and search, and the facility page
with its sources, other names, history, map, report figures and forms."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from remedia.accounts import services as accounts
from remedia.accounts.permissions import Sector
from remedia.facilities import services
from remedia.facilities.models import (
    Facility,
    FacilityAlias,
    FacilityImport,
    FacilityStatus,
)
from remedia.intake import services as intake
from remedia.intake.models import Report, RoutePurpose, RoutingRule
from tests.support.factories.accounts import UserFactory, member, totp_device

LIST_URL = "/staff/facilities/"
NARRATIVES = (
    "El gerente de la línea 2 nos amenazó con cerrar si votamos por el sindicato.",
    "No pagan el séptimo día desde que entró la nueva supervisora.",
    "Corrieron a los que firmaron por el sindicato independiente.",
)


def _url(facility: Facility) -> str:
    return f"/staff/facilities/{facility.pk}/"


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _section(page: str, marker: str) -> str:
    match = re.search(rf"<section[^>]*{marker}[^>]*>(.*?)</section>", page, re.S)
    assert match is not None, marker
    return match.group(1)


def _cell(table_html: str, label: str) -> str:
    match = re.search(
        rf"<tr><td>{re.escape(label)}</td><td>(.*?)</td></tr>", table_html, re.S
    )
    assert match is not None, label
    return _text(match.group(1))


@pytest.fixture
def inisa(db):
    return services.facility_create(
        data={
            "name": "INISA planta de mezclilla",
            "legal_name": "Industrias del Interior, S.A. de C.V.",
            "address": "Carretera a Tepezalá km 3",
            "municipality": "Rincón de Romos",
            "state": "MX-AGU",
            "sector": "Confección de mezclilla",
            "workers": 1000,
            "lat": "22.2410",
            "lng": "-102.3050",
        },
        actor=None,
        source="demo",
    )


@pytest.fixture
def registry(inisa):
    services.facility_alias_add(
        facility=inisa, name="La maquila de Rincón", actor=None, source="demo"
    )
    return {
        "inisa": inisa,
        "valle": services.facility_create(
            data={
                "name": "Confecciones del Valle",
                "municipality": "Jesús María",
                "state": "MX-AGU",
            },
            actor=None,
            source="demo",
        ),
        "tehuacan": services.facility_create(
            data={
                "name": "Maquiladora Textil de Tehuacán",
                "municipality": "Tehuacán",
                "state": "MX-PUE",
            },
            actor=None,
            source="demo",
        ),
    }


@pytest.fixture
def coordinator(org_a):
    user = member("coordinator", org_a, username="carlos")
    totp_device(user)
    return user


@pytest.fixture
def as_coordinator(client, coordinator, log_in_verified):
    assert log_in_verified(coordinator).status_code == 302
    return client


@pytest.fixture
def as_handler(client, keyed_handler, log_in_verified):
    assert log_in_verified(keyed_handler).status_code == 302
    return client


@pytest.fixture
def as_officer(client, facility_officer, log_in):
    assert log_in("fernando").status_code == 302
    return client


# --- The list and search -------------------------------------------------------------


def _rows(page: str) -> list[str]:
    body = re.search(
        r'<table class="inbox stack" id="facilities">(.*?)</table>', page, re.S
    )
    assert body is not None
    return [
        _text(row)
        for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)[1:]
        if "<td" in row
    ]


def test_list_shows_the_registry_with_its_columns(as_coordinator, registry):
    response = as_coordinator.get(LIST_URL)

    assert response.status_code == 200
    rows = _rows(response.content.decode())
    inisa = registry["inisa"]
    assert rows[1] == (
        f"{inisa.public_id} INISA planta de mezclilla Rincón de Romos "
        "Aguascalientes En operación"
    )
    assert len(rows) == 3


def test_search_finds_by_other_name_and_typo_and_filters_by_state(
    as_coordinator, registry
):
    # An other name, typed without accents, ranks its facility first
    rows = _rows(
        as_coordinator.get(LIST_URL, {"q": "la maquila de rincon"}).content.decode()
    )
    assert rows[0].split()[1] == "INISA"
    # The legal name, abbreviated and misspelt
    rows = _rows(
        as_coordinator.get(LIST_URL, {"q": "ind del interor sa de cv"}).content.decode()
    )
    assert rows
    assert rows[0].split()[1] == "INISA"
    # The state filter alone
    rows = _rows(as_coordinator.get(LIST_URL, {"state": "MX-PUE"}).content.decode())
    assert [r.split()[1] for r in rows] == ["Maquiladora"]
    # Search and filter together: a name that exists only in the other state
    page = as_coordinator.get(LIST_URL, {"q": "tehuacan", "state": "MX-AGU"})
    assert _rows(page.content.decode()) == [
        "Ningún centro se parece a lo que buscó. Pruebe con menos palabras o sin "
        "el estado."
    ]


def test_merged_records_are_not_listed(as_coordinator, registry):
    services.facility_merge(keep=registry["inisa"], merge=registry["valle"], actor=None)

    rows = _rows(as_coordinator.get(LIST_URL).content.decode())

    assert [r.split()[1] for r in rows] == ["INISA", "Maquiladora"]


def test_list_is_paginated_in_a_constant_number_of_queries(as_coordinator, db):
    Facility.objects.bulk_create(
        [
            Facility(name=f"Taller {n:03d}", state="MX-PUE", name_key=f"taller {n:03d}")
            for n in range(120)
        ]
    )

    with CaptureQueriesContext(connection) as first:
        page1 = as_coordinator.get(LIST_URL)
    page3 = as_coordinator.get(LIST_URL, {"page": "3"})
    with CaptureQueriesContext(connection) as out_of_range:
        last = as_coordinator.get(LIST_URL, {"page": "999"})

    assert len(_rows(page1.content.decode())) == 50
    assert _rows(page3.content.decode())[0].split()[1:3] == ["Taller", "100"]
    assert len(_rows(page3.content.decode())) == 20
    assert "Página 1 de 3" in page1.content.decode()
    assert _rows(last.content.decode()) == _rows(page3.content.decode())
    assert len(first) == len(out_of_range) <= 12
    # The page links keep the filters
    filtered = as_coordinator.get(LIST_URL, {"state": "MX-PUE"}).content.decode()
    assert 'href="?state=MX-PUE&amp;page=2" rel="next"' in filtered


# --- The facility page ---------------------------------------------------------------


def test_page_shows_fields_with_their_source_aliases_and_history(
    as_handler, keyed_handler, registry
):
    inisa = registry["inisa"]
    services.facility_update(
        facility=inisa,
        changes={"workers": 1150},
        actor=keyed_handler,
        source=services.facility_source_for_user(keyed_handler),
    )

    page = as_handler.get(_url(inisa)).content.decode()

    fields = _section(page, 'id="fields"')
    workers = re.search(r'<tr data-field="workers">(.*?)</tr>', fields, re.S)
    assert workers is not None
    assert _text(workers.group(1)).startswith(
        "Personas trabajadoras 1150 karina (en Remedia)"
    )
    name = re.search(r'<tr data-field="name">(.*?)</tr>', fields, re.S)
    assert name is not None
    assert "datos de demostración" in _text(name.group(1))
    assert "La maquila de Rincón" in _section(page, 'id="aliases"')
    history = _text(_section(page, 'id="history"'))
    assert "Modificado" in history
    assert "Personas trabajadoras: 1000 → 1150" in history
    assert "Otro nombre agregado" in history
    assert "Creado" in history


def test_a_field_from_an_import_names_the_file(as_coordinator, registry):
    facility_import = FacilityImport.objects.create(
        file_name="proveedores-marca-2025.xlsx", file_sha256="0" * 64
    )
    services.facility_update(
        facility=registry["valle"],
        changes={"address": "Avenida Independencia 100"},
        actor=None,
        source=f"import:{facility_import.pk}",
    )

    page = as_coordinator.get(_url(registry["valle"])).content.decode()

    address = re.search(r'<tr data-field="address">(.*?)</tr>', page, re.S)
    assert address is not None
    assert "importación «proveedores-marca-2025.xlsx»" in _text(address.group(1))


def test_map_is_inline_svg_from_this_server_only(as_coordinator, registry):
    page = as_coordinator.get(_url(registry["inisa"])).content.decode()

    svg = re.search(r"<svg.*?</svg>", page, re.S)
    assert svg is not None
    assert 'class="map-land"' in svg.group(0)
    assert re.search(r'<circle class="map-dot" cx="[\d.]+" cy="[\d.]+"', svg.group(0))
    # Nothing fetched from anywhere: no URL, no image, no script
    for forbidden in ("http", "//", "<image", "<script", "href", "url("):
        assert forbidden not in svg.group(0), forbidden
    assert "<script" not in page


def test_no_map_without_coordinates(as_coordinator, registry):
    page = as_coordinator.get(_url(registry["valle"])).content.decode()

    assert "<svg" not in page
    assert "Sin coordenadas registradas." in page


def test_sections_show_what_exists_not_what_is_to_come(as_coordinator, registry):
    # A coordinator reads remediation (its courses section) and no cases: the
    # page lists the sections the apps give them, none "to come".
    page = as_coordinator.get(_url(registry["inisa"])).content.decode()

    assert 'data-section="remediation"' in page
    assert 'data-section="cases"' not in page
    assert "aparecerán aquí" not in _text(page)
    assert "aparecerá aquí" not in _text(page)


def test_page_takes_the_same_queries_however_long_its_history(
    as_handler, keyed_handler, registry
):
    inisa = registry["inisa"]

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert as_handler.get(_url(inisa)).status_code == 200
        return len(captured)

    before = queries()
    for n in range(8):
        services.facility_alias_add(
            facility=inisa, name=f"Planta {n}", actor=keyed_handler, source="user:k"
        )
        services.facility_update(
            facility=inisa,
            changes={"workers": 1001 + n},
            actor=keyed_handler,
            source="user:k",
        )

    assert queries() == before


def test_readers_who_do_not_edit_see_no_staff_names(
    client, as_officer, keyed_handler, registry
):
    # Given a handler's change and other name
    inisa = registry["inisa"]
    services.facility_update(
        facility=inisa,
        changes={"workers": 1150},
        actor=keyed_handler,
        source=services.facility_source_for_user(keyed_handler),
    )
    services.facility_alias_add(
        facility=inisa,
        name="La de Rincón",
        actor=keyed_handler,
        source=services.facility_source_for_user(keyed_handler),
    )

    # When the facility's compliance officer opens its page
    page = as_officer.get(_url(inisa)).content.decode()

    # Then the changes are there, but not who made them
    assert "La de Rincón" in page
    assert "1150" in page
    assert "karina" not in page
    assert "personal de Remedia" in _text(_section(page, 'id="history"'))


# --- Reports, in aggregate only --------------------------------------------------------


def _report(facility: Facility, *, categories: list[str], state: str, narrative: str):
    return intake.report_submit(
        draft=intake.ReportDraft(
            channel="web",
            categories=categories,
            narrative=narrative,
            facility_id=facility.pk,
            state=state,
        )
    ).report


@pytest.fixture
def puebla_org(db):
    organisation = accounts.organisation_create(
        name="Colectivo Obrero Puebla", short_name="COP", sector=Sector.UNION
    )
    RoutingRule.objects.create(
        organisation=organisation, purpose=RoutePurpose.LABOUR_RIGHTS, state="MX-PUE"
    )
    return organisation


def test_report_figures_count_only_own_reports_and_hide_small_counts(
    as_handler, receiving_org, puebla_org, registry
):
    inisa = registry["inisa"]
    # Given eight reports about INISA for the handler's organisation: six about
    # intimidation and threats, two about wages
    for _n in range(6):
        _report(
            inisa,
            categories=["intimidation", "threats"],
            state="MX-AGU",
            narrative=NARRATIVES[0],
        )
    for _n in range(2):
        _report(inisa, categories=["wages"], state="MX-AGU", narrative=NARRATIVES[1])
    # And three about INISA that went to another organisation
    for _n in range(3):
        _report(
            inisa, categories=["retaliation"], state="MX-PUE", narrative=NARRATIVES[2]
        )

    # When the handler opens the facility page
    page = as_handler.get(_url(inisa)).content.decode()

    # Then the total counts the organisation's own reports only
    reports = _section(page, 'data-section="reports"')
    assert "Su organización recibió 8 denuncias sobre este centro." in _text(reports)
    categories = re.search(r'id="reports-by-category">(.*?)</table>', reports, re.S)
    assert categories is not None
    # Two wages reports read "menos de 5"; with the total shown, one exact count
    # goes hidden too, so the two cannot be worked out by subtraction
    assert _cell(categories.group(1), "Salarios, prestaciones, pagos retenidos") == (
        "menos de 5"
    )
    assert _cell(categories.group(1), "Intimidación") == "oculta"
    assert _cell(categories.group(1), "Amenazas") == "6"
    # The other organisation's category does not appear at all
    assert "represalia" not in reports
    statuses = re.search(r'id="reports-by-status">(.*?)</table>', reports, re.S)
    assert statuses is not None
    assert _cell(statuses.group(1), "Recibida") == "8"
    # And no narrative is anywhere on the page
    for narrative in NARRATIVES:
        assert narrative not in page
        assert narrative[:30] not in page


def test_a_small_total_reads_less_than_five(as_handler, receiving_org, registry):
    for _n in range(3):
        _report(
            registry["valle"],
            categories=["hours"],
            state="MX-AGU",
            narrative=NARRATIVES[1],
        )

    page = as_handler.get(_url(registry["valle"])).content.decode()

    reports = _text(_section(page, 'data-section="reports"'))
    assert "Su organización recibió menos de 5 denuncias sobre este centro." in reports
    assert "Jornada y horas extra menos de 5" in reports
    assert " 3 " not in f" {reports} "


def test_staff_who_receive_no_reports_see_no_figures(
    as_coordinator, receiving_org, registry
):
    _report(
        registry["inisa"],
        categories=["intimidation"],
        state="MX-AGU",
        narrative=NARRATIVES[0],
    )

    page = as_coordinator.get(_url(registry["inisa"])).content.decode()

    reports = _text(_section(page, 'data-section="reports"'))
    assert "Solo el personal de las organizaciones que reciben denuncias" in reports
    assert "denuncias sobre este centro" not in reports
    assert NARRATIVES[0] not in page


# --- Who may see and who may change ---------------------------------------------------


def test_coordinator_views_but_gets_no_forms(as_coordinator, registry):
    response = as_coordinator.get(_url(registry["inisa"]))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="alias-form"' not in page
    assert 'id="merge-form"' not in page
    assert re.search(r'<a href="/staff/facilities/"[^>]*>\s*Centros de trabajo', page)


def test_facility_officer_views_but_cannot_change(as_officer, registry):
    inisa = registry["inisa"]
    assert as_officer.get(LIST_URL).status_code == 200
    assert as_officer.get(_url(inisa)).status_code == 200

    for path, data in [
        ("aliases/", {"name": "Otro nombre"}),
        ("status/", {"status": "closed"}),
        (
            "merge/",
            {"other": registry["valle"].public_id, "keep": "this", "confirm": "on"},
        ),
    ]:
        response = as_officer.post(_url(inisa) + path, data)
        assert response.status_code == 403, path

    inisa.refresh_from_db()
    assert inisa.status == FacilityStatus.ACTIVE
    assert FacilityAlias.objects.filter(facility=inisa).count() == 1
    assert Facility.objects.get(pk=registry["valle"].pk).status == FacilityStatus.ACTIVE


def test_user_without_a_membership_finds_nothing(client, log_in, registry):
    UserFactory(username="nadie")
    assert log_in("nadie").status_code == 302

    assert client.get(LIST_URL).status_code == 404
    assert client.get(_url(registry["inisa"])).status_code == 404
    response = client.post(_url(registry["inisa"]) + "aliases/", {"name": "X"})
    assert response.status_code == 404
    home = client.get("/staff/").content.decode()
    assert "Centros de trabajo" not in home


def test_anonymous_visitors_are_sent_to_log_in(client, registry):
    response = client.get(_url(registry["inisa"]))

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_unknown_facility_is_not_found(as_coordinator, db):
    response = as_coordinator.get(
        "/staff/facilities/5b7f0b2c-0000-4000-8000-000000000000/"
    )

    assert response.status_code == 404


# --- The forms ---------------------------------------------------------------------------


def test_handler_adds_an_alias_and_closes_the_facility(as_handler, registry):
    inisa = registry["inisa"]

    response = as_handler.post(_url(inisa) + "aliases/", {"name": "INISA Rincón"})
    assert response.status_code == 302
    page = as_handler.get(response["Location"]).content.decode()
    assert "Se agregó el nombre «INISA Rincón»." in page

    response = as_handler.post(_url(inisa) + "status/", {"status": "closed"})
    page = as_handler.get(response["Location"]).content.decode()
    assert "Situación: Cerrado." in page
    assert "Este centro cerró." in page
    inisa.refresh_from_db()
    assert inisa.status == FacilityStatus.CLOSED
    assert inisa.field_sources["status"]["source"] == "user:karina"


def test_alias_form_says_why_it_refused(as_handler, registry):
    inisa = registry["inisa"]

    response = as_handler.post(
        _url(inisa) + "aliases/", {"name": "INDUSTRIAS DEL INTERIOR SA DE CV"}
    )

    page = as_handler.get(response["Location"]).content.decode()
    assert "El centro ya se conoce con ese nombre." in page


def test_handler_merges_by_public_id_and_the_old_link_redirects(
    as_handler, receiving_org, registry
):
    inisa, valle = registry["inisa"], registry["valle"]
    report = _report(
        valle, categories=["intimidation"], state="MX-AGU", narrative=NARRATIVES[0]
    )

    # When the handler merges Valle into INISA from INISA's page, typing the id
    # in lower case
    response = as_handler.post(
        _url(inisa) + "merge/",
        {"other": valle.public_id.lower(), "keep": "this", "confirm": "on"},
    )

    # Then Valle is merged into INISA, its report follows
    assert response.status_code == 302
    assert response["Location"] == _url(inisa)
    valle.refresh_from_db()
    assert valle.merged_into_id == inisa.pk
    report.refresh_from_db()
    assert report.facility_id == inisa.pk
    # And Valle's old address leads to INISA's page, saying why
    old = as_handler.get(_url(valle))
    assert old.status_code == 302
    assert old["Location"] == _url(inisa)
    page = as_handler.get(old["Location"]).content.decode()
    assert (
        f"El registro {valle.public_id} se fusionó con {inisa.public_id}: este es el "
        "registro que quedó." in page
    )
    assert valle.public_id in _section(page, 'id="aliases"')


def test_merge_keeping_the_other_record(as_handler, registry):
    inisa, valle = registry["inisa"], registry["valle"]

    response = as_handler.post(
        _url(valle) + "merge/",
        {"other": inisa.public_id, "keep": "other", "confirm": "on"},
    )

    assert response["Location"] == _url(inisa)
    assert Facility.objects.get(pk=valle.pk).merged_into_id == inisa.pk


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"other": "FAC-NOEXISTE", "keep": "this", "confirm": "on"},
            "No hay un registro con el identificador FAC-NOEXISTE.",
        ),
        (
            {"other": "SELF", "keep": "this", "confirm": "on"},
            "Un registro no puede fusionarse consigo mismo.",
        ),
        ({"other": "OTHER", "keep": "this"}, "Este campo es obligatorio."),
    ],
)
def test_merge_form_says_why_it_refused(as_handler, registry, data, message):
    inisa, valle = registry["inisa"], registry["valle"]
    data = dict(data)
    data["other"] = {"SELF": inisa.public_id, "OTHER": valle.public_id}.get(
        data["other"], data["other"]
    )

    response = as_handler.post(_url(inisa) + "merge/", data)

    assert response["Location"] == _url(inisa)
    page = as_handler.get(_url(inisa)).content.decode()
    assert message in page
    assert not Facility.objects.filter(status=FacilityStatus.MERGED).exists()
    assert Report.objects.count() == 0


def test_forms_need_the_csrf_token(as_handler, registry):
    # Given a logged-in handler whose browser sends no CSRF token
    as_handler.handler.enforce_csrf_checks = True

    # When a form is posted
    response = as_handler.post(_url(registry["inisa"]) + "aliases/", {"name": "Otra"})

    # Then it is refused and nothing changed
    assert response.status_code == 403
    assert not FacilityAlias.objects.filter(name="Otra").exists()
