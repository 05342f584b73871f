"""What protection tells staff about referrals: one arrived, one was answered,
one was revoked, one is overdue.

Primero tells the receiver only when a referral arrives; here the sender also
hears of every answer, and both sides hear once when a referral goes past its
due time unanswered. An email says which service, which institution, which
state and when it is due, with a link to the referral's page; never anything
about the person (no name, no age, no need, no note), which opens only after
login and only for who may read it. A composer answers None once what it
announces no longer holds, or the user may no longer see the referral.

The on-demand job (`notify_referral`) lives here so that services can queue it
without importing `tasks`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from huey.contrib.djhuey import db_task

from remedia.accounts.models import User
from remedia.notifications import registry
from remedia.notifications.registry import Email
from remedia.notifications.services import Batch, absolute
from remedia.protection.models import Referral
from remedia.protection.selectors.referrals import (
    receiving_users,
    referral_overdue,
    referrals_visible_to,
    sending_users,
)
from remedia.protection.vocabulary import ReferralStatus, ServiceType

# The kinds this part sends (the column holds the value; 20 characters at most).
RECEIVED = "referral_received"
ANSWERED = "referral_answered"
REVOKED = "referral_revoked"
OVERDUE = "referral_overdue"


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _visible(user: User, referral_id: Any) -> Referral | None:
    """The referral if `user` may see it now (memberships change between runs)."""
    pk = _uuid(referral_id)
    if pk is None:
        return None
    return (
        referrals_visible_to(user=user)
        .filter(pk=pk)
        .select_related("service", "from_organisation", "to_organisation")
        .defer("summary", "response_note", "override_reason")
        .first()
    )


def _facts(referral: Referral) -> dict[str, Any]:
    return {
        "service_type": ServiceType(referral.service_type).label,
        "institution": referral.service.institution,
        "service": referral.service.name,
        "sender": str(referral.from_organisation),
        "status": referral.get_status_display(),
        "due_at": referral.due_at,
        "counter": referral.answers_id is not None,
        "overridden": referral.consent_overridden,
        "url": absolute(referral.get_absolute_url()),
    }


def _compose(template: str, *, holds: Any) -> Any:
    def compose(user: User, key: str, now: datetime) -> Email | None:
        referral_id, _sep, status = key.partition(":")
        referral = _visible(user, referral_id)
        if referral is None or not holds(referral, status, now):
            return None
        return Email(f"protection/email/{template}", _facts(referral))

    return compose


def register() -> None:
    """Tell the notifications app our kinds and how each is composed."""
    for kind, label, template, holds in (
        (
            RECEIVED,
            _("Canalización recibida"),
            "referral_received",
            lambda r, _s, _n: r.status == ReferralStatus.IN_PROGRESS,
        ),
        (
            ANSWERED,
            _("Respuesta a una canalización"),
            "referral_answered",
            lambda r, s, _n: r.status == s,
        ),
        (
            REVOKED,
            _("Canalización revocada"),
            "referral_revoked",
            lambda r, _s, _n: r.status == ReferralStatus.REVOKED,
        ),
        (
            OVERDUE,
            _("Canalización vencida"),
            "referral_overdue",
            lambda r, _s, n: referral_overdue(r, now=n),
        ),
    ):
        registry.kind_register(
            kind=kind, label=label, composer=_compose(template, holds=holds)
        )


# --- What the jobs call ----------------------------------------------------------------


def referral_event(
    *, referral_id: Any, event: str, status: str, actor_id: Any = ""
) -> int:
    """Tell whoever an event concerns, except who caused it."""
    pk = _uuid(referral_id)
    referral = (
        Referral.objects.filter(pk=pk).select_related("file").first() if pk else None
    )
    if referral is None:
        return 0
    if event == ANSWERED:
        recipients = sending_users(referral=referral)
        key = f"{referral.pk}:{status}"
    else:
        recipients = receiving_users(referral=referral)
        key = str(referral.pk)
    actor = _uuid(actor_id)
    with Batch() as batch:
        for user in recipients:
            if user.pk != actor:
                batch.notify(user=user, kind=event, key=key)
    return batch.total


def referrals_overdue_notify() -> int:
    """Flag the referrals past due and still unanswered, and tell both sides once."""
    now = timezone.now()
    due = list(
        Referral.objects.filter(
            status=ReferralStatus.IN_PROGRESS,
            due_at__lt=now,
            overdue_notified_at__isnull=True,
        )
        .select_related("file")
        .order_by("due_at", "pk")
    )
    with Batch() as batch:
        batch.look_up(OVERDUE, [str(r.pk) for r in due])
        for referral in due:
            people = {u.pk: u for u in receiving_users(referral=referral)}
            people.update({u.pk: u for u in sending_users(referral=referral)})
            for user in people.values():
                batch.notify(user=user, kind=OVERDUE, key=str(referral.pk))
            # A plain update: being flagged is no answer, so `version` stays.
            Referral.objects.filter(
                pk=referral.pk, overdue_notified_at__isnull=True
            ).update(overdue_notified_at=now)
    return batch.total


# --- The job the services queue (after commit) -----------------------------------------


@db_task()
def notify_referral(referral_id: Any, event: str, status: str, actor_id: Any) -> int:
    return referral_event(
        referral_id=referral_id, event=event, status=status, actor_id=actor_id
    )
