"""Every endpoint that takes an object id × every role × own/other organisation.

The endpoints are not listed here: they are read from the URL configuration
(web pages) and from the OpenAPI document (the API), so a new one joins the
matrix by existing. Its path parameters must be claimed by a kind of object in
`access_rules.KINDS`, or the test fails and says so. Who is entitled comes from
the capability table written there once; the demo of two organisations (and the
others of PRODUCT.md) is seeded once for the module.

Each (method, route) is one test; its cells are every demo user and anonymous ×
every object of that kind (one of each organisation where the demo has them, a
child under the wrong parent, a missing id). A failing test lists every wrong
cell: method, path, user, organisation (own/other), expected, got.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from remedia.remediation.survey_views import RESPONDENT_COOKIE
from tests.security import access_rules as rules

API_PREFIX = "/api/v1/"
WRITE_METHODS = ("post", "put", "patch", "delete")
# A matrix that silently lost its routes must not pass: the floor is what the
# code had when this test was written (issue 15), a little under.
MIN_ENDPOINTS = 120
MIN_CELLS = 2500

_DJANGO_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
_REGEX_PARAM = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # "/staff/cases/{case_id}/notes/"
    params: frozenset[str]
    api: bool

    @property
    def write(self) -> bool:
        return self.method in WRITE_METHODS

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def _normalise(route: str) -> str:
    route = route.lstrip("^").rstrip("$").replace("\\", "")
    route = _REGEX_PARAM.sub(lambda m: "{" + m["name"] + "}", route)
    route = _DJANGO_PARAM.sub(lambda m: "{" + m["name"] + "}", route)
    return "/" + route.replace("^", "")


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _params(path: str) -> frozenset[str]:
    return frozenset(re.findall(r"\{(\w+)\}", path))


def web_endpoints() -> list[Endpoint]:
    """Every page route with a path parameter, read and written (a page that
    takes only one method answers 405 to the other, alike for every cell)."""
    found = set()
    for route in _walk(get_resolver().url_patterns):
        path = _normalise(route)
        if path.startswith(API_PREFIX) or not _params(path):
            continue
        for method in ("get", "post"):
            found.add(Endpoint(method, path, _params(path), api=False))
    return sorted(found, key=lambda e: (e.write, e.path, e.method))


def api_schema() -> dict[str, Any]:
    from remedia.config.api import api

    return api.get_openapi_schema()


def api_endpoints() -> list[Endpoint]:
    found = []
    for path, operations in api_schema()["paths"].items():
        if not _params(path):
            continue
        for method in operations:
            found.append(Endpoint(method, path, _params(path), api=True))
    return sorted(found, key=lambda e: (e.write, e.path, e.method))


def api_routes_outside_the_schema() -> list[str]:
    """Routes the API serves with an id but does not document: none may hide."""
    documented = {p for p in api_schema()["paths"] if _params(p)}
    served = {
        _normalise(r)
        for r in _walk(get_resolver().url_patterns)
        if _normalise(r).startswith(API_PREFIX)
    }
    return sorted(p for p in served if _params(p) and p not in documented)


ENDPOINTS = [
    e
    for e in [*web_endpoints(), *api_endpoints()]
    # Routes whose parameter is no object id (the admin's app index) are not
    # cells of the matrix; access_rules.NOT_OBJECT_IDS says why for each.
    if (e.path.split("{")[0], e.params) not in rules.NOT_OBJECT_IDS
]
# Reads first: the entitled cells of writes may change the demo (a task done,
# a survey closed), and each test rolls back only its own changes.
ENDPOINTS.sort(key=lambda e: e.write)


# --- The seeded demo, its signed-in clients and tokens, once for the module ---------


@dataclass
class World:
    demo: rules.Demo
    web: dict[str, Client]
    api: dict[str, str]


def _log_in(username: str, password: str, totp_secret: str) -> Client:
    from tests.support.factories.accounts import totp_code_for_secret

    client = Client()
    response = client.post(
        "/staff/login/",
        {
            "username": username,
            "password": password,
            "code": totp_code_for_secret(totp_secret),
        },
    )
    assert response.status_code == 302, (username, response.status_code)
    assert client.get("/staff/").status_code == 200, username
    return client


def _extra_objects(demo: rules.Demo) -> None:
    """What the demo does not seed but the matrix needs one of: through services."""
    from remedia.accounts.models import User
    from remedia.cases import services as cases
    from remedia.cases.models import Case
    from remedia.notifications.models import Notification
    from remedia.remediation.models import Evidence
    from remedia.rrm import services as rrm

    handler = User.objects.get(username="handler")
    analyst = User.objects.get(username="analyst")
    case = Case.objects.get(organisation_id=demo.org_id["ags_centre"])
    cases.case_document_add(
        case=case, user=handler, name="acta.png", data=rules.tiny_png()
    )
    petition = rrm.petition_create(
        user=analyst,
        organisation=analyst.memberships.get().organisation,
        facility_name="Confecciones de la matriz",
        petitioners="Sindicato de la matriz",
    )
    demo.extra["petition"] = petition
    demo.extra["petition_document"] = rrm.rrm_document_add(
        case=petition, user=analyst, name="peticion.png", data=rules.tiny_png()
    )
    demo.extra["evidence"] = Evidence.objects.order_by("created_at").first()
    _victim_files(demo)
    # One in-app notification of the handler's (rows are the app's outbox:
    # there is no service that makes one without sending it).
    demo.extra["notification"] = Notification.objects.create(
        user=handler, kind="case_assigned", key=str(case.pk), by_email=False
    )
    _export_objects(demo, handler)
    _protection_objects(demo)
    _screenings(demo, case)
    _coordination_objects(demo)
    _coordination_meeting_objects(demo)
    _webhook_objects(demo)
    _partner_token_objects(demo)
    _facility_import(demo, handler)


def _partner_token_objects(demo: rules.Demo) -> None:
    """A partner token of the operator's, made by its administrator (issue 19.2)."""
    from remedia.accounts import services as accounts
    from remedia.accounts.models import Organisation, User

    demo.extra["partner_token"] = accounts.partner_token_issue(
        organisation=Organisation.objects.get(pk=demo.org_id["operator"]),
        name="Línea aliada de la matriz",
        scopes=["reports:submit"],
        expires_in_days=30,
        rate_limit_per_minute=60,
        issued_by=User.objects.get(username="admin"),
    ).token


