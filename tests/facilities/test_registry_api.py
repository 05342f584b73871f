"""The registry API (issue 19, item 4): one facility, create and change through
the services and matcher the staff pages use (a near match is 409 with the
candidates), list imports as jobs with their progress and result, and the
export in Open Supply Hub's columns."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from remedia.accounts import services as accounts
from remedia.core.models import AuditEntry
from remedia.facilities import api as registry_api
from remedia.facilities import services
from remedia.facilities.models import (
    Facility,
    FacilityEvent,
    FacilityEventKind,
    FacilityImport,
    FacilityMatchCandidate,
    FacilityStatus,
    ImportStatus,
    MatchDecision,
)
from remedia.facilities.tasks import facility_import_job
from tests.facilities.import_support import csv_bytes, registered, xlsx_bytes
from tests.support.actors import Staff, organisation_with_escrow, staff_member

URL = "/api/v1/facilities"
IMPORTS = "/api/v1/facilities/imports"
ROW = ("Creaciones Martínez López", "MX-AGU", "Aguascalientes", "80")


@pytest.fixture
def org(db):
    return organisation_with_escrow("Centro Laboral Aguascalientes", "CLA")


@pytest.fixture
def editor(org) -> Staff:
    """A case handler: may edit the registry and import lists."""
    return staff_member(org, "hilda", decrypting=False)


@pytest.fixture
def reader(org) -> Staff:
    """A facility's compliance officer: reads the registry, may not edit it."""
    return staff_member(org, "fernando", role="facility_officer", decrypting=False)


@pytest.fixture
def nobody(db) -> Staff:
    """A user with no role anywhere: the registry does not exist for them."""
    user = accounts.user_create(username="nadie", password=None)
    _token, raw = accounts.token_issue(user=user, name="pruebas")
    return Staff(user=user, token=raw)


@pytest.fixture
def martinez(db) -> Facility:
    return registered(
        name="Creaciones Martínez",
        municipality="Aguascalientes",
        address="Calle 5 120",
        workers=40,
    )


def _json(client, method: str, url: str, staff: Staff, body: Any, **headers: str):
    return getattr(client, method)(
        url,
        data=json.dumps(body),
        content_type="application/json",
        headers={**staff.headers, **headers},
    )


def _fields(response) -> dict[str, str]:
    return {e["field"]: e["reason"] for e in response.json()["errors"]}


# --- One facility -----------------------------------------------------------------------


def test_get_answers_the_facility_with_its_version(client, reader, martinez):
    response = client.get(f"{URL}/{martinez.pk}", headers=reader.headers)

    assert response.status_code == 200
    body = response.json()
    assert body["public_id"] == martinez.public_id
    assert (body["name"], body["state"], body["workers"]) == (
        "Creaciones Martínez",
        "MX-AGU",
        40,
    )
    assert body["status"] == "active"
    assert body["merged_into"] is None
    assert response["ETag"] == f'"{body["version"]}"'
    assert body["updated_at"].endswith(("Z", "+00:00"))


@pytest.mark.parametrize("facility_id", ["00000000-0000-0000-0000-000000000000", "x"])
def test_unknown_ids_are_not_found(client, reader, facility_id):
    response = client.get(f"{URL}/{facility_id}", headers=reader.headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "No encontrado."}


def test_without_the_registry_a_facility_is_not_found(client, nobody, martinez):
    # A user whose roles do not read the registry cannot tell it from a missing one
    assert client.get(f"{URL}/{martinez.pk}", headers=nobody.headers).status_code == 404
    assert (
        _json(client, "patch", f"{URL}/{martinez.pk}", nobody, {"workers": 1})
    ).status_code == 404
    assert client.get(f"{URL}/export.csv", headers=nobody.headers).status_code == 404


