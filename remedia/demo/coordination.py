"""The coordination demo: the Puebla plan of the current year (issue 17).

The Puebla initiative works through three inter-agency groups (public
agencies, civil society, the private sector), each with IOM as international
partner. This seeds, through coordination's own services where they exist:

- the three groups, led by the demo coordinator, with members from the demo
  organisations;
- the plan of the current year: one objective per group and a year of actions
  of every sector (public, private, civil society, international) in Puebla
  and Tlaxcala: some done on time, one done late, one overdue, one dropped;
- indicators with baselines, targets per period and progress updates, two
  approved by the lead and one returned with a note;
- a workshop on the protocol for the coordination organisation's roster
  (officials and partners) with attendance, counted for the plan's action;
- two meetings (participants who attended, agenda items, decisions), one
  decision linked to an action of the plan. Meetings are written straight to
  their models: their services belong to another part of coordination.

Idempotent: nothing is added once the plan of the year exists; groups and
roster people of an earlier year's demo are reused. The plan is never the
year the access matrix uses for its own plan (2030).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from remedia.accounts.models import Organisation, User
from remedia.accounts.permissions import Sector
from remedia.coordination.models import (
    Action,
    AgendaItem,
    Meeting,
    MeetingParticipant,
    Outcome,
    UpdateStatus,
    WorkGroup,
    WorkPlan,
)
from remedia.coordination.services.groups import group_create, group_member_add
from remedia.coordination.services.indicators import indicator_create, period_create
from remedia.coordination.services.plan import (
    action_create,
    action_update,
    objective_create,
    plan_create,
)
from remedia.coordination.services.updates import update_review, update_submit
from remedia.training import services as training
from remedia.training.models import Person, TrainingTopic

# The access matrix keeps this year for its own plan (tests/security).
MATRIX_YEAR = 2030

PUBLIC_GROUP = "Mesa interinstitucional de Puebla: instituciones públicas"
CIVIL_GROUP = "Mesa interinstitucional de Puebla: sociedad civil"
PRIVATE_GROUP = "Mesa interinstitucional de Puebla: sector privado"


@dataclass(frozen=True)
class DemoGroup:
    name: str
    purpose: str
    sectors: tuple[str, ...]
    # (organisation key, username or "", role)
    members: tuple[tuple[str, str, str], ...]


GROUPS = [
    DemoGroup(
        PUBLIC_GROUP,
        "Detectar a tiempo el trabajo infantil y el trabajo forzoso en la "
        "confección, y derivar a cada víctima por la ruta de atención.",
        (Sector.PUBLIC, Sector.INTERNATIONAL),
        (
            ("coordination", "coordinator", "lead"),
            ("dif", "dif", "member"),
            ("iom", "", "member"),
        ),
    ),
    DemoGroup(
        CIVIL_GROUP,
        "Acompañar a las víctimas y llevar información sobre sus derechos a "
        "los talleres y a las comunidades de origen.",
        (Sector.CIVIL_SOCIETY, Sector.UNION, Sector.INTERNATIONAL),
        (
            ("coordination", "coordinator", "lead"),
            ("protection", "protection_lead", "member"),
            ("pue_union", "handler2", "member"),
            ("monitor", "monitor", "observer"),
            ("iom", "", "member"),
        ),
    ),
    DemoGroup(
        PRIVATE_GROUP,
        "Que las empresas de la confección revisen su cadena de proveedores y "
        "contraten sin cobros ni engaños.",
        (Sector.PRIVATE, Sector.PUBLIC, Sector.INTERNATIONAL),
        (
            ("coordination", "coordinator", "lead"),
            ("canaive_pue", "", "member"),
            ("iom", "", "member"),
        ),
    ),
]

# The coordination organisation's roster: officials, and partners of the
# allied organisations trained with them (fictional names).
ROSTER = [
    ("STP-01", "Adriana Morales Vázquez", "official"),
    ("STP-02", "Bernardo Cid Olvera", "official"),
    ("STP-03", "Claudia Ramírez Tapia", "official"),
    ("STP-04", "Daniel Fuentes Rosas", "official"),
    ("STP-05", "Elena Sosa Pérez", "official"),
    ("STP-06", "Felipe Huerta Lima", "official"),
    ("ALI-01", "Gabriela Núñez (RAV Puebla)", "partner"),
    ("ALI-02", "Hugo Castillo (SIIVP)", "partner"),
    ("ALI-03", "Irene Domínguez (CANAIVE Puebla)", "partner"),
    ("ALI-04", "Jorge Salas (OIM México)", "partner"),
]
# Who attended the workshop: five of six officials, three of four partners.
WORKSHOP_ATTENDANCE = [
    "STP-01",
    "STP-02",
    "STP-03",
    "STP-04",
    "STP-05",
    "ALI-01",
    "ALI-02",
    "ALI-04",
]


def _on(year: int, month: int, day: int, *, today: dt.date) -> dt.date:
    """A day of the plan's year, never after today (what happened, happened)."""
    return min(dt.date(year, month, day), today)


