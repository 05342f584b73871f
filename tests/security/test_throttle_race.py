"""Issue 15.8: the throttle counts atomically, and a stranger's failures do not
lock out a login that proves the second factor."""

from __future__ import annotations

import threading
import time

from remedia.accounts import services
from tests.support.factories.accounts import totp_code


def test_parallel_guesses_do_not_pass_together_while_the_slow_hash_runs(
    monkeypatch, rf, settings
):
    # Given a slow password check (as Argon2 is) that always fails
    checks = []
    lock = threading.Lock()

    def slow_authenticate(request, username, password):
        with lock:
            checks.append(password)
        time.sleep(0.3)
        return None

    monkeypatch.setattr(services, "authenticate", slow_authenticate)
    monkeypatch.setattr(services, "audit_record", lambda **kwargs: None)
    # Threads share one process's memory cache (the test database is not
    # shared between threads); Redis gives the same atomic operations.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    free = settings.REMEDIA_LOGIN_FREE_FAILURES
    errors = []

    # When twenty guesses for one account arrive at once
    def guess(n: int) -> None:
        try:
            services.login_attempt(
                request=rf.post("/staff/login/"), username="hilda", password=f"g{n}"
            )
        except services.ApplicationError:
            pass
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    # Then no more than the free attempts (and one held back by the wait) were
    # checked, not all twenty
    assert len(checks) <= free + 1, len(checks)


def test_a_strangers_failures_do_not_lock_out_password_and_code(
    client, handler, log_in
):
    # Given a stranger who knows the username and failed many times
    for _attempt in range(12):
        assert log_in("hilda", password="not the password").status_code in {400, 429}
    assert log_in("hilda", password="still not it").status_code == 429

    # When the handler logs in with the right password and a valid code
    response = log_in("hilda", code=totp_code(handler.totpdevice_set.get()))

    # Then they are in
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_a_locked_account_still_refuses_a_wrong_code_with_the_right_password(
    client, handler, log_in
):
    for _attempt in range(12):
        log_in("hilda", password="not the password")

    # The answer is the same wait as for any attempt: nothing is learned
    response = log_in("hilda", code="000000")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_parallel_receipt_guesses_in_one_bucket_are_checked_one_at_a_time(
    monkeypatch, settings
):
    # Given a slow receipt hash (as Argon2id is) and no report for any guess
    from remedia.intake import services as intake

    checks = []
    lock = threading.Lock()
    real_derive = intake.crypto.receipt_derive

    def slow_derive(receipt, *, salt):
        with lock:
            checks.append(receipt)
        time.sleep(0.3)
        return real_derive(receipt, salt=salt)

    class NoReports:
        class objects:  # noqa: N801 (stands in for the manager)
            @staticmethod
            def filter(**kwargs):
                return type("Rows", (), {"first": staticmethod(lambda: None)})()

    monkeypatch.setattr(intake.crypto, "receipt_derive", slow_derive)
    monkeypatch.setattr(intake, "_receipt_salt", lambda: b"s" * 16)
    monkeypatch.setattr(intake, "Report", NoReports)
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    free = settings.REMEDIA_RECEIPT_FREE_FAILURES
    outcomes: list[str] = []
    errors = []

    # When twenty guesses starting with the same four digits arrive at once
    def guess(n: int) -> None:
        try:
            intake.reporter_open(receipt=f"1234{n:012d}")
        except intake.ReceiptRefused:
            outcomes.append("refused")
        except intake.Throttled:
            outcomes.append("throttled")
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then they did not all run the slow hash together: the others were told
    # to wait, and no more than the free guesses were ever checked
    assert errors == []
    assert len(outcomes) == 20
    assert "throttled" in outcomes
    assert len(checks) <= free, (len(checks), free)
