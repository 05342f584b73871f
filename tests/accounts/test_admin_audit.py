"""Issue 15.3: every write through the Django admin is audited, and the
relations that carry report access (memberships, keys) change only through the
services, which audit them."""

from __future__ import annotations

import pytest

from remedia.accounts import services
from remedia.accounts.models import ApiToken, Membership, Organisation, User
from remedia.core.models import AuditEntry
from tests.support.factories.accounts import (
    OrganisationFactory,
    UserFactory,
    member,
    totp_device,
)

ADMIN = "/staff/admin/accounts"


@pytest.fixture
def superuser():
    user = UserFactory(username="raiz", is_superuser=True, is_staff=True)
    totp_device(user)
    return user


@pytest.fixture
def admin_client(client, superuser, log_in_verified):
    assert log_in_verified(superuser).status_code == 302
    return client


def _entries(action: str):
    return AuditEntry.objects.filter(action=action, actor_label="raiz")


def test_membership_inline_on_the_user_form_is_read_only(admin_client, handler):
    # Given the user's change page in the admin
    page = admin_client.get(f"{ADMIN}/user/{handler.pk}/change/").content.decode()

    # Then memberships are listed but cannot be added or edited there
    assert 'name="memberships-__prefix__-role"' not in page
    assert 'name="memberships-0-role"' not in page


def test_membership_added_in_the_admin_goes_through_the_service(admin_client, org_a):
    # Given a user without a membership
    user = UserFactory(username="nadia")

    # When the superuser grants a handler membership in the admin
    response = admin_client.post(
        f"{ADMIN}/membership/add/",
        {"user": user.pk, "organisation": org_a.pk, "role": "handler"},
    )

    # Then it exists, and the grant is in the audit log with who made it
    assert response.status_code == 302
    assert Membership.objects.filter(user=user, role="handler").exists()
    granted = _entries("membership.granted").get()
    assert granted.object_id == str(user.pk)
    assert granted.data["role"] == "handler"


def test_membership_revoked_in_the_admin_is_audited(admin_client, handler):
    membership = handler.memberships.get()

    response = admin_client.post(
        f"{ADMIN}/membership/",
        {
            "action": "revoke_memberships",
            "_selected_action": [str(membership.pk)],
            "index": "0",
        },
    )

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert _entries("membership.revoked").get().object_id == str(handler.pk)


def test_password_set_in_the_admin_is_audited(admin_client, handler):
    response = admin_client.post(
        f"{ADMIN}/user/{handler.pk}/password/",
        {
            "password1": "otra contraseña muy larga 77",
            "password2": "otra contraseña muy larga 77",
        },
    )

    assert response.status_code == 302
    entry = _entries("password.set").get()
    assert entry.object_id == str(handler.pk)
    assert entry.data["via"] == "admin"


def test_organisations_and_users_cannot_be_deleted_in_the_admin(
    admin_client, org_a, handler
):
    # Deleting them would cascade keys, recipients and grants without a trace:
    # they are deactivated instead.
    response = admin_client.post(
        f"{ADMIN}/organisation/{org_a.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    response = admin_client.post(
        f"{ADMIN}/user/",
        {
            "action": "delete_selected",
            "_selected_action": [str(handler.pk)],
            "post": "yes",
        },
    )
    assert Organisation.objects.filter(pk=org_a.pk).exists()
    assert User.objects.filter(pk=handler.pk).exists()


def test_bulk_delete_in_the_admin_is_audited_per_object(admin_client, handler):
    # Given two tokens
    first, _raw = services.token_issue(user=handler, name="uno")
    second, _raw = services.token_issue(user=handler, name="dos")

    # When the superuser deletes both with the bulk action
    response = admin_client.post(
        f"{ADMIN}/apitoken/",
        {
            "action": "delete_selected",
            "_selected_action": [str(first.pk), str(second.pk)],
            "post": "yes",
        },
    )

    # Then each deletion is in the audit log
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    assert set(_entries("apitoken.deleted").values_list("object_id", flat=True)) == {
        str(first.pk),
        str(second.pk),
    }


def test_organisation_change_in_the_admin_is_audited(admin_client):
    organisation = OrganisationFactory(name="Colectivo Sur")
    member("handler", organisation)

    response = admin_client.post(
        f"{ADMIN}/organisation/{organisation.pk}/change/",
        {
            "name": "Colectivo del Sur",
            "short_name": organisation.short_name,
            "sector": organisation.sector,
            "country": "MX",
            "is_active": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert _entries("organisation.changed").get().data["fields"] == ["name"]
