"""What cases do when the intake or the registry announces something."""

from __future__ import annotations

from typing import Any

from remedia.facilities.models import Facility
from remedia.intake.models import Message, Report


def cases_follow_facility_merge(
    sender: Any, *, keep: Facility, merge: Facility, **kwargs: Any
) -> dict[str, int]:
    from remedia.cases import services

    return {"cases": services.cases_facility_repoint(source=merge, target=keep)}


def report_message_added(
    sender: Any, *, message: Message, report: Report, author_kind: str, **kwargs: Any
) -> None:
    from remedia.cases import services

    services.case_report_message(
        report=report,
        author_kind=author_kind,
        organisation_id=message.author_organisation_id,
    )


def report_submitted(
    sender: Any, *, report: Report, organisation_ids: list[Any], **kwargs: Any
) -> None:
    from remedia.cases import alerts

    alerts.notify_report_routed(report.pk, [str(o) for o in organisation_ids])


def connect() -> None:
    from remedia.cases.reporter import case_status_section, checkin_section
    from remedia.facilities.signals import facility_merged
    from remedia.intake import signals
    from remedia.intake.hooks import reporter_section_register

    facility_merged.connect(
        cases_follow_facility_merge, dispatch_uid="cases.follow_facility_merge"
    )
    signals.report_message_added.connect(
        report_message_added, dispatch_uid="cases.report_message_added"
    )
    signals.report_submitted.connect(
        report_submitted, dispatch_uid="cases.report_submitted"
    )
    reporter_section_register(case_status_section)
    reporter_section_register(checkin_section)
