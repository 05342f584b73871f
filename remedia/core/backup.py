"""Encrypted backups of a whole installation: `remedia backup` and `remedia restore`.

One file holds the database (SQLite's online backup, or `pg_dump --format=custom`),
the data directory (sealed attachments and case documents, evidence, the job
queue's SQLite file) and the audit anchor, with a manifest naming each member's
size and SHA-256. The whole is a gzip'd tar stream encrypted to the operator's
public key: a random key is sealed to it (libsodium sealed box) and the stream
is cut into chunks under libsodium's secretstream (XChaCha20-Poly1305), whose
last chunk is marked final, so a reordered, altered or truncated file is
refused. The server keeps only the public key: nothing it holds opens a backup.

Left out on purpose: the secret key file of a developer's data directory and
the environment's secrets (they belong in the secret store, docs/operations.md),
and `static/` (rebuilt by `remedia serve`).

File layout::

    MAGIC (16) | length of the sealed key (2, big-endian) | sealed key |
    secretstream header (24) | { length (4, big-endian) | chunk }...

Every chunk is authenticated together with MAGIC and the sealed key.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import io
import json
import os
import secrets
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, Any

import nacl.bindings as sodium
from django.conf import settings
from django.db import DatabaseError, connection
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

FORMAT_VERSION = 1
MAGIC = b"REMEDIA-BACKUP\x00\x01"
CHUNK_BYTES = 1024 * 1024
PUBLIC_PREFIX = "remedia-backup-public:"
SECRET_PREFIX = "remedia-backup-secret:"  # noqa: S105 - a label, not a secret
MANIFEST = "manifest.json"
DATABASE_MEMBER = {
    "sqlite": "database/remedia.sqlite3",
    "postgresql": "database/remedia.dump",
}
ANCHOR_MEMBER = "anchor/audit-anchor.json"
_TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
_TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
_HEADER_BYTES = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES
_ABYTES = sodium.crypto_secretstream_xchacha20poly1305_ABYTES
# Top-level names of the data directory that are never backed up nor count as
# "something there" when restoring: a developer's secret key (secret store, not
# backups), the static files (`serve` gathers them again), our own staging.
_SKIPPED_TOP = {"secret_key", "static"}
_STAGING_PREFIXES = (".backup-", ".restore-", "wgunicorn-")
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, and what to do."""

    def __init__(self, message: str, *, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --- Keys ---------------------------------------------------------------------------


def keypair_new() -> tuple[str, str]:
    """(secret line, public line) of a new operator keypair, as written to files."""
    private = PrivateKey.generate()
    secret = SECRET_PREFIX + base64.b64encode(bytes(private)).decode()
    public = PUBLIC_PREFIX + base64.b64encode(bytes(private.public_key)).decode()
    return secret, public


def _key_text(value: str, *, what: str) -> tuple[str, str]:
    """(prefix, base64) of a key given as a file's path or as the text itself."""
    text = value.strip()
    path = Path(value)
    if path.exists() or not (
        text.startswith((PUBLIC_PREFIX, SECRET_PREFIX)) or len(text) == 44
    ):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise BackupError(
                f"{what}: cannot read the key file {value!r}", code=2
            ) from None
    lines = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    if len(lines) != 1:
        raise BackupError(f"{what}: expected one key, found {len(lines)} lines", code=2)
    line = lines[0]
    for prefix in (PUBLIC_PREFIX, SECRET_PREFIX):
        if line.startswith(prefix):
            return prefix, line[len(prefix) :]
    return "", line


def _key_bytes(encoded: str, *, what: str) -> bytes:
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise BackupError(f"{what}: not a backup key (32 bytes in base64)", code=2)
    return raw


def recipient_read(value: str) -> bytes:
    """The operator's public key, from its file or its base64 text."""
    prefix, encoded = _key_text(value, what="--recipient")
    if prefix == SECRET_PREFIX:
        raise BackupError(
            "--recipient: this is the SECRET key; give the public one (.pub) and "
            "keep the secret key off this server",
            code=2,
        )
    raw = _key_bytes(encoded, what="--recipient")
    try:
        SealedBox(PublicKey(raw)).encrypt(b"check")
    except CryptoError:
        raise BackupError("--recipient: not a usable public key", code=2) from None
    return raw


def identity_read(value: str) -> bytes:
    """The operator's secret key, from its file."""
    prefix, encoded = _key_text(value, what="--identity")
    if prefix == PUBLIC_PREFIX:
        raise BackupError(
            "--identity: this is the public key; restoring needs the secret key",
            code=2,
        )
    return _key_bytes(encoded, what="--identity")


# --- The encrypted stream --------------------------------------------------------------


class EncryptingWriter(io.RawIOBase):
    """A write-only file that encrypts what it is given to the recipient."""

    def __init__(self, out: IO[bytes], *, recipient: bytes) -> None:
        super().__init__()
        self._out = out
        key = sodium.crypto_secretstream_xchacha20poly1305_keygen()
        sealed = SealedBox(PublicKey(recipient)).encrypt(key)
        self._ad = MAGIC + struct.pack(">H", len(sealed)) + sealed
        self._state = sodium.crypto_secretstream_xchacha20poly1305_state()
        header = sodium.crypto_secretstream_xchacha20poly1305_init_push(
            self._state, key
        )
        out.write(self._ad + header)
        self._buffer = bytearray()
        self.written = len(self._ad) + len(header)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._buffer += data
        while len(self._buffer) >= CHUNK_BYTES:
            self._push(bytes(self._buffer[:CHUNK_BYTES]), _TAG_MESSAGE)
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def _push(self, plain: bytes, tag: int) -> None:
        chunk = sodium.crypto_secretstream_xchacha20poly1305_push(
            self._state, plain, self._ad, tag
        )
        self._out.write(struct.pack(">I", len(chunk)) + chunk)
        self.written += 4 + len(chunk)

    def close(self) -> None:
        if not self.closed:
            self._push(bytes(self._buffer), _TAG_FINAL)
            self._buffer.clear()
        super().close()


def _read_exact(source: IO[bytes], size: int) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise BackupError("the backup file is cut short (truncated or damaged)")
    return data


class DecryptingReader(io.RawIOBase):
    """A read-only file of the plaintext of an encrypted backup."""

    def __init__(self, source: IO[bytes], *, identity: bytes) -> None:
        super().__init__()
        self._source = source
        magic = source.read(len(MAGIC))
        if magic != MAGIC:
            raise BackupError(
                "not a Remedia backup (or one of another format version)", code=2
            )
        (sealed_len,) = struct.unpack(">H", _read_exact(source, 2))
        sealed = _read_exact(source, sealed_len)
        try:
            key = SealedBox(PrivateKey(identity)).decrypt(sealed)
        except CryptoError:
            raise BackupError(
                "this key does not open the backup: it was made for another "
                "operator key",
                code=2,
            ) from None
        self._ad = magic + struct.pack(">H", sealed_len) + sealed
        self._state = sodium.crypto_secretstream_xchacha20poly1305_state()
        header = _read_exact(source, _HEADER_BYTES)
        sodium.crypto_secretstream_xchacha20poly1305_init_pull(self._state, header, key)
        self._pending = b""
        self._offset = 0
        self._finished = False

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> None:
        length_bytes = self._source.read(4)
        if len(length_bytes) < 4:
            raise BackupError("the backup file is cut short (truncated or damaged)")
        (length,) = struct.unpack(">I", length_bytes)
        if length < _ABYTES or length > CHUNK_BYTES + _ABYTES:
            raise BackupError("the backup file is damaged or was altered")
        chunk = _read_exact(self._source, length)
        try:
            plain, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(
                self._state, chunk, self._ad
            )
        except CryptoError:
            raise BackupError("the backup file is damaged or was altered") from None
        if tag == _TAG_FINAL:
            if self._source.read(1):
                raise BackupError("the backup file is damaged or was altered")
            self._finished = True
        self._pending = self._pending[self._offset :] + plain
        self._offset = 0

    def read(self, size: int = -1) -> bytes:
        # An offset into the decrypted chunk, not a new copy at every small read.
        while not self._finished and (
            size < 0 or len(self._pending) - self._offset < size
        ):
            self._next_chunk()
        available = len(self._pending) - self._offset
        size = available if size < 0 else min(size, available)
        data = self._pending[self._offset : self._offset + size]
        self._offset += size
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    @property
    def finished(self) -> bool:
        return self._finished


# --- What is backed up ---------------------------------------------------------------


def database_vendor() -> str:
    return connection.vendor


def _sqlite_path() -> Path | None:
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name).resolve()


