"""The account pages: changing a password keeps the key; API tokens made in the
browser (and with `issue-token`) decrypt only when the user's key is unlocked."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from remedia.accounts import keys
from remedia.accounts.models import ApiToken, UserKey
from remedia.core.models import AuditEntry
from tests.intake.support import REPORTS_URL
from tests.support.actors import staff_member
from tests.support.factories.accounts import PASSWORD

PASSWORD_URL = "/staff/account/password/"
TOKENS_URL = "/staff/account/tokens/"
NARRATIVE = "El encargado retiene las credenciales del IMSS de todo el turno de noche."
NEW_PASSWORD = "una contraseña nueva y larga 7319"
NEW_TOKEN = re.compile(r'<code class="secret" id="new-token">([^<]+)</code>')
KEY_LOCKED_NOTE = "Su llave no está abierta en esta sesión"


def _stored_key(user) -> tuple[bytes, bytes, bytes]:
    key = UserKey.objects.get(user=user)
    return bytes(key.public_key), bytes(key.salt), bytes(key.wrapped_private_key)


def _api_detail(client, report, token: str):
    return client.get(
        f"{REPORTS_URL}/{report.pk}", headers={"Authorization": f"Bearer {token}"}
    )


def _field_errors(response) -> list[str]:
    return re.findall(
        r'<p class="field-error"[^>]*>([^<]+)</p>', response.content.decode()
    )


# --- Changing the password ----------------------------------------------------------


@pytest.fixture
def logged_in(client, keyed_handler, log_in_verified):
    assert log_in_verified(keyed_handler).status_code == 302
    return keyed_handler


def test_wrong_current_password_is_refused_and_changes_nothing(client, logged_in):
    # Given the handler's stored key
    before = _stored_key(logged_in)

    # When they give a wrong current password
    response = client.post(
        PASSWORD_URL,
        {
            "old_password": "no es la contraseña",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    # Then the page says so and nothing changed
    assert response.status_code == 400
    assert _field_errors(response) == [
        "La antigua contraseña introducida es incorrecta. Por favor introdúzcala "
        "nuevamente."
    ]
    logged_in.refresh_from_db()
    assert logged_in.check_password(PASSWORD)
    assert _stored_key(logged_in) == before
    assert not AuditEntry.objects.filter(action="password.changed").exists()


@pytest.mark.parametrize(
    ("new1", "new2", "message"),
    [
        (
            NEW_PASSWORD,
            NEW_PASSWORD + "x",
            "Los dos campos de contraseña no coinciden.",
        ),
        (
            "corta 1",
            "corta 1",
            "La contraseña es demasiado corta. Debe contener por lo menos 12 "
            "caracteres.",
        ),
    ],
    ids=["mismatch", "too-short"],
)
def test_unusable_new_password_is_refused_with_djangos_message(
    client, logged_in, new1, new2, message
):
    before = _stored_key(logged_in)

    response = client.post(
        PASSWORD_URL,
        {"old_password": PASSWORD, "new_password1": new1, "new_password2": new2},
    )

    assert response.status_code == 400
    assert message in _field_errors(response)
    logged_in.refresh_from_db()
    assert logged_in.check_password(PASSWORD)
    assert _stored_key(logged_in) == before
    assert not AuditEntry.objects.filter(action="password.changed").exists()


def test_changed_password_keeps_the_same_key_and_what_it_reads(
    client, logged_in, submit_report, log_in, log_in_verified
):
    # Given a report sealed to the handler before the change
    report = submit_report(narrative=NARRATIVE)
    public, salt, wrapped = _stored_key(logged_in)
    report_url = f"/staff/reports/{report.pk}/"

    # When the handler changes their password on the page
    response = client.post(
        PASSWORD_URL,
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    # Then they stay logged in, and the change is on the record
    assert response.status_code == 302
    assert response["Location"] == "/staff/account/"
    changed = AuditEntry.objects.get(action="password.changed")
    assert changed.actor_id == str(logged_in.pk)
    # And the key is the same keypair, wrapped anew under the new password
    new_public, new_salt, new_wrapped = _stored_key(logged_in)
    assert new_public == public
    assert (new_salt, new_wrapped) != (salt, wrapped)
    assert not AuditEntry.objects.filter(action="user_key.replaced").exists()
    # And this very session still reads the report
    assert NARRATIVE in client.get(report_url).content.decode()

    # When they log out, the old password no longer lets them in; the new one does
    client.post("/staff/logout/")
    assert log_in(logged_in.username, password=PASSWORD, code="").status_code == 400
    assert log_in_verified(logged_in, password=NEW_PASSWORD).status_code == 302

    # Then after that login the same key still opens the report sealed before
    page = client.get(report_url)
    assert page.status_code == 200
    assert NARRATIVE in page.content.decode()
    assert _stored_key(logged_in)[0] == public
    assert not AuditEntry.objects.filter(action="user_key.replaced").exists()


def test_password_page_needs_a_login(client):
    response = client.get(PASSWORD_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


# --- API tokens made on the page -----------------------------------------------------


def _issue_on_page(client, *, name: str = "sistema de casos", days: int = 30):
    return client.post(TOKENS_URL, {"action": "issue", "name": name, "days": days})


def _shown_token(response) -> str:
    match = NEW_TOKEN.search(response.content.decode())
    assert match, "the page shows no new token"
    return match.group(1)


def test_token_made_on_the_page_is_shown_once_and_decrypts(
    client, logged_in, submit_report
):
    # Given a report sealed to the logged-in handler
    report = submit_report(narrative=NARRATIVE)

    # When they make a token on the page
    response = _issue_on_page(client, name="sistema de casos", days=30)

    # Then the page shows it, once
    assert response.status_code == 200
    raw = _shown_token(response)
    token = ApiToken.objects.get(user=logged_in)
    assert raw.startswith(token.prefix)
    assert token.name == "sistema de casos"
    assert abs(token.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(
        minutes=1
    )
    again = client.get(TOKENS_URL).content.decode()
    assert 'id="new-token"' not in again
    assert raw not in again
    assert token.prefix in again
    # And with it the API decrypts the report
    detail = _api_detail(client, report, raw)
    assert detail.status_code == 200
    assert detail.json()["content_locked"] is False
    assert detail.json()["narrative"] == NARRATIVE


def test_token_made_without_the_session_key_reads_metadata_only(
    client, logged_in, submit_report
):
    # Given a report, and a session that has lost its key cookie
    report = submit_report(narrative=NARRATIVE)
    del client.cookies[keys.COOKIE_NAME]

    # Then the page warns that a new token would see metadata only
    assert KEY_LOCKED_NOTE in client.get(TOKENS_URL).content.decode()

    # When the handler makes a token all the same
    response = _issue_on_page(client)

    # Then they get it, and it is listed as metadata only
    raw = _shown_token(response)
    assert "solo metadatos" in response.content.decode()
    assert ApiToken.objects.get(user=logged_in).wrapped_private_key is None
    # And it lists and opens the report, but not its content
    detail = _api_detail(client, report, raw)
    assert detail.status_code == 200
    assert detail.json()["content_locked"] is True
    assert detail.json()["narrative"] is None


def test_page_with_the_key_unlocked_does_not_warn(client, logged_in):
    page = client.get(TOKENS_URL).content.decode()

    assert KEY_LOCKED_NOTE not in page
    assert "Ninguno." in page


def test_token_days_out_of_range_makes_no_token(client, logged_in):
    response = _issue_on_page(client, days=0)

    assert "Asegúrese de que este valor sea mayor o igual a 1." in _field_errors(
        response
    )
    assert 'id="new-token"' not in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_on_the_page_turns_the_token_away(client, logged_in, submit_report):
    # Given a working token made on the page
    report = submit_report(narrative=NARRATIVE)
    raw = _shown_token(_issue_on_page(client))
    assert _api_detail(client, report, raw).status_code == 200
    token = ApiToken.objects.get(user=logged_in)

    # When the handler revokes it
    response = client.post(TOKENS_URL, {"action": "revoke", "token": str(token.pk)})

    # Then the API refuses it, and it is no longer listed
    assert response.status_code == 302
    assert response["Location"] == TOKENS_URL
    assert _api_detail(client, report, raw).status_code == 401
    assert (
        client.get(REPORTS_URL, headers={"Authorization": f"Bearer {raw}"}).status_code
        == 401
    )
    assert token.prefix not in client.get(TOKENS_URL).content.decode()
    revoked = AuditEntry.objects.get(action="token.revoked")
    assert revoked.actor_id == str(logged_in.pk)


@pytest.mark.parametrize("target", ["colleague", "garbage"])
def test_a_user_cannot_revoke_another_users_token(
    client, logged_in, receiving_org, target
):
    # Given a colleague's working token
    colleague = staff_member(receiving_org, "carmen")
    token = ApiToken.objects.get(user=colleague.user)
    value = str(token.pk) if target == "colleague" else "no-es-un-id"

    # When the logged-in handler posts its id to their own tokens page
    response = client.post(TOKENS_URL, {"action": "revoke", "token": value})

    # Then it is not found, and the colleague's token still works
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert client.get(REPORTS_URL, headers=colleague.headers).status_code == 200


# --- `issue-token` with and without the password ---------------------------------------


def _issue_token(*args: str, stdin: str | None = None, monkeypatch=None, **options):
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command("issue_token", *args, stdout=out, stderr=err, **options)
    return out.getvalue().strip(), err.getvalue()


def test_issue_token_with_the_password_on_stdin_decrypts(
    client, keyed_handler, submit_report, monkeypatch
):
    report = submit_report(narrative=NARRATIVE)

    raw, err = _issue_token(
        "karina",
        stdin=PASSWORD + "\n",
        monkeypatch=monkeypatch,
        password_stdin=True,
    )

    assert err == ""
    detail = _api_detail(client, report, raw).json()
    assert detail["content_locked"] is False
    assert detail["narrative"] == NARRATIVE


def test_issue_token_with_a_wrong_password_exits_2_and_keeps_the_key(
    keyed_handler, monkeypatch
):
    before = _stored_key(keyed_handler)

    with pytest.raises(CommandError) as caught:
        _issue_token(
            "karina",
            stdin="no es la contraseña\n",
            monkeypatch=monkeypatch,
            password_stdin=True,
        )

    assert caught.value.returncode == 2
    assert str(caught.value) == "the password is not correct"
    assert not ApiToken.objects.exists()
    # A wrong password must not be taken for an outside reset: the key stays
    assert _stored_key(keyed_handler) == before


def test_issue_token_metadata_only_says_so_and_does_not_decrypt(
    client, keyed_handler, submit_report
):
    report = submit_report(narrative=NARRATIVE)

    raw, err = _issue_token("karina", metadata_only=True)

    assert "this token reads metadata only" in err
    assert "--password-stdin" in err
    detail = _api_detail(client, report, raw).json()
    assert detail["content_locked"] is True
    assert detail["narrative"] is None


def test_remedia_issue_token_with_a_wrong_password_exits_2(remedia_cli):
    # Given a user made in the command's own database
    made = remedia_cli(
        "shell",
        "-c",
        "from remedia.accounts import services; "
        "services.user_create(username='karina', password='una clave larga 12345')",
    )
    assert made.returncode == 0, made.stderr

    # When a token is asked for with a wrong password on standard input
    result = remedia_cli(
        "issue-token", "karina", "--password-stdin", stdin="no es la clave\n"
    )

    # Then the command exits 2 with a message and prints no token
    assert result.returncode == 2
    assert "the password is not correct" in result.stderr
    assert result.stdout == ""
