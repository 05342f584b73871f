"""The move of `Notification` from `cases` keeps the table and every row in it."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from remedia.accounts.models import User
from remedia.notifications.models import Notification

BEFORE = [
    ("cases", "0003_notification_remediation_due"),
    ("notifications", None),
]


def _leaves() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_flushable_audit_log")
def test_rows_written_under_cases_survive_the_move():
    # Given a database at the last migration before the move, with rows in
    # the cases app's notification table (sent, unsent, another user's)
    user = User.objects.create(username="hilda", email="hilda@cla.example.org")
    other = User.objects.create(username="hector", email="hector@cop.example.org")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    state = executor.loader.project_state([BEFORE[0]])
    old = state.apps.get_model("cases", "Notification")
    sent_at = timezone.now()
    rows = [
        old.objects.create(
            user_id=user.pk,
            kind="case_assigned",
            key=f"{uuid.uuid4()}:1",
            sent_at=sent_at,
        ),
        old.objects.create(user_id=user.pk, kind="rrm_due", key="x:step:20260101"),
        old.objects.create(
            user_id=other.pk, kind="digest", key="2026-12-01", sent_at=sent_at
        ),
    ]

    # When every migration runs
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(_leaves())

    # Then the same rows are the notifications app's, in the same table,
    # listed as read (they were emails before there was a list)
    assert Notification._meta.db_table == "cases_notification"
    moved = {n.pk: n for n in Notification.objects.all()}
    assert set(moved) == {r.pk for r in rows}
    for row in rows:
        now = moved[row.pk]
        assert (now.user_id, now.kind, now.key) == (row.user_id, row.kind, row.key)
        assert now.read_at is not None
        assert now.by_email is True
        assert now.url == ""
    assert moved[rows[0].pk].sent_at == sent_at
    assert moved[rows[1].pk].sent_at is None
    # And the once-only rule still holds in the database
    with pytest.raises(Exception):  # noqa: B017, PT011 - IntegrityError, by backend
        Notification.objects.create(user=user, kind=rows[0].kind, key=rows[0].key)