def _facility_import(demo: rules.Demo, handler: Any) -> None:
    """A queued list import of the handler's (its job is not run): its pages
    and the API's read of it are for whoever may edit the registry."""
    from remedia.facilities import services as facilities

    demo.extra["import_id"] = facilities.facility_import_queue(
        data=b"name,state\r\nTalleres de la matriz,MX-AGU\r\n",
        file_name="matriz.csv",
        dry_run=True,
        created_by=handler,
    )


def _webhook_objects(demo: rules.Demo) -> None:
    """A webhook endpoint of the operator's (made as a row: registering one
    resolves its host, and the matrix makes no network lookups) and one
    delivery owed to it."""
    from remedia.integrations.models import Delivery, Endpoint
    from remedia.integrations.signing import secret_new, secret_wrap

    endpoint = Endpoint.objects.create(
        organisation_id=demo.org_id["operator"],
        url="https://receiver.example/hooks",
        event_types=["case.status_changed"],
        secret_wrapped=secret_wrap(secret_new()),
    )
    demo.extra["webhook_endpoint"] = endpoint
    demo.extra["webhook_delivery"] = Delivery.objects.create(
        endpoint=endpoint,
        event_type="case.status_changed",
        event_key="matrix",
        payload={"type": "case.status_changed", "timestamp": "", "data": {}},
    )


def _export_objects(demo: rules.Demo, handler: Any) -> None:
    """A finished export of the handler's (core.exports), its file kept."""
    from remedia.core import exports
    from remedia.core.tables import Sheet

    def rows(parameters: Any, user: Any, progress: Any) -> list[Sheet]:
        return [Sheet(title="Filas", header=["n"], rows=[[1], [2]])]

    exports.export_register("matrix.rows", producer=rows, label="Filas")
    job = exports.export_start(user=handler, name="matrix.rows", file_format="csv")
    exports.export_run(str(job.pk))
    job.refresh_from_db()
    assert exports.export_ready(job)
    demo.extra["export"] = job