def test_without_a_token_the_api_asks_for_one(client, martinez):
    assert client.get(f"{URL}/{martinez.pk}").status_code == 401
    assert (
        client.post(URL, data="{}", content_type="application/json").status_code == 401
    )
    assert client.get(f"{URL}/export.json").status_code == 401


def test_a_merged_record_names_the_one_it_lives_on_in(client, reader, martinez, editor):
    other = registered(name="Martínez Creaciones taller", municipality="Aguascalientes")
    services.facility_merge(keep=martinez, merge=other, actor=editor.user)

    body = client.get(f"{URL}/{other.pk}", headers=reader.headers).json()

    assert (body["status"], body["merged_into"]) == ("merged", martinez.public_id)


# --- Create ---------------------------------------------------------------------------


def test_create_registers_the_facility_through_the_service(client, editor):
    # When a partner system sends a facility with accents and odd spacing
    response = _json(
        client,
        "post",
        URL,
        editor,
        {
            "name": "  Confecciones  Ñandú Peñón ",
            "state": "Querétaro",
            "municipality": "San Juan del Río",
            "workers": 120,
            "lat": "20.388",
            "lng": -99.996,
            "os_id": "MX2026001ABCDEF",
        },
    )

    # Then it is created, with its state as a code, its sources and its history
    assert response.status_code == 201, response.content
    body = response.json()
    facility = Facility.objects.get(pk=body["id"])
    assert (facility.name, facility.state, facility.workers) == (
        "Confecciones Ñandú Peñón",
        "MX-QUE",
        120,
    )
    assert body["lat"] == pytest.approx(20.388)
    assert response["Location"] == f"{URL}/{facility.pk}"
    assert response["ETag"] == f'"{body["version"]}"'
    assert facility.field_sources["name"]["source"] == "api:hilda"
    event = FacilityEvent.objects.get(facility=facility)
    assert (event.kind, event.actor) == (FacilityEventKind.CREATED, editor.user)
    assert AuditEntry.objects.filter(
        action="facility.created", object_id=str(facility.pk)
    ).exists()
    # And it is found by the search at once
    found = client.get(URL, {"q": "nandu penon"}).json()["items"]
    assert [f["id"] for f in found] == [str(facility.pk)]


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"state": "MX-AGU"}, "name", "Este campo es obligatorio."),
        ({"name": "Textiles Luna"}, "state", "Este campo es obligatorio."),
        ({"name": "   ", "state": "MX-AGU"}, "name", "Falta el nombre del centro."),
        ({"name": "S.A. de C.V.", "state": "MX-AGU"}, "name", "no dice qué centro es"),
        ({"name": "Textiles Luna", "state": "MX-ZZZ"}, "state", "Estado desconocido"),
        ({"name": "Textiles Luna", "state": "Narnia"}, "state", "ISO 3166-2:MX"),
        (
            {"name": "Textiles Luna", "state": "MX-AGU", "workers": -3},
            "workers",
            "mayor o igual a 0",
        ),
        (
            {"name": "Textiles Luna", "state": "MX-AGU", "color": "rojo"},
            "color",
            "no se admite",
        ),
        ({"name": "x" * 256, "state": "MX-AGU"}, "name", "máximo 255"),
    ],
)
def test_bad_input_is_422_with_the_field_and_nothing_is_stored(
    client, editor, body, field, reason
):
    response = _json(client, "post", URL, editor, body)

    assert response.status_code == 422, response.content
    assert reason in _fields(response)[field]
    assert Facility.objects.count() == 0
    assert FacilityEvent.objects.count() == 0


def test_a_body_that_is_not_json_is_422(client, editor):
    response = client.post(
        URL, data="{name:", content_type="application/json", headers=editor.headers
    )
    assert response.status_code == 422
    assert Facility.objects.count() == 0


