"""Sending notifications: claim a row, then email it at most once; mark them read.

An email leaves the server in the clear and sits in mailboxes Remedia does not
control, so it never carries anything a reporter or a staff member wrote; the
composers each app registers (`registry`) keep to counts, numbers, clock names,
due times and links to staff pages where the content opens after login.

Every notification is a `Notification` row first: the item in the user's list
and the email's outbox. The row is committed before the email goes, and its
unique (user, kind, key) makes a second worker's attempt fail with an
IntegrityError, so nothing is sent twice, however many workers run a job at
once. An email the mail server refused keeps `sent_at` empty; the hourly retry
takes the row with a conditional update on `updated_at` (a lease another
worker cannot take at the same time) and sends it as long as what it announces
still holds. A kind the user turned off by email is still listed in the app.
"""

from __future__ import annotations

import logging
import re
import smtplib
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta
from types import TracebackType
from typing import Any, Self

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from remedia.accounts.models import User
from remedia.core.cache import version_bump
from remedia.core.errors import InvalidInput, NotFound
from remedia.notifications import registry, selectors
from remedia.notifications.models import Notification, NotificationPreference
from remedia.notifications.registry import Email

logger = logging.getLogger(__name__)

# A row claimed this long ago and still unsent was refused (or its worker
# died): the hourly run may take it over. Longer than any SMTP conversation.
RETRY_AFTER = timedelta(minutes=15)
# After this, an unsent email is stale news; the row stays as the record of it.
RETRY_FOR = timedelta(days=3)
RETRY_BATCH = 500
SMTP_TIMEOUT = 30


def absolute(path: str) -> str:
    """A staff page's address as an email must give it."""
    base = str(getattr(settings, "REMEDIA_BASE_URL", "") or "").rstrip("/")
    return f"{base}{path}"


def _compose(notification: Notification, now: Any) -> Email | None:
    user = notification.user
    if not user.is_active:
        return None
    kind = registry.kind_get(notification.kind)
    if kind is None:
        return None
    return kind.composer(user, notification.key, now)


def _template(email: Email, part: str) -> str:
    return f"{email.template}_{part}.txt"


def _render(email: Email, *, user: User, language: str) -> EmailMessage:
    with translation.override(language):
        subject = str(render_to_string(_template(email, "subject"), email.context))
        rendered = str(render_to_string(_template(email, "body"), email.context))
    # Template tags leave blank lines behind; a plain-text email reads better without.
    body = re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+\n", "\n", rendered)).strip()
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Content-Language": language, "Auto-Submitted": "auto-generated"},
    )


def _unread_changed(user_id: Any) -> None:
    version_bump(selectors.unread_version_key(user_id))


