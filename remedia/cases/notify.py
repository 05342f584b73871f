"""Emails to staff: what arrived, what became theirs, what falls due, a daily digest.

An email leaves the server in the clear and sits in mailboxes Remedia does not
control, so it never carries anything a reporter or a staff member wrote: no
narrative, no message, no facility name typed by a worker, no receipt, no note,
no task title. It says what happened in counts, a case number, a clock's name
and due time, and links to the staff page where the content opens after login.
Workers are never emailed: Remedia holds no address of theirs.

Every email is a `Notification` row first. The row is committed before the
email goes, and its unique (user, kind, key) makes a second worker's attempt
fail with an IntegrityError, so nothing is sent twice, however many workers
run the hourly job at once. An email the mail server refused keeps `sent_at`
empty; the hourly run retries it (taking the row with a conditional update on
`updated_at`, a lease another worker cannot take at the same time) as long as
what it announces still holds.
"""

from __future__ import annotations

import logging
import re
import smtplib
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Membership, Organisation, User
from remedia.accounts.permissions import Capability, roles_with
from remedia.accounts.selectors import organisations_for
from remedia.cases import selectors, services, sla
from remedia.cases.models import (
    ACTIVE_STATUSES,
    Case,
    CaseEvent,
    CaseTask,
    EventKind,
    Notification,
    NotificationKind,
)
from remedia.intake.models import Report, ReportRecipient, ReportStatus
from remedia.intake.selectors import ReportFilters, report_list

logger = logging.getLogger(__name__)

# A row claimed this long ago and still unsent was refused (or its worker
# died): the hourly run may take it over. Longer than any SMTP conversation.
RETRY_AFTER = timedelta(minutes=15)
# After this, an unsent email is stale news; the row stays as the record of it.
RETRY_FOR = timedelta(days=3)
RETRY_BATCH = 500
SMTP_TIMEOUT = 30

CLOCK_LABELS = {
    "acknowledge": _("acuse de recibo"),
    "first_response": _("primera respuesta a quien denunció"),
    "resolution": _("resolución"),
}
_DUE = (sla.ClockState.DUE_SOON, sla.ClockState.OVERDUE)


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# --- Links ------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    base = str(getattr(settings, "REMEDIA_BASE_URL", "") or "").rstrip("/")
    return f"{base}{path}"


def _case_url(case: Case) -> str:
    return _absolute(case.get_absolute_url())


# --- Who may be told ------------------------------------------------------------------------


def _members(
    *, organisation_ids: Iterable[Any], capability: Capability
) -> QuerySet[User]:
    """Active users with an address holding `capability` in one of the organisations."""
    return (
        User.objects.filter(
            Exists(
                Membership.objects.filter(
                    user=OuterRef("pk"),
                    organisation_id__in=list(organisation_ids),
                    organisation__is_active=True,
                    role__in=roles_with(capability),
                )
            ),
            is_active=True,
        )
        .exclude(email="")
        .order_by("username")
    )


def _case_for(user: User, case_id: Any) -> Case | None:
    """The case if `user` may read it now (memberships change between runs)."""
    pk = _uuid(case_id)
    if pk is None:
        return None
    orgs = organisations_for(user=user, capability=Capability.CASE_READ)
    return (
        Case.objects.filter(pk=pk, organisation_id__in=orgs).defer("public_key").first()
    )


# --- Clocks ------------------------------------------------------------------------------


def _pending_clocks(case: Case, *, now: datetime) -> list[tuple[str, sla.Clock]]:
    """The clocks still running (not paused, not done), nearest first."""
    clocks = selectors.case_clocks(case=case, now=now).items()
    pending = [
        (name, c)
        for name, c in clocks
        if c.state in (sla.ClockState.RUNNING, *_DUE) and c.due_at is not None
    ]
    return sorted(pending, key=lambda item: item[1].due_at or now)


def _sla_key(case: Case, clock: str, due_at: datetime) -> str:
    return f"{case.pk}:{clock}:{due_at.astimezone(UTC):%Y%m%d%H}"


def _next_clock(case: Case, now: datetime) -> dict[str, Any]:
    pending = _pending_clocks(case, now=now)
    if not pending:
        return {"clock": None, "due_at": None}
    name, clock = pending[0]
    return {"clock": CLOCK_LABELS[name], "due_at": clock.due_at}


