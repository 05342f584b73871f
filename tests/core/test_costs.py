"""Production keeps the documented Argon2 costs; only the test suite lowers them.

docs/security.md: staff passwords hashed with Argon2 (Django's defaults:
t=2, m=100 MiB, p=8); private keys wrapped under Argon2id(password; 64 MiB,
t=3); receipts through Argon2id no weaker than PRODUCT.md's floor (m=19 MiB,
t=2, p=1). Each check runs in a fresh Python under production's environment,
as the settings are read once per process.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from remedia.core import crypto

PROJECT_DIR = Path(__file__).resolve().parents[2]

_PRINT_COSTS = """
import json
import django
django.setup()
from django.contrib.auth.hashers import make_password
from django.conf import settings
from remedia.core import crypto
print(json.dumps({
    "hashers": settings.PASSWORD_HASHERS,
    "password_hash": make_password("correct horse battery staple 42"),
    "password_key": dict(zip(("opslimit", "memlimit"), crypto.argon2id_cost("password"))),
    "receipt": dict(zip(("opslimit", "memlimit"), crypto.argon2id_cost("receipt"))),
}))
"""

MIB = 1024 * 1024


def _costs_in(env_variables: dict[str, str], data_dir: Path) -> dict[str, object]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("REMEDIA_", "DJANGO_", "PYTEST"))
        and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="remedia.config.settings",
        REMEDIA_DATA_DIR=str(data_dir),
        **env_variables,
    )
    result = subprocess.run(
        [sys.executable, "-c", _PRINT_COSTS],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


PRODUCTION = {
    "REMEDIA_DEBUG": "0",
    "REMEDIA_SECRET_KEY": secrets.token_urlsafe(48),
    "REMEDIA_ALLOWED_HOSTS": "remedia.example.org",
}


@pytest.mark.parametrize(
    "environment",
    [
        pytest.param(PRODUCTION, id="production"),
        pytest.param({"REMEDIA_DEBUG": "1"}, id="make-run"),
    ],
)
def test_outside_the_suite_argon2_keeps_the_documented_costs(environment, tmp_path):
    # Given production's environment, or a developer's `make run`
    # When a process outside pytest hashes a password and derives a receipt
    values = _costs_in(environment, tmp_path)

    # Then passwords are Argon2id at Django's costs (t=2, 100 MiB, p=8)
    assert values["hashers"] == ["remedia.accounts.hashers.Argon2idPasswordHasher"]
    assert values["password_hash"].startswith("argon2$argon2id$v=19$m=102400,t=2,p=8$")
    # And the key wrapping a private key costs 64 MiB, t=3
    assert values["password_key"] == {"opslimit": 3, "memlimit": 64 * MIB}
    # And the receipt is no weaker than the product's floor (m=19 MiB, t=2)
    assert values["receipt"]["memlimit"] >= 19 * MIB
    assert values["receipt"]["opslimit"] >= 2


def test_the_suite_runs_at_the_cheapest_cost():
    # The plugin lowered the costs in this process, and only the costs
    assert settings.REMEDIA_ARGON2ID_COST["password"]["memlimit"] < MIB
    assert settings.REMEDIA_ARGON2ID_COST["receipt"]["memlimit"] < MIB
    assert settings.REMEDIA_PASSWORD_HASH_COST["memory_cost"] < 1024
    assert crypto.argon2id_cost("receipt")[0] == 1
