"""The `remedia` command in a process of its own, on a data directory of its own.

`remedia_cli` runs the command as a developer's `make run` would (REMEDIA_DEBUG=1,
production's costs: it is not this process); `cli_environment` and `REMEDIA`
serve tests that start it themselves.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
REMEDIA = Path(sys.executable).parent / "remedia"
_ENVIRONMENT_NAMES = ("REMEDIA_", "DJANGO_", "PYTEST", "DATABASE_URL", "REDIS_URL")


def cli_environment(data_dir: Path, **variables: str) -> dict[str, str]:
    """A developer's environment (`make run`) on its own data directory."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_ENVIRONMENT_NAMES)
    }
    env.update(REMEDIA_DEBUG="1", REMEDIA_DATA_DIR=str(data_dir), **variables)
    return env


@pytest.fixture(scope="session")
def _migrated_data_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("remedia-cli")
    subprocess.run(
        [str(REMEDIA), "migrate", "--noinput"],
        env=cli_environment(data_dir),
        cwd=PROJECT_DIR,
        capture_output=True,
        check=True,
        timeout=300,
    )
    return data_dir


@pytest.fixture
def cli_data_dir(_migrated_data_dir, tmp_path) -> Path:
    """A data directory of its own (SQLite database, secret key), migrated."""
    # Beside, not inside, the in-process data directory (tmp_path / "var").
    data_dir = tmp_path / "cli-var"
    shutil.copytree(_migrated_data_dir, data_dir)
    return data_dir


@pytest.fixture
def remedia_cli(cli_data_dir) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `remedia ARGS...` against `cli_data_dir`; returns the finished process."""

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(REMEDIA), *args],
            env=cli_environment(cli_data_dir),
            cwd=PROJECT_DIR,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )

    return run