def plan_year(today: dt.date | None = None) -> int:
    year = (today or timezone.localdate()).year
    return year - 1 if year == MATRIX_YEAR else year


def _groups(
    organisations: dict[str, Organisation], users: dict[str, User], by: User
) -> dict[str, WorkGroup]:
    found: dict[str, WorkGroup] = {}
    for spec in GROUPS:
        group = WorkGroup.objects.filter(name=spec.name).first()
        if group is None:
            group = group_create(
                user=by,
                data={
                    "name": spec.name,
                    "purpose": spec.purpose,
                    "sectors": list(spec.sectors),
                    "lead_id": str(by.pk),
                },
            )
        for key, username, role in spec.members:
            organisation = organisations[key]
            if group.members.filter(organisation=organisation).exists():
                continue
            person = users.get(username)
            group_member_add(
                user=by,
                group=group,
                data={
                    "organisation_id": str(organisation.pk),
                    "user_id": str(person.pk) if person else "",
                    "role": role,
                },
            )
        found[spec.name] = group
    return found


def _action(
    by: User, objective: Any, orgs: dict[str, Organisation], **data: Any
) -> Action:
    owner = data.pop("owner")
    partners = data.pop("partners", ())
    return action_create(
        user=by,
        objective=objective,
        data={
            **data,
            "owner_id": str(orgs[owner].pk),
            "partner_ids": [str(orgs[k].pk) for k in partners],
        },
    )


def _status(
    by: User,
    action: Action,
    status: str,
    *,
    done_on: dt.date | None = None,
    **more: Any,
) -> Action:
    action = action_update(
        user=by,
        action=action,
        data={"status": status, **more},
        version=action.version,
    )
    if done_on is not None:
        # The service marks it done today; the demo's year happened earlier.
        Action.objects.filter(pk=action.pk).update(done_on=done_on)
        action.done_on = done_on
    return action


@dataclass(frozen=True)
class SeededPlan:
    plan: WorkPlan
    groups: dict[str, WorkGroup]
    actions: dict[str, Action]


