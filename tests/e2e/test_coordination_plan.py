"""Issue 17's "Done when": from a meeting's decision to the plan's progress, in Chromium.

The group "Prevención" met and decided to train the supervisors of three
maquilas in Tehuacán. The coordinator turns that decision into an action of
the 2026 plan from the meeting's page, gives it an indicator and a quarter's
target; a member of Colectivo Hilos reports the quarter's figure with a photo;
the group's lead returns it once with a note, the member corrects it, the lead
approves it; the plan's progress page, its PDF and its workbook carry the
approved figure against the target, and the plan's page shows the protocol
workshop's attendance in its coverage.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from remedia.accounts.models import Organisation, User
from remedia.accounts.permissions import Sector
from remedia.accounts.services import organisation_create, user_create
from remedia.coordination.models import (
    Action,
    AgendaItem,
    Meeting,
    ProgressUpdate,
    UpdateStatus,
    WorkGroup,
    WorkPlan,
)
from remedia.coordination.services.groups import group_create, group_member_add
from remedia.coordination.services.meetings import item_add, meeting_create
from remedia.coordination.services.plan import objective_create, plan_create
from remedia.training import services as training
from remedia.training.models import Person as RosterPerson
from tests.e2e.pages import PageLog
from tests.support.factories.accounts import PASSWORD, totp_code, totp_device

pytestmark = pytest.mark.e2e

DECISION = "Capacitar a las supervisoras de tres maquilas de Tehuacán"
WORKSHOP = "Taller sobre el protocolo de atención"
PLAN = "/staff/coordinacion/plan/2026/"


@dataclass(frozen=True)
class Person:
    user: User
    device: Any


@dataclass(frozen=True)
class CoordinationScene:
    state: Organisation
    ngo: Organisation
    coordinator: Person
    lead: Person
    member: Person
    group: WorkGroup
    plan: WorkPlan
    meeting: Meeting
    decision: AgendaItem


def _person(organisation: Organisation, username: str, role: str) -> Person:
    user = user_create(
        username=username, password=PASSWORD, organisation=organisation, roles=[role]
    )
    return Person(user=user, device=totp_device(user))


@pytest.fixture
def scene(_flushable_audit_log: None) -> CoordinationScene:
    """Committed rows for the live server: the group, its plan, its meeting,
    the state's roster and a protocol workshop counted for the plan."""
    state = organisation_create(
        name="Secretaría del Trabajo de Puebla",
        short_name="STPS Puebla",
        sector=Sector.PUBLIC,
    )
    ngo = organisation_create(
        name="Colectivo Hilos", short_name="Hilos", sector=Sector.CIVIL_SOCIETY
    )
    coordinator = _person(state, "coordinadora", "coordinator")
    lead = _person(state, "lider", "coordinator")
    member = _person(ngo, "integrante", "protection")
    by = coordinator.user
    group = group_create(
        user=by,
        data={
            "name": "Prevención",
            "purpose": "Prevenir el trabajo infantil en la confección.",
            "sectors": [Sector.PUBLIC, Sector.CIVIL_SOCIETY],
            "lead_id": str(lead.user.pk),
        },
    )
    group_member_add(
        user=by,
        group=group,
        data={
            "organisation_id": str(state.pk),
            "user_id": str(lead.user.pk),
            "role": "lead",
        },
    )
    group_member_add(
        user=by,
        group=group,
        data={"organisation_id": str(ngo.pk), "user_id": str(member.user.pk)},
    )
    plan = plan_create(user=by, year=2026, title="Plan Puebla 2026")
    objective_create(
        user=by, plan=plan, group=group, title="Menos niñas y niños en talleres"
    )
    meeting = meeting_create(
        user=by,
        group=group,
        data={
            "title": "Segunda sesión del grupo Prevención",
            "held_on": "2026-09-15",
            "location": "Tehuacán",
            "invite_members": True,
        },
    )
    item_add(
        user=by,
        meeting=meeting,
        data={"title": "Informe de las inspecciones", "outcome": "information"},
    )
    decision = item_add(
        user=by,
        meeting=meeting,
        data={
            "title": "Capacitación en las maquilas",
            "outcome": "decision",
            "outcome_text": DECISION,
        },
    )
    # The state's roster: three officials and a partner; the NGO's two partners.
    for org, identifier, role in (
        (state, "O1", "official"),
        (state, "O2", "official"),
        (state, "O3", "official"),
        (state, "P1", "partner"),
        (ngo, "N1", "partner"),
        (ngo, "N2", "partner"),
    ):
        RosterPerson.objects.create(
            organisation=org,
            identifier=identifier,
            name=f"Persona {identifier}",
            role=role,
        )
    workshop = training.training_session_create(
        user=by,
        audience_organisation=state,
        topic="protocols",
        title=WORKSHOP,
        held_on=dt.date(2026, 9, 30),
        starts_at=dt.time(9),
        ends_at=dt.time(13),
        during_working_hours=True,
        trainer="OIM México",
        audience_roles=["official", "partner"],
        plan_year=2026,
    )
    training.attendance_record(user=by, session=workshop, identifiers=["O1", "O2"])
    return CoordinationScene(
        state=state,
        ngo=ngo,
        coordinator=coordinator,
        lead=lead,
        member=member,
        group=group,
        plan=plan,
        meeting=meeting,
        decision=decision,
    )


