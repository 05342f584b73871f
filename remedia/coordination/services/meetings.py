"""Keeping a work group's meetings: participants, agenda, minutes, closing.

Coordinators and the lead of the meeting's group keep a meeting; anyone else
is refused and nothing is stored. A change to the meeting's own fields carries
the `version` its author saw (no last write wins). A decision or a task says
what was decided (`outcome_text`); an information item has no action. Once the
minutes are closed nothing about the meeting changes: its fields, minutes,
participants and agenda refuse every change. Turning a decision or a task
into an action of the plan stays possible after closing: it records what the
plan did with the decision and leaves the minutes as they were closed.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.dateparse import parse_time
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.coordination import alerts
from remedia.coordination.models import (
    Action,
    AgendaItem,
    Meeting,
    MeetingParticipant,
    Objective,
    Outcome,
    WorkGroup,
)
from remedia.coordination.selectors.meetings import item_objectives, meeting_writable
from remedia.coordination.services._common import (
    audit,
    choice,
    date_parse,
    organisation_parse,
    refuse,
    user_parse,
)
from remedia.coordination.services.plan import action_insert
from remedia.core.errors import ApplicationError, PermissionDenied
from remedia.core.kit import full_clean, invalid, text_field
from remedia.core.pdf import render_pdf

TITLE_MAX = 200
LOCATION_MAX = 200
MINUTES_MAX = 20000
ITEM_TITLE_MAX = 300
NOTES_MAX = 4000
OUTCOME_TEXT_MAX = 4000
NAME_MAX = 200
ORDER_MAX = 999
ITEMS_MAX = 200
ACTION_TITLE_MAX = 300


class MeetingClosed(ApplicationError):
    """The minutes are closed: nothing about the meeting changes any more."""

    status_code = 409

    def __init__(self) -> None:
        super().__init__(
            _(
                "La minuta de esta reunión está cerrada: ya no se puede cambiar "
                "nada de la reunión (datos, participantes, orden del día ni minuta)."
            ),
            extra={"field": "closed_at"},
        )


class StaleMeeting(ApplicationError):
    """The meeting changed since the user read it: nothing was stored."""

    status_code = 409

    def __init__(self) -> None:
        super().__init__(
            _(
                "Otra persona cambió esta reunión mientras usted la editaba; no se "
                "guardó nada. Revise los datos actuales y vuelva a guardar."
            ),
            extra={"field": "version"},
        )


def _keeper_require(user: User, group: WorkGroup) -> None:
    if not meeting_writable(user=user, group=group):
        raise PermissionDenied(
            _(
                "Las reuniones del grupo las registra la coordinación o quien "
                "coordina el grupo."
            )
        )


def _locked_open(user: User, meeting: Meeting) -> Meeting:
    """The meeting locked for a change, refused if not the user's or closed."""
    _keeper_require(user, meeting.group)
    locked = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("group")
        .get(pk=meeting.pk)
    )
    if locked.closed:
        raise MeetingClosed()
    return locked


def meeting_change_check(*, user: User, meeting: Meeting) -> None:
    """Refuse now what a change would refuse: not the user's, or closed."""
    _keeper_require(user, meeting.group)
    if meeting.closed:
        raise MeetingClosed()


def _time_parse(value: Any, *, errors: list[dict[str, Any]]) -> time | None:
    if value in (None, ""):
        return None
    if isinstance(value, time):
        return value
    try:
        parsed = parse_time(str(value).strip())
    except ValueError:
        parsed = None
    if parsed is None:
        errors.append(
            {"field": "starts_at", "reason": _("Escriba la hora como HH:MM.")}
        )
    return parsed


