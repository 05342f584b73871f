"""Courses of remediation for `make bench`: 2,000 plans, read by a monitor.

The budget: staff pages and API reads answer with a p95 under 100 ms at 16
concurrent clients with 100,000 reports in the database (bench/__main__.py's
FILL puts them there first).

`run(...)` is the entry point `bench/__main__.py` calls once the server is up.
It

1. loads the courses straight into the database (`load`, inside `remedia
   shell`): bulk inserts, not the services, so 2,000 courses take seconds. The
   accounts come through the services, as an administrator would make them: a
   monitoring organisation ("Bench monitors") with a monitor ("bench-monitor",
   second factor required), a second monitoring organisation and ten companies
   in Remedia. Every course row is what `services.course_create` and the later
   services would have written: the owner as the monitor party and a company
   party (most of them companies in Remedia), the seven measures of the INISA
   course from `catalogue.py` (descriptions in Spanish) with a spread of
   statuses and due dates, some of them overdue (a failed one with its
   reason, a verified one with accepted evidence), a few evidence rows per
   measure (rows only: the list and detail reads never open the files), some
   monitor notes, and on a quarter of the active courses a worker survey with
   about ten responses. Courses are owned as in real use: 80 % by the bench
   monitors, 10 % by the other monitoring organisation with the bench monitors
   named as a monitor party, 10 % by the other one alone (invisible to the
   bench monitor, so the access filter has rows to leave out). Facilities
   are the registry's (the cases bench leaves some), or a few hundred of our
   own. Loading is idempotent: a database that holds the courses already is
   left as it is (courses are recognised by their reference, "BENCH-REM-").
2. issues an API token for the monitor and opens one staff session per
   client (second factor passed), as the login form would;
3. checks once that the answers are what was loaded (list and overdue counts,
   seven measures in a detail, the staff page itself), then drives, for
   `seconds` each at 16 clients: `GET /api/v1/remediation/plans` at random
   offsets (pages of 50), the same with `overdue=true`, `GET
   /api/v1/remediation/plans/{id}` at random, and the staff course page
   `/staff/remediation/{id}/`.

It returns (measure, value, limit, ratio, note) rows like the other bench
modules. On its own, against a server already running on a bench database
(started as bench/__main__.py starts it, with the same secret key and Redis):
`python -m bench.remediation` (BENCH_PORT, BENCH_DATABASE_URL, BENCH_REDIS_URL,
BENCH_COURSES, BENCH_SECONDS).
"""

from __future__ import annotations

import http.client
import json
import os
import random
from collections.abc import Callable
from typing import Any

from bench import drive as drive_kit

COURSES = int(os.environ.get("BENCH_COURSES", "2000"))
CLIENTS = 16
LIMIT_SECONDS = 0.1
BATCH = 500
REFERENCE_PREFIX = "BENCH-REM-"
MONITOR = "bench-monitor"
MONITOR_PASSWORD = "bench monitor password 1234"  # noqa: S105 (throwaway bench DB)
MONITOR_ORGANISATION = "Bench monitors"
OTHER_MONITOR_ORGANISATION = "Bench monitors (other)"
COMPANY_ORGANISATIONS = 10
FACILITIES_WANTED = 300
MEASURES = [
    "neutrality_statement",
    "conduct_guidelines",
    "zero_tolerance_policy",
    "personnel_training",
    "anonymous_reporting_channel",
    "worker_rights_training",
    "sanctions_proceedings",
]

Row = tuple[str, str, str, float | None, str]


# --- Loading (runs inside Django, through `remedia shell`) ----------------------------


def _organisation(name: str, sector: str, short_name: str = "") -> Any:
    from remedia.accounts import services
    from remedia.accounts.models import Organisation

    found = Organisation.objects.filter(name=name).first()
    if found is not None:
        return found
    return services.organisation_create(name=name, sector=sector, short_name=short_name)


def _monitor(organisation: Any) -> Any:
    """The bench monitor, a member of `organisation` with the monitor role."""
    from remedia.accounts import services
    from remedia.accounts.models import User
    from remedia.accounts.permissions import Role

    user = User.objects.filter(username=MONITOR).first()
    if user is None:
        return services.user_create(
            username=MONITOR,
            password=MONITOR_PASSWORD,
            organisation=organisation,
            roles=[Role.MONITOR],
        )
    services.membership_grant(
        user=user, organisation=organisation, role=Role.MONITOR, granted_by=None
    )
    return user