# --- What each email says ----------------------------------------------------------------


@dataclass(frozen=True)
class Email:
    """Which templates (<template>_subject.txt, _body.txt) and their data.

    A bare name is under cases/email/; an app above `cases` names its own
    folder (``rrm/email/step_due``).
    """

    template: str
    context: dict[str, Any]


def _compose_report_routed(user: User, key: str, now: datetime) -> Email | None:
    pk = _uuid(key)
    if pk is None:
        return None
    report = (
        Report.objects.filter(pk=pk)
        .only("pk", "urgent", "status", "created_at")
        .first()
    )
    if report is None or report.status != ReportStatus.RECEIVED:
        return None
    mine = organisations_for(user=user, capability=Capability.REPORT_READ)
    organisation = (
        Organisation.objects.filter(
            pk__in=ReportRecipient.objects.filter(
                report=report, organisation_id__in=mine
            ).values("organisation_id")
        )
        .order_by("name")
        .first()
    )
    if organisation is None:
        return None
    targets = services.sla_targets(
        organisation_id=organisation.pk, urgent=report.urgent
    )
    return Email(
        "report_routed",
        {
            "urgent": report.urgent,
            "organisation": str(organisation),
            "due_at": report.created_at + targets.acknowledge,
            "url": _absolute(
                reverse("intake:staff_report", kwargs={"report_id": report.pk})
            ),
        },
    )


def _compose_case_assigned(user: User, key: str, now: datetime) -> Email | None:
    case = _case_for(user, key.split(":")[0])
    if case is None or not case.is_active or case.assignee_id != user.pk:
        return None
    return Email(
        "case_assigned",
        {
            "number": case.number,
            "urgent": case.urgent,
            "url": _case_url(case),
            **_next_clock(case, now),
        },
    )


def _compose_reporter_replied(user: User, key: str, now: datetime) -> Email | None:
    case = _case_for(user, key.split(":")[0])
    if case is None or not case.is_active:
        return None
    return Email("reporter_replied", {"number": case.number, "url": _case_url(case)})


def _compose_retaliation(user: User, key: str, now: datetime) -> Email | None:
    case = _case_for(user, key.split(":")[0])
    if case is None or not case.is_active:
        return None
    return Email(
        "retaliation",
        {
            "number": case.number,
            "due_at": case.acknowledge_due_at if case.acknowledged_at is None else None,
            "url": _case_url(case),
        },
    )


def _compose_task_due(user: User, key: str, now: datetime) -> Email | None:
    task_id, _sep, due_key = key.partition(":")
    pk = _uuid(task_id)
    if pk is None:
        return None
    task = (
        CaseTask.objects.filter(
            pk=pk,
            owner=user,
            done_at__isnull=True,
            case__status__in=ACTIVE_STATUSES,
            case__organisation_id__in=organisations_for(
                user=user, capability=Capability.CASE_READ
            ),
        )
        .select_related("case")
        .defer("case__public_key")
        .first()
    )
    if task is None or f"{task.due_on:%Y%m%d}" != due_key:
        return None
    return Email(
        "task_due",
        {
            "number": task.case.number,
            "due_on": task.due_on,
            "overdue": task.due_on < timezone.localdate(now),
            "url": _case_url(task.case),
        },
    )


def _compose_sla_due(user: User, key: str, now: datetime) -> Email | None:
    case_id, _sep, rest = key.partition(":")
    case = _case_for(user, case_id)
    if case is None or not case.is_active:
        return None
    for name, clock in _pending_clocks(case, now=now):
        if (
            clock.state in _DUE
            and clock.due_at is not None
            and _sla_key(case, name, clock.due_at) == key
        ):
            return Email(
                "sla_due",
                {
                    "number": case.number,
                    "clock": CLOCK_LABELS[name],
                    "due_at": clock.due_at,
                    "overdue": clock.state == sla.ClockState.OVERDUE,
                    "url": _case_url(case),
                },
            )
    # Met, paused or moved since: the reminder no longer holds.
    return None


def _digest_key(today: date) -> str:
    return f"{today:%Y-%m-%d}"