def _version(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise invalid("version", _("Falta la versión que vio; recargue la página."))
    try:
        return int(value)
    except ValueError:
        raise invalid(
            "version", _("Falta la versión que vio; recargue la página.")
        ) from None


def _meeting_fields(data: dict[str, Any], *, new: bool) -> dict[str, Any]:
    errors: list[dict[str, Any]] = []
    cleaned: dict[str, Any] = {}
    if "title" in data or new:
        cleaned["title"] = text_field(
            data.get("title"), field="title", limit=TITLE_MAX, required=True,
            errors=errors,
        )  # fmt: skip
    if "held_on" in data or new:
        cleaned["held_on"] = date_parse(
            data.get("held_on"), field="held_on", errors=errors
        )
    if "starts_at" in data or new:
        cleaned["starts_at"] = _time_parse(data.get("starts_at"), errors=errors)
    if "location" in data or new:
        cleaned["location"] = text_field(
            data.get("location"), field="location", limit=LOCATION_MAX, errors=errors
        )
    if "minutes" in data:
        cleaned["minutes"] = text_field(
            data.get("minutes"), field="minutes", limit=MINUTES_MAX, errors=errors
        )
    refuse(errors)
    return cleaned


def _participant_notify(participants: list[MeetingParticipant]) -> None:
    ids = [p.pk for p in participants if p.invited and p.user_id is not None]
    if ids:
        transaction.on_commit(lambda: alerts.meeting_invited(participant_ids=ids))


# --- The meeting --------------------------------------------------------------------


@transaction.atomic
def meeting_create(*, user: User, group: WorkGroup, data: dict[str, Any]) -> Meeting:
    """A meeting of `group`; `invite_members` invites every member of the group."""
    _keeper_require(user, group)
    cleaned = _meeting_fields(data, new=True)
    meeting = Meeting(group=group, created_by=user, **cleaned)
    full_clean(meeting)
    meeting.save()
    audit("meeting_created", user=user, obj=meeting, group=group.pk)
    if data.get("invite_members") in (True, "true", "on", "1", 1):
        invited = []
        for member in group.members.select_related("organisation", "user"):
            invited.append(
                MeetingParticipant.objects.create(
                    meeting=meeting,
                    organisation=member.organisation,
                    user=member.user,
                    invited=True,
                )
            )
        if invited:
            audit(
                "meeting_participants_invited",
                user=user,
                obj=meeting,
                count=len(invited),
            )
        _participant_notify(invited)
    return meeting


@transaction.atomic
def meeting_update(
    *, user: User, meeting: Meeting, data: dict[str, Any], version: Any
) -> Meeting:
    """Change the meeting's fields or its minutes if nobody did since `version`."""
    expected = _version(version)
    meeting = _locked_open(user, meeting)
    if meeting.version != expected:
        raise StaleMeeting()
    cleaned = _meeting_fields(data, new=False)
    changed = [n for n, v in cleaned.items() if getattr(meeting, n) != v]
    if not changed:
        return meeting
    for name in changed:
        setattr(meeting, name, cleaned[name])
    full_clean(meeting)
    meeting.version = F("version") + 1
    meeting.save(update_fields=sorted({*changed, "version", "updated_at"}))
    meeting.refresh_from_db(fields=["version"])
    audit("meeting_changed", user=user, obj=meeting, fields=",".join(sorted(changed)))
    return meeting


@transaction.atomic
def meeting_close(*, user: User, meeting: Meeting) -> Meeting:
    """Close the minutes: from now on nothing about the meeting changes."""
    meeting = _locked_open(user, meeting)
    if not meeting.minutes.strip():
        raise invalid("minutes", _("Escriba la minuta antes de cerrarla."))
    meeting.closed_at = timezone.now()
    meeting.closed_by = user
    meeting.version = F("version") + 1
    meeting.save(update_fields=["closed_at", "closed_by", "version", "updated_at"])
    meeting.refresh_from_db(fields=["version"])
    audit("meeting_closed", user=user, obj=meeting)
    return meeting


# --- Participants -------------------------------------------------------------------


@transaction.atomic
def participant_add(
    *, user: User, meeting: Meeting, data: dict[str, Any]
) -> MeetingParticipant:
    """An organisation invited, through one of its users or a named person."""
    meeting = _locked_open(user, meeting)
    errors: list[dict[str, Any]] = []
    organisation = None
    if data.get("organisation_id") in (None, ""):
        errors.append(
            {"field": "organisation_id", "reason": _("Elija la organización.")}
        )
    else:
        organisation = organisation_parse(
            data.get("organisation_id"), field="organisation_id", errors=errors
        )
    person = None
    if data.get("user_id") not in (None, ""):
        person = user_parse(data.get("user_id"), field="user_id", errors=errors)
    name = text_field(data.get("name"), field="name", limit=NAME_MAX, errors=errors)
    if person is not None and name:
        errors.append(
            {
                "field": "name",
                "reason": _(
                    "Elija a la persona usuaria o escriba un nombre, no las dos cosas."
                ),
            }
        )
    if (
        person is not None
        and organisation is not None
        and not person.memberships.filter(organisation=organisation).exists()
    ):
        errors.append(
            {
                "field": "user_id",
                "reason": _("Esa persona no trabaja en esa organización."),
            }
        )
    invited = data.get("invited", True) not in (False, "false", "0", 0)
    attended = data.get("attended", False) in (True, "true", "on", "1", 1)
    refuse(errors)
    # As the table's two constraints say: a user once per organisation; a
    # named person (or the organisation alone) once.
    same = MeetingParticipant.objects.filter(meeting=meeting, organisation=organisation)
    if (
        same.filter(user=person) if person else same.filter(user=None, name=name)
    ).exists():
        raise invalid("organisation_id", _("Ya está en la lista de participantes."))
    participant = MeetingParticipant(
        meeting=meeting,
        organisation=organisation,
        user=person,
        name=name,
        invited=invited,
        attended=attended,
    )
    full_clean(participant, validate_unique=False)
    participant.save()
    audit(
        "meeting_participant_added",
        user=user,
        obj=meeting,
        participant=participant.pk,
        organisation=participant.organisation_id,
    )
    _participant_notify([participant])
    return participant


@transaction.atomic
def participant_remove(*, user: User, participant: MeetingParticipant) -> None:
    meeting = _locked_open(user, participant.meeting)
    audit(
        "meeting_participant_removed",
        user=user,
        obj=meeting,
        participant=participant.pk,
        organisation=participant.organisation_id,
    )
    participant.delete()


@transaction.atomic
def participant_mark(
    *, user: User, participant: MeetingParticipant, data: dict[str, Any]
) -> MeetingParticipant:
    """Mark a participant invited or not, attended or not."""
    meeting = _locked_open(user, participant.meeting)
    errors: list[dict[str, Any]] = []
    cleaned: dict[str, bool] = {}
    for name in ("invited", "attended"):
        if name in data and data[name] is not None:
            if not isinstance(data[name], bool):
                errors.append({"field": name, "reason": _("Debe ser sí o no.")})
            else:
                cleaned[name] = data[name]
    refuse(errors)
    participant = MeetingParticipant.objects.select_for_update().get(pk=participant.pk)
    changed = [n for n, v in cleaned.items() if getattr(participant, n) != v]
    if not changed:
        return participant
    newly_invited = "invited" in changed and participant.invited is False
    for name in changed:
        setattr(participant, name, cleaned[name])
    participant.save(update_fields=[*changed, "updated_at"])
    audit(
        "meeting_participant_marked",
        user=user,
        obj=meeting,
        participant=participant.pk,
        invited=participant.invited,
        attended=participant.attended,
    )
    if newly_invited:
        _participant_notify([participant])
    return participant


@transaction.atomic
def attendance_set(*, user: User, meeting: Meeting, attended_ids: Any) -> int:
    """Who came: the participants in `attended_ids` attended, the others did not.

    Answers how many participants changed.
    """
    meeting = _locked_open(user, meeting)
    if not isinstance(attended_ids, list | tuple | set):
        raise invalid("attended", _("Debe ser una lista."))
    rows = list(MeetingParticipant.objects.filter(meeting=meeting))
    known = {str(p.pk) for p in rows}
    wanted = {str(i) for i in attended_ids}
    if wanted - known:
        raise invalid(
            "attended", _("Alguna de esas personas no participa en esta reunión.")
        )
    changed = [p for p in rows if p.attended != (str(p.pk) in wanted)]
    for participant in changed:
        participant.attended = not participant.attended
        participant.save(update_fields=["attended", "updated_at"])
    if changed:
        audit(
            "meeting_attendance",
            user=user,
            obj=meeting,
            attended=sum(1 for p in rows if str(p.pk) in wanted),
            participants=len(rows),
        )
    return len(changed)


# --- Agenda items -------------------------------------------------------------------


def _item_fields(data: dict[str, Any], *, current: AgendaItem | None) -> dict[str, Any]:
    errors: list[dict[str, Any]] = []
    cleaned: dict[str, Any] = {}
    new = current is None
    if "title" in data or new:
        cleaned["title"] = text_field(
            data.get("title"), field="title", limit=ITEM_TITLE_MAX, required=True,
            errors=errors,
        )  # fmt: skip
    if "notes" in data or new:
        cleaned["notes"] = text_field(
            data.get("notes"), field="notes", limit=NOTES_MAX, errors=errors
        )
    if "outcome" in data or new:
        cleaned["outcome"] = choice(
            data.get("outcome"),
            choices=list(Outcome.values),
            field="outcome",
            errors=errors,
            default=Outcome.INFORMATION,
        )
    if "outcome_text" in data or new:
        cleaned["outcome_text"] = text_field(
            data.get("outcome_text"),
            field="outcome_text",
            limit=OUTCOME_TEXT_MAX,
            errors=errors,
        )
    if "order" in data and data.get("order") not in (None, ""):
        try:
            order = int(data["order"])
        except (TypeError, ValueError):
            order = -1
        if isinstance(data["order"], bool) or not 0 <= order <= ORDER_MAX:
            errors.append(
                {"field": "order", "reason": _("Escriba un número de 0 a 999.")}
            )
        cleaned["order"] = order
    outcome = cleaned.get("outcome", current.outcome if current else "")
    text = cleaned.get("outcome_text", current.outcome_text if current else "")
    if (
        outcome in (Outcome.DECISION, Outcome.TASK)
        and not text
        and not any(e["field"] in ("outcome", "outcome_text") for e in errors)
    ):
        errors.append(
            {
                "field": "outcome_text",
                "reason": _("Escriba qué se decidió o cuál es la tarea."),
            }
        )
    if (
        current is not None
        and current.action_id is not None
        and outcome == Outcome.INFORMATION
    ):
        errors.append(
            {
                "field": "outcome",
                "reason": _(
                    "Este punto ya tiene una acción del plan: no puede quedar "
                    "como información."
                ),
            }
        )
    refuse(errors)
    return cleaned


@transaction.atomic
def item_add(*, user: User, meeting: Meeting, data: dict[str, Any]) -> AgendaItem:
    """A point of the agenda, after the others unless `order` says where."""
    meeting = _locked_open(user, meeting)
    cleaned = _item_fields(data, current=None)
    if meeting.items.count() >= ITEMS_MAX:
        raise invalid("title", _("La reunión ya tiene 200 puntos."))
    if "order" not in cleaned:
        last = meeting.items.aggregate(last=Max("order"))["last"]
        cleaned["order"] = min((last or 0) + 1, ORDER_MAX)
    item = AgendaItem(meeting=meeting, **cleaned)
    full_clean(item)
    item.save()
    audit(
        "meeting_item_added",
        user=user,
        obj=item,
        meeting=meeting.pk,
        outcome=item.outcome,
    )
    return item


@transaction.atomic
def item_update(*, user: User, item: AgendaItem, data: dict[str, Any]) -> AgendaItem:
    """Change an item (its outcome too); a linked item stays a decision or task."""
    _locked_open(user, item.meeting)
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    cleaned = _item_fields(data, current=item)
    changed = [n for n, v in cleaned.items() if getattr(item, n) != v]
    if not changed:
        return item
    for name in changed:
        setattr(item, name, cleaned[name])
    full_clean(item)
    item.save(update_fields=[*changed, "updated_at"])
    audit(
        "meeting_item_changed",
        user=user,
        obj=item,
        meeting=item.meeting_id,
        fields=",".join(sorted(changed)),
    )
    return item


@transaction.atomic
def items_reorder(*, user: User, meeting: Meeting, item_ids: Any) -> list[AgendaItem]:
    """Put the agenda in the order of `item_ids` (every item, once)."""
    meeting = _locked_open(user, meeting)
    items = {str(i.pk): i for i in meeting.items.all()}
    if not isinstance(item_ids, list | tuple):
        raise invalid("item_ids", _("Debe ser una lista."))
    wanted = [str(i) for i in item_ids]
    if sorted(wanted) != sorted(items) or len(set(wanted)) != len(wanted):
        raise invalid(
            "item_ids",
            _("Ponga en orden cada punto de esta reunión, una vez cada uno."),
        )
    ordered = []
    for position, key in enumerate(wanted, start=1):
        item = items[key]
        if item.order != position:
            item.order = position
            item.save(update_fields=["order", "updated_at"])
        ordered.append(item)
    audit("meeting_items_reordered", user=user, obj=meeting, count=len(ordered))
    return ordered


# --- An action of the plan from a decision or a task --------------------------------


def item_action_initial(item: AgendaItem) -> dict[str, Any]:
    """What the new action's form starts from: the decision, its meeting."""
    title = item.outcome_text.strip().splitlines()[0] if item.outcome_text else ""
    description = _("Acordada en la reunión «%(meeting)s», punto «%(item)s».") % {
        "meeting": str(item.meeting),
        "item": item.title,
    }
    if item.outcome_text.strip() != title:
        description = f"{item.outcome_text.strip()}\n\n{description}"
    return {
        "title": title[:ACTION_TITLE_MAX],
        "description": description,
        "starts_on": item.meeting.held_on.isoformat(),
    }


@transaction.atomic
def item_action_create(
    *, user: User, item: AgendaItem, objective: Objective | None, data: dict[str, Any]
) -> Action:
    """An action of the plan from a decision or a task, linked both ways.

    The objective is one of a plan carried by the meeting's group (any
    objective for a coordinator); the action is made by the plan's own
    `action_insert`, with the same checks, in this transaction.
    """
    meeting = item.meeting
    _keeper_require(user, meeting.group)
    item = (
        AgendaItem.objects.select_for_update(of=("self",))
        .select_related("meeting__group")
        .get(pk=item.pk)
    )
    if item.outcome == Outcome.INFORMATION:
        raise invalid(
            "outcome",
            _("Un punto informativo no lleva acción: solo una decisión o una tarea."),
        )
    if item.action_id is not None:
        raise invalid(
            "action", _("Este punto ya tiene su acción del plan: no se crea otra.")
        )
    if (
        objective is None
        or not item_objectives(user=user, meeting=item.meeting)
        .filter(pk=objective.pk)
        .exists()
    ):
        raise invalid(
            "objective_id",
            _("Elija un objetivo de un plan que lleve el grupo de la reunión."),
        )
    action = action_insert(user=user, objective=objective, data=data)
    item.action = action
    item.save(update_fields=["action", "updated_at"])
    audit(
        "meeting_item_action",
        user=user,
        obj=item,
        meeting=item.meeting_id,
        plan_action=action.pk,
    )
    return action


# --- The minutes as PDF -------------------------------------------------------------


def minutes_pdf(*, user: User, meeting: Meeting, language: str) -> bytes:
    """The minutes (participants, agenda, outcomes, text) as PDF; audited."""
    participants = list(meeting.participants.all())
    pdf = render_pdf(
        "coordination/meeting_minutes_pdf.html",
        {
            "meeting": meeting,
            "participants": participants,
            "attended": sum(1 for p in participants if p.attended),
            "items": list(meeting.items.all()),
            "language": language,
            "generated_at": timezone.localtime(),
        },
        language=language,
        identifier=str(meeting.pk),
    )
    audit("meeting_minutes_read", user=user, obj=meeting, language=language)
    return pdf


def minutes_filename(meeting: Meeting, language: str) -> str:
    return f"minuta-{meeting.held_on.isoformat()}-{str(meeting.pk)[:8]}-{language}.pdf"
