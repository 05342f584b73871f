"""Screenings opened by the intake and by cases, the notice to the protection
team, and the worker who reported, who never sees any of it.

Reports are handed in through the intake's service and cases opened through
the cases' services; the signals fire on commit and the jobs run at once
(huey's immediate mode in tests), so a screening here came the whole way.
"""

from __future__ import annotations

import pytest
from django.test import Client

from remedia.cases import services as cases
from remedia.notifications.models import Notification
from remedia.protection import screening_alerts as alerts
from remedia.protection.models import Screening
from remedia.protection.services import screenings as services
from remedia.protection.vocabulary import ScreeningStatus
from tests.support.actors import staff_member, with_email
from tests.support.mail import BASE_URL
from tests.support.protection import (
    ANSWERS_15_AT_NIGHT,
    FACILITY_TYPED,
    NARRATIVE_PROTECTION,
)

ME_URL = "/api/v1/intake/me"
FOLLOWUP = "/seguimiento/denuncia/"


# --- From the intake ------------------------------------------------------------------


def test_a_child_labour_report_opens_one_pending_screening_for_the_protection_team(
    screening_world, protection_report_in
):
    # Given a team that receives protection reports, and a labour-rights
    # organisation without protection staff that receives Puebla's reports
    w = screening_world

    # When a worker reports child labour in Puebla
    submitted = protection_report_in(categories=("child_labour", "hours"))

    # Then the team has one pending screening of it, and the labour organisation none
    (screening,) = Screening.objects.all()
    assert screening.organisation == w.p.team
    assert screening.report == submitted.report
    assert screening.status == ScreeningStatus.PENDING
    assert screening.case is None
    assert screening.answers is None


@pytest.mark.parametrize("category", ["forced_labour", "trafficking"])
def test_forced_labour_and_trafficking_open_one_too(
    screening_world, protection_report_in, category
):
    protection_report_in(categories=(category,))

    assert Screening.objects.get().organisation == screening_world.p.team


def test_a_recipient_with_protection_workers_is_a_protection_team_too(
    screening_world, protection_report_in
):
    # Given the labour organisation has a protection worker of its own
    w = screening_world
    staff_member(w.labour, "patricia", role="protection")

    # When a child-labour report reaches it by its labour-rights route
    protection_report_in()

    # Then both organisations have their own screening of it
    assert set(Screening.objects.values_list("organisation", flat=True)) == {
        w.p.team.pk,
        w.labour.pk,
    }


def test_a_report_in_another_category_opens_no_screening(
    screening_world, protection_report_in
):
    protection_report_in(categories=("wages", "hours"))

    assert not Screening.objects.exists()


def test_the_job_run_again_for_the_same_report_opens_nothing_more(
    screening_world, protection_report_in
):
    # Given a report whose screening was opened, held and dismissed... any status
    submitted = protection_report_in()
    screening = Screening.objects.get()
    services.screening_dismiss(
        screening=screening, user=screening_world.p.worker.user, reason="Duplicada"
    )

    # When the job runs again (a retry)
    again = services.screenings_open_for_report(
        report_id=submitted.report.pk,
        organisation_ids=[screening_world.p.team.pk, screening_world.labour.pk],
    )

    # Then no second screening opens for that report and team
    assert again == []
    assert Screening.objects.count() == 1


def test_the_job_ignores_organisations_the_report_did_not_reach(
    screening_world, protection_report_in
):
    submitted = protection_report_in(categories=("wages",))

    opened = services.screenings_open_for_report(
        report_id=submitted.report.pk, organisation_ids=[screening_world.p.dif.pk]
    )

    assert opened == []


# --- From cases --------------------------------------------------------------------------


def test_a_case_opened_on_a_protection_report_opens_a_screening_for_its_organisation(
    screening_world, protection_report_in, django_capture_on_commit_callbacks
):
    # Given a child-labour report that reached the labour organisation
    w = screening_world
    submitted = protection_report_in()

    # When its handler opens a case on it
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.case_open(
            report_ids=[submitted.report.pk], user=w.labour_handler.user
        )

    # Then the labour organisation has a pending screening of the case and report
    screening = Screening.objects.get(organisation=w.labour)
    assert (screening.case, screening.report) == (case, submitted.report)
    assert screening.status == ScreeningStatus.PENDING
    # And the team's own screening of the report stays the team's
    assert Screening.objects.get(organisation=w.p.team).case is None


def test_a_case_with_a_pending_screening_gets_no_second_one(
    screening_world, protection_report_in, django_capture_on_commit_callbacks
):
    w = screening_world
    first = protection_report_in()
    second = protection_report_in(categories=("forced_labour",))
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.case_open(report_ids=[first.report.pk], user=w.labour_handler.user)

    # When another protection report joins the case
    with django_capture_on_commit_callbacks(execute=True):
        cases.case_reports_add(
            case=case, report_ids=[second.report.pk], user=w.labour_handler.user
        )

    # Then the case still has its one pending screening
    assert Screening.objects.filter(case=case).count() == 1


def test_a_case_on_a_report_the_team_screens_takes_that_screening(
    screening_world, protection_report_in, django_capture_on_commit_callbacks
):
    # Given the team's handler and the team's pending screening of a report
    w = screening_world
    submitted = protection_report_in()
    screening = Screening.objects.get(organisation=w.p.team)

    # When the team's handler opens a case on that report
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.case_open(report_ids=[submitted.report.pk], user=w.p.handler.user)

    # Then the same screening is the case's: none is opened twice
    assert Screening.objects.filter(organisation=w.p.team).count() == 1
    screening.refresh_from_db()
    assert screening.case == case


