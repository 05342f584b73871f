"""The receipt: the reporter's only credential. One answer and about one time for
every failure, stored only as Argon2id output, guessing throttled per bucket."""

from __future__ import annotations

import base64
import statistics
import time

import pytest

from remedia.core import crypto, throttle
from remedia.intake.models import Report
from tests.intake.support import (
    ME_URL,
    NARRATIVE,
    REPORTS_URL,
    database_dump,
    database_file_image,
    found_in,
    receipt_auth,
    submit_ok,
)


def _other_receipt(receipt: str, *, same_bucket: bool, n: int = 0) -> str:
    """A well-formed receipt that is not `receipt`, in its bucket or out of it."""
    head = receipt[:4] if same_bucket else f"{(int(receipt[:4]) + 1 + n) % 10_000:04d}"
    tail = f"{(int(receipt[4:]) + 1 + n) % 10**12:012d}"
    return head + tail


# --- The reporter's view -------------------------------------------------------------


def test_receipt_shows_the_status_and_the_messages_in_order(client, orgs, agu_handler):
    # Given a report, a staff reply, the reporter's answer and a second reply
    receipt = submit_ok(client, categories=["threats", "intimidation"])
    report = Report.objects.get()
    url = f"{REPORTS_URL}/{report.pk}/messages"
    assert (
        client.post(
            url,
            {"body": "Gracias. ¿En qué turno pasó?"},
            content_type="application/json",
            headers=agu_handler.headers,
        ).status_code
        == 201
    )
    assert (
        client.post(
            ME_URL + "/messages",
            {"body": "En el turno de noche."},
            content_type="application/json",
            headers=receipt_auth(receipt),
        ).status_code
        == 201
    )
    assert (
        client.post(
            url,
            {"body": "Vamos a visitar el centro."},
            content_type="application/json",
            headers=agu_handler.headers,
        ).status_code
        == 201
    )

    # When the reporter looks with the receipt
    response = client.get(ME_URL, headers=receipt_auth(receipt))

    # Then they see the status the reply set and the messages in the order written
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "acknowledged"
    assert body["status_label"] == "Acusada de recibo"
    assert body["narrative"] == NARRATIVE
    assert body["categories"] == ["intimidation", "threats"]
    assert [(m["author"], m["body"]) for m in body["messages"]] == [
        ("staff", "Gracias. ¿En qué turno pasó?"),
        ("reporter", "En el turno de noche."),
        ("staff", "Vamos a visitar el centro."),
    ]


def test_receipt_may_be_typed_in_groups(client, orgs):
    receipt = submit_ok(client)
    grouped = " ".join(receipt[i : i + 4] for i in range(0, 16, 4))

    response = client.get(ME_URL, headers=receipt_auth(grouped))

    assert response.status_code == 200
    assert response.json()["status"] == "received"


# --- One answer for every failure ------------------------------------------------------


FAILURES = {
    "wrong receipt": lambda r: receipt_auth(_other_receipt(r, same_bucket=False)),
    "letters": lambda r: receipt_auth("abcdefghijklmnop"),
    "15 digits": lambda r: receipt_auth(r[:15]),
    "17 digits": lambda r: receipt_auth(r + "1"),
    "empty receipt": lambda r: {"Authorization": "Receipt "},
    "no header": lambda r: {},
    "bearer scheme": lambda r: {"Authorization": f"Bearer {r}"},
    "no scheme": lambda r: {"Authorization": r},
}


@pytest.fixture
def refusal(client, orgs):
    """The answer to a well-formed receipt that matches no report."""
    receipt = submit_ok(client)
    response = client.get(ME_URL, headers=receipt_auth("0" * 16))
    assert response.status_code == 401
    return receipt, response.json()


@pytest.mark.parametrize("headers", FAILURES.values(), ids=FAILURES)
def test_every_kind_of_bad_receipt_gets_the_identical_401(client, refusal, headers):
    receipt, expected = refusal

    response = client.get(ME_URL, headers=headers(receipt))

    assert response.status_code == 401
    assert response.json() == expected
    assert "detail" in expected
    # The same refusal on the message endpoint
    posted = client.post(
        ME_URL + "/messages",
        {"body": "hola"},
        content_type="application/json",
        headers=headers(receipt),
    )
    assert posted.status_code == 401
    assert posted.json() == expected


def _samples(call, times: int) -> list[float]:
    samples = []
    for _i in range(times):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def _median_seconds(call, times: int = 5) -> float:
    return statistics.median(_samples(call, times))


