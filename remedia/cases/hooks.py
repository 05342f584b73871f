"""Where apps above `cases` take part in it: the RRM, and the case page.

The case page shows sections other apps own (protection's screening): each
registers a provider at start-up (`case_section_register`), which gets the
request (for the viewer's rights) and the case (already access-checked) and
returns a panel to render, or None.

The RRM app (above `cases`) takes over an escalated case.

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

from django.http import HttpRequest
from django.utils import timezone

from remedia.core.hooks import Panel

if TYPE_CHECKING:
    from remedia.cases.models import Case, Escalation

CaseSectionProvider = Callable[[HttpRequest, "Case"], Panel | None]

_case_sections: list[CaseSectionProvider] = []


def case_section_register(provider: CaseSectionProvider) -> CaseSectionProvider:
    if provider not in _case_sections:
        _case_sections.append(provider)
    return provider


def case_sections(request: HttpRequest, case: Case) -> list[Panel]:
    found = [s for p in _case_sections if (s := p(request, case)) is not None]
    return sorted(found, key=lambda s: s.order)


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