def seed_puebla_plan(
    *,
    organisations: dict[str, Organisation],
    today: dt.date | None = None,
) -> SeededPlan | None:
    """The Puebla plan of the current year; None when it is already there."""
    today = today or timezone.localdate()
    year = plan_year(today)
    if WorkPlan.objects.filter(year=year).exists():
        return None
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=[
                "coordinator",
                "dif",
                "protection_lead",
                "handler2",
                "monitor",
            ]
        )
    }
    by = users["coordinator"]
    orgs = organisations
    groups = _groups(orgs, users, by)
    plan = plan_create(
        user=by,
        year=year,
        title=(
            f"Plan de trabajo {year} de la iniciativa de Puebla contra el trabajo "
            "infantil y el trabajo forzoso en la confección"
        ),
    )
    public = objective_create(
        user=by,
        plan=plan,
        group=groups[PUBLIC_GROUP],
        title="Detectar, atender y derivar a tiempo a las víctimas",
        order=1,
    )
    civil = objective_create(
        user=by,
        plan=plan,
        group=groups[CIVIL_GROUP],
        title="Acompañar a las víctimas e informar a trabajadoras y trabajadores",
        order=2,
    )
    private = objective_create(
        user=by,
        plan=plan,
        group=groups[PRIVATE_GROUP],
        title="Cadenas de proveedores sin trabajo infantil ni trabajo forzoso",
        order=3,
    )

    def day(month: int, dd: int) -> str:
        return dt.date(year, month, dd).isoformat()

    actions = {
        "inspections": _action(
            by,
            public,
            orgs,
            title="Inspecciones conjuntas en talleres de Tehuacán y Ajalpan",
            description="Con la Procuraduría de Protección: cada menor hallado se "
            "deriva el mismo día.",
            sector=Sector.PUBLIC,
            owner="coordination",
            partners=("dif",),
            state="MX-PUE",
            municipality="Tehuacán",
            starts_on=day(1, 15),
            due_on=day(6, 30),
        ),
        "pathway": _action(
            by,
            public,
            orgs,
            title="Ruta de derivación entre la Procuraduría y la Fiscalía",
            sector=Sector.PUBLIC,
            owner="dif",
            partners=("coordination", "protection"),
            state="MX-PUE",
            municipality="Puebla",
            starts_on=day(2, 1),
            due_on=day(5, 31),
        ),
        "workshop": _action(
            by,
            public,
            orgs,
            title="Taller del protocolo de atención para personal de gobierno y "
            "organizaciones aliadas",
            sector=Sector.INTERNATIONAL,
            owner="iom",
            partners=("coordination",),
            state="MX-PUE",
            municipality="Puebla",
            starts_on=day(3, 1),
            due_on=day(4, 30),
        ),
        "accompaniment": _action(
            by,
            civil,
            orgs,
            title="Acompañamiento a las víctimas identificadas",
            sector=Sector.CIVIL_SOCIETY,
            owner="protection",
            partners=("dif",),
            state="MX-PUE",
            municipality="Puebla",
            starts_on=day(1, 1),
            due_on=day(12, 31),
        ),
        "brigades": _action(
            by,
            civil,
            orgs,
            title="Brigadas de información en Atlixco y San Martín Texmelucan",
            sector=Sector.CIVIL_SOCIETY,
            owner="pue_union",
            partners=("protection",),
            state="MX-PUE",
            municipality="Atlixco",
            starts_on=day(4, 1),
            due_on=day(8, 31),
        ),
        "migrants": _action(
            by,
            civil,
            orgs,
            title="Orientación a personas migrantes que trabajan en la confección",
            sector=Sector.INTERNATIONAL,
            owner="iom",
            partners=("protection",),
            state="MX-TLA",
            municipality="Apizaco",
            starts_on=day(2, 15),
            due_on=day(11, 30),
        ),
        "due_diligence": _action(
            by,
            private,
            orgs,
            title="Debida diligencia en los proveedores de mezclilla de Tehuacán",
            sector=Sector.PRIVATE,
            owner="canaive_pue",
            partners=("iom",),
            state="MX-PUE",
            municipality="Tehuacán",
            starts_on=day(2, 1),
            due_on=day(10, 31),
        ),
        "recruitment": _action(
            by,
            private,
            orgs,
            title="Código de contratación responsable, sin cobros a quien busca "
            "trabajo",
            sector=Sector.PRIVATE,
            owner="canaive_pue",
            partners=("coordination", "iom"),
            state="MX-PUE",
            municipality="Puebla",
            starts_on=day(6, 1),
            due_on=day(11, 30),
        ),
        "job_fair": _action(
            by,
            private,
            orgs,
            title="Feria de empleo formal en Izúcar de Matamoros",
            sector=Sector.PUBLIC,
            owner="coordination",
            partners=("canaive_pue",),
            state="MX-PUE",
            municipality="Izúcar de Matamoros",
            starts_on=day(7, 1),
            due_on=day(9, 30),
        ),
    }
    # The coordination's own report, due this week (in a past year's plan,
    # overdue): what its home page counts and its action list shows.
    report_due = min(today + dt.timedelta(days=5), dt.date(year, 12, 31))
    actions["annual_report"] = _action(
        by,
        public,
        orgs,
        title="Informe anual del plan a la Secretaría de Trabajo del estado",
        description="Avance de cada acción e indicador, con las minutas del año.",
        sector=Sector.PUBLIC,
        owner="coordination",
        state="MX-PUE",
        municipality="Puebla",
        starts_on=min(report_due, dt.date(year, 11, 1)).isoformat(),
        due_on=report_due.isoformat(),
    )
    _status(by, actions["annual_report"], "ongoing")
    # How the year went: on time, late, under way, dropped; "brigades" stays
    # planned past its due date (overdue when seeded after August).
    _status(by, actions["inspections"], "done", done_on=_on(year, 6, 20, today=today))
    _status(by, actions["pathway"], "done", done_on=_on(year, 7, 15, today=today))
    _status(by, actions["workshop"], "done", done_on=_on(year, 3, 19, today=today))
    for key in ("accompaniment", "migrants", "due_diligence", "recruitment"):
        _status(by, actions[key], "ongoing")
    _status(
        by,
        actions["job_fair"],
        "dropped",
        dropped_reason="Se sumó a la feria estatal de empleo del mismo mes.",
    )
    _indicators(by, users, actions, year=year, today=today)
    _workshop(by, orgs, plan, actions["workshop"], year=year, today=today)
    _meetings(by, users, orgs, groups, actions, year=year, today=today)
    return SeededPlan(plan=plan, groups=groups, actions=actions)