def test_errors_are_in_english_for_an_english_caller(client, editor):
    response = _json(
        client,
        "post",
        URL,
        editor,
        {"name": "Textiles Luna", "state": "Narnia"},
        **{"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert _fields(response)["state"].startswith("Unknown state")


def test_a_near_match_answers_409_with_the_candidate_and_stores_nothing(
    client, editor, martinez
):
    # When the same workshop arrives written another way
    response = _json(
        client,
        "post",
        URL,
        editor,
        {
            "name": "CREACIONES MARTINEZ, S.A. de C.V.",
            "state": "MX-AGU",
            "municipality": "Aguascalientes",
        },
    )

    # Then the answer names it, and nothing new is stored
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["match"] == "exact"
    assert "distinct" in body["detail"]
    (candidate,) = body["candidates"]
    assert candidate["id"] == str(martinez.pk)
    assert candidate["public_id"] == martinez.public_id
    assert candidate["name"] == "Creaciones Martínez"
    assert candidate["score"] == 1.0
    assert Facility.objects.count() == 1


def test_a_middle_band_match_is_409_too(client, editor, martinez):
    name, state, municipality, _workers = ROW
    response = _json(
        client,
        "post",
        URL,
        editor,
        {"name": name, "state": state, "municipality": municipality},
    )

    assert response.status_code == 409, response.content
    body = response.json()
    assert body["match"] == "review"
    assert [c["id"] for c in body["candidates"]] == [str(martinez.pk)]
    assert 0.65 <= body["candidates"][0]["score"] < 0.9
    assert Facility.objects.count() == 1


def test_confirming_it_is_distinct_creates_it_and_remembers(client, editor, martinez):
    name, state, municipality, _workers = ROW
    body = {"name": name, "state": state, "municipality": municipality}

    response = _json(client, "post", URL, editor, {**body, "distinct": True})

    assert response.status_code == 201, response.content
    created = Facility.objects.get(pk=response.json()["id"])
    assert created.pk != martinez.pk
    decision = MatchDecision.objects.get()
    assert (decision.facility, decision.decided_by) == (created, editor.user)
    assert AuditEntry.objects.filter(action="facility.declared_distinct").exists()
    # And the same record, sent again, is the facility now made: not a third one
    again = _json(client, "post", URL, editor, body)
    assert again.status_code == 409
    assert again.json()["match"] == "remembered"
    assert [c["id"] for c in again.json()["candidates"]] == [str(created.pk)]


def test_a_facility_officer_may_not_create(client, reader):
    response = _json(client, "post", URL, reader, {"name": "Luna", "state": "MX-AGU"})
    assert response.status_code == 403
    assert Facility.objects.count() == 0


# --- Update ---------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(client, editor, martinez):
    etag = client.get(f"{URL}/{martinez.pk}", headers=editor.headers)["ETag"]

    response = _json(
        client,
        "patch",
        f"{URL}/{martinez.pk}",
        editor,
        {"workers": 55, "employer_group": "Grupo Martínez"},
        **{"If-Match": etag},
    )

    assert response.status_code == 200, response.content
    martinez.refresh_from_db()
    assert (martinez.workers, martinez.employer_group, martinez.address) == (
        55,
        "Grupo Martínez",
        "Calle 5 120",
    )
    assert response["ETag"] != etag
    assert response.json()["version"] == services.facility_version(martinez)
    event = martinez.events.get(kind=FacilityEventKind.UPDATED)
    assert event.changes["workers"] == [40, 55]
    assert event.source == "api:hilda"


def test_a_stale_version_is_412_and_changes_nothing(client, editor, martinez):
    seen = client.get(f"{URL}/{martinez.pk}", headers=editor.headers).json()["version"]
    # Someone else changes it meanwhile (an import, a person)
    services.facility_update(
        facility=martinez, changes={"workers": 41}, actor=None, source="test"
    )

    by_header = _json(
        client,
        "patch",
        f"{URL}/{martinez.pk}",
        editor,
        {"workers": 99},
        **{"If-Match": f'"{seen}"'},
    )
    by_body = _json(
        client,
        "patch",
        f"{URL}/{martinez.pk}",
        editor,
        {"workers": 99, "version": seen},
    )

    for response in (by_header, by_body):
        assert response.status_code == 412
        assert response.json()["errors"][0]["field"] == "version"
    martinez.refresh_from_db()
    assert martinez.workers == 41


def test_a_rename_onto_another_facility_is_409_unless_distinct(
    client, editor, martinez
):
    other = registered(name="Bordados Rosy", municipality="Aguascalientes")
    rename = {"name": "Creaciones Martinez", "municipality": "Aguascalientes"}

    refused = _json(client, "patch", f"{URL}/{other.pk}", editor, rename)

    assert refused.status_code == 409
    assert [c["id"] for c in refused.json()["candidates"]] == [str(martinez.pk)]
    other.refresh_from_db()
    assert other.name == "Bordados Rosy"

    accepted = _json(
        client, "patch", f"{URL}/{other.pk}", editor, {**rename, "distinct": True}
    )
    assert accepted.status_code == 200
    other.refresh_from_db()
    assert other.name == "Creaciones Martinez"


def test_a_change_that_keeps_its_own_name_is_not_a_near_match(client, editor, martinez):
    response = _json(
        client,
        "patch",
        f"{URL}/{martinez.pk}",
        editor,
        {"name": "Creaciones Martínez", "address": "Calle 5 122", "status": "closed"},
    )

    assert response.status_code == 200, response.content
    martinez.refresh_from_db()
    assert (martinez.address, martinez.status) == ("Calle 5 122", FacilityStatus.CLOSED)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"state": "MX-XXX"}, "state"),
        ({"status": "merged"}, "status"),
        ({"lat": 91}, "lat"),
        ({"public_id": "FAC-1"}, "public_id"),
    ],
)
def test_a_bad_patch_is_422_and_changes_nothing(client, editor, martinez, body, field):
    before = services.facility_version(martinez)

    response = _json(client, "patch", f"{URL}/{martinez.pk}", editor, body)

    assert response.status_code == 422, response.content
    assert field in _fields(response)
    martinez.refresh_from_db()
    assert services.facility_version(martinez) == before


