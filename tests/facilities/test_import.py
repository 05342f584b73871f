"""Importing facility lists (issue 4, item 2): whole or nothing, row-level
reasons, dry runs that keep nothing, re-imports that change nothing, and rows
placed on the facilities they are."""

from __future__ import annotations

import codecs
import io
import zipfile
from decimal import Decimal

import pytest

from remedia.facilities import importing, services
from remedia.facilities.models import (
    CandidateStatus,
    Facility,
    FacilityAlias,
    FacilityEvent,
    FacilityEventKind,
    FacilityImport,
    FacilityMatchCandidate,
    FacilitySearchToken,
    ImportStatus,
    MatchDecision,
)
from remedia.facilities.selectors import facility_search
from tests.facilities.import_support import (
    csv_bytes,
    registered,
    run_import,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

FULL_HEADER = (
    "name",
    "legal_name",
    "address",
    "municipality",
    "state",
    "sector",
    "workers",
    "os_id",
    "external_id",
    "lat",
    "lng",
)


def _registry_size() -> dict[str, int]:
    return {
        "facilities": Facility.objects.count(),
        "events": FacilityEvent.objects.count(),
        "aliases": FacilityAlias.objects.count(),
        "tokens": FacilitySearchToken.objects.count(),
        "candidates": FacilityMatchCandidate.objects.count(),
        "decisions": MatchDecision.objects.count(),
    }


def _counts(imp: FacilityImport) -> tuple[int, int, int, int, int]:
    return (
        imp.created_count,
        imp.matched_count,
        imp.updated_count,
        imp.review_count,
        imp.rejected_count,
    )


# --- Reading files ---------------------------------------------------------------------


def test_csv_creates_facilities_with_history_sources_and_search_words():
    # Given a CSV with every column of PRODUCT.md
    data = csv_bytes(
        [
            (
                "Confecciones del Valle",
                "Confecciones del Valle, S.A. de C.V.",
                "Av. Juárez 120",
                "Calvillo",
                "Aguascalientes",
                "Confección de prendas de vestir",
                "120",
                "OS-1",
                "BR-7",
                "21.8469",
                "-102.7183",
            ),
            ("Textiles Luna", "", "", "", "MX-PUE", "", "", "", "", "", ""),
        ],
        header=FULL_HEADER,
    )

    # When it is imported
    imp = run_import(data)

    # Then both facilities exist with every value, their history and sources
    assert imp.status == ImportStatus.DONE
    assert _counts(imp) == (2, 0, 0, 0, 0)
    assert imp.total_rows == imp.processed_rows == 2
    valle = Facility.objects.get(external_id="BR-7")
    assert valle.legal_name == "Confecciones del Valle, S.A. de C.V."
    assert (valle.municipality, valle.state) == ("Calvillo", "MX-AGU")
    assert (valle.workers, valle.os_id) == (120, "OS-1")
    assert (valle.lat, valle.lng) == (Decimal("21.846900"), Decimal("-102.718300"))
    # name_key as Facility.save computes it, though the import does not call save
    saved = registered(name=valle.name, legal_name=valle.legal_name, state="MX-JAL")
    assert valle.name_key == saved.name_key
    assert valle.public_id.startswith("FAC-")
    assert len(valle.public_id) == 12
    assert valle.field_sources["workers"]["source"] == f"import:{imp.pk}"
    assert "unions" not in valle.field_sources
    (event,) = FacilityEvent.objects.filter(facility=valle)
    assert event.kind == FacilityEventKind.CREATED
    assert event.source == f"import:{imp.pk}"
    assert event.changes["workers"] == [None, 120]
    assert event.changes["lat"] == [None, "21.846900"]
    luna = Facility.objects.get(name="Textiles Luna")
    assert (luna.state, luna.workers, luna.lat) == ("MX-PUE", None, None)
    # and the search finds them at once
    found = facility_search(q="confecciones del vale", state="MX-AGU")
    assert [f.pk for f in found][:1] == [valle.pk]
    assert set(
        FacilitySearchToken.objects.filter(facility=luna).values_list(
            "token", flat=True
        )
    ) == {"textiles", "luna"}


@pytest.mark.parametrize(
    ("delimiter", "encoding", "header"),
    [
        (";", "utf-8-sig", ("Nombre", "Estado", "Municipio", "Trabajadores")),
        ("\t", "latin-1", ("NOMBRE", "ESTADO", "MUNICIPIO", "TRABAJADORES")),
        (",", "utf-8", ("nombre", "estado", "municipio", "trabajadores")),
        (";", "cp1252", ("Razón social", "nombre", "Dirección", "estado")),
    ],
    ids=["semicolons-bom", "tabs-latin1", "commas-utf8", "accented-headers-cp1252"],
)
def test_spanish_headers_any_delimiter_and_encoding(delimiter, encoding, header):
    # Given the same facility in lists saved four ways
    if header[0] == "Razón social":
        rows = [
            (
                "Industrias Peñasco SA",
                "Industrias Peñasco",
                "Calle Ñandú 5",
                "Querétaro",
            )
        ]
    else:
        rows = [("Industrias Peñasco", "Querétaro", "Querétaro", "45")]
    data = csv_bytes(rows, header=header, delimiter=delimiter, encoding=encoding)
    if encoding == "utf-8-sig":
        assert data.startswith(codecs.BOM_UTF8)

    # When it is imported
    imp = run_import(data)

    # Then the columns are read whatever their spelling, and the accents survive
    assert imp.status == ImportStatus.DONE, imp.errors
    facility = Facility.objects.get()
    assert facility.name == "Industrias Peñasco"
    assert facility.state == "MX-QUE"
    if header[0] == "Razón social":
        assert facility.legal_name == "Industrias Peñasco SA"
        assert facility.address == "Calle Ñandú 5"
    else:
        assert (facility.municipality, facility.workers) == ("Querétaro", 45)


def test_xlsx_with_numbers_and_blank_rows():
    # Given a workbook as Excel keeps it: numbers as numbers, empty rows at the end
    data = xlsx_bytes(
        [
            ("Maquiladora Kalitex", "Puebla", "Tehuacán", 300, 18.4616, -97.3926),
            ("Bordados Rosy", "MX-TLA", None, None, None, None),
            (None, None, None, None, None, None),
        ],
        header=("nombre", "estado", "municipio", "trabajadores", "lat", "lng"),
    )

    # When it is imported
    imp = run_import(data, file_name="proveedores.xlsx")

    # Then the rows are read with their values, the empty row ignored
    assert imp.status == ImportStatus.DONE, imp.errors
    assert imp.total_rows == 2
    kalitex = Facility.objects.get(name="Maquiladora Kalitex")
    assert (kalitex.state, kalitex.municipality, kalitex.workers) == (
        "MX-PUE",
        "Tehuacán",
        300,
    )
    assert kalitex.lat == Decimal("18.461600")
    assert Facility.objects.get(name="Bordados Rosy").state == "MX-TLA"


@pytest.mark.parametrize(
    "written",
    ["MX-QUE", "mx-que", "QUE", "Querétaro", "queretaro", "QUERETARO DE ARTEAGA"],
)
def test_state_as_code_or_name_accents_optional(written):
    imp = run_import(csv_bytes([("Textiles Luna", written, "", "")]))
    assert imp.status == ImportStatus.DONE, imp.errors
    assert Facility.objects.get().state == "MX-QUE"


# --- Bad files ------------------------------------------------------------------------


def _zip_without_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hola.txt", "no soy un libro")
    return out.getvalue()


@pytest.mark.parametrize(
    ("file_name", "data", "reason"),
    [
        ("lista.pdf", b"%PDF-1.4 ...", "Solo se pueden importar archivos CSV o XLSX"),
        ("lista.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "97-2003"),
        ("lista.xlsx", b"name,state\nA,MX-AGU\n", "dice ser XLSX pero no lo es"),
        ("lista.xlsx", _zip_without_workbook(), "dañado"),
        ("lista.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "no es un CSV"),
        ("lista.csv", b"", "está vacío"),
        ("lista.csv", b"name,state\r\n", "solo tiene el encabezado"),
        (
            "lista.csv",
            b"nombre,municipio\r\nTextiles Luna,Calvillo\r\n",
            "«state» / «estado»",
        ),
        (
            "lista.csv",
            b"Textiles Luna,MX-AGU\r\n",
            "primera fila debe ser el encabezado",
        ),
        ("lista.csv", b"name,nombre,state\r\nA,B,MX-AGU\r\n", "aparece dos veces"),
    ],
    ids=[
        "pdf",
        "xls",
        "csv-named-xlsx",
        "zip-not-workbook",
        "binary-csv",
        "empty",
        "header-only",
        "missing-state",
        "no-header",
        "column-twice",
    ],
)
def test_unreadable_files_are_rejected_whole_with_a_clear_reason(
    file_name, data, reason
):
    # Given a registry with one facility
    registered(name="Textiles Luna")
    before = _registry_size()

    # When a file that cannot be imported is sent
    imp = run_import(data, file_name=file_name)

    # Then it is rejected with the reason, and nothing changed
    assert imp.status == ImportStatus.FAILED
    (error,) = imp.errors
    assert error["row"] is None
    assert reason in error["reason"]
    assert _registry_size() == before
    # The import itself is kept, so that whoever sent it can read why.
    assert FacilityImport.objects.get(pk=imp.pk).status == ImportStatus.FAILED


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        (("", "MX-AGU", "", ""), "name", "Falta el nombre del centro."),
        (("S.A. de C.V.", "MX-AGU", "", ""), "name", "solo tiene una forma jurídica"),
        (("Textiles Luna", "", "", ""), "state", "Falta el estado."),
        (("Textiles Luna", "Narnia", "", ""), "state", "Estado desconocido: «Narnia»"),
        (("Textiles Luna", "MX-XYZ", "", ""), "state", "Estado desconocido"),
        (
            ("Textiles Luna", "MX-AGU", "", "muchos"),
            "workers",
            "número entero, no «muchos»",
        ),
        (("Textiles Luna", "MX-AGU", "", "12.5"), "workers", "número entero"),
        (("Textiles Luna", "MX-AGU", "", "-5"), "workers", "no puede ser negativo"),
        (("Textiles Luna", "MX-AGU", "", "2000000"), "workers", "no puede pasar de"),
        (
            ("x" * 256, "MX-AGU", "", ""),
            "name",
            "tiene 256 caracteres; el máximo es 255",
        ),
        (
            ("Textiles Luna", "MX-AGU", "m" * 121, ""),
            "municipality",
            "el máximo es 120",
        ),
    ],
)
def test_a_bad_row_is_reported_with_its_number_and_reason(row, field, reason):
    # Given a good row, then the bad one (row 3 of the sheet: the header is row 1)
    data = csv_bytes([("Confecciones del Valle", "MX-AGU", "Calvillo", "10"), row])

    # When the file is imported
    imp = run_import(data)

    # Then the file is rejected for that row, and the good row is not kept either
    assert imp.status == ImportStatus.FAILED
    assert imp.rejected_count == 1
    assert [(e["row"], e["field"]) for e in imp.errors] == [(3, field)]
    assert reason in imp.errors[0]["reason"]
    assert Facility.objects.count() == 0


@pytest.mark.parametrize(
    ("lat", "lng", "field", "reason"),
    [
        ("95", "-102.3", "lat", "entre -90 y 90, no «95»"),
        ("21.9", "abc", "lng", "entre -180 y 180, no «abc»"),
        ("21.9", "", "lng", "van juntas"),
    ],
)
def test_coordinates_out_of_range_are_refused(lat, lng, field, reason):
    data = csv_bytes(
        [("Textiles Luna", "MX-AGU", lat, lng)], header=("name", "state", "lat", "lng")
    )
    imp = run_import(data)
    assert imp.status == ImportStatus.FAILED
    assert [(e["row"], e["field"]) for e in imp.errors] == [(2, field)]
    assert reason in imp.errors[0]["reason"]


def test_decimal_commas_and_thousands_separators_are_read():
    data = csv_bytes(
        [("Textiles Luna", "MX-AGU", "1,200", "21,88", "-102,29")],
        header=("name", "state", "workers", "lat", "lng"),
        delimiter=";",
    )
    imp = run_import(data)
    assert imp.status == ImportStatus.DONE, imp.errors
    facility = Facility.objects.get()
    assert (facility.workers, facility.lat, facility.lng) == (
        1200,
        Decimal("21.880000"),
        Decimal("-102.290000"),
    )


def test_one_bad_row_among_a_hundred_keeps_nothing():
    # Given a registry, and a list of 100 rows of which row 58 has no state
    registered(name="Textiles Luna", workers=10)
    before = _registry_size()
    rows = [
        (f"Confecciones Número {i}", "MX-PUE", "Tehuacán", "40") for i in range(100)
    ]
    rows.append(("Textiles Luna", "MX-AGU", "", "99"))
    rows[56] = ("Confecciones Número 56", "", "Tehuacán", "40")

    # When it is imported
    imp = run_import(csv_bytes(rows))

    # Then nothing at all is created or changed, and the one row is named
    assert imp.status == ImportStatus.FAILED
    assert (imp.total_rows, imp.rejected_count, imp.created_count) == (101, 1, 0)
    assert imp.errors == [{"row": 58, "field": "state", "reason": "Falta el estado."}]
    assert _registry_size() == before
    assert Facility.objects.get(name="Textiles Luna").workers == 10


def test_every_bad_row_is_reported_not_only_the_first():
    rows = [
        ("Confecciones A", "MX-PUE", "", "x"),
        ("Confecciones B", "MX-PUE", "", "1"),
        ("", "Narnia", "", ""),
    ]
    imp = run_import(csv_bytes(rows))
    assert imp.rejected_count == 2
    assert [(e["row"], e["field"]) for e in imp.errors] == [
        (2, "workers"),
        (4, "name"),
        (4, "state"),
    ]


# --- Dry runs ---------------------------------------------------------------------------


def _mixed_list() -> bytes:
    return csv_bytes(
        [
            ("Textiles Luna", "MX-AGU", "Calvillo", ""),  # the same: matched
            ("Industrias del Interior SA de CV", "MX-AGU", "Rincón de Romos", "300"),
            ("Creaciones Martínez López", "MX-AGU", "Aguascalientes", ""),  # review
            ("Bordados Nuevos", "MX-AGU", "Calvillo", "20"),  # new
        ]
    )


def _mixed_registry() -> None:
    registered(name="Textiles Luna", municipality="Calvillo")
    registered(name="Industrias del Interior", municipality="Rincón de Romos")
    registered(name="Creaciones Martínez", municipality="Aguascalientes")


def test_dry_run_reports_what_would_happen_and_stores_nothing():
    # Given a registry and a list that would create, match, update and ask
    _mixed_registry()
    before = _registry_size()
    imports_before = FacilityImport.objects.count()
    outcomes: list[importing.RowOutcome] = []

    # When it is imported as a dry run (as the command line does)
    imp = run_import(_mixed_list(), dry_run=True, outcomes=outcomes)

    # Then the counts and each row's fate are known, and nothing is kept at all
    assert imp.status == ImportStatus.DONE
    assert _counts(imp) == (1, 1, 1, 1, 0)
    assert [(o.row, o.action, o.how) for o in outcomes] == [
        (2, "matched", "exact"),
        (3, "updated", "exact"),
        (4, "review", "review"),
        (5, "created", "new"),
    ]
    assert outcomes[1].changes == ("workers",)
    assert _registry_size() == before
    assert FacilityImport.objects.count() == imports_before
    assert imp._state.adding  # never saved
    assert Facility.objects.get(name="Industrias del Interior").workers is None


def test_dry_run_from_the_staff_page_keeps_only_its_own_record():
    # Given an import record made beforehand, as the staff page does
    _mixed_registry()
    before = _registry_size()
    queued = services.facility_import_queue(
        data=_mixed_list(), file_name="lista.csv", dry_run=True, created_by=None
    )

    # When the dry run runs
    imp = run_import(_mixed_list(), dry_run=True, facility_import=queued)

    # Then the record holds the counts, and the registry is untouched
    stored = FacilityImport.objects.get(pk=queued.pk)
    assert stored.pk == imp.pk
    assert (stored.status, stored.dry_run) == (ImportStatus.DONE, True)
    assert _counts(stored) == (1, 1, 1, 1, 0)
    assert _registry_size() == before


# --- Re-import --------------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing():
    # Given a list imported once into a registry that already knew some of it
    _mixed_registry()
    data = _mixed_list()
    first = run_import(data)
    assert _counts(first) == (1, 1, 1, 1, 0)
    before = _registry_size()
    stamps = dict(Facility.objects.values_list("pk", "updated_at"))
    sources = dict(Facility.objects.values_list("pk", "field_sources"))

    # When the very same file is imported again
    again = run_import(data)

    # Then every row finds its facility, nothing differs, nothing is written
    # (the record still waiting for a person is not asked about twice)
    assert again.status == ImportStatus.DONE
    assert _counts(again) == (0, 3, 0, 1, 0)
    assert _registry_size() == before
    assert dict(Facility.objects.values_list("pk", "updated_at")) == stamps
    assert dict(Facility.objects.values_list("pk", "field_sources")) == sources


def test_reimporting_a_large_list_is_a_no_op(django_assert_max_num_queries):
    # Given 1,000 facilities imported from a list
    rows = [
        (f"Confecciones {i:04d} Hernández", "MX-PUE", "Tehuacán", str(i + 1))
        for i in range(1000)
    ]
    data = csv_bytes(rows)
    assert _counts(run_import(data)) == (1000, 0, 0, 0, 0)
    before = _registry_size()

    # When it is imported again, the registry is read in a few queries, not per row
    with django_assert_max_num_queries(60):
        again = run_import(data)

    # Then all rows are matched and nothing is written
    assert _counts(again) == (0, 1000, 0, 0, 0)
    assert _registry_size() == before


# --- Where rows go -------------------------------------------------------------------------


def test_exact_match_updates_only_the_fields_that_differ():
    # Given a facility known without a worker count
    facility = registered(
        name="Industrias del Interior, S.A. de C.V.",
        municipality="Rincón de Romos",
        address="Carretera 45 km 12",
        sector="Confección",
    )

    # When a list names it its own way, with a worker count, no accent and no address
    imp = run_import(
        csv_bytes(
            [("IND. DEL INTERIOR SA DE CV", "Aguascalientes", "Rincon de Romos", "300")]
        )
    )

    # Then the facility is updated, not duplicated: the count only
    assert _counts(imp) == (0, 0, 1, 0, 0)
    facility.refresh_from_db()
    assert Facility.objects.count() == 1
    assert facility.workers == 300
    assert facility.municipality == "Rincón de Romos"  # the accent stays
    assert facility.address == "Carretera 45 km 12"  # a blank cell clears nothing
    assert facility.field_sources["workers"] == {
        "source": f"import:{imp.pk}",
        "at": facility.field_sources["workers"]["at"],
    }
    assert facility.field_sources["address"]["source"] == "test"
    event = facility.events.get(kind=FacilityEventKind.UPDATED)
    assert event.changes == {"workers": [None, 300]}
    assert event.source == f"import:{imp.pk}"
    # the same name, written otherwise, is not another name
    assert not facility.aliases.exists()


def test_automatic_match_links_and_adds_the_name_as_another_name():
    # Given "Industrias del Interior" in Rincón de Romos
    facility = registered(
        name="Industrias del Interior", municipality="Rincón de Romos"
    )

    # When a list writes it with an abbreviation and a typo
    imp = run_import(csv_bytes([("Ind. del Interor", "MX-AGU", "Rincón de Romos", "")]))
    outcomes: list[importing.RowOutcome] = []
    run_import(
        # (another row, without the municipality: the same row would be known
        # as the one imported before, whatever the names)
        csv_bytes([("Ind. del Interor", "MX-AGU", "", "")]),
        dry_run=True,
        outcomes=outcomes,
    )

    # Then it is linked to the facility, which is now also known by that name
    assert _counts(imp) == (0, 0, 1, 0, 0)
    assert Facility.objects.count() == 1
    alias = facility.aliases.get()
    assert (alias.name, alias.source) == ("Ind. del Interor", f"import:{imp.pk}")
    event = facility.events.get(kind=FacilityEventKind.ALIAS_ADDED)
    assert event.changes == {"alias": [None, "Ind. del Interor"]}
    assert "interor" in set(
        FacilitySearchToken.objects.filter(facility=facility).values_list(
            "token", flat=True
        )
    )
    # and the next time, the other name matches it exactly
    (outcome,) = outcomes
    assert (outcome.action, outcome.how) == ("matched", "exact")


def test_middle_band_goes_to_the_review_queue_and_creates_nothing():
    existing = registered(name="Creaciones Martínez", municipality="Aguascalientes")

    imp = run_import(
        csv_bytes([("Creaciones Martínez López", "MX-AGU", "Aguascalientes", "80")])
    )

    assert _counts(imp) == (0, 0, 0, 1, 0)
    assert Facility.objects.count() == 1
    candidate = FacilityMatchCandidate.objects.get()
    assert candidate.facility == existing
    assert candidate.status == CandidateStatus.PENDING
    assert candidate.facility_import == imp
    assert candidate.row_number == 2
    assert 0.65 <= candidate.score < 0.9
    assert candidate.record["name"] == "Creaciones Martínez López"
    assert candidate.record["workers"] == 80
    assert candidate.record["state"] == "MX-AGU"
    existing.refresh_from_db()
    assert existing.workers is None


def test_external_id_links_a_renamed_facility_in_its_state():
    # Given a facility a brand lists under its supplier number
    facility = registered(
        name="Maquiladora Kalitex", external_id="BR-1", state="MX-PUE"
    )

    # When the brand's list has renamed it
    imp = run_import(
        csv_bytes(
            [("Grupo Textil Tehuacán", "MX-PUE", "BR-1")],
            header=("name", "state", "external_id"),
        )
    )

    # Then the supplier number decides: the new name becomes another name
    assert _counts(imp) == (0, 0, 1, 0, 0)
    assert Facility.objects.count() == 1
    assert facility.aliases.get().name == "Grupo Textil Tehuacán"


def test_an_external_id_in_another_state_decides_nothing():
    registered(name="Maquiladora Kalitex", external_id="BR-1", state="MX-PUE")
    imp = run_import(
        csv_bytes(
            [("Bordados Rosy", "MX-TLA", "BR-1")],
            header=("name", "state", "external_id"),
        )
    )
    assert _counts(imp) == (1, 0, 0, 0, 0)
    assert Facility.objects.count() == 2


def test_identifiers_are_filled_in_but_never_replaced():
    # Given a facility with an Open Supply Hub id and no external id
    facility = registered(name="Textiles Luna", os_id="MX2024001")

    # When a list gives another OSH id and an external id
    run_import(
        csv_bytes(
            [("Textiles Luna", "MX-AGU", "MX9999999", "PROV-77")],
            header=("name", "state", "os_id", "external_id"),
        )
    )

    # Then only the missing one is filled in
    facility.refresh_from_db()
    assert (facility.os_id, facility.external_id) == ("MX2024001", "PROV-77")


def test_a_merged_facility_is_found_through_the_one_it_was_merged_into():
    keep = registered(name="Textiles Luna", external_id="L-1")
    merged = registered(name="Textiles Luna Norte", external_id="L-2")
    services.facility_merge(keep=keep, merge=merged, actor=None)

    imp = run_import(
        csv_bytes(
            [("Textiles Luna Norte", "MX-AGU", "L-2", "55")],
            header=("name", "state", "external_id", "workers"),
        )
    )

    assert _counts(imp) == (0, 0, 1, 0, 0)
    keep.refresh_from_db()
    assert keep.workers == 55


# --- Duplicates inside one file ---------------------------------------------------------------


def test_the_same_row_twice_in_one_file_is_created_once():
    # Given a list naming one facility twice, the second time in capitals and
    # without accents (the same row, as another person typed it)
    rows = [
        ("Textiles Luna, S.A. de C.V.", "MX-AGU", "Calvillo", "10"),
        ("Bordados Rosy", "MX-AGU", "Calvillo", ""),
        ("TEXTILES  LUNA, S.A. DE C.V.", "Aguascalientes", "CALVILLO", "10"),
    ]
    outcomes: list[importing.RowOutcome] = []

    imp = run_import(csv_bytes(rows), outcomes=outcomes)

    # Then it is one facility
    assert _counts(imp) == (2, 1, 0, 0, 0)
    luna = Facility.objects.get(name="Textiles Luna, S.A. de C.V.")
    assert [(o.row, o.action, o.how) for o in outcomes] == [
        (2, "created", "new"),
        (3, "created", "new"),
        (4, "matched", "duplicate"),
    ]
    assert outcomes[2].facility == luna.public_id
    # and importing it again changes nothing
    assert _counts(run_import(csv_bytes(rows))) == (0, 3, 0, 0, 0)
    assert Facility.objects.count() == 2
    assert FacilityEvent.objects.count() == 2


def test_the_same_name_twice_in_one_town_is_a_question_not_a_match():
    # Given a list with two rows of one name in one town that say different
    # things (perhaps one facility said twice, perhaps two plants)
    rows = [
        ("Textiles Luna, S.A. de C.V.", "MX-AGU", "Calvillo", "10"),
        ("TEXTILES LUNA SA DE CV", "Aguascalientes", "calvillo", "12"),
    ]
    outcomes: list[importing.RowOutcome] = []

    imp = run_import(csv_bytes(rows), outcomes=outcomes)

    # Then the first is created as it says, and a person is asked about the
    # second: it neither overwrites the first nor makes a second facility
    assert _counts(imp) == (1, 0, 0, 1, 0)
    luna = Facility.objects.get()
    assert luna.workers == 10
    assert [(o.row, o.action, o.how, o.facility) for o in outcomes] == [
        (2, "created", "new", luna.public_id),
        (3, "review", "in_file", luna.public_id),
    ]
    candidate = FacilityMatchCandidate.objects.get()
    assert (candidate.facility, candidate.row_number) == (luna, 3)
    assert candidate.record["workers"] == 12
    # and importing it again asks nothing new
    before = _registry_size()
    assert _counts(run_import(csv_bytes(rows))) == (0, 1, 0, 1, 0)
    assert _registry_size() == before


def test_a_row_without_municipality_is_asked_about_not_joined():
    rows = [
        ("Textiles Luna", "MX-AGU", "Calvillo", "10"),
        ("Textiles Luna", "MX-AGU", "", ""),
        ("Textiles Luna", "MX-AGU", "Jesús María", ""),
    ]
    imp = run_import(csv_bytes(rows))
    # one in Calvillo, another in Jesús María; the row that does not say
    # where is put to a person
    assert _counts(imp) == (2, 0, 0, 1, 0)
    assert sorted(Facility.objects.values_list("municipality", flat=True)) == [
        "Calvillo",
        "Jesús María",
    ]
    assert _counts(run_import(csv_bytes(rows[:2]))) == (0, 1, 0, 1, 0)


def test_rows_with_one_external_id_are_one_facility_with_both_names():
    rows = [
        ("Maquiladora Kalitex", "MX-PUE", "BR-1"),
        ("Kalitex Jeans", "MX-PUE", "BR-1"),
    ]
    imp = run_import(csv_bytes(rows, header=("name", "state", "external_id")))
    assert _counts(imp) == (1, 1, 0, 0, 0)
    facility = Facility.objects.get()
    assert facility.name == "Maquiladora Kalitex"
    assert list(facility.aliases.values_list("name", flat=True)) == ["Kalitex Jeans"]
    assert "kalitex" in set(
        FacilitySearchToken.objects.filter(facility=facility).values_list(
            "token", flat=True
        )
    )


def test_same_name_with_two_external_ids_is_two_facilities():
    rows = [
        ("Confecciones del Valle", "MX-AGU", "Calvillo", "P-1"),
        ("Confecciones del Valle", "MX-AGU", "Calvillo", "P-2"),
    ]
    imp = run_import(
        csv_bytes(rows, header=("name", "state", "municipality", "external_id"))
    )
    assert _counts(imp) == (2, 0, 0, 0, 0)
    assert sorted(Facility.objects.values_list("external_id", flat=True)) == [
        "P-1",
        "P-2",
    ]


# --- Progress and concurrency --------------------------------------------------------------


def test_progress_is_reported_by_stage_up_to_the_total():
    seen: list[tuple[str, int, int]] = []
    rows = [(f"Confecciones {i}", "MX-PUE", "", "") for i in range(30)]

    run_import(csv_bytes(rows), progress=lambda *step: seen.append(step))

    stages = [stage for stage, _done, _total in seen]
    assert stages[0] == "read"
    assert "match" in stages
    assert seen[-1][0] == "save"
    assert ("match", 30, 30) in seen
    assert seen[-1][1] == seen[-1][2] > 0


def test_an_import_matches_again_when_the_registry_changed_meanwhile():
    # Given a list with a facility that someone registers while the list is matched
    def register_meanwhile(stage: str, done: int, total: int) -> None:
        if stage == "save" and done == 0:
            registered(name="Textiles Luna", municipality="Calvillo")

    # When the import writes
    imp = run_import(
        csv_bytes([("Textiles Luna", "MX-AGU", "Calvillo", "40")]),
        progress=register_meanwhile,
    )

    # Then the row finds that facility instead of making a second one
    assert _counts(imp) == (0, 0, 1, 0, 0)
    assert Facility.objects.get().workers == 40


def test_a_completed_import_is_audited_with_its_counts():
    from remedia.core.models import AuditEntry

    imp = run_import(csv_bytes([("Textiles Luna", "MX-AGU", "", "")]))

    entry = AuditEntry.objects.get(action="facility.imported")
    assert entry.object_id == str(imp.pk)
    assert entry.data["created"] == 1
