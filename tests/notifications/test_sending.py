"""The machinery every app's notifications go through: claim, send once, lease, preferences.

A kind registered by the test stands in for the apps' kinds (their own
composers are tested with them: tests/cases/test_alerts.py, tests/rrm/...).
Django's in-memory mailbox (`mailoutbox`) receives what is sent.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from remedia.core.errors import InvalidInput
from remedia.notifications import registry, selectors, services
from remedia.notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses everything."""

    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        raise smtplib.SMTPException("refused")


def test_a_notice_is_sent_once_however_often_it_is_sent(test_kind, hilda, mailoutbox):
    # Given a notice that still holds
    test_kind.holds.add("k1")

    # When the same (user, kind, key) is sent twice
    first = services.notifications_send(
        kind=test_kind.value, recipients=[(hilda, "k1")]
    )
    second = services.notifications_send(
        kind=test_kind.value, recipients=[(hilda, "k1")]
    )

    # Then one email went, and one row records it (sent, unread, with its link)
    assert (first, second) == (1, 0)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [hilda.email]
    row = Notification.objects.get(user=hilda)
    assert row.sent_at is not None
    assert row.read_at is None
    assert row.url == "/staff/cases/k1/"


def test_a_notice_no_longer_holding_is_dropped_before_sending(
    test_kind, hilda, mailoutbox
):
    # Given a key whose news no longer holds, when it is sent
    sent = services.notifications_send(kind=test_kind.value, recipients=[(hilda, "k")])

    # Then nothing went and no row stays behind
    assert sent == 0
    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_an_unregistered_kind_is_refused(hilda):
    # A row nobody can compose could never be sent nor retried.
    with pytest.raises(ValueError, match="not registered"):
        services.notifications_send(kind="nobody_knows", recipients=[(hilda, "k")])
    assert not Notification.objects.exists()


def test_a_kind_too_long_for_the_column_cannot_be_registered():
    with pytest.raises(ValueError, match="1 to 20 characters"):
        registry.kind_register(kind="x" * 21, label="x", composer=lambda u, k, n: None)


def test_a_kind_turned_off_by_email_is_still_listed_in_the_app(
    test_kind, hilda, mailoutbox
):
    # Given Hilda turned the kind off by email
    services.preferences_set(user=hilda, email_kinds=[], language="")
    test_kind.holds.add("k1")

    # When it is sent to her
    sent = services.notifications_send(kind=test_kind.value, recipients=[(hilda, "k1")])

    # Then no email went, but the item is in her list with its link, unread
    assert sent == 0
    assert mailoutbox == []
    (item,) = selectors.notification_list(viewer=hilda)
    assert item.kind == test_kind.value
    assert item.url == "/staff/cases/k1/"
    assert item.read_at is None
    assert selectors.unread_count(viewer=hilda) == 1


def test_a_notice_listed_only_is_never_retried_by_email(test_kind, hilda, mailoutbox):
    services.preferences_set(user=hilda, email_kinds=[], language="")
    test_kind.holds.add("k1")
    services.notifications_send(kind=test_kind.value, recipients=[(hilda, "k1")])
    Notification.objects.update(updated_at=timezone.now() - timedelta(hours=1))

    assert services.unsent_retry() == 0
    assert mailoutbox == []


def test_other_kinds_still_come_by_email(test_kind, hilda, mailoutbox):
    # Given Hilda keeps this kind by email (and turns the digest off)
    services.preferences_set(user=hilda, email_kinds=[test_kind.value], language="")
    test_kind.holds.add("k1")

    assert (
        services.notifications_send(kind=test_kind.value, recipients=[(hilda, "k1")])
        == 1
    )
    assert len(mailoutbox) == 1
    off = NotificationPreference.objects.get(user=hilda).email_off
    assert "digest" in off
    assert test_kind.value not in off


def test_emails_go_in_the_language_chosen_for_them(test_kind, hilda, mailoutbox):
    # Given Hilda's account is in Spanish, but she wants emails in English
    services.preferences_set(user=hilda, email_kinds=[test_kind.value], language="en")
    test_kind.holds.add("k1")

    services.notifications_send(kind=test_kind.value, recipients=[(hilda, "k1")])

    (email,) = mailoutbox
    assert email.extra_headers["Content-Language"] == "en"
    assert email.subject == "Remedia: your daily summary"


def test_without_a_preference_emails_follow_the_accounts_language(
    test_kind, hilda, mailoutbox
):
    hilda.language = "en"
    hilda.save(update_fields=["language"])
    test_kind.holds.add("k1")

    services.notifications_send(kind=test_kind.value, recipients=[(hilda, "k1")])

    assert mailoutbox[0].extra_headers["Content-Language"] == "en"


def test_preferences_refuse_unknown_kinds_and_languages(test_kind, hilda):
    with pytest.raises(InvalidInput) as refused:
        services.preferences_set(user=hilda, email_kinds=["nope"], language="fr")
    assert {e["field"] for e in refused.value.errors} == {"email_kinds", "language"}
    assert not NotificationPreference.objects.exists()


def test_a_refused_email_is_retried_after_the_lease_and_only_then(
    test_kind, hilda, settings, mailoutbox
):
    # Given the mail server refused the email
    test_kind.holds.add("k1")
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    assert (
        services.notifications_send(kind=test_kind.value, recipients=[(hilda, "k1")])
        == 0
    )
    row = Notification.objects.get()
    assert row.sent_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    # When the hourly retry runs within the lease, then it leaves the row alone
    assert services.unsent_retry() == 0
    # When it runs after the lease, then the email goes, once
    Notification.objects.update(
        updated_at=timezone.now() - services.RETRY_AFTER - timedelta(minutes=1)
    )
    assert services.unsent_retry() == 1
    assert services.unsent_retry() == 0
    assert len(mailoutbox) == 1


def test_a_refused_email_whose_news_went_stale_is_dropped_on_retry(
    test_kind, hilda, settings, mailoutbox
):
    test_kind.holds.add("k1")
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    services.notifications_send(kind=test_kind.value, recipients=[(hilda, "k1")])
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    test_kind.holds.clear()
    Notification.objects.update(updated_at=timezone.now() - timedelta(hours=1))

    assert services.unsent_retry() == 0
    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_a_user_without_an_address_or_inactive_is_not_notified(
    test_kind, hilda, mailoutbox
):
    test_kind.holds.add("k1")
    hilda.is_active = False
    hilda.save(update_fields=["is_active"])

    assert (
        services.notifications_send(kind=test_kind.value, recipients=[(hilda, "k1")])
        == 0
    )
    assert not Notification.objects.exists()


def test_mark_read_and_mark_all_read_move_the_unread_count(test_kind, hilda):
    test_kind.holds.update({"a", "b", "c"})
    services.notifications_send(
        kind=test_kind.value, recipients=[(hilda, "a"), (hilda, "b"), (hilda, "c")]
    )
    assert selectors.unread_count(viewer=hilda) == 3
    first = Notification.objects.get(key="a")

    services.notification_mark_read(user=hilda, notification_id=first.pk)
    assert selectors.unread_count(viewer=hilda) == 2

    assert services.notifications_mark_all_read(user=hilda) == 2
    assert selectors.unread_count(viewer=hilda) == 0
