"""Staff login: password and second factor on one form, one error message, back-off."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from remedia.core import throttle
from remedia.core.models import AuditEntry
from tests.support.factories.accounts import (
    PASSWORD,
    member,
    totp_code,
    totp_device,
    wrong_code,
)

LOGIN_FAILED = "El usuario, la contraseña o el código no son correctos."
THROTTLED = re.compile(
    r"Demasiados intentos fallidos\. Intente de nuevo en (\d+) segundos\."
)


def _form_errors(response) -> str:
    match = re.search(
        r'<div class="error-summary"[^>]*>(.*?)</div>', response.content.decode(), re.S
    )
    assert match, "the page shows no form error"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


class Clock:
    """Stands in for the throttle's clock so a test can let the wait pass."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(throttle, "time", fake)
    return fake


def _fail(log_in, username: str, times: int) -> None:
    for _attempt in range(times):
        assert log_in(username, password="not the password").status_code == 400


# --- Success --------------------------------------------------------------------------


def test_right_password_and_code_log_in_verified(client, handler, log_in):
    # Given a handler with a confirmed authenticator
    code = totp_code(handler.totpdevice_set.get())

    # When they log in with their password and the current code
    response = log_in("hilda", code=code)

    # Then they reach their home page, second factor verified in this session
    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    home = client.get("/staff/")
    assert home.status_code == 200
    assert 'data-role="handler"' in home.content.decode()
    assert "Activo en esta sesión" in client.get("/staff/account/").content.decode()


def test_code_may_be_typed_with_a_space(client, handler, log_in):
    code = totp_code(handler.totpdevice_set.get())

    response = log_in("hilda", code=f"{code[:3]} {code[3:]}")

    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_login_goes_to_the_page_asked_for_on_this_site_only(client, facility_officer):
    # Given a staff member sent to the login page from their account page
    form = {"username": "fernando", "password": PASSWORD, "code": ""}

    # When they log in / then they land on that page
    response = client.post("/staff/login/?next=/staff/account/", form)
    assert response["Location"] == "/staff/account/"

    # And a link that would send them to another site lands them at home instead
    client.post("/staff/logout/")
    response = client.post("/staff/login/?next=https://evil.example.org/", form)
    assert response["Location"] == "/staff/"


# --- One answer for every failure -----------------------------------------------------


def _deactivate(user):
    user.is_active = False
    user.save(update_fields=["is_active"])


FAILURES = {
    "wrong password": lambda h: ("hilda", "not the password", totp_code(h.device)),
    "wrong code": lambda h: ("hilda", PASSWORD, wrong_code(totp_code(h.device))),
    "missing code": lambda h: ("hilda", PASSWORD, ""),
    "unknown user": lambda h: ("nobody", PASSWORD, totp_code(h.device)),
    "both wrong": lambda h: ("hilda", "not the password", "123456"),
}


@pytest.mark.parametrize("case", FAILURES)
def test_every_failed_login_gets_the_same_answer(client, handler, log_in, case):
    # Given a handler with an authenticator, and one thing wrong in the attempt
    handler.device = handler.totpdevice_set.get()
    username, password, code = FAILURES[case](handler)

    # When they try to log in
    response = log_in(username, password=password, code=code)

    # Then the answer does not say which part was wrong, and nobody is logged in
    assert response.status_code == 400
    assert _form_errors(response) == LOGIN_FAILED
    html = response.content.decode()
    assert 'class="field-error"' not in html
    assert "not the password" not in html
    assert not _logged_in(client)
    assert client.get("/staff/")["Location"].startswith("/staff/login/")


def test_inactive_user_gets_the_same_answer(client, facility_officer, log_in):
    _deactivate(facility_officer)

    response = log_in("fernando")

    assert response.status_code == 400
    assert _form_errors(response) == LOGIN_FAILED
    assert not _logged_in(client)


def test_a_code_works_only_once(client, handler, log_in):
    # Given a handler who logged in with the current code and logged out
    code = totp_code(handler.totpdevice_set.get())
    assert log_in("hilda", code=code).status_code == 302
    client.post("/staff/logout/")

    # When someone replays the same code with the password
    response = log_in("hilda", code=code)

    # Then it is refused like any wrong code
    assert response.status_code == 400
    assert _form_errors(response) == LOGIN_FAILED
    assert not _logged_in(client)


