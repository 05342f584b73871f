"""Sealed records: grants, documents and notes open only with the record's key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from remedia.core import crypto
from remedia.core.sealed import (
    document_open,
    document_seal,
    file_kept,
    grant_open,
    grant_seal,
    json_open,
    json_seal,
    note_open,
    note_seal,
)
from remedia.intake.models import Attachment, Channel, Report, ReportKeyGrant
from tests.support.factories.accounts import OrganisationFactory, UserFactory


def test_a_note_opens_only_with_the_records_private_key():
    record = crypto.keypair_new()
    other = crypto.keypair_new()

    sealed = note_seal("Llamó la trabajadora.", public_key=record.public)

    assert b"trabajadora" not in sealed
    assert note_open(sealed, private_key=record.private) == "Llamó la trabajadora."
    with pytest.raises(crypto.DecryptionFailed):
        note_open(sealed, private_key=other.private)
    assert json_open(
        json_seal({"name": "ñ.pdf"}, public_key=record.public),
        private_key=record.private,
    ) == {"name": "ñ.pdf"}


def test_a_document_is_stored_encrypted_and_opened_with_its_name(tmp_path: Path):
    record = crypto.keypair_new()

    sealed = document_seal(
        data=b"%PDF contenido",
        content_type="application/pdf",
        name="acta.pdf",
        public_key=record.public,
        directory=tmp_path,
    )

    assert sealed.path.parent == tmp_path
    assert b"contenido" not in sealed.path.read_bytes()
    assert sealed.fields()["size"] == len(b"%PDF contenido")
    document = Attachment(**sealed.fields())
    meta, data = document_open(document, private_key=record.private, directory=tmp_path)
    assert (meta, data) == ({"name": "acta.pdf"}, b"%PDF contenido")


def test_file_kept_removes_the_file_when_the_row_is_not_written(tmp_path: Path):
    path = tmp_path / "blob.bin"
    path.write_bytes(b"x")

    with pytest.raises(RuntimeError), file_kept(path):
        raise RuntimeError("the transaction failed")

    assert not path.exists()
    kept = tmp_path / "kept.bin"
    kept.write_bytes(b"x")
    with file_kept(kept):
        pass
    assert kept.exists()


def _report(public_key: bytes) -> Report:
    return Report.objects.create(
        channel=Channel.WEB,
        state="MX-AGU",
        public_key=public_key,
        content=b"",
        receipt_lookup=os.urandom(32),
        reporter_wrapped_key=b"",
    )


@pytest.mark.django_db
def test_grants_are_added_once_replaced_when_a_key_changes_and_open():
    # given a report, a user with a key and an organisation's escrow key
    record = crypto.keypair_new()
    report = _report(record.public)
    user = UserFactory(password=None)
    old, new = crypto.keypair_new(), crypto.keypair_new()
    escrow = crypto.keypair_new()
    organisation = OrganisationFactory()

    def seal(user_public: bytes) -> int:
        return grant_seal(
            model=ReportKeyGrant,
            owner={"report": report},
            private=record.private,
            user_keys={user.pk: user_public},
            escrow_keys={organisation.pk: escrow.public},
        )

    def opened(private: bytes) -> bytes | None:
        return grant_open(
            model=ReportKeyGrant,
            owner={"report": report},
            user=user,
            user_private_key=private,
        )

    # when the grants are sealed, sealed again, then sealed to a new key
    assert seal(old.public) == 2
    assert seal(old.public) == 0
    assert opened(old.private) == record.private
    assert seal(new.public) == 1

    # then the old key opens nothing, the new one does, and the escrow stays
    assert opened(old.private) is None
    assert opened(new.private) == record.private
    assert opened(None) is None  # type: ignore[arg-type]
    assert ReportKeyGrant.objects.filter(report=report).count() == 2
    escrow_grant = ReportKeyGrant.objects.get(report=report, organisation=organisation)
    assert (
        crypto.unseal(bytes(escrow_grant.sealed_key), private_key=escrow.private)
        == record.private
    )