def _facility_ids(rng: random.Random, wanted: int = FACILITIES_WANTED) -> list[Any]:
    """Registry facilities (the cases and facility benches load some); a few
    hundred of our own when the registry is empty."""
    from remedia.facilities.models import Facility

    ids = list(Facility.objects.order_by("id").values_list("id", flat=True)[:wanted])
    if ids:
        return ids
    made = [
        Facility(
            name=f"Maquiladora Bench {i}",
            state=rng.choice(["MX-AGU", "MX-PUE", "MX-GUA", "MX-COA", "MX-CHH"]),
            name_key=f"maquiladora bench {i}",
            external_id=f"BENCH-REM-{i:04d}",
        )
        for i in range(wanted)
    ]
    Facility.objects.bulk_create(made)
    return [f.pk for f in made]


def _survey_code(rng: random.Random, taken: set[str]) -> str:
    from remedia.remediation.surveys import CODE_ALPHABET, CODE_LENGTH

    while True:
        code = "".join(rng.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
        if code not in taken:
            taken.add(code)
            return code


def load(*, courses: int = COURSES, seed: int = 6) -> dict[str, Any]:
    """Put `courses` courses of remediation into the configured database (with
    the monitoring organisations and their monitor); returns what the drivers
    need: course ids the monitor may read and the counts the API should give."""
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone, translation

    from remedia.accounts.permissions import Sector
    from remedia.intake.models import Report
    from remedia.remediation import selectors, surveys
    from remedia.remediation.catalogue import entry_for
    from remedia.remediation.models import (
        Answer,
        Course,
        CourseOrigin,
        CourseParty,
        CourseStatus,
        Evidence,
        EvidenceStatus,
        Measure,
        MeasureNote,
        MeasureStatus,
        PartyRole,
        ResponseChannel,
        Survey,
        SurveyAnswer,
        SurveyQuestion,
        SurveyResponse,
        SurveyStatus,
    )

    rng = random.Random(seed)
    monitors = _organisation(MONITOR_ORGANISATION, Sector.CIVIL_SOCIETY, "BENCH-MON")
    others = _organisation(
        OTHER_MONITOR_ORGANISATION, Sector.INTERNATIONAL, "BENCH-MO2"
    )
    companies = [
        _organisation(f"Bench company {k}", Sector.PRIVATE, f"BENCH-CO{k}")
        for k in range(COMPANY_ORGANISATIONS)
    ]
    user = _monitor(monitors)
    bench_courses = Course.objects.filter(reference__startswith=REFERENCE_PREFIX)
    have = bench_courses.count()
    if have < courses:
        facilities = _facility_ids(rng)
        with translation.override("es-mx"):
            texts = {
                t: (
                    str(entry_for(t).description),
                    str(entry_for(t).evidence),
                    str(entry_for(t).responsible),
                )
                for t in MEASURES
            }
        questions_of = {
            t: surveys.catalogue_questions(t)
            for t in MEASURES
            if entry_for(t).survey_questions
        }
        codes = set(Survey.objects.values_list("code", flat=True))
        active_mix = [
            (MeasureStatus.PENDING, 30),
            (MeasureStatus.IN_PROGRESS, 25),
            (MeasureStatus.DONE, 15),
            (MeasureStatus.VERIFIED, 20),
            (MeasureStatus.FAILED, 10),
        ]
        incomplete_mix = [
            (MeasureStatus.VERIFIED, 40),
            (MeasureStatus.DONE, 10),
            (MeasureStatus.FAILED, 50),
        ]
        now = timezone.now()
        today = timezone.localdate()
        for start in range(have, courses, BATCH):
            rows: list[Any] = []
            parties, measures, evidence, notes = [], [], [], []
            survey_rows, questions, responses, answers = [], [], [], []
            for i in range(start, min(courses, start + BATCH)):
                share = rng.random()
                owner = monitors if share < 0.8 else others
                status = rng.choices(
                    [
                        CourseStatus.ACTIVE,
                        CourseStatus.COMPLETED,
                        CourseStatus.INCOMPLETE,
                    ],
                    [80, 12, 8],
                )[0]
                agreed = today - timedelta(days=rng.randint(10, 300))
                deadline = agreed + timedelta(days=rng.randint(90, 540))
                closed_on = None
                if status != CourseStatus.ACTIVE:
                    # A closed course ended some time ago, before or after its deadline.
                    agreed = today - timedelta(days=rng.randint(200, 700))
                    deadline = agreed + timedelta(days=rng.randint(90, 180))
                    closed_on = min(
                        today, deadline + timedelta(days=rng.randint(-30, 60))
                    )
                origin = rng.choice(CourseOrigin.values)
                course = Course(
                    title=f"Plan de remediación {i:05d}",
                    organisation=owner,
                    facility_id=rng.choice(facilities),
                    origin=origin,
                    reference=f"{REFERENCE_PREFIX}{i:06d}",
                    summary="Plan acordado tras la verificación; sin datos de "
                    "quien denunció.",
                    agreed_on=agreed,
                    deadline=deadline,
                    status=status,
                    closed_on=closed_on,
                    created_by=user if owner is monitors else None,
                )
                rows.append(course)
                parties.append(
                    CourseParty(
                        course=course,
                        organisation=owner,
                        name=owner.short_name or owner.name,
                        role=PartyRole.MONITOR,
                    )
                )
                if 0.8 <= share < 0.9:
                    parties.append(
                        CourseParty(
                            course=course,
                            organisation=monitors,
                            name=monitors.short_name,
                            role=PartyRole.MONITOR,
                        )
                    )
                company = rng.choice(companies) if rng.random() < 0.8 else None
                parties.append(
                    CourseParty(
                        course=course,
                        organisation=company,
                        name=company.name if company else f"Confecciones {i:05d}",
                        role=PartyRole.COMPANY,
                    )
                )
                course_measures = []
                for position, kind in enumerate(MEASURES, start=1):
                    description, asked, responsible = texts[kind]
                    due = deadline - timedelta(days=rng.choice([0, 0, 0, 30, 60, 90]))
                    if status == CourseStatus.COMPLETED:
                        measure_status = MeasureStatus.VERIFIED
                    else:
                        mix = (
                            active_mix
                            if status == CourseStatus.ACTIVE
                            else incomplete_mix
                        )
                        measure_status = rng.choices(
                            [s for s, _w in mix], [w for _s, w in mix]
                        )[0]
                    measure = Measure(
                        course=course,
                        position=position,
                        type=kind,
                        description=description,
                        required_evidence=asked,
                        responsible_party=responsible,
                        due_date=max(agreed, due),
                        status=measure_status,
                    )
                    if measure_status != MeasureStatus.PENDING:
                        measure.status_changed_at = now - timedelta(
                            days=rng.uniform(0, 90)
                        )
                    if measure_status == MeasureStatus.VERIFIED:
                        measure.verified_at = measure.status_changed_at
                        measure.verified_by = user
                    if measure_status == MeasureStatus.FAILED:
                        measure.failed_reason = (
                            "La empresa no presentó evidencia en el plazo acordado."
                        )
                    measures.append(measure)
                    course_measures.append(measure)
                    # Evidence: rows only; verified needs an accepted item.
                    if measure_status == MeasureStatus.PENDING:
                        count = 0
                    elif measure_status == MeasureStatus.VERIFIED:
                        count = rng.choice([1, 1, 2, 3])
                    else:
                        count = rng.choice([0, 1, 1, 2, 3])
                    for k in range(count):
                        if measure_status == MeasureStatus.VERIFIED:
                            state = (
                                EvidenceStatus.ACCEPTED
                                if k == 0 or rng.random() < 0.7
                                else EvidenceStatus.REJECTED
                            )
                        elif measure_status == MeasureStatus.DONE:
                            state = rng.choice(
                                [EvidenceStatus.SUBMITTED, EvidenceStatus.ACCEPTED]
                            )
                        elif measure_status == MeasureStatus.FAILED:
                            state = EvidenceStatus.REJECTED
                        else:
                            state = EvidenceStatus.SUBMITTED
                        photo = rng.random() < 0.6
                        item = Evidence(
                            measure=measure,
                            description="Comedor, junto al reloj checador"
                            if photo
                            else "Lista de asistencia firmada",
                            name=f"evidencia-{k + 1}.{'jpg' if photo else 'pdf'}",
                            content_type="image/jpeg" if photo else "application/pdf",
                            size=rng.randint(40_000, 2_000_000),
                            blob=os.urandom(32).hex(),
                            submitted_by=user,
                            status=state,
                        )
                        if state != EvidenceStatus.SUBMITTED:
                            item.reviewed_by = user
                            item.reviewed_at = now - timedelta(days=rng.uniform(0, 60))
                        if state == EvidenceStatus.REJECTED:
                            item.review_reason = "La foto no muestra la declaración."
                        evidence.append(item)
                    if rng.random() < 0.3:
                        notes.append(
                            MeasureNote(
                                measure=measure,
                                body="Se revisó en la visita; falta la copia firmada.",
                                author=user,
                            )
                        )
                if status == CourseStatus.ACTIVE and rng.random() < 0.25:
                    surveyed = rng.choice(
                        [m for m in course_measures if m.type in questions_of]
                    )
                    survey = Survey(
                        measure=surveyed,
                        code=_survey_code(rng, codes),
                        status=rng.choice(
                            [SurveyStatus.OPEN] * 3 + [SurveyStatus.CLOSED]
                        ),
                        closes_on=today + timedelta(days=rng.randint(1, 60)),
                        created_by=user,
                    )
                    survey_rows.append(survey)
                    asked_now = [
                        SurveyQuestion(
                            survey=survey,
                            position=p,
                            text=draft.text,
                            text_en=draft.text_en,
                        )
                        for p, draft in enumerate(questions_of[surveyed.type], start=1)
                    ]
                    questions += asked_now
                    for _r in range(rng.randint(8, 12)):
                        response = SurveyResponse(
                            survey=survey,
                            respondent=os.urandom(32).hex(),
                            channel=rng.choice(ResponseChannel.values),
                            answered_on=today - timedelta(days=rng.randint(0, 30)),
                        )
                        responses.append(response)
                        for question in asked_now:
                            answers.append(
                                SurveyAnswer(
                                    response=response,
                                    question=question,
                                    value=rng.choices(Answer.values, [6, 3, 1])[0],
                                )
                            )
            with transaction.atomic():
                Course.objects.bulk_create(rows)
                CourseParty.objects.bulk_create(parties)
                Measure.objects.bulk_create(measures)
                Evidence.objects.bulk_create(evidence)
                MeasureNote.objects.bulk_create(notes)
                Survey.objects.bulk_create(survey_rows)
                SurveyQuestion.objects.bulk_create(questions)
                SurveyResponse.objects.bulk_create(responses)
                SurveyAnswer.objects.bulk_create(answers)
        tables = [
            model._meta.db_table
            for model in (
                Course,
                CourseParty,
                Measure,
                Evidence,
                MeasureNote,
                Survey,
                SurveyQuestion,
                SurveyResponse,
                SurveyAnswer,
            )
        ]
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f'ANALYZE "{table}"')
    listed = selectors.course_list(viewer=user)
    overdue = selectors.course_list(
        viewer=user, filters=selectors.CourseFilters(overdue=True)
    )
    sample = list(
        listed.filter(reference__startswith=REFERENCE_PREFIX)
        .order_by("?")
        .values_list("id", flat=True)[:500]
    )
    return {
        "course_ids": [str(pk) for pk in sample],
        "courses": bench_courses.count(),
        "visible": listed.count(),
        "overdue": overdue.count(),
        "measures": Measure.objects.filter(course__in=bench_courses).count(),
        "evidence": Evidence.objects.filter(measure__course__in=bench_courses).count(),
        "surveys": Survey.objects.filter(measure__course__in=bench_courses).count(),
        "responses": SurveyResponse.objects.filter(
            survey__measure__course__in=bench_courses
        ).count(),
        "reports": Report.objects.count(),
    }


