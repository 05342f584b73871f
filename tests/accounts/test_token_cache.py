"""Bearer tokens kept in the shared cache: fast on every request, never stale.

A token, its user and the user's memberships are read from the database once
and then from the cache; any change to an account row makes the next request,
in any process, read them afresh.
"""

from __future__ import annotations

import pickle
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from remedia.accounts import keys, selectors, services
from remedia.accounts.models import ApiToken, Membership

ACCOUNT_TABLES = ("accounts_apitoken", "accounts_user", "accounts_membership")


def _bearer(raw: str) -> dict[str, str]:
    return {"authorization": f"Bearer {raw}"}


@pytest.fixture
def token(handler) -> str:
    _token, raw = services.token_issue(user=handler, name="pruebas")
    return raw


def _me(client, raw: str):
    return client.get("/api/v1/me", headers=_bearer(raw))


def test_repeated_requests_read_no_account_rows(client, handler, token):
    # Given a token used once (its use noted, its entry cached)
    assert _me(client, token).status_code == 200

    # When it is used again
    with CaptureQueriesContext(connection) as queries:
        response = _me(client, token)

    # Then the answer is the same and no account table was read for it
    assert response.status_code == 200
    assert [m["role"] for m in response.json()["memberships"]] == ["handler"]
    touched = [q["sql"] for q in queries if any(t in q["sql"] for t in ACCOUNT_TABLES)]
    assert touched == []


def test_revoked_token_is_refused_at_once_though_cached(client, handler, token):
    # Given a token whose entry is in the cache
    assert _me(client, token).status_code == 200
    assert _me(client, token).status_code == 200

    # When an administrator revokes it
    services.token_revoke(token=ApiToken.objects.get(user=handler), revoked_by=None)

    # Then the very next request is refused
    assert _me(client, token).status_code == 401


def test_revoked_token_is_refused_even_if_the_version_counter_is_lost(
    client, handler, token
):
    # Given a cached token, and a cache that lost the accounts counter
    assert _me(client, token).status_code == 200
    services.token_revoke(token=ApiToken.objects.get(user=handler), revoked_by=None)
    cache.delete("accounts:version")

    # Then the revoked token's own entry is gone too, and it is refused
    assert _me(client, token).status_code == 401


def test_deactivated_user_is_refused_at_once_though_cached(client, handler, token):
    assert _me(client, token).status_code == 200

    handler.is_active = False
    handler.save(update_fields=["is_active"])

    assert _me(client, token).status_code == 401


def test_withdrawn_membership_is_seen_at_once(client, handler, token, org_b):
    # Given a second membership, seen (and cached) by the API
    extra = services.membership_grant(
        user=handler, organisation=org_b, role="monitor", granted_by=None
    )
    assert len(_me(client, token).json()["memberships"]) == 2

    # When it is withdrawn
    services.membership_revoke(membership=extra, revoked_by=None)

    # Then the next request no longer carries it
    assert [m["role"] for m in _me(client, token).json()["memberships"]] == ["handler"]


def test_deactivated_organisation_is_dropped_at_once(client, handler, token, org_b):
    Membership.objects.create(user=handler, organisation=org_b, role="monitor")
    assert len(_me(client, token).json()["memberships"]) == 2

    org_b.is_active = False
    org_b.save(update_fields=["is_active"])

    assert len(_me(client, token).json()["memberships"]) == 1


def test_unknown_tokens_leave_nothing_in_the_cache(client, handler):
    # When someone tries made-up tokens
    raw = services.TOKEN_PREFIX + "x" * 43
    assert _me(client, raw).status_code == 401

    # Then no entry was kept for them
    assert cache.get(selectors.cache_key("token", services._token_digest(raw))) is None


def test_expiry_is_checked_on_every_request(client, handler, monkeypatch):
    # Given a token valid for one more hour, cached while valid
    _token, raw = services.token_issue(
        user=handler, name="por horas", expires_at=timezone.now() + timedelta(hours=1)
    )
    assert _me(client, raw).status_code == 200

    # When the hour has passed
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)

    # Then it is refused although its entry is still cached
    assert _me(client, raw).status_code == 401


def test_use_is_noted_at_most_once_a_minute(client, handler, token, monkeypatch):
    assert _me(client, token).status_code == 200
    first = ApiToken.objects.get(user=handler).last_used_at

    # Within the minute: not written again
    assert _me(client, token).status_code == 200
    assert ApiToken.objects.get(user=handler).last_used_at == first

    # Two minutes later: written again, although the entry is cached
    later = timezone.now() + timedelta(minutes=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert _me(client, token).status_code == 200
    assert ApiToken.objects.get(user=handler).last_used_at == later


def test_cache_holds_neither_the_token_nor_the_password_hash(client, handler, token):
    # When a token's entry is cached
    assert _me(client, token).status_code == 200
    digest = ApiToken.objects.get(user=handler).digest
    entry = cache.get(selectors.cache_key("token", digest))

    # Then it holds the user without their password hash, and no form of the token
    assert entry is not None
    blob = pickle.dumps(entry)
    handler.refresh_from_db()
    assert handler.password.encode() not in blob
    assert token.encode() not in blob
    # And the cache key itself names neither the token nor its stored digest
    key = selectors.cache_key("token", digest)
    assert digest not in key
    assert token not in key


def test_member_keys_follow_membership_changes(handler, org_a, org_b):
    # Given the public keys of org B's handlers, read (and cached) while none exist
    roles = {"handler"}
    keys.user_key_unlock(user=handler, password="x" * 20)
    assert keys.member_public_keys(organisation_ids={org_b.pk}, roles=roles) == {}

    # When the handler joins org B
    services.membership_grant(
        user=handler, organisation=org_b, role="handler", granted_by=None
    )

    # Then their key is among org B's at once
    found = keys.member_public_keys(organisation_ids={org_b.pk}, roles=roles)
    assert set(found) == {handler.pk}

    # And once they leave, it is gone at once
    membership = Membership.objects.get(user=handler, organisation=org_b)
    services.membership_revoke(membership=membership, revoked_by=None)
    assert keys.member_public_keys(organisation_ids={org_b.pk}, roles=roles) == {}


def test_deactivated_user_loses_key_grants_at_once(handler, org_a):
    keys.user_key_unlock(user=handler, password="x" * 20)
    roles = {"handler"}
    assert set(keys.member_public_keys(organisation_ids={org_a.pk}, roles=roles)) == {
        handler.pk
    }

    handler.is_active = False
    handler.save(update_fields=["is_active"])

    assert keys.member_public_keys(organisation_ids={org_a.pk}, roles=roles) == {}


def test_new_escrow_key_is_seen_at_once(org_b):
    assert keys.escrow_public_keys(organisation_ids={org_b.pk}) == {}

    keys.organisation_escrow_issue(organisation=org_b)

    assert set(keys.escrow_public_keys(organisation_ids={org_b.pk})) == {org_b.pk}
