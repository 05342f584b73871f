"""Staff members' keys: a keypair under the password, unlocked at login into the
session and a cookie, replaced after an outside password reset, escrowed to the
organisation's recovery key, which an administrator sees exactly once."""

from __future__ import annotations

import base64
import json
import re

import pytest
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.sessions.models import Session
from django.test import RequestFactory

from remedia.accounts import keys
from remedia.accounts import services as accounts
from remedia.accounts.models import (
    Organisation,
    OrganisationKey,
    User,
    UserKey,
    UserKeyEscrow,
)
from remedia.accounts.permissions import Sector
from remedia.core import crypto
from remedia.core.errors import ApplicationError
from remedia.core.models import AuditEntry
from remedia.intake import services as intake
from remedia.intake.models import ReportKeyGrant, RoutePurpose, RoutingRule
from tests.intake.support import (
    REPORTS_URL,
    database_dump,
    database_file_image,
    found_in,
)
from tests.support.actors import staff_member
from tests.support.factories.accounts import (
    PASSWORD,
    OrganisationFactory,
    UserFactory,
    totp_device,
)

NARRATIVE = "Nos obligan a firmar hojas en blanco cada viernes antes de pagarnos."
NEW_PASSWORD = "otra contraseña larga y nueva 2024"
INVALID_RECOVERY_KEY = "La llave de recuperación no es válida."
ESCROW_EXISTS = "La organización ya tiene llave de custodia."


def _public_key(user: User) -> bytes:
    return bytes(UserKey.objects.get(user=user).public_key)


def _organisation(name: str, short_name: str) -> Organisation:
    return accounts.organisation_create(
        name=name, short_name=short_name, sector=Sector.CIVIL_SOCIETY
    )


def _handler_of(organisation: Organisation, username: str) -> User:
    user = accounts.user_create(
        username=username,
        password=PASSWORD,
        organisation=organisation,
        roles=["handler"],
    )
    totp_device(user)
    return user


