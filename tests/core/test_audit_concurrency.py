"""Audited requests do not wait for each other; two sealers seal each entry once.

Proven on PostgreSQL, where each thread has its own connection: an entry takes
its number from a sequence (no row lock), and only the sealer locks the head.
SQLite serialises whole-database writes instead, and its in-memory test
database cannot be shared between threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from remedia.core import audit
from remedia.core.audit import SealReport, audit_record, audit_seal, audit_verify
from remedia.core.models import AuditEntry, AuditHead, AuditLink
from tests.support.audit import restart_audit_sequence

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_flushable_audit_log"),
]


@pytest.fixture(autouse=True)
def _numbers_from_one():
    restart_audit_sequence()


def _in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = work()
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            out["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def test_an_audited_read_does_not_wait_for_another_open_transaction():
    # Given a request whose transaction appended an entry and is still open
    appended, release = threading.Event(), threading.Event()

    def slow_request() -> int:
        with transaction.atomic():
            entry = audit_record(action="case.read", object_id="slow")
            appended.set()
            assert release.wait(timeout=20)
            return entry.seq

    slow, slow_out = _in_thread(slow_request)
    assert appended.wait(timeout=10)

    # When another request appends and commits meanwhile, refusing to wait for
    # any lock longer than a second
    def quick_request() -> tuple[int, float]:
        started = time.monotonic()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '1s'")
            entry = audit_record(action="case.read", object_id="quick")
        return entry.seq, time.monotonic() - started

    try:
        quick, quick_out = _in_thread(quick_request)
        quick.join(timeout=10)
        # Then it finished while the first was still open
        assert not quick.is_alive(), "the second append waited for the first"
        assert "error" not in quick_out, quick_out.get("error")
        quick_seq, took = quick_out["result"]
        assert took < 1.0
        assert slow.is_alive()
    finally:
        release.set()
        slow.join(timeout=10)
    assert "error" not in slow_out, slow_out.get("error")
    # And both entries are there, with their own numbers, and seal and verify
    assert {slow_out["result"], quick_seq} == set(
        AuditEntry.objects.values_list("seq", flat=True)
    )
    report = audit_verify()
    assert report.ok, report.problem
    assert report.checked == 2


def test_a_seal_while_a_transaction_is_open_records_its_number_late():
    # Given a request holding an entry in an open transaction, and a later
    # entry already committed
    appended, release = threading.Event(), threading.Event()

    def slow_request() -> int:
        with transaction.atomic():
            entry = audit_record(action="case.read", object_id="slow")
            appended.set()
            assert release.wait(timeout=20)
            return entry.seq

    slow, slow_out = _in_thread(slow_request)
    assert appended.wait(timeout=10)
    try:
        later = audit_record(action="case.read", object_id="later")

        # When the chain is sealed meanwhile (no grace: as audit-verify does)
        first = audit_seal()

        # Then the open transaction's number is recorded as skipped
        assert (first.entries, first.skipped) == (1, 1)
    finally:
        release.set()
        slow.join(timeout=10)
    assert "error" not in slow_out, slow_out.get("error")
    assert later.seq > slow_out["result"]

    # And once it commits, it is sealed as a late entry, and all verifies
    assert audit_seal().late == 1
    report = audit_verify()
    assert report.ok, report.problem
    assert (report.checked, report.skipped, report.unsealed) == (2, 1, 0)


def test_two_sealers_at_once_seal_each_entry_exactly_once():
    # Given entries waiting for the seal
    for n in range(40):
        audit_record(action="case.read", object_id=f"c-{n}")

    # When two sealers run at once, the first holding the head's lock a while
    locked, release = threading.Event(), threading.Event()

    def slow_sealer() -> SealReport:
        with transaction.atomic():
            report = audit_seal()
            locked.set()
            assert release.wait(timeout=20)
            return report

    first, first_out = _in_thread(slow_sealer)
    assert locked.wait(timeout=10)
    second, second_out = _in_thread(audit_seal)
    time.sleep(0.5)
    # (the second waits on the head's lock: the only lock there is)
    assert second.is_alive()
    release.set()
    first.join(timeout=10)
    second.join(timeout=10)
    assert "error" not in first_out, first_out.get("error")
    assert "error" not in second_out, second_out.get("error")

    # Then every entry was sealed once, by the first
    assert first_out["result"].entries == 40
    assert second_out["result"].entries == 0
    assert AuditLink.objects.count() == 40
    assert AuditHead.objects.get(id=1).position == 40
    assert audit_verify().ok


def test_an_audited_read_outside_a_transaction_commits_its_entry_without_one():
    # Given no transaction open, as in a GET served in autocommit
    assert not connection.in_atomic_block

    # When an entry is appended
    with CaptureQueriesContext(connection) as queries:
        entry = audit_record(action="case.read", object_id="c-1")

    # Then it took two round trips: its number and its row, no BEGIN or COMMIT
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == 2, sql
    assert sql[0].startswith("SELECT nextval")
    assert sql[1].startswith("INSERT INTO")

    # And the row is committed already: another connection sees it
    def elsewhere() -> list[int]:
        return list(AuditEntry.objects.values_list("seq", flat=True))

    thread, out = _in_thread(elsewhere)
    thread.join(timeout=10)
    assert out.get("result") == [entry.seq], out.get("error")
    report = audit_verify()
    assert report.ok, report.problem
    assert report.checked == 1


def test_a_failed_append_outside_a_transaction_leaves_a_sealed_gap(monkeypatch):
    # Given an entry, then an append whose insert fails after it took its number
    audit_record(action="case.read", object_id="before")

    def refused(entry: AuditEntry) -> None:
        raise DatabaseError("insert refused")

    with monkeypatch.context() as patched:
        patched.setattr(audit, "_append", refused)
        with pytest.raises(DatabaseError):
            audit_record(action="case.read", object_id="lost")
    after = audit_record(action="case.read", object_id="after")

    # When the chain is sealed and verified
    sealed = audit_seal()

    # Then the lost number is a recorded gap, as a rolled-back transaction's
    # is, and the log verifies
    assert (sealed.entries, sealed.skipped) == (2, 1)
    assert after.seq == 3
    report = audit_verify()
    assert report.ok, report.problem
    assert (report.checked, report.skipped) == (2, 1)
