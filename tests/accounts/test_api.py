"""The staff API: bearer tokens, what the token's user may see, the API document."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from remedia.accounts import services
from remedia.accounts.models import ApiToken, Membership
from tests.support.factories.accounts import OrganisationFactory

UNAUTHENTICATED = {"detail": "Credenciales ausentes o no válidas."}


def _bearer(raw: str) -> dict[str, str]:
    return {"authorization": f"Bearer {raw}"}


@pytest.fixture
def token(handler) -> str:
    _token, raw = services.token_issue(user=handler, name="pruebas")
    return raw


# --- Authentication -------------------------------------------------------------------


def test_valid_token_answers_with_the_users_memberships(client, handler, org_a, token):
    # When the handler's token asks who it is
    response = client.get("/api/v1/me", headers=_bearer(token))

    # Then it answers with the user and their roles, in their organisation only
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(handler.pk)
    assert body["username"] == "hilda"
    assert body["memberships"] == [
        {
            "organisation_id": str(org_a.pk),
            "organisation": org_a.name,
            "sector": "civil_society",
            "role": "handler",
        }
    ]


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-header"),
        pytest.param({"authorization": "Bearer"}, id="empty-token"),
        pytest.param(_bearer("rmd_" + "x" * 43), id="unknown-token"),
        pytest.param(_bearer("not-even-shaped-like-one"), id="malformed-token"),
        pytest.param(_bearer("rmd_" + "x" * 500), id="overlong-token"),
        pytest.param({"authorization": "Basic aGlsZGE6cGFzcw=="}, id="other-scheme"),
    ],
)
def test_missing_or_wrong_token_is_refused(client, handler, headers):
    response = client.get("/api/v1/me", headers=headers)

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_revoked_token_is_refused(client, handler, token):
    # Given a token that worked, then was revoked
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    services.token_revoke(token=ApiToken.objects.get(user=handler), revoked_by=None)

    # When it is used again / then it is refused
    response = client.get("/api/v1/me", headers=_bearer(token))
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_expired_token_is_refused(client, handler):
    # Given a token that expired a minute ago
    _token, raw = services.token_issue(
        user=handler, name="caducado", expires_at=timezone.now() - timedelta(minutes=1)
    )

    response = client.get("/api/v1/me", headers=_bearer(raw))

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_token_not_yet_expired_is_accepted(client, handler):
    _token, raw = services.token_issue(
        user=handler, name="vigente", expires_at=timezone.now() + timedelta(days=1)
    )

    assert client.get("/api/v1/me", headers=_bearer(raw)).status_code == 200


def test_token_of_a_deactivated_user_is_refused(client, handler, token):
    handler.is_active = False
    handler.save(update_fields=["is_active"])

    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 401


def test_logged_in_browser_session_does_not_authenticate_the_api(
    client, facility_officer, log_in
):
    # Given a staff member logged in to the web pages
    assert log_in("fernando").status_code == 302

    # When their browser calls the API with its cookies only
    response = client.get("/api/v1/me")

    # Then the API wants a token (so a cross-site page cannot ride the session)
    assert response.status_code == 401


def test_only_a_digest_of_the_token_is_stored(handler, token):
    stored = ApiToken.objects.get(user=handler)

    assert token not in {stored.digest, stored.prefix, stored.name}
    assert token.startswith(stored.prefix)
    assert len(stored.prefix) < len(token) // 3


def test_use_of_a_token_is_noted(client, handler, token):
    client.get("/api/v1/me", headers=_bearer(token))

    assert ApiToken.objects.get(user=handler).last_used_at is not None


def test_me_reads_memberships_in_constant_queries(client, handler, token, org_b):
    # Given the count of queries with one membership
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/me", headers=_bearer(token))

    # When the user holds three more
    for role in ("monitor", "analyst", "coordinator"):
        Membership.objects.create(user=handler, organisation=org_b, role=role)
    with CaptureQueriesContext(connection) as four:
        response = client.get("/api/v1/me", headers=_bearer(token))

    # Then the answer lists them all, without a query per membership
    assert len(response.json()["memberships"]) == 4
    # The first call also noted the token's use; later ones within a minute do not.
    assert len(four) <= len(one)


# --- Organisations --------------------------------------------------------------------


def test_organisation_of_the_directory_is_shown(client, token, org_a, org_b):
    # Any staff member may read the directory entry of any active organisation
    response = client.get(f"/api/v1/organisations/{org_b.pk}", headers=_bearer(token))

    assert response.status_code == 200
    assert response.json() == {
        "id": str(org_b.pk),
        "name": org_b.name,
        "short_name": org_b.short_name,
        "sector": org_b.sector,
        "country": "MX",
    }


@pytest.mark.parametrize(
    "organisation_id",
    [
        "not-a-uuid",
        "1",
        "%27%20OR%201%3D1--",
        "8b0d6f5e-3f1c-4d8e-9a55-0c1f6d2b7e44",
        "inactive",
    ],
)
def test_missing_malformed_or_inactive_organisation_is_not_found(
    client, token, organisation_id
):
    # Given an inactive organisation among the ids asked for
    if organisation_id == "inactive":
        organisation_id = str(OrganisationFactory(is_active=False).pk)

    # When it is requested
    response = client.get(
        f"/api/v1/organisations/{organisation_id}", headers=_bearer(token)
    )

    # Then every case is the same 404, never a 500 or a validation error
    assert response.status_code == 404
    assert response.json() == {"detail": "No encontrado."}


def test_organisation_needs_a_token(client, org_a):
    response = client.get(f"/api/v1/organisations/{org_a.pk}")

    assert response.status_code == 401


# --- The API document -----------------------------------------------------------------


def test_openapi_document_is_served(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Remedia API"
    assert "/api/v1/me" in document["paths"]
    assert "/api/v1/organisations/{organisation_id}" in document["paths"]
    schemes = document["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_api_docs_load_nothing_from_another_host(client):
    # When the API viewer is opened
    response = client.get("/api/v1/docs")

    # Then it loads its scripts and styles from this site only
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower()
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    sources = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
    assert sources, "the viewer should load its scripts from files"
    # Inline script blocks, which the policy would block, hold data only
    for opening in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html):
        assert 'type="application/json"' in opening
    # And the files it names are really served here
    for source in sources:
        assert source.startswith("/static/")
        served = client.get(source)
        assert served.status_code == 200, source
        served.close()