def test_a_facility_officer_may_read_but_not_change(client, reader, martinez):
    before = services.facility_version(martinez)

    response = _json(client, "patch", f"{URL}/{martinez.pk}", reader, {"workers": 1})

    assert response.status_code == 403
    martinez.refresh_from_db()
    assert services.facility_version(martinez) == before


# --- Imports as jobs ----------------------------------------------------------------------


def _upload(client, staff: Staff, data: bytes, name: str = "lista.csv", **form: Any):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(IMPORTS, {"file": upload, **form}, headers=staff.headers)


def test_a_dry_run_through_the_api_reports_and_stores_nothing(client, editor, martinez):
    data = csv_bytes([("Bordados Rosy", "Tlaxcala", "Apizaco", "25"), ROW])

    response = _upload(client, editor, data, dry_run="true")

    # Then the import is queued (under tests, the job runs at once)
    assert response.status_code == 202, response.content
    queued = response.json()
    assert queued["dry_run"] is True
    assert response["Location"] == queued["url"] == f"{IMPORTS}/{queued['id']}"
    result = client.get(queued["url"], headers=editor.headers)
    assert result.status_code == 200
    body = result.json()
    assert (body["status"], body["dry_run"], body["total_rows"]) == ("done", True, 2)
    assert body["processed_rows"] == 2
    assert body["counts"] == {
        "created": 1,
        "matched": 0,
        "updated": 0,
        "review": 1,
        "rejected": 0,
    }
    assert [(r["row"], r["action"]) for r in body["rows"]] == [
        (2, "created"),
        (3, "review"),
    ]
    assert Facility.objects.count() == 1
    assert FacilityMatchCandidate.objects.count() == 0
    imp = FacilityImport.objects.get()
    assert (imp.created_by, imp.dry_run) == (editor.user, True)


