"""Setting up the authenticator app, recovery codes, and an administrator's reset."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from remedia.accounts.services import second_factor_reset
from remedia.core.models import AuditEntry
from tests.support.factories.accounts import member, totp_code_for_secret, wrong_code

LOGIN_FAILED = "El usuario, la contraseña o el código no son correctos."


def _secret(response) -> str:
    match = re.search(
        r'<code class="secret" id="totp-secret">([A-Z2-7=]+)</code>',
        response.content.decode(),
    )
    assert match, "the enrolment page shows no secret"
    return match.group(1)


def _recovery_codes(response) -> list[str]:
    block = re.search(
        r'<ul class="codes" id="recovery-codes">(.*?)</ul>',
        response.content.decode(),
        re.S,
    )
    assert block, "the page shows no recovery codes"
    return re.findall(r"<code>([^<]+)</code>", block.group(1))


def _a_minute_later(user) -> None:
    """Let a minute pass for django-otp's own per-device throttle.

    After a wrong code each device refuses codes for a second or more; a person
    retyping takes longer than that, a test does not.
    """
    earlier = timezone.now() - timedelta(minutes=1)
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user, throttling_failure_count__gt=0).update(
            throttling_failure_timestamp=earlier
        )


@pytest.fixture
def enrolling(client, unenrolled_handler, log_in):
    """A handler logged in with their password, not yet enrolled."""
    assert log_in("helena").status_code == 302
    return unenrolled_handler


@pytest.fixture
def enrolled(client, enrolling):
    """A handler who has just enrolled; returns their recovery codes."""
    secret = _secret(client.get("/staff/enrol/"))
    response = client.post("/staff/enrol/", {"code": totp_code_for_secret(secret)})
    codes = _recovery_codes(response)
    client.post("/staff/logout/")
    return codes


# --- Enrolment ------------------------------------------------------------------------


def test_enrolment_page_shows_a_qr_code_and_the_secret(client, enrolling):
    # When the handler opens the enrolment page
    response = client.get("/staff/enrol/")

    # Then it shows a QR code inline and the secret to type by hand
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<img class="qr" src="data:image/svg\+xml', html)
    secret = _secret(response)
    # The secret is the pending device's key: an app that adds it shows valid codes
    device = TOTPDevice.objects.get(user=enrolling, confirmed=False)
    assert base64.b32decode(secret) == device.bin_key
    assert len(device.bin_key) >= 20


def test_reloading_the_enrolment_page_keeps_the_same_secret(client, enrolling):
    first = _secret(client.get("/staff/enrol/"))
    second = _secret(client.get("/staff/enrol/"))

    assert first == second


def test_correct_code_confirms_and_shows_ten_recovery_codes(client, enrolling):
    # Given the secret as the authenticator app got it from the page
    secret = _secret(client.get("/staff/enrol/"))

    # When the handler types the code the app shows
    response = client.post("/staff/enrol/", {"code": totp_code_for_secret(secret)})

    # Then the device is confirmed and ten different recovery codes are shown
    assert response.status_code == 200
    codes = _recovery_codes(response)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=enrolling).confirmed
    # And the session is now verified: staff pages open
    assert client.get("/staff/").status_code == 200
    assert AuditEntry.objects.filter(
        action="second_factor.enrolled", actor_id=str(enrolling.pk)
    ).exists()


def test_recovery_codes_are_shown_only_once(client, enrolling):
    # Given a completed enrolment
    secret = _secret(client.get("/staff/enrol/"))
    codes = _recovery_codes(
        client.post("/staff/enrol/", {"code": totp_code_for_secret(secret)})
    )

    # When the handler comes back to the enrolment or account pages
    again = client.get("/staff/enrol/")
    account = client.get("/staff/account/")

    # Then enrolment is over and no page shows the codes again
    assert again.status_code == 302
    assert again["Location"] == "/staff/account/"
    assert not any(code in account.content.decode() for code in codes)


def test_wrong_code_at_enrolment_is_refused(client, enrolling):
    # Given the enrolment page
    secret = _secret(client.get("/staff/enrol/"))

    # When the handler types a wrong code
    response = client.post(
        "/staff/enrol/", {"code": wrong_code(totp_code_for_secret(secret))}
    )

    # Then it is refused with a message, and nothing is confirmed
    assert response.status_code == 400
    assert "El código no es correcto" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=enrolling, confirmed=True).exists()
    assert client.get("/staff/")["Location"] == "/staff/enrol/"
    # And the same secret can still be confirmed with the right code
    assert _secret(response) == secret
    ok = client.post("/staff/enrol/", {"code": totp_code_for_secret(secret)})
    assert ok.status_code == 200


def test_enrolment_needs_a_logged_in_user(client):
    response = client.get("/staff/enrol/")

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


# --- Recovery codes at login ----------------------------------------------------------


def test_recovery_code_logs_in_in_place_of_the_app_code(client, enrolled, log_in):
    # When the handler logs in with a recovery code instead of the app's code
    response = log_in("helena", code=enrolled[0])

    # Then they are in, second factor verified
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_recovery_code_works_only_once(client, enrolled, log_in, unenrolled_handler):
    # Given a recovery code used once
    assert log_in("helena", code=enrolled[0]).status_code == 302
    client.post("/staff/logout/")

    # When it is used again
    response = log_in("helena", code=enrolled[0])

    # Then it is refused like any wrong code; another one still works
    assert response.status_code == 400
    assert LOGIN_FAILED in response.content.decode()
    _a_minute_later(unenrolled_handler)
    assert log_in("helena", code=enrolled[1]).status_code == 302


def test_new_recovery_codes_replace_the_old(
    client, enrolled, log_in, unenrolled_handler
):
    # Given a verified session
    assert log_in("helena", code=enrolled[0]).status_code == 302

    # When the handler asks for new recovery codes
    fresh = _recovery_codes(client.post("/staff/recovery-codes/"))
    client.post("/staff/logout/")

    # Then the old ones stop working and the new ones work
    assert len(fresh) == 10
    assert log_in("helena", code=enrolled[1]).status_code == 400
    _a_minute_later(unenrolled_handler)
    assert log_in("helena", code=fresh[0]).status_code == 302


def test_recovery_codes_cannot_be_regenerated_by_an_unverified_session(
    client, enrolling
):
    response = client.post("/staff/recovery-codes/")

    assert response.status_code == 302
    assert response["Location"] == "/staff/enrol/"


# --- Reset by an administrator --------------------------------------------------------


def test_reset_second_factor_sends_the_user_back_to_enrolment(
    client, handler, org_a, log_in
):
    # Given a handler whose phone and recovery codes are lost
    admin = member("admin", org_a, username="ada")

    # When an administrator resets their second factor
    second_factor_reset(user=handler, reset_by=admin)

    # Then they log in with the password alone and must enrol again
    assert log_in("hilda").status_code == 302
    assert client.get("/staff/")["Location"] == "/staff/enrol/"
    entry = AuditEntry.objects.get(action="second_factor.reset")
    assert entry.actor_label == "ada"
    assert entry.object_id == str(handler.pk)
