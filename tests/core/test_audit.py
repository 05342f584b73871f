"""The audit log: a hash chain that `remedia audit-verify` checks end to end.

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

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from remedia.core.audit import GENESIS, audit_record
from remedia.core.models import AuditEntry, AuditHead
from tests.support.factories.accounts import UserFactory

_migration = importlib.import_module("remedia.core.migrations.0002_audit_append_only")


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
    for statement in [*drop, *create]:
        _sql(statement)


@pytest.fixture
def triggers_dropped():
    """The append-only triggers removed, as by someone with database access."""
    if connection.vendor == "sqlite":
        _sql("DROP TRIGGER core_auditentry_no_update")
        _sql("DROP TRIGGER core_auditentry_no_delete")
    elif connection.vendor == "postgresql":
        _sql("DROP TRIGGER core_auditentry_no_change ON core_auditentry")
    else:  # pragma: no cover - the suite runs on SQLite and PostgreSQL only
        pytest.fail(f"no audit triggers known for {connection.vendor}")
    yield
    _install_triggers()


# --- The chain ------------------------------------------------------------------------


def test_entries_form_a_chain_in_order():
    # Given / when: three facts recorded one after another
    entries = _record_three()

    # Then: each entry points at the one before it, the first at the genesis value
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_digest == GENESIS
    assert entries[1].prev_digest == entries[0].digest
    assert entries[2].prev_digest == entries[1].digest
    assert len({e.digest for e in entries}) == 3


def test_entry_names_the_acting_user():
    # Given a staff member
    user = UserFactory(username="auditada")

    # When something is recorded on their behalf
    entry = audit_record(action="case.read", actor=user, object_id="c-1")

    # Then the entry names them by id and by username
    entry.refresh_from_db()
    assert entry.actor_id == str(user.pk)
    assert entry.actor_label == "auditada"


def test_entry_of_a_rolled_back_transaction_leaves_no_gap():
    # Given one recorded entry
    audit_record(action="case.read")

    # When a later write fails and its transaction rolls back
    def failing_write() -> None:
        with transaction.atomic():
            audit_record(action="case.changed")
            raise RuntimeError("the write failed")

    with pytest.raises(RuntimeError):
        failing_write()
    audit_record(action="report.read")

    # Then the rolled-back entry left no hole and the chain verifies
    assert list(AuditEntry.objects.values_list("seq", "action")) == [
        (1, "case.read"),
        (2, "report.read"),
    ]
    assert _verify()[0] == 0


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
    # And the head points at it, so the next entry chains on it
    head = AuditHead.objects.get(id=1)
    assert (head.seq, head.digest) == (entry.seq, entry.digest)
    assert audit_record(action="case.read").prev_digest == entry.digest
    assert _verify()[0] == 0


# --- Append-only ----------------------------------------------------------------------


def test_database_refuses_to_change_an_entry():
    # Given a recorded entry
    audit_record(action="case.read")

    # When someone updates it directly in the database
    # Then the database refuses
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(seq=1).update(action="case.closed")
    assert AuditEntry.objects.get(seq=1).action == "case.read"


def test_database_refuses_to_delete_an_entry():
    # Given a recorded entry
    audit_record(action="case.read")

    # When someone deletes it with raw SQL
    # Then the database refuses
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql("DELETE FROM core_auditentry WHERE seq = 1")
    assert AuditEntry.objects.filter(seq=1).exists()


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

    # Then it exits 0 and says how many entries it checked
    assert code == 0
    assert "audit log intact: 3 entries verified" in out
    assert err == ""


@pytest.mark.usefixtures("triggers_dropped")
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "case.closed"),
        ("object_id", "c-2"),
        ("actor_label", "someone-else"),
    ],
)
def test_verify_detects_a_changed_entry(column, value):
    # Given a chain whose second entry was rewritten behind the triggers' back
    _record_three()
    _sql(f"UPDATE core_auditentry SET {column} = %s WHERE seq = 2", [value])  # noqa: S608

    # When it is verified
    code, out, err = _verify()

    # Then it fails naming the changed entry
    assert code != 0
    assert "audit log broken at entry 2: was changed" in err
    assert "intact" not in out


@pytest.mark.usefixtures("triggers_dropped")
def test_verify_detects_a_change_to_the_details():
    # Given an entry whose details were edited
    audit_record(action="case.assigned", data={"assignee": "hilda"})
    audit_record(action="case.read")
    entry = AuditEntry.objects.get(seq=1)
    entry.data = {"assignee": "hector"}
    entry.save(update_fields=["data"])

    # When it is verified / then the edited entry is named
    code, _out, err = _verify()
    assert code != 0
    assert "audit log broken at entry 1: was changed" in err


@pytest.mark.usefixtures("triggers_dropped")
def test_verify_detects_a_deleted_middle_entry():
    # Given a chain with its second entry removed
    _record_three()
    _sql("DELETE FROM core_auditentry WHERE seq = 2")

    # When it is verified
    code, _out, err = _verify()

    # Then it fails naming the missing entry
    assert code != 0
    assert "audit log broken at entry 2: entry 2 is missing" in err


@pytest.mark.usefixtures("triggers_dropped")
def test_verify_detects_a_deleted_last_entry():
    # Given a chain whose newest entry was removed (a truncated tail)
    _record_three()
    _sql("DELETE FROM core_auditentry WHERE seq = 3")

    # When it is verified
    code, _out, err = _verify()

    # Then it fails naming the first missing entry and how many there were
    assert code != 0
    assert "audit log broken at entry 3" in err
    assert "the log had 3" in err


@pytest.mark.usefixtures("triggers_dropped")
def test_verify_detects_an_emptied_log():
    # Given a chain from which every entry was removed
    _record_three()
    _sql("DELETE FROM core_auditentry")

    # When it is verified / then it fails at the first entry
    code, _out, err = _verify()
    assert code != 0
    assert "audit log broken at entry 1" in err


@pytest.mark.usefixtures("triggers_dropped")
def test_verify_detects_a_forged_entry_with_a_plain_hash():
    # Given an entry replaced wholesale, its digest recomputed without the key
    import hashlib

    _record_three()
    forged = hashlib.sha256(b"case.closed").hexdigest()
    _sql(
        "UPDATE core_auditentry SET action = %s, digest = %s WHERE seq = 3",
        ["case.closed", forged],
    )
    _sql("UPDATE core_audithead SET digest = %s WHERE id = 1", [forged])

    # When it is verified / then the forgery is caught
    code, _out, err = _verify()
    assert code != 0
    assert "audit log broken at entry 3: was changed" in err


def test_triggers_are_in_place_after_tampering_tests():
    # Guards against a dropped trigger leaking out of the tests above.
    audit_record(action="case.read")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql("UPDATE core_auditentry SET action = 'x' WHERE seq = 1")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql("DELETE FROM core_auditentry WHERE seq = 1")


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


def _entry(seq: int) -> AuditEntry:
    return AuditEntry.objects.get(seq=seq)


@pytest.mark.usefixtures("triggers_dropped")
def test_verify_detects_a_truncated_tail_with_the_head_moved_back(settings):
    # Given a log of five entries whose tip the nightly check anchored outside
    # the database
    _record_three()
    audit_record(action="case.read", object_type="case", object_id="c-2")
    audit_record(action="case.read", object_type="case", object_id="c-3")
    code, _out, _err = _verify()
    assert code == 0
    assert settings.REMEDIA_AUDIT_ANCHOR_FILE.exists()

    # When someone with the database deletes the last three entries and sets
    # the head row to the entry left last, so the database is consistent
    second = _entry(2)
    _sql("DELETE FROM core_auditentry WHERE seq > 2")
    AuditHead.objects.filter(id=1).update(seq=2, digest=second.digest)

    # Then verification fails: the anchor knows the log reached entry 5
    code, _out, err = _verify()
    assert code != 0
    assert "audit log broken at entry 3" in err
    assert "anchored" in err


@pytest.mark.usefixtures("triggers_dropped")
def test_verify_detects_an_anchor_lowered_without_the_key(settings):
    # Given an anchored log of three entries
    _record_three()
    assert _verify()[0] == 0
    anchor = json.loads(settings.REMEDIA_AUDIT_ANCHOR_FILE.read_text())

    # When the tail is cut and the anchor file rewritten to the earlier tip,
    # without the server's key (the old signature kept)
    second = _entry(2)
    _sql("DELETE FROM core_auditentry WHERE seq > 2")
    AuditHead.objects.filter(id=1).update(seq=2, digest=second.digest)
    anchor.update(seq=2, digest=second.digest)
    settings.REMEDIA_AUDIT_ANCHOR_FILE.write_text(json.dumps(anchor))

    # Then verification fails on the anchor's signature
    code, _out, err = _verify()
    assert code != 0
    assert "anchor" in err


def test_anchor_is_signed_written_and_logged_by_the_nightly_check(settings, caplog):
    from remedia.core.tasks import _audit_chain_check

    # Given a log of three entries
    entries = _record_three()

    # When the nightly check runs
    with caplog.at_level("INFO", logger="remedia.core.tasks"):
        assert _audit_chain_check() is True

    # Then the signed tip is in the data directory and in the log
    anchor = json.loads(settings.REMEDIA_AUDIT_ANCHOR_FILE.read_text())
    assert anchor["seq"] == 3
    assert anchor["digest"] == entries[-1].digest
    assert len(anchor["mac"]) == 64
    logged = [r for r in caplog.records if r.getMessage() == "audit.anchored"]
    assert logged[0].seq == 3
    assert logged[0].mac == anchor["mac"]
    # And a log that grew since the anchor still verifies
    audit_record(action="case.read", object_type="case", object_id="c-9")
    assert _verify()[0] == 0