def test_a_case_given_a_protection_category_gets_a_screening(
    screening_world, protection_report_in, django_capture_on_commit_callbacks
):
    # Given a case on a wages report: no screening
    w = screening_world
    submitted = protection_report_in(categories=("wages",))
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.case_open(
            report_ids=[submitted.report.pk], user=w.labour_handler.user
        )
    assert not Screening.objects.exists()

    # When the handler finds it is child labour
    with django_capture_on_commit_callbacks(execute=True):
        cases.case_update(
            case=case,
            user=w.labour_handler.user,
            categories=["wages", "child_labour"],
        )

    # Then the case's organisation has a pending screening of the case
    screening = Screening.objects.get()
    assert (screening.organisation, screening.case, screening.report) == (
        w.labour,
        case,
        None,
    )


# --- The notice ----------------------------------------------------------------------------


def test_the_protection_staff_are_told_without_any_content(
    screening_world, smtp, protection_report_in
):
    # Given the team's staff with addresses
    w = screening_world
    addresses = {
        "paula@costura.example.org": w.p.worker,
        "pedro@costura.example.org": w.p.worker2,
        "lidia@costura.example.org": w.p.lead,
        "hector@costura.example.org": w.p.handler,
    }
    for address, member in addresses.items():
        with_email(member, address)

    # When a child-labour report arrives
    submitted = protection_report_in()

    # Then the protection staff (not the handler) are told a screening waits
    screening = Screening.objects.get()
    told = {
        d.recipients[0]
        for d in smtp.delivered
        if d.subject == "Entrevista de detección pendiente"
    }
    assert told == {
        "paula@costura.example.org",
        "pedro@costura.example.org",
        "lidia@costura.example.org",
    }
    (email,) = [
        d
        for d in smtp.to("paula@costura.example.org")
        if d.subject == "Entrevista de detección pendiente"
    ]
    assert f"{BASE_URL}/staff/proteccion/entrevistas/{screening.pk}/" in email.body
    assert "Colectivo Costura Digna" in email.body
    # And nothing the worker wrote travels in it
    for secret in (NARRATIVE_PROTECTION, FACILITY_TYPED, "Tehuacán", "15 años"):
        assert secret not in email.body
        assert secret not in email.subject
    assert str(submitted.report.pk) not in email.body
    rows = Notification.objects.filter(kind=alerts.SCREENING_PENDING)
    assert {n.key for n in rows} == {str(screening.pk)}


def test_a_held_screening_is_not_announced_any_more(
    screening_world, protection_report_in
):
    # Given a screening held before its notice went
    w = screening_world
    with_email(w.p.worker, "paula@costura.example.org")
    protection_report_in()
    screening = Screening.objects.get()
    Notification.objects.all().delete()
    services.screening_conduct(
        screening=screening, user=w.p.worker.user, answers=ANSWERS_15_AT_NIGHT
    )

    # When the job runs (late, or again)
    sent = alerts.screenings_pending(screening_ids=[str(screening.pk)])

    # Then nobody is told of it
    assert sent == 0
    assert not Notification.objects.exists()


# --- The worker who reported ------------------------------------------------------------------


def test_the_worker_who_reported_never_sees_the_screening_or_the_file(
    screening_world, protection_report_in
):
    # Given a worker's report and their view of it with the receipt
    w = screening_world
    submitted = protection_report_in()
    worker = Client()
    auth = {"Authorization": f"Receipt {submitted.receipt}"}
    before = worker.get(ME_URL, headers=auth).json()
    grouped = " ".join(submitted.receipt[i : i + 4] for i in range(0, 16, 4))
    assert worker.post("/seguimiento/", {"receipt": grouped}).status_code == 302
    page_before = worker.get(FOLLOWUP).content.decode()

    # When the team holds the interview and opens a file from it
    screening = Screening.objects.get()
    services.screening_conduct(
        screening=screening, user=w.p.worker.user, answers=ANSWERS_15_AT_NIGHT
    )
    file = services.screening_file_open(
        screening=Screening.objects.get(),
        user=w.p.worker.user,
        user_private_key=None,
        identity={"alias": "Luci"},
    )

    # Then the worker's follow-up (API and page) is exactly what it was
    after = worker.get(ME_URL, headers=auth).json()
    assert after == before
    page_after = worker.get(FOLLOWUP).content.decode()
    for shown in (page_after, str(after)):
        for word in (
            "Entrevista",
            "entrevista",
            "detección",
            "xpediente",
            file.number,
            str(screening.pk),
            str(file.pk),
        ):
            assert word not in shown
    assert page_after.count("<section") == page_before.count("<section")


def test_a_report_joining_a_case_brings_its_screening_along(
    screening_world, protection_report_in, django_capture_on_commit_callbacks
):
    # Given a team case with its pending screening, and another report the
    # team is screening on its own
    w = screening_world
    first = protection_report_in()
    second = protection_report_in(categories=("trafficking",))
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.case_open(report_ids=[first.report.pk], user=w.p.handler.user)

    # When the second report joins the case
    with django_capture_on_commit_callbacks(execute=True):
        cases.case_reports_add(
            case=case, report_ids=[second.report.pk], user=w.p.handler.user
        )

    # Then its screening is the case's too, and none more was opened
    team = Screening.objects.filter(organisation=w.p.team)
    assert team.count() == 2
    assert set(team.values_list("case", flat=True)) == {case.pk}