def test_a_retried_import_with_its_idempotency_key_is_one_import(client, editor):
    # The key's check reads the multipart body before the view: it reads it
    # with the import's own upload handler (its limit, memory only).
    data = csv_bytes([("Bordados Rosy", "Tlaxcala", "Apizaco", "25")])
    key = {"Idempotency-Key": "import-2026-12-07-a"}

    def send() -> Any:
        upload = io.BytesIO(data)
        upload.name = "lista.csv"
        return client.post(
            IMPORTS,
            {"file": upload, "dry_run": "true"},
            headers={**editor.headers, **key},
        )

    first, again = send(), send()
    assert first.status_code == again.status_code == 202, first.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert FacilityImport.objects.count() == 1


def test_a_real_import_through_the_api_creates_and_queues(client, editor, martinez):
    data = xlsx_bytes(
        [
            ("Bordados Rosy", "Tlaxcala", "Apizaco", 25),
            ("Creaciones Martínez", "MX-AGU", "Aguascalientes", 33),
            ROW,
        ]
    )

    response = _upload(client, editor, data, name="proveedores.xlsx")

    assert response.status_code == 202, response.content
    body = client.get(response.json()["url"], headers=editor.headers).json()
    assert body["status"] == "done"
    assert body["file_name"] == "proveedores.xlsx"
    counts = body["counts"]
    assert (counts["created"], counts["updated"], counts["review"]) == (1, 1, 1)
    assert Facility.objects.filter(name="Bordados Rosy", state="MX-TLA").exists()
    martinez.refresh_from_db()
    assert martinez.workers == 33
    assert FacilityMatchCandidate.objects.get().facility == martinez


def test_a_csv_body_with_a_bom_keeps_its_accents(client, editor):
    data = "\ufeff" + "nombre,estado,municipio\r\nTejidos Ñuñoa,Michoacán,Uruapan\r\n"

    response = client.post(
        f"{IMPORTS}?dry_run=false",
        data=data.encode("utf-8"),
        content_type="text/csv",
        headers=editor.headers,
    )

    assert response.status_code == 202, response.content
    imp = FacilityImport.objects.get()
    assert (imp.status, imp.created_count, imp.file_name) == (
        ImportStatus.DONE,
        1,
        "lista.csv",
    )
    facility = Facility.objects.get()
    assert (facility.name, facility.state) == ("Tejidos Ñuñoa", "MX-MIC")


def test_a_latin1_csv_body_keeps_its_accents(client, editor):
    data = csv_bytes([("Hilados Peñasco", "Yucatán", "Mérida", "")], encoding="cp1252")

    response = client.post(
        f"{IMPORTS}?file_name=viejo.csv",
        data=data,
        content_type="application/octet-stream",
        headers=editor.headers,
    )

    assert response.status_code == 202
    assert Facility.objects.get().name == "Hilados Peñasco"
    assert FacilityImport.objects.get().file_name == "viejo.csv"


def test_a_file_with_bad_rows_fails_with_each_row_and_reason(client, editor):
    data = csv_bytes(
        [
            ("Bordados Rosy", "Narnia", "", ""),
            ("Textiles Luna", "MX-AGU", "", "muchos"),
            ("Hilos del Sur", "MX-OAX", "", "10"),
        ]
    )

    response = _upload(client, editor, data)

    assert response.status_code == 202  # the file is a list: its rows fail in the job
    body = client.get(response.json()["url"], headers=editor.headers).json()
    assert body["status"] == "failed"
    assert body["counts"]["rejected"] == 2
    assert body["errors_count"] == 2
    errors = {(e["row"], e["field"]): e["reason"] for e in body["errors"]}
    assert "Estado desconocido: «Narnia»" in errors[(2, "state")]
    assert "«muchos»" in errors[(3, "workers")]
    assert body["rows"] == []
    assert Facility.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("lista.csv", b"", "vacío"),
        ("informe.pdf", b"%PDF-1.4 ...", "CSV o XLSX"),
        ("lista.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, ".xls"),
        ("lista.xlsx", b"nombre,estado\r\n", "dice ser XLSX"),
        ("lista.csv", b"PK\x03\x04" + b"\0" * 64, "no es un CSV"),
    ],
)
def test_a_file_that_is_not_a_list_is_422_at_once(client, editor, name, data, reason):
    response = _upload(client, editor, data, name=name)

    assert response.status_code == 422, response.content
    assert reason in _fields(response)["file"]
    assert FacilityImport.objects.count() == 0


