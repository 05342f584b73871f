"""Cases for `make bench`: 20,000 cases over 100,000 reports, and staff reads of them.

Issue 5's budget: staff pages and API reads answer with a p95 under 100 ms at
16 concurrent clients with 100,000 reports and 20,000 cases in the database.

`run(...)` is the entry point `bench/__main__.py` calls once the server is up
and the bench organisation, its handler and token exist (its SETUP), usually
after FILL has put the reports in. It

1. loads the cases straight into the database (`load`, inside `remedia shell`):
   bulk inserts, not the services, so 20,000 cases take seconds. Every row is
   what the services would have written (numbers, clocks and `next_due_at`,
   categories, links, key grants, timeline events, some notes and tasks), so
   the reads do the work they do in production. All bench cases share one
   keypair (sealing one per case would only slow the load); missing reports
   are made the same way. Loading is idempotent: a database that holds the
   cases already is left as it is.
2. opens a staff session for the bench handler (second factor passed), as the
   login form would, for the HTML page;
3. drives, for `seconds` each at 16 clients: `GET /api/v1/cases` paging
   through the whole list, the same list with filters (active and overdue,
   mine, a category, a facility, urgent, a number), `GET /api/v1/cases/{id}`
   (notes decrypted, the read audited), `GET /api/v1/triage`, and the staff
   case list page.

It returns (measure, value, limit, ratio, note) rows like the other bench
modules. On its own, against a server already running on a bench database:
`python -m bench.cases` (BENCH_PORT, BENCH_DATABASE_URL, BENCH_TOKEN).
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from typing import Any

from bench import drive as drive_kit

CASES = int(os.environ.get("BENCH_CASES", "20000"))
REPORTS = int(os.environ.get("BENCH_REPORTS", "100000"))
CLIENTS = 16
LIMIT_SECONDS = 0.1
REPORTS_PER_CASE = 4
BATCH = 2000
NUMBER_PREFIX = "B"

Row = tuple[str, str, str, float | None, str]


# --- Loading (runs inside Django, through `remedia shell`) ----------------------------


def _reports_fill(*, organisation: Any, user: Any, missing: int, seed: int) -> None:
    """Reports routed to the organisation, as bench/__main__.py's FILL makes them."""
    from django.db import transaction

    from remedia.core import crypto
    from remedia.intake.categories import Category
    from remedia.intake.models import (
        Report,
        ReportCategory,
        ReportKeyGrant,
        ReportRecipient,
    )

    rng = random.Random(seed)
    codes = [c.value for c in Category]
    states = ["MX-AGU", "MX-PUE", "MX-CMX", "MX-JAL", "MX-GUA", "MX-TLA"]
    pair = crypto.keypair_new()
    user_public = bytes(user.key.public_key)
    content = crypto.seal(
        b'{"narrative": "bench", "facility_name": ""}', public_key=pair.public
    )
    sealed = crypto.seal(pair.private, public_key=user_public)
    made = 0
    while made < missing:
        batch = min(BATCH, missing - made)
        reports, categories, recipients, grants = [], [], [], []
        for _i in range(batch):
            report = Report(
                channel=rng.choice(["web", "sms", "voice", "email"]),
                state=rng.choice(states),
                urgent=rng.random() < 0.1,
                public_key=pair.public,
                content=content,
                receipt_lookup=os.urandom(32),
                reporter_wrapped_key=os.urandom(72),
            )
            reports.append(report)
            categories.append(ReportCategory(report=report, code=rng.choice(codes)))
            recipients.append(
                ReportRecipient(
                    report=report, organisation=organisation, purpose="labour_rights"
                )
            )
            grants.append(
                ReportKeyGrant(
                    report=report,
                    user=user,
                    recipient_public_key=user_public,
                    sealed_key=sealed,
                )
            )
        with transaction.atomic():
            Report.objects.bulk_create(reports)
            ReportCategory.objects.bulk_create(categories)
            ReportRecipient.objects.bulk_create(recipients)
            ReportKeyGrant.objects.bulk_create(grants)
        made += batch