def _detail(client, report, token: str) -> dict:
    response = client.get(
        f"{REPORTS_URL}/{report.pk}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.content
    return response.json()


def _sessions() -> bytes:
    """Every stored session, decoded (the table holds them signed and compressed)."""
    return json.dumps(
        [s.get_decoded() for s in Session.objects.all()], default=str
    ).encode()


# --- A user's keypair ---------------------------------------------------------------


def test_user_created_with_a_password_has_a_key_stored_only_wrapped(receiving_org):
    # When an administrator creates a user with a password
    user = accounts.user_create(
        username="rosa",
        password=PASSWORD,
        organisation=receiving_org,
        roles=["handler"],
    )

    # Then the user has a keypair, and the private half opens with the password
    stored = UserKey.objects.get(user=user)
    private = keys.user_key_unlock(user=user, password=PASSWORD)
    assert crypto.public_of(private) == bytes(stored.public_key)
    # And the private half is nowhere in the database, in no encoding, not even
    # in the user's own row or in the escrow copy
    assert found_in(database_dump(["accounts_userkey"]), [private]) == []
    assert found_in(database_dump(), [private]) == []
    assert found_in(database_file_image(), [private]) == []
    assert bytes(stored.wrapped_private_key) != private


def test_user_created_without_a_password_has_no_key(receiving_org):
    user = accounts.user_create(
        username="sinclave",
        password=None,
        organisation=receiving_org,
        roles=["handler"],
    )

    assert not UserKey.objects.filter(user=user).exists()


def test_unlock_with_the_right_password_returns_the_same_key_every_time(
    keyed_handler,
):
    # Given the key made when the user was created
    public = _public_key(keyed_handler)

    # When it is unlocked twice with the right password
    first = keys.user_key_unlock(user=keyed_handler, password=PASSWORD)
    second = keys.user_key_unlock(user=keyed_handler, password=PASSWORD)

    # Then both times it is the stored key, and nothing was replaced
    assert first == second
    assert crypto.public_of(first) == public
    assert _public_key(keyed_handler) == public
    assert not AuditEntry.objects.filter(action="user_key.replaced").exists()


def test_password_reset_in_the_admin_replaces_the_key_and_locks_older_reports(
    client, keyed_handler, receiving_org, submit_report, log_in_verified
):
    # Given a report sealed to the handler's key and to a colleague's
    colleague = staff_member(receiving_org, "carmen")
    report = submit_report(narrative=NARRATIVE)
    old_public = _public_key(keyed_handler)
    assert ReportKeyGrant.objects.filter(report=report, user=keyed_handler).exists()

    # And an administrator sets a new password in the admin, outside Remedia's
    # own flow (so the key could not be re-wrapped)
    form = AdminPasswordChangeForm(
        keyed_handler,
        {
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "usable_password": "true",
        },
    )
    assert form.is_valid(), form.errors
    form.save()

    # When the handler logs in with the new password
    assert log_in_verified(keyed_handler, password=NEW_PASSWORD).status_code == 302

    # Then a new keypair replaced the old one, and that is on the record
    new_public = _public_key(keyed_handler)
    assert new_public != old_public
    replaced = AuditEntry.objects.get(action="user_key.replaced")
    assert replaced.object_id == str(keyed_handler.pk)
    # And the escrow copy now holds the new key
    escrow = UserKeyEscrow.objects.get(user=keyed_handler, organisation=receiving_org)
    assert bytes(escrow.public_key) == new_public
    # And the report sealed to the old key is locked for this handler
    _token, raw = accounts.token_issue(
        user=keyed_handler,
        name="pruebas",
        private_key=keys.user_key_unlock(user=keyed_handler, password=NEW_PASSWORD),
    )
    locked = _detail(client, report, raw)
    assert locked["content_locked"] is True
    assert locked["narrative"] is None

    # When a colleague opens the report
    opened = _detail(client, report, colleague.token)

    # Then it is shared with the handler's new key, and the handler can read it
    assert opened["content_locked"] is False
    assert AuditEntry.objects.filter(
        action="report.key_shared", object_id=str(report.pk)
    ).exists()
    grant = ReportKeyGrant.objects.get(report=report, user=keyed_handler)
    assert bytes(grant.recipient_public_key) == new_public
    again = _detail(client, report, raw)
    assert again["content_locked"] is False
    assert again["narrative"] == NARRATIVE


# --- Organisation escrow --------------------------------------------------------------


def test_escrow_issued_later_reaches_a_member_at_their_next_login(log_in_verified):
    # Given a member who got their key before the organisation had an escrow key
    organisation = _organisation("Centro de Apoyo al Trabajador", "CAT")
    user = _handler_of(organisation, "tomasa")
    public = _public_key(user)
    assert not UserKeyEscrow.objects.exists()

    # When the escrow key is issued, nothing can be escrowed yet
    recovery = keys.organisation_escrow_issue(organisation=organisation)
    assert not UserKeyEscrow.objects.exists()

    # When the member next logs in
    assert log_in_verified(user).status_code == 302

    # Then their key is escrowed, and the recovery key opens it to the same key
    escrow = UserKeyEscrow.objects.get(user=user)
    assert escrow.organisation_id == organisation.pk
    assert bytes(escrow.public_key) == public
    recovered = crypto.unseal(
        bytes(escrow.sealed_private_key),
        private_key=keys.recovery_key_parse(recovery),
    )
    assert recovered == keys.user_key_unlock(user=user, password=PASSWORD)
    assert crypto.public_of(recovered) == public
    # And a later login leaves that one copy as it is
    assert log_in_verified(user).status_code == 302
    assert list(UserKeyEscrow.objects.values_list("pk", "sealed_private_key")) == [
        (escrow.pk, escrow.sealed_private_key)
    ]


def test_recovery_key_opens_the_organisations_copy_of_a_report(submit_report):
    # Given an organisation with its recovery key, receiving Aguascalientes reports
    organisation = _organisation("Observatorio Laboral", "OBL")
    recovery = keys.organisation_escrow_issue(organisation=organisation)
    RoutingRule.objects.create(
        organisation=organisation, purpose=RoutePurpose.LABOUR_RIGHTS, state="MX-AGU"
    )

    # When a report arrives (before anyone of the organisation has a key)
    report = submit_report(narrative=NARRATIVE)

    # Then the recovery key, typed back in lower case with spaces, opens it
    grant = ReportKeyGrant.objects.get(report=report, organisation=organisation)
    typed = recovery.lower().replace("-", " ")
    report_key = crypto.unseal(
        bytes(grant.sealed_key), private_key=keys.recovery_key_parse(typed)
    )
    assert intake.report_decrypt(report=report, private_key=report_key).narrative == (
        NARRATIVE
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no es una llave",
        "ÑAND-ÚAAA",
        "AAAA-BBBB-CCCC",  # valid base32, far too short
        "0000-1111-8888-9999",  # digits outside the base32 alphabet
    ],
)
def test_recovery_key_parse_refuses_garbage_with_a_clear_message(text):
    with pytest.raises(ApplicationError) as caught:
        keys.recovery_key_parse(text)

    assert str(caught.value.message) == INVALID_RECOVERY_KEY