# --- Second factor required by role ---------------------------------------------------


def test_handler_without_second_factor_can_only_enrol(
    client, unenrolled_handler, log_in
):
    # Given a handler who has not set up an authenticator
    # When they log in with their password
    response = log_in("helena")

    # Then they are logged in, but every staff page sends them to enrolment
    assert response.status_code == 302
    assert _logged_in(client)
    for url in ["/staff/", "/staff/account/", "/staff/admin/"]:
        answer = client.get(url)
        assert answer.status_code == 302, url
        assert answer["Location"] == "/staff/enrol/", url
    assert client.get("/staff/enrol/").status_code == 200
    # And logging out still works
    assert client.post("/staff/logout/")["Location"] == "/staff/login/"
    assert not _logged_in(client)


def test_facility_officer_without_second_factor_reaches_home(
    client, facility_officer, log_in
):
    # Given a facility officer, whose role does not require a second factor
    # When they log in with their password only
    response = log_in("fernando")

    # Then they reach their home page
    assert response.status_code == 302
    home = client.get("/staff/")
    assert home.status_code == 200
    assert 'data-role="facility_officer"' in home.content.decode()


def test_facility_officer_with_a_device_must_give_the_code(client, org_a, log_in):
    # Given a facility officer who chose to enrol
    officer = member("facility_officer", org_a, username="flor")
    device = totp_device(officer)

    # When they log in without the code / then it is refused
    assert log_in("flor").status_code == 400
    # And with it they get in
    assert log_in("flor", code=totp_code(device)).status_code == 302


# --- Throttling -----------------------------------------------------------------------


def test_repeated_failures_make_the_next_attempt_wait(
    client, facility_officer, log_in, clock
):
    # Given as many failed attempts as are free
    _fail(log_in, "fernando", settings.REMEDIA_LOGIN_FREE_FAILURES)

    # When the next attempt comes, even with the right password
    response = log_in("fernando")

    # Then it is refused with how long to wait, and nobody is logged in
    assert response.status_code == 429
    wait = THROTTLED.fullmatch(_form_errors(response))
    assert wait is not None
    assert int(wait.group(1)) == settings.REMEDIA_LOGIN_FIRST_DELAY
    assert not _logged_in(client)
    assert AuditEntry.objects.filter(action="login.throttled").count() == 1


def test_fewer_failures_than_the_free_ones_do_not_throttle(
    client, facility_officer, log_in
):
    _fail(log_in, "fernando", settings.REMEDIA_LOGIN_FREE_FAILURES - 1)

    response = log_in("fernando")

    assert response.status_code == 302
    assert _logged_in(client)


def test_right_credentials_work_once_the_wait_is_over(
    client, facility_officer, log_in, clock
):
    # Given an account that must wait
    _fail(log_in, "fernando", settings.REMEDIA_LOGIN_FREE_FAILURES)
    assert log_in("fernando").status_code == 429

    # When the wait has passed
    clock.advance(settings.REMEDIA_LOGIN_FIRST_DELAY + 1)
    response = log_in("fernando")

    # Then the right credentials log in
    assert response.status_code == 302
    assert _logged_in(client)


def test_each_further_failure_doubles_the_wait(client, facility_officer, log_in, clock):
    # Given an account that waited out its first delay
    first = settings.REMEDIA_LOGIN_FIRST_DELAY
    _fail(log_in, "fernando", settings.REMEDIA_LOGIN_FREE_FAILURES)
    clock.advance(first + 1)

    # When it fails once more
    _fail(log_in, "fernando", 1)

    # Then the next wait is twice as long
    response = log_in("fernando")
    assert response.status_code == 429
    assert int(THROTTLED.fullmatch(_form_errors(response)).group(1)) == 2 * first


def test_changing_the_case_of_the_username_does_not_escape_the_wait(
    client, facility_officer, log_in, clock
):
    for username in ["FERNANDO", "Fernando", " fernando", "FeRnAnDo", "fernandO"]:
        log_in(username, password="not the password")

    assert log_in("fernando").status_code == 429


