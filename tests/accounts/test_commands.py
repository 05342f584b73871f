"""`remedia issue-token` and `remedia revoke-token`."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from remedia.accounts.models import ApiToken
from remedia.core.models import AuditEntry
from tests.support.factories.accounts import PASSWORD


def _issue(*args: str, **options: object) -> str:
    out = io.StringIO()
    call_command("issue_token", *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue().strip()


def _me(client, raw: str):
    return client.get("/api/v1/me", headers={"authorization": f"Bearer {raw}"})


# --- issue-token ----------------------------------------------------------------------


def test_issued_token_authenticates_its_user(client, handler):
    # When an operator issues a token for the handler
    raw = _issue("hilda", metadata_only=True)

    # Then the printed token is all that is printed, and it works on the API
    assert raw.startswith("rmd_")
    assert "\n" not in raw
    response = _me(client, raw)
    assert response.status_code == 200
    assert response.json()["username"] == "hilda"
    assert AuditEntry.objects.filter(action="token.issued").count() == 1


def test_token_is_named_and_expires_as_asked(handler):
    _issue("hilda", name="sistema-socio", days=30, metadata_only=True)

    token = ApiToken.objects.get(user=handler)
    assert token.name == "sistema-socio"
    expected = timezone.now() + timedelta(days=30)
    assert abs(token.expires_at - expected) < timedelta(minutes=1)


def test_token_issued_with_the_password_can_decrypt(handler, monkeypatch):
    # Given the user's password on standard input
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))

    # When the token is issued with it
    raw = _issue("hilda", password_stdin=True)

    # Then the token carries its own wrapped copy of the user's key
    token = ApiToken.objects.get(user=handler)
    assert raw.startswith(token.prefix)
    assert token.wrapped_private_key is not None


def test_token_without_the_password_reads_metadata_only(handler):
    err = io.StringIO()
    call_command(
        "issue_token", "hilda", metadata_only=True, stdout=io.StringIO(), stderr=err
    )

    assert ApiToken.objects.get(user=handler).wrapped_private_key is None
    assert "metadata only" in err.getvalue()


def test_wrong_password_issues_no_token(handler, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("not the password\n"))

    with pytest.raises(CommandError) as caught:
        _issue("hilda", password_stdin=True)

    assert caught.value.returncode == 2
    assert "password is not correct" in str(caught.value)
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("username", ["ghost", "HILDA", ""])
def test_unknown_user_exits_2_with_a_message(handler, username):
    with pytest.raises(CommandError) as caught:
        _issue(username, metadata_only=True)

    assert caught.value.returncode == 2
    assert str(caught.value) == f"no active user named {username!r}"
    assert not ApiToken.objects.exists()


def test_inactive_user_gets_no_token(handler):
    handler.is_active = False
    handler.save(update_fields=["is_active"])

    with pytest.raises(CommandError) as caught:
        _issue("hilda", metadata_only=True)

    assert caught.value.returncode == 2
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("days", [0, -3])
def test_days_below_one_exits_2(handler, days):
    with pytest.raises(CommandError) as caught:
        _issue("hilda", days=days, metadata_only=True)

    assert caught.value.returncode == 2
    assert "--days must be 1 or more" in str(caught.value)
    assert not ApiToken.objects.exists()


# --- revoke-token ---------------------------------------------------------------------


def test_revoked_token_stops_working(client, handler):
    # Given a working token
    raw = _issue("hilda", metadata_only=True)
    assert _me(client, raw).status_code == 200
    prefix = ApiToken.objects.get(user=handler).prefix

    # When it is revoked by its prefix
    out = io.StringIO()
    call_command("revoke_token", prefix, stdout=out)

    # Then the command says so and the token is refused
    assert out.getvalue().strip() == f"revoked {prefix}"
    assert _me(client, raw).status_code == 401
    assert AuditEntry.objects.filter(action="token.revoked").count() == 1


def test_revoke_accepts_the_whole_token(client, handler):
    raw = _issue("hilda", metadata_only=True)

    call_command("revoke_token", raw, stdout=io.StringIO())

    assert _me(client, raw).status_code == 401


def test_revoking_twice_changes_nothing_more(handler):
    _issue("hilda", metadata_only=True)
    prefix = ApiToken.objects.get(user=handler).prefix
    call_command("revoke_token", prefix, stdout=io.StringIO())
    revoked_at = ApiToken.objects.get(user=handler).revoked_at

    call_command("revoke_token", prefix, stdout=io.StringIO())

    assert ApiToken.objects.get(user=handler).revoked_at == revoked_at
    assert AuditEntry.objects.filter(action="token.revoked").count() == 1


def test_revoking_an_unknown_prefix_exits_2(client, handler):
    raw = _issue("hilda", metadata_only=True)

    with pytest.raises(CommandError) as caught:
        call_command("revoke_token", "rmd_nope00", stdout=io.StringIO())

    assert caught.value.returncode == 2
    assert "0 tokens match 'rmd_nope00'" in str(caught.value)
    assert _me(client, raw).status_code == 200


# --- The same through the `remedia` command -------------------------------------------


def test_remedia_issue_token_without_username_exits_2(remedia_cli):
    result = remedia_cli("issue-token")

    assert result.returncode == 2
    assert "the following arguments are required: username" in result.stderr
    assert result.stdout == ""


def test_remedia_issue_token_for_an_unknown_user_exits_2(remedia_cli):
    result = remedia_cli("issue-token", "ghost", "--metadata-only")

    assert result.returncode == 2
    assert "no active user named 'ghost'" in result.stderr
    assert result.stdout == ""


def test_remedia_issue_token_with_a_malformed_option_exits_2(remedia_cli):
    result = remedia_cli("issue-token", "ghost", "--days", "soon")

    assert result.returncode == 2
    assert "--days: invalid int value: 'soon'" in result.stderr
