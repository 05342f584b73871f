"""What coordination tells people: an update awaits the lead, an update was
returned or approved, an action or a period's report is overdue.

The lead of the group hears of every submitted update; who submitted hears
the decision. An email names the action, the indicator and the period, with a
link to the action's page; a composer answers None once the update no longer
is in the state it announced, or the person may no longer read it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.coordination.models import (
    Action,
    ActionStatus,
    IndicatorPeriod,
    ProgressUpdate,
    UpdateStatus,
)
from remedia.coordination.selectors.access import coordination_readable
from remedia.coordination.selectors.plan import (
    OPEN,
    action_overdue,
    period_update_overdue,
)
from remedia.notifications import registry
from remedia.notifications.registry import Email
from remedia.notifications.services import absolute, notifications_send

SUBMITTED = "coord_submitted"
RETURNED = "coord_returned"
APPROVED = "coord_approved"
ACTION_LATE = "coord_action_late"
PERIOD_LATE = "coord_period_late"

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


def _compose_action_late(user: User, key: str, now: datetime) -> Email | None:
    try:
        pk = uuid.UUID(key.partition(":")[0])
    except ValueError:
        return None
    action = (
        Action.objects.filter(pk=pk).select_related("objective__group", "owner").first()
    )
    if (
        action is None
        or not action_overdue(action, today=timezone.localdate(now))
        or not coordination_readable(user=user)
    ):
        return None
    return Email(
        f"coordination/email/{ACTION_LATE}",
        {
            "action": action.title,
            "group": action.objective.group.name,
            "owner": action.owner.name,
            "due_on": action.due_on,
            "url": absolute(action.get_absolute_url()),
        },
    )


def _compose_period_late(user: User, key: str, now: datetime) -> Email | None:
    try:
        pk = uuid.UUID(key)
    except ValueError:
        return None
    period = (
        IndicatorPeriod.objects.filter(pk=pk)
        .select_related("indicator__action__objective__group")
        .first()
    )
    if (
        period is None
        or not period_update_overdue(period, today=timezone.localdate(now))
        or not coordination_readable(user=user)
    ):
        return None
    action = period.indicator.action
    return Email(
        f"coordination/email/{PERIOD_LATE}",
        {
            "action": action.title,
            "indicator": period.indicator.name,
            "period": str(period),
            "group": action.objective.group.name,
            "url": absolute(action.get_absolute_url()),
        },
    )


def register() -> None:
    for kind, label in (
        (SUBMITTED, _("Avance por revisar")),
        (RETURNED, _("Avance devuelto")),
        (APPROVED, _("Avance aprobado")),
    ):
        registry.kind_register(kind=kind, label=label, composer=_compose(kind))
    registry.kind_register(
        kind=ACTION_LATE, label=_("Acción vencida"), composer=_compose_action_late
    )
    registry.kind_register(
        kind=PERIOD_LATE,
        label=_("Periodo sin avance aprobado"),
        composer=_compose_period_late,
    )
    registry.kind_register(
        kind=MEETING_INVITED,
        label=_("Invitación a una reunión"),
        composer=_compose_meeting_invited,
    )


def overdue_notify(*, today: date | None = None) -> int:
    """Tell each group's lead once of its overdue actions and of the periods
    ended without an approved update (dropped actions left out)."""
    today = today or timezone.localdate()
    recipients: dict[str, list[tuple[User, str]]] = {ACTION_LATE: [], PERIOD_LATE: []}
    for action in Action.objects.filter(
        status__in=OPEN, due_on__lt=today
    ).select_related("objective__group__lead"):
        lead = action.objective.group.lead
        if lead.is_active:
            key = f"{action.pk}:{action.due_on.isoformat()}"
            recipients[ACTION_LATE].append((lead, key))
    for period in (
        IndicatorPeriod.objects.filter(ends_on__lt=today)
        .exclude(indicator__action__status=ActionStatus.DROPPED)
        .exclude(updates__status=UpdateStatus.APPROVED)
        .select_related("indicator__action__objective__group__lead")
        .distinct()
    ):
        lead = period.indicator.action.objective.group.lead
        if lead.is_active:
            recipients[PERIOD_LATE].append((lead, str(period.pk)))
    return sum(
        notifications_send(kind=kind, recipients=pairs)
        for kind, pairs in recipients.items()
        if pairs
    )


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


# --- Meetings -------------------------------------------------------------------------

MEETING_INVITED = "coord_meeting_invite"


def _compose_meeting_invited(user: User, key: str, now: datetime) -> Email | None:
    """The invitation, while the person is still invited and it is not past."""
    from remedia.coordination.models import MeetingParticipant

    try:
        pk = uuid.UUID(key)
    except ValueError:
        return None
    participant = (
        MeetingParticipant.objects.filter(pk=pk)
        .select_related("meeting__group", "organisation")
        .first()
    )
    if (
        participant is None
        or not participant.invited
        or participant.user_id != user.pk
        or participant.meeting.closed
        or not coordination_readable(user=user)
    ):
        return None
    meeting = participant.meeting
    return Email(
        f"coordination/email/{MEETING_INVITED}",
        {
            "meeting": meeting.title,
            "group": meeting.group.name,
            "held_on": meeting.held_on,
            "starts_at": meeting.starts_at,
            "location": meeting.location,
            "organisation": participant.organisation.name,
            "url": absolute(meeting.get_absolute_url()),
        },
    )


def meeting_invited(*, participant_ids: list[Any]) -> int:
    """Tell each invited participant who is a Remedia user, once."""
    from remedia.coordination.models import MeetingParticipant

    pairs = [
        (p.user, str(p.pk))
        for p in MeetingParticipant.objects.filter(
            pk__in=participant_ids, invited=True, user__is_active=True
        ).select_related("user")
        if p.user is not None
    ]
    if not pairs:
        return 0
    return notifications_send(kind=MEETING_INVITED, recipients=pairs)
