"""The delivery worker's jobs (`remedia worker`).

A delivery's first attempt is queued when its event commits; a job that
cannot be queued (Redis down) is kept in the database by `core.jobqueue` and
queued again once it answers. Retries need no queue at all: every minute the
sweep tries each pending delivery whose time has come, so the schedule lives
in the database and survives a queue outage or a restart.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from remedia.integrations import delivery, services
from remedia.integrations.catalogue import EventType
from remedia.rrm.deadlines import StepStatus
from remedia.rrm.models import RrmCase, RrmStage
from remedia.rrm.selectors import staff_steps


def deliveries_sweep(*, now: dt.datetime | None = None) -> int:
    """Try every delivery now due; how many attempts were made."""
    made = 0
    for pk in delivery.deliveries_due(now=now):
        if delivery.delivery_attempt(pk, now=now) is not None:
            made += 1
    return made


@db_periodic_task(crontab(minute="*"))
def webhook_deliveries_sweep() -> int:
    return deliveries_sweep()


def petition_steps_due(*, today: dt.date | None = None) -> int:
    """`petition.step_due` for each open step of a staff petition due within
    `RRM_ALERT_DAYS` days or overdue: once per (petition, step, due day)."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=int(getattr(settings, "RRM_ALERT_DAYS", 3)))
    emitted = 0
    watched = RrmCase.objects.filter(
        organisation__isnull=False, organisation__is_active=True
    ).exclude(stage=RrmStage.CLOSED)
    for case in watched.order_by("pk"):
        for step in staff_steps(case, today=today):
            if step.status not in (StepStatus.PENDING, StepStatus.OVERDUE):
                continue
            if step.due_business > horizon:
                continue
            due = step.due_business.isoformat()
            emitted += len(
                services.event_emit(
                    event_type=EventType.PETITION_STEP_DUE,
                    key=f"petition_due:{case.pk}:{step.step}:{due}",
                    data={"petition_id": case.pk, "step": step.step, "due": due},
                    organisation_ids=[case.organisation_id],
                )
            )
    return emitted


@db_periodic_task(crontab(minute="41", hour="6"))
def webhook_petition_steps_due() -> int:
    return petition_steps_due()
