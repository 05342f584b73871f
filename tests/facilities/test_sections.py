"""The facility page shows what exists about a facility, each part from the
app that owns it and scoped to the viewer: cases (cases), petitions (rrm) and
courses of remediation (remediation). Another organisation's staff see none
of it; a facility's compliance officer never learns that a case exists."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from remedia.accounts import services as accounts
from remedia.accounts.models import Organisation
from remedia.accounts.permissions import Sector
from remedia.cases import services as cases
from remedia.cases.models import Case
from remedia.facilities.models import Facility
from remedia.intake import services as intake
from remedia.intake.models import RoutePurpose, RoutingRule
from remedia.remediation import services as remediation
from remedia.remediation.models import Course, MeasureType, PartyRole
from remedia.rrm import services as rrm
from remedia.rrm.models import RrmCase
from tests.intake.support import NARRATIVE
from tests.support.actors import organisation_with_escrow
from tests.support.factories.accounts import PASSWORD, totp_device
from tests.support.factories.facilities import FacilityFactory

pytestmark = pytest.mark.django_db

STALE = "aparecer"


@dataclass(frozen=True)
class World:
    facility: Facility
    other_facility: Facility
    company: Organisation
    handler_a: object
    handler_b: object
    analyst_a: object
    analyst_b: object
    monitor_a: object
    monitor_b: object
    officer: object


def _user(org: Organisation, username: str, *roles: str):
    return accounts.user_create(
        username=username, password=PASSWORD, organisation=org, roles=list(roles)
    )


@pytest.fixture
def world(db) -> World:
    org_a = organisation_with_escrow("Centro Laboral Aguascalientes", "CLA")
    org_b = organisation_with_escrow("Colectivo Obrero Puebla", "COP")
    company = organisation_with_escrow("Industrias del Interior", "INISA")
    company.sector = Sector.PRIVATE
    company.save(update_fields=["sector"])
    RoutingRule.objects.create(
        organisation=org_a, purpose=RoutePurpose.LABOUR_RIGHTS, state="MX-AGU"
    )
    return World(
        facility=FacilityFactory(name="INISA planta Rincón", state="MX-AGU"),
        other_facility=FacilityFactory(name="Confecciones del Valle", state="MX-AGU"),
        company=company,
        handler_a=_user(org_a, "hilda", "handler"),
        handler_b=_user(org_b, "hector", "handler"),
        analyst_a=_user(org_a, "ana", "analyst"),
        analyst_b=_user(org_b, "pablo", "analyst"),
        monitor_a=_user(org_a, "monica", "monitor"),
        monitor_b=_user(org_b, "otra", "monitor"),
        officer=_user(company, "fernando", "facility_officer"),
    )


def _case(world: World, facility: Facility | None = None) -> Case:
    report = intake.report_submit(
        draft=intake.ReportDraft(
            channel="web",
            categories=["wages"],
            narrative=NARRATIVE,
            facility_id=(facility or world.facility).pk,
            state="MX-AGU",
        )
    ).report
    return cases.case_open(report_ids=[report.pk], user=world.handler_a)


def _petition(world: World, name: str = "INISA planta Rincón") -> RrmCase:
    return rrm.petition_create(
        user=world.analyst_a,
        facility_name=name,
        facility=world.facility,
        confidential=True,
        petitioners="Frente Auténtico del Trabajo",
        facts_alleged="Despidos por afiliarse al sindicato independiente.",
        petition_received_on=dt.date(2023, 5, 12),
    )


def _record(world: World, slug: str = "inisa-2023") -> RrmCase:
    return RrmCase.objects.create(
        slug=slug,
        facility_name="INISA (registro)",
        facility=world.facility,
        is_public=True,
    )


def _course(world: World, title: str = "Plan INISA") -> Course:
    return remediation.course_create(
        user=world.monitor_a,
        title=title,
        facility=world.facility,
        origin="inspection",
        deadline=dt.date(2030, 5, 1),
        parties=[
            remediation.PartySpec(role=PartyRole.COMPANY, organisation=world.company)
        ],
        measures=[remediation.MeasureSpec(type=MeasureType.NEUTRALITY_STATEMENT)],
    )


@pytest.fixture
def page(client, log_in, log_in_verified):
    def get(user, facility: Facility) -> str:
        client.logout()
        if user.username == "fernando":
            assert log_in(user.username).status_code == 302
        else:
            totp_device(user)
            assert log_in_verified(user).status_code == 302
        response = client.get(f"/staff/facilities/{facility.pk}/")
        assert response.status_code == 200
        return response.content.decode()

    return get


def _section(page: str, key: str) -> str | None:
    match = re.search(
        rf'<section[^>]*data-section="{key}"[^>]*>(.*?)</section>', page, re.S
    )
    return match.group(1) if match else None


# --- Cases ---------------------------------------------------------------------------


def test_a_handler_sees_their_organisation_s_cases_at_the_facility(
    world: World, page
) -> None:
    # Given a case of organisation A about the facility, and one about another
    case = _case(world)
    elsewhere = _case(world, world.other_facility)

    # When A's handler opens the facility page
    section = _section(page(world.handler_a, world.facility), "cases")

    # Then the case is there, linked, and the other facility's is not
    assert section is not None
    assert case.number in section
    assert f"/staff/cases/{case.pk}/" in section
    assert elsewhere.number not in section
    assert NARRATIVE[:30] not in section


def test_another_organisation_s_handler_sees_none_of_those_cases(
    world: World, page
) -> None:
    case = _case(world)

    section = _section(page(world.handler_b, world.facility), "cases")

    assert section is not None
    assert case.number not in section
    assert "Su organización no tiene casos sobre este centro." in section


def test_the_facility_s_officer_gets_no_cases_section_at_all(
    world: World, page
) -> None:
    case = _case(world)

    html = page(world.officer, world.facility)

    assert _section(html, "cases") is None
    assert case.number not in html
    assert "/staff/cases/" not in html


# --- Petitions -----------------------------------------------------------------------


def test_an_analyst_sees_their_petitions_and_the_public_record(
    world: World, page
) -> None:
    petition = _petition(world)
    record = _record(world)

    section = _section(page(world.analyst_a, world.facility), "petitions")

    assert section is not None
    assert f"/staff/rrm/{petition.pk}/" in section
    assert "Confidencial" in section
    assert f"/staff/rrm/{record.pk}/" in section


def test_another_organisation_s_analyst_sees_only_the_public_record(
    world: World, page
) -> None:
    petition = _petition(world)
    record = _record(world)

    section = _section(page(world.analyst_b, world.facility), "petitions")

    assert section is not None
    assert str(petition.pk) not in section
    assert f"/staff/rrm/{record.pk}/" in section


def test_staff_who_do_not_read_petitions_see_the_public_record_only(
    world: World, page
) -> None:
    petition = _petition(world)
    record = _record(world)

    section = _section(page(world.officer, world.facility), "petitions")

    assert section is not None
    assert str(petition.pk) not in section
    assert f'href="/rrm/{record.slug}/"' in section
    assert "/staff/rrm/" not in section


# --- Courses of remediation -------------------------------------------------------------


def test_the_course_s_parties_see_it_and_others_do_not(world: World, page) -> None:
    course = _course(world)

    monitor = _section(page(world.monitor_a, world.facility), "remediation")
    officer = _section(page(world.officer, world.facility), "remediation")
    stranger = _section(page(world.monitor_b, world.facility), "remediation")

    assert monitor is not None
    assert f"/staff/remediation/{course.pk}/" in monitor
    assert "0 de 1" in monitor
    assert officer is not None
    assert f"/staff/remediation/{course.pk}/" in officer
    assert stranger is not None
    assert str(course.pk) not in stranger
    assert _section(page(world.handler_a, world.facility), "remediation") is None


# --- The page as a whole ---------------------------------------------------------------


def test_no_section_says_it_is_still_to_come(world: World, page) -> None:
    for user in (world.handler_a, world.analyst_a, world.monitor_a, world.officer):
        html = page(user, world.facility)
        assert STALE not in html
        assert "cuando Remedia tenga" not in html


def test_the_page_takes_the_same_queries_however_many_things_it_lists(
    world: World, client, log_in_verified
) -> None:
    # Given one user who reads cases, petitions and remediation
    everything = accounts.user_create(
        username="todo",
        password=PASSWORD,
        organisation=world.handler_a.memberships.first().organisation,
        roles=["handler", "analyst", "monitor"],
    )
    totp_device(everything)
    assert log_in_verified(everything).status_code == 302
    url = f"/staff/facilities/{world.facility.pk}/"
    _case(world)
    _petition(world)
    _course(world)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    queries()
    before = queries()
    # When more of each exist about the facility
    for n in range(3):
        _case(world)
        _petition(world, name=f"INISA {n}")
        _record(world, slug=f"inisa-{n}")
        _course(world, title=f"Plan {n}")

    # Then the page reads them in the same number of queries
    html = client.get(url).content.decode()
    assert html.count("data-course=") == 4
    assert queries() == before
