"""Issue 15.2: a user's key is escrowed only to organisations whose role reads
sealed content, and a revoked membership takes its escrow copy and the key with it."""

from __future__ import annotations

from remedia.accounts import keys
from remedia.accounts import services as accounts
from remedia.accounts.models import Membership, UserKey, UserKeyEscrow
from remedia.accounts.permissions import Sector
from remedia.core import crypto
from remedia.intake.models import ReportKeyGrant
from tests.support.factories.accounts import PASSWORD


def _organisation_with_recovery(name: str):
    organisation = accounts.organisation_create(name=name, sector=Sector.PRIVATE)
    recovery = keys.organisation_escrow_issue(organisation=organisation)
    return organisation, keys.recovery_key_parse(recovery)


def test_no_escrow_copy_for_a_role_that_reads_no_sealed_content(keyed_handler):
    # Given a handler who also holds a facility-officer membership in an
    # employer's organisation that has an escrow key
    employer, _recovery = _organisation_with_recovery("Maquiladora Norte")
    accounts.membership_grant(
        user=keyed_handler,
        organisation=employer,
        role="facility_officer",
        granted_by=None,
    )

    # When the handler logs in (the key is unlocked and escrowed)
    keys.user_key_unlock(user=keyed_handler, password=PASSWORD)

    # Then the employer holds no copy of the handler's key; their own
    # organisation does
    escrowed = set(
        UserKeyEscrow.objects.filter(user=keyed_handler).values_list(
            "organisation_id", flat=True
        )
    )
    assert employer.pk not in escrowed
    assert escrowed == {keyed_handler.memberships.get(role="handler").organisation_id}


def test_revoked_membership_loses_its_copy_and_the_key_is_replaced(
    keyed_handler, submit_report
):
    # Given a handler who also handled cases for a second organisation, whose
    # escrow therefore holds a copy of the handler's key
    other, other_recovery = _organisation_with_recovery("Otra Defensoría")
    accounts.membership_grant(
        user=keyed_handler, organisation=other, role="handler", granted_by=None
    )
    keys.user_key_unlock(user=keyed_handler, password=PASSWORD)
    copy = UserKeyEscrow.objects.get(user=keyed_handler, organisation=other)
    old_private = crypto.unseal(
        bytes(copy.sealed_private_key), private_key=other_recovery
    )
    # And a report of their own organisation sealed to that key
    report = submit_report(narrative="Nos obligan a firmar renuncias en blanco.")
    grant = ReportKeyGrant.objects.get(report=report, user=keyed_handler)
    report_private = crypto.unseal(bytes(grant.sealed_key), private_key=old_private)

    # When the membership in the second organisation is revoked
    accounts.membership_revoke(
        membership=Membership.objects.get(user=keyed_handler, organisation=other),
        revoked_by=None,
    )

    # Then its escrow copy is gone at once, and no new report is sealed to the key
    assert not UserKeyEscrow.objects.filter(
        user=keyed_handler, organisation=other
    ).exists()
    assert keyed_handler.pk not in keys.member_public_keys(
        organisation_ids={report_org(report)},
        roles={"handler"},
    )

    # And at the next login the keypair is replaced: the old key (which the
    # other organisation could have recovered) opens none of the handler's
    # grants, while the handler still reads the report with the new key
    new_private = keys.user_key_unlock(user=keyed_handler, password=PASSWORD)
    assert new_private != old_private
    stored = UserKey.objects.get(user=keyed_handler)
    assert bytes(stored.public_key) == crypto.public_of(new_private)
    for row in ReportKeyGrant.objects.filter(user=keyed_handler):
        assert bytes(row.recipient_public_key) == bytes(stored.public_key)
    grant = ReportKeyGrant.objects.get(report=report, user=keyed_handler)
    assert (
        crypto.unseal(bytes(grant.sealed_key), private_key=new_private)
        == report_private
    )
    assert all(
        bytes(e.public_key) == bytes(stored.public_key)
        for e in UserKeyEscrow.objects.filter(user=keyed_handler)
    )


def report_org(report):
    return (
        ReportKeyGrant.objects.filter(report=report, user=None).first().organisation_id
    )
