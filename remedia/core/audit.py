"""The audit log: one service to append, one to verify.

Later capabilities call `audit_record` for every read and write of a case,
report or victim file. Entries never carry sensitive values (no narrative, no
message, no contact detail, no receipt): ids, actions and small facts only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from remedia.core import crypto
from remedia.core.models import AuditEntry, AuditHead

logger = logging.getLogger(__name__)

GENESIS = "0" * 64


def _key() -> bytes:
    # The chain's key is HMAC(secret key, fixed label), as it was from the start:
    # every stored entry is verified with it, so it is kept rather than moved to
    # `crypto.subkey` (which would break verification of the existing log). It
    # is a sound per-purpose key now that no use of the secret key hashes
    # caller-chosen input with it (issue 15.11).
    return hmac.new(
        settings.SECRET_KEY.encode(), b"remedia.audit.v1", hashlib.sha256
    ).digest()


def _digest(
    *,
    key: bytes,
    seq: int,
    at: datetime,
    actor_id: str,
    actor_label: str,
    organisation_id: str,
    action: str,
    object_type: str,
    object_id: str,
    data: dict[str, Any],
    prev_digest: str,
) -> str:
    payload = json.dumps(
        {
            "seq": seq,
            "at": at.astimezone(UTC).isoformat(),
            "actor_id": actor_id,
            "actor_label": actor_label,
            "organisation_id": organisation_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "data": data,
            "prev": prev_digest,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def audit_record(
    *,
    action: str,
    actor: Any = None,
    actor_label: str = "",
    organisation: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry; it commits or rolls back with the caller's transaction."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    actor_id = ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_id = str(actor.pk)
        actor_label = actor_label or actor.get_username()
    organisation_id = str(organisation.pk) if organisation is not None else ""
    data = json.loads(json.dumps(data or {}, default=str))
    # Microseconds are dropped so every database gives back the very value hashed.
    at = timezone.now().replace(microsecond=0)
    # Inside a caller's transaction no savepoint is needed: the entry and the
    # caller's writes stand or fall together.
    with transaction.atomic(savepoint=False):
        seq, prev_digest = _lock_head()
        seq += 1
        digest = _digest(
            key=_key(),
            seq=seq,
            at=at,
            actor_id=actor_id,
            actor_label=actor_label,
            organisation_id=organisation_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            data=data,
            prev_digest=prev_digest,
        )
        entry = AuditEntry(
            seq=seq,
            at=at,
            actor_id=actor_id,
            actor_label=actor_label,
            organisation_id=organisation_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            data=data,
            prev_digest=prev_digest,
            digest=digest,
        )
        _append(entry)
    logger.debug(
        "audit.recorded",
        extra={"seq": seq, "action": action, "object_type": object_type},
    )
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry


# Every append is serialised on the head row, from the moment it is locked until
# the caller commits; concurrent writers queue behind it. So the locked span is
# kept to as few round trips and as little Python as possible: one to lock and
# read the head, one to write the entry and move the head (a single statement on
# PostgreSQL), then the caller's commit. Under load a worker thread that waits for
# the GIL after each round trip holds up every other writer meanwhile, so each
# round trip saved there counts many times over.
_ENTRY_COLUMNS = (
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "organisation_id",
    "action",
    "object_type",
    "object_id",
    "data",
    "prev_digest",
    "digest",
)


def _lock_head() -> tuple[int, str]:
    head = connection.ops.quote_name(AuditHead._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seq, digest FROM {head} WHERE id = 1{lock}")  # noqa: S608 (names from the model)
        row = cursor.fetchone()
    if row is None:
        # Core migration 0001 creates the head; without it there is no chain.
        raise AuditHead.DoesNotExist("the audit head row is missing")
    return int(row[0]), str(row[1])


def _append(entry: AuditEntry) -> None:
    qn = connection.ops.quote_name
    meta = AuditEntry._meta
    by_name = {f.name: f for f in meta.concrete_fields}
    fields = [by_name[c] for c in _ENTRY_COLUMNS]
    columns = ", ".join(qn(str(f.column)) for f in fields)
    values = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields]
    placeholders = ", ".join(["%s"] * len(values))
    insert = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    move = (
        f"UPDATE {qn(AuditHead._meta.db_table)} SET seq = %s, digest = %s WHERE id = 1"  # noqa: S608
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH entry AS ({insert}) {move}",
                [*values, entry.seq, entry.digest],
            )
        else:
            cursor.execute(insert, values)
            cursor.execute(move, [entry.seq, entry.digest])


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    problem: ChainProblem | None
    # The digest of the last entry verified (GENESIS for an empty log).
    tip: str = GENESIS

    @property
    def ok(self) -> bool:
        return self.problem is None


# --- The anchor outside the database -----------------------------------------------
#
# Entry digests need the secret key, but the head row does not bind anything the
# entries do not: someone with the database can cut the tail and set the head to
# the entry left last. So the verified tip (sequence number, digest, and an HMAC
# of both under a subkey the database does not hold) is written outside the
# database, to a file in the data directory and to the log, after each good
# verification; a later verification fails if the log no longer reaches it.


def _anchor_mac(*, seq: int, digest: str) -> str:
    return hmac.new(
        crypto.subkey("core.audit.anchor"),
        f"{seq}:{digest}".encode(),
        hashlib.sha256,
    ).hexdigest()


@dataclass(frozen=True)
class Anchor:
    seq: int
    digest: str
    at: str


class AnchorInvalid(Exception):
    pass


def _anchor_path() -> Path:
    return Path(settings.REMEDIA_AUDIT_ANCHOR_FILE)


def audit_anchor_read() -> Anchor | None:
    """The anchored tip, None if none was written yet; AnchorInvalid if forged."""
    path = _anchor_path()
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text())
        seq, digest, mac = int(raw["seq"]), str(raw["digest"]), str(raw["mac"])
    except (OSError, ValueError, KeyError, TypeError):
        raise AnchorInvalid("the anchor file is unreadable") from None
    if not hmac.compare_digest(_anchor_mac(seq=seq, digest=digest), mac):
        raise AnchorInvalid("the anchor is not signed with this server's key")
    return Anchor(seq=seq, digest=digest, at=str(raw.get("at", "")))


def audit_anchor_write(report: ChainReport) -> None:
    """Anchor a verified tip: the file (written whole, then renamed) and the log."""
    if not report.ok:
        raise ValueError("only a verified log is anchored")
    mac = _anchor_mac(seq=report.checked, digest=report.tip)
    at = timezone.now().isoformat()
    path = _anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(
        json.dumps({"seq": report.checked, "digest": report.tip, "mac": mac, "at": at})
    )
    os.replace(partial, path)
    # The log is the copy kept off this machine (shipped to the log host).
    logger.info(
        "audit.anchored",
        extra={"seq": report.checked, "digest": report.tip, "mac": mac},
    )


def _entries() -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("seq").iterator(chunk_size=2000)


def audit_verify() -> ChainReport:
    """Walk the whole chain; report the first entry that was changed or removed.

    The chain must also reach the anchored tip (see above), with the same digest
    at the anchored entry.
    """
    try:
        anchor = audit_anchor_read()
    except AnchorInvalid as exc:
        return ChainReport(0, ChainProblem(0, str(exc)))
    key = _key()
    expected_seq = 1
    prev = GENESIS
    checked = 0
    for entry in _entries():
        if entry.seq != expected_seq:
            return ChainReport(
                checked,
                ChainProblem(
                    expected_seq,
                    f"entry {expected_seq} is missing (next present is {entry.seq})",
                ),
            )
        if entry.prev_digest != prev:
            return ChainReport(
                checked,
                ChainProblem(entry.seq, "does not follow the entry before it"),
            )
        recomputed = _digest(
            key=key,
            seq=entry.seq,
            at=entry.at,
            actor_id=entry.actor_id,
            actor_label=entry.actor_label,
            organisation_id=entry.organisation_id,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            data=entry.data,
            prev_digest=entry.prev_digest,
        )
        if not hmac.compare_digest(recomputed, entry.digest):
            return ChainReport(checked, ChainProblem(entry.seq, "was changed"))
        if anchor is not None and entry.seq == anchor.seq:
            if not hmac.compare_digest(entry.digest, anchor.digest):
                return ChainReport(
                    checked,
                    ChainProblem(entry.seq, "differs from the anchored entry"),
                )
        prev = entry.digest
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.get(id=1)
    if head.seq != checked or head.digest != prev:
        return ChainReport(
            checked,
            ChainProblem(
                checked + 1,
                f"entries after {checked} are missing (the log had {head.seq})",
            ),
        )
    if anchor is not None and anchor.seq > checked:
        return ChainReport(
            checked,
            ChainProblem(
                checked + 1,
                f"entries after {checked} are missing (anchored at entry "
                f"{anchor.seq} on {anchor.at})",
            ),
        )
    return ChainReport(checked, None, tip=prev)