class Batch:
    """One run's sending: a single SMTP connection, counts per kind, one log line each.

    The connection opens on the first email and is dropped after a failure, so
    the next email tries a fresh one.
    """

    def __init__(self) -> None:
        self.now = timezone.now()
        self.sent: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self._connection: BaseEmailBackend | None = None
        # (kind, key) looked up in bulk, and which users already have them.
        self._looked_up: set[tuple[str, str]] = set()
        self._claimed: set[tuple[Any, str, str]] = set()
        self._preferences: dict[Any, NotificationPreference | None] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._drop()
        for kind, count in sorted(self.sent.items()):
            logger.info("notification.sent", extra={"kind": kind, "count": count})
        for kind, count in sorted(self.failed.items()):
            logger.warning("notification.unsent", extra={"kind": kind, "count": count})

    @property
    def total(self) -> int:
        return sum(self.sent.values())

    def _drop(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.close()
            except (smtplib.SMTPException, OSError):
                pass

    def _send(self, message: EmailMessage) -> None:
        if self._connection is None:
            options: dict[str, Any] = {}
            if getattr(settings, "EMAIL_TIMEOUT", None) is None:
                options["timeout"] = SMTP_TIMEOUT
            self._connection = get_connection(fail_silently=False, **options)
            self._connection.open()
        try:
            sent = self._connection.send_messages([message])
        except BaseException:
            self._drop()
            raise
        if sent != 1:
            raise smtplib.SMTPException("message not accepted")

    def preference(self, user: User) -> NotificationPreference | None:
        if user.pk not in self._preferences:
            self._preferences[user.pk] = NotificationPreference.objects.filter(
                user=user
            ).first()
        return self._preferences[user.pk]

    def _language(self, user: User) -> str:
        preference = self.preference(user)
        return (preference.language if preference else "") or user.language

    def deliver(self, notification: Notification, email: Email | None = None) -> bool:
        """Send one claimed notification; drop it if what it announces no longer holds."""
        email = email or _compose(notification, self.now)
        if email is None:
            deleted, _rows = Notification.objects.filter(
                pk=notification.pk, sent_at__isnull=True
            ).delete()
            if deleted:
                _unread_changed(notification.user_id)
            return False
        url = str(email.context.get("url", ""))[:300]
        if not notification.by_email or not notification.user.email:
            # Listed in the app only: the link is all the item needs.
            Notification.objects.filter(pk=notification.pk).update(url=url)
            return False
        message = _render(
            email, user=notification.user, language=self._language(notification.user)
        )
        try:
            self._send(message)
        except (smtplib.SMTPException, OSError) as exc:
            # The error's text can hold the address; its class says enough.
            logger.warning(
                "notification.failed",
                extra={"kind": notification.kind, "error": type(exc).__name__},
            )
            self.failed[notification.kind] += 1
            Notification.objects.filter(pk=notification.pk).update(url=url)
            return False
        Notification.objects.filter(pk=notification.pk).update(
            sent_at=timezone.now(), updated_at=timezone.now(), url=url
        )
        self.sent[notification.kind] += 1
        return True

    def look_up(self, kind: str, keys: Iterable[str]) -> None:
        """Read in one query who already has these notices (the hourly run repeats)."""
        wanted = [k for k in keys if (kind, k) not in self._looked_up]
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            self._claimed.update(
                (user_id, kind, key)
                for user_id, key in Notification.objects.filter(
                    kind=kind, key__in=chunk
                ).values_list("user_id", "key")
            )
            self._looked_up.update((kind, k) for k in chunk)

    def _claim(self, *, user: User, kind: str, key: str) -> Notification | None:
        """The row that makes this notice ours to send, committed before it goes."""
        if (kind, key) in self._looked_up:
            if (user.pk, kind, key) in self._claimed:
                return None
        elif Notification.objects.filter(user=user, kind=kind, key=key).exists():
            return None
        preference = self.preference(user)
        # Someone without an address still finds the notice in the app.
        by_email = bool(user.email) and (
            preference is None or kind not in (preference.email_off or [])
        )
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    user=user, kind=kind, key=key, by_email=by_email
                )
        except IntegrityError:
            # Another worker claimed it between our look and our insert.
            return None
        _unread_changed(user.pk)
        return notification

    def notify(
        self, *, user: User, kind: str, key: str, email: Email | None = None
    ) -> bool:
        """Claim (user, kind, key) and send; False if it was claimed before, by anyone.

        `kind` must be registered: a row of an unknown kind could be neither
        composed nor retried.
        """
        if registry.kind_get(kind) is None:
            raise ValueError(f"notification kind {kind!r} is not registered")
        if not user.is_active:
            return False
        notification = self._claim(user=user, kind=str(kind), key=key)
        if notification is None:
            return False
        return self.deliver(notification, email)

    def retry_unsent(self) -> None:
        """Send again what a mail server refused in an earlier run."""
        stale = Notification.objects.filter(
            sent_at__isnull=True,
            by_email=True,
            updated_at__lt=self.now - RETRY_AFTER,
            created_at__gte=self.now - RETRY_FOR,
        ).order_by("created_at")
        for pk in list(stale.values_list("pk", flat=True)[:RETRY_BATCH]):
            # Take the row: only one worker's update can match the old time.
            taken = Notification.objects.filter(
                pk=pk, sent_at__isnull=True, updated_at__lt=self.now - RETRY_AFTER
            ).update(updated_at=timezone.now())
            if not taken:
                continue
            notification = Notification.objects.select_related("user").get(pk=pk)
            self.deliver(notification)


def notifications_send(*, kind: str, recipients: Iterable[tuple[User, str]]) -> int:
    """Notify `kind` to each (user, key) not told before; how many emails left.

    One row per (user, kind, key), committed before the email goes, retried
    hourly if refused; its composer is the one the kind registered.
    """
    pairs = list(recipients)
    with Batch() as batch:
        batch.look_up(kind, [key for _user, key in pairs])
        for user, key in pairs:
            batch.notify(user=user, kind=kind, key=key)
    return batch.total


def unsent_retry() -> int:
    """Hourly: send again what a mail server refused in an earlier run."""
    with Batch() as batch:
        batch.retry_unsent()
    return batch.total


# --- The user's own list ------------------------------------------------------------------


def notification_mark_read(*, user: User, notification_id: Any) -> Notification:
    """Mark one of `user`'s notifications read; another's is as missing as none."""
    notification = selectors.notification_get(
        viewer=user, notification_id=notification_id
    )
    if notification is None:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
        _unread_changed(user.pk)
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    count = Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if count:
        _unread_changed(user.pk)
    return count


# --- Preferences ---------------------------------------------------------------------------

LANGUAGES = ("es-mx", "en")


def preferences_set(
    *, user: User, email_kinds: Iterable[str], language: str
) -> NotificationPreference:
    """Which registered kinds go by email (the others are listed only), and in what language.

    An empty language means the account's own.
    """
    wanted = {str(k) for k in email_kinds}
    known = {k.value for k in registry.kinds()}
    errors = [
        {
            "field": "email_kinds",
            "reason": _("No hay un tipo de aviso «%(kind)s».") % {"kind": k[:40]},
        }
        for k in sorted(wanted - known)
    ]
    if language and language not in LANGUAGES:
        errors.append(
            {"field": "language", "reason": _("Elija un idioma de la lista.")}
        )
    if errors:
        raise InvalidInput(errors)
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user,
        defaults={"email_off": sorted(known - wanted), "language": language},
    )
    return preference
