"""Who may do what, and where: rights are per organisation and never cross it.

Memberships are the organisation-owned rows used here: any model with an
`organisation` field is scoped the same way.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from remedia.accounts.models import Membership, User
from remedia.accounts.permissions import Capability, Role
from remedia.accounts.selectors import (
    get_scoped,
    organisations_for,
    scope_by_organisation,
    user_can,
    user_needs_second_factor,
)
from remedia.core.errors import NotFound
from tests.support.factories.accounts import OrganisationFactory, UserFactory, member


def _fresh(user: User) -> User:
    # Memberships are read once per request and kept on the user object.
    return User.objects.get(pk=user.pk)


def _not_found_message(queryset, pk) -> tuple[int, str]:
    with pytest.raises(NotFound) as caught:
        get_scoped(queryset, pk=pk)
    return caught.value.status_code, str(caught.value.message)


# --- Scoping by organisation ----------------------------------------------------------


def test_scoped_query_returns_only_the_users_organisation(
    handler, handler_b, org_a, org_b
):
    # When each handler lists organisation-owned rows they may read as cases
    mine = scope_by_organisation(
        Membership.objects.all(), user=handler_b, capability=Capability.CASE_READ
    )

    # Then handler B sees B's rows only
    assert {m.organisation_id for m in mine} == {org_b.pk}
    assert mine.filter(organisation=org_a).count() == 0


def test_other_organisations_object_is_not_found_like_a_missing_one(
    handler, handler_b, org_a
):
    # Given an object of organisation A and handler B's scope
    object_of_a = Membership.objects.get(user=handler, organisation=org_a)
    scoped_for_b = scope_by_organisation(
        Membership.objects.all(), user=handler_b, capability=Capability.CASE_READ
    )

    # When B asks for A's object, a missing id, and a malformed id
    other = _not_found_message(scoped_for_b, object_of_a.pk)
    missing = _not_found_message(scoped_for_b, uuid.uuid4())
    malformed = _not_found_message(scoped_for_b, "not-a-uuid")
    empty = _not_found_message(scoped_for_b, None)

    # Then all four answers are the same not-found
    assert other == missing == malformed == empty == (404, "No encontrado.")


def test_own_organisations_object_is_found(handler, org_a):
    own = Membership.objects.get(user=handler, organisation=org_a)
    scoped = scope_by_organisation(
        Membership.objects.all(), user=handler, capability=Capability.CASE_READ
    )

    assert get_scoped(scoped, pk=str(own.pk)) == own


def test_one_object_is_fetched_without_sorting(handler, org_a):
    # Given a scoped queryset of a model sorted by default (cases sort by
    # three columns), narrowed to one primary key
    own = Membership.objects.get(user=handler, organisation=org_a)
    scoped = scope_by_organisation(
        Membership.objects.order_by("-created_at", "role"),
        user=handler,
        capability=Capability.CASE_READ,
    )

    # When the object is fetched
    with CaptureQueriesContext(connection) as captured:
        found = get_scoped(scoped, pk=own.pk)

    # Then one query, with no sort for a single row to pay for
    assert found == own
    assert len(captured) == 1
    assert "ORDER BY" not in captured[0]["sql"]


def test_scope_without_the_capability_is_empty(facility_officer):
    # Given a facility officer, who may not read reports anywhere
    scoped = scope_by_organisation(
        Membership.objects.all(),
        user=facility_officer,
        capability=Capability.REPORT_READ,
    )

    # Then a report-scoped query gives nothing, not even their own organisation's
    assert Membership.objects.filter(user=facility_officer).exists()
    assert list(scoped) == []


# --- Role capabilities ----------------------------------------------------------------


def test_handler_writes_cases_only_in_its_own_organisation(handler, org_a, org_b):
    assert user_can(user=handler, capability=Capability.CASE_WRITE, organisation=org_a)
    assert not user_can(
        user=handler, capability=Capability.CASE_WRITE, organisation=org_b
    )
    assert organisations_for(user=handler, capability=Capability.CASE_WRITE) == {
        org_a.pk
    }


def test_facility_officer_cannot_read_reports_or_cases(facility_officer, org_a):
    for capability in (
        Capability.REPORT_READ,
        Capability.CASE_READ,
        Capability.PROTECTION_READ,
        Capability.ANALYTICS_READ,
    ):
        assert not user_can(
            user=facility_officer, capability=capability, organisation=org_a
        ), capability
    assert user_can(
        user=facility_officer, capability=Capability.EVIDENCE_SUBMIT, organisation=org_a
    )


@pytest.mark.parametrize(
    ("role", "granted", "refused"),
    [
        (Role.HANDLER, Capability.REPORT_READ, Capability.PROTECTION_READ),
        (Role.ANALYST, Capability.PETITION_WRITE, Capability.REPORT_READ),
        (Role.MONITOR, Capability.REMEDIATION_WRITE, Capability.CASE_READ),
        (Role.PROTECTION, Capability.PROTECTION_WRITE, Capability.CASE_WRITE),
        (Role.COORDINATOR, Capability.COORDINATION_WRITE, Capability.REPORT_READ),
        (Role.ADMIN, Capability.AUDIT_READ, Capability.REPORT_READ),
    ],
)
def test_each_role_has_its_own_capabilities(org_a, role, granted, refused):
    user = member(role, org_a)

    assert user_can(user=user, capability=granted, organisation=org_a)
    assert not user_can(user=user, capability=refused, organisation=org_a)


def test_two_roles_in_two_organisations_do_not_mix(org_a, org_b):
    # Given a user who handles cases in A and monitors remediation in B
    user = member("handler", org_a)
    Membership.objects.create(user=user, organisation=org_b, role="monitor")
    user = _fresh(user)

    # Then each capability holds only where its role was granted
    assert organisations_for(user=user, capability=Capability.CASE_WRITE) == {org_a.pk}
    assert organisations_for(user=user, capability=Capability.REMEDIATION_WRITE) == {
        org_b.pk
    }


def test_superuser_without_membership_has_no_content_capability():
    # Given a platform superuser who belongs to no organisation
    root = UserFactory(is_superuser=True, is_staff=True)

    # Then they hold no capability anywhere
    for capability in Capability:
        assert not user_can(user=root, capability=capability), capability
    assert (
        list(
            scope_by_organisation(
                Membership.objects.all(), user=root, capability=Capability.REPORT_READ
            )
        )
        == []
    )


def test_inactive_organisation_grants_nothing(handler, org_a):
    # Given the handler's organisation is deactivated
    org_a.is_active = False
    org_a.save(update_fields=["is_active"])
    handler = _fresh(handler)

    # Then its membership grants nothing
    for capability in Capability:
        assert not user_can(user=handler, capability=capability), capability


def test_inactive_user_has_no_capability(handler, org_a):
    handler.is_active = False
    handler.save(update_fields=["is_active"])

    assert not user_can(
        user=_fresh(handler), capability=Capability.CASE_READ, organisation=org_a
    )


def test_user_without_membership_has_no_capability():
    nobody = UserFactory()

    assert organisations_for(user=nobody, capability=Capability.FACILITY_READ) == set()


def test_membership_in_another_organisation_is_not_enough(handler):
    other = OrganisationFactory()

    assert not user_can(
        user=handler, capability=Capability.CASE_READ, organisation=other
    )


# --- Who must use a second factor -----------------------------------------------------


@pytest.mark.parametrize(
    ("role", "needs"),
    [
        (Role.ADMIN, True),
        (Role.HANDLER, True),
        (Role.ANALYST, True),
        (Role.MONITOR, True),
        (Role.PROTECTION, True),
        (Role.COORDINATOR, True),
        (Role.FACILITY_OFFICER, False),
    ],
)
def test_second_factor_is_required_by_role(org_a, role, needs):
    assert user_needs_second_factor(user=member(role, org_a)) is needs


def test_superuser_always_needs_a_second_factor():
    assert user_needs_second_factor(user=UserFactory(is_superuser=True))