def _coordination_objects(demo: rules.Demo) -> None:
    """A work group led by the demo coordinator, a plan (of a year the demo
    does not use), an action with an indicator and a period, and an update the
    coordinator submitted (the lead's to review)."""
    from remedia.accounts.models import User
    from remedia.coordination.services.groups import group_create, group_member_add
    from remedia.coordination.services.indicators import (
        indicator_create,
        period_create,
    )
    from remedia.coordination.services.plan import (
        action_create,
        objective_create,
        plan_create,
    )
    from remedia.coordination.services.updates import update_submit

    coordinator = User.objects.get(username="coordinator")
    own = demo.org_id["coordination"]
    group = group_create(
        user=coordinator,
        data={"name": "Grupo de la matriz", "lead_id": str(coordinator.pk)},
    )
    group_member_add(
        user=coordinator,
        group=group,
        data={"organisation_id": str(own), "user_id": str(coordinator.pk)},
    )
    plan = plan_create(user=coordinator, year=2030, title="Plan de la matriz")
    objective = objective_create(
        user=coordinator, plan=plan, group=group, title="Objetivo de la matriz"
    )
    action = action_create(
        user=coordinator,
        objective=objective,
        data={
            "title": "Acción de la matriz",
            "sector": "public",
            "owner_id": str(own),
            "starts_on": "2030-01-01",
            "due_on": "2030-12-31",
        },
    )
    indicator = indicator_create(
        user=coordinator, action=action, data={"name": "Personas capacitadas"}
    )
    period = period_create(
        user=coordinator,
        indicator=indicator,
        data={"starts_on": "2030-01-01", "ends_on": "2030-03-31", "target": "10"},
    )
    demo.extra["coordination_group"] = group
    demo.extra["coordination_plan"] = plan
    demo.extra["coordination_action"] = action
    demo.extra["coordination_indicator"] = indicator
    demo.extra["coordination_update"] = update_submit(
        user=coordinator, period=period, value="4"
    )
    # Issue 17: a member, an objective, a period, an evidence file, and a
    # second group to ask for the member under.
    demo.extra["coordination_member"] = group.members.get()
    demo.extra["coordination_other_group"] = group_create(
        user=coordinator,
        data={"name": "Otro grupo de la matriz", "lead_id": str(coordinator.pk)},
    )
    demo.extra["coordination_objective"] = objective
    demo.extra["coordination_period"] = period
    demo.extra["coordination_evidence"] = update_submit(
        user=coordinator,
        period=period,
        value="2",
        evidence=[("foto.png", rules.tiny_png(), False)],
    ).evidence.get()


def _coordination_meeting_objects(demo: rules.Demo) -> None:
    """A meeting of the demo coordinator's group (open), its participant and a
    decision on its agenda not yet turned into an action."""
    from remedia.accounts.models import User
    from remedia.coordination.services import meetings

    coordinator = User.objects.get(username="coordinator")
    meeting = meetings.meeting_create(
        user=coordinator,
        group=demo.extra["coordination_group"],
        data={"title": "Reunión de la matriz", "held_on": "2030-02-01"},
    )
    demo.extra["coordination_meeting"] = meeting
    demo.extra["coordination_meeting_participant"] = meetings.participant_add(
        user=coordinator,
        meeting=meeting,
        data={
            "organisation_id": str(demo.org_id["coordination"]),
            "user_id": str(coordinator.pk),
        },
    )
    demo.extra["coordination_agenda_item"] = meetings.item_add(
        user=coordinator,
        meeting=meeting,
        data={
            "title": "Punto de la matriz",
            "outcome": "decision",
            "outcome_text": "Acordar un taller",
        },
    )


