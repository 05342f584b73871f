"""The test suite's own settings, applied once per process (each xdist worker too).

Argon2id at production cost is most of a fixture's time (~0.5 s per user at
64 MiB), so the suite lowers every cost to the minimum the libraries accept.
This is the only place that lowers them: settings.py has no test branch for
them, and tests/core/test_costs.py checks what production keeps.
"""

from __future__ import annotations

from typing import Any

from nacl.pwhash import argon2id

# argon2-cffi's smallest: memory_cost (KiB) at least 8 × parallelism.
CHEAP_PASSWORD_HASH_COST = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
# libsodium's smallest: opslimit 1, memlimit 8 KiB.
CHEAP_ARGON2ID_COST = {
    purpose: {"opslimit": argon2id.OPSLIMIT_MIN, "memlimit": argon2id.MEMLIMIT_MIN}
    for purpose in ("password", "receipt")
}


def pytest_configure(config: Any) -> None:
    from django.conf import settings

    settings.REMEDIA_PASSWORD_HASH_COST = CHEAP_PASSWORD_HASH_COST
    settings.REMEDIA_ARGON2ID_COST = CHEAP_ARGON2ID_COST


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Tests marked `postgresql` run only when the suite runs on PostgreSQL.

    They test what only a server database can show (two connections racing for
    row locks); on SQLite they are deselected, so a run never reports a skip
    for them, and .ci/run's PostgreSQL leg runs them.
    """
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    kept = [i for i in items if i.get_closest_marker("postgresql") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(
            items=[i for i in items if i.get_closest_marker("postgresql")]
        )
        items[:] = kept
