"""Instructions of one request, counted by callgrind (issue 21).

Timings on a shared two-core machine move by half from one minute to the next,
and cProfile's call counts leave out whatever runs in C (a regular expression,
a dict lookup). valgrind's callgrind counts the instructions the Python
process executes while it serves a request: the same number from run to run,
whatever else the machine is doing, so a change of a few per cent shows.

It runs on the data a reads bench kept (`BENCH_KEEP=1`, whose directory holds
every read's plan and the environment):

    .venv/bin/python -m bench.instructions DIR [PART ...]

PART limits the reads to those whose name contains it. Each read is requested
twice to warm up, then `BENCH_INSTRUCTION_REQUESTS` (5) times, each counted
on its own; the table gives the median and the fewest instructions of one
request (the median leaves out a request that also did a once-a-minute chore,
such as pushing on the session's idle end). The PostgreSQL and Redis
servers' own work is not counted (they are other processes), nor is anything
before or after the requests. To compare trees, run it once with each on
`PYTHONPATH` (the worktree's, then this one's). `BENCH_INSTRUCTION_KEEP=DIR`
keeps the profiles (`cg.out.N`, one per request, in order) for
`callgrind_annotate`. Needs Debian's `valgrind`.
A request runs about fifty times slower under valgrind: a minute or two per
read, most of it Django starting.
"""

from __future__ import annotations

import json
import operator
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REQUESTS = int(os.environ.get("BENCH_INSTRUCTION_REQUESTS", "5"))
# The counted region: valgrind collects inside this C function only, and
# writes one profile each time it returns. Django never calls it.
_BRACKET = "_operator_call"
_SUMMARY = re.compile(rb"^(?:summary|totals): (\d+)", re.MULTILINE)


def _serve(plan: list[tuple[str, list[str], dict[str, str]]]) -> None:
    """Inside valgrind: warm each read, then make its counted requests."""
    import django

    django.setup()
    from bench.profile_pages import _client, keep_sessions_alive

    keep_sessions_alive(plan)
    for name, paths, headers in plan:
        client, extra = _client(headers)
        for path in paths[:2]:
            client.get(path, headers=extra)

        def request(client: Any = client, path: str = "", extra: Any = extra) -> int:
            return int(client.get(path, headers=extra).status_code)

        # One counted region, so one profile, per request.
        codes = [
            operator.call(request, path=paths[i % len(paths)]) for i in range(REQUESTS)
        ]
        print(json.dumps({"name": name, "codes": codes}), flush=True)


def _count(directory: Path, parts: list[str]) -> list[dict[str, Any]]:
    plan = json.loads((directory / "all-reads-plan.json").read_text())
    plan = [row for row in plan if not parts or any(p in row[0] for p in parts)]
    env = {
        **os.environ,
        **json.loads((directory / "env.json").read_text()),
        "DJANGO_SETTINGS_MODULE": "remedia.config.settings",
        "REMEDIA_LOG_LEVEL": "WARNING",
    }
    keep = os.environ.get("BENCH_INSTRUCTION_KEEP", "")
    with tempfile.TemporaryDirectory(prefix="remedia-instructions-") as temporary:
        work = keep or temporary
        Path(work).mkdir(parents=True, exist_ok=True)
        plan_file = Path(work) / "plan.json"
        plan_file.write_text(json.dumps(plan))
        out = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--collect-atstart=no",
                f"--toggle-collect={_BRACKET}",
                f"--dump-after={_BRACKET}",
                f"--callgrind-out-file={work}/cg.out",
                sys.executable,
                "-m",
                "bench.instructions",
                "--serve",
                str(plan_file),
            ],
            env=env,
            capture_output=True,
            check=True,
        )
        served = [
            json.loads(line)
            for line in out.stdout.splitlines()
            if line.startswith(b"{")
        ]
        dumps = sorted(
            Path(work).glob("cg.out.*"), key=lambda p: int(p.name.rsplit(".", 1)[1])
        )
        if len(dumps) != REQUESTS * len(served):
            raise SystemExit(
                f"{len(dumps)} profiles for {len(served)} reads of {REQUESTS} "
                "requests:\n" + out.stderr.decode(errors="replace")[-2000:]
            )
        counts = []
        for dump in dumps:
            match = _SUMMARY.search(dump.read_bytes())
            assert match, dump
            counts.append(int(match.group(1)))
        rows = []
        for index, read in enumerate(served):
            mine = counts[index * REQUESTS : (index + 1) * REQUESTS]
            rows.append(
                {
                    "name": read["name"],
                    "codes": read["codes"],
                    "median": int(statistics.median(mine)),
                    "fewest": min(mine),
                }
            )
        return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        f"{'read (in-process, under callgrind)':<58} {'median':>13} {'fewest':>13}"
        "   (instructions of one request)"
    ]
    for row in rows:
        codes = set(row["codes"])
        note = "" if codes == {200} else f"   answered {sorted(codes)}"
        lines.append(
            f"{row['name']:<58} {row['median']:>13,} {row['fewest']:>13,}{note}"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--serve"]:
        _serve(json.loads(Path(argv[1]).read_text()))
        return
    if not argv:
        raise SystemExit(__doc__)
    rows = _count(Path(argv[0]), argv[1:])
    print(table(rows))
    print("BENCH-INSTRUCTIONS " + json.dumps(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
