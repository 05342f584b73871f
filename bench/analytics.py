"""The staff dashboard for `make bench`: 1,000,000 reports, read at 8 clients.

The budget (issue 18): `/staff/cifras/` answers with a p95 under 500 ms at 8
concurrent clients over 1,000,000 reports on PostgreSQL, and the public page
(`/cifras/`, its JSON and CSV) under 200 ms.

`run(...)` is the entry point `bench/__main__.py` calls once the server is up
(after the other read benchmarks, so the bench's 100,000 reports are there):

1. `load` tops the database up to BENCH_ANALYTICS_REPORTS reports (default
   1,000,000) with set-based SQL, never the services: one `INSERT ... SELECT
   FROM generate_series` of reports (metadata only: a channel, one of the 32
   states, a registry facility for half of them, a month in the last two
   years; content and keys are placeholder bytes, nothing ever opens them),
   one of their recipients ("Bench org" for 90 %, a second organisation for
   the rest, so the access filter has rows to leave out) and one of their
   categories (one to three each). PostgreSQL only (`gen_random_uuid`).
2. rebuilds the tallies once (`analytics.services.refresh`) and computes the
   public figures once (`publication_create`, as the monthly job), timing both;
3. opens a staff session per client for the bench handler (second factor
   passed), checks once that the page's total equals a direct count of the
   organisation's reports, then drives, for `seconds`, 8 clients asking for
   the dashboard unfiltered and with filters (a category, a state, a period)
   in turn;
4. drives 8 anonymous clients over the public page, its JSON and its CSV.

Returns (measure, value, limit, ratio, note) rows like the other modules.
"""

from __future__ import annotations

import http.client
import os
import re
from typing import Any

from bench import drive as drive_kit

REPORTS = int(os.environ.get("BENCH_ANALYTICS_REPORTS", "1000000"))
CLIENTS = 8
LIMIT_SECONDS = 0.5
PUBLIC_LIMIT_SECONDS = 0.2
# The public page (no login, read by anyone) and its data.
PUBLIC_PATHS = ("/cifras/", "/cifras/datos.json", "/cifras/datos.csv")
OTHER_ORGANISATION = "Bench org (other)"

Row = tuple[str, str, str, float | None, str]

# The report columns `load` writes, in its SELECT's order: every column the
# database requires (tests/analytics/test_bench_loader.py checks this against
# the model, so a new NOT NULL column breaks the test, not the next bench).
REPORT_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "channel",
    "language",
    "state",
    "facility_id",
    "urgent",
    "status",
    "routed_by_default",
    "public_key",
    "content",
    "receipt_lookup",
    "reporter_wrapped_key",
    "reply_channel",
    "partner_channel",
)

PATHS = (
    "/staff/cifras/",
    "/staff/cifras/?category=threats",
    "/staff/cifras/?state=MX-PUE",
    "/staff/cifras/?since=2026-01-01&until=2026-06-30",
    "/staff/cifras/?category=intimidation&state=MX-AGU",
)


