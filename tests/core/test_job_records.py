"""A job's record outlives the queue: a worker killed mid-job loses nothing.

The queue hands a job over by removing it; `core.JobRecord` keeps it until it
ends. Here a real (non-immediate) SQLite-file queue of the project's own class
stands in for `remedia worker`: jobs are taken and run with huey's own
`dequeue`/`execute`, and a "kill -9" is a job taken and claimed whose process
is then gone (its record names a process that does not exist).
"""

from __future__ import annotations

import socket
from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from remedia.core import jobqueue
from remedia.core.jobqueue import SqliteHuey
from remedia.core.models import JobRecord, JobState

# Real commits: a job queued inside a transaction reaches the queue at its commit.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_flushable_audit_log"),
]

DEAD = f"{socket.gethostname()}:999999999:1"


@pytest.fixture
def queue(tmp_path):
    huey = SqliteHuey("records-test", filename=str(tmp_path / "jobs.sqlite3"))
    runs: Counter[str] = Counter()

    @huey.task()
    def effect(key: str) -> None:
        runs[key] += 1

    @huey.task(retries=1)
    def flaky(key: str) -> None:
        runs[key] += 1
        if runs[key] == 1:
            raise RuntimeError("first run fails")

    @huey.task()
    def broken(key: str) -> None:
        runs[key] += 1
        raise RuntimeError("always fails")

    huey.runs = runs
    huey.tasks = {"effect": effect, "flaky": flaky, "broken": broken}
    return huey


def _drain(huey) -> None:
    while (task := huey.dequeue()) is not None:
        huey.execute(task)


def test_a_job_is_recorded_before_it_is_queued_and_ends_done(queue):
    result = queue.tasks["effect"]("a")

    record = JobRecord.objects.get(pk=result.id)
    assert record.state == JobState.QUEUED
    assert record.name.endswith("effect")
    _drain(queue)

    record.refresh_from_db()
    assert (record.state, record.attempts, record.owner) == (
        JobState.DONE,
        1,
        jobqueue.worker_name(),
    )
    assert record.finished_at is not None
    assert queue.runs == {"a": 1}


def test_a_job_whose_worker_was_killed_mid_run_runs_again_once(queue, monkeypatch):
    queue.tasks["effect"]("a")
    taken = queue.dequeue()
    # The worker claims the job, then dies before it ends (kill -9).
    monkeypatch.setattr(jobqueue, "worker_name", lambda: DEAD)
    queue._run_pre_execute(taken)
    monkeypatch.undo()
    assert JobRecord.objects.get(pk=taken.id).state == JobState.RUNNING
    assert queue.dequeue() is None, "the queue itself has forgotten the job"

    moved = queue.jobs_recover(stale_seconds=900)

    assert moved == 1
    _drain(queue)
    record = JobRecord.objects.get(pk=taken.id)
    assert (record.state, record.attempts) == (JobState.DONE, 2)
    assert queue.runs == {"a": 1}  # the killed run never reached its effect
    assert queue.jobs_recover(stale_seconds=900) == 0


def test_a_job_running_in_a_live_process_of_this_host_is_left_alone(queue):
    queue.tasks["effect"]("a")
    taken = queue.dequeue()
    queue._run_pre_execute(taken)  # this process: alive, however old the job
    JobRecord.objects.filter(pk=taken.id).update(
        started_at=timezone.now() - timedelta(days=2)
    )

    assert queue.jobs_recover(stale_seconds=1) == 0
    assert JobRecord.objects.get(pk=taken.id).state == JobState.RUNNING


def test_a_job_running_on_another_host_is_recovered_once_stale(queue):
    queue.tasks["effect"]("a")
    taken = queue.dequeue()
    JobRecord.objects.filter(pk=taken.id).update(
        state=JobState.RUNNING,
        owner="elsewhere.example:12:34",
        started_at=timezone.now() - timedelta(seconds=60),
    )

    assert queue.jobs_recover(stale_seconds=900) == 0  # may still be running
    assert queue.jobs_recover(stale_seconds=30) == 1
    _drain(queue)
    assert queue.runs == {"a": 1}


def test_a_job_taken_by_a_worker_killed_before_its_claim_is_queued_again(queue):
    result = queue.tasks["effect"]("a")
    queue.tasks["effect"]("b")
    assert queue.dequeue().id == result.id  # taken, then the worker dies
    long_ago = timezone.now() - timedelta(minutes=5)
    JobRecord.objects.update(queued_at=long_ago)

    # "b" is still in the queue: only "a" is queued again.
    assert queue.jobs_recover(stale_seconds=900) == 1
    _drain(queue)

    assert queue.runs == {"a": 1, "b": 1}
    assert set(JobRecord.objects.values_list("state", flat=True)) == {JobState.DONE}


def test_a_job_just_queued_is_not_taken_for_lost(queue):
    queue.tasks["effect"]("a")
    queue.dequeue()  # its record is younger than the grace period

    assert queue.jobs_recover(stale_seconds=900) == 0


