"""Reading a file's support plan: its actions, their sealed texts, what is overdue.

The file is access-checked by its caller (`files.file_get_for_user`); an
action is only ever looked up under its own file, so an action id under
another file is the same `NotFound` as a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from remedia.accounts.selectors import get_scoped
from remedia.core.sealed import json_open
from remedia.protection.models import SupportAction, VictimFile
from remedia.protection.vocabulary import SupportStatus

# An action still to be done: it can fall overdue.
SUPPORT_OPEN_STATUSES = (SupportStatus.PLANNED, SupportStatus.ONGOING)


def support_action_overdue(action: SupportAction, *, today: date | None = None) -> bool:
    """Past its due date and neither done nor dropped."""
    today = today or timezone.localdate()
    return (
        action.status in SUPPORT_OPEN_STATUSES
        and action.due_on is not None
        and action.due_on < today
    )


@dataclass(frozen=True)
class OpenSupportAction:
    """One action of the plan; `objective` and `action_text` are None while the
    reader's key is locked."""

    action: SupportAction
    objective: str | None
    action_text: str | None
    overdue: bool

    @property
    def unlocked(self) -> bool:
        return self.objective is not None


def support_texts(action: SupportAction, *, file_private: bytes) -> dict[str, str]:
    """The sealed objective and action of one support action."""
    opened = json_open(bytes(action.content), private_key=file_private)
    return {
        "objective": str(opened.get("objective", "")),
        "action": str(opened.get("action", "")),
    }


def support_actions(
    *, file: VictimFile, file_private: bytes | None, today: date | None = None
) -> list[OpenSupportAction]:
    """The file's plan, in start order; texts opened where the key does."""
    today = today or timezone.localdate()
    rows = list(
        file.support_actions.select_related("owner", "owner_organisation").order_by(
            "starts_on", "created_at"
        )
    )
    result = []
    for row in rows:
        texts = (
            support_texts(row, file_private=file_private)
            if file_private is not None
            else None
        )
        result.append(
            OpenSupportAction(
                action=row,
                objective=texts["objective"] if texts else None,
                action_text=texts["action"] if texts else None,
                overdue=support_action_overdue(row, today=today),
            )
        )
    return result


def support_action_get(*, file: VictimFile, action_id: Any) -> SupportAction:
    """One action of this file, or `NotFound` (missing and another file's alike)."""
    return get_scoped(
        SupportAction.objects.filter(file=file).select_related(
            "owner", "owner_organisation", "file"
        ),
        pk=action_id,
    )
