"""The import benchmark: a generated list of 100,000 facilities through
`remedia import-facilities` (PRODUCT.md, Performance: under 60 s), on SQLite
and on PostgreSQL, each into an empty registry of its own.

The rows are `bench.facilities.registry(n)`, the same realistic registry the
search benchmark uses, written as the CSV a brand or a labour authority would
send (UTF-8, the columns of PRODUCT.md). `python -m bench.facility_import FILE N`
writes such a file on its own.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

from bench.facilities import registry

COLUMNS = [
    "name",
    "legal_name",
    "address",
    "municipality",
    "state",
    "sector",
    "workers",
    "external_id",
]
_SUMMARY = re.compile(
    r"created (\d+), matched (\d+), updated (\d+), review (\d+), rejected (\d+)"
)


def write_csv(path: Path, n: int, seed: int = 4) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(registry(n, seed))
    return path


def timed_import(
    remedia: Path, path: Path, env: dict[str, str]
) -> tuple[float, dict[str, int]]:
    """Seconds `remedia import-facilities FILE` took, and its summary."""
    started = time.perf_counter()
    out = subprocess.run(
        [str(remedia), "import-facilities", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    found = _SUMMARY.search(out.stdout)
    if out.returncode != 0 or found is None:
        sys.stderr.write(out.stdout[-2000:] + out.stderr[-2000:])
        raise SystemExit("bench: `remedia import-facilities` failed")
    names = ("created", "matched", "updated", "review", "rejected")
    return seconds, dict(zip(names, map(int, found.groups()), strict=True))


if __name__ == "__main__":
    target = Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    write_csv(target, count)
    print(f"{count} rows written to {target}")


def _fresh_postgres(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = f"{parsed.scheme}://{parsed.netloc}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_postgres(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    admin = f"{parsed.scheme}://{parsed.netloc}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)'
        )


def bench_rows(
    *, remedia: Path, env: dict[str, str], db_url: str, n: int
) -> list[tuple[str, str, str, float | None, str]]:
    """The import of `n` generated rows into an empty registry, timed end to
    end (`remedia import-facilities`, process start included) on the embedded
    SQLite default and on PostgreSQL, each on a database of its own; the note
    gives the re-import of the same file, which must change nothing."""
    work = Path(tempfile.mkdtemp(prefix="remedia-bench-import-"))
    path = write_csv(work / "facilities.csv", n)
    label = f"Import of {n:,} facility rows (issue 4)"
    rows = []
    targets = [("SQLite", None), ("PostgreSQL", f"{db_url}_import")]
    try:
        for engine, url in targets:
            run_env = {
                k: v for k, v in env.items() if k not in ("DATABASE_URL", "REDIS_URL")
            }
            run_env["REMEDIA_DATA_DIR"] = str(work / engine.lower())
            if url is not None:
                _fresh_postgres(url)
                run_env["DATABASE_URL"] = url
            subprocess.run(
                [str(remedia), "migrate", "--noinput", "-v0"],
                env=run_env,
                check=True,
                capture_output=True,
            )
            seconds, counts = timed_import(remedia, path, run_env)
            again, recounts = timed_import(remedia, path, run_env)
            rows.append(
                (
                    f"{label}, {engine}",
                    f"{seconds:.1f} s",
                    "< 60 s",
                    seconds / 60,
                    f"created {counts['created']:,}; re-import {again:.1f} s, "
                    f"matched {recounts['matched']:,}, "
                    f"created {recounts['created']}, updated {recounts['updated']}",
                )
            )
            if url is not None:
                _drop_postgres(url)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows
