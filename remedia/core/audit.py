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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from remedia.core import crypto
from remedia.core.models import AuditEntry, AuditHead, AuditLink

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
    """A legacy entry's digest: chained when written (entries up to legacy_seq)."""
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


def _entry_mac(key: bytes, entry: AuditEntry) -> str:
    """An entry's own HMAC, over its fields and its number (not chained)."""
    payload = json.dumps(
        {
            "type": "entry.v2",
            "seq": entry.seq,
            "at": entry.at.astimezone(UTC).isoformat(),
            "actor_id": entry.actor_id,
            "actor_label": entry.actor_label,
            "organisation_id": entry.organisation_id,
            "action": entry.action,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "data": entry.data,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def _link_digest(key: bytes, link: AuditLink) -> str:
    payload = json.dumps(
        {
            "type": "link.v1",
            "position": link.position,
            "kind": link.kind,
            "seq": link.seq,
            "seq_last": link.seq_last,
            "entry_mac": link.entry_mac,
            "at": link.at.astimezone(UTC).isoformat(),
            "prev": link.prev_digest,
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
    """Append one entry; it commits or rolls back with the caller's transaction.

    No lock is taken that another request waits for: the entry takes a number
    of its own and carries its own HMAC; the worker seals it into the chain
    later (`audit_seal`).
    """
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
    entry = AuditEntry(
        at=at,
        actor_id=actor_id,
        actor_label=actor_label,
        organisation_id=organisation_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        data=data,
        prev_digest="",
    )
    # Inside a caller's transaction no savepoint is needed: the entry and the
    # caller's writes stand or fall together. A read outside one (an audited
    # GET) needs no transaction of its own on PostgreSQL, where the number
    # comes from a sequence: that saves the BEGIN and COMMIT round trips, and
    # a failed insert leaves a gap, as a rolled-back transaction does. SQLite
    # takes MAX + 1, which is only safe under the write lock BEGIN takes.
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        _number_and_append(entry)
    else:
        with transaction.atomic(savepoint=False):
            _number_and_append(entry)
    logger.debug(
        "audit.recorded",
        extra={"seq": entry.seq, "action": action, "object_type": object_type},
    )
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry


# Two round trips, neither waiting for another request: the number (a sequence
# on PostgreSQL, never rolled back, so a rolled-back transaction leaves a gap
# that the sealer records), then the row. SQLite takes its write lock at BEGIN
# (transaction_mode IMMEDIATE), so the next number there is simply MAX + 1.
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
_SEQUENCE = "core_auditentry_seq"


def _number_and_append(entry: AuditEntry) -> None:
    entry.seq = _next_seq()
    entry.digest = _entry_mac(_key(), entry)
    _append(entry)


def _next_seq() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(%s)", [_SEQUENCE])
        else:
            table = connection.ops.quote_name(AuditEntry._meta.db_table)
            cursor.execute(f"SELECT COALESCE(MAX(seq), 0) + 1 FROM {table}")  # noqa: S608
        row = cursor.fetchone()
    return int(row[0])


def _append(entry: AuditEntry) -> None:
    qn = connection.ops.quote_name
    meta = AuditEntry._meta
    by_name = {f.name: f for f in meta.concrete_fields}
    fields = [by_name[c] for c in _ENTRY_COLUMNS]
    columns = ", ".join(qn(str(f.column)) for f in fields)
    values = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields]
    placeholders = ", ".join(["%s"] * len(values))
    insert = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(insert, values)


# --- Sealing ---------------------------------------------------------------------------
#
# The sealer, and only the sealer, locks the head row. It takes the entries
# after the head in number order and appends one link per entry; numbers that
# no committed entry holds (a rolled-back transaction took them, or one still
# running does) are recorded as one "gap" link per run, so they are part of the
# signed chain: an entry deleted after sealing is missing from a link and
# verification names it; it can never pass as a gap afterwards. An entry that
# commits after its number was recorded as skipped (a transaction that ran
# longer than the grace period) is sealed later as a "late" link, allowed only
# inside a recorded gap and only once. What the chain cannot cover is an entry
# deleted before it was sealed: that window is the time between commit and the
# next seal (the worker seals every minute, after a grace of SEAL_GRACE_SECONDS),
# and docs/security.md says so.

SEAL_BATCH = 5000
SEAL_GRACE_SECONDS = 10


@dataclass(frozen=True)
class SealReport:
    entries: int = 0
    late: int = 0
    skipped: int = 0

    def __add__(self, other: SealReport) -> SealReport:
        return SealReport(
            self.entries + other.entries,
            self.late + other.late,
            self.skipped + other.skipped,
        )


def audit_seal(*, grace_seconds: float = 0) -> SealReport:
    """Seal every committed entry (older than the grace) into the chain.

    Idempotent, and safe with several sealers at once: each batch runs under
    the head row's lock and starts from the head it finds there.
    """
    total = SealReport()
    while True:
        batch, more = _seal_batch(grace_seconds, SEAL_BATCH)
        total = total + batch
        if not more:
            break
    if total.entries or total.late or total.skipped:
        logger.info(
            "audit.sealed",
            extra={
                "entries": total.entries,
                "late": total.late,
                "skipped": total.skipped,
            },
        )
    return total


def _unsealed_late(
    head: AuditHead, *, since: datetime | None = None
) -> models.QuerySet[AuditEntry]:
    """Entries committed inside a recorded gap and not sealed yet.

    The sealer looks only in gaps recorded since `since` (no transaction runs
    for a day); verification looks in all of them.
    """
    recorded = AuditLink.objects.filter(kind=AuditLink.KIND_GAP)
    if since is not None:
        recorded = recorded.filter(at__gte=since)
    gaps = list(recorded.values_list("seq", "seq_last"))
    if not gaps:
        return AuditEntry.objects.none()
    within = models.Q()
    for first, last in gaps:
        within |= models.Q(seq__range=(first, last))
    sealed = AuditLink.objects.filter(kind=AuditLink.KIND_LATE).values("seq")
    return (
        AuditEntry.objects.filter(within, seq__lte=head.seq)
        .exclude(seq__in=sealed)
        .order_by("seq")
    )


def _seal_batch(grace_seconds: float, limit: int) -> tuple[SealReport, bool]:
    key = _key()
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().get(id=1)
        now = timezone.now().replace(microsecond=0)
        cutoff = now - timedelta(seconds=grace_seconds)
        links: list[AuditLink] = []
        position, prev = head.position, head.digest

        def add(kind: str, first: int, last: int, mac: str = "") -> None:
            nonlocal position, prev
            position += 1
            link = AuditLink(
                position=position,
                kind=kind,
                seq=first,
                seq_last=last,
                entry_mac=mac,
                at=now,
                prev_digest=prev,
            )
            link.digest = _link_digest(key, link)
            prev = link.digest
            links.append(link)

        recent = now - timedelta(days=1)
        late = list(_unsealed_late(head, since=recent)[:limit])
        for entry in late:
            _warn_if_changed(key, entry)
            add(AuditLink.KIND_LATE, entry.seq, entry.seq, entry.digest)
        sealed = skipped = 0
        through = head.seq
        rows = AuditEntry.objects.filter(seq__gt=head.seq).order_by("seq")
        taken, cut = 0, False
        for entry in rows[: max(limit - len(late), 0)]:
            if entry.at > cutoff:
                cut = True
                break
            taken += 1
            if entry.seq > through + 1:
                add(AuditLink.KIND_GAP, through + 1, entry.seq - 1)
                skipped += entry.seq - 1 - through
            _warn_if_changed(key, entry)
            add(AuditLink.KIND_ENTRY, entry.seq, entry.seq, entry.digest)
            sealed += 1
            through = entry.seq
        if not links:
            return SealReport(), False
        AuditLink.objects.bulk_create(links)
        AuditHead.objects.filter(id=1).update(
            seq=through, digest=prev, position=position
        )
    more = not cut and len(late) + taken >= limit
    return SealReport(sealed, len(late), skipped), more


def _warn_if_changed(key: bytes, entry: AuditEntry) -> None:
    # Sealed all the same, with the MAC the row holds: verification then names
    # the entry, rather than the chain hiding it.
    if not hmac.compare_digest(_entry_mac(key, entry), entry.digest):
        logger.error("audit.unsealed_changed", extra={"seq": entry.seq})


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    problem: ChainProblem | None
    # The digest of the last link verified (GENESIS for an empty log).
    tip: str = GENESIS
    # Links in the chain: legacy entries, then sealed links (what is anchored).
    length: int = 0
    # Entries verified by their own HMAC only, not sealed yet.
    unsealed: int = 0
    # Sequence numbers recorded as skipped (rolled back, or deleted unsealed).
    skipped: int = 0

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
    mac = _anchor_mac(seq=report.length, digest=report.tip)
    at = timezone.now().isoformat()
    path = _anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(
        json.dumps({"seq": report.length, "digest": report.tip, "mac": mac, "at": at})
    )
    os.replace(partial, path)
    # The log is the copy kept off this machine (shipped to the log host).
    logger.info(
        "audit.anchored",
        extra={"seq": report.length, "digest": report.tip, "mac": mac},
    )


class _Broken(Exception):
    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(reason)
        self.problem = ChainProblem(seq, reason)


@dataclass
class _Walk:
    anchor: Anchor | None
    key: bytes
    checked: int = 0
    length: int = 0
    prev: str = GENESIS
    skipped: int = 0

    def anchored(self, seq: int) -> None:
        anchor = self.anchor
        if anchor is not None and self.length == anchor.seq:
            if not hmac.compare_digest(self.prev, anchor.digest):
                raise _Broken(seq, "differs from the anchored entry")


def audit_verify(*, seal: bool = True) -> ChainReport:
    """Seal what is committed, then walk the whole chain and the unsealed tail.

    Reports the first entry or link that was changed or removed. The chain must
    also reach the anchored tip (see above), with the same digest there.
    """
    if seal:
        audit_seal()
    try:
        anchor = audit_anchor_read()
    except AnchorInvalid as exc:
        return ChainReport(0, ChainProblem(0, str(exc)))
    walk = _Walk(anchor=anchor, key=_key())
    head = AuditHead.objects.get(id=1)
    try:
        _verify_legacy(walk, head)
        expected = _verify_links(walk, head)
        if (head.seq, head.position, head.digest) != (
            expected - 1,
            walk.length - head.legacy_seq,
            walk.prev,
        ):
            raise _Broken(
                expected,
                f"entries after {expected - 1} are missing (the log had {head.seq})",
            )
        if anchor is not None and anchor.seq > walk.length:
            raise _Broken(
                expected,
                f"entries after {expected - 1} are missing (the chain was anchored "
                f"at link {anchor.seq} on {anchor.at})",
            )
        unsealed = _verify_unsealed(walk, head)
    except _Broken as broken:
        return ChainReport(walk.checked, broken.problem)
    return ChainReport(
        walk.checked,
        None,
        tip=walk.prev,
        length=walk.length,
        unsealed=unsealed,
        skipped=walk.skipped,
    )


def _verify_legacy(walk: _Walk, head: AuditHead) -> None:
    expected_seq = 1
    legacy = AuditEntry.objects.filter(seq__lte=head.legacy_seq).order_by("seq")
    for entry in legacy.iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            raise _Broken(
                expected_seq,
                f"entry {expected_seq} is missing (next present is {entry.seq})",
            )
        if entry.prev_digest != walk.prev:
            raise _Broken(entry.seq, "does not follow the entry before it")
        recomputed = _digest(
            key=walk.key,
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
            raise _Broken(entry.seq, "was changed")
        walk.prev = entry.digest
        walk.length += 1
        walk.checked += 1
        walk.anchored(entry.seq)
        expected_seq += 1
    if walk.length != head.legacy_seq:
        raise _Broken(
            walk.length + 1,
            f"entries after {walk.length} are missing (the log had {head.legacy_seq})",
        )


def _verify_links(walk: _Walk, head: AuditHead) -> int:
    """Walk the sealed links; return the next sequence number the chain expects."""
    expected = head.legacy_seq + 1
    gaps: list[tuple[int, int]] = []
    late: set[int] = set()
    links = AuditLink.objects.order_by("position").iterator(chunk_size=2000)
    while chunk := list(islice(links, 2000)):
        seqs = [link.seq for link in chunk if link.kind != AuditLink.KIND_GAP]
        entries = {e.seq: e for e in AuditEntry.objects.filter(seq__in=seqs)}
        for link in chunk:
            position = walk.length - head.legacy_seq + 1
            if link.position != position:
                raise _Broken(expected, f"link {position} of the chain is missing")
            if link.prev_digest != walk.prev:
                raise _Broken(link.seq, "does not follow the link before it")
            if not hmac.compare_digest(_link_digest(walk.key, link), link.digest):
                raise _Broken(link.seq, "was changed (its seal)")
            if link.kind == AuditLink.KIND_LATE:
                inside = any(first <= link.seq <= last for first, last in gaps)
                if not inside or link.seq in late:
                    raise _Broken(link.seq, "sealed twice or outside a skipped range")
                late.add(link.seq)
            elif link.seq != expected:
                raise _Broken(expected, f"entry {expected} is missing from the chain")
            else:
                expected = link.seq_last + 1
            if link.kind == AuditLink.KIND_GAP:
                gaps.append((link.seq, link.seq_last))
                walk.skipped += link.seq_last - link.seq + 1
            else:
                entry = entries.get(link.seq)
                if entry is None:
                    raise _Broken(link.seq, f"entry {link.seq} is missing")
                mac = _entry_mac(walk.key, entry)
                if not (
                    hmac.compare_digest(mac, entry.digest)
                    and hmac.compare_digest(mac, link.entry_mac)
                ):
                    raise _Broken(link.seq, "was changed")
                walk.checked += 1
            walk.prev = link.digest
            walk.length += 1
            walk.anchored(link.seq)
    return expected


def _verify_unsealed(walk: _Walk, head: AuditHead) -> int:
    """Entries committed since the seal: each must still match its own HMAC."""
    unsealed = 0
    tail = AuditEntry.objects.filter(seq__gt=head.seq).order_by("seq")
    for entry in [*_unsealed_late(head), *tail.iterator(chunk_size=2000)]:
        if not hmac.compare_digest(_entry_mac(walk.key, entry), entry.digest):
            raise _Broken(entry.seq, "was changed")
        unsealed += 1
        walk.checked += 1
    return unsealed