def log_in(page: Any, person: Person) -> None:
    page.goto("/staff/login/")
    page.locator("#id_username").fill(person.user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_code").fill(totp_code(person.device))
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url("**/staff/")


def a_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 90, 40)).save(out, "JPEG")
    return out.getvalue()


def review(page: Any, update: ProgressUpdate, decision: str, note: str = "") -> None:
    entry = page.locator(f"#update-{update.pk}")
    entry.locator(f"input[name=decision][value={decision}]").check()
    if note:
        entry.locator("textarea[name=note]").fill(note)
    with page.expect_navigation():
        entry.get_by_role("button", name="Guardar la revisión").click()


def test_a_decision_becomes_an_action_whose_approved_progress_reaches_the_plan(
    new_page: Callable[..., PageLog], scene: CoordinationScene, live_server: Any
) -> None:
    # 1. The coordinator opens the meeting and creates an action from its decision.
    log = new_page()
    page = log.page
    log_in(page, scene.coordinator)
    page.goto(scene.meeting.get_absolute_url())
    decision = page.locator(f"#item-{scene.decision.pk}")
    assert DECISION in decision.inner_text()
    decision.get_by_role("link", name="Crear acción del plan").click()
    page.wait_for_url(f"**/reuniones/puntos/{scene.decision.pk}/accion/nueva/")
    # The form starts from the decision.
    assert page.locator("#id_title").input_value() == DECISION
    assert page.locator("#id_starts_on").input_value() == "2026-09-15"
    page.get_by_label("Sector").select_option(Sector.CIVIL_SOCIETY)
    page.get_by_label("Organización responsable").select_option(str(scene.ngo.pk))
    page.get_by_label("Estado").select_option("MX-PUE")
    page.get_by_label("Municipio").fill("Tehuacán")
    page.get_by_label("Fecha límite").fill("2026-12-31")
    page.get_by_role("button", name="Crear la acción").click()
    page.wait_for_url("**/staff/coordinacion/acciones/*/")
    action = Action.objects.get(title=DECISION)
    assert (action.owner_id, action.sector, action.municipality) == (
        scene.ngo.pk,
        Sector.CIVIL_SOCIETY,
        "Tehuacán",
    )
    assert action.due_on == dt.date(2026, 12, 31)
    # The action says where it was agreed, and the meeting links the action.
    facts = page.locator("#action-facts")
    assert "Acordada en" in facts.inner_text()
    facts.locator(f"a[href*='{scene.meeting.pk}']").click()
    page.wait_for_url(f"**/reuniones/{scene.meeting.pk}/#item-{scene.decision.pk}")
    page.locator(f"#item-{scene.decision.pk}").get_by_role(
        "link", name=DECISION
    ).click()
    page.wait_for_url(f"**/acciones/{action.pk}/")

    # Under way; then a quantitative indicator and a quarter with its target.
    page.locator("#status select[name=status]").select_option("ongoing")
    with page.expect_navigation():
        page.get_by_role("button", name="Guardar la situación").click()
    action.refresh_from_db()
    assert action.status == "ongoing"
    page.get_by_role("link", name="Añadir un indicador").click()
    page.wait_for_url(f"**/acciones/{action.pk}/indicadores/nuevo/")
    page.get_by_label("Indicador").fill("Supervisoras capacitadas")
    page.get_by_label("Tipo").select_option("quantitative")
    page.get_by_label("Unidad").select_option("number")
    page.get_by_label("Línea base", exact=True).fill("0")
    page.get_by_label("Año de la línea base").fill("2025")
    page.locator("#form button.primary").click()
    # Saving an indicator opens its first period.
    page.wait_for_url("**/indicadores/*/periodos/nuevo/")
    page.get_by_label("Inicio del periodo").fill("2026-10-01")
    page.get_by_label("Fin del periodo").fill("2026-12-31")
    page.get_by_label("Meta").fill("40")
    page.locator("#form button.primary").click()
    page.wait_for_url(f"**/acciones/{action.pk}/**")
    indicator = action.indicators.get()
    period = indicator.periods.get()
    assert period.target == 40  # noqa: PLR2004
    assert "Meta: 40" in page.locator(f"#period-{period.pk}").inner_text()

    # 2. The member reports the quarter with a photo.
    member_log = new_page()
    member = member_log.page
    log_in(member, scene.member)
    member.goto(f"/staff/coordinacion/acciones/{action.pk}/")
    form = member.locator("#submit")
    form.get_by_label("Periodo").select_option(str(period.pk))
    form.get_by_label("Valor logrado").fill("35")
    form.get_by_label("Qué se hizo").fill(
        "Tres talleres con las supervisoras de las maquilas."
    )
    form.get_by_label("Evidencia (foto o PDF)").set_input_files(
        files=[{"name": "taller.jpg", "mimeType": "image/jpeg", "buffer": a_photo()}]
    )
    with member.expect_navigation():
        form.get_by_role("button", name="Enviar el avance").click()
    update = ProgressUpdate.objects.get(period=period)
    assert update.status == UpdateStatus.SUBMITTED
    assert update.value == 35  # noqa: PLR2004
    assert update.evidence.count() == 1
    assert "taller.jpg" in member.locator(f"#update-{update.pk}").inner_text()
    # The photo is served back as a JPEG to whoever reads the action.
    evidence = member.locator(f"#update-{update.pk} a", has_text="taller.jpg")
    served = member.request.get(evidence.get_attribute("href") or "")
    assert served.status == 200  # noqa: PLR2004
    assert served.headers["content-type"] == "image/jpeg"

    # 3. The lead returns it once with a note.
    lead_log = new_page()
    lead = lead_log.page
    log_in(lead, scene.lead)
    lead.goto(f"/staff/coordinacion/acciones/{action.pk}/")
    review(lead, update, "returned", "Faltan las supervisoras de la tercera maquila.")
    update.refresh_from_db()
    assert update.status == UpdateStatus.RETURNED
    assert update.reviewed_by_id == scene.lead.user.pk

    # The member corrects it and sends it again.
    member.reload()
    entry = member.locator(f"#update-{update.pk}")
    assert "Faltan las supervisoras de la tercera maquila." in entry.inner_text()
    entry.get_by_role("link", name="Corregir y reenviar").click()
    member.wait_for_url(f"**/avances/{update.pk}/corregir/")
    member.get_by_label("Valor logrado").fill("38")
    member.get_by_label("Qué se hizo").fill(
        "Cuatro talleres: las supervisoras de las tres maquilas."
    )
    member.get_by_role("button", name="Enviar el avance").click()
    member.wait_for_url(f"**/acciones/{action.pk}/**")
    update.refresh_from_db()
    assert (update.status, update.value) == (UpdateStatus.SUBMITTED, 38)

    # The lead approves it; only now it counts.
    lead.reload()
    review(lead, update, "approved")
    update.refresh_from_db()
    assert update.status == UpdateStatus.APPROVED
    assert "38" in lead.locator(f"#period-{period.pk}").inner_text()

    # 4. The plan's progress shows 38 against 40.
    page.goto(PLAN)
    page.get_by_role("link", name="Avance con gráficos").click()
    page.wait_for_url("**/plan/2026/avance/")
    rows = page.locator("#table-indicators tbody tr").filter(
        has_text="Supervisoras capacitadas"
    )
    quarter, year = rows.nth(0), rows.nth(1)
    target, actual, percent = quarter.locator("td").all_inner_texts()[1:]
    assert (target, actual) == ("40", "38")
    assert percent.startswith("95")  # 38 of 40
    assert year.locator("td").all_inner_texts()[1:3] == ["40", "38"]

    # Its PDF and workbook, downloaded from the page's links, carry it too.
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="PDF en español").click()
    assert pdf_download.value.suggested_filename.endswith(".pdf")
    pdf = PdfReader(pdf_download.value.path())
    text = " ".join(p.extract_text() for p in pdf.pages)
    assert "Supervisoras capacitadas" in text
    assert "Año 2026 40 38 95 %" in text  # the indicator's year: target, approved
    assert WORKSHOP in text
    assert "Secretaría del Trabajo de Puebla Personal de gobierno 2 / 3" in text
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Hoja de cálculo (XLSX)").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(xlsx_download.value.path().read_bytes()))
    cells = [
        row
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        if "Supervisoras capacitadas" in row
    ]
    # Per period and for the year: target 40, approved 38, 95 %.
    assert [row[6:10] for row in cells] == [
        ("2026-10-01 – 2026-12-31", 40, 38, 95),
        ("Año 2026", 40, 38, 95),
    ], book.sheetnames

    # 5. The plan's page counts the workshop: officials 2 of 3 at the state.
    page.goto(PLAN)
    coverage = page.locator("#protocol-training")
    official = coverage.locator(
        f"tr[data-organisation='{scene.state.pk}'][data-role='official']"
    )
    assert (
        official.get_attribute("data-trained"),
        official.get_attribute("data-people"),
    ) == ("2", "3")
    assert "2 / 3" in official.inner_text()
    total = coverage.locator("tr[data-organisation='total']")
    assert "2 / 6" in total.inner_text()
    assert WORKSHOP in coverage.locator("#plan-sessions").inner_text()

    # 6. The action fits the member's phone (her session: a code is used once).
    phone = new_page(phone=True, storage_state=member.context.storage_state())
    phone.page.goto(f"/staff/coordinacion/acciones/{action.pk}/")
    assert phone.page.get_by_role("heading", name=DECISION).is_visible()
    overflow = phone.page.evaluate(
        "document.documentElement.scrollWidth - window.innerWidth"
    )
    assert overflow <= 0, overflow

    # Nothing left the live server; the policy refused nothing.
    own = urlsplit(live_server.url).netloc
    for each in (log, member_log, lead_log, phone):
        elsewhere = [u for u in each.requests if urlsplit(u).netloc not in ("", own)]
        assert elsewhere == []
        assert each.csp_violations() == []
        assert each.errors == []