def test_answer_takes_about_the_same_time_whether_or_not_a_report_exists(
    client, orgs, settings
):
    # Given one report, and guessing not throttled (so that no answer is a shortcut),
    # at the receipt hash's production cost: the suite's cheap one would let
    # the rest of a request, not the hash, set the times compared here
    settings.REMEDIA_RECEIPT_FREE_FAILURES = 1000
    settings.REMEDIA_ARGON2ID_COST = {
        **settings.REMEDIA_ARGON2ID_COST,
        "receipt": {"opslimit": 2, "memlimit": 19 * 1024 * 1024},
    }
    receipt = submit_ok(client)
    # The hash's own cost is its fastest run: a busy machine only adds to a
    # time, so a median taken at another moment could exceed every answer's.
    hash_time = min(
        _samples(lambda: crypto.receipt_derive("1234567890123456", salt=b"s" * 16), 7)
    )
    n = iter(range(100))

    def wrong() -> None:
        other = _other_receipt(receipt, same_bucket=False, n=next(n))
        assert client.get(ME_URL, headers=receipt_auth(other)).status_code == 401

    def malformed() -> None:
        assert client.get(ME_URL, headers=receipt_auth("12ab")).status_code == 401

    def right() -> None:
        assert client.get(ME_URL, headers=receipt_auth(receipt)).status_code == 200

    # When each kind is timed (median of five)
    timings = {
        "wrong": _median_seconds(wrong),
        "malformed": _median_seconds(malformed),
        "right": _median_seconds(right),
    }

    # Then every answer paid for the slow hash: none is a fast "no such report"
    for kind, seconds in timings.items():
        assert seconds >= 0.7 * hash_time, (kind, timings, hash_time)
    # And a wrong receipt takes about as long as the right one
    slowest, fastest = max(timings.values()), min(timings.values())
    assert slowest <= 3 * fastest, timings


# --- Stored only as Argon2id output --------------------------------------------------------


def test_receipt_is_stored_nowhere_in_the_database(client, orgs):
    # Given two reports
    receipts = [submit_ok(client), submit_ok(client)]

    # When every row of every table is read
    dump = database_dump()
    image = database_file_image()

    # Then no form of either receipt appears anywhere
    secrets = [r.encode() for r in receipts]
    assert found_in(dump, secrets) == []
    assert found_in(image, secrets) == []
    # And the dump did read the reports' binary columns (the check is not vacuous)
    for report in Report.objects.all():
        assert bytes(report.receipt_lookup) in dump
        assert bytes(report.reporter_wrapped_key) in dump


def test_stored_lookup_is_the_peppered_argon2id_of_the_receipt(client, orgs):
    from remedia.intake.models import IntakeConfiguration
    from remedia.intake.services import _receipt_salt

    receipt = submit_ok(client)
    salt = _receipt_salt()

    # Keyed with the pepper, which the database does not hold (issue 15.9).
    expected = crypto.receipt_peppered(
        crypto.receipt_derive(receipt, salt=salt), pepper=crypto.receipt_peppers()[0]
    ).lookup
    assert bytes(Report.objects.get().receipt_lookup) == expected
    assert IntakeConfiguration.objects.filter(id=1).exists()
    assert base64.b64encode(receipt.encode()) not in database_dump()


# --- Guessing is throttled per bucket, honest reporters are not locked out ------------------


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(throttle, "time", fake)
    return fake


def test_guesses_in_one_bucket_slow_that_bucket_only(client, orgs, settings, clock):
    # Given few free failures, and two reports whose receipts start differently
    settings.REMEDIA_RECEIPT_FREE_FAILURES = 3
    settings.REMEDIA_RECEIPT_FIRST_DELAY = 30
    target = submit_ok(client)
    other = submit_ok(client)
    while other[:4] == target[:4]:
        other = submit_ok(client)

    # When someone guesses three wrong receipts starting like the target's
    for n in range(3):
        guess = _other_receipt(target, same_bucket=True, n=n)
        assert client.get(ME_URL, headers=receipt_auth(guess)).status_code == 401

    # Then the next attempt in that bucket must wait, even with the right receipt
    throttled = client.get(ME_URL, headers=receipt_auth(target))
    assert throttled.status_code == 429
    assert throttled.json()["detail"].startswith("Demasiados intentos.")
    assert 0 < int(throttled["Retry-After"]) <= 30
    # And a reporter whose receipt starts otherwise is not held up
    assert client.get(ME_URL, headers=receipt_auth(other)).status_code == 200

    # And once the wait has passed, the right receipt works again
    clock.now += 31
    assert client.get(ME_URL, headers=receipt_auth(target)).status_code == 200


def test_malformed_guesses_do_not_lock_out_real_receipts(client, orgs, settings):
    # Given few free failures and a real report
    settings.REMEDIA_RECEIPT_FREE_FAILURES = 2
    receipt = submit_ok(client)

    # When someone sends many malformed receipts
    statuses = [
        client.get(ME_URL, headers=receipt_auth("x" * n)).status_code for n in range(5)
    ]

    # Then those are slowed down, but the real receipt still opens its report
    assert statuses[:2] == [401, 401]
    assert 429 in statuses
    assert client.get(ME_URL, headers=receipt_auth(receipt)).status_code == 200
