"""Background jobs of case management: staff notifications, reminders, check-ins."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from remedia.cases import notify, services


@db_task()
def notify_report_routed(report_id: Any, organisation_ids: list[str]) -> int:
    return notify.report_routed(report_id=report_id, organisation_ids=organisation_ids)


@db_task()
def notify_case_assigned(case_id: Any, user_id: Any) -> int:
    return notify.case_assigned(case_id=case_id, user_id=user_id)


@db_task()
def notify_reporter_replied(case_id: Any) -> int:
    return notify.reporter_replied(case_id=case_id)


@db_task()
def notify_retaliation(case_id: Any) -> int:
    return notify.retaliation_reported(case_id=case_id)


@db_periodic_task(crontab(minute="5"))
def reminders_send() -> int:
    """Hourly: tasks and SLA clocks falling due within a day, each announced once."""
    return notify.reminders_send()


@db_periodic_task(crontab(minute="30", hour="7"))
def digest_send() -> int:
    """Every morning: one summary per handler with work waiting."""
    return notify.digest_send()


@db_periodic_task(crontab(minute="15", hour="10"))
def checkins_send() -> int:
    """Daily: retaliation questions that fall due today go to the reporters."""
    return services.checkins_send_due()


@db_periodic_task(crontab(minute="47", hour="2"))
def cases_expire() -> int:
    """Nightly, beside the reports' retention: closed cases past retention go."""
    return services.cases_destroy_expired()
