"""Where the RRM app (above `cases`) takes over an escalated case.

`cases` must not import `rrm`. The RRM app registers a receiver at start-up;
`case_escalate` hands every new draft to it inside the same transaction, and
the receiver returns the id of the petition it created (or None to leave the
draft waiting). With no receiver registered the draft waits in the case; the
RRM app, once installed, takes over the waiting drafts
(`selectors.escalations_waiting`) and registers its receiver for new ones.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils import timezone

if TYPE_CHECKING:
    from remedia.cases.models import Escalation

EscalationReceiver = Callable[["Escalation"], uuid.UUID | None]

_receivers: list[EscalationReceiver] = []


def escalation_receiver_register(receiver: EscalationReceiver) -> EscalationReceiver:
    if receiver not in _receivers:
        _receivers.append(receiver)
    return receiver


def escalation_receiver_unregister(receiver: EscalationReceiver) -> None:
    if receiver in _receivers:
        _receivers.remove(receiver)


def escalation_hand_over(escalation: Escalation) -> bool:
    """Offer a draft to the registered receivers; True once one took it."""
    from remedia.cases.models import EscalationStatus

    for receiver in _receivers:
        petition_id = receiver(escalation)
        if petition_id is not None:
            escalation.status = EscalationStatus.HANDED_OVER
            escalation.petition_ref = petition_id
            escalation.handed_over_at = timezone.now()
            escalation.save(
                update_fields=["status", "petition_ref", "handed_over_at", "updated_at"]
            )
            return True
    return False