def _indicators(
    by: User,
    users: dict[str, User],
    actions: dict[str, Action],
    *,
    year: int,
    today: dt.date,
) -> None:
    """Indicators with baselines and targets per period, and their updates:
    two approved, one returned with a note."""

    def quarters(indicator: Any, targets: list[str]) -> list[Any]:
        bounds = [
            ((1, 1), (3, 31)),
            ((4, 1), (6, 30)),
            ((7, 1), (9, 30)),
            ((10, 1), (12, 31)),
        ]
        return [
            period_create(
                user=by,
                indicator=indicator,
                data={
                    "starts_on": dt.date(year, *start).isoformat(),
                    "ends_on": dt.date(year, *end).isoformat(),
                    "target": target,
                },
            )
            for (start, end), target in zip(bounds, targets, strict=True)
        ]

    accompanied = indicator_create(
        user=by,
        action=actions["accompaniment"],
        data={
            "name": "Víctimas acompañadas por la red",
            "baseline_value": "12",
            "baseline_year": year - 1,
        },
    )
    periods = quarters(accompanied, ["5", "5", "6", "6"])
    worker = users["protection_lead"]
    first = update_submit(
        user=worker,
        period=periods[0],
        value="4",
        narrative="Cuatro adolescentes de Tehuacán, derivadas con la Procuraduría.",
    )
    update_review(user=by, update=first, decision=UpdateStatus.APPROVED)
    second = update_submit(
        user=worker,
        period=periods[1],
        value="7",
        narrative="Siete personas, tres de ellas migrantes de Guerrero.",
    )
    update_review(user=by, update=second, decision=UpdateStatus.APPROVED)
    third = update_submit(
        user=worker,
        period=periods[2],
        value="9",
        narrative="Nueve acompañamientos.",
    )
    update_review(
        user=by,
        update=third,
        decision=UpdateStatus.RETURNED,
        note="Separe a quienes ya se contaron en el segundo trimestre.",
    )

    suppliers = indicator_create(
        user=by,
        action=actions["due_diligence"],
        data={
            "name": "Proveedores de mezclilla con diagnóstico de riesgos",
            "unit": "percent",
            "frequency": "half_yearly",
            "baseline_value": "10",
            "baseline_year": year - 1,
        },
    )
    for (start, end), target in (
        (((1, 1), (6, 30)), "30"),
        (((7, 1), (12, 31)), "60"),
    ):
        period_create(
            user=by,
            indicator=suppliers,
            data={
                "starts_on": dt.date(year, *start).isoformat(),
                "ends_on": dt.date(year, *end).isoformat(),
                "target": target,
            },
        )
    inspections = indicator_create(
        user=by,
        action=actions["inspections"],
        data={
            "name": "Talleres inspeccionados",
            "frequency": "half_yearly",
            "baseline_value": "0",
            "baseline_year": year - 1,
        },
    )
    period_create(
        user=by,
        indicator=inspections,
        data={
            "starts_on": dt.date(year, 1, 1).isoformat(),
            "ends_on": dt.date(year, 6, 30).isoformat(),
            "target": "40",
        },
    )
    code = indicator_create(
        user=by,
        action=actions["recruitment"],
        data={"name": "Empresas que firman el código", "kind": "qualitative"},
    )
    period_create(
        user=by,
        indicator=code,
        data={
            "starts_on": dt.date(year, 6, 1).isoformat(),
            "ends_on": dt.date(year, 12, 31).isoformat(),
        },
    )


