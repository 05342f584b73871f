"""Meetings of a work group: participants, agenda, minutes, closing, the PDF,
and a decision that becomes an action of the plan (linked both ways)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from pypdf import PdfReader

from remedia.accounts.permissions import Sector
from remedia.coordination.models import (
    Action,
    AgendaItem,
    Meeting,
    MeetingParticipant,
    Outcome,
)
from remedia.coordination.services import meetings as services
from remedia.coordination.services.groups import group_create
from remedia.coordination.services.plan import objective_create
from remedia.core.audit import AuditEntry
from remedia.core.errors import InvalidInput, PermissionDenied
from remedia.notifications.models import Notification
from tests.support.actors import Staff, with_email
from tests.support.coordination import CoordinationWorld

pytestmark = pytest.mark.django_db

HOME = "/staff/coordinacion/"
BASE = "/api/v1/coordination"


def _meeting(world: CoordinationWorld, **data: Any) -> Meeting:
    fields = {
        "title": "Mesa de prevención de marzo",
        "held_on": "2026-03-10",
        "starts_at": "10:00",
        "location": "Casa Aguayo, Puebla",
        **data,
    }
    return services.meeting_create(
        user=world.coordinator.user, group=world.group, data=fields
    )


def _decision(world: CoordinationWorld, meeting: Meeting) -> AgendaItem:
    return services.item_add(
        user=world.coordinator.user,
        meeting=meeting,
        data={
            "title": "Talleres para cámaras",
            "outcome": "decision",
            "outcome_text": "Organizar un taller con la cámara textil en abril",
        },
    )


def _rows() -> tuple[int, ...]:
    return (
        Meeting.objects.count(),
        MeetingParticipant.objects.count(),
        AgendaItem.objects.count(),
        Action.objects.count(),
        AuditEntry.objects.count(),
    )


def _pdf_text(data: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


# --- Services ------------------------------------------------------------------------


def test_a_coordinator_records_a_meeting_inviting_the_group(
    coordination_world: CoordinationWorld, django_capture_on_commit_callbacks
) -> None:
    world = coordination_world
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _meeting(world, invite_members=True)

    assert meeting.version == 1
    assert meeting.starts_at is not None
    invited = MeetingParticipant.objects.filter(meeting=meeting)
    assert {p.organisation for p in invited} == {world.state, world.ngo}
    assert all(p.invited and not p.attended for p in invited)
    assert AuditEntry.objects.filter(action="coordination.meeting_created").exists()
    # The invited users of Remedia are told.
    told = set(
        Notification.objects.filter(kind="coord_meeting_invite").values_list(
            "user", flat=True
        )
    )
    assert told == {world.lead.user.pk, world.member.user.pk}


def test_the_invitation_email_names_the_meeting_and_links_to_it(
    coordination_world: CoordinationWorld,
    django_capture_on_commit_callbacks,
    mailoutbox,
) -> None:
    world = coordination_world
    with_email(world.member, "integrante@example.org", language="en")
    meeting = _meeting(world)

    with django_capture_on_commit_callbacks(execute=True):
        services.participant_add(
            user=world.coordinator.user,
            meeting=meeting,
            data={
                "organisation_id": str(world.ngo.pk),
                "user_id": str(world.member.user.pk),
            },
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.participant_add(  # a name only: nobody to tell
            user=world.coordinator.user,
            meeting=meeting,
            data={"organisation_id": str(world.other.pk), "name": "Rosa Pérez"},
        )

    (email,) = mailoutbox
    assert email.subject == "Meeting invitation: Mesa de prevención de marzo"
    assert "Colectivo Hilos" in email.body
    assert meeting.get_absolute_url() in email.body


def test_bad_meeting_input_is_refused_whole_and_nothing_is_stored(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    before = _rows()
    with pytest.raises(InvalidInput) as refused:
        services.meeting_create(
            user=world.coordinator.user,
            group=world.group,
            data={"title": "", "held_on": "10/03/2026", "starts_at": "diez"},
        )
    fields = {e["field"] for e in refused.value.errors}
    assert fields == {"title", "held_on", "starts_at"}
    assert _rows() == before


def test_a_member_who_does_not_lead_the_group_is_refused(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    meeting = _meeting(world)
    before = _rows()
    with pytest.raises(PermissionDenied):
        services.meeting_create(
            user=world.member.user,
            group=world.group,
            data={"title": "Otra", "held_on": "2026-03-11"},
        )
    with pytest.raises(PermissionDenied):
        services.item_add(
            user=world.member.user, meeting=meeting, data={"title": "Un punto"}
        )
    with pytest.raises(PermissionDenied):
        services.meeting_close(user=world.member.user, meeting=meeting)
    assert _rows() == before


def test_the_lead_of_the_group_keeps_its_meeting_without_being_coordinator(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    # A group led by the NGO's member (protection role: no coordination writing).
    group = group_create(
        user=world.coordinator.user,
        data={"name": "Atención", "lead_id": str(world.member.user.pk)},
    )
    objective = objective_create(
        user=world.coordinator.user,
        plan=world.plan,
        group=group,
        title="Atender a quienes trabajan",
    )
    meeting = services.meeting_create(
        user=world.member.user,
        group=group,
        data={"title": "Arranque", "held_on": "2026-02-01"},
    )
    item = services.item_add(
        user=world.member.user,
        meeting=meeting,
        data={"title": "Ruta", "outcome": "task", "outcome_text": "Mapear la ruta"},
    )
    # Only the objectives of the group's plan: not the other group's.
    with pytest.raises(InvalidInput) as refused:
        services.item_action_create(
            user=world.member.user,
            item=item,
            objective=world.objective,
            data=_action_fields(world),
        )
    assert refused.value.errors[0]["field"] == "objective_id"
    action = services.item_action_create(
        user=world.member.user,
        item=item,
        objective=objective,
        data=_action_fields(world),
    )
    assert action.objective == objective
    # The lead of another group is no keeper of this one's meetings.
    with pytest.raises(PermissionDenied):
        services.item_add(
            user=world.member.user,
            meeting=_meeting(world),
            data={"title": "Ajeno"},
        )


def _action_fields(world: CoordinationWorld, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Taller con la cámara textil",
        "sector": Sector.PRIVATE,
        "owner_id": str(world.ngo.pk),
        "state": "MX-PUE",
        "starts_on": "2026-04-01",
        "due_on": "2026-04-30",
    }
    data.update(changes)
    return data


def test_participants_by_user_or_name_and_attendance(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    meeting = _meeting(world)
    by = world.coordinator.user
    person = services.participant_add(
        user=by,
        meeting=meeting,
        data={
            "organisation_id": str(world.ngo.pk),
            "user_id": str(world.member.user.pk),
        },
    )
    named = services.participant_add(
        user=by,
        meeting=meeting,
        data={"organisation_id": str(world.other.pk), "name": "Rosa Pérez"},
    )
    before = _rows()
    with pytest.raises(InvalidInput) as refused:
        services.participant_add(
            user=by,
            meeting=meeting,
            data={
                "organisation_id": str(world.other.pk),
                "user_id": str(world.member.user.pk),
                "name": "Y un nombre",
            },
        )
    assert {e["field"] for e in refused.value.errors} == {"name", "user_id"}
    with pytest.raises(InvalidInput):  # the same participant twice
        services.participant_add(
            user=by,
            meeting=meeting,
            data={"organisation_id": str(world.other.pk), "name": "Rosa Pérez"},
        )
    with pytest.raises(InvalidInput):  # the same user twice
        services.participant_add(
            user=by,
            meeting=meeting,
            data={
                "organisation_id": str(world.ngo.pk),
                "user_id": str(world.member.user.pk),
            },
        )
    assert _rows() == before

    assert services.attendance_set(user=by, meeting=meeting, attended_ids=[named.pk])
    named.refresh_from_db()
    person.refresh_from_db()
    assert named.attended
    assert not person.attended
    services.participant_mark(user=by, participant=person, data={"invited": False})
    person.refresh_from_db()
    assert person.invited is False
    services.participant_remove(user=by, participant=person)
    assert list(meeting.participants.all()) == [named]


def test_agenda_outcomes_need_their_text_and_reorder(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    meeting = _meeting(world)
    by = world.coordinator.user
    first = services.item_add(user=by, meeting=meeting, data={"title": "Informe"})
    before = _rows()
    with pytest.raises(InvalidInput) as refused:
        services.item_add(
            user=by, meeting=meeting, data={"title": "", "outcome": "decision"}
        )
    assert {e["field"] for e in refused.value.errors} == {"title", "outcome_text"}
    with pytest.raises(InvalidInput):
        services.item_add(user=by, meeting=meeting, data={"title": "X", "outcome": "?"})
    assert _rows() == before
    second = _decision(world, meeting)
    assert (first.order, second.order) == (1, 2)

    services.items_reorder(user=by, meeting=meeting, item_ids=[second.pk, first.pk])
    assert [i.pk for i in meeting.items.all()] == [second.pk, first.pk]
    with pytest.raises(InvalidInput):
        services.items_reorder(user=by, meeting=meeting, item_ids=[second.pk])
    with pytest.raises(InvalidInput):
        services.item_update(user=by, item=second, data={"outcome_text": ""})


def test_meeting_changes_carry_the_version_read(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    meeting = _meeting(world)
    by = world.coordinator.user
    meeting = services.meeting_update(
        user=by, meeting=meeting, data={"minutes": "Se acordó un taller."}, version=1
    )
    assert meeting.version == 2  # noqa: PLR2004
    with pytest.raises(services.StaleMeeting):
        services.meeting_update(
            user=by, meeting=meeting, data={"title": "Otra cosa"}, version=1
        )
    meeting.refresh_from_db()
    assert meeting.title == "Mesa de prevención de marzo"


def test_closed_minutes_refuse_every_change(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    by = world.coordinator.user
    meeting = _meeting(world)
    item = _decision(world, meeting)
    participant = services.participant_add(
        user=by, meeting=meeting, data={"organisation_id": str(world.ngo.pk)}
    )
    with pytest.raises(InvalidInput):  # nothing written yet
        services.meeting_close(user=by, meeting=meeting)
    meeting = services.meeting_update(
        user=by, meeting=meeting, data={"minutes": "Acuerdos."}, version=1
    )
    meeting = services.meeting_close(user=by, meeting=meeting)
    assert meeting.closed
    assert meeting.closed_by == by

    before = _rows()
    attempts = [
        lambda: services.meeting_update(
            user=by, meeting=meeting, data={"title": "X"}, version=meeting.version
        ),
        lambda: services.meeting_close(user=by, meeting=meeting),
        lambda: services.participant_add(
            user=by, meeting=meeting, data={"organisation_id": str(world.other.pk)}
        ),
        lambda: services.participant_remove(user=by, participant=participant),
        lambda: services.participant_mark(
            user=by, participant=participant, data={"attended": True}
        ),
        lambda: services.attendance_set(
            user=by, meeting=meeting, attended_ids=[participant.pk]
        ),
        lambda: services.item_add(user=by, meeting=meeting, data={"title": "X"}),
        lambda: services.item_update(user=by, item=item, data={"title": "X"}),
        lambda: services.items_reorder(user=by, meeting=meeting, item_ids=[item.pk]),
    ]
    for attempt in attempts:
        with pytest.raises(services.MeetingClosed) as refused:
            attempt()
        assert "cerrada" in str(refused.value.message)
    assert _rows() == before
    # Turning a decision into an action of the plan leaves the minutes as
    # closed: it stays possible (the item only records the link).
    action = services.item_action_create(
        user=by, item=item, objective=world.objective, data=_action_fields(world)
    )
    item.refresh_from_db()
    assert item.action == action
    assert item.title == "Talleres para cámaras"


def test_a_decision_becomes_an_action_linked_both_ways(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    by = world.coordinator.user
    meeting = _meeting(world)
    information = services.item_add(user=by, meeting=meeting, data={"title": "Info"})
    decision = _decision(world, meeting)
    initial = services.item_action_initial(decision)
    assert initial["title"] == "Organizar un taller con la cámara textil en abril"

    before = _rows()
    with pytest.raises(InvalidInput):  # an information item has no action
        services.item_action_create(
            user=by,
            item=information,
            objective=world.objective,
            data=_action_fields(world),
        )
    with pytest.raises(InvalidInput) as refused:  # the plan's own checks
        services.item_action_create(
            user=by,
            item=decision,
            objective=world.objective,
            data=_action_fields(world, due_on="2026-03-01"),
        )
    assert refused.value.errors[0]["field"] == "due_on"
    with pytest.raises(PermissionDenied):
        services.item_action_create(
            user=world.member.user,
            item=decision,
            objective=world.objective,
            data=_action_fields(world),
        )
    assert _rows() == before

    action = services.item_action_create(
        user=by, item=decision, objective=world.objective, data=_action_fields(world)
    )
    decision.refresh_from_db()
    assert decision.action == action
    assert list(action.agenda_items.all()) == [decision]
    assert AuditEntry.objects.filter(action="coordination.meeting_item_action").exists()
    before = _rows()
    with pytest.raises(InvalidInput) as refused:  # a second action
        services.item_action_create(
            user=by,
            item=decision,
            objective=world.objective,
            data=_action_fields(world),
        )
    assert refused.value.errors[0]["field"] == "action"
    # A linked item cannot turn into information.
    with pytest.raises(InvalidInput):
        services.item_update(user=by, item=decision, data={"outcome": "information"})
    assert _rows() == before


def test_the_minutes_pdf_names_the_meeting_and_is_audited(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    meeting = _meeting(world)
    _decision(world, meeting)
    audits = AuditEntry.objects.count()

    pdf = services.minutes_pdf(user=world.outsider.user, meeting=meeting, language="en")

    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    assert "Mesa de prevención de marzo" in text
    assert "Agenda" in text  # English headings
    assert "Organizar un taller con la cámara textil" in text
    assert AuditEntry.objects.count() == audits + 1


# --- Pages ---------------------------------------------------------------------------


def test_the_meeting_pages_for_a_coordinator(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.coordinator)

    answer = client.post(
        f"{HOME}reuniones/nueva/",
        {
            "group": str(world.group.pk),
            "title": "Mesa de abril",
            "held_on": "2026-04-08",
            "invite_members": "on",
        },
    )
    assert answer.status_code == 302  # noqa: PLR2004
    meeting = Meeting.objects.get(title="Mesa de abril")
    url = meeting.get_absolute_url()
    assert answer["Location"] == url

    bad = client.post(url + "puntos/", {"title": "Sin texto", "outcome": "task"})
    assert bad.status_code == 422  # noqa: PLR2004
    assert "Escriba qué se decidió o cuál es la tarea." in bad.content.decode()
    assert not AgendaItem.objects.exists()

    client.post(
        url + "puntos/",
        {"title": "Taller", "outcome": "decision", "outcome_text": "Taller en mayo"},
    )
    item = AgendaItem.objects.get()
    participants = list(meeting.participants.all())
    client.post(url + "asistencia/", {"attended": [str(participants[0].pk)]})
    assert MeetingParticipant.objects.filter(attended=True).count() == 1

    html = client.get(url).content.decode()
    assert "Taller en mayo" in html
    assert f"reuniones/puntos/{item.pk}/accion/nueva/" in html
    assert "Cerrar la minuta" in html

    form = client.get(f"{HOME}reuniones/puntos/{item.pk}/accion/nueva/")
    assert form.status_code == 200  # noqa: PLR2004
    assert 'value="Taller en mayo"' in form.content.decode()
    made = client.post(
        f"{HOME}reuniones/puntos/{item.pk}/accion/nueva/",
        {
            "objective": str(world.objective.pk),
            "title": "Taller en mayo",
            "sector": "private",
            "owner": str(world.ngo.pk),
            "starts_on": "2026-05-01",
            "due_on": "2026-05-31",
        },
        follow=True,
    )
    action = Action.objects.get(title="Taller en mayo")
    page = made.content.decode()
    assert "Acordada en" in page
    assert url in page  # the action page links the meeting
    assert action.get_absolute_url() in client.get(url).content.decode()

    client.post(url + "minuta/", {"minutes": "Se acordó el taller.", "version": "1"})
    client.post(url + "cerrar/")
    meeting.refresh_from_db()
    assert meeting.closed
    closed = client.post(url + "puntos/", {"title": "Tarde"}, follow=True)
    assert "La minuta de esta reunión está cerrada" in closed.content.decode()
    assert AgendaItem.objects.count() == 1
    assert "Cerrar la minuta" not in client.get(url).content.decode()

    pdf = client.get(url + "minuta.pdf?lang=es")
    assert pdf.status_code == 200  # noqa: PLR2004
    assert pdf["Content-Disposition"].startswith("attachment;")
    assert "Mesa de abril" in _pdf_text(pdf.content)
    assert "Minuta" in _pdf_text(pdf.content)
    assert AuditEntry.objects.filter(
        action="coordination.meeting_minutes_read"
    ).exists()

    group_page = client.get(world.group and f"{HOME}grupos/{world.group.pk}/")
    assert "Mesa de abril" in group_page.content.decode()
    assert "Mesa de abril" in client.get(f"{HOME}reuniones/").content.decode()


def test_a_member_reads_a_meeting_but_cannot_change_it(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    meeting = _meeting(world)
    item = _decision(world, meeting)
    enter(world.member)
    url = meeting.get_absolute_url()

    html = client.get(url).content.decode()
    assert "Mesa de prevención de marzo" in html
    assert "Cerrar la minuta" not in html
    assert "accion/nueva/" not in html
    before = _rows()
    refused = client.post(url + "puntos/", {"title": "Intruso"}, follow=True)
    assert "la coordinación o quien coordina el grupo" in refused.content.decode()
    client.post(url + "cerrar/")
    assert client.get(f"{HOME}reuniones/nueva/").status_code == 403  # noqa: PLR2004
    assert (
        client.get(f"{HOME}reuniones/puntos/{item.pk}/accion/nueva/").status_code == 403  # noqa: PLR2004
    )
    assert _rows() == before
    enter(world.officer)
    assert client.get(url).status_code == 404  # noqa: PLR2004


def test_the_meeting_pages_read_in_english(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    meeting = _meeting(world)
    _decision(world, meeting)
    enter(world.coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(meeting.get_absolute_url()).content.decode()
    listing = client.get(f"{HOME}reuniones/").content.decode()

    assert '<html lang="en">' in html
    for text in ("Participants", "Agenda", "Minutes", "Close the minutes"):
        assert text in html, text
    assert "Create a plan action" in html
    assert "Decision" in html
    assert "Meetings of the work groups" in listing


# --- API -----------------------------------------------------------------------------


def _call(client: Client, method: str, path: str, who: Staff, body: Any = None) -> Any:
    kwargs: dict[str, Any] = {"headers": who.headers}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(BASE + path, **kwargs)


def test_the_meetings_api_from_meeting_to_action(
    client: Client, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    who = world.coordinator
    bad = _call(
        client, "post", "/meetings", who,
        {"group_id": str(world.group.pk), "title": "", "held_on": "2026-03-10"},
    )  # fmt: skip
    assert bad.status_code == 422  # noqa: PLR2004
    assert not Meeting.objects.exists()

    made = _call(
        client,
        "post",
        "/meetings",
        who,
        {"group_id": str(world.group.pk), "title": "Mesa API", "held_on": "2026-03-10"},
    )
    assert made.status_code == 201, made.content  # noqa: PLR2004
    meeting_id = made.json()["id"]
    path = f"/meetings/{meeting_id}"

    added = _call(
        client, "post", f"{path}/participants", who,
        {"organisation_id": str(world.ngo.pk), "user_id": str(world.member.user.pk)},
    )  # fmt: skip
    assert added.status_code == 201, added.content  # noqa: PLR2004
    marked = _call(
        client,
        "patch",
        f"/meeting-participants/{added.json()['id']}",
        who,
        {"attended": True},
    )
    assert marked.json()["attended"] is True

    item = _call(
        client, "post", f"{path}/items", who,
        {"title": "Taller", "outcome": "task", "outcome_text": "Preparar el taller"},
    )  # fmt: skip
    assert item.status_code == 201, item.content  # noqa: PLR2004
    item_id = item.json()["id"]
    changed = _call(
        client, "patch", f"/agenda-items/{item_id}", who, {"notes": "Con la cámara."}
    )
    assert changed.json()["notes"] == "Con la cámara."

    action = _call(
        client,
        "post",
        f"/agenda-items/{item_id}/action",
        who,
        {
            "objective_id": str(world.objective.pk),
            "sector": "private",
            "owner_id": str(world.ngo.pk),
            "due_on": "2026-06-30",
        },
    )
    assert action.status_code == 201, action.content  # noqa: PLR2004
    body = action.json()
    assert body["action_title"] == "Preparar el taller"
    assert body["item"]["action_id"] == body["action_id"]
    again = _call(
        client,
        "post",
        f"/agenda-items/{item_id}/action",
        who,
        {
            "objective_id": str(world.objective.pk),
            "sector": "private",
            "owner_id": str(world.ngo.pk),
            "due_on": "2026-06-30",
        },
    )
    assert again.status_code == 422  # noqa: PLR2004
    assert Action.objects.filter(agenda_items__isnull=False).count() == 1

    stale = _call(client, "patch", path, who, {"version": 9, "minutes": "Acuerdos"})
    assert stale.status_code == 409  # noqa: PLR2004
    saved = _call(client, "patch", path, who, {"version": 1, "minutes": "Acuerdos"})
    assert saved.json()["version"] == 2  # noqa: PLR2004
    closed = _call(client, "post", f"{path}/close", who)
    assert closed.json()["closed"] is True
    late = _call(client, "post", f"{path}/items", who, {"title": "Tarde"})
    assert late.status_code == 409  # noqa: PLR2004
    assert "cerrada" in late.json()["detail"]

    detail = _call(client, "get", path, world.outsider).json()
    assert [p["attended"] for p in detail["participants"]] == [True]
    assert detail["items"][0]["action_id"] == body["action_id"]
    listing = _call(client, "get", f"/meetings?group_id={world.group.pk}", world.member)
    assert listing.json()["count"] == 1

    pdf = _call(client, "get", f"{path}/minutes.pdf?lang=en", world.member)
    assert pdf.status_code == 200  # noqa: PLR2004
    assert pdf.content.startswith(b"%PDF")
    assert "Mesa API" in _pdf_text(pdf.content)
    assert _call(client, "get", f"{path}/minutes.pdf?lang=fr", who).status_code == 422  # noqa: PLR2004


def test_the_api_refuses_a_member_and_hides_meetings_from_an_officer(
    client: Client, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    meeting = _meeting(world)
    path = f"/meetings/{meeting.pk}"
    before = _rows()

    refused = _call(client, "post", f"{path}/items", world.member, {"title": "X"})
    assert refused.status_code == 403  # noqa: PLR2004
    patched = _call(client, "patch", path, world.member, {"version": 1, "title": "X"})
    assert patched.status_code == 403  # noqa: PLR2004
    assert _call(client, "get", path, world.officer).status_code == 404  # noqa: PLR2004
    assert _rows() == before
    assert Outcome.DECISION == "decision"


def test_a_bad_or_stale_edit_on_the_page_changes_nothing(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    meeting = _meeting(world)
    url = meeting.get_absolute_url()
    enter(world.coordinator)

    bad = client.post(url + "datos/", {"title": "", "held_on": "ayer", "version": "1"})
    assert bad.status_code == 422  # noqa: PLR2004
    assert 'id="id_title-error"' in bad.content.decode()
    stale = client.post(
        url + "datos/",
        {"title": "Otra", "held_on": "2026-03-11", "version": "7"},
        follow=True,
    )
    assert "Otra persona cambió esta reunión" in stale.content.decode()
    meeting.refresh_from_db()
    assert (meeting.title, meeting.version) == ("Mesa de prevención de marzo", 1)
    saved = client.post(
        url + "datos/", {"title": "Otra", "held_on": "2026-03-11", "version": "1"}
    )
    assert saved.status_code == 302  # noqa: PLR2004
    meeting.refresh_from_db()
    assert (meeting.title, meeting.version) == ("Otra", 2)