def _digest_counts(user: User, now: datetime) -> dict[str, int]:
    """What waits for one handler; every count through the viewer-scoped selectors."""
    case_orgs = organisations_for(user=user, capability=Capability.CASE_READ)
    return {
        "unacknowledged": report_list(
            viewer=user, filters=ReportFilters(status=ReportStatus.RECEIVED)
        )
        .order_by()
        .count(),
        "assigned": selectors.case_list(
            viewer=user, filters=selectors.CaseFilters(status="active", assignee="me")
        )
        .order_by()
        .count(),
        # Overdue cases the handler must act on: theirs and nobody's.
        "overdue": selectors.case_list(
            viewer=user, filters=selectors.CaseFilters(status="active", overdue=True)
        )
        .filter(Q(assignee=user) | Q(assignee__isnull=True))
        .order_by()
        .count(),
        "tasks": CaseTask.objects.filter(
            owner=user,
            done_at__isnull=True,
            due_on__lte=timezone.localdate(now + sla.DUE_SOON),
            case__status__in=ACTIVE_STATUSES,
            case__organisation_id__in=case_orgs,
        ).count(),
    }


def _compose_digest(user: User, key: str, now: datetime) -> Email | None:
    if key != _digest_key(timezone.localdate(now)):
        return None
    counts = _digest_counts(user, now)
    if not any(counts.values()):
        return None
    return Email(
        "digest",
        {**counts, "url": _absolute(reverse("accounts:home"))},
    )


_COMPOSERS = {
    NotificationKind.REPORT_ROUTED: _compose_report_routed,
    NotificationKind.CASE_ASSIGNED: _compose_case_assigned,
    NotificationKind.REPORTER_REPLIED: _compose_reporter_replied,
    NotificationKind.RETALIATION: _compose_retaliation,
    NotificationKind.TASK_DUE: _compose_task_due,
    NotificationKind.SLA_DUE: _compose_sla_due,
    NotificationKind.DIGEST: _compose_digest,
}


Composer = Callable[[User, str, datetime], Email | None]

# Composers of kinds an app above `cases` sends (it must not be imported here):
# registered at start-up, so a refused email of theirs is retried like ours.
_registered: dict[str, Composer] = {}


def composer_register(kind: str, composer: Composer) -> Composer:
    """Let an app above `cases` say what its kind of email holds, or None if no longer."""
    _registered[str(kind)] = composer
    return composer


def _compose(notification: Notification, now: datetime) -> Email | None:
    user = notification.user
    if not user.is_active or not user.email:
        return None
    composer = _COMPOSERS.get(NotificationKind(notification.kind)) or _registered.get(
        notification.kind
    )
    if composer is None:
        return None
    return composer(user, notification.key, now)


def _template(email: Email, part: str) -> str:
    folder = "" if "/" in email.template else "cases/email/"
    return f"{folder}{email.template}_{part}.txt"


def _render(email: Email, *, user: User) -> EmailMessage:
    with translation.override(user.language):
        subject = str(render_to_string(_template(email, "subject"), email.context))
        rendered = str(render_to_string(_template(email, "body"), email.context))
    # Template tags leave blank lines behind; a plain-text email reads better without.
    body = re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+\n", "\n", rendered)).strip()
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Content-Language": user.language, "Auto-Submitted": "auto-generated"},
    )


# --- Sending -------------------------------------------------------------------------------