def token_issue() -> str:
    """A fresh API token for the bench monitor (inside Django)."""
    from remedia.accounts import services
    from remedia.accounts.models import User

    user = User.objects.get(username=MONITOR)
    _token, raw = services.token_issue(user=user, name="bench remediation")
    return raw


_SHELL = r"""
import json, sys
sys.path.insert(0, {root!r})
from bench.cases import session_open
from bench.remediation import MONITOR, load, token_issue
from django.urls import reverse
out = load(courses={courses})
out["token"] = token_issue()
out["cookies"] = [session_open(username=MONITOR) for _i in range({sessions})]
marker = "00000000-0000-0000-0000-000000000000"
out["page"] = reverse("remediation:detail", kwargs={{"course_id": marker}}).replace(
    marker, "{{id}}"
)
print("BENCH-REMEDIATION " + json.dumps(out))
"""


def fill(
    *, remedia: str, env: dict[str, str], root: str, courses: int
) -> dict[str, Any]:
    """Run `load`, issue the token and open the sessions in the database of `env`."""
    return drive_kit.shell_load(
        remedia=remedia,
        env=env,
        script=_SHELL.format(root=root, courses=courses, sessions=CLIENTS),
        what="courses of remediation",
        marker="BENCH-REMEDIATION",
    )