def test_recovery_key_with_a_group_missing_or_added_is_refused():
    # Given a real recovery key
    recovery = keys.recovery_key_format(crypto.keypair_new().private)
    groups = recovery.split("-")

    # Then one group less, or one more, is not a key
    for text in ["-".join(groups[:-1]), f"{recovery}-AAAA"]:
        with pytest.raises(ApplicationError) as caught:
            keys.recovery_key_parse(text)
        assert str(caught.value.message) == INVALID_RECOVERY_KEY


def test_issuing_escrow_twice_is_refused():
    # Given an organisation whose escrow key was issued
    organisation = _organisation("Red de Costureras", "RDC")
    keys.organisation_escrow_issue(organisation=organisation)
    public = bytes(OrganisationKey.objects.get(organisation=organisation).public_key)

    # When it is issued again
    with pytest.raises(ApplicationError) as caught:
        keys.organisation_escrow_issue(organisation=organisation)

    # Then that is refused and the first key stays
    assert str(caught.value.message) == ESCROW_EXISTS
    assert [bytes(k.public_key) for k in OrganisationKey.objects.all()] == [public]
    assert AuditEntry.objects.filter(action="organisation.escrow_issued").count() == 1


# --- The key of a logged-in session ---------------------------------------------------


def _request(*, session, cookies: dict[str, str]):
    request = RequestFactory().get("/staff/")
    request.session = session
    request.COOKIES = cookies
    return request


def test_login_keeps_the_key_wrapped_in_the_session_and_its_key_in_a_strict_cookie(
    client, keyed_handler, log_in_verified
):
    # When the handler logs in with password and code
    response = log_in_verified(keyed_handler)

    # Then the session holds the wrapped key
    assert response.status_code == 302
    session = client.session
    assert session[keys.SESSION_FIELD]
    # And the response sets the cookie that opens it: HttpOnly, SameSite=Strict
    cookie = response.cookies[keys.COOKIE_NAME]
    assert cookie.value
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["secure"] is True
    assert cookie["path"] == "/"
    # And together they give back the user's key
    private = keys.request_private_key(
        _request(session=session, cookies={keys.COOKIE_NAME: cookie.value})
    )
    assert private is not None
    assert crypto.public_of(private) == _public_key(keyed_handler)
    # And the cookie's key is stored nowhere on the server
    cookie_key = base64.urlsafe_b64decode(cookie.value)
    assert found_in(database_dump(), [cookie_key, private]) == []
    assert found_in(_sessions(), [cookie_key, private]) == []


def _flipped(cookie: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(cookie))
    raw[0] ^= 1
    return base64.urlsafe_b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(
    "alter",
    [
        pytest.param(lambda value: None, id="missing"),
        pytest.param(_flipped, id="one-bit-flipped"),
        pytest.param(lambda value: value[:20], id="truncated"),
        pytest.param(lambda value: "%%% not base64 %%%", id="not-base64"),
        pytest.param(
            lambda value: base64.urlsafe_b64encode(crypto.secret_key_new()).decode(),
            id="another-key",
        ),
    ],
)
def test_the_session_alone_does_not_open_the_key(
    client, keyed_handler, log_in_verified, alter
):
    # Given a logged-in session and its cookie
    cookie = log_in_verified(keyed_handler).cookies[keys.COOKIE_NAME].value
    session = client.session
    assert keys.request_private_key(
        _request(session=session, cookies={keys.COOKIE_NAME: cookie})
    )

    # When the cookie is missing or altered
    value = alter(cookie)
    cookies = {} if value is None else {keys.COOKIE_NAME: value}

    # Then the wrapped key in the session cannot be opened
    assert keys.request_private_key(_request(session=session, cookies=cookies)) is None


def test_without_the_cookie_a_logged_in_handler_sees_the_report_locked(
    client, keyed_handler, submit_report, log_in_verified
):
    # Given a report for the handler, who is logged in
    report = submit_report(narrative=NARRATIVE)
    log_in_verified(keyed_handler)
    url = f"/staff/reports/{report.pk}/"
    assert NARRATIVE in client.get(url).content.decode()

    # When the key cookie is lost (the session itself is intact)
    del client.cookies[keys.COOKIE_NAME]
    response = client.get(url)

    # Then the page still opens, but not the narrative
    assert response.status_code == 200
    assert NARRATIVE not in response.content.decode()
    assert 'id="narrative"' not in response.content.decode()