def load(*, reports: int = REPORTS) -> dict[str, Any]:
    """Top the database up to `reports` reports; rebuild the tallies (inside Django)."""
    import time

    from django.db import connection, transaction

    from remedia.accounts import services as accounts
    from remedia.accounts.models import Organisation
    from remedia.accounts.permissions import Sector
    from remedia.analytics import services
    from remedia.core.geo import MX_STATES
    from remedia.facilities.models import Facility
    from remedia.intake.categories import Category
    from remedia.intake.models import Channel, Report

    org = Organisation.objects.get(name="Bench org")
    other = Organisation.objects.filter(name=OTHER_ORGANISATION).first()
    if other is None:
        other = accounts.organisation_create(
            name=OTHER_ORGANISATION, sector=Sector.CIVIL_SOCIETY
        )
    missing = max(0, reports - Report.objects.count())

    states = sorted(MX_STATES)
    channels = list(Channel.values)
    codes = list(Category.values)
    facility_ids = [
        str(pk) for pk in Facility.objects.values_list("pk", flat=True)[:500]
    ] or ["00000000-0000-0000-0000-000000000000"]
    have_facilities = Facility.objects.exists()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_new ON COMMIT DROP AS "  # noqa: S608 (own constants)
            "WITH made AS ("
            f" INSERT INTO intake_report ({', '.join(REPORT_COLUMNS)})"
            " SELECT gen_random_uuid(), now() - random() * interval '730 days',"
            "  now(), (%s::text[])[1 + floor(random() * %s)::int], 'es',"
            "  (%s::text[])[1 + floor(random() * %s)::int],"
            "  CASE WHEN %s AND random() < 0.5 THEN"
            "   (%s::uuid[])[1 + floor(random() * %s)::int] END,"
            "  random() < 0.1, 'received', false, '\\x00'::bytea, '\\x00'::bytea,"
            "  uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()),"
            "  '\\x00'::bytea, '', ''"
            " FROM generate_series(1, %s)"
            " RETURNING id)"
            " SELECT id FROM made",
            [
                channels,
                len(channels),
                states,
                len(states),
                have_facilities,
                facility_ids,
                len(facility_ids),
                missing,
            ],
        )
        cursor.execute(
            "INSERT INTO intake_reportrecipient (report_id, organisation_id, purpose)"
            " SELECT id, CASE WHEN random() < 0.9 THEN %s::uuid ELSE %s::uuid END,"
            " 'default' FROM bench_new",
            [str(org.pk), str(other.pk)],
        )
        for share in (1.0, 0.4, 0.15):  # 1 category each, 40 % two, 15 % three
            cursor.execute(
                "INSERT INTO intake_reportcategory (report_id, code)"
                " SELECT id, (%s::text[])[1 + floor(random() * %s)::int]"
                " FROM bench_new WHERE random() < %s"
                " ON CONFLICT DO NOTHING",
                [codes, len(codes), share],
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    loaded = time.perf_counter() - started
    run = services.refresh()
    assert run.finished_at is not None  # noqa: S101 (a finished run)
    return {
        "added": missing,
        "load_seconds": loaded,
        "reports": Report.objects.count(),
        "mine": Report.objects.filter(recipients__organisation=org).distinct().count(),
        "refresh_seconds": (run.finished_at - run.started_at).total_seconds(),
        "tally_rows": run.rows,
    }


def publish() -> dict[str, Any]:
    """Compute the public figures once over everything loaded, as the monthly
    job does (inside Django); how long it took."""
    import time

    from remedia.analytics.public_figures import publication_create

    started = time.perf_counter()
    publication = publication_create()
    return {
        "publish_seconds": time.perf_counter() - started,
        "through": publication.figures["through"],
    }


_SHELL = r"""
import json, sys
sys.path.insert(0, {root!r})
from bench.analytics import load, publish
from bench.cases import session_open
out = load(reports={reports})
out.update(publish())
out["cookies"] = [session_open(username="bench") for _i in range({sessions})]
print("BENCH-ANALYTICS " + json.dumps(out))
"""


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _check(port: int, headers: dict[str, str], mine: int) -> str:
    """The page's reports by channel add up to the organisation's reports."""
    status, body = _get(port, "/staff/cifras/", headers)
    if status != 200:
        return f"dashboard: HTTP {status}"
    shown = channel_total(body)
    return "" if shown == mine else f"dashboard: {shown} reports shown, {mine} counted"


def channel_total(page: bytes) -> int:
    """The sum of the dashboard's reports-by-channel table (its cells carry a
    data-label; a number may have thousands separators)."""
    section = page.split(b'id="table-reports_channel"', 1)[-1].split(b"</section>")[0]
    cells = re.findall(rb"<td[^>]*>([0-9][0-9,. \xc2\xa0]*)</td>", section)
    return sum(int(re.sub(rb"[^0-9]", b"", cell)) for cell in cells)


def run(
    *,
    remedia: str,
    env: dict[str, str],
    root: str,
    port: int,
    headers: dict[str, str],
    reports: int = REPORTS,
    seconds: float = 15,
) -> list[Row]:
    loaded = drive_kit.shell_load(
        remedia=remedia,
        env=env,
        script=_SHELL.format(root=root, reports=reports, sessions=CLIENTS),
        what="reports for the dashboard",
        marker="BENCH-ANALYTICS",
    )
    browsers = [
        {**headers, "Cookie": f"{cookie['name']}={cookie['value']}"}
        for cookie in loaded["cookies"]
    ]
    problem = _check(port, browsers[0], loaded["mine"])

    def request(index: int, n: int) -> drive_kit.Request:
        return ("GET", PATHS[(index + n) % len(PATHS)], None, browsers[index])

    drive_kit.http_loop(port=port, clients=2, seconds=2, request=request)
    latencies = drive_kit.http_loop(
        port=port, clients=CLIENTS, seconds=seconds, request=request
    )
    p50, p95 = latencies.pct(50), latencies.pct(95)

    def public(index: int, n: int) -> drive_kit.Request:
        return ("GET", PUBLIC_PATHS[(index + n) % len(PUBLIC_PATHS)], None, headers)

    drive_kit.http_loop(port=port, clients=2, seconds=2, request=public)
    anonymous = drive_kit.http_loop(
        port=port, clients=CLIENTS, seconds=seconds, request=public
    )
    public_p50, public_p95 = anonymous.pct(50), anonymous.pct(95)
    return [
        (
            f"Dashboard: SQL load of {loaded['added']:,} reports",
            f"{loaded['load_seconds']:.1f} s",
            "—",
            None,
            f"{loaded['reports']:,} reports in all",
        ),
        (
            "Dashboard: tallies rebuilt (analytics-refresh)",
            f"{loaded['refresh_seconds']:.1f} s",
            "—",
            None,
            f"{loaded['tally_rows']:,} rows",
        ),
        (
            f"Dashboard /staff/cifras/ p50 / p95, {CLIENTS} clients, "
            f"{loaded['reports']:,} reports",
            f"{p50 * 1000:.0f} / {p95 * 1000:.0f} ms",
            "p95 < 500 ms",
            p95 / LIMIT_SECONDS,
            f"{len(latencies.samples)} requests, {latencies.errors} errors"
            + (f"; {problem}" if problem else ""),
        ),
        (
            "Public figures computed (publication, suppression)",
            f"{loaded['publish_seconds']:.1f} s",
            "—",
            None,
            f"through {loaded['through']}",
        ),
        (
            f"Public /cifras/ (+ JSON, CSV) p50 / p95, {CLIENTS} clients",
            f"{public_p50 * 1000:.0f} / {public_p95 * 1000:.0f} ms",
            "p95 < 200 ms",
            public_p95 / PUBLIC_LIMIT_SECONDS,
            f"{len(anonymous.samples)} requests, {anonymous.errors} errors",
        ),
    ]
