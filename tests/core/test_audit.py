"""The audit log: entries sealed into a hash chain that `remedia audit-verify` checks.

A request appends an entry carrying its own HMAC; `audit_seal` (the worker,
and `audit-verify` before it checks) links entries into the chain. Numbers are
not gapless on PostgreSQL (a sequence), so tests name entries by the numbers
they got back rather than 1, 2, 3.

Tampering needs the append-only triggers out of the way first, as an attacker
with database access would do. Both SQLite and PostgreSQL roll DDL back with
the test's transaction, so a dropped trigger never outlives its test; the
fixture puts them back anyway, so a failure cannot leak into other tests.
"""

from __future__ import annotations

import importlib
import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from remedia.core import audit
from remedia.core.audit import GENESIS, audit_record, audit_seal, audit_verify
from remedia.core.models import AuditEntry, AuditHead, AuditLink
from tests.support.audit import restart_audit_sequence
from tests.support.factories.accounts import UserFactory

_migration = importlib.import_module("remedia.core.migrations.0002_audit_append_only")
_sealed_migration = importlib.import_module(
    "remedia.core.migrations.0004_audit_sealed_chain"
)


def _verify() -> tuple[int, str, str]:
    """Run `remedia audit-verify`; return its exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    else:
        code = 0
    return code, out.getvalue(), err.getvalue()


def _record_three() -> list[AuditEntry]:
    return [
        audit_record(action="case.read", object_type="case", object_id="c-1"),
        audit_record(action="case.changed", object_type="case", object_id="c-1"),
        audit_record(action="report.read", object_type="report", object_id="r-9"),
    ]


def _sql(statement: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def _install_triggers() -> None:
    by_vendor = {
        "sqlite": (_migration._SQLITE_REVERSE, _migration._SQLITE),
        "postgresql": (_migration._POSTGRES_REVERSE, _migration._POSTGRES),
    }
    drop, create = by_vendor[connection.vendor]
    sealed = {
        "sqlite": (_sealed_migration._SQLITE_REVERSE, _sealed_migration._SQLITE),
        "postgresql": (
            _sealed_migration._POSTGRES_REVERSE[:2],
            _sealed_migration._POSTGRES[:2],
        ),
    }
    sealed_drop, sealed_create = sealed[connection.vendor]
    for statement in [*sealed_drop, *drop, *create, *sealed_create]:
        _sql(statement)


@pytest.fixture
def triggers_dropped():
    """The append-only triggers removed, as by someone with database access."""
    if connection.vendor == "sqlite":
        _sql("DROP TRIGGER core_auditentry_no_update")
        _sql("DROP TRIGGER core_auditentry_no_delete")
        _sql("DROP TRIGGER core_auditlink_no_update")
        _sql("DROP TRIGGER core_auditlink_no_delete")
    elif connection.vendor == "postgresql":
        _sql("DROP TRIGGER core_auditentry_no_change ON core_auditentry")
        _sql("DROP TRIGGER core_auditlink_no_change ON core_auditlink")
    else:  # pragma: no cover - the suite runs on SQLite and PostgreSQL only
        pytest.fail(f"no audit triggers known for {connection.vendor}")
    yield
    _install_triggers()


# --- The chain ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _numbers_from_one():
    """Each test's entries numbered from 1 on PostgreSQL too.

    A sequence does not roll back with a test's transaction; without this the
    first seal of a test would record the numbers earlier tests used as skipped.
    """
    restart_audit_sequence()


def _links() -> list[AuditLink]:
    return list(AuditLink.objects.order_by("position"))


def test_sealed_entries_form_a_chain_in_order():
    # Given three facts recorded one after another, each with its own number
    entries = _record_three()
    seqs = [e.seq for e in entries]
    assert seqs == sorted(seqs)
    assert [e.prev_digest for e in entries] == ["", "", ""]

    # When they are sealed
    sealed = audit_seal()

    # Then each has a link, in number order, pointing at the link before it,
    # the first at the genesis value, and binding the entry's own HMAC
    assert sealed.entries == 3
    links = [link for link in _links() if link.kind == AuditLink.KIND_ENTRY]
    assert [link.seq for link in links] == seqs
    assert [link.entry_mac for link in links] == [e.digest for e in entries]
    chain = _links()
    assert chain[0].prev_digest == GENESIS
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.prev_digest == before.digest
    assert len({e.digest for e in entries} | {link.digest for link in chain}) == 6


def test_sealing_is_idempotent():
    # Given three recorded and sealed entries
    _record_three()
    first = audit_seal()
    head = AuditHead.objects.get(id=1)

    # When sealing runs again with nothing new
    again = audit_seal()

    # Then nothing is added and the head has not moved
    assert first.entries == 3
    assert (again.entries, again.late, again.skipped) == (0, 0, 0)
    assert AuditLink.objects.count() == head.position
    assert AuditHead.objects.get(id=1).digest == head.digest
    assert audit_verify().ok


def test_sealing_waits_out_the_grace_period():
    # Given an entry written just now
    entry = audit_record(action="case.read")

    # When the worker seals with its grace period
    sealed = audit_seal(grace_seconds=60)

    # Then the entry stays unsealed (a transaction holding an earlier number
    # may still commit), yet verifies by its own HMAC
    assert sealed.entries == 0
    report = audit_verify(seal=False)
    assert report.ok
    assert report.unsealed == 1
    # And without the grace it is sealed
    assert audit_seal().entries == 1
    assert AuditLink.objects.get(kind=AuditLink.KIND_ENTRY).seq == entry.seq


def test_entry_names_the_acting_user():
    # Given a staff member
    user = UserFactory(username="auditada")

    # When something is recorded on their behalf
    entry = audit_record(action="case.read", actor=user, object_id="c-1")

    # Then the entry names them by id and by username
    entry.refresh_from_db()
    assert entry.actor_id == str(user.pk)
    assert entry.actor_label == "auditada"


def test_entry_of_a_rolled_back_transaction_is_gone_and_the_chain_verifies():
    # Given one recorded entry
    first = audit_record(action="case.read")

    # When a later write fails and its transaction rolls back
    def failing_write() -> None:
        with transaction.atomic():
            audit_record(action="case.changed")
            raise RuntimeError("the write failed")

    with pytest.raises(RuntimeError):
        failing_write()
    last = audit_record(action="report.read")

    # Then the rolled-back entry is not there; on PostgreSQL its number was used
    # (a sequence does not roll back) and the seal records it as skipped
    assert list(AuditEntry.objects.values_list("seq", "action")) == [
        (first.seq, "case.read"),
        (last.seq, "report.read"),
    ]
    report = audit_verify()
    assert report.ok
    assert report.skipped == last.seq - first.seq - 1
    assert _verify()[0] == 0


def test_a_gap_is_sealed_as_skipped_and_a_late_entry_inside_it_is_sealed_once(
    monkeypatch,
):
    # Given an entry, then one whose number jumped ahead (numbers taken by
    # transactions that rolled back or are still running)
    first = audit_record(action="case.read")
    monkeypatch.setattr(audit, "_next_seq", lambda: first.seq + 5)
    jumped = audit_record(action="case.read")

    # When they are sealed
    sealed = audit_seal()

    # Then the four numbers between are one signed gap link
    assert (sealed.entries, sealed.skipped) == (2, 4)
    gap = AuditLink.objects.get(kind=AuditLink.KIND_GAP)
    assert (gap.seq, gap.seq_last) == (first.seq + 1, first.seq + 4)

    # When the long transaction holding one of those numbers commits at last
    monkeypatch.setattr(audit, "_next_seq", lambda: first.seq + 2)
    late = audit_record(action="report.read")
    report = audit_verify(seal=False)
    assert report.ok
    assert report.unsealed == 1

    # Then the next seal chains it as a late entry, once
    assert audit_seal().late == 1
    assert audit_seal().late == 0
    assert AuditLink.objects.get(kind=AuditLink.KIND_LATE).seq == late.seq
    report = audit_verify()
    assert report.ok
    assert (report.checked, report.unsealed, report.skipped) == (3, 0, 4)
    assert jumped.seq == first.seq + 5


def test_returned_entry_is_the_stored_one_and_the_head_follows_it():
    # When an entry with details is recorded
    entry = audit_record(
        action="report.read",
        object_type="report",
        object_id="r-1",
        data={"decrypted": True, "grants": [1, 2], "note": "ñandú"},
    )

    # Then what the caller got back is what the database holds
    stored = AuditEntry.objects.get(seq=entry.seq)
    assert not entry._state.adding
    for field in (
        "seq",
        "at",
        "action",
        "object_type",
        "object_id",
        "data",
        "prev_digest",
        "digest",
    ):
        assert getattr(stored, field) == getattr(entry, field), field
    assert stored.prev_digest == ""
    # And once sealed, the head points at its link, so the next link chains on it
    audit_seal()
    link = AuditLink.objects.get(seq=entry.seq)
    head = AuditHead.objects.get(id=1)
    assert (head.seq, head.digest) == (entry.seq, link.digest)
    audit_record(action="case.read")
    audit_seal()
    assert AuditLink.objects.get(position=link.position + 1).prev_digest == link.digest
    assert _verify()[0] == 0


# --- Append-only ----------------------------------------------------------------------


def test_database_refuses_to_change_an_entry():
    # Given a recorded entry
    entry = audit_record(action="case.read")

    # When someone updates it directly in the database
    # Then the database refuses
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(seq=entry.seq).update(action="case.closed")
    assert AuditEntry.objects.get(seq=entry.seq).action == "case.read"


def test_database_refuses_to_delete_an_entry():
    # Given a recorded entry
    entry = audit_record(action="case.read")

    # When someone deletes it with raw SQL
    # Then the database refuses
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql("DELETE FROM core_auditentry WHERE seq = %s", [entry.seq])
    assert AuditEntry.objects.filter(seq=entry.seq).exists()


def test_database_refuses_to_change_or_delete_a_link():
    # Given a sealed entry
    audit_record(action="case.read")
    audit_seal()

    # When someone rewrites or deletes its link / then the database refuses
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql("UPDATE core_auditlink SET kind = 'gap'")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql("DELETE FROM core_auditlink")
    assert AuditLink.objects.count() == 1


# --- remedia audit-verify -------------------------------------------------------------


def test_verify_accepts_an_empty_log():
    code, out, err = _verify()

    assert code == 0
    assert "audit log intact: 0 entries verified" in out


def test_verify_accepts_an_intact_log():
    # Given an untouched chain
    _record_three()

    # When it is verified
    code, out, err = _verify()

    # Then it exits 0, having sealed the entries, and says how many it checked
    assert code == 0
    assert "audit log intact: 3 entries verified (0 not sealed yet" in out
    assert err == ""
    assert AuditLink.objects.filter(kind=AuditLink.KIND_ENTRY).count() == 3


@pytest.mark.usefixtures("triggers_dropped")
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "case.closed"),
        ("object_id", "c-2"),
        ("actor_label", "someone-else"),
    ],
)
@pytest.mark.parametrize("sealed", [True, False], ids=["sealed", "unsealed"])
def test_verify_detects_a_changed_entry(column, value, sealed):
    # Given a chain whose second entry was rewritten behind the triggers' back,
    # after it was sealed or while it still waited for the seal
    entries = _record_three()
    if sealed:
        audit_seal()
    second = entries[1].seq
    _sql(f"UPDATE core_auditentry SET {column} = %s WHERE seq = %s", [value, second])  # noqa: S608

    # When it is checked before any seal, the entry's own HMAC catches it
    if not sealed:
        report = audit_verify(seal=False)
        assert report.problem is not None
        assert (report.problem.seq, report.problem.reason) == (second, "was changed")

    # And when it is verified (sealing first), it fails naming the entry
    code, out, err = _verify()
    assert code != 0
    assert f"audit log broken at entry {second}: was changed" in err
    assert "intact" not in out


@pytest.mark.usefixtures("triggers_dropped")
def test_verify_detects_a_change_to_the_details():
    # Given a sealed entry whose details were edited
    entry = audit_record(action="case.assigned", data={"assignee": "hilda"})
    audit_record(action="case.read")
    audit_seal()
    stored = AuditEntry.objects.get(seq=entry.seq)
    stored.data = {"assignee": "hector"}
    stored.save(update_fields=["data"])

    # When it is verified / then the edited entry is named
    code, _out, err = _verify()
    assert code != 0
    assert f"audit log broken at entry {entry.seq}: was changed" in err


@pytest.mark.usefixtures("triggers_dropped")
def test_verify_detects_a_deleted_sealed_middle_entry():
    # Given a sealed chain with its second entry removed
    entries = _record_three()
    audit_seal()
    second = entries[1].seq
    _sql("DELETE FROM core_auditentry WHERE seq = %s", [second])

    # When it is verified
    code, _out, err = _verify()

    # Then it fails naming the missing entry: it cannot pass as a gap now
    assert code != 0
    assert f"audit log broken at entry {second}: entry {second} is missing" in err


@pytest.mark.usefixtures("triggers_dropped")
def test_verify_detects_a_sealed_entry_turned_into_a_gap_without_the_key():
    # Given a sealed chain whose second entry was deleted and its link rewritten
    # as a gap (digest kept: the key is not in the database)
    entries = _record_three()
    audit_seal()
    second = entries[1].seq
    _sql("DELETE FROM core_auditentry WHERE seq = %s", [second])
    _sql(
        "UPDATE core_auditlink SET kind = 'gap', entry_mac = '' WHERE seq = %s",
        [second],
    )

    # When it is verified / then the rewritten link is caught
    code, _out, err = _verify()
    assert code != 0
    assert f"audit log broken at entry {second}: was changed (its seal)" in err


@pytest.mark.usefixtures("triggers_dropped")
def test_an_entry_deleted_before_its_seal_is_recorded_as_skipped():
    # The documented window (docs/security.md): an entry deleted between its
    # commit and the next seal (about a minute) leaves only a number skipped,
    # which the seal records and audit-verify reports.
    entries = _record_three()
    _sql("DELETE FROM core_auditentry WHERE seq = %s", [entries[1].seq])

    report = audit_verify()

    assert report.ok
    assert (report.checked, report.skipped) == (2, 1)
    gap = AuditLink.objects.get(kind=AuditLink.KIND_GAP)
    assert gap.seq == gap.seq_last == entries[1].seq


@pytest.mark.usefixtures("triggers_dropped")
def test_verify_detects_a_deleted_last_entry():
    # Given a sealed chain whose newest entry was removed (a truncated tail)
    entries = _record_three()
    audit_seal()
    last = entries[2].seq
    _sql("DELETE FROM core_auditentry WHERE seq = %s", [last])

    # When it is verified / then it fails naming the missing entry
    code, _out, err = _verify()
    assert code != 0
    assert f"audit log broken at entry {last}: entry {last} is missing" in err

    # And when its link is cut too, the head still knows the chain went further
    _sql("DELETE FROM core_auditlink WHERE seq = %s", [last])
    code, _out, err = _verify()
    assert code != 0
    assert f"audit log broken at entry {last}" in err
    assert f"the log had {last}" in err


@pytest.mark.usefixtures("triggers_dropped")
def test_verify_detects_an_emptied_log():
    # Given a sealed chain from which every entry was removed
    entries = _record_three()
    audit_seal()
    _sql("DELETE FROM core_auditentry")

    # When it is verified / then it fails at the first entry
    code, _out, err = _verify()
    assert code != 0
    assert f"audit log broken at entry {entries[0].seq}" in err


@pytest.mark.usefixtures("triggers_dropped")
def test_verify_detects_a_forged_entry_with_a_plain_hash():
    # Given a sealed entry replaced wholesale, its HMAC and its link's recomputed
    # without the key
    import hashlib

    entries = _record_three()
    audit_seal()
    last = entries[2].seq
    forged = hashlib.sha256(b"case.closed").hexdigest()
    _sql(
        "UPDATE core_auditentry SET action = %s, digest = %s WHERE seq = %s",
        ["case.closed", forged, last],
    )
    _sql("UPDATE core_auditlink SET entry_mac = %s WHERE seq = %s", [forged, last])

    # When it is verified / then the forgery is caught
    code, _out, err = _verify()
    assert code != 0
    assert f"audit log broken at entry {last}: was changed" in err


@pytest.mark.usefixtures("triggers_dropped")
def test_verify_detects_an_unsealed_entry_forged_without_the_key():
    # Given an entry inserted straight into the table, its HMAC made up
    entry = audit_record(action="case.read")
    _sql(
        "INSERT INTO core_auditentry (seq, at, actor_id, actor_label, "
        "organisation_id, action, object_type, object_id, data, prev_digest, "
        "digest) SELECT seq + 1, at, actor_id, actor_label, organisation_id, "
        "'case.closed', object_type, object_id, data, prev_digest, %s "
        "FROM core_auditentry WHERE seq = %s",
        ["f" * 64, entry.seq],
    )

    # When it is checked, before and after sealing / then it is caught
    report = audit_verify(seal=False)
    assert report.problem is not None
    assert report.problem.seq == entry.seq + 1
    code, _out, err = _verify()
    assert code != 0
    assert f"audit log broken at entry {entry.seq + 1}: was changed" in err


def test_triggers_are_in_place_after_tampering_tests():
    # Guards against a dropped trigger leaking out of the tests above.
    entry = audit_record(action="case.read")
    audit_seal()
    for table in ("core_auditentry", "core_auditlink"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            _sql(f"UPDATE {table} SET seq = seq WHERE seq = %s", [entry.seq])  # noqa: S608
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            _sql(f"DELETE FROM {table} WHERE seq = %s", [entry.seq])  # noqa: S608


# --- The real command, in its own process ---------------------------------------------

_RECORD_THREE = (
    "from remedia.core.audit import audit_record\n"
    "for action in ('case.read', 'case.changed', 'report.read'):\n"
    "    audit_record(action=action, object_type='case', object_id='c-1')\n"
)


def test_remedia_audit_verify_exits_zero_then_non_zero_after_tampering(
    remedia_cli, cli_data_dir
):
    # Given a log of three entries written by the application
    assert remedia_cli("shell", "-c", _RECORD_THREE).returncode == 0
    intact = remedia_cli("audit-verify")
    assert intact.returncode == 0
    assert "audit log intact: 3 entries verified" in intact.stdout

    # When someone with access to the database file removes the trigger and
    # rewrites an entry
    database = sqlite3.connect(cli_data_dir / "remedia.sqlite3")
    with database:
        database.execute("DROP TRIGGER core_auditentry_no_update")
        database.execute("UPDATE core_auditentry SET object_id = 'c-2' WHERE seq = 2")
    database.close()

    # Then `remedia audit-verify` fails naming the entry
    broken = remedia_cli("audit-verify")
    assert broken.returncode == 1
    assert "audit log broken at entry 2: was changed" in broken.stderr


# --- The anchor outside the database (issue 15.4) --------------------------------------


def _cut_after(entry: AuditEntry) -> None:
    """Delete the entries and links after `entry`, and move the head back to it."""
    link = AuditLink.objects.get(seq=entry.seq, kind=AuditLink.KIND_ENTRY)
    _sql("DELETE FROM core_auditentry WHERE seq > %s", [entry.seq])
    _sql("DELETE FROM core_auditlink WHERE position > %s", [link.position])
    AuditHead.objects.filter(id=1).update(
        seq=entry.seq, position=link.position, digest=link.digest
    )


@pytest.mark.usefixtures("triggers_dropped")
def test_verify_detects_a_truncated_tail_with_the_head_moved_back(settings):
    # Given a log of five entries whose tip the nightly check anchored outside
    # the database
    entries = _record_three()
    audit_record(action="case.read", object_type="case", object_id="c-2")
    audit_record(action="case.read", object_type="case", object_id="c-3")
    code, _out, _err = _verify()
    assert code == 0
    assert settings.REMEDIA_AUDIT_ANCHOR_FILE.exists()

    # When someone with the database deletes the last three entries and their
    # links, and sets the head row to the link left last, so the database is
    # consistent
    _cut_after(entries[1])

    # Then verification fails: the anchor knows the chain went further
    code, _out, err = _verify()
    assert code != 0
    assert f"audit log broken at entry {entries[1].seq + 1}" in err
    assert "anchored" in err


@pytest.mark.usefixtures("triggers_dropped")
def test_verify_detects_an_anchor_lowered_without_the_key(settings):
    # Given an anchored log of three entries
    entries = _record_three()
    assert _verify()[0] == 0
    anchor = json.loads(settings.REMEDIA_AUDIT_ANCHOR_FILE.read_text())

    # When the tail is cut and the anchor file rewritten to the earlier tip,
    # without the server's key (the old signature kept)
    _cut_after(entries[1])
    head = AuditHead.objects.get(id=1)
    anchor.update(seq=head.position, digest=head.digest)
    settings.REMEDIA_AUDIT_ANCHOR_FILE.write_text(json.dumps(anchor))

    # Then verification fails on the anchor's signature
    code, _out, err = _verify()
    assert code != 0
    assert "anchor" in err


def test_anchor_is_signed_written_and_logged_by_the_nightly_check(settings, caplog):
    from remedia.core.tasks import _audit_chain_check

    # Given a log of three entries
    _record_three()

    # When the nightly check runs
    with caplog.at_level("INFO", logger="remedia.core.tasks"):
        assert _audit_chain_check() is True

    # Then the signed tip (the chain's length and last digest) is in the data
    # directory and in the log
    head = AuditHead.objects.get(id=1)
    anchor = json.loads(settings.REMEDIA_AUDIT_ANCHOR_FILE.read_text())
    assert anchor["seq"] == head.position == AuditLink.objects.count()
    assert anchor["digest"] == head.digest
    assert len(anchor["mac"]) == 64
    logged = [r for r in caplog.records if r.getMessage() == "audit.anchored"]
    assert logged[0].seq == head.position
    assert logged[0].mac == anchor["mac"]
    # And a log that grew since the anchor still verifies
    audit_record(action="case.read", object_type="case", object_id="c-9")
    assert _verify()[0] == 0


def test_the_worker_seals_every_minute(monkeypatch):
    from django.utils import timezone

    from remedia.core.tasks import audit_chain_seal

    # Given an entry just written
    entry = audit_record(action="case.read")

    # When the worker's periodic seal runs within the grace / past it
    assert audit_chain_seal.call_local() == 0
    later = timezone.now() + timedelta(seconds=audit.SEAL_GRACE_SECONDS + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert audit_chain_seal.call_local() == 1

    # Then it is sealed
    assert AuditLink.objects.get(kind=AuditLink.KIND_ENTRY).seq == entry.seq


# --- Entries chained one by one before issue 21 ---------------------------------------


def _legacy_log(count: int) -> list[AuditEntry]:
    """Entries as the old code wrote them: each chained when written."""
    key, prev, entries = audit._key(), GENESIS, []
    at = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    for seq in range(1, count + 1):
        fields = {
            "seq": seq,
            "at": at,
            "actor_id": "",
            "actor_label": "",
            "organisation_id": "",
            "action": "case.read",
            "object_type": "case",
            "object_id": f"c-{seq}",
            "data": {},
        }
        digest = audit._digest(key=key, prev_digest=prev, **fields)
        entries.append(
            AuditEntry.objects.create(prev_digest=prev, digest=digest, **fields)
        )
        prev = digest
    AuditHead.objects.filter(id=1).update(
        seq=count, digest=prev, legacy_seq=count, position=0
    )
    if connection.vendor == "postgresql":
        _sql("SELECT setval('core_auditentry_seq', %s)", [count])
    return entries


def test_the_sealed_chain_goes_on_from_the_entries_chained_before():
    # Given a log written before the sealed chain, anchored
    legacy = _legacy_log(3)
    assert _verify()[0] == 0

    # When new entries are recorded and sealed
    entries = _record_three()
    code, out, _err = _verify()

    # Then the first link follows the last old entry, and all six verify
    assert code == 0
    assert "audit log intact: 6 entries verified" in out
    first = AuditLink.objects.order_by("position").first()
    assert first is not None
    assert first.prev_digest == legacy[-1].digest
    assert first.seq == entries[0].seq == 4


@pytest.mark.usefixtures("triggers_dropped")
def test_verify_still_detects_a_changed_entry_chained_before():
    # Given an old log, continued by sealed entries
    _legacy_log(3)
    _record_three()
    audit_seal()

    # When an old entry is rewritten / then it is named
    _sql("UPDATE core_auditentry SET object_id = 'c-9' WHERE seq = 2")
    code, _out, err = _verify()
    assert code != 0
    assert "audit log broken at entry 2: was changed" in err


# --- The request path: no lock (issue 21) ---------------------------------------------


def test_an_append_takes_two_queries_and_never_touches_the_head():
    # Given a log with entries already
    _record_three()

    # When one more entry is appended
    with CaptureQueriesContext(connection) as queries:
        audit_record(action="case.read", object_type="case", object_id="c-7")

    # Then it took its number and inserted its row, nothing else: no head row
    # read, locked or moved, so no other request waits for it
    sql = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(sql) == 2, sql
    assert not any("core_audithead" in s or "FOR UPDATE" in s for s in sql)
    assert sql[1].startswith("INSERT INTO")
