"""Holding a screening's interview, who may, what is kept and how, and opening
a victim file from it (through the services, as the pages and the API do)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from remedia.core.errors import InvalidInput, NotFound, PermissionDenied
from remedia.core.models import AuditEntry
from remedia.protection.models import Screening, ScreeningKeyGrant
from remedia.protection.selectors.files import file_get_for_user, file_reader_ids
from remedia.protection.selectors.screenings import (
    screening_get_for_user,
    screening_reader_ids,
)
from remedia.protection.services import screenings as services
from remedia.protection.vocabulary import ScreeningStatus
from tests.support.actors import staff_member
from tests.support.protection import (
    ANSWERS_15_AT_NIGHT,
    private_key_of,
)


def conduct(screening: Screening, member, answers=None, **kwargs) -> Screening:
    return services.screening_conduct(
        screening=screening,
        user=member.user,
        answers=ANSWERS_15_AT_NIGHT if answers is None else answers,
        **kwargs,
    )


def raw_row(screening: Screening) -> str:
    """Every column of the row as the database holds it."""
    table = Screening._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [screening.pk.hex])  # noqa: S608
        row = cursor.fetchone()
        if row is None:  # PostgreSQL keeps the uuid as a uuid
            cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [screening.pk])  # noqa: S608
            row = cursor.fetchone()
    return " ".join(
        bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
        for v in row
    )


# --- Holding the interview ------------------------------------------------------------


def test_the_interview_keeps_the_outcome_in_codes_and_the_answers_sealed(
    screening_world, pending_screening
):
    # Given the team's pending_screening screening of a report
    w = screening_world

    # When a worker interviews a 15-year-old who sews at night
    screening = conduct(pending_screening, w.p.worker)

    # Then the engine's outcome is kept in codes: the night-work rule broken
    screening.refresh_from_db()
    assert screening.status == ScreeningStatus.DONE
    assert screening.conducted_by == w.p.worker.user
    assert screening.conducted_on == timezone.localdate()
    assert screening.child_labour == "restrictions_breached"
    assert screening.trafficking_possible is False
    assert "child_labour.night_work" in screening.findings
    # And no answer is in the row in the clear
    row = raw_row(screening)
    assert "child_labour.night_work" in row  # the codes are there to count
    for plain in ('"age"', "hours_per_day", '"yes"', "free_to_leave", "guardian"):
        assert plain not in row
    # But the interviewer's key opens them
    opened = services.screening_read(
        screening=screening,
        user=w.p.worker.user,
        user_private_key=private_key_of(w.p.worker.user),
    )
    assert opened.interview is not None
    assert opened.interview.age == 15
    assert opened.assessment is not None
    assert opened.assessment.finding("child_labour.night_work") is not None


def test_the_answers_are_sealed_to_the_team_the_interviewer_and_the_escrow(
    screening_world, pending_screening
):
    w = screening_world

    screening = conduct(pending_screening, w.p.worker)

    grants = ScreeningKeyGrant.objects.filter(screening=screening)
    assert set(grants.exclude(user=None).values_list("user", flat=True)) == {
        w.p.worker.user.pk,
        w.p.worker2.user.pk,
        w.p.lead.user.pk,
    }
    assert list(
        grants.exclude(organisation=None).values_list("organisation", flat=True)
    ) == [w.p.team.pk]
    # A handler of the team who did not interview holds no grant and gets nothing
    assert (
        services.screening_key(
            screening=screening,
            user=w.p.handler.user,
            user_private_key=private_key_of(w.p.handler.user),
        )
        is None
    )


def test_every_reading_of_the_answers_is_audited(screening_world, pending_screening):
    w = screening_world
    screening = conduct(pending_screening, w.p.worker)

    services.screening_read(
        screening=screening,
        user=w.p.lead.user,
        user_private_key=private_key_of(w.p.lead.user),
    )

    entry = AuditEntry.objects.filter(action="protection.screening_read").get()
    assert entry.actor_label == "lidia"
    assert entry.object_id == str(screening.pk)
    assert entry.data == {"answers": True}


def test_a_protection_worker_who_joins_later_is_sealed_in_when_a_colleague_reads(
    screening_world, pending_screening
):
    # Given a held screening, and a worker who joins the team afterwards
    w = screening_world
    screening = conduct(pending_screening, w.p.worker)
    newcomer = staff_member(w.p.team, "nora", role="protection")
    assert (
        services.screening_key(
            screening=screening,
            user=newcomer.user,
            user_private_key=private_key_of(newcomer.user),
        )
        is None
    )

    # When a colleague with a grant opens it
    services.screening_read(
        screening=screening,
        user=w.p.worker.user,
        user_private_key=private_key_of(w.p.worker.user),
    )

    # Then the newcomer's key opens it too
    assert (
        services.screening_key(
            screening=screening,
            user=newcomer.user,
            user_private_key=private_key_of(newcomer.user),
        )
        is not None
    )


@pytest.mark.parametrize(
    ("answers", "field", "reason"),
    [
        (
            {"age": "3"},
            "age",
            "La edad debe estar entre 5 y 100 años. Para una niña o un niño más "
            "pequeño, elija el rango «menor de 15 años».",
        ),
        (
            {"age": "ciento"},
            "age",
            "Escriba la edad en años cumplidos, con un número entero.",
        ),
        (
            {"night_work": "maybe"},
            "night_work",
            "Responda «yes» (sí), «no» o «unknown» (no se sabe).",
        ),
        (
            {"hours_per_day": "30"},
            "hours_per_day",
            "Las horas deben estar entre 0 y 24.",
        ),
        ({"shoe_size": "38"}, "shoe_size", "No es una pregunta de la entrevista."),
        ({}, "answers", "Responda al menos una pregunta de la entrevista."),
        (
            {"age": "16", "age_band": "adult"},
            "age_band",
            "El rango de edad no coincide con la edad.",
        ),
    ],
)
def test_bad_answers_are_refused_with_the_reason_and_nothing_is_kept(
    screening_world, pending_screening, answers, field, reason
):
    with pytest.raises(InvalidInput) as refused:
        conduct(pending_screening, screening_world.p.worker, answers=answers)

    assert {"field": field, "reason": reason} in [
        {"field": e["field"], "reason": str(e["reason"])} for e in refused.value.errors
    ]
    pending_screening.refresh_from_db()
    assert (
        pending_screening.status,
        pending_screening.answers,
        pending_screening.findings,
    ) == (
        ScreeningStatus.PENDING,
        None,
        [],
    )
    assert not ScreeningKeyGrant.objects.exists()


def test_a_date_in_the_future_is_refused_with_every_other_problem(
    screening_world, pending_screening
):
    tomorrow = timezone.localdate() + timedelta(days=1)

    with pytest.raises(InvalidInput) as refused:
        conduct(
            pending_screening,
            screening_world.p.worker,
            answers={"age": "200"},
            conducted_on=tomorrow.isoformat(),
        )

    fields = {e["field"]: str(e["reason"]) for e in refused.value.errors}
    assert fields["conducted_on"] == "La fecha no puede estar en el futuro."
    assert "age" in fields
    pending_screening.refresh_from_db()
    assert pending_screening.status == ScreeningStatus.PENDING


def test_a_date_that_is_no_date_is_refused(screening_world, pending_screening):
    with pytest.raises(InvalidInput) as refused:
        conduct(pending_screening, screening_world.p.worker, conducted_on="el martes")

    assert [str(e["reason"]) for e in refused.value.errors] == [
        "Escriba la fecha como AAAA-MM-DD."
    ]


def test_an_interview_is_held_once(screening_world, pending_screening):
    w = screening_world
    conduct(pending_screening, w.p.worker)

    with pytest.raises(InvalidInput) as refused:
        conduct(pending_screening, w.p.worker2)

    assert refused.value.reasons == ["Esta entrevista ya se hizo."]
    assert Screening.objects.get().conducted_by == w.p.worker.user


# --- Who may hold it ---------------------------------------------------------------------


def test_a_handler_of_the_team_may_screen_their_report_and_read_what_they_held(
    screening_world, pending_screening
):
    # Given the team's handler (cases, not protection)
    w = screening_world
    handler = w.p.handler.user

    # When they hold the interview of their report's screening
    found = screening_get_for_user(user=handler, screening_id=pending_screening.pk)
    screening = conduct(found, w.p.handler)

    # Then they may still read it, as its interviewer, with their own key
    again = screening_get_for_user(user=handler, screening_id=screening.pk)
    opened = services.screening_read(
        screening=again, user=handler, user_private_key=private_key_of(handler)
    )
    assert opened.unlocked
    assert screening_reader_ids(screening=screening) == {
        w.p.worker.user.pk,
        w.p.worker2.user.pk,
        w.p.lead.user.pk,
        handler.pk,
    }


def test_a_handler_who_did_not_hold_it_no_longer_sees_a_held_screening(
    screening_world, pending_screening
):
    w = screening_world
    screening = conduct(pending_screening, w.p.worker)

    with pytest.raises(NotFound):
        screening_get_for_user(user=w.p.handler.user, screening_id=screening.pk)


@pytest.mark.parametrize("who", ["elsewhere_handler", "labour_handler"])
def test_a_handler_of_another_organisation_finds_nothing(
    screening_world, pending_screening, who
):
    # Given a handler of an organisation that is not the screening's (the
    # labour organisation even received the same report)
    stranger = getattr(screening_world, who).user

    # Then the screening is as missing as one that does not exist
    with pytest.raises(NotFound):
        screening_get_for_user(user=stranger, screening_id=pending_screening.pk)
    with pytest.raises(PermissionDenied):
        conduct(pending_screening, getattr(screening_world, who))


def test_another_teams_protection_worker_finds_nothing(
    screening_world, pending_screening
):
    with pytest.raises(NotFound):
        screening_get_for_user(
            user=screening_world.p.dif_worker.user, screening_id=pending_screening.pk
        )


def test_a_screening_started_without_a_report_is_the_protection_teams_alone(
    screening_world,
):
    # Given a screening a worker started after a visit (no report, no case)
    w = screening_world
    screening = services.screening_start(user=w.p.worker.user)

    # Then the team's handler neither sees it nor may hold it
    assert screening.organisation == w.p.team
    with pytest.raises(NotFound):
        screening_get_for_user(user=w.p.handler.user, screening_id=screening.pk)
    with pytest.raises(PermissionDenied):
        conduct(screening, w.p.handler)
    # And a handler may not start one
    with pytest.raises(PermissionDenied):
        services.screening_start(user=w.p.handler.user)


def test_a_worker_of_two_teams_says_which_one(screening_world):
    w = screening_world
    from remedia.accounts.models import Membership

    Membership.objects.create(
        user=w.p.worker.user, organisation=w.p.dif, role="protection"
    )
    w.p.worker.user._remedia_memberships = None

    with pytest.raises(InvalidInput) as refused:
        services.screening_start(user=w.p.worker.user)
    assert refused.value.reasons == ["Elija la organización de la entrevista."]
    with pytest.raises(InvalidInput) as other:
        services.screening_start(user=w.p.worker.user, organisation_id=w.labour.pk)
    assert other.value.reasons == ["No encontrado."]
    assert (
        services.screening_start(
            user=w.p.worker.user, organisation_id=str(w.p.dif.pk)
        ).organisation
        == w.p.dif
    )


# --- Dismissing ------------------------------------------------------------------------------


def test_a_pending_screening_is_dismissed_with_its_reason(
    screening_world, pending_screening
):
    w = screening_world

    with pytest.raises(InvalidInput) as refused:
        services.screening_dismiss(
            screening=pending_screening, user=w.p.worker.user, reason=" "
        )
    assert refused.value.reasons == ["Este campo es obligatorio."]

    services.screening_dismiss(
        screening=pending_screening,
        user=w.p.worker.user,
        reason="La misma niña ya se entrevistó.",
    )

    pending_screening.refresh_from_db()
    assert pending_screening.status == ScreeningStatus.DISMISSED
    assert pending_screening.dismissed_reason == "La misma niña ya se entrevistó."
    with pytest.raises(InvalidInput) as late:
        conduct(pending_screening, w.p.worker)
    assert late.value.reasons == ["Esta entrevista se descartó."]


# --- A file from the screening ---------------------------------------------------------------


def test_a_file_opened_from_the_screening_takes_its_outcome_and_links_everything(
    screening_world, pending_screening
):
    # Given a held screening of a 15-year-old sewing at night, from a report
    w = screening_world
    screening = conduct(pending_screening, w.p.worker)
    readers_before = screening_reader_ids(screening=screening)

    # When the worker opens a file from it
    file = services.screening_file_open(
        screening=screening_get_for_user(
            user=w.p.worker.user, screening_id=screening.pk
        ),
        user=w.p.worker.user,
        user_private_key=private_key_of(w.p.worker.user),
        identity={"given_names": "Lucía"},
    )

    # Then the file has the exact age, child labour, the report and the state
    assert file.age_at_identification == 15
    assert file.exploitation_types == ["child_labour"]
    assert file.identified_on == screening.conducted_on
    assert file.exploitation_state == "MX-PUE"
    assert list(file.reports.all()) == [pending_screening.report]
    screening.refresh_from_db()
    assert screening.file == file
    # And the file's readers are the opener and the lead: never the handler
    assert file_reader_ids(file=file) == {w.p.worker.user.pk, w.p.lead.user.pk}
    with pytest.raises(NotFound):
        file_get_for_user(user=w.p.handler.user, file_id=file.pk)
    # And nobody new reads the screening for it
    assert screening_reader_ids(screening=screening) == readers_before


def test_the_indicators_become_the_files_methods_of_control(
    screening_world, pending_screening
):
    w = screening_world
    screening = conduct(
        pending_screening,
        w.p.worker,
        answers={
            "age": "34",
            "retention_of_documents": "yes",
            "debt_bondage": "yes",
            "isolation": "yes",
            "restriction_of_movement": "yes",
        },
    )

    file = services.screening_file_open(
        screening=screening,
        user=w.p.worker.user,
        user_private_key=private_key_of(w.p.worker.user),
        identity={"alias": "Rosa"},
    )

    assert file.exploitation_types == ["forced_labour"]
    assert file.control_methods == [
        "debt_bondage",
        "restricts_movement",
        "withholds_documents",
    ]


def test_only_a_held_screening_opens_a_file_and_only_once(
    screening_world, pending_screening
):
    w = screening_world
    open_file = services.screening_file_open

    with pytest.raises(InvalidInput) as early:
        open_file(
            screening=pending_screening,
            user=w.p.worker.user,
            user_private_key=None,
            identity={"alias": "Luci"},
        )
    assert early.value.reasons == ["Primero haga la entrevista."]

    screening = conduct(pending_screening, w.p.worker)
    open_file(
        screening=screening,
        user=w.p.worker.user,
        user_private_key=None,
        identity={"alias": "Luci"},
    )
    with pytest.raises(InvalidInput) as twice:
        open_file(
            screening=Screening.objects.get(pk=screening.pk),
            user=w.p.worker2.user,
            user_private_key=None,
            identity={"alias": "Luci"},
        )
    assert twice.value.reasons == [
        "Ya se abrió un expediente a partir de esta entrevista."
    ]


def test_a_handler_who_held_the_interview_cannot_open_a_file(
    screening_world, pending_screening
):
    w = screening_world
    screening = conduct(pending_screening, w.p.handler)

    with pytest.raises(PermissionDenied):
        services.screening_file_open(
            screening=screening,
            user=w.p.handler.user,
            user_private_key=None,
            identity={"alias": "Luci"},
        )


def test_a_file_needs_a_name_and_keeps_nothing_without_one(
    screening_world, pending_screening
):
    w = screening_world
    screening = conduct(pending_screening, w.p.worker)

    with pytest.raises(InvalidInput) as refused:
        services.screening_file_open(
            screening=screening,
            user=w.p.worker.user,
            user_private_key=None,
            identity={},
        )

    assert refused.value.reasons == ["Escriba un nombre o cómo prefiere que le llamen."]
    screening.refresh_from_db()
    assert screening.file is None
