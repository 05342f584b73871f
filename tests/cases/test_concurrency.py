"""Two handlers change one case at the same moment: neither change is lost.

Each service locks the case row (SELECT ... FOR UPDATE) and writes only the
fields it owns, so the second writer waits, then applies its change on top of
the first. Proven on PostgreSQL, where the lock is a row lock and each thread
has its own connection; SQLite serialises whole-database writes instead, and
its in-memory test database cannot be shared between threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from remedia.cases import services
from remedia.cases.models import Case, CaseEvent, CaseNote, EventKind

# Row locks between two connections need PostgreSQL; SQLite's test database is
# one in-memory connection (the suite's PostgreSQL run covers these).
pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_flushable_audit_log"),
]


def _at_once(*changes: Callable[[], Any]) -> list[BaseException]:
    """Run each change in its own thread and connection, released together."""
    start = threading.Barrier(len(changes))
    failures: list[BaseException] = []

    def run(change: Callable[[], Any]) -> None:
        try:
            start.wait(timeout=10)
            change()
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in changes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a change never finished"
    return failures


@pytest.fixture
def case(report_in, agu_handler) -> Case:
    submitted = report_in()
    return services.case_open(report_ids=[submitted.report.pk], user=agu_handler.user)


def _stale(case: Case) -> Case:
    """The case as each handler's page loaded it, before either change."""
    return Case.objects.get(pk=case.pk)


def test_assigning_and_changing_severity_at_once_keeps_both(
    case, agu_handler, agu_colleague
):
    # Given a case both handlers loaded at version v
    before = _stale(case)
    events_before = CaseEvent.objects.filter(case=case).count()
    first, second = _stale(case), _stale(case)

    # When one assigns it and the other raises its severity, at the same moment
    failures = _at_once(
        lambda: services.case_update(
            case=first, user=agu_handler.user, assignee_id=agu_colleague.user.pk
        ),
        lambda: services.case_update(
            case=second, user=agu_colleague.user, severity="critical"
        ),
    )

    # Then both changes survive, the version moved twice and the timeline has both
    assert failures == []
    after = Case.objects.get(pk=case.pk)
    assert after.assignee_id == agu_colleague.user.pk
    assert after.severity == "critical"
    assert after.version == before.version + 2
    new_events = list(
        CaseEvent.objects.filter(case=case)
        .order_by("id")
        .values_list("kind", flat=True)[events_before:]
    )
    assert sorted(new_events) == sorted(
        [EventKind.ASSIGNED, EventKind.SEVERITY_CHANGED]
    )


def test_adding_a_note_while_the_status_changes_keeps_both(
    case, agu_handler, agu_colleague
):
    # Given a case both handlers loaded at version v
    before = _stale(case)
    events_before = CaseEvent.objects.filter(case=case).count()
    first, second = _stale(case), _stale(case)

    # When one writes a note while the other starts the investigation
    failures = _at_once(
        lambda: services.case_note_add(
            case=first, user=agu_handler.user, body="La inspectora visitó la planta."
        ),
        lambda: services.case_status_change(
            case=second, user=agu_colleague.user, status="investigating"
        ),
    )

    # Then the note and the new status are both there, each on the timeline
    assert failures == []
    after = Case.objects.get(pk=case.pk)
    assert after.status == "investigating"
    assert CaseNote.objects.filter(case=case).count() == 1
    assert after.version == before.version + 2
    new_events = list(
        CaseEvent.objects.filter(case=case)
        .order_by("id")
        .values_list("kind", flat=True)[events_before:]
    )
    assert sorted(new_events) == sorted(
        [EventKind.NOTE_ADDED, EventKind.STATUS_CHANGED]
    )