def _protection_objects(demo: rules.Demo) -> None:
    """A victim file of the protection demo user, its consents, a service of the
    coordination organisation's (in Remedia) and a referral to it."""
    from django.utils import timezone

    from remedia.accounts.models import User
    from remedia.protection.services.consent import consent_record
    from remedia.protection.services.directory import service_create
    from remedia.protection.services.files import file_open
    from remedia.protection.services.referrals import referral_create

    worker = User.objects.get(username="protection")
    coordinator = User.objects.get(username="coordinator")
    receiver = demo.org_id["coordination"]
    demo.extra["service"] = service = service_create(
        user=coordinator,
        data={
            "institution": "Secretaría del Trabajo del Estado de Puebla",
            "name": "Inspección del trabajo",
            "organisation_id": receiver,
            "service_types": ["labour_inspection"],
            "states": ["MX-PUE"],
        },
    )
    demo.extra["victim_file"] = file = file_open(
        organisation=worker.memberships.get().organisation,
        opened_by=worker,
        identity={"alias": "Luz", "story": "Trabaja de noche en un taller."},
        fields={"age_at_identification": 15},
    )
    for scope, recipient in (("services", None), ("sharing", receiver)):
        demo.extra["consent"] = consent_record(
            file=file,
            user=worker,
            scope=scope,
            given_by="caregiver",
            given_on=timezone.localdate(),
            recipient_id=recipient,
        )
    demo.extra["referral"] = referral_create(
        file=file,
        user=worker,
        service_id=service.pk,
        service_type="labour_inspection",
        share=["age"],
        needs="Inspección del taller.",
    )


def _victim_files(demo: rules.Demo) -> None:
    """Two files of the demo's protection worker (one with a support action) and
    one of a colleague they are not assigned to."""
    from remedia.accounts import services as accounts
    from remedia.accounts.models import Organisation, User
    from remedia.protection.services.files import file_open
    from remedia.protection.services.support import support_action_add
    from tests.support.factories.accounts import PASSWORD

    worker = User.objects.get(username="protection")
    team = Organisation.objects.get(pk=demo.org_id["protection"])
    colleague = accounts.user_create(
        username="protection-colleague",
        password=PASSWORD,
        organisation=team,
        roles=["protection"],
    )
    identity = {"given_names": "Persona de la matriz"}
    file = file_open(organisation=team, opened_by=worker, identity=identity)
    demo.extra["victim_file"] = file
    demo.extra["victim_file_second"] = file_open(
        organisation=team, opened_by=worker, identity=identity
    )
    demo.extra["victim_file_unassigned"] = file_open(
        organisation=team, opened_by=colleague, identity=identity
    )
    demo.extra["support_action"] = support_action_add(
        file=file, user=worker, support_type="health", objective="Cita médica"
    )


def _screenings(demo: rules.Demo, case: Any) -> None:
    """A pending screening of the protection team (from the demo's child-labour
    report), a pending one of the handler's case, and one the team held."""
    from remedia.accounts.models import User
    from remedia.intake.models import Report
    from remedia.protection.services import screenings
    from tests.support.protection import ANSWERS_15_AT_NIGHT

    report = Report.objects.filter(category_rows__code="child_labour").get()
    (demo.extra["screening_report"],) = screenings.screenings_open_for_report(
        report_id=report.pk, organisation_ids=[demo.org_id["protection"]]
    )
    demo.extra["screening_case"] = screenings.screening_open_for_case(case_id=case.pk)
    worker = User.objects.get(username="protection")
    held = screenings.screening_start(user=worker)
    demo.extra["screening_done"] = screenings.screening_conduct(
        screening=held, user=worker, answers=ANSWERS_15_AT_NIGHT
    )


@pytest.fixture(scope="module")
def _world_data_dir(tmp_path_factory: Any) -> Any:
    return tmp_path_factory.mktemp("matrix-var")