def _under_data_dir(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.relative_to(Path(settings.DATA_DIR).resolve()).as_posix()
    except ValueError:
        return None


def _anchor_path() -> Path:
    return Path(settings.REMEDIA_AUDIT_ANCHOR_FILE)


def _skipped(rel: PurePosixPath) -> bool:
    """Whether a path of the data directory is left out (database files apart)."""
    top = rel.parts[0]
    if top in _SKIPPED_TOP or top.startswith(_STAGING_PREFIXES):
        return True
    for special in (_under_data_dir(_sqlite_path()), _under_data_dir(_anchor_path())):
        if special and (
            str(rel) == special
            or any(str(rel) == special + side for side in _SQLITE_SIDE_FILES)
        ):
            return True
    return False


def data_files() -> Iterator[tuple[str, Path]]:
    """(path relative to the data directory, absolute path) of each file to keep."""
    root = Path(settings.DATA_DIR).resolve()
    for directory, dirnames, filenames in os.walk(root):
        base = Path(directory)
        if base == root:
            # Static files and our own staging are never walked into.
            dirnames[:] = [
                d
                for d in dirnames
                if d not in _SKIPPED_TOP and not d.startswith(_STAGING_PREFIXES)
            ]
        dirnames.sort()
        for name in sorted(filenames):
            path = base / name
            rel = PurePosixPath(path.relative_to(root).as_posix())
            if _skipped(rel) or path.is_symlink() or not path.is_file():
                continue
            if (
                str(rel).endswith(_SQLITE_SIDE_FILES)
                and (base / name.rsplit("-", 1)[0]).exists()
            ):
                continue
            yield str(rel), path


def _is_sqlite(path: Path) -> bool:
    if not path.name.endswith((".sqlite3", ".sqlite", ".db")):
        return False
    with path.open("rb") as handle:
        return handle.read(16) == b"SQLite format 3\x00"


def _sqlite_copy(source: sqlite3.Connection, target: Path) -> None:
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()


def latest_migrations() -> dict[str, str]:
    """The latest applied migration of each app (by name), from the database."""
    from django.db.migrations.recorder import MigrationRecorder

    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if app not in latest or name > latest[app]:
            latest[app] = name
    return dict(sorted(latest.items()))


def remedia_version() -> str:
    try:
        return metadata.version("remedia")
    except metadata.PackageNotFoundError:
        return "unknown"


def _pg_environment() -> dict[str, str]:
    """libpq's variables for the settings' database: no password on a command line."""
    db = connection.settings_dict
    # libpq variables of the environment (PGSSLMODE, ...) serve Django's own
    # connection too; what the settings name wins.
    env = dict(os.environ)
    pairs = {
        "PGDATABASE": db.get("NAME"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
    }
    options = db.get("OPTIONS") or {}
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("passfile", "PGPASSFILE"),
    ):
        pairs[variable] = options.get(option)
    env.update({key: str(value) for key, value in pairs.items() if value})
    return env


def _run_pg(tool: str, arguments: list[str]) -> None:
    binary = shutil.which(tool)
    if binary is None:
        raise BackupError(
            f"{tool} is not installed (Debian: apt-get install postgresql-client)",
            code=2,
        )
    finished = subprocess.run(  # noqa: S603 - our own arguments, no shell
        [binary, "--no-password", *arguments],
        env=_pg_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        # libpq and pg_dump name the database and the failing object, never a
        # password (it is in the environment only) nor row contents.
        detail = " | ".join(finished.stderr.strip().splitlines()[-3:])
        raise BackupError(f"{tool} failed (exit {finished.returncode}): {detail}")


@dataclass
class Member:
    path: str
    size: int
    sha256: str


class _HashingReader(io.RawIOBase):
    def __init__(self, handle: IO[bytes]) -> None:
        super().__init__()
        self._handle = handle
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.digest.update(data)
        return data


def _add_file(archive: tarfile.TarFile, name: str, path: Path) -> Member:
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        info = tarfile.TarInfo(name)
        info.size = size
        info.mtime = int(os.fstat(handle.fileno()).st_mtime)
        info.mode = 0o600
        reader = _HashingReader(handle)
        archive.addfile(info, reader)
    return Member(path=name, size=size, sha256=reader.digest.hexdigest())


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> Member:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))
    return Member(path=name, size=len(data), sha256=hashlib.sha256(data).hexdigest())