def _facility_ids(rng: random.Random, wanted: int = 400) -> list[Any]:
    """Registry facilities to point cases at (the facility bench may have loaded
    100,000); a few of our own when the registry is empty."""
    from remedia.facilities.models import Facility

    ids = list(Facility.objects.order_by("id").values_list("id", flat=True)[:wanted])
    if ids:
        return ids
    made = [
        Facility(
            name=f"Confecciones Bench {i}",
            state=rng.choice(["MX-AGU", "MX-PUE", "MX-GUA"]),
            name_key=f"confecciones bench {i}",
            external_id=f"BENCH-CASES-{i:04d}",
        )
        for i in range(wanted)
    ]
    Facility.objects.bulk_create(made)
    return [f.pk for f in made]


def load(
    *,
    cases: int = CASES,
    reports: int = REPORTS,
    username: str = "bench",
    seed: int = 5,
) -> dict[str, Any]:
    """Put `cases` cases over `reports` reports of the user's organisation into
    the configured database; returns what the drivers need (ids to read, a
    facility and a number to filter by)."""
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    from remedia.accounts import keys
    from remedia.accounts.models import User
    from remedia.accounts.permissions import Capability, roles_with
    from remedia.cases import services
    from remedia.cases.models import (
        ACTIVE_STATUSES,
        Case,
        CaseCategory,
        CaseEvent,
        CaseKeyGrant,
        CaseNote,
        CaseReport,
        CaseStatus,
        CaseTask,
        ClosureReason,
        EventKind,
        Severity,
    )
    from remedia.cases.sla import DEFAULT_TARGETS
    from remedia.core import crypto
    from remedia.core.grants import grant_plan
    from remedia.intake.categories import Category
    from remedia.intake.models import Report, ReportStatus

    rng = random.Random(seed)
    user = User.objects.get(username=username)
    organisation = user.memberships.get().organisation
    org_reports = Report.objects.filter(recipients__organisation=organisation)
    have_reports = org_reports.count()
    if have_reports < reports:
        _reports_fill(
            organisation=organisation,
            user=user,
            missing=reports - have_reports,
            seed=seed,
        )
    bench_cases = Case.objects.filter(
        organisation=organisation, number__startswith=NUMBER_PREFIX
    )
    have_cases = bench_cases.count()
    if have_cases < cases:
        facilities = _facility_ids(rng)
        linked = CaseReport.objects.filter(organisation=organisation).values("report")
        free = list(
            org_reports.exclude(pk__in=linked)
            .order_by("created_at", "id")
            .values_list("id", "created_at", "urgent")
        )
        pair = crypto.keypair_new()
        plan = grant_plan(
            private=pair.private,
            existing=[],
            user_keys=keys.member_public_keys(
                organisation_ids={organisation.pk},
                roles=roles_with(Capability.CASE_READ),
            ),
            escrow_keys=keys.escrow_public_keys(organisation_ids={organisation.pk}),
        )
        note = crypto.seal(
            json.dumps({"body": "Nota de prueba del benchmark."}).encode(),
            public_key=pair.public,
        )
        statuses = [
            (CaseStatus.OPEN, 25),
            (CaseStatus.INVESTIGATING, 25),
            (CaseStatus.AWAITING_RESPONSE, 8),
            (CaseStatus.REFERRED, 4),
            (CaseStatus.ESCALATED, 3),
            (CaseStatus.RESOLVED, 10),
            (CaseStatus.CLOSED, 25),
        ]
        codes = [c.value for c in Category]
        now = timezone.now()
        year = timezone.localdate().year
        cursor = 0
        for start in range(have_cases, cases, BATCH):
            rows: list[Any] = []
            categories, links, grants, events, notes, tasks = [], [], [], [], [], []
            for i in range(start, min(cases, start + BATCH)):
                taken = free[cursor : cursor + REPORTS_PER_CASE]
                cursor += REPORTS_PER_CASE
                urgent = any(u for _id, _at, u in taken) or rng.random() < 0.05
                status = rng.choices(
                    [s for s, _w in statuses], [w for _s, w in statuses]
                )[0]
                received = now - timedelta(
                    days=rng.uniform(0, 240), seconds=rng.randint(0, 86400)
                )
                targets = DEFAULT_TARGETS[urgent]
                case = Case(
                    number=f"{NUMBER_PREFIX}{year}-{i:06d}",
                    organisation=organisation,
                    status=status,
                    closure_reason=ClosureReason.REMEDIED
                    if status == CaseStatus.CLOSED
                    else "",
                    severity=rng.choice(Severity.values),
                    urgent=urgent,
                    facility_id=rng.choice(facilities) if rng.random() < 0.8 else None,
                    assignee=user if rng.random() < 0.3 else None,
                    opened_by=user,
                    public_key=pair.public,
                    received_at=received,
                    acknowledge_due_at=received + targets.acknowledge,
                    first_response_due_at=received + targets.first_response,
                    resolution_due_at=received + targets.resolution,
                )
                if rng.random() < 0.9 or status not in ACTIVE_STATUSES:
                    case.acknowledged_at = received + timedelta(
                        hours=rng.uniform(1, 100)
                    )
                if rng.random() < 0.5 or status not in ACTIVE_STATUSES:
                    case.first_response_at = received + timedelta(
                        days=rng.uniform(1, 30)
                    )
                if status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
                    case.resolved_at = received + timedelta(days=rng.uniform(5, 200))
                    case.resolution_seconds = int(
                        (case.resolved_at - received).total_seconds()
                    )
                if status == CaseStatus.CLOSED:
                    case.closed_at = case.resolved_at
                if status == CaseStatus.AWAITING_RESPONSE:
                    case.paused_since = now - timedelta(days=rng.uniform(0, 10))
                case.next_due_at = services.next_due_of(case)
                rows.append(case)
                for code in rng.sample(codes, rng.choice([1, 1, 2])):
                    categories.append(CaseCategory(case=case, code=code))
                events.append(
                    CaseEvent(
                        case=case,
                        kind=EventKind.OPENED,
                        actor=user,
                        at=received,
                        data={"reports": len(taken), "urgent": urgent},
                    )
                )
                for report_id, _at, _urgent in taken:
                    links.append(
                        CaseReport(
                            case=case,
                            report_id=report_id,
                            organisation=organisation,
                            added_by=user,
                        )
                    )
                    events.append(
                        CaseEvent(
                            case=case,
                            kind=EventKind.REPORT_ADDED,
                            actor=user,
                            at=received,
                            data={"report": str(report_id), "channel": "web"},
                        )
                    )
                if status != CaseStatus.OPEN:
                    events.append(
                        CaseEvent(
                            case=case,
                            kind=EventKind.STATUS_CHANGED,
                            actor=user,
                            at=received + timedelta(days=1),
                            data={"from": "open", "to": status, "reason": None},
                        )
                    )
                for user_id, public, sealed in plan.users:
                    grants.append(
                        CaseKeyGrant(
                            case=case,
                            user_id=user_id,
                            recipient_public_key=public,
                            sealed_key=sealed,
                        )
                    )
                for org_id, public, sealed in plan.organisations:
                    grants.append(
                        CaseKeyGrant(
                            case=case,
                            organisation_id=org_id,
                            recipient_public_key=public,
                            sealed_key=sealed,
                        )
                    )
                for _n in range(rng.choice([0, 1, 2])):
                    notes.append(CaseNote(case=case, author=user, content=note))
                if rng.random() < 0.4:
                    tasks.append(
                        CaseTask(
                            case=case,
                            title="Pedir la nómina de la línea 3",
                            owner=user,
                            due_on=timezone.localdate()
                            + timedelta(days=rng.randint(-10, 30)),
                            created_by=user,
                        )
                    )
            with transaction.atomic():
                Case.objects.bulk_create(rows)
                CaseCategory.objects.bulk_create(categories)
                CaseReport.objects.bulk_create(links)
                CaseKeyGrant.objects.bulk_create(grants)
                CaseEvent.objects.bulk_create(events)
                CaseNote.objects.bulk_create(notes)
                CaseTask.objects.bulk_create(tasks)
        # Reports in a case are in review, as the services leave them.
        Report.objects.filter(
            pk__in=CaseReport.objects.filter(organisation=organisation).values(
                "report"
            ),
            status=ReportStatus.RECEIVED,
        ).update(status=ReportStatus.IN_REVIEW)
        with connection.cursor() as cursor_:
            cursor_.execute("ANALYZE")
    sample = list(
        bench_cases.order_by("?").values_list("id", "number", "facility_id")[:500]
    )
    return {
        "case_ids": [str(case_id) for case_id, _n, _f in sample],
        "numbers": [number[:-2] for _c, number, _f in sample[:50]],
        "facility_ids": [str(f) for _c, _n, f in sample if f][:50],
        "cases": bench_cases.count(),
        "reports": org_reports.count(),
    }