class _Batch:
    """One run's sending: a single SMTP connection, counts per kind, one log line each.

    The connection opens on the first email and is dropped after a failure, so
    the next email tries a fresh one.
    """

    def __init__(self) -> None:
        self.now = timezone.now()
        self.sent: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self._connection: BaseEmailBackend | None = None
        self._handlers: dict[Any, list[User]] = {}
        # (kind, key) looked up in bulk, and which users already have them.
        self._looked_up: set[tuple[str, str]] = set()
        self._claimed: set[tuple[Any, str, str]] = set()

    def __enter__(self) -> _Batch:
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

    def deliver(self, notification: Notification, email: Email | None = None) -> bool:
        """Send one claimed notification; drop it if what it announces no longer holds."""
        email = email or _compose(notification, self.now)
        if email is None:
            Notification.objects.filter(
                pk=notification.pk, sent_at__isnull=True
            ).delete()
            return False
        message = _render(email, user=notification.user)
        try:
            self._send(message)
        except (smtplib.SMTPException, OSError) as exc:
            # The error's text can hold the address; its class says enough.
            logger.warning(
                "notification.failed",
                extra={"kind": notification.kind, "error": type(exc).__name__},
            )
            self.failed[notification.kind] += 1
            return False
        Notification.objects.filter(pk=notification.pk).update(
            sent_at=timezone.now(), updated_at=timezone.now()
        )
        self.sent[notification.kind] += 1
        return True

    def handlers(self, organisation_id: Any) -> list[User]:
        """The organisation's case handlers with an address (read once per run)."""
        if organisation_id not in self._handlers:
            self._handlers[organisation_id] = list(
                _members(
                    organisation_ids=[organisation_id],
                    capability=Capability.CASE_WRITE,
                )
            )
        return self._handlers[organisation_id]

    def case_recipients(self, case: Case, *, with_handlers: bool = False) -> list[User]:
        """The assignee; the handlers too, or instead when nobody (able) is assigned.

        An assignee who no longer handles the organisation's cases (or has no
        address) counts as nobody: the handlers hear of it instead.
        """
        handlers = self.handlers(case.organisation_id)
        assignee = next((u for u in handlers if u.pk == case.assignee_id), None)
        if assignee is not None and not with_handlers:
            return [assignee]
        return handlers

    def look_up(self, kind: str, keys: Iterable[str]) -> None:
        """Read in one query who already has these reminders (the hourly run repeats)."""
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
        """The row that makes this email ours to send, committed before it goes."""
        if (kind, key) in self._looked_up:
            if (user.pk, kind, key) in self._claimed:
                return None
        elif Notification.objects.filter(user=user, kind=kind, key=key).exists():
            return None
        try:
            with transaction.atomic():
                return Notification.objects.create(user=user, kind=kind, key=key)
        except IntegrityError:
            # Another worker claimed it between our look and our insert.
            return None

    def notify(
        self, *, user: User, kind: str, key: str, email: Email | None = None
    ) -> bool:
        """Claim (user, kind, key) and send; False if it was claimed before, by anyone."""
        if not user.email or not user.is_active:
            return False
        notification = self._claim(user=user, kind=kind, key=key)
        if notification is None:
            return False
        return self.deliver(notification, email)

    def retry_unsent(self) -> None:
        """Send again what a mail server refused in an earlier run."""
        stale = Notification.objects.filter(
            sent_at__isnull=True,
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


def _latest_event(case: Case, kind: str, **data: Any) -> CaseEvent | None:
    lookups = {f"data__{name}": value for name, value in data.items()}
    return (
        CaseEvent.objects.filter(case=case, kind=kind, **lookups)
        .order_by("-at", "-id")
        .first()
    )


def _event_key(case: Case, event: CaseEvent | None) -> str:
    return f"{case.pk}:{event.pk}" if event is not None else str(case.pk)


def _active_case(case_id: Any) -> Case | None:
    pk = _uuid(case_id)
    if pk is None:
        return None
    return (
        Case.objects.filter(pk=pk, status__in=ACTIVE_STATUSES)
        .defer("public_key")
        .first()
    )


# --- What the jobs call ----------------------------------------------------------------------


def report_routed(*, report_id: Any, organisation_ids: list[str]) -> int:
    """A new report reached these organisations: tell whoever reads their reports."""
    pk = _uuid(report_id)
    report = Report.objects.filter(pk=pk).only("pk").first() if pk else None
    if report is None:
        return 0
    routed = set(
        ReportRecipient.objects.filter(
            report=report,
            organisation_id__in=[o for o in map(_uuid, organisation_ids) if o],
        ).values_list("organisation_id", flat=True)
    )
    with _Batch() as batch:
        for user in _members(
            organisation_ids=routed, capability=Capability.REPORT_READ
        ):
            batch.notify(
                user=user, kind=NotificationKind.REPORT_ROUTED, key=str(report.pk)
            )
    return batch.total


def case_assigned(*, case_id: Any, user_id: Any) -> int:
    """The case became `user_id`'s: tell them (once per assignment)."""
    case = _active_case(case_id)
    uid = _uuid(user_id)
    if case is None or uid is None or case.assignee_id != uid:
        return 0
    event = _latest_event(case, EventKind.ASSIGNED, to=str(uid))
    with _Batch() as batch:
        for user in batch.handlers(case.organisation_id):
            if user.pk == uid:
                batch.notify(
                    user=user,
                    kind=NotificationKind.CASE_ASSIGNED,
                    key=_event_key(case, event),
                )
    return batch.total


def reporter_replied(*, case_id: Any) -> int:
    """A reporter wrote on the case: tell its assignee, or its handlers if none."""
    case = _active_case(case_id)
    if case is None:
        return 0
    key = _event_key(case, _latest_event(case, EventKind.REPORTER_REPLIED))
    with _Batch() as batch:
        for user in batch.case_recipients(case):
            batch.notify(user=user, kind=NotificationKind.REPORTER_REPLIED, key=key)
    return batch.total


def retaliation_reported(*, case_id: Any) -> int:
    """A reporter answered "yes" to the retaliation question: urgent, to everyone on it."""
    case = _active_case(case_id)
    if case is None:
        return 0
    event = _latest_event(case, EventKind.REOPENED, why="retaliation") or _latest_event(
        case, EventKind.CHECKIN_ANSWERED, answer="yes"
    )
    key = _event_key(case, event)
    with _Batch() as batch:
        for user in batch.case_recipients(case, with_handlers=True):
            batch.notify(user=user, kind=NotificationKind.RETALIATION, key=key)
    return batch.total


def reminders_send() -> int:
    """Hourly: tasks and SLA clocks due within a day or overdue, each announced once."""
    with _Batch() as batch:
        batch.retry_unsent()
        horizon = batch.now + sla.DUE_SOON
        tasks = [
            (task.owner, f"{task.pk}:{task.due_on:%Y%m%d}")
            for task in CaseTask.objects.filter(
                done_at__isnull=True,
                due_on__lte=timezone.localdate(horizon),
                case__status__in=ACTIVE_STATUSES,
            )
            .select_related("owner")
            .order_by("due_on", "pk")
        ]
        batch.look_up(NotificationKind.TASK_DUE, [key for _owner, key in tasks])
        for owner, key in tasks:
            batch.notify(user=owner, kind=NotificationKind.TASK_DUE, key=key)
        # Overdue clocks stay overdue until met: most were announced in an
        # earlier run, which one bulk look-up per run settles.
        clocks = [
            (case, _sla_key(case, name, clock.due_at))
            for case in Case.objects.filter(
                status__in=ACTIVE_STATUSES, next_due_at__lte=horizon
            )
            .defer("public_key")
            .order_by("next_due_at", "pk")
            for name, clock in _pending_clocks(case, now=batch.now)
            if clock.state in _DUE and clock.due_at is not None
        ]
        batch.look_up(NotificationKind.SLA_DUE, [key for _case, key in clocks])
        for case, key in clocks:
            for user in batch.case_recipients(case):
                batch.notify(user=user, kind=NotificationKind.SLA_DUE, key=key)
    return batch.total


def digest_send() -> int:
    """Daily: one summary per handler with work waiting; nothing for those without."""
    with _Batch() as batch:
        key = _digest_key(timezone.localdate(batch.now))
        readers = roles_with(Capability.REPORT_READ) | roles_with(Capability.CASE_READ)
        users = (
            User.objects.filter(
                Exists(
                    Membership.objects.filter(
                        user=OuterRef("pk"),
                        organisation__is_active=True,
                        role__in=readers,
                    )
                ),
                is_active=True,
            )
            .exclude(email="")
            .exclude(
                Exists(
                    Notification.objects.filter(
                        user=OuterRef("pk"), kind=NotificationKind.DIGEST, key=key
                    )
                )
            )
            .order_by("username")
        )
        for user in users:
            email = _compose_digest(user, key, batch.now)
            if email is not None:
                batch.notify(
                    user=user, kind=NotificationKind.DIGEST, key=key, email=email
                )
    return batch.total


# --- For apps above `cases` ------------------------------------------------------------------


def members_with(
    *, organisation_ids: Iterable[Any], capability: Capability
) -> list[User]:
    """Active users with an address holding `capability` in one of the organisations."""
    return list(_members(organisation_ids=organisation_ids, capability=capability))


def notifications_send(*, kind: str, recipients: Iterable[tuple[User, str]]) -> int:
    """Email `kind` to each (user, key) not told before; its composer is registered.

    The same claim-then-send path as this app's own reminders: one row per
    (user, kind, key), committed before the email goes, retried hourly if refused.
    """
    pairs = list(recipients)
    with _Batch() as batch:
        batch.look_up(kind, [key for _user, key in pairs])
        for user, key in pairs:
            batch.notify(user=user, kind=kind, key=key)
    return batch.total