def test_a_body_of_another_type_is_422(client, editor):
    response = client.post(
        IMPORTS,
        data=b"%PDF-1.4",
        content_type="application/pdf",
        headers=editor.headers,
    )
    assert response.status_code == 422
    assert "CSV o XLSX" in _fields(response)["file"]
    assert FacilityImport.objects.count() == 0


def test_a_form_without_its_file_or_with_a_bad_flag_is_422(client, editor):
    missing = client.post(IMPORTS, {"dry_run": "true"}, headers=editor.headers)
    assert missing.status_code == 422
    assert "file" in _fields(missing)
    bad_flag = _upload(client, editor, csv_bytes([ROW]), dry_run="quizá")
    assert bad_flag.status_code == 422
    assert "dry_run" in _fields(bad_flag)
    assert FacilityImport.objects.count() == 0


def test_an_oversized_file_is_422(client, editor, monkeypatch):
    monkeypatch.setattr(registry_api, "IMPORT_MAX_BYTES", 100)
    monkeypatch.setattr(registry_api.forms, "IMPORT_MAX_MB", 0)
    data = csv_bytes([(f"Taller {n}", "MX-AGU", "", "") for n in range(20)])

    as_form = _upload(client, editor, data)
    as_body = client.post(
        IMPORTS, data=data, content_type="text/csv", headers=editor.headers
    )

    for response in (as_form, as_body):
        assert response.status_code == 422, response.content
        assert "pesa más de" in _fields(response)["file"]
    assert FacilityImport.objects.count() == 0


def test_imports_are_not_found_for_who_may_not_import(client, reader, editor):
    response = _upload(client, editor, csv_bytes([("Bordados Rosy", "MX-TLA", "", "")]))
    url = response.json()["url"]

    assert client.get(url, headers=reader.headers).status_code == 404
    refused = _upload(client, reader, csv_bytes([("Hilos", "MX-TLA", "", "")]))
    assert refused.status_code == 404
    assert FacilityImport.objects.count() == 1
    assert client.get(f"{IMPORTS}/not-an-id", headers=editor.headers).status_code == 404


# --- Export ---------------------------------------------------------------------------


@pytest.fixture
def exported(db, editor):
    known = registered(
        name="Confecciones Ñandú",
        legal_name="Confecciones Ñandú, S.A. de C.V.",
        address="Av. Juárez 12",
        municipality="Tehuacán",
        state="MX-PUE",
        sector="Confección",
        workers=350,
        employer_group="Grupo Textil Ñandú",
        os_id="MX2019067X1K87E",
        lat="18.461000",
        lng="-97.392000",
    )
    plain = registered(name="=HYPERLINK(1)", municipality="Aguascalientes")
    closed = registered(name="Bordados cerrados", municipality="Calvillo")
    services.facility_status_change(
        facility=closed, status=FacilityStatus.CLOSED, actor=None
    )
    gone = registered(name="Bordados cerrados dos", municipality="Calvillo")
    services.facility_merge(keep=closed, merge=gone, actor=editor.user)
    return {"known": known, "plain": plain, "closed": closed, "gone": gone}


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def _export_json(response) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    return json.loads(b"".join(response.streaming_content))