def session_open(*, username: str = "bench") -> dict[str, str]:
    """A logged-in staff session with the second factor passed, as the login form
    leaves one; returns the cookie to send (inside Django)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import login
    from django.test import RequestFactory
    from django.utils import timezone
    from django_otp import login as otp_login
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from remedia.accounts.models import User

    user = User.objects.get(username=username)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    request = RequestFactory().get("/", secure=True)
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.user = user
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    otp_login(request, device)
    request.session["remedia_login_at"] = int(timezone.now().timestamp())
    request.session.save()
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": str(request.session.session_key),
    }


_SHELL = r"""
import json, sys
sys.path.insert(0, {root!r})
from bench.cases import load, session_open
from django.urls import reverse
out = load(cases={cases}, reports={reports})
out["cookie"] = session_open()
try:
    out["page"] = reverse("cases:list")
except Exception:
    out["page"] = None
print("BENCH-CASES " + json.dumps(out))
"""


def fill(
    *, remedia: str, env: dict[str, str], root: str, cases: int, reports: int
) -> dict[str, Any]:
    """Run `load` and `session_open` in the database of `env`."""
    return drive_kit.shell_load(
        remedia=remedia,
        env=env,
        script=_SHELL.format(root=root, cases=cases, reports=reports),
        what="cases",
        marker="BENCH-CASES",
    )


# --- Driving ------------------------------------------------------------------------------


def drive(
    *,
    port: int,
    clients: int,
    seconds: float,
    path_for: Callable[[int, int], str],
    headers: dict[str, str],
) -> tuple[list[float], int]:
    """GET `path_for(client, n)` from `clients` threads for `seconds`; latencies
    and the number of answers other than 200."""
    latencies = drive_kit.http_loop(
        port=port,
        clients=clients,
        seconds=seconds,
        request=lambda index, n: ("GET", path_for(index, n), None, headers),
    )
    return latencies.samples, latencies.errors


def _measure(
    *,
    name: str,
    port: int,
    seconds: float,
    path_for: Callable[[int, int], str],
    headers: dict[str, str],
) -> Row:
    drive(port=port, clients=4, seconds=2, path_for=path_for, headers=headers)
    latencies, errors = drive(
        port=port, clients=CLIENTS, seconds=seconds, path_for=path_for, headers=headers
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
    token: str,
    cases: int = CASES,
    reports: int = REPORTS,
    seconds: float = 15,
) -> list[Row]:
    """Load the cases into the bench database of `env` and measure the staff
    reads of them against the server listening on `port`.

    `remedia`: path of the `remedia` command; `env`: the server's environment
    (its DATABASE_URL is the database loaded); `root`: the project directory;
    `headers`: what every request carries (Host, X-Forwarded-Proto); `token`:
    the bench handler's API token (bench/__main__.py's SETUP issues it, with the
    handler's key, so case notes are decrypted as in real use). Returns
    (measure, value, limit, ratio, note) rows, p50 / p95 in the value.
    """
    loaded = fill(remedia=remedia, env=env, root=root, cases=cases, reports=reports)
    scale = f"{loaded['cases']:,} cases, {loaded['reports']:,} reports"
    rows: list[Row] = [
        (
            f"Cases: bulk load of {scale}",
            f"{loaded['seconds']:.1f} s",
            "—",
            None,
            "bulk inserts (bench set-up, not a budget)",
        )
    ]
    api = {**headers, "Authorization": f"Bearer {token}"}
    ids: list[str] = loaded["case_ids"]
    facility_ids: list[str] = loaded["facility_ids"] or [""]
    numbers: list[str] = loaded["numbers"] or [""]
    pages = max(1, min(loaded["cases"], 5000) // 50)

    def listed(i: int, n: int) -> str:
        return f"/api/v1/cases?limit=50&offset={((i * 7 + n) % pages) * 50}"

    filters = [
        lambda k: "status=active&overdue=true",
        lambda k: "assignee=me&status=active",
        lambda k: "category=wages",
        lambda k: f"facility_id={facility_ids[k % len(facility_ids)]}",
        lambda k: "urgent=true&status=active",
        lambda k: f"number={numbers[k % len(numbers)]}",
        lambda k: "status=closed&offset=100",
    ]

    def filtered(i: int, n: int) -> str:
        k = i * 31 + n
        return f"/api/v1/cases?limit=50&{filters[k % len(filters)](k)}"

    def detail(i: int, n: int) -> str:
        return f"/api/v1/cases/{ids[(i * 37 + n) % len(ids)]}"

    def triage(i: int, n: int) -> str:
        return f"/api/v1/triage?limit=50&offset={((i + n) % 20) * 50}"

    for name, path_for, hdrs in (
        ("GET /api/v1/cases (pages of 50)", listed, api),
        ("GET /api/v1/cases with filters", filtered, api),
        ("GET /api/v1/cases/{id} (notes decrypted, audited)", detail, api),
        ("GET /api/v1/triage (pages of 50)", triage, api),
    ):
        rows.append(
            _measure(
                name=f"{name}, {CLIENTS} clients, {scale}",
                port=port,
                seconds=seconds,
                path_for=path_for,
                headers=hdrs,
            )
        )
    page: str | None = loaded.get("page")
    cookie = loaded["cookie"]
    if page:
        browser = {**headers, "Cookie": f"{cookie['name']}={cookie['value']}"}

        def html(i: int, n: int) -> str:
            return page if (i + n) % 2 else f"{page}?status=active"

        rows.append(
            _measure(
                name=f"Staff case list page, {CLIENTS} clients, {scale}",
                port=port,
                seconds=seconds,
                path_for=html,
                headers=browser,
            )
        )
    else:
        rows.append(
            ("Staff case list page", "not measured", "p95 < 100 ms", None, "no page")
        )
    return rows


if __name__ == "__main__":
    from pathlib import Path

    here = Path(__file__).resolve().parent.parent
    bench_env = dict(os.environ)
    bench_env.setdefault(
        "DATABASE_URL",
        os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/remedia_bench"
        ),
    )
    for row in run(
        remedia=str(here / ".venv" / "bin" / "remedia"),
        env=bench_env,
        root=str(here),
        port=int(os.environ.get("BENCH_PORT", "8790")),
        headers={"X-Forwarded-Proto": "https", "Host": "127.0.0.1"},
        token=os.environ["BENCH_TOKEN"],
        seconds=float(os.environ.get("BENCH_SECONDS", "15")),
    ):
        print(" | ".join("" if v is None else str(v) for v in row))
