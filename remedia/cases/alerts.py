"""What the cases app tells staff: what arrived, what became theirs, what falls due.

Its kinds, their composers and its part of the daily digest are registered
with the notifications app at start-up (`register`); the rows, the
at-most-once sending, the retry and the digest itself are that app's. An email
never carries anything a reporter or a staff member wrote: no narrative, no
message, no facility name typed by a worker, no receipt, no note, no task
title. It says what happened in counts, a case number, a clock's name and due
time, and links to the staff page where the content opens after login.
Workers are never emailed: Remedia holds no address of theirs.

The on-demand jobs (`notify_*`) live here rather than in `tasks.py` so that
`services` can queue them without importing `tasks`, which imports `services`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from huey.contrib.djhuey import db_task

from remedia.accounts.models import Organisation, User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for
from remedia.cases import selectors, sla
from remedia.cases.models import (
    ACTIVE_STATUSES,
    Case,
    CaseEvent,
    CaseTask,
    EventKind,
)
from remedia.intake.models import Report, ReportRecipient, ReportStatus
from remedia.intake.selectors import ReportFilters, report_list
from remedia.notifications import digest, registry
from remedia.notifications.registry import Email
from remedia.notifications.selectors import members_with
from remedia.notifications.services import Batch, absolute

# The kinds this app sends (registered in `register`; the column holds the value).
REPORT_ROUTED = "report_routed"
CASE_ASSIGNED = "case_assigned"
TASK_DUE = "task_due"
SLA_DUE = "sla_due"
REPORTER_REPLIED = "reporter_replied"
RETALIATION = "retaliation"

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


def _case_url(case: Case) -> str:
    return absolute(case.get_absolute_url())


# --- Who may be told ------------------------------------------------------------------------


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
    targets = selectors.sla_targets(
        organisation_id=organisation.pk, urgent=report.urgent
    )
    return Email(
        "cases/email/report_routed",
        {
            "urgent": report.urgent,
            "organisation": str(organisation),
            "due_at": report.created_at + targets.acknowledge,
            "url": absolute(
                reverse("intake:staff_report", kwargs={"report_id": report.pk})
            ),
        },
    )


def _compose_case_assigned(user: User, key: str, now: datetime) -> Email | None:
    case = _case_for(user, key.split(":")[0])
    if case is None or not case.is_active or case.assignee_id != user.pk:
        return None
    return Email(
        "cases/email/case_assigned",
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
    return Email(
        "cases/email/reporter_replied", {"number": case.number, "url": _case_url(case)}
    )


def _compose_retaliation(user: User, key: str, now: datetime) -> Email | None:
    case = _case_for(user, key.split(":")[0])
    if case is None or not case.is_active:
        return None
    return Email(
        "cases/email/retaliation",
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
        "cases/email/task_due",
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
                "cases/email/sla_due",
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


class _CaseBatch(Batch):
    """A run of the notifications app's batch that also knows each organisation's handlers."""

    def __init__(self) -> None:
        super().__init__()
        self._handlers: dict[Any, list[User]] = {}

    def handlers(self, organisation_id: Any) -> list[User]:
        """The organisation's case handlers with an address (read once per run)."""
        if organisation_id not in self._handlers:
            self._handlers[organisation_id] = members_with(
                organisation_ids=[organisation_id], capability=Capability.CASE_WRITE
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
    with _CaseBatch() as batch:
        for user in members_with(
            organisation_ids=routed, capability=Capability.REPORT_READ
        ):
            batch.notify(user=user, kind=REPORT_ROUTED, key=str(report.pk))
    return batch.total


def case_assigned(*, case_id: Any, user_id: Any) -> int:
    """The case became `user_id`'s: tell them (once per assignment)."""
    case = _active_case(case_id)
    uid = _uuid(user_id)
    if case is None or uid is None or case.assignee_id != uid:
        return 0
    event = _latest_event(case, EventKind.ASSIGNED, to=str(uid))
    with _CaseBatch() as batch:
        for user in batch.handlers(case.organisation_id):
            if user.pk == uid:
                batch.notify(
                    user=user,
                    kind=CASE_ASSIGNED,
                    key=_event_key(case, event),
                )
    return batch.total


def reporter_replied(*, case_id: Any) -> int:
    """A reporter wrote on the case: tell its assignee, or its handlers if none."""
    case = _active_case(case_id)
    if case is None:
        return 0
    key = _event_key(case, _latest_event(case, EventKind.REPORTER_REPLIED))
    with _CaseBatch() as batch:
        for user in batch.case_recipients(case):
            batch.notify(user=user, kind=REPORTER_REPLIED, key=key)
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
    with _CaseBatch() as batch:
        for user in batch.case_recipients(case, with_handlers=True):
            batch.notify(user=user, kind=RETALIATION, key=key)
    return batch.total


def reminders_send() -> int:
    """Hourly: tasks and SLA clocks due within a day or overdue, each announced once."""
    with _CaseBatch() as batch:
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
        batch.look_up(TASK_DUE, [key for _owner, key in tasks])
        for owner, key in tasks:
            batch.notify(user=owner, kind=TASK_DUE, key=key)
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
        batch.look_up(SLA_DUE, [key for _case, key in clocks])
        for case, key in clocks:
            for user in batch.case_recipients(case):
                batch.notify(user=user, kind=SLA_DUE, key=key)
    return batch.total


# --- At start-up ---------------------------------------------------------------------------


def register() -> None:
    """Tell the notifications app our kinds, how each is composed, and our digest part."""
    for kind, label, composer in (
        (REPORT_ROUTED, _("Denuncia nueva"), _compose_report_routed),
        (CASE_ASSIGNED, _("Caso asignado"), _compose_case_assigned),
        (TASK_DUE, _("Tarea por vencer"), _compose_task_due),
        (SLA_DUE, _("Plazo por vencer"), _compose_sla_due),
        (REPORTER_REPLIED, _("Respuesta de quien denunció"), _compose_reporter_replied),
        (RETALIATION, _("Represalia informada"), _compose_retaliation),
    ):
        registry.kind_register(kind=kind, label=label, composer=composer)
    digest.digest_section_register(
        template="cases/email/digest_section.txt", counts=_digest_counts
    )


# --- The jobs the services queue (after commit) --------------------------------------------


@db_task()
def notify_report_routed(report_id: Any, organisation_ids: list[str]) -> int:
    return report_routed(report_id=report_id, organisation_ids=organisation_ids)


@db_task()
def notify_case_assigned(case_id: Any, user_id: Any) -> int:
    return case_assigned(case_id=case_id, user_id=user_id)


@db_task()
def notify_reporter_replied(case_id: Any) -> int:
    return reporter_replied(case_id=case_id)


@db_task()
def notify_retaliation(case_id: Any) -> int:
    return retaliation_reported(case_id=case_id)