def test_logout_deletes_the_cookie_and_the_session(
    client, keyed_handler, log_in_verified
):
    # Given a logged-in handler
    log_in_verified(keyed_handler)
    session_key = client.session.session_key
    assert Session.objects.filter(session_key=session_key).exists()

    # When they log out
    response = client.post("/staff/logout/")

    # Then the key cookie is deleted in the browser and the session on the server
    assert response.status_code == 302
    cookie = response.cookies[keys.COOKIE_NAME]
    assert cookie.value == ""
    assert cookie["max-age"] == 0
    assert not Session.objects.filter(session_key=session_key).exists()
    assert keys.SESSION_FIELD not in client.session


# --- The administrator's escrow action --------------------------------------------------

ORGANISATIONS_URL = "/staff/admin/accounts/organisation/"
SHOWN_KEY = re.compile(r'<h2>([^<]+)</h2>\s*<p><code class="secret">([^<]+)</code>')


@pytest.fixture
def superuser() -> User:
    user = UserFactory(username="raiz", is_superuser=True, is_staff=True)
    totp_device(user)
    return user


def _run_issue_escrow(client, organisations):
    return client.post(
        ORGANISATIONS_URL,
        {
            "action": "issue_escrow",
            "_selected_action": [str(o.pk) for o in organisations],
            "index": "0",
        },
    )


def _key_forms(recovery: str) -> list[bytes]:
    return [
        recovery.encode(),
        recovery.replace("-", "").encode(),
        recovery.lower().encode(),
        keys.recovery_key_parse(recovery),
    ]


def test_escrow_action_shows_each_recovery_key_once_and_stores_none(
    client, superuser, log_in_verified
):
    # Given two organisations without escrow keys, and a verified superuser
    first = OrganisationFactory(name="Sindicato de la Confección")
    second = OrganisationFactory(name="Colectiva de Empacadoras")
    assert log_in_verified(superuser).status_code == 302

    # When the superuser runs the action on both from the changelist
    response = _run_issue_escrow(client, [first, second])

    # Then the page shows one recovery key for each, and may not be cached
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert "no-store" in directives
    shown = dict(SHOWN_KEY.findall(response.content.decode()))
    assert set(shown) == {first.name, second.name}
    # And each key is the private half of that organisation's escrow key
    for organisation in (first, second):
        stored = OrganisationKey.objects.get(organisation=organisation)
        private = keys.recovery_key_parse(shown[organisation.name])
        assert crypto.public_of(private) == bytes(stored.public_key)
    issued = AuditEntry.objects.filter(action="organisation.escrow_issued")
    assert {(e.organisation_id, e.actor_id) for e in issued} == {
        (str(first.pk), str(superuser.pk)),
        (str(second.pk), str(superuser.pk)),
    }
    # And no form of either key is in any table, the session or a cookie
    secrets_ = [form for key in shown.values() for form in _key_forms(key)]
    assert found_in(database_dump(), secrets_) == []
    assert found_in(_sessions(), secrets_) == []
    assert found_in(str(response.cookies).encode(), secrets_) == []


def test_escrow_action_run_again_issues_nothing_new(client, superuser, log_in_verified):
    # Given two organisations whose escrow keys the action already issued
    first = OrganisationFactory(name="Sindicato de la Confección")
    second = OrganisationFactory(name="Colectiva de Empacadoras")
    log_in_verified(superuser)
    _run_issue_escrow(client, [first, second])
    before = sorted(bytes(k.public_key) for k in OrganisationKey.objects.all())

    # When it is run again on both
    response = _run_issue_escrow(client, [first, second])

    # Then no key is shown or made, and the page says why
    assert response.status_code == 200
    assert 'class="secret"' not in response.content.decode()
    assert "ya tenían llave de custodia" in response.content.decode()
    assert sorted(bytes(k.public_key) for k in OrganisationKey.objects.all()) == before
    assert AuditEntry.objects.filter(action="organisation.escrow_issued").count() == 2


def test_escrow_action_needs_a_verified_second_factor(client, log_in):
    # Given a superuser who has logged in with a password only (no device yet)
    UserFactory(username="raiz", is_superuser=True, is_staff=True)
    organisation = OrganisationFactory()
    assert log_in("raiz").status_code == 302

    # When they try the action
    response = _run_issue_escrow(client, [organisation])

    # Then they are sent to set up the second factor and nothing is issued
    assert response.status_code == 302
    assert response["Location"] == "/staff/enrol/"
    assert not OrganisationKey.objects.exists()
