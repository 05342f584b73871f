"""`remedia seed-demo`: the demo users of PRODUCT.md, once, with their secrets once.

Seeding derives a key from each new password, so each run costs about a second;
the tests below share runs where they can.
"""

from __future__ import annotations

import io
import re

from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from remedia.accounts.models import Membership, Organisation, User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.core.audit import audit_verify
from remedia.core.models import AuditEntry
from tests.factories import totp_code_for_secret

DEMO_ROLES = {
    "admin": "admin",
    "handler": "handler",
    "handler2": "handler",
    "analyst": "analyst",
    "monitor": "monitor",
    "facility": "facility_officer",
    "protection": "protection",
    "coordinator": "coordinator",
}
CREDENTIALS = re.compile(
    r"^\s+(\S+)\s+password: (\S+)\s+TOTP secret: ([A-Z2-7=]+)\s*$", re.M
)


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _credentials(output: str) -> dict[str, tuple[str, str]]:
    return {user: (pw, secret) for user, pw, secret in CREDENTIALS.findall(output)}


def _counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Organisation.objects.count(),
        Membership.objects.count(),
        TOTPDevice.objects.count(),
        AuditEntry.objects.count(),
    )


def test_first_run_creates_the_demo_users_of_the_product():
    # When the demo is seeded into an empty database
    _seed()

    # Then every demo user exists with the role it is named for
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles == DEMO_ROLES
    assert User.objects.get(username="admin").is_superuser
    # Each has an authenticator to add to an app
    for username in DEMO_ROLES:
        devices = TOTPDevice.objects.filter(user__username=username, confirmed=True)
        assert devices.count() == 1, username
    # The two handlers work for different organisations, each only in its own
    handler = User.objects.get(username="handler")
    org = Membership.objects.get(user=handler).organisation
    org2 = Membership.objects.get(user__username="handler2").organisation
    assert org != org2
    assert user_can(user=handler, capability=Capability.CASE_READ, organisation=org)
    assert not user_can(
        user=handler, capability=Capability.CASE_READ, organisation=org2
    )
    # And everything was done through the services, so the audit chain holds
    report = audit_verify()
    assert report.ok
    assert report.checked == AuditEntry.objects.count() > 0


def test_first_run_prints_credentials_that_log_in(client):
    # When the demo is seeded
    output = _seed()

    # Then it prints a password and a TOTP secret for every demo user...
    credentials = _credentials(output)
    assert set(credentials) == set(DEMO_ROLES)
    # ...and each organisation's recovery key under its name
    for organisation in Organisation.objects.all():
        assert organisation.name in output
    # And what was printed logs in, the code coming from an app holding the secret
    for username in ("handler", "facility", "admin"):
        password, secret = credentials[username]
        response = client.post(
            "/staff/login/",
            {
                "username": username,
                "password": password,
                "code": totp_code_for_secret(secret),
            },
        )
        assert response.status_code == 302, username
        assert client.get("/staff/").status_code == 200, username
        client.post("/staff/logout/")


def test_second_run_creates_nothing_and_prints_no_secret():
    # Given a seeded demo
    first = _seed()
    counts = _counts()
    printed = [value for pair in _credentials(first).values() for value in pair]

    # When it is seeded again
    second = _seed()

    # Then nothing new exists and no password, TOTP secret or key is printed
    assert _counts() == counts
    assert "nothing to print" in second
    assert _credentials(second) == {}
    assert "password" not in second
    assert "secret" not in second.lower()
    assert not any(value in second for value in printed)
    assert not any(org.name in second for org in Organisation.objects.all())
