"""What every benchmark shares: percentiles, the client loops, the loaders.

`make bench` drives a real server from client threads on loopback; each part
(bench/cases.py, channels.py, facilities.py, remediation.py and __main__'s
intake rows) says what to ask and what counts as a good answer, and this
module runs the clients, times each request and fills the database through
`remedia shell` in the bench's own environment (production's settings and
costs, never the test suite's).
"""

from __future__ import annotations

import http.client
import json
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# method, path, body, headers
Request = tuple[str, str, bytes | None, dict[str, str]]


def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile by nearest rank (NaN when there is no sample)."""
    data = sorted(samples)
    if not data:
        return float("nan")
    k = min(len(data) - 1, max(0, round(p / 100 * len(data)) - 1))
    return data[k]


@dataclass
class Latencies:
    """Seconds per request, and how many answers were not the expected one."""

    samples: list[float] = field(default_factory=list)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, ok: bool) -> None:
        with self.lock:
            self.samples.append(seconds)
            if not ok:
                self.errors += 1

    def pct(self, p: float) -> float:
        return percentile(self.samples, p)


def run_clients(clients: int, client: Callable[[int], None]) -> float:
    """Run `client(index)` in `clients` threads at once; the seconds they took."""
    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - started


def http_loop(
    *,
    port: int,
    clients: int,
    seconds: float | None,
    request: Callable[[int, int], Request | None],
    judge: Callable[[Request, int, bytes], bool] = lambda _asked, status, _body: (
        status == 200
    ),
    timeout: float = 30,
) -> Latencies:
    """Send `request(client, n)` from `clients` keep-alive connections.

    Each client asks again and again for `seconds`, or, with `seconds` None,
    until `request` gives None. A request counts as good when `judge(request,
    status, body)` says so (by default: a 200); a broken connection counts as
    bad and is opened again.
    """
    latencies = Latencies()
    stop_at = time.monotonic() + seconds if seconds is not None else None

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        n = 0
        while stop_at is None or time.monotonic() < stop_at:
            asked = request(index, n)
            if asked is None:
                break
            method, path, body, headers = asked
            n += 1
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                ok = judge(asked, response.status, response.read())
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            latencies.add(time.perf_counter() - started, ok)
        conn.close()

    run_clients(clients, client)
    return latencies


def shell_load(
    *, remedia: str, env: dict[str, str], script: str, what: str, marker: str = ""
) -> dict[str, Any]:
    """Run `script` in `remedia shell` against the database of `env`.

    With `marker`, the script prints one line `MARKER {json}`: that object is
    returned, with the seconds the load took. A failure stops the bench,
    naming `what` it was loading.
    """
    started = time.perf_counter()
    out = subprocess.run(
        [remedia, "shell", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"bench: loading {what} failed\n" + out.stderr[-3000:])
    loaded: dict[str, Any] = {}
    if marker:
        line = next(
            line for line in out.stdout.splitlines() if line.startswith(marker + " ")
        )
        loaded = json.loads(line.removeprefix(marker + " "))
    loaded["seconds"] = time.perf_counter() - started
    return loaded