@dataclass
class BackupSummary:
    path: Path
    files: int
    data_bytes: int
    database_bytes: int
    archive_bytes: int
    seconds: float
    vanished: int = 0


def _staging_dir(prefix: str) -> Path:
    """A private working directory under the data directory (same filesystem).

    One left by a run that was killed (it may hold a database copy) is removed
    once a day old; a run under way is never that long.
    """
    root = Path(settings.DATA_DIR)
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob(f"{prefix}*"):
        if stale.is_dir() and time.time() - stale.stat().st_mtime > 24 * 3600:
            shutil.rmtree(stale, ignore_errors=True)
    path = root / f"{prefix}{secrets.token_hex(6)}"
    path.mkdir(mode=0o700)
    return path


def _destination(to: Path) -> Path:
    if _under_data_dir(to.resolve()) is not None:
        # The next backup would hold this one, and so on.
        raise BackupError(
            f"{to} is inside the data directory; write backups elsewhere", code=2
        )
    if to.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        return to / f"remedia-{stamp}.backup"
    if to.exists():
        raise BackupError(f"{to} already exists; give a new file name", code=2)
    if not to.parent.is_dir():
        raise BackupError(f"{to.parent} is not a directory", code=2)
    return to


def backup_write(*, to: Path, recipient: bytes) -> BackupSummary:
    """Write one encrypted backup of the database and the data directory."""
    started = time.monotonic()
    destination = _destination(to)
    partial = destination.with_name(destination.name + ".partial")
    vendor = database_vendor()
    if vendor not in DATABASE_MEMBER:
        raise BackupError(f"cannot back up a {vendor} database", code=2)
    staging = _staging_dir(".backup-")
    members: list[Member] = []
    vanished = 0
    try:
        # The anchor first: an audit check running meanwhile may only anchor a
        # tip the database dump then holds (an older anchor is always fine).
        anchor = _anchor_path()
        anchor_bytes = anchor.read_bytes() if anchor.is_file() else None
        migrations = latest_migrations()
        dump = staging / Path(DATABASE_MEMBER[vendor]).name
        if vendor == "sqlite":
            connection.ensure_connection()
            _sqlite_copy(connection.connection, dump)
        else:
            _run_pg("pg_dump", ["--format=custom", f"--file={dump}"])
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            writer = EncryptingWriter(out, recipient=recipient)
            with gzip.GzipFile(
                fileobj=writer, mode="wb", compresslevel=5, mtime=0
            ) as compressed:
                with tarfile.open(fileobj=compressed, mode="w|") as archive:
                    database = _add_file(archive, DATABASE_MEMBER[vendor], dump)
                    dump.unlink()
                    if anchor_bytes is not None:
                        members.append(_add_bytes(archive, ANCHOR_MEMBER, anchor_bytes))
                    for rel, path in data_files():
                        name = f"data/{rel}"
                        try:
                            if _is_sqlite(path):
                                # A live SQLite file (the job queue) is copied
                                # through its own online backup, never mid-write.
                                copy = staging / "sqlite-copy"
                                source = sqlite3.connect(
                                    f"file:{path}?mode=ro", uri=True
                                )
                                try:
                                    _sqlite_copy(source, copy)
                                finally:
                                    source.close()
                                members.append(_add_file(archive, name, copy))
                                copy.unlink()
                            else:
                                members.append(_add_file(archive, name, path))
                        except FileNotFoundError:
                            # Destroyed meanwhile (retention): not in this backup.
                            vanished += 1
                    manifest = {
                        "format": FORMAT_VERSION,
                        "created_at": datetime.now(UTC).isoformat(),
                        "remedia_version": remedia_version(),
                        "database": {
                            "vendor": vendor,
                            "member": database.path,
                            "size": database.size,
                            "sha256": database.sha256,
                        },
                        "migrations": migrations,
                        "files": [m.__dict__ for m in members],
                    }
                    _add_bytes(
                        archive,
                        MANIFEST,
                        json.dumps(manifest, indent=1, sort_keys=True).encode(),
                    )
            writer.close()
            out.flush()
            os.fsync(out.fileno())
            archive_bytes = writer.written
        os.replace(partial, destination)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    data_members = [m for m in members if m.path.startswith("data/")]
    return BackupSummary(
        path=destination,
        files=len(data_members),
        data_bytes=sum(m.size for m in data_members),
        database_bytes=database.size,
        archive_bytes=archive_bytes,
        seconds=time.monotonic() - started,
        vanished=vanished,
    )