def test_csv_export_has_open_supply_hubs_columns(client, reader, exported):
    response = client.get(f"{URL}/export.csv", headers=reader.headers)

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    assert list(rows[0]) == [
        "os_id",
        "name",
        "address",
        "country",
        "sector",
        "number_of_workers",
        "parent_company",
        "facility_type",
        "processing_type",
        "product_type",
        "lat",
        "lng",
        "is_closed",
        "remedia_id",
        "state",
    ]
    by_id = {r["remedia_id"]: r for r in rows}
    # A merged record lives on in the one it was merged into
    assert exported["gone"].public_id not in by_id
    assert len(rows) == 3
    known = by_id[exported["known"].public_id]
    assert known == {
        "os_id": "MX2019067X1K87E",
        "name": "Confecciones Ñandú",
        "address": "Av. Juárez 12, Tehuacán, Puebla",
        "country": "MX",
        "sector": "Confección",
        "number_of_workers": "350",
        "parent_company": "Grupo Textil Ñandú",
        "facility_type": "",
        "processing_type": "",
        "product_type": "",
        "lat": "18.461",
        "lng": "-97.392",
        "is_closed": "false",
        "remedia_id": exported["known"].public_id,
        "state": "MX-PUE",
    }
    plain = by_id[exported["plain"].public_id]
    assert (plain["os_id"], plain["number_of_workers"]) == ("", "")
    assert plain["name"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    assert by_id[exported["closed"].public_id]["is_closed"] == "true"


def test_json_export_has_the_same_columns_with_json_types(client, reader, exported):
    body = _export_json(client.get(f"{URL}/export.json", headers=reader.headers))

    assert body["count"] == 3
    assert body["columns"][:3] == ["os_id", "name", "address"]
    by_id = {item["remedia_id"]: item for item in body["items"]}
    known = by_id[exported["known"].public_id]
    assert (known["os_id"], known["number_of_workers"], known["lat"]) == (
        "MX2019067X1K87E",
        350,
        18.461,
    )
    assert known["name"] == "Confecciones Ñandú"
    assert known["is_closed"] is False
    plain = by_id[exported["plain"].public_id]
    assert (plain["os_id"], plain["number_of_workers"], plain["lat"]) == (
        None,
        None,
        None,
    )
    assert plain["name"] == "=HYPERLINK(1)"  # JSON holds the value as it is


def test_export_filters_pages_and_takes_format(client, reader, exported):
    agu = _export_json(
        client.get(f"{URL}/export", {"state": "Aguascalientes"}, headers=reader.headers)
    )
    assert [i["state"] for i in agu["items"]] == ["MX-AGU", "MX-AGU"]

    first = _export_json(
        client.get(f"{URL}/export.json", {"limit": 2}, headers=reader.headers)
    )
    rest = _export_json(
        client.get(
            f"{URL}/export.json", {"limit": 2, "offset": 2}, headers=reader.headers
        )
    )
    assert (first["count"], len(first["items"]), len(rest["items"])) == (3, 2, 1)
    ids = [i["remedia_id"] for i in first["items"] + rest["items"]]
    assert ids == sorted(ids)

    merged = _export_json(
        client.get(
            f"{URL}/export.json", {"include_merged": "true"}, headers=reader.headers
        )
    )
    assert merged["count"] == 4

    as_csv = client.get(f"{URL}/export", {"format": "csv"}, headers=reader.headers)
    assert len(_csv(as_csv)) == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"state": "Narnia"}, "state"),
        ({"limit": 0}, "limit"),
        ({"limit": 10_001}, "limit"),
        ({"offset": -1}, "offset"),
        ({"format": "xml"}, "format"),
    ],
)
def test_bad_export_parameters_are_422(client, reader, query, field):
    response = client.get(f"{URL}/export", query, headers=reader.headers)
    assert response.status_code == 422
    assert field in _fields(response)


