"""A private Redis server for the outage tests: killed and started at will."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import redis

REDIS_SERVER = "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PrivateRedis:
    port: int
    binary: str = REDIS_SERVER
    process: subprocess.Popen[bytes] | None = field(default=None)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no",
            ],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        """The outage: the server is killed, as a crash would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=20)
            self.process = None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    found = (
        REDIS_SERVER if os.path.exists(REDIS_SERVER) else shutil.which("redis-server")
    )
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is required under CI (the Redis outage test)")
        pytest.skip("no redis-server on this machine: the Redis outage is not tested")
    server = PrivateRedis(port=_free_port(), binary=found)
    server.start()
    try:
        yield server
    finally:
        server.stop()
