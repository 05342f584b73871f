"""What coordination tells people: an update awaits the lead, an update was
returned or approved.

The lead of the group hears of every submitted update; who submitted hears
the decision. An email names the action, the indicator and the period, with a
link to the action's page; a composer answers None once the update no longer
is in the state it announced, or the person may no longer read it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.coordination.models import ProgressUpdate, UpdateStatus
from remedia.coordination.selectors.access import coordination_readable
from remedia.notifications import registry
from remedia.notifications.registry import Email
from remedia.notifications.services import absolute, notifications_send

SUBMITTED = "coord_submitted"
RETURNED = "coord_returned"
APPROVED = "coord_approved"

_STATUS = {
    SUBMITTED: UpdateStatus.SUBMITTED,
    RETURNED: UpdateStatus.RETURNED,
    APPROVED: UpdateStatus.APPROVED,
}


def _update(key: str) -> ProgressUpdate | None:
    try:
        pk = uuid.UUID(key.partition(":")[0])
    except ValueError:
        return None
    return (
        ProgressUpdate.objects.filter(pk=pk)
        .select_related("period__indicator__action__objective__group")
        .first()
    )


def _compose(kind: str) -> Any:
    def compose(user: User, key: str, now: datetime) -> Email | None:
        update = _update(key)
        if (
            update is None
            or update.status != _STATUS[kind]
            or not coordination_readable(user=user)
        ):
            return None
        indicator = update.period.indicator
        action = indicator.action
        return Email(
            f"coordination/email/{kind}",
            {
                "action": action.title,
                "indicator": indicator.name,
                "period": str(update.period),
                "group": action.objective.group.name,
                "note": update.review_note,
                "url": absolute(action.get_absolute_url()),
            },
        )

    return compose


def register() -> None:
    for kind, label in (
        (SUBMITTED, _("Avance por revisar")),
        (RETURNED, _("Avance devuelto")),
        (APPROVED, _("Avance aprobado")),
    ):
        registry.kind_register(kind=kind, label=label, composer=_compose(kind))


def update_event(*, update_id: Any, event: str) -> int:
    """Tell the lead of a submitted update, or its submitter of the decision
    (unless they are who acted)."""
    update = _update(str(update_id))
    if update is None:
        return 0
    if event == SUBMITTED:
        recipient = update.period.indicator.action.objective.group.lead
        stamp = update.submitted_at
    else:
        recipient = update.submitted_by
        stamp = update.reviewed_at
    actor = update.submitted_by_id if event == SUBMITTED else update.reviewed_by_id
    if recipient is None or not recipient.is_active or recipient.pk == actor:
        return 0  # nobody is told of what they did themselves
    key = f"{update.pk}:{int(stamp.timestamp()) if stamp else 0}"
    return notifications_send(kind=event, recipients=[(recipient, key)])
