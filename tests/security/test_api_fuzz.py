"""Schema fuzzing of the REST API: every operation of /api/v1/openapi.json.

Schemathesis generates requests from the OpenAPI document (valid and
deliberately broken ones: wrong types, missing fields, odd strings in paths)
and sends them to the app in-process (WSGI). Three callers: a staff token, a
worker's receipt (the `/intake/me...` operations) and nobody. Two checks on
every answer: no 5xx, and a documented status answers with a body that matches
its schema. Bounded for CI: a few examples per operation, derandomised, so a
failure reproduces on the next run.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from remedia.accounts import keys
from remedia.accounts import services as accounts
from tests.support.factories.accounts import PASSWORD

EXAMPLES_PER_OPERATION = 6
# Floors, so a fuzzing run that silently lost its operations fails.
MIN_OPERATIONS = 60
MIN_EXAMPLES = 2000

APP = get_wsgi_application()
CHECKS = [not_a_server_error, response_schema_conformance]
FUZZ = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    # The explicit (boundary) examples and generation; no targeting or shrinking.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

# Without credentials every staff operation stops at 401 before reading any
# input, so the boundary examples would only repeat it: generated ones suffice.
ANONYMOUS_FUZZ = settings(FUZZ, phases=[Phase.generate])


def _schema() -> Any:
    from remedia.config.api import api

    return schemathesis.openapi.from_dict(api.get_openapi_schema())


schema = _schema()
receipt_schema = _schema().include(path_regex=r"^/api/v1/intake/me")

_COUNTS: dict[str, int] = {"staff": 0, "receipt": 0, "anonymous": 0}
_OPERATIONS: dict[str, set[str]] = {
    "staff": set(),
    "receipt": set(),
    "anonymous": set(),
}


def _send(case: Any, who: str, headers: dict[str, str]) -> None:
    _COUNTS[who] += 1
    _OPERATIONS[who].add(case.operation.label)
    response = case.call(app=APP, headers=headers)
    case.validate_response(response, checks=CHECKS)


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


@schema.parametrize()
@FUZZ
def test_api_with_a_staff_token(case: Any, staff_token: str) -> None:
    _send(case, "staff", {"Authorization": f"Bearer {staff_token}"})


@receipt_schema.parametrize()
@FUZZ
def test_api_with_a_worker_receipt(case: Any, receipt: str) -> None:
    _send(case, "receipt", {"Authorization": f"Receipt {receipt}"})


@schema.parametrize()
@ANONYMOUS_FUZZ
def test_api_anonymously(case: Any, db: None) -> None:
    _send(case, "anonymous", {})


def test_fuzzing_counts(capsys: pytest.CaptureFixture[str]) -> None:
    # Given the runs above (this test runs after them in this module), then
    # every operation was fuzzed by staff and anonymously, and the counts show
    total = sum(_COUNTS.values())
    operations = len(_OPERATIONS["staff"])
    with capsys.disabled():
        print(  # noqa: T201 - the counts are what this test reports
            f"\nschema fuzzing: {total} examples generated "
            f"(staff token {_COUNTS['staff']} over {operations} operations, "
            f"receipt {_COUNTS['receipt']} over {len(_OPERATIONS['receipt'])}, "
            f"anonymous {_COUNTS['anonymous']} over "
            f"{len(_OPERATIONS['anonymous'])}); max_examples {EXAMPLES_PER_OPERATION} "
            f"per operation plus schemathesis' boundary examples (staff, receipt); "
            f"checks: not_a_server_error, response_schema_conformance"
        )
    if _COUNTS["staff"] and _COUNTS["anonymous"]:
        assert operations >= MIN_OPERATIONS
        assert len(_OPERATIONS["anonymous"]) == operations
        assert total >= MIN_EXAMPLES