def test_the_registry_page_links_the_same_csv(client, enter, reader, exported):
    # Given a facility's compliance officer on the registry page (readers export)
    enter(reader)
    page = client.get("/staff/facilities/", {"state": "MX-PUE"}).content.decode()
    assert 'href="/staff/facilities/export.csv?state=MX-PUE"' in page
    assert "Descargar CSV con las columnas de Open Supply Hub" in page

    # When they follow the link, they get the API's columns for that state
    rows = _csv(client.get("/staff/facilities/export.csv", {"state": "MX-PUE"}))
    assert [r["remedia_id"] for r in rows] == [exported["known"].public_id]
    assert rows[0]["os_id"] == "MX2019067X1K87E"


def test_the_page_export_needs_a_login(client, exported):
    response = client.get("/staff/facilities/export.csv")
    assert response.status_code == 302
    assert "/staff/login/" in response["Location"]


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"lat": "norte"}, "lat", "Debe ser un número."),
        ({"lat": "21.1234567"}, "lat", "máximo 6"),
        ({"status": "merged"}, "status", "'active', 'closed', 'moved'"),
        ({"distinct": "quizá"}, "distinct", "verdadero o falso"),
    ],
)
def test_type_errors_read_in_the_callers_language(
    client, editor, martinez, body, field, reason
):
    response = _json(client, "patch", f"{URL}/{martinez.pk}", editor, body)
    assert response.status_code == 422
    assert reason in _fields(response)[field]


def test_a_near_match_speaks_english_to_an_english_caller(client, editor, martinez):
    response = _json(
        client,
        "post",
        URL,
        editor,
        {"name": "Creaciones Martinez", "state": "MX-AGU"},
        **{"Accept-Language": "en"},
    )
    assert response.status_code == 409
    assert response.json()["detail"].startswith("The registry already has")


def test_a_merged_record_is_not_changed(client, editor, martinez):
    other = registered(name="Martínez Creaciones taller", municipality="Aguascalientes")
    services.facility_merge(keep=martinez, merge=other, actor=editor.user)

    response = _json(client, "patch", f"{URL}/{other.pk}", editor, {"workers": 3})

    assert response.status_code == 400
    assert martinez.public_id in response.json()["detail"]
    other.refresh_from_db()
    assert other.workers is None


def test_the_facility_page_names_an_api_change_only_to_editors(
    client, enter, editor, reader, martinez
):
    # Given a change sent through the API
    assert (
        _json(client, "patch", f"{URL}/{martinez.pk}", editor, {"workers": 61})
    ).status_code == 200
    page = f"/staff/facilities/{martinez.pk}/"

    # Then its editors see who sent it, and a facility's officer only that staff did
    enter(editor)
    assert "hilda (por la API)" in client.get(page).content.decode()
    enter(reader)
    html = client.get(page).content.decode()
    assert "personal de Remedia (por la API)" in html
    assert "hilda" not in html


def test_a_queued_import_shows_its_progress_until_the_worker_runs_it(
    client, editor, monkeypatch
):
    # Given a worker that has not taken the job yet
    queued: list[str] = []
    monkeypatch.setattr(
        registry_api.tasks, "facility_import_job", lambda pk, *a: queued.append(pk)
    )
    data = csv_bytes([("Bordados Rosy", "MX-TLA", "Apizaco", "25")])

    response = _upload(client, editor, data)

    # Then the answer and the import's page say it waits, with nothing done yet
    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    assert queued == [response.json()["id"]]
    body = client.get(response.json()["url"], headers=editor.headers).json()
    assert (body["status"], body["processed_rows"], body["finished_at"]) == (
        "pending",
        0,
        None,
    )
    assert body["rows"] == []

    # And once the worker has run it, the result is there
    facility_import_job(queued[0], None, "es-mx")
    body = client.get(response.json()["url"], headers=editor.headers).json()
    assert (body["status"], body["counts"]["created"]) == ("done", 1)
    assert Facility.objects.filter(name="Bordados Rosy").exists()
