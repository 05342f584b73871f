"""Emails to a course's monitors when a measure falls due or is overdue.

Every morning, each open measure (pending or in progress) of an active course
that falls due within ``REMEDIATION_ALERT_DAYS`` days (default 3), or is past
due, is announced to the monitors of the owning organisation: those who may
change the course. The email names the facility of the registry, the
measure's number and type, and its due day, and links to the measure page; it
carries no description, note, evidence or anything a worker said. Each
(monitor, measure, due day) is told once, through the notifications
app's rows and sending path: a moved due day is news again, and a
measure done, verified or failed since (or a closed course) is dropped before
sending, also when a refused email is retried.
"""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for
from remedia.notifications import registry
from remedia.notifications.registry import Email
from remedia.notifications.selectors import members_with
from remedia.notifications.services import absolute, notifications_send
from remedia.remediation import selectors
from remedia.remediation.models import Measure

ALERT_DAYS_DEFAULT = 3
# Our kind of notification, registered with the notifications app at start-up.
KIND = "remediation_due"


def alert_days() -> int:
    return int(getattr(settings, "REMEDIATION_ALERT_DAYS", ALERT_DAYS_DEFAULT))


def _key(measure: Measure) -> str:
    return f"{measure.pk}:{measure.due_date:%Y%m%d}"


def _horizon(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=alert_days())


def _compose_measure_due(user: User, key: str, now: datetime) -> Email | None:
    """The email for ``key``, or None once the measure no longer falls due for ``user``."""
    measure_id, _sep, due_key = key.partition(":")
    try:
        pk = uuid.UUID(measure_id)
    except ValueError:
        return None
    today = timezone.localdate(now)
    # Memberships change between the claim and a retry: ask again.
    managers_of = organisations_for(user=user, capability=Capability.REMEDIATION_WRITE)
    measure = (
        selectors.measures_due(until=_horizon(today))
        .filter(pk=pk, course__organisation_id__in=managers_of)
        .select_related("course__facility")
        .first()
    )
    if measure is None or f"{measure.due_date:%Y%m%d}" != due_key:
        return None
    days = (measure.due_date - today).days
    path = reverse(
        "remediation:measure",
        kwargs={"course_id": measure.course_id, "measure_id": measure.pk},
    )
    return Email(
        "remediation/email/measure_due",
        {
            "facility": measure.course.facility.name,
            "position": measure.position,
            "measure": str(measure.get_type_display()),
            "due_on": measure.due_date,
            "days_left": max(days, 0),
            "days_overdue": max(-days, 0),
            "overdue": days < 0,
            "url": absolute(path),
        },
    )


def register() -> None:
    """At start-up: the notifications app composes (and retries) our kind with this."""
    registry.kind_register(
        kind=KIND,
        label=_("Medida de remediación por vencer"),
        composer=_compose_measure_due,
    )


def remediation_alerts_send() -> int:
    """Daily: tell each course's monitors of its measures falling due; how many emails."""
    today = timezone.localdate()
    managers: dict[Any, list[User]] = {}
    recipients: list[tuple[User, str]] = []
    for measure in selectors.measures_due(until=_horizon(today)):
        owner = measure.course.organisation_id
        if owner not in managers:
            managers[owner] = members_with(
                organisation_ids=[owner], capability=Capability.REMEDIATION_WRITE
            )
        recipients += [(user, _key(measure)) for user in managers[owner]]
    return notifications_send(kind=KIND, recipients=recipients)