# --- Restore --------------------------------------------------------------------------


def _sqlite_has_rows(path: Path) -> bool:
    """Whether an SQLite file holds any table with a row (or cannot be read)."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return True
    try:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return any(
            db.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone()  # noqa: S608
            for table in tables
        )
    except sqlite3.Error:
        return True
    finally:
        db.close()


def database_tables() -> int:
    """How many tables the target database has (a restore needs none)."""
    if connection.vendor == "sqlite":
        path = _sqlite_path()
        if path is None:
            raise BackupError(
                "restore needs an SQLite database file, not memory", code=2
            )
        if not path.exists() or path.stat().st_size == 0:
            return 0
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (count,) = db.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'"
            ).fetchone()
        finally:
            db.close()
        return int(count)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
        (count,) = cursor.fetchone()
    return int(count)


def data_dir_occupied() -> list[str]:
    """Files of the target data directory a restore would not overwrite safely.

    Empty SQLite files (the job queue opens its own on start) and what a backup
    never holds (static files, a developer's secret key) do not count.
    """
    found = []
    for rel, path in data_files():
        if _is_sqlite(path) and not _sqlite_has_rows(path):
            continue
        found.append(rel)
    if _anchor_path().exists():
        found.append(str(_anchor_path()))
    return found


def _safe_member(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if (
        path.is_absolute()
        or ".." in path.parts
        or not path.parts
        or (name != MANIFEST and path.parts[0] not in {"database", "data", "anchor"})
    ):
        raise BackupError("the backup holds an unexpected member; refused")
    return path


@dataclass
class Opened:
    manifest: dict[str, Any]
    staging: Path
    members: dict[str, Member] = field(default_factory=dict)


def _unpack(source: IO[bytes], *, identity: bytes, staging: Path) -> Opened:
    """Decrypt and unpack into `staging`; verify every member against the manifest."""
    reader = DecryptingReader(source, identity=identity)
    seen: dict[str, Member] = {}
    manifest: dict[str, Any] | None = None
    try:
        with gzip.GzipFile(fileobj=reader, mode="rb") as plain:
            with tarfile.open(fileobj=plain, mode="r|") as archive:
                for info in archive:
                    if not info.isfile():
                        raise BackupError(
                            "the backup holds an unexpected member; refused"
                        )
                    rel = _safe_member(info.name)
                    if info.name in seen or (info.name == MANIFEST and manifest):
                        raise BackupError("the backup holds a member twice; refused")
                    extracted = archive.extractfile(info)
                    if extracted is None:
                        raise BackupError(
                            "the backup holds an unexpected member; refused"
                        )
                    if info.name == MANIFEST:
                        manifest = json.loads(extracted.read())
                        continue
                    target = staging / rel
                    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                    digest = hashlib.sha256()
                    with target.open("wb") as out:
                        while block := extracted.read(CHUNK_BYTES):
                            digest.update(block)
                            out.write(block)
                    seen[info.name] = Member(info.name, info.size, digest.hexdigest())
        # Whatever follows the tar's end must still be read: the last chunk is
        # what proves the file was not cut short.
        while reader.read(CHUNK_BYTES):
            pass
    except (tarfile.TarError, OSError, EOFError, json.JSONDecodeError) as exc:
        raise BackupError(
            f"the backup's contents cannot be read ({type(exc).__name__})"
        ) from None
    if not reader.finished:
        raise BackupError("the backup file is cut short (truncated or damaged)")
    if manifest is None or manifest.get("format") != FORMAT_VERSION:
        raise BackupError("the backup has no manifest of a known format; refused")
    listed = {m["path"]: m for m in manifest.get("files", [])}
    database = manifest.get("database") or {}
    listed[database.get("member", "")] = database
    if set(listed) != set(seen):
        raise BackupError("the backup's members differ from its manifest; refused")
    for name, member in seen.items():
        if (listed[name].get("size"), listed[name].get("sha256")) != (
            member.size,
            member.sha256,
        ):
            raise BackupError(f"checksum mismatch for {name}; refused")
    return Opened(manifest=manifest, staging=staging, members=seen)


def _check_migrations(manifest: dict[str, Any]) -> None:
    from django.db.migrations.loader import MigrationLoader

    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = [
        f"{app}.{name}"
        for app, name in manifest.get("migrations", {}).items()
        if (app, name) not in known
    ]
    if unknown:
        raise BackupError(
            "the backup comes from a newer or different Remedia (migrations "
            f"unknown here: {', '.join(unknown[:5])}); install that version "
            f"({manifest.get('remedia_version')}) first",
            code=2,
        )


@dataclass
class RestoreSummary:
    files: int
    database_bytes: int
    created_at: str
    remedia_version: str
    seconds: float


def restore_read(
    *, source: Path, identity: bytes, progress: Callable[[str], None]
) -> RestoreSummary:
    """Restore a backup into the empty database and data directory of the settings."""
    started = time.monotonic()
    vendor = database_vendor()
    if vendor not in DATABASE_MEMBER:
        raise BackupError(f"cannot restore into a {vendor} database", code=2)
    if not source.is_file():
        raise BackupError(f"{source} is not a file", code=2)
    try:
        tables = database_tables()
    except (DatabaseError, sqlite3.Error) as exc:
        raise BackupError(
            f"cannot open the target database ({type(exc).__name__}): create it "
            "first (PostgreSQL: createdb), empty; nothing was changed",
            code=2,
        ) from None
    if tables:
        raise BackupError(
            f"the target database is not empty ({tables} tables): restore only into "
            "a new, empty database (do not run `remedia migrate` first); nothing "
            "was changed",
            code=3,
        )
    occupied = data_dir_occupied()
    if occupied:
        raise BackupError(
            f"the data directory {settings.DATA_DIR} is not empty ({len(occupied)} "
            f"files, e.g. {', '.join(occupied[:3])}): restore only into an empty "
            "one; nothing was changed",
            code=3,
        )
    staging = _staging_dir(".restore-")
    try:
        with source.open("rb") as handle:
            opened = _unpack(handle, identity=identity, staging=staging)
        manifest = opened.manifest
        if manifest["database"]["vendor"] != vendor:
            raise BackupError(
                f"this is a {manifest['database']['vendor']} backup; the target "
                f"database is {vendor}; nothing was changed",
                code=2,
            )
        _check_migrations(manifest)
        progress(
            f"backup verified: made {manifest['created_at']} by Remedia "
            f"{manifest['remedia_version']}, {len(manifest['files'])} files"
        )
        dump = staging / manifest["database"]["member"]
        if vendor == "sqlite":
            target = _sqlite_path()
            if target is None:
                raise BackupError("restore needs an SQLite database file", code=2)
            connection.close()
            target.parent.mkdir(parents=True, exist_ok=True)
            for side in _SQLITE_SIDE_FILES:
                Path(str(target) + side).unlink(missing_ok=True)
            temporary = target.with_name(target.name + ".restoring")
            shutil.copyfile(dump, temporary)
            os.chmod(temporary, 0o600)
            os.replace(temporary, target)
        else:
            connection.close()
            _run_pg(
                "pg_restore",
                [
                    "--exit-on-error",
                    "--single-transaction",
                    "--no-owner",
                    "--no-privileges",
                    f"--dbname={connection.settings_dict['NAME']}",
                    str(dump),
                ],
            )
        progress("database restored")
        root = Path(settings.DATA_DIR)
        count = 0
        for name in sorted(opened.members):
            staged = staging / name
            if name.startswith("data/"):
                target = root / name[len("data/") :]
            elif name == ANCHOR_MEMBER:
                target = _anchor_path()
            else:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            # An empty job queue the target opened on start gives way, with its
            # journal files (they belong to the file being replaced).
            for side in _SQLITE_SIDE_FILES:
                Path(str(target) + side).unlink(missing_ok=True)
            shutil.move(str(staged), str(target))
            count += name.startswith("data/")
        progress(f"{count} files restored into {root}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreSummary(
        files=count,
        database_bytes=int(manifest["database"]["size"]),
        created_at=str(manifest["created_at"]),
        remedia_version=str(manifest["remedia_version"]),
        seconds=time.monotonic() - started,
    )


def pending_migrations() -> list[str]:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, _backwards in plan]