def test_a_throttled_account_does_not_hold_up_another(
    client, facility_officer, org_a, log_in, clock
):
    # Given one account that must wait
    member("facility_officer", org_a, username="flor")
    _fail(log_in, "fernando", settings.REMEDIA_LOGIN_FREE_FAILURES)
    assert log_in("fernando").status_code == 429

    # When another staff member logs in / then they get in at once
    assert log_in("flor").status_code == 302
    assert _logged_in(client)


def test_a_successful_login_starts_the_count_again(
    client, facility_officer, log_in, clock
):
    # Given failures just short of the free ones, then a successful login
    free = settings.REMEDIA_LOGIN_FREE_FAILURES
    _fail(log_in, "fernando", free - 1)
    assert log_in("fernando").status_code == 302
    client.post("/staff/logout/")

    # When the same number of failures follows
    _fail(log_in, "fernando", free - 1)

    # Then the right password still gets in without waiting
    assert log_in("fernando").status_code == 302


# --- Audit ----------------------------------------------------------------------------


def test_logins_are_in_the_audit_log(client, handler, log_in):
    # Given one failed and one successful login
    log_in("hilda", password="not the password")
    log_in("hilda", code=totp_code(handler.totpdevice_set.get()))

    # Then both are recorded, the success under the user's name
    failed = AuditEntry.objects.get(action="login.failed")
    succeeded = AuditEntry.objects.get(action="login.succeeded")
    assert succeeded.actor_id == str(handler.pk)
    assert succeeded.actor_label == "hilda"
    assert succeeded.seq > failed.seq
    # And the failure holds nothing that was typed
    assert "not the password" not in str(failed.data)


def test_logout_is_in_the_audit_log(client, facility_officer, log_in):
    log_in("fernando")

    client.post("/staff/logout/")

    assert AuditEntry.objects.filter(action="logout", actor_label="fernando").exists()


# --- Sessions -------------------------------------------------------------------------


def test_session_ends_at_the_absolute_limit_however_active(
    client, facility_officer, log_in
):
    # Given a session that started longer ago than the absolute limit
    log_in("fernando")
    assert client.get("/staff/").status_code == 200
    session = client.session
    session["remedia_login_at"] = (
        int(time.time()) - settings.REMEDIA_SESSION_MAX_AGE - 60
    )
    session.save()

    # When the next request comes
    response = client.get("/staff/")

    # Then it is sent to the login page and the session is over
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/"
    assert not _logged_in(client)
    assert client.get("/staff/account/")["Location"].startswith("/staff/login/")


def test_session_within_the_absolute_limit_continues(client, facility_officer, log_in):
    log_in("fernando")
    session = client.session
    session["remedia_login_at"] = (
        int(time.time()) - settings.REMEDIA_SESSION_MAX_AGE + 60
    )
    session.save()

    assert client.get("/staff/").status_code == 200


def test_an_active_session_is_written_once_a_minute_not_on_every_request(
    client, facility_officer, log_in, monkeypatch
):
    # Given a signed-in session, just written
    log_in("fernando")
    key = client.session.session_key
    assert client.get("/staff/").status_code == 200
    written = Session.objects.get(session_key=key).expire_date

    # When pages follow within the minute, the session row is left alone
    Session.objects.filter(session_key=key).update(
        expire_date=written - timedelta(minutes=5)
    )
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date == written - timedelta(
        minutes=5
    )

    # When a minute has passed, the next page pushes the idle expiry on again
    later = time.time() + settings.SESSION_TOUCH_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/staff/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date > written


def test_idle_session_expires_after_thirty_minutes(client, facility_officer, log_in):
    # Given a fresh session: it lasts thirty idle minutes on the server
    log_in("fernando")
    key = client.session.session_key
    stored = Session.objects.get(session_key=key)
    assert stored.expire_date - timezone.now() <= timedelta(minutes=30)

    # When those minutes pass without a request
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    # Then the next request must log in again
    assert client.get("/staff/")["Location"].startswith("/staff/login/")
