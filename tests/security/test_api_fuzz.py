"""Schema fuzzing of the REST API: every operation of /api/v1/openapi.json.

Schemathesis generates requests from the OpenAPI document (valid and
deliberately broken ones: wrong types, missing fields, odd strings in paths)
and sends them to the app in-process (WSGI). Three callers: a staff token, a
worker's receipt (the `/intake/me...` operations) and nobody. Two checks on
every answer: no 5xx, and a documented status answers with a body that matches
its schema. Bounded for CI: a few examples per operation, derandomised, so a
failure reproduces on the next run.

Each test walks the operations itself (hypothesis' ``@given`` over
schemathesis' strategies, positive and negative) instead of schemathesis'
pytest parametrisation, whose subtests run only the first operation under
pytest-xdist; each test then asserts its own counts, so a run that silently
lost operations fails wherever it runs.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from remedia.accounts import keys
from remedia.accounts import services as accounts
from tests.support.factories.accounts import PASSWORD

# Examples per operation and generation mode (valid requests, then broken ones).
EXAMPLES_PER_OPERATION = 12
# Floors, so a fuzzing run that silently lost its operations fails.
MIN_OPERATIONS = 60
MIN_EXAMPLES = 1500

APP = get_wsgi_application()
CHECKS = [not_a_server_error, response_schema_conformance]
FUZZ = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    # Generation only: no targeting or shrinking, so CI time stays bounded.
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def _schema() -> Any:
    from remedia.config.api import api

    return schemathesis.openapi.from_dict(api.get_openapi_schema())


def _fuzz(schema: Any, headers: dict[str, str], *, who: str) -> tuple[int, int]:
    """Send every operation's examples; (operations, examples). Fails with
    every operation that answered 5xx or off its schema, not just the first."""
    operations = examples = 0
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in MODES:
            sent = 0

            @FUZZ
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                nonlocal sent
                sent += 1
                response = case.call(app=APP, headers=headers)
                case.validate_response(response, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                # No broken request exists (a path takes any string): nothing
                # to send in this mode.
                assert mode is GenerationMode.NEGATIVE, operation.label
            except Exception as exc:  # noqa: BLE001 (each failure is listed below)
                failures.append(f"{operation.label} ({mode.value}): {exc}")
            examples += sent
    with_counts = (
        f"schema fuzzing as {who}: {operations} operations, {examples} examples "
        f"({EXAMPLES_PER_OPERATION} per operation and mode at most, "
        f"{len(failures)} failing)"
    )
    print(f"\n{with_counts}")  # noqa: T201 - the counts are what CI reports
    assert not failures, with_counts + "\n" + "\n\n".join(failures)
    return operations, examples


@pytest.fixture(autouse=True)
def _test_connection_kept() -> Any:
    # The WSGI handler closes old database connections at the start and end of
    # each request; inside a test's transaction that closes the test's own
    # connection (PostgreSQL: "the connection is closed" on the next request).
    # Django's test client unhooks the same two receivers while it calls.
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def staff_token(keyed_handler: Any, submit_report: Any) -> str:
    """A handler's decrypting token, with a report of theirs in the inbox."""
    submit_report(narrative="Nos cambian el turno sin avisar.")
    private = keys.user_key_unlock(user=keyed_handler, password=PASSWORD)
    return accounts.token_issue(user=keyed_handler, name="fuzz", private_key=private)[1]


@pytest.fixture
def receipt(receiving_org: Any, hand_in: Any) -> str:
    submitted = hand_in(
        narrative="Nos amenazan si hablamos con el sindicato.",
        facility_name="Maquiladora del parque",
    )
    return submitted.receipt


def test_api_with_a_staff_token(staff_token: str) -> None:
    operations, examples = _fuzz(
        _schema(), {"Authorization": f"Bearer {staff_token}"}, who="staff"
    )
    assert operations >= MIN_OPERATIONS
    assert examples >= MIN_EXAMPLES


def test_api_with_a_worker_receipt(receipt: str) -> None:
    operations, examples = _fuzz(
        _schema().include(path_regex=r"^/api/v1/intake/me"),
        {"Authorization": f"Receipt {receipt}"},
        who="receipt",
    )
    assert operations >= 3
    assert examples >= operations * 2


def test_api_anonymously(db: None) -> None:
    operations, examples = _fuzz(_schema(), {}, who="anonymous")
    assert operations >= MIN_OPERATIONS
    assert examples >= MIN_EXAMPLES // 2
