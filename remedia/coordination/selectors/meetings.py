"""Reading meetings, their participants and agenda, and who may keep them.

Every staff member with coordination reading reads every meeting (it names
organisations, people invited and what was agreed). A meeting is kept by the
coordinators and by the lead of its group.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When

from remedia.accounts.selectors import get_scoped
from remedia.coordination.models import (
    Action,
    AgendaItem,
    Meeting,
    MeetingParticipant,
    Objective,
    WorkGroup,
)
from remedia.coordination.selectors.access import (
    coordination_readable,
    coordination_writable,
)


def meeting_writable(*, user: Any, group: WorkGroup) -> bool:
    """A coordinator, or the lead of the group that meets."""
    if coordination_writable(user=user):
        return True
    return bool(
        getattr(user, "is_authenticated", False)
        and group.lead_id == user.pk
        and coordination_readable(user=user)
    )


def meeting_list(*, viewer: Any, group: WorkGroup | None = None) -> QuerySet[Meeting]:
    if not coordination_readable(user=viewer):
        return Meeting.objects.none()
    rows = Meeting.objects.select_related("group", "closed_by")
    if group is not None:
        rows = rows.filter(group=group)
    return rows


def meeting_get_for_user(*, user: Any, meeting_id: Any) -> Meeting:
    """One meeting with its participants and agenda (actions included)."""
    return get_scoped(
        meeting_list(viewer=user).prefetch_related(
            Prefetch(
                "participants",
                queryset=MeetingParticipant.objects.select_related(
                    "organisation", "user"
                ),
            ),
            Prefetch(
                "items",
                queryset=AgendaItem.objects.select_related(
                    "action", "action__objective__plan"
                ),
            ),
        ),
        pk=meeting_id,
    )


def item_get_for_user(*, user: Any, item_id: Any) -> AgendaItem:
    rows = AgendaItem.objects.none()
    if coordination_readable(user=user):
        rows = AgendaItem.objects.select_related("meeting", "meeting__group", "action")
    return get_scoped(rows, pk=item_id)


def participant_get_for_user(*, user: Any, participant_id: Any) -> MeetingParticipant:
    rows = MeetingParticipant.objects.none()
    if coordination_readable(user=user):
        rows = MeetingParticipant.objects.select_related(
            "meeting", "meeting__group", "organisation", "user"
        )
    return get_scoped(rows, pk=participant_id)


def item_objectives(*, user: Any, meeting: Meeting) -> QuerySet[Objective]:
    """Where an action from the meeting may go: any objective for a
    coordinator, the objectives carried by the meeting's group for its lead."""
    rows = (
        Objective.objects.select_related("plan", "group")
        .annotate(
            other_group=Case(
                When(group_id=meeting.group_id, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("other_group", "-plan__year", "order", "title")
    )
    if coordination_writable(user=user):
        return rows  # the meeting's group's objectives first
    if meeting_writable(user=user, group=meeting.group):
        return rows.filter(group_id=meeting.group_id)
    return rows.none()


def action_agenda_items(*, action: Action) -> list[AgendaItem]:
    """The agenda items (and their meetings) an action was agreed in."""
    return list(
        AgendaItem.objects.filter(action=action)
        .select_related("meeting")
        .order_by("meeting__held_on", "order")
    )
