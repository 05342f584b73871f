"""The backup file's format: what restore checks before it writes anything.

A file encrypted to the operator's key can be made by anyone holding the
public key, so the manifest is checked too: every member listed with its size
and SHA-256, nothing more, no path leaving the staging directory.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pytest
from nacl.public import PrivateKey

from remedia.core import backup

ALL = backup.DATABASE_MEMBER["sqlite"]


def _archive(
    members: dict[str, bytes], manifest: dict | None, key: PrivateKey
) -> bytes:
    out = io.BytesIO()
    writer = backup.EncryptingWriter(out, recipient=bytes(key.public_key))
    with gzip.GzipFile(fileobj=writer, mode="wb") as compressed:
        with tarfile.open(fileobj=compressed, mode="w|") as archive:
            items = dict(members)
            if manifest is not None:
                items[backup.MANIFEST] = json.dumps(manifest).encode()
            for name, data in items.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    writer.close()
    return out.getvalue()


def _manifest(members: dict[str, bytes]) -> dict:
    def entry(name: str) -> dict:
        data = members[name]
        return {
            "path": name,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }

    return {
        "format": backup.FORMAT_VERSION,
        "database": {"vendor": "sqlite", "member": ALL, **entry(ALL)},
        "files": [entry(n) for n in members if n != ALL],
    }


def _unpack(data: bytes, key: PrivateKey, staging: Path) -> backup.Opened:
    staging.mkdir(exist_ok=True)
    return backup._unpack(io.BytesIO(data), identity=bytes(key), staging=staging)


MEMBERS = {ALL: b"SQLite format 3\x00...", "data/attachments/a.bin": b"\x01" * 3000}


def test_a_good_archive_unpacks_with_every_member_checked(tmp_path):
    key = PrivateKey.generate()
    opened = _unpack(_archive(MEMBERS, _manifest(MEMBERS), key), key, tmp_path / "s")
    assert set(opened.members) == set(MEMBERS)
    assert (tmp_path / "s" / "data/attachments/a.bin").read_bytes() == MEMBERS[
        "data/attachments/a.bin"
    ]


@pytest.mark.parametrize(
    ("members", "manifest_of", "message"),
    [
        # A file whose content is not what the manifest says.
        (
            {**MEMBERS, "data/attachments/a.bin": b"\x02" * 3000},
            MEMBERS,
            "checksum mismatch",
        ),
        # A file the manifest does not list, or one it lists that is missing.
        ({**MEMBERS, "data/extra.bin": b"x"}, MEMBERS, "differ from its manifest"),
        ({ALL: MEMBERS[ALL]}, MEMBERS, "differ from its manifest"),
        # A path that would leave the staging directory.
        ({**MEMBERS, "data/../../fuera.txt": b"x"}, None, "unexpected member"),
        ({**MEMBERS, "/etc/cron.d/x": b"x"}, None, "unexpected member"),
    ],
)
def test_an_archive_that_differs_from_its_manifest_is_refused(
    tmp_path, members, manifest_of, message
):
    key = PrivateKey.generate()
    manifest = _manifest(manifest_of) if manifest_of else _manifest(MEMBERS)
    with pytest.raises(backup.BackupError, match=message):
        _unpack(_archive(members, manifest, key), key, tmp_path / "s")
    assert not (tmp_path / "fuera.txt").exists()


def test_an_archive_without_a_manifest_is_refused(tmp_path):
    key = PrivateKey.generate()
    with pytest.raises(backup.BackupError, match="no manifest"):
        _unpack(_archive(MEMBERS, None, key), key, tmp_path / "s")


def test_chunks_out_of_order_or_a_missing_last_chunk_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(backup, "CHUNK_BYTES", 1024)
    key = PrivateKey.generate()
    big = {ALL: MEMBERS[ALL], "data/b.bin": os.urandom(8000)}
    data = _archive(big, _manifest(big), key)
    header = len(backup.MAGIC) + 2 + 80 + 24
    chunks, rest = [], data[header:]
    while rest:
        length = int.from_bytes(rest[:4], "big")
        chunks.append(rest[: 4 + length])
        rest = rest[4 + length :]
    assert len(chunks) >= 3
    swapped = data[:header] + chunks[1] + chunks[0] + b"".join(chunks[2:])
    with pytest.raises(backup.BackupError, match="altered"):
        _unpack(swapped, key, tmp_path / "s1")
    dropped = data[:header] + b"".join(chunks[:-1])
    with pytest.raises(backup.BackupError, match="cut short"):
        _unpack(dropped, key, tmp_path / "s2")


def test_keys_are_read_from_files_or_text_and_never_mixed_up(tmp_path):
    secret, public = backup.keypair_new()
    (tmp_path / "k").write_text(f"# comentario\n{secret}\n")
    (tmp_path / "k.pub").write_text(f"{public}\n")
    raw_public = backup.recipient_read(str(tmp_path / "k.pub"))
    assert backup.recipient_read(public) == raw_public
    assert backup.recipient_read(public.split(":", 1)[1]) == raw_public
    raw_secret = backup.identity_read(str(tmp_path / "k"))
    assert bytes(PrivateKey(raw_secret).public_key) == raw_public
    with pytest.raises(backup.BackupError, match="SECRET key"):
        backup.recipient_read(str(tmp_path / "k"))
    with pytest.raises(backup.BackupError, match="public key"):
        backup.identity_read(str(tmp_path / "k.pub"))


def test_a_backup_from_a_newer_remedia_is_refused_by_its_migrations():
    from django.db import connection

    known = backup.latest_migrations()
    assert known["core"]  # the test database is migrated
    backup._check_migrations({"migrations": known})
    with pytest.raises(backup.BackupError, match=r"newer or different Remedia"):
        backup._check_migrations(
            {
                "migrations": {**known, "core": "9999_from_the_future"},
                "remedia_version": "9",
            }
        )
    assert connection.vendor in backup.DATABASE_MEMBER