# --- Driving ------------------------------------------------------------------------------


def drive(
    *,
    port: int,
    clients: int,
    seconds: float,
    path_for: Callable[[int, int], str],
    headers_for: Callable[[int], dict[str, str]],
) -> tuple[list[float], int]:
    """GET `path_for(client, n)` with `headers_for(client)` from `clients`
    threads for `seconds` (a session per client); latencies and the number of
    answers other than 200."""
    headers = [headers_for(index) for index in range(clients)]
    latencies = drive_kit.http_loop(
        port=port,
        clients=clients,
        seconds=seconds,
        request=lambda index, n: ("GET", path_for(index, n), None, headers[index]),
    )
    return latencies.samples, latencies.errors


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _check(
    *,
    port: int,
    api: dict[str, str],
    browser: dict[str, str],
    loaded: dict[str, Any],
) -> list[str]:
    """What the server answers differs from what was loaded: say what, once."""
    problems: list[str] = []
    base = "/api/v1/remediation/plans"
    for query, expected in (
        ("", loaded["visible"]),
        ("&overdue=true", loaded["overdue"]),
    ):
        status, body = _get(port, f"{base}?limit=1{query}", api)
        if status != 200:
            problems.append(f"list{query}: HTTP {status}")
        elif json.loads(body)["count"] != expected:
            problems.append(
                f"list{query}: count {json.loads(body)['count']}, loaded {expected}"
            )
    first = loaded["course_ids"][0]
    status, body = _get(port, f"{base}/{first}", api)
    if status != 200:
        problems.append(f"detail: HTTP {status}")
    elif len(json.loads(body)["measures"]) != len(MEASURES):
        problems.append(f"detail: {len(json.loads(body)['measures'])} measures")
    status, body = _get(port, loaded["page"].format(id=first), browser)
    if status != 200:
        problems.append(f"staff page: HTTP {status}")
    elif b'id="measure-list"' not in body:
        problems.append("staff page: no measure list")
    return problems