@pytest.fixture(autouse=True)
def data_dir(settings: Any, _world_data_dir: Any) -> Any:
    # The demo's files are written once for the module: every cell reads them
    # from the same directory (the suite's default is one directory per test).
    settings.DATA_DIR = _world_data_dir
    return _world_data_dir


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, _world_data_dir: Any
) -> Iterator[World]:
    from django.test import override_settings

    from remedia.accounts import keys
    from remedia.accounts import services as accounts
    from remedia.accounts.models import User
    from remedia.demo.services import seed_demo

    with (
        override_settings(DATA_DIR=_world_data_dir),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        seed = seed_demo()
        demo = rules.Demo(seed)
        _extra_objects(demo)
        web = {}
        tokens = {}
        for credentials in seed.users:
            user = User.objects.get(username=credentials.username)
            web[user.username] = _log_in(
                user.username, credentials.password, credentials.totp_secret
            )
            private = keys.user_key_unlock(user=user, password=credentials.password)
            tokens[user.username] = accounts.token_issue(
                user=user, name="matrix", private_key=private
            )[1]
        web[rules.ANONYMOUS] = Client()
        yield World(demo=demo, web=web, api=tokens)
        transaction.set_rollback(True)


# --- One cell ----------------------------------------------------------------------

_TALLY: dict[str, int] = {
    "endpoints": 0,
    "cells": 0,
    "skipped_methods": 0,
    "pre_lookup": 0,
}
# Pages that show the form of a change (GET), entitled like the change.
FORM_PAGES = r"/(edit|new|editar|nuevo|nueva)/$"
# Refusals that come before any object is looked up, alike for a missing id.
PRE_LOOKUP = {400, 403, 422}
_UNEXERCISED: list[str] = []


def _fingerprint(target: rules.Target) -> tuple[Any, ...]:
    from remedia.core.models import AuditEntry

    if target.watch is None:
        return (AuditEntry.objects.count(),)
    model, pk = target.watch
    row = model.objects.filter(pk=pk).values().first() or {}
    return (
        AuditEntry.objects.count(),
        model.objects.count(),
        row.get("updated_at"),
        row.get("status"),
    )


def _request(world: World, endpoint: Endpoint, who: str, path: str) -> Any:
    if endpoint.api:
        client = Client()
        headers = {}
        if who != rules.ANONYMOUS:
            headers["Authorization"] = f"Bearer {world.api[who]}"
        call = getattr(client, endpoint.method)
        if endpoint.write:
            return call(
                path, data="{}", content_type="application/json", headers=headers
            )
        return call(path, headers=headers)
    client = world.web[who]
    # A worker's survey cookie belongs to a browser, not to a user: whether a
    # client met a survey page in an earlier cell must not decide its answer
    # (400 "accept cookies" against 422 "answer the questions").
    client.cookies.pop(RESPONDENT_COOKIE, None)
    if endpoint.write:
        return client.post(path, data={})
    return client.get(path)


def _expected(
    kind: rules.Kind, endpoint: Endpoint, target: rules.Target, who: str
) -> tuple[str, frozenset[int] | None]:
    """(the cell's rule, the statuses it allows; None: any but 5xx, 401 and 404)."""
    anonymous = who == rules.ANONYMOUS
    writers = set(target.writers)
    if re.search(kind.extra_writer_routes, endpoint.path):
        writers |= target.extra_writers
    if anonymous:
        return "anonymous", frozenset({401} if endpoint.api else {302})
    readers = target.readers
    if target.full_readers is not None and re.search(
        kind.full_read_routes, endpoint.path
    ):
        readers = target.full_readers
    if not endpoint.write and re.search(FORM_PAGES, endpoint.path):
        # The page of a change's form: for those who may make the change.
        if who in writers:
            return "writer (form)", kind.read_ok
        if who in readers:
            return "reader, not writer", frozenset({403, 404})
        return "outsider", kind.refused
    if not endpoint.write:
        if who in readers:
            return "reader", kind.read_ok
        return "outsider", kind.refused
    if who in writers:
        return "writer", None
    if who in readers:
        # The object is theirs to see, so no answer leaks it; a page answers
        # with its form again or a redirect and a message. Nothing may change.
        return "reader, not writer", frozenset({302, 403, 404, 422})
    return "outsider", kind.refused


def _org_column(world: World, who: str, target: rules.Target) -> str:
    actor = next((a for a in rules.ACTORS if a.username == who), None)
    if actor is None or not target.orgs:
        return "-"
    return "own" if actor.organisation in target.orgs else "other"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_access_matrix(world: World, endpoint: Endpoint) -> None:
    # Given the kind of object the route takes and who may reach each one
    kind = rules.kind_for(endpoint.path, endpoint.params)
    assert kind is not None, (
        f"new endpoint without an access rule: add it to the matrix "
        f"(tests/security/access_rules.py KINDS): {endpoint} "
        f"takes {sorted(endpoint.params)}"
    )
    targets = kind.targets(world.demo)
    assert targets, f"{endpoint}: the kind {kind.name!r} found no object to try"

    # When every demo user and anonymous asks for every object of that kind
    # (outsiders first: the entitled write last, it may change the object)
    users = [rules.ANONYMOUS, *world.api] if endpoint.api else list(world.web)
    cells = []
    for target in targets:
        for who in users:
            rule, allowed = _expected(kind, endpoint, target, who)
            cells.append((rule == "writer", target, who, rule, allowed))
    # A method the route does not serve is refused before any lookup: one
    # signed-in user per object shows it (405 for all of them), and the route
    # is not a cell of the matrix for that method.
    probe = users[1]
    probed = [t for t in targets if t.label == "missing"] or targets
    if all(
        _request(world, endpoint, probe, endpoint.path.format(**t.params)).status_code
        == 405
        for t in probed
    ):
        # Then each user gets one answer whatever the object (405, or the
        # login page for anonymous): none tells an object that exists from
        # one that does not, or one organisation's from another's.
        for who in users:
            answers = {
                t.label: _request(
                    world, endpoint, who, endpoint.path.format(**t.params)
                ).status_code
                for t in targets
            }
            assert len(set(answers.values())) == 1, (
                f"{endpoint} as {who}: not a method of this route, yet the "
                f"answer depends on the object: {answers}"
            )
        _TALLY["skipped_methods"] += 1
        return

    # The missing id first: what it answers is what an outsider must get too.
    cells.sort(key=lambda c: (c[0], c[1].label != "missing"))
    results = []
    baseline: dict[str, int] = {}
    for _entitled_write, target, who, rule, allowed in cells:
        if rule == "writer" and kind.skip_entitled_writes:
            _UNEXERCISED.append(f"{endpoint} as {who}")
            continue
        path = endpoint.path.format(**target.params)
        before = _fingerprint(target) if endpoint.write and rule != "writer" else None
        got = _request(world, endpoint, who, path).status_code
        after = _fingerprint(target) if before is not None else None
        if target.label == "missing":
            baseline[who] = got
        if rule == "outsider" and baseline.get(who) in PRE_LOOKUP:
            # Refused before any lookup (no capability at all, or a body that
            # fails validation): the same answer as for a missing id.
            allowed = (allowed or frozenset()) | {baseline[who]}
            _TALLY["pre_lookup"] += 1
        if target.same_as is not None:
            alike = _request(
                world, endpoint, who, endpoint.path.format(**target.same_as)
            )
            rule, allowed = "as a missing child", frozenset({alike.status_code})
        results.append((target, who, rule, allowed, got, before, after))

    _TALLY["endpoints"] += 1
    _TALLY["cells"] += len(results)

    # And each cell gets what the rule says, and a refused write changed nothing
    failures = []
    public = all(t.public for t in targets)
    for target, who, rule, allowed, got, before, after in results:
        if target.label == "missing" and who != rules.ANONYMOUS:
            allowed = kind.refused | {404} | (PRE_LOOKUP if endpoint.write else set())
        where = (
            f"{endpoint.method.upper()} {endpoint.path.format(**target.params)} "
            f"[{target.label}] as {who} (org: {_org_column(world, who, target)})"
        )
        if got >= 500:
            failures.append(f"{where}: expected no server error, got {got}")
            continue
        if public:
            continue
        if allowed is None:
            if got in (401, 404):
                failures.append(f"{where}: {rule} expected an answer, got {got}")
        elif got not in allowed:
            failures.append(f"{where}: {rule} expected {sorted(allowed)}, got {got}")
        if before != after:
            failures.append(f"{where}: refused write changed data {before} -> {after}")
    if public:
        # A worker's page or call: the same answer whoever asks.
        by_target: dict[str, set[int]] = {}
        for target, _who, _rule, _allowed, got, _b, _a in results:
            by_target.setdefault(target.label, set()).add(got)
        for label, seen in by_target.items():
            if len(seen - {401}) > 1:
                failures.append(f"{endpoint} [{label}]: answers differ by user: {seen}")
    assert not failures, "\n".join(failures)


def test_every_api_route_with_an_id_is_in_the_openapi_document() -> None:
    # Given the routes the API serves, when compared with the document the
    # matrix reads, then none takes an id without being in it
    assert api_routes_outside_the_schema() == []


def test_the_matrix_has_not_shrunk(capsys: pytest.CaptureFixture[str]) -> None:
    # Given the endpoints found in the URL configuration and the OpenAPI document
    routes = {e.path for e in ENDPOINTS}
    users = len(rules.ACTORS) + 1

    # Then there are at least as many as when the matrix was written, and the
    # cells that ran (when run after the matrix) are reported
    with capsys.disabled():
        print(  # noqa: T201 - the matrix's size is what this test reports
            f"\naccess matrix: {len(ENDPOINTS)} endpoints (method × route, "
            f"{len(routes)} routes with an id) × {users} users ({len({a.role for a in rules.ACTORS})} roles in "
            f"{len({a.organisation for a in rules.ACTORS})} organisations + anonymous) "
            f"× objects of each kind (own/other organisation, wrong parent, missing); "
            f"{_TALLY['endpoints']} endpoints checked, {_TALLY['cells']} cells, "
            f"{_TALLY['skipped_methods']} method/route pairs not served (405 for all), "
            f"{_TALLY['pre_lookup']} outsider cells refused before lookup alike for a "
            f"missing id (400/403/422), "
            f"{len(_UNEXERCISED)} entitled admin writes not sent"
        )
    assert len(ENDPOINTS) >= MIN_ENDPOINTS
    if _TALLY["endpoints"]:
        assert _TALLY["cells"] >= MIN_CELLS


def test_unknown_ids_of_every_shape_are_the_same_404(world: World) -> None:
    # Given a handler, when an id is malformed, missing or of another kind,
    # then each is the same 404 (never a 500)
    client = world.web["handler"]
    for path in (
        f"/staff/cases/{uuid.uuid4()}/",
        "/staff/reports/00000000-0000-0000-0000-000000000000/",
    ):
        assert client.get(path).status_code == 404, path
    api = Client()
    headers = {"Authorization": f"Bearer {world.api['handler']}"}
    for value in ("not-a-uuid", str(uuid.uuid4()), "1" * 300):
        assert api.get(f"/api/v1/cases/{value}", headers=headers).status_code in (
            404,
            422,
        ), value


# Staff pages without an id in the path, each with the demo users who may open it.
PAGES_BY_ROLE = {
    # The audit log (issue 22.6): audit.read, which only administrators hold.
    "/staff/auditoria/": {"admin"},
}


@pytest.mark.parametrize("path", sorted(PAGES_BY_ROLE))
def test_staff_pages_without_ids_by_role(world: World, path: str) -> None:
    # Given every demo user and an anonymous visitor, when each opens the page,
    # then its readers get it, everyone else a 404, the anonymous the login
    from remedia.accounts.models import User
    from remedia.accounts.permissions import Capability
    from remedia.accounts.selectors import organisations_for

    readers = PAGES_BY_ROLE[path]
    for who, client in world.web.items():
        response = client.get(path)
        if who == rules.ANONYMOUS:
            assert response.status_code == 302, who
            assert "/staff/login/" in response["Location"]
        elif who in readers:
            assert response.status_code == 200, who
        else:
            assert response.status_code == 404, who
    # And the audit log shows its reader only their organisations' entries
    from remedia.core.models import AuditEntry

    html = world.web["admin"].get(path).content.decode()
    shown = [int(s) for s in re.findall(r'data-seq="(\d+)"', html)]
    assert shown
    admin = User.objects.get(username="admin")
    mine = {
        str(o) for o in organisations_for(user=admin, capability=Capability.AUDIT_READ)
    }
    orgs = set(
        AuditEntry.objects.filter(seq__in=shown).values_list(
            "organisation_id", flat=True
        )
    )
    # The demo administrator is also the platform's (a superuser): they read
    # the entries of no organisation too (system jobs, partner systems);
    # organisation staff never do (tests/accounts' audit log page tests).
    assert admin.is_superuser
    assert orgs - {"", None} <= mine
