"""Emails to petition analysts a few days before an Annex 31-A step falls due.

Only staff cases (an owning organisation) are watched; the public record has
nobody to tell. The email names the facility, the step and its due day, and
links to the staff case page; it carries no petitioner and no alleged facts,
which open only after login. Each (analyst, case, step, due day) is told once,
through the notifications app's rows and sending path: a moved due day
is news again, a step met or a case closed since is dropped before sending.
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
from remedia.rrm.deadlines import Step, StepStatus
from remedia.rrm.labels import STAFF_STEP_LABELS, STEP_LABELS
from remedia.rrm.models import RrmCase, RrmStage
from remedia.rrm.selectors import staff_steps

ALERT_DAYS_DEFAULT = 3
KIND = "rrm_due"
_OPEN = (StepStatus.PENDING, StepStatus.OVERDUE)


def alert_days() -> int:
    return int(getattr(settings, "RRM_ALERT_DAYS", ALERT_DAYS_DEFAULT))


def _key(case: RrmCase, step: Step) -> str:
    return f"{case.pk}:{step.step}:{step.due_business:%Y%m%d}"


def _due_steps(case: RrmCase, *, today: dt.date) -> list[Step]:
    """Open steps due within the alert window, or overdue."""
    horizon = today + dt.timedelta(days=alert_days())
    return [
        s
        for s in staff_steps(case, today=today)
        if s.status in _OPEN and s.due_business <= horizon
    ]


def _watched() -> Any:
    return (
        RrmCase.objects.filter(organisation__isnull=False, organisation__is_active=True)
        .exclude(stage=RrmStage.CLOSED)
        .order_by("pk")
    )


def _compose_step_due(user: User, key: str, now: datetime) -> Email | None:
    """The email for `key`, or None if the step no longer falls due (or not to `user`)."""
    case_id, _sep, rest = key.partition(":")
    step_name, _sep, due_key = rest.partition(":")
    try:
        pk = uuid.UUID(case_id)
    except ValueError:
        return None
    # Memberships change between the claim and a retry: ask again.
    orgs = organisations_for(user=user, capability=Capability.PETITION_READ)
    case = _watched().filter(pk=pk, organisation_id__in=orgs).first()
    if case is None:
        return None
    today = timezone.localdate(now)
    step = next(
        (
            s
            for s in _due_steps(case, today=today)
            if s.step == step_name and f"{s.due_business:%Y%m%d}" == due_key
        ),
        None,
    )
    if step is None:
        return None
    days = (step.due_business - today).days
    path = reverse("rrm_staff:detail", kwargs={"case_id": case.pk})
    return Email(
        "rrm/email/step_due",
        {
            "facility": case.facility_name,
            "step": str(
                STEP_LABELS.get(step.step)
                or STAFF_STEP_LABELS.get(step.step)
                or step.step
            ),
            "due_on": step.due_business,
            "days_left": max(days, 0),
            "days_overdue": max(-days, 0),
            "overdue": days < 0,
            "url": absolute(path),
        },
    )


def register() -> None:
    """At start-up: the notifications app composes (and retries) our kind with this."""
    registry.kind_register(
        kind=KIND, label=_("Paso del MLRR por vencer"), composer=_compose_step_due
    )


def rrm_alerts_send() -> int:
    """Daily: tell each analyst of a case's organisation of its steps falling due."""
    today = timezone.localdate()
    analysts: dict[Any, list[User]] = {}
    recipients: list[tuple[User, str]] = []
    for case in _watched():
        steps = _due_steps(case, today=today)
        if not steps:
            continue
        if case.organisation_id not in analysts:
            analysts[case.organisation_id] = members_with(
                organisation_ids=[case.organisation_id],
                capability=Capability.PETITION_READ,
            )
        recipients += [
            (user, _key(case, step))
            for step in steps
            for user in analysts[case.organisation_id]
        ]
    return notifications_send(kind=KIND, recipients=recipients)
