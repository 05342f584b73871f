"""Partner tokens (issue 19.2) and reports from partner hotlines (issue 19.3).

Real HTTP through Django's test client. A partner token belongs to an
organisation, acts only through its scopes, and gets the 404 of a missing
object everywhere else; a hotline's report goes through the intake's own
validation, encryption and routing and its receipt works on the web follow-up.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from remedia.accounts import services as accounts
from remedia.accounts.models import Organisation, PartnerToken
from remedia.core.models import AuditEntry
from remedia.facilities.models import Facility
from remedia.intake.models import Channel, Report, ReportRecipient
from remedia.rrm import services as rrm
from tests.intake.support import database_dump, found_in
from tests.support.actors import Staff, organisation_with_escrow, staff_member

TOKENS = "/api/v1/partner-tokens"
HOTLINE = "/api/v1/intake/partner-reports"
NARRATIVE = "Nos obligan a firmar renuncias en blanco cada lunes en la línea dos."


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def hotline_org(db) -> Organisation:
    return organisation_with_escrow("Línea Ética del Norte A.C.", "LEN")


@pytest.fixture
def hotline_admin(hotline_org) -> Staff:
    return staff_member(hotline_org, "alma", role="admin", decrypting=False)


def _token(
    org: Organisation,
    admin: Staff,
    *scopes: str,
    days: int = 30,
    per_minute: int = 600,
) -> str:
    return accounts.partner_token_issue(
        organisation=org,
        name="Sistema de la línea",
        scopes=list(scopes),
        expires_in_days=days,
        rate_limit_per_minute=per_minute,
        issued_by=admin.user,
    ).raw


def _hotline_body(**changes: Any) -> dict[str, Any]:
    body = {
        "channel_name": "Línea Ética 800",
        "language": "es",
        "categories": ["intimidation"],
        "narrative": NARRATIVE,
        "facility_name": "Maquiladora del Norte",
        "state": "MX-AGU",
    }
    body.update(changes)
    return body


# --- Deny by default -------------------------------------------------------------------


def _bearer_operations() -> list[tuple[str, str, list[str]]]:
    """Every operation of the API document that takes a bearer token, with the
    scopes it documents (`x-scopes`)."""
    from remedia.config.api import api

    found = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            security = operation.get("security") or []
            if not any("BearerToken" in s for s in security):
                continue
            url = re.sub(r"\{\w+\}", lambda _m: str(uuid.uuid4()), path)
            found.append((method, url, operation.get("x-scopes", [])))
    return found


def test_a_partner_token_reaches_only_what_its_scopes_grant(
    client, hotline_org, hotline_admin
):
    # Given a partner token with every scope (and room for every request)
    raw = _token(hotline_org, hotline_admin, *accounts.Scope.values, per_minute=6000)
    operations = _bearer_operations()
    assert len(operations) > 100, "the API document lists the bearer operations"

    # When it calls every operation that grants none of its scopes
    wrong = []
    for method, url, scopes in operations:
        if scopes:
            continue
        response = getattr(client, method)(
            url, data={}, content_type="application/json", headers=_bearer(raw)
        )
        # Then each answers 404, before reading any body or query
        if response.status_code != 404:
            wrong.append((method.upper(), url, response.status_code))
    assert wrong == []


def test_registry_read_alone_gets_404_on_reports_and_cases(
    client, orgs, hotline_org, hotline_admin, agu_handler
):
    raw = _token(hotline_org, hotline_admin, "registry:read")
    report_id = _submit_as_staff_would(client, orgs)
    for url in (
        "/api/v1/reports",
        f"/api/v1/reports/{report_id}",
        "/api/v1/cases",
        f"/api/v1/cases/{uuid.uuid4()}",
        "/api/v1/me",
    ):
        response = client.get(url, headers=_bearer(raw))
        assert (url, response.status_code) == (url, 404)
        assert response.json() == {"detail": "No encontrado."}
    # A report handed in without reports:submit: the same 404, even with a
    # body that would not validate, and nothing stored
    before = Report.objects.count()
    response = client.post(
        HOTLINE, {"narrative": 1}, content_type="application/json", headers=_bearer(raw)
    )
    assert response.status_code == 404
    assert Report.objects.count() == before
    # And the staff token of the entitled handler still reads the report
    assert (
        client.get(
            f"/api/v1/reports/{report_id}", headers=agu_handler.headers
        ).status_code
        == 200
    )
    # Every refusal is in the audit log, with the route and never a body
    denied = AuditEntry.objects.filter(action="partner_token.denied")
    assert denied.count() == 6
    assert {e.data["path"] for e in denied} >= {"/api/v1/reports", HOTLINE}
    assert all(e.organisation_id == str(hotline_org.pk) for e in denied)


def _submit_as_staff_would(client: Client, orgs: Any) -> str:
    response = client.post(
        "/api/v1/intake/reports",
        {"categories": ["intimidation"], "narrative": NARRATIVE, "state": "MX-AGU"},
        content_type="application/json",
    )
    assert response.status_code == 201
    return str(Report.objects.get().pk)


# --- Expiry, revocation, rate limit -----------------------------------------------------


def test_expired_revoked_and_unknown_partner_tokens_are_401(
    client, hotline_org, hotline_admin
):
    raw = _token(hotline_org, hotline_admin, "registry:read", "reports:submit")
    token = PartnerToken.objects.get()
    body = _hotline_body(state="MX-ZZZ")  # refused by validation: nothing stored
    assert client.post(
        HOTLINE, body, content_type="application/json", headers=_bearer(raw)
    ).status_code == (422)

    # expired
    PartnerToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    accounts_changed()
    response = client.post(
        HOTLINE, body, content_type="application/json", headers=_bearer(raw)
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "Credenciales ausentes o no válidas."}

    # revoked (through the API, by its organisation's administrator)
    PartnerToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() + timedelta(days=1)
    )
    accounts_changed()
    assert (
        client.post(
            HOTLINE, body, content_type="application/json", headers=_bearer(raw)
        ).status_code
        == 422
    )
    revoked = client.post(
        f"{TOKENS}/{token.pk}/revoke", headers=_bearer(hotline_admin.token)
    )
    assert revoked.status_code == 200
    assert revoked.json()["active"] is False
    response = client.post(
        HOTLINE, body, content_type="application/json", headers=_bearer(raw)
    )
    assert response.status_code == 401
    # unknown, and overlong
    for bad in ("rmp_" + "x" * 43, "rmp_" + "x" * 500):
        assert client.get("/api/v1/reports", headers=_bearer(bad)).status_code == 401
    assert Report.objects.count() == 0
    actions = list(
        AuditEntry.objects.filter(action__startswith="partner_token.").values_list(
            "action", flat=True
        )
    )
    assert actions.count("partner_token.issued") == 1
    assert actions.count("partner_token.revoked") == 1


def accounts_changed() -> None:
    from remedia.accounts.models import accounts_changed as bump

    bump()


def test_rate_limit_answers_429_with_retry_after(client, hotline_org, hotline_admin):
    raw = _token(hotline_org, hotline_admin, "registry:read", per_minute=2)
    # The public facility search takes no token; /reports is denied (404) but
    # counted: the limit is on every request the token makes.
    statuses = [
        client.get("/api/v1/reports", headers=_bearer(raw)).status_code
        for _i in range(2)
    ]
    assert statuses == [404, 404]
    response = client.get("/api/v1/reports", headers=_bearer(raw))
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Demasiadas solicitudes" in response.json()["detail"]
    # Another token of the same organisation has its own allowance
    other = _token(hotline_org, hotline_admin, "registry:read", per_minute=2)
    assert client.get("/api/v1/reports", headers=_bearer(other)).status_code == 404


# --- Reports from partner hotlines -------------------------------------------------------


def test_hotline_report_is_routed_sealed_and_its_receipt_works_on_the_web(
    client, orgs, hotline_org, hotline_admin, agu_handler, caplog, enter
):
    caplog.set_level(logging.DEBUG)
    raw = _token(hotline_org, hotline_admin, "reports:submit")

    # When the hotline hands in a report it took
    response = client.post(
        HOTLINE, _hotline_body(), content_type="application/json", headers=_bearer(raw)
    )

    # Then it gets a receipt, and the report is stored as the intake stores any
    assert response.status_code == 201, response.content
    receipt = response.json()["receipt"]
    assert re.fullmatch(r"\d{16}", receipt)
    report = Report.objects.get()
    assert report.channel == Channel.PARTNER
    assert report.partner_organisation_id == hotline_org.pk
    assert report.partner_channel == "Línea Ética 800"
    # routed by state, like every channel (Aguascalientes → its organisation)
    assert orgs.agu.pk in set(
        ReportRecipient.objects.filter(report=report).values_list(
            "organisation_id", flat=True
        )
    )
    # Nothing of the report is in the database in plaintext
    needles = [NARRATIVE.encode(), b"Maquiladora del Norte", receipt.encode()]
    assert found_in(database_dump(), needles) == []
    audit = AuditEntry.objects.get(action="report.submitted")
    assert audit.data["partner_organisation"] == str(hotline_org.pk)

    # And the worker follows it up on the web with the receipt
    worker = Client()
    entered = worker.post("/seguimiento/", {"receipt": receipt})
    assert entered.status_code == 302
    page = worker.get("/seguimiento/denuncia/")
    assert page.status_code == 200
    assert "renuncias en blanco" in page.content.decode()
    # and through the API of the reporter's side
    me = Client().get(
        "/api/v1/intake/me", headers={"Authorization": f"Receipt {receipt}"}
    )
    assert me.status_code == 200
    assert me.json()["narrative"] == NARRATIVE
    # And the entitled handler reads it, the channel named
    detail = client.get(f"/api/v1/reports/{report.pk}", headers=agu_handler.headers)
    assert detail.status_code == 200
    body = detail.json()
    assert body["narrative"] == NARRATIVE
    assert body["channel"] == "partner"
    assert body["partner_organisation_id"] == str(hotline_org.pk)
    assert body["partner_channel"] == "Línea Ética 800"
    # Nothing of the report was logged
    records = "\n".join(
        json.dumps(vars(r), default=str, ensure_ascii=False) for r in caplog.records
    ).encode()
    assert b"report.submitted" in records
    assert found_in(records, needles) == []
    # The staff page names the hotline and its organisation
    enter(agu_handler)
    page = client.get(f"/staff/reports/{report.pk}/").content.decode()
    assert "Línea aliada · Línea Ética 800 (LEN)" in page


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        pytest.param(
            {"caller_phone": "+52 449 123 4567"}, {"caller_phone"}, id="phone"
        ),
        pytest.param({"email": "quien@llama.mx"}, {"email"}, id="email"),
        pytest.param({"caller_ip": "10.0.0.1"}, {"caller_ip"}, id="ip"),
        pytest.param({"channel_name": ""}, {"channel_name"}, id="empty-channel"),
        pytest.param({"categories": ["nope"]}, {"categories"}, id="unknown-category"),
        pytest.param({"state": "MX-ZZZ"}, {"state"}, id="unknown-state"),
    ],
)
def test_bad_hotline_input_is_422_field_and_reason_and_nothing_stored(
    client, orgs, hotline_org, hotline_admin, changes, fields
):
    raw = _token(hotline_org, hotline_admin, "reports:submit")
    response = client.post(
        HOTLINE,
        _hotline_body(**changes),
        content_type="application/json",
        headers=_bearer(raw),
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {e["field"] for e in errors} == fields
    assert all(e["reason"] for e in errors)
    assert Report.objects.count() == 0
    assert not AuditEntry.objects.filter(action="report.submitted").exists()


def test_missing_hotline_fields_are_named(client, orgs, hotline_org, hotline_admin):
    raw = _token(hotline_org, hotline_admin, "reports:submit")
    response = client.post(
        HOTLINE,
        {"categories": ["intimidation"]},
        content_type="application/json",
        headers=_bearer(raw) | {"Accept-Language": "en"},
    )
    assert response.status_code == 422
    errors = {e["field"]: e["reason"] for e in response.json()["errors"]}
    assert set(errors) == {"channel_name", "narrative"}
    assert errors["narrative"] == "This field is required."
    assert Report.objects.count() == 0


def test_a_staff_token_cannot_hand_in_a_hotline_report(client, orgs, agu_handler):
    response = client.post(
        HOTLINE,
        _hotline_body(),
        content_type="application/json",
        headers=agu_handler.headers,
    )
    assert response.status_code == 404
    assert Report.objects.count() == 0


# --- Reads through scopes ---------------------------------------------------------------


def test_rrm_read_sees_its_organisations_petitions_and_not_others(
    client, hotline_org, hotline_admin, orgs
):
    own_analyst = staff_member(hotline_org, "ana", role="analyst")
    other_analyst = staff_member(orgs.pue, "oscar", role="analyst")
    own = rrm.petition_create(
        user=own_analyst.user, organisation=hotline_org, facility_name="Planta propia"
    )
    other = rrm.petition_create(
        user=other_analyst.user, organisation=orgs.pue, facility_name="Planta ajena"
    )
    unclaimed = rrm.petition_create(
        user=other_analyst.user, organisation=None, facility_name="Sin dueño"
    )
    raw = _token(hotline_org, hotline_admin, "rrm:read")

    listed = client.get("/api/v1/rrm/staff/cases", headers=_bearer(raw))
    assert listed.status_code == 200
    ids = {item["id"] for item in listed.json()["items"]}
    assert str(own.pk) in ids
    assert not ids & {str(other.pk), str(unclaimed.pk)}
    assert (
        client.get(f"/api/v1/rrm/staff/cases/{own.pk}", headers=_bearer(raw)).json()[
            "allowed_next"
        ]
        == []
    )
    for case in (other, unclaimed):
        assert (
            client.get(
                f"/api/v1/rrm/staff/cases/{case.pk}", headers=_bearer(raw)
            ).status_code
            == 404
        )
    # A write under the same prefix is still denied: rrm:read reads
    response = client.post(
        f"/api/v1/rrm/petitions/{own.pk}/publish",
        {"public": True},
        content_type="application/json",
        headers=_bearer(raw),
    )
    assert response.status_code == 404


def test_remediation_read_sees_its_courses_measures_without_monitor_notes(
    client, world, course
):
    admin = staff_member(world.ilc, "ilse", role="admin", decrypting=False)
    raw = _token(world.ilc, admin, "remediation:read")
    outsider = _token(
        world.outsider_org,
        staff_member(world.outsider_org, "otto", role="admin", decrypting=False),
        "remediation:read",
    )

    listed = client.get("/api/v1/remediation/plans", headers=_bearer(raw))
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()["items"]] == [str(course.pk)]
    detail = client.get(f"/api/v1/remediation/plans/{course.pk}", headers=_bearer(raw))
    assert detail.status_code == 200
    body = detail.json()
    assert body["measures"]
    assert all(m["notes"] is None for m in body["measures"])
    assert body["can_manage"] is False
    # Not a party: 404, as for a missing course
    assert (
        client.get(
            f"/api/v1/remediation/plans/{course.pk}", headers=_bearer(outsider)
        ).status_code
        == 404
    )
    assert (
        client.get("/api/v1/remediation/plans", headers=_bearer(outsider)).json()[
            "count"
        ]
        == 0
    )


# --- Managing tokens: the API ----------------------------------------------------------


def test_an_administrator_creates_lists_and_revokes_through_the_api(
    client, hotline_org, hotline_admin, orgs
):
    response = client.post(
        TOKENS,
        {"name": "Línea 800", "scopes": ["reports:submit", "registry:read"]},
        content_type="application/json",
        headers=_bearer(hotline_admin.token),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    raw = body["token"]
    assert raw.startswith("rmp_")
    assert body["scopes"] == ["registry:read", "reports:submit"]
    assert body["prefix"] == raw[:10]
    # Only a digest is kept
    stored = PartnerToken.objects.get()
    assert stored.digest != raw
    assert found_in(database_dump(), [raw.encode(), raw[10:].encode()]) == []
    # Listed, without the token
    listed = client.get(TOKENS, headers=_bearer(hotline_admin.token)).json()
    assert listed["count"] == 1
    assert "token" not in listed["items"][0]
    # Another organisation's administrator and a handler: 404 as for nothing
    stranger = staff_member(orgs.pue, "pablo", role="admin", decrypting=False)
    handler = staff_member(hotline_org, "hugo", role="handler", decrypting=False)
    for who in (stranger, handler):
        assert (
            client.get(f"{TOKENS}/{stored.pk}", headers=who.headers).status_code == 404
        )
        assert (
            client.post(f"{TOKENS}/{stored.pk}/revoke", headers=who.headers).status_code
            == 404
        )
    assert client.get(TOKENS, headers=handler.headers).status_code == 404
    # A partner token cannot manage tokens
    assert client.get(TOKENS, headers=_bearer(raw)).status_code == 404
    stored.refresh_from_db()
    assert stored.revoked_at is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"name": "X", "scopes": ["cases:read"]}, "scopes", id="unknown"),
        pytest.param({"name": "X", "scopes": []}, "scopes", id="no-scope"),
        pytest.param({"name": " ", "scopes": ["rrm:read"]}, "name", id="no-name"),
        pytest.param({"scopes": ["rrm:read"]}, "name", id="missing-name"),
        pytest.param(
            {"name": "X", "scopes": ["rrm:read"], "expires_in_days": 0},
            "expires_in_days",
            id="no-days",
        ),
        pytest.param(
            {"name": "X", "scopes": ["rrm:read"], "rate_limit_per_minute": 0},
            "rate_limit_per_minute",
            id="no-rate",
        ),
    ],
)
def test_bad_token_settings_are_422_and_nothing_stored(
    client, hotline_org, hotline_admin, body, field
):
    response = client.post(
        TOKENS,
        body,
        content_type="application/json",
        headers=_bearer(hotline_admin.token),
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert field in {e["field"] for e in errors}
    assert all(e["reason"] for e in errors)
    assert PartnerToken.objects.count() == 0
    assert not AuditEntry.objects.filter(action="partner_token.issued").exists()


def test_unknown_scope_reason_in_english(client, hotline_org, hotline_admin):
    response = client.post(
        TOKENS,
        {"name": "X", "scopes": ["cases:read"]},
        content_type="application/json",
        headers=_bearer(hotline_admin.token) | {"Accept-Language": "en"},
    )
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "scopes"
    assert error["reason"].startswith("Unknown scope: cases:read.")


# --- Managing tokens: the staff pages ---------------------------------------------------


def test_an_administrator_creates_and_revokes_on_the_staff_pages(
    client, enter, hotline_org, hotline_admin, orgs
):
    enter(hotline_admin)
    listed = client.get("/staff/integraciones/tokens/")
    assert listed.status_code == 200
    bad = client.post(
        "/staff/integraciones/tokens/nuevo/",
        {
            "name": "Línea",
            "scopes": ["cases:read"],
            "expires_in_days": 30,
            "rate_limit_per_minute": 60,
        },
    )
    assert bad.status_code == 422
    assert PartnerToken.objects.count() == 0
    none = client.post(
        "/staff/integraciones/tokens/nuevo/",
        {"name": "Línea", "expires_in_days": 30, "rate_limit_per_minute": 60},
    )
    assert none.status_code == 422
    assert "Elija al menos un alcance." in none.content.decode()

    created = client.post(
        "/staff/integraciones/tokens/nuevo/",
        {
            "name": "Línea",
            "scopes": ["reports:submit"],
            "expires_in_days": 30,
            "rate_limit_per_minute": 60,
        },
    )
    assert created.status_code == 200
    raw = re.search(r'id="partner-token">(rmp_[\w-]+)<', created.content.decode())[1]
    token = PartnerToken.objects.get()
    assert token.prefix == raw[:10]
    # Shown once: the list names only its prefix
    page = client.get("/staff/integraciones/tokens/").content.decode()
    assert token.prefix in page
    assert raw not in page

    assert (
        client.post(f"/staff/integraciones/tokens/{token.pk}/revocar/").status_code
        == 302
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert (
        client.post(
            HOTLINE,
            _hotline_body(),
            content_type="application/json",
            headers=_bearer(raw),
        ).status_code
        == 401
    )


def test_staff_pages_are_404_to_non_administrators(client, enter, orgs, hotline_org):
    enter(staff_member(hotline_org, "hugo", role="handler"))
    assert client.get("/staff/integraciones/tokens/").status_code == 404
    assert client.get("/staff/integraciones/tokens/nuevo/").status_code == 404


def test_a_supplier_database_keeps_the_registry_with_registry_scopes(
    client, hotline_org, hotline_admin
):
    # registry:write creates and changes facilities through the same matcher
    writer = _token(hotline_org, hotline_admin, "registry:write")
    body = {"name": "Confecciones Aliadas del Bajío", "state": "MX-GUA", "workers": 120}
    created = client.post(
        "/api/v1/facilities",
        body,
        content_type="application/json",
        headers=_bearer(writer),
    )
    assert created.status_code == 201, created.content
    facility = created.json()
    # ...and a near duplicate answers with the candidate instead of a second one
    again = client.post(
        "/api/v1/facilities",
        {**body, "name": "Confecciones Aliadas del Bajio S.A."},
        content_type="application/json",
        headers=_bearer(writer),
    )
    assert again.status_code == 409, again.content
    assert facility["id"] in {c["id"] for c in again.json()["candidates"]}
    changed = client.patch(
        f"/api/v1/facilities/{facility['id']}",
        {"workers": 140},
        content_type="application/json",
        headers={**_bearer(writer), "If-Match": facility["version"]},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["workers"] == 140
    # The change is the partner system's, never a person's, in the audit log
    entry = AuditEntry.objects.filter(object_id=facility["id"]).latest("seq")
    assert entry.actor_label.startswith("partner:rmp_")

    # registry:read reads and exports, and may not write
    reader = _token(hotline_org, hotline_admin, "registry:read")
    read = client.get(f"/api/v1/facilities/{facility['id']}", headers=_bearer(reader))
    assert (read.status_code, read.json()["workers"]) == (200, 140)
    export = client.get("/api/v1/facilities/export.json", headers=_bearer(reader))
    assert export.status_code == 200
    assert facility["public_id"] in b"".join(export.streaming_content).decode()
    refused = client.post(
        "/api/v1/facilities",
        {"name": "Otra planta", "state": "MX-GUA"},
        content_type="application/json",
        headers=_bearer(reader),
    )
    assert refused.status_code == 404
    assert not Facility.objects.filter(name="Otra planta").exists()
