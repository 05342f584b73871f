"""Issue 15.9: the receipt hash mixes in a key the database does not hold, and
receipts made before that (or under a previous secret key) keep working."""

from __future__ import annotations

import pytest

from remedia.core import crypto
from remedia.intake import services as intake
from remedia.intake.models import IntakeConfiguration, Report


@pytest.fixture
def made(receiving_org, hand_in):
    submitted = hand_in(
        narrative="Nos amenazan con despedirnos si hablamos con el sindicato."
    )
    return submitted.report, submitted.receipt


def _database_salt() -> bytes:
    return bytes(IntakeConfiguration.objects.get(id=1).receipt_salt)


def test_a_database_thief_cannot_test_a_receipt_guess(made):
    # Given a report and everything the database holds (the site-wide salt)
    report, receipt = made
    report.refresh_from_db()

    # When a thief hashes even the right receipt with what the database holds
    guess = crypto.receipt_derive(receipt, salt=_database_salt())

    # Then it matches no stored lookup and opens no reporter key
    assert bytes(report.receipt_lookup) != guess.lookup
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unwrap(bytes(report.reporter_wrapped_key), key=guess.key)
    # While the reporter opens the report as always
    assert intake.reporter_open(receipt=receipt).report.pk == report.pk


def _make_legacy(report: Report, receipt: str) -> None:
    """Store the report as a release before the pepper did."""
    private = intake.reporter_open(receipt=receipt).private_key
    legacy = crypto.receipt_derive(receipt, salt=_database_salt())
    Report.objects.filter(pk=report.pk).update(
        receipt_lookup=legacy.lookup,
        reporter_wrapped_key=crypto.wrap(private, key=legacy.key),
    )


def test_a_receipt_made_before_the_pepper_still_opens_and_is_upgraded(made):
    # Given a report stored before the upgrade (no pepper)
    report, receipt = made
    _make_legacy(report, receipt)

    # When its reporter follows up with the receipt
    access = intake.reporter_open(receipt=receipt)

    # Then it opens, and is stored peppered from now on
    assert access.report.pk == report.pk
    report.refresh_from_db()
    legacy = crypto.receipt_derive(receipt, salt=_database_salt())
    assert bytes(report.receipt_lookup) != legacy.lookup
    assert intake.reporter_open(receipt=receipt).private_key == access.private_key


def test_a_receipt_opens_after_the_secret_key_rotates_with_the_old_one_kept(
    made, settings
):
    # Given a report made under the current secret key
    report, receipt = made
    old = settings.SECRET_KEY

    # When the key is rotated with the old one kept as a fallback
    settings.SECRET_KEY = "a new secret key that is long enough to be accepted " * 2
    settings.SECRET_KEY_FALLBACKS = [old]

    # Then the receipt opens, and the report is re-peppered under the new key
    access = intake.reporter_open(receipt=receipt)
    assert access.report.pk == report.pk
    settings.SECRET_KEY_FALLBACKS = []
    assert intake.reporter_open(receipt=receipt).report.pk == report.pk