def _measure(
    *,
    name: str,
    port: int,
    seconds: float,
    path_for: Callable[[int, int], str],
    headers_for: Callable[[int], dict[str, str]],
) -> Row:
    """Warm up at 4 clients, then GET at 16 for `seconds`: p50 / p95 against
    the limit. `headers_for(client)` lets each client carry its own session."""
    drive(port=port, clients=4, seconds=2, path_for=path_for, headers_for=headers_for)
    latencies, errors = drive(
        port=port,
        clients=CLIENTS,
        seconds=seconds,
        path_for=path_for,
        headers_for=headers_for,
    )
    p50, p95 = drive_kit.percentile(latencies, 50), drive_kit.percentile(latencies, 95)
    return (
        name,
        f"{p50 * 1000:.0f} / {p95 * 1000:.0f} ms",
        "p95 < 100 ms",
        p95 / LIMIT_SECONDS,
        f"{len(latencies)} requests, {errors} errors"
        + ("" if errors == 0 else " (FAILED)"),
    )


def run(
    *,
    remedia: str,
    env: dict[str, str],
    root: str,
    port: int,
    headers: dict[str, str],
    courses: int = COURSES,
    seconds: float = 15,
) -> list[Row]:
    """Load the courses into the bench database of `env` and measure a
    monitor's reads of them against the server listening on `port`.

    `remedia`: path of the `remedia` command; `env`: the server's environment
    (its DATABASE_URL is the database loaded, its secret key and Redis sign
    and keep the sessions); `root`: the project directory; `headers`: what
    every request carries (Host, X-Forwarded-Proto). Returns (measure, value,
    limit, ratio, note) rows, p50 / p95 in the value.
    """
    loaded = fill(remedia=remedia, env=env, root=root, courses=courses)
    scale = f"{loaded['visible']:,} plans, {loaded['reports']:,} reports"
    api = {**headers, "Authorization": f"Bearer {loaded['token']}"}
    browsers = [
        {**headers, "Cookie": f"{cookie['name']}={cookie['value']}"}
        for cookie in loaded["cookies"]
    ]
    problems = _check(port=port, api=api, browser=browsers[0], loaded=loaded)
    rows: list[Row] = [
        (
            f"Remediation: bulk load of {loaded['courses']:,} courses",
            f"{loaded['seconds']:.1f} s",
            "—",
            None,
            f"{loaded['measures']:,} measures, {loaded['evidence']:,} evidence, "
            f"{loaded['surveys']:,} surveys ({loaded['responses']:,} responses); "
            f"{loaded['visible']:,} visible to the monitor, "
            f"{loaded['overdue']:,} overdue"
            + (f"; CHECK FAILED: {'; '.join(problems)}" if problems else ""),
        )
    ]
    ids: list[str] = loaded["course_ids"]
    # One generator per client thread (the warm-up uses the first four).
    rngs = [random.Random(8000 + i) for i in range(CLIENTS)]

    def offset(i: int, count: int) -> int:
        return rngs[i].randrange(max(1, -(-count // 50))) * 50

    def listed(i: int, _n: int) -> str:
        return (
            f"/api/v1/remediation/plans?limit=50&offset={offset(i, loaded['visible'])}"
        )

    def overdue(i: int, _n: int) -> str:
        return (
            "/api/v1/remediation/plans?limit=50&overdue=true"
            f"&offset={offset(i, loaded['overdue'])}"
        )

    def detail(i: int, _n: int) -> str:
        return f"/api/v1/remediation/plans/{rngs[i].choice(ids)}"

    def page(i: int, _n: int) -> str:
        return str(loaded["page"]).format(id=rngs[i].choice(ids))

    for name, path_for, headers_for in (
        ("GET /api/v1/remediation/plans (pages of 50)", listed, lambda _i: api),
        ("GET /api/v1/remediation/plans?overdue=true", overdue, lambda _i: api),
        ("GET /api/v1/remediation/plans/{id}", detail, lambda _i: api),
        (
            "Staff course page /staff/remediation/{id}/",
            page,
            lambda i: browsers[i % len(browsers)],
        ),
    ):
        rows.append(
            _measure(
                name=f"{name}, {CLIENTS} clients, {scale}",
                port=port,
                seconds=seconds,
                path_for=path_for,
                headers_for=headers_for,
            )
        )
    return rows


if __name__ == "__main__":
    from pathlib import Path

    here = Path(__file__).resolve().parent.parent
    bench_env = dict(os.environ)
    # As bench/__main__.py starts the server: same database, Redis and secret key.
    bench_env["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/remedia_bench"
    )
    bench_env["REDIS_URL"] = os.environ.get(
        "BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"
    )
    bench_env.setdefault("REMEDIA_SECRET_KEY", "bench-" + "x" * 60)
    bench_env.setdefault("REMEDIA_ALLOWED_HOSTS", "127.0.0.1,localhost")
    bench_env.setdefault("REMEDIA_DEBUG", "0")
    for row in run(
        remedia=str(here / ".venv" / "bin" / "remedia"),
        env=bench_env,
        root=str(here),
        port=int(os.environ.get("BENCH_PORT", "8790")),
        headers={"X-Forwarded-Proto": "https", "Host": "127.0.0.1"},
        seconds=float(os.environ.get("BENCH_SECONDS", "15")),
    ):
        print(" | ".join("" if v is None else str(v) for v in row))
