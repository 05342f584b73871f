"""The SLA clocks of a case, and the lock-and-save every case write goes through."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from remedia.cases import selectors, sla
from remedia.cases.models import (
    Case,
)
from remedia.cases.selectors import sla_targets


def _due_times_set(case: Case, *, start: datetime, paused: timedelta) -> None:
    targets = sla_targets(organisation_id=case.organisation_id, urgent=case.urgent)
    case.acknowledge_due_at = sla.due(
        start=start, target=targets.acknowledge, paused=paused
    )
    case.first_response_due_at = sla.due(
        start=start, target=targets.first_response, paused=paused
    )
    case.resolution_due_at = sla.due(
        start=start, target=targets.resolution, paused=paused
    )


def next_due_of(case: Case) -> datetime | None:
    """The nearest due time of a clock still running (what `next_due_at` holds)."""
    if case.paused_since is not None:
        return None
    pending = []
    if case.acknowledged_at is None:
        pending.append(case.acknowledge_due_at)
    if case.first_response_at is None and case.is_active:
        pending.append(case.first_response_due_at)
    if case.resolved_at is None and case.is_active:
        pending.append(case.resolution_due_at)
    return min(pending) if pending else None


def _paused(case: Case) -> timedelta:
    return timedelta(seconds=case.paused_seconds)


def _mark_acknowledged(case: Case, now: datetime) -> list[str]:
    if case.acknowledged_at is not None:
        return []
    case.acknowledged_at = now
    if case.acknowledge_seconds is None:
        case.acknowledge_seconds = sla.net_seconds(
            start=case.received_at, end=now, paused=_paused(case)
        )
    return ["acknowledged_at", "acknowledge_seconds"]


def _mark_first_response(case: Case, at: datetime) -> list[str]:
    if case.first_response_at is not None:
        return []
    case.first_response_at = at
    if case.first_response_seconds is None:
        case.first_response_seconds = sla.net_seconds(
            start=case.received_at, end=at, paused=_paused(case)
        )
    return ["first_response_at", "first_response_seconds"]


def _save(case: Case, fields: Iterable[str]) -> None:
    """Save the listed fields with the clocks refreshed and the version bumped."""
    case.next_due_at = next_due_of(case)
    case.version = F("version") + 1
    case.save(update_fields=sorted({*fields, "next_due_at", "version", "updated_at"}))
    case.refresh_from_db(fields=["version"])
    transaction.on_commit(selectors.cases_changed)


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)