def test_a_job_queued_twice_runs_once(queue):
    result = queue.tasks["effect"]("a")
    queue.storage.enqueue(queue.serialize_task(queue.dequeue()), None)
    queue.storage.enqueue(bytes(JobRecord.objects.get(pk=result.id).payload), None)
    assert queue.pending_count() == 2

    _drain(queue)

    assert queue.runs == {"a": 1}
    assert JobRecord.objects.get(pk=result.id).state == JobState.DONE


def test_a_job_that_raises_is_retried_then_recorded_failed(queue):
    queue.tasks["flaky"]("f")
    queue.tasks["broken"]("b")
    _drain(queue)

    states = dict(JobRecord.objects.values_list("name", "state"))
    assert {name.rsplit(".", 1)[-1]: state for name, state in states.items()} == {
        "flaky": JobState.DONE,
        "broken": JobState.FAILED,
    }
    assert queue.runs == {"f": 2, "b": 1}


def test_recording_a_job_queued_after_a_commit_is_one_statement(queue):
    # A report's submission queues its jobs once it has committed: the record
    # is one INSERT ... ON CONFLICT, not a read, savepoints and a write.
    with CaptureQueriesContext(connection) as queries:
        result = queue.tasks["effect"]("a")

    statements = [q["sql"] for q in queries.captured_queries]
    work = [sql for sql in statements if sql.split()[0] not in ("BEGIN", "COMMIT")]
    assert len(work) == 1
    assert work[0].startswith("INSERT")
    assert "ON CONFLICT" in work[0]
    assert JobRecord.objects.get(pk=result.id).state == JobState.QUEUED


def test_a_job_queued_again_is_reset_but_keeps_its_attempts(queue):
    # Given a job that ran twice and was left running by its worker
    result = queue.tasks["effect"]("a")
    earlier = timezone.now() - timedelta(hours=1)
    JobRecord.objects.filter(pk=result.id).update(
        state=JobState.RUNNING, owner=DEAD, attempts=2, queued_at=earlier
    )
    task = queue.dequeue()

    # When the same job is queued again (a retry, or a sweep's recovery)
    queue.enqueue(task)

    # Then its one record is queued anew, its attempts counted still
    record = JobRecord.objects.get(pk=result.id)
    assert (record.state, record.owner, record.attempts) == (JobState.QUEUED, "", 2)
    assert record.queued_at > earlier
    assert JobRecord.objects.count() == 1
    _drain(queue)
    assert queue.runs == {"a": 1}
    assert JobRecord.objects.get(pk=result.id).attempts == 3


def test_a_job_without_a_record_still_runs(queue):
    result = queue.tasks["effect"]("a")
    JobRecord.objects.filter(pk=result.id).delete()  # queued before records existed

    _drain(queue)

    assert queue.runs == {"a": 1}


def test_ended_records_are_purged_after_a_while(queue):
    queue.tasks["effect"]("a")
    queue.tasks["effect"]("b")
    _drain(queue)
    JobRecord.objects.filter(pk__in=JobRecord.objects.values("pk")[:1]).update(
        finished_at=timezone.now() - timedelta(days=2)
    )

    assert queue.job_records_purge(older_than_seconds=24 * 3600) == 1
    assert JobRecord.objects.count() == 1


def test_jobs_run_where_queued_in_immediate_mode_leave_no_record(tmp_path):
    huey = SqliteHuey("records-now", filename=str(tmp_path / "q.sqlite3"))
    huey.immediate = True
    ran = []

    @huey.task()
    def effect() -> None:
        ran.append(1)

    effect()

    assert ran == [1]
    assert not JobRecord.objects.exists()


def test_a_record_the_database_refuses_costs_the_record_not_the_job(queue, caplog):
    with mock.patch.object(
        JobRecord.objects, "bulk_create", side_effect=OperationalError("down")
    ):
        queue.tasks["effect"]("a")

    assert "jobs.unrecorded" in caplog.text
    assert not JobRecord.objects.exists()
    _drain(queue)
    assert queue.runs == {"a": 1}


def test_a_job_queued_inside_a_transaction_reaches_the_queue_at_its_commit(queue):
    with transaction.atomic():
        result = queue.tasks["effect"]("a")
        assert JobRecord.objects.get(pk=result.id).state == JobState.QUEUED
        assert queue.pending_count() == 0

    assert queue.pending_count() == 1
    _drain(queue)
    assert queue.runs == {"a": 1}


def test_a_job_queued_inside_a_transaction_rolled_back_is_never_queued(queue):
    def write_that_fails() -> None:
        with transaction.atomic():
            queue.tasks["effect"]("a")
            raise RuntimeError("the write fails")

    with pytest.raises(RuntimeError):
        write_that_fails()

    assert queue.pending_count() == 0
    assert not JobRecord.objects.exists()
