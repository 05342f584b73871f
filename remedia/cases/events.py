"""The case timeline: one typed event per change (Saleor's `order/events.py`).

Events carry ids and small facts (a status, a username, a count), never what
anyone wrote: a note's event names the note, the note itself stays sealed.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from remedia.cases.models import Case, CaseEvent


def record(
    *, case: Case, kind: str, actor: Any = None, data: dict[str, Any] | None = None
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=actor, at=timezone.now(), data=data or {}
    )
