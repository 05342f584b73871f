"""A petition's timeline writers: one function per kind, each writing its kind
with the payload its TypedDict states; decisions kept, free text never."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, get_type_hints

import pytest

from remedia.rrm import events, services
from remedia.rrm.models import RrmEvent, RrmEventKind, RrmStage
from tests.rrm.world import _clear_cache, petition  # noqa: F401

pytestmark = pytest.mark.django_db


def test_every_kind_has_its_function_which_writes_that_kind(analyst) -> None:
    # Given a petition and a writer for every kind
    case = petition(analyst)
    user = analyst.user
    some = uuid.uuid4()
    calls: dict[RrmEventKind, tuple[Any, Any]] = {
        RrmEventKind.CREATED: (
            lambda: events.petition_created_event(
                case=case, user=user, self_initiated=False
            ),
            events.CreatedData,
        ),
        RrmEventKind.DRAFT_RECEIVED: (
            lambda: events.draft_received_event(
                case=case, user=None, escalation_id=some, documents_offered=2
            ),
            events.DraftReceivedData,
        ),
        RrmEventKind.CLAIMED: (
            lambda: events.draft_claimed_event(
                case=case, user=user, organisation_id=some
            ),
            events.ClaimedData,
        ),
        RrmEventKind.ADVANCED: (
            lambda: events.petition_advanced_event(
                case=case,
                user=user,
                previous=RrmStage.PETITION_FILED,
                stage=RrmStage.ILC_DETERMINATION,
                on=dt.date(2023, 6, 9),
                decisions={},
            ),
            events.AdvancedData,
        ),
        RrmEventKind.DOCUMENT_ADDED: (
            lambda: events.document_added_event(
                case=case, user=user, document_id=some, content_type="application/pdf"
            ),
            events.DocumentAddedData,
        ),
        RrmEventKind.NOTE_ADDED: (
            lambda: events.note_added_event(case=case, user=user, note_id=some),
            events.NoteAddedData,
        ),
        RrmEventKind.PUBLISHED: (
            lambda: events.petition_published_event(case=case, user=user),
            events.NoData,
        ),
        RrmEventKind.WITHDRAWN: (
            lambda: events.petition_withdrawn_event(case=case, user=user),
            events.NoData,
        ),
    }
    assert set(calls) == set(RrmEventKind)

    for kind, (write, payload) in calls.items():
        # When each runs, then it wrote its own kind with its payload's keys
        event = write()
        event.refresh_from_db()
        assert event.kind == kind
        required = {
            key
            for key in get_type_hints(payload)
            if key in getattr(payload, "__required_keys__", set())
        }
        assert required <= set(event.data) <= set(get_type_hints(payload)), kind


def test_an_advance_keeps_the_decision_and_not_the_reasons(analyst) -> None:
    # Given a petition, when the ILC's negative determination is recorded
    case = petition(analyst)
    reasons = "La empresa acreditó que el despido fue por causa justificada."
    services.petition_advance(
        case=case,
        user=analyst.user,
        to_stage=RrmStage.ILC_DETERMINATION,
        on=dt.date(2023, 6, 9),
        affirmative=False,
        reasons=reasons,
    )

    # Then its event has the stages, the day and the decision, not the reasons
    event = RrmEvent.objects.get(case=case, kind=RrmEventKind.ADVANCED)
    assert event.data == {
        "from": RrmStage.PETITION_FILED,
        "to": RrmStage.ILC_DETERMINATION,
        "on": "2023-06-09",
        "affirmative": False,
    }
    assert "despido" not in str(event.data)


def test_publishing_and_withdrawing_write_their_own_kinds(analyst) -> None:
    case = petition(analyst)
    case.confidential = False
    case.save(update_fields=["confidential"])

    services.petition_publish(case=case, user=analyst.user, public=True)
    services.petition_publish(case=case, user=analyst.user, public=False)

    kinds = list(
        RrmEvent.objects.filter(case=case)
        .exclude(kind=RrmEventKind.CREATED)
        .values_list("kind", flat=True)
    )
    assert kinds == [RrmEventKind.PUBLISHED, RrmEventKind.WITHDRAWN]