def _workshop(
    by: User,
    orgs: dict[str, Organisation],
    plan: WorkPlan,
    action: Action,
    *,
    year: int,
    today: dt.date,
) -> None:
    """The workshop on the protocol for the coordination organisation's staff
    (officials, and partners of the allied organisations), counted for the
    plan's workshop action, with its attendance."""
    organisation = orgs["coordination"]
    present = set(
        Person.objects.filter(organisation=organisation).values_list(
            "identifier", flat=True
        )
    )
    for identifier, name, role in ROSTER:
        if identifier not in present:
            training.person_create(
                user=by,
                organisation=organisation,
                identifier=identifier,
                name=name,
                role=role,
            )
    session = training.training_session_create(
        user=by,
        audience_organisation=organisation,
        topic=TrainingTopic.PROTOCOLS,
        title="Taller sobre el protocolo de atención y derivación de víctimas",
        held_on=_on(year, 3, 19, today=today),
        starts_at=dt.time(9, 0),
        ends_at=dt.time(14, 0),
        during_working_hours=True,
        trainer="OIM México y Procuraduría de Protección de Niñas, Niños y "
        "Adolescentes",
        audience_roles=["official", "partner"],
        location="Secretaría del Trabajo, Puebla",
        plan=plan,
        plan_action=action,
    )
    training.attendance_record(
        user=by, session=session, identifiers=WORKSHOP_ATTENDANCE
    )


def _meetings(
    by: User,
    users: dict[str, User],
    orgs: dict[str, Organisation],
    groups: dict[str, WorkGroup],
    actions: dict[str, Action],
    *,
    year: int,
    today: dt.date,
) -> None:
    """Two meetings with who came, their agenda and what was decided."""
    now = timezone.now()
    first = Meeting.objects.create(
        group=groups[PUBLIC_GROUP],
        title="Instalación de la mesa de instituciones públicas",
        held_on=_on(year, 1, 28, today=today),
        starts_at=dt.time(10, 0),
        location="Secretaría del Trabajo, Puebla",
        minutes=(
            "Se instaló la mesa. La Procuraduría presentó la ruta de atención; "
            "se acordó el calendario de inspecciones conjuntas y el taller del "
            "protocolo con la OIM."
        ),
        closed_at=now,
        closed_by=by,
        created_by=by,
    )
    for key, user, name in (
        ("coordination", users["coordinator"], ""),
        ("dif", users["dif"], ""),
        ("iom", None, "Enlace de protección de la OIM"),
    ):
        MeetingParticipant.objects.create(
            meeting=first,
            organisation=orgs[key],
            user=user,
            name=name,
            invited=True,
            attended=True,
        )
    AgendaItem.objects.create(
        meeting=first,
        order=1,
        title="Ruta de atención de la Procuraduría",
        notes="Toda persona menor de 18 años se deriva a la Procuraduría.",
        outcome=Outcome.INFORMATION,
    )
    AgendaItem.objects.create(
        meeting=first,
        order=2,
        title="Calendario de inspecciones conjuntas",
        outcome=Outcome.DECISION,
        outcome_text="Inspecciones conjuntas en Tehuacán y Ajalpan en el primer "
        "semestre, con la Procuraduría presente.",
        action=actions["inspections"],
    )
    AgendaItem.objects.create(
        meeting=first,
        order=3,
        title="Taller del protocolo",
        outcome=Outcome.TASK,
        outcome_text="La OIM prepara el taller del protocolo para marzo.",
        action=actions["workshop"],
    )
    second = Meeting.objects.create(
        group=groups[PRIVATE_GROUP],
        title="Reunión con la Cámara del Vestido sobre contratación responsable",
        held_on=_on(year, 5, 14, today=today),
        starts_at=dt.time(12, 0),
        location="CANAIVE, delegación Puebla",
        minutes=(
            "La cámara presentó el avance de los diagnósticos de proveedores. Se "
            "decidió redactar un código de contratación sin cobros."
        ),
        created_by=by,
    )
    for key, user, name in (
        ("coordination", users["coordinator"], ""),
        ("canaive_pue", None, "Dirección de la delegación"),
        ("iom", None, "Enlace de migración laboral de la OIM"),
    ):
        MeetingParticipant.objects.create(
            meeting=second,
            organisation=orgs[key],
            user=user,
            name=name,
            invited=True,
            attended=True,
        )
    AgendaItem.objects.create(
        meeting=second,
        order=1,
        title="Avance de la debida diligencia",
        notes="Doce de cuarenta proveedores con diagnóstico.",
        outcome=Outcome.INFORMATION,
    )
    AgendaItem.objects.create(
        meeting=second,
        order=2,
        title="Código de contratación responsable",
        outcome=Outcome.DECISION,
        outcome_text="La cámara redacta el código y lo presenta a sus socias en junio.",
        action=actions["recruitment"],
    )
