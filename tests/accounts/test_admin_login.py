"""Issue 15.1: every staff login goes through the one login form.

The admin's own login form skipped the second factor, the throttle and the
audit, and the session it made had no login time, so the absolute limit never
applied; enrolment then issued a fresh authenticator to such a session.
"""

from __future__ import annotations

import time

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from remedia.core.models import AuditEntry
from tests.support.factories.accounts import PASSWORD, UserFactory, totp_device


@pytest.fixture
def superuser():
    user = UserFactory(username="raiz", is_superuser=True, is_staff=True)
    totp_device(user)
    return user


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_admin_login_form_does_not_log_in_with_a_password_alone(client, superuser):
    # Given a superuser with a confirmed authenticator
    # When someone posts only the password to the admin's login page
    response = client.post(
        "/staff/admin/login/",
        {"username": "raiz", "password": PASSWORD, "next": "/staff/admin/"},
    )

    # Then no session is made, and the answer sends them to the one login form
    assert not _logged_in(client)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
    final = client.get("/staff/admin/", follow=True)
    assert final.redirect_chain[-1][0].startswith("/staff/login/?next=/staff/admin/")


def test_admin_login_page_sends_to_the_staff_login_form_keeping_next(client):
    response = client.get("/staff/admin/login/?next=/staff/admin/accounts/user/")

    assert response.status_code == 302
    assert response["Location"] == "/staff/login/?next=/staff/admin/accounts/user/"


def test_admin_reached_through_the_staff_form_after_the_second_factor(
    client, superuser, log_in_verified
):
    assert log_in_verified(superuser).status_code == 302

    assert client.get("/staff/admin/").status_code == 200
    assert AuditEntry.objects.filter(
        action="login.succeeded", actor_label="raiz"
    ).exists()


def test_enrolment_refused_when_a_confirmed_device_exists(client, superuser):
    # Given a session that did not pass the second factor the user has
    # (as the admin login made), though the login time is set
    client.force_login(superuser)
    session = client.session
    session["remedia_login_at"] = int(time.time())
    session.save()

    # When it asks for the enrolment page
    response = client.get("/staff/enrol/")

    # Then no new device is made, the session ends, and the login form is next
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
    assert list(TOTPDevice.objects.filter(user=superuser).values_list("confirmed")) == [
        (True,)
    ]
    assert not _logged_in(client)


def test_enrol_service_refuses_a_user_with_a_confirmed_device(superuser):
    from remedia.accounts import services
    from remedia.core.errors import ApplicationError

    with pytest.raises(ApplicationError):
        services.totp_enrol_begin(user=superuser)
    assert TOTPDevice.objects.filter(user=superuser).count() == 1


def test_enrolment_allowed_again_after_an_audited_reset(
    client, superuser, unenrolled_handler, log_in
):
    from remedia.accounts import services

    # Given an administrator reset the handler's factor (audited) ...
    totp_device(unenrolled_handler)
    services.second_factor_reset(user=unenrolled_handler, reset_by=superuser)
    assert AuditEntry.objects.filter(action="second_factor.reset").exists()

    # ... the handler logs in with the password and may enrol anew
    assert log_in("helena").status_code == 302
    assert client.get("/staff/enrol/").status_code == 200
    assert TOTPDevice.objects.filter(user=unenrolled_handler, confirmed=False).exists()


def test_session_without_a_login_time_is_expired(client, facility_officer):
    # Given a session made without the staff form (no login time recorded)
    client.force_login(facility_officer)

    # When it is used
    response = client.get("/staff/")

    # Then it is over, as a session past the absolute limit would be
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/"
    assert not _logged_in(client)
