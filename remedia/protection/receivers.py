"""What protection does when the intake or cases announce something.

The signals come after the commit of a reporter's submission or a handler's
change; each receiver only queues a job, so a failure here never reaches the
reporter or the handler (and a job can be retried).
"""

from __future__ import annotations

from typing import Any

from huey.contrib.djhuey import db_task

from remedia.cases.models import Case
from remedia.intake.models import Report


@db_task()
def open_for_report(report_id: str, organisation_ids: list[str]) -> int:
    from remedia.protection.services.screenings import screenings_open_for_report

    return len(
        screenings_open_for_report(
            report_id=report_id, organisation_ids=organisation_ids
        )
    )


@db_task()
def open_for_case(case_id: str, report_ids: list[str] | None) -> bool:
    from remedia.protection.services.screenings import screening_open_for_case

    return screening_open_for_case(case_id=case_id, report_ids=report_ids) is not None


def report_submitted(
    sender: Any, *, report: Report, organisation_ids: list[Any], **kwargs: Any
) -> None:
    if report.urgent:  # only a protection category makes a report urgent
        open_for_report(str(report.pk), [str(o) for o in organisation_ids])


def case_reports_joined(
    sender: Any, *, case: Case, report_ids: list[Any], **kwargs: Any
) -> None:
    open_for_case(str(case.pk), [str(r) for r in report_ids])


def case_categories_added(
    sender: Any, *, case: Case, added: list[str], **kwargs: Any
) -> None:
    from remedia.intake.categories import PROTECTION_CATEGORIES

    if set(added) & PROTECTION_CATEGORIES:
        open_for_case(str(case.pk), None)


def connect() -> None:
    from remedia.cases import signals as cases_signals
    from remedia.intake import signals as intake_signals

    intake_signals.report_submitted.connect(
        report_submitted, dispatch_uid="protection.report_submitted"
    )
    cases_signals.case_reports_joined.connect(
        case_reports_joined, dispatch_uid="protection.case_reports_joined"
    )
    cases_signals.case_categories_added.connect(
        case_categories_added, dispatch_uid="protection.case_categories_added"
    )
