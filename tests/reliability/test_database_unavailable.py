"""While the database is unreachable, every answer is a kind 503, never a 500.

The outage here is real, not simulated: the connection is pointed at a place
where no database is (a closed port on PostgreSQL, an unopenable file on
SQLite), so the driver fails as it does when the server is down. The worker's
web form comes back with what they typed, in their language; other pages get
a short page, the API and the channels' hooks JSON; each with Retry-After;
nothing is stored and no traceback is shown.
"""

from __future__ import annotations

import copy
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client

from remedia.intake.models import Report

NARRATIVE = "Nos amenazaron con despedirnos si votábamos — ñandú <b>negrita</b>"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def database_down() -> Iterator[None]:
    """The default connection cannot reach its database until the block ends.

    The test database's own connection is set aside, not closed (closing an
    in-memory SQLite database would destroy it), and put back afterwards.
    """
    saved_settings = dict(connection.settings_dict)
    saved_connection = connection.connection
    # A new connection resets the transaction state (the test's own atomic
    # block): it is put back with the connection.
    saved_state = {
        name: copy.copy(getattr(connection, name))
        for name in (
            "autocommit", "in_atomic_block", "savepoint_state", "savepoint_ids",
            "atomic_blocks", "commit_on_exit", "needs_rollback",
            "closed_in_transaction", "run_on_commit", "run_commit_hooks_on_set_autocommit_on",
        )
    }  # fmt: skip
    connection.connection = None
    if connection.vendor == "postgresql":
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    else:
        connection.settings_dict["NAME"] = "/nonexistent/remedia/db.sqlite3"
    try:
        yield
    finally:
        if connection.connection is not None:
            connection.connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved_settings)
        connection.connection = saved_connection
        for name, value in saved_state.items():
            setattr(connection, name, value)
        connection.errors_occurred = False


def _form() -> dict[str, str]:
    return {
        "categories": "intimidation",
        "state": "MX-PUE",
        "facility_name": "Maquila del periférico",
        "narrative": NARRATIVE,
        "action": "submit",
    }


@pytest.fixture
def worker() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.django_db
def test_the_web_form_comes_back_with_what_was_typed(worker, orgs):
    with database_down():
        response = worker.post("/denunciar/", _form())

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "No pudimos guardar su denuncia" in html
    # Kept, and escaped like any input.
    assert "Nos amenazaron con despedirnos si votábamos" in html
    assert "&lt;b&gt;negrita&lt;/b&gt;" in html
    assert "Traceback" not in html
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_the_web_form_speaks_the_workers_language(worker, orgs):
    worker.cookies["django_language"] = "en"
    with database_down():
        response = worker.post("/denunciar/", _form(), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 503
    html = response.content.decode()
    assert "We could not save your report" in html
    assert "Nos amenazaron con despedirnos" in html


@pytest.mark.django_db
def test_the_api_and_the_hooks_answer_json_with_retry_after(worker, orgs):
    with database_down():
        api = worker.post(
            "/api/v1/intake/reports",
            {
                "language": "es",
                "categories": ["intimidation"],
                "narrative": NARRATIVE,
                "state": "MX-PUE",
            },
            content_type="application/json",
        )
        followup = worker.get(
            "/api/v1/intake/me", HTTP_AUTHORIZATION="Receipt 1234567890123456"
        )

    for response in (api, followup):
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        assert response.json()["retry_after"] == 30
        assert "no está disponible" in response.json()["detail"]
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_other_pages_get_a_short_page_in_the_visitors_language(worker, orgs):
    worker.cookies["django_language"] = "en"
    with database_down():
        response = worker.post(
            "/seguimiento/",
            {"receipt": "1234567890123456"},
            HTTP_ACCEPT_LANGUAGE="en",
        )

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "Back in a moment" in html
    assert "Traceback" not in html
    assert "OperationalError" not in html


@pytest.mark.django_db
def test_service_returns_by_itself_when_the_database_does(worker, orgs):
    with database_down():
        assert worker.get("/readyz").status_code == 503
        assert worker.get("/healthz").status_code == 200

    assert worker.get("/readyz").status_code == 200
    response = worker.post("/denunciar/", _form())
    assert response.status_code == 302
    assert Report.objects.count() == 1
