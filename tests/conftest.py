from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models.signals import post_migrate

from tests.factories import PASSWORD, OrganisationFactory, member, totp_device


@pytest.fixture(autouse=True)
def _clear_cache(db: None) -> None:
    # Throttle counters live in the shared cache; each test starts with none.
    cache.clear()


@pytest.fixture
def org_a():
    return OrganisationFactory(name="Centro Laboral Aguascalientes")


@pytest.fixture
def org_b():
    return OrganisationFactory(name="Colectivo Obrero Puebla")


@pytest.fixture
def handler(org_a):
    """A case handler of organisation A, with a confirmed TOTP device."""
    user = member("handler", org_a, username="hilda")
    totp_device(user)
    return user


@pytest.fixture
def handler_b(org_b):
    user = member("handler", org_b, username="hector")
    totp_device(user)
    return user


@pytest.fixture
def unenrolled_handler(org_a):
    """A case handler of organisation A who has not set up a second factor yet."""
    return member("handler", org_a, username="helena")


@pytest.fixture
def facility_officer(org_a):
    """A facility compliance officer without a second factor (their role needs none)."""
    return member("facility_officer", org_a, username="fernando")


@pytest.fixture
def log_in(client):
    """Post the staff login form with the test client; returns the response."""

    def post(username: str, password: str = PASSWORD, code: str = ""):
        return client.post(
            "/staff/login/",
            {"username": username, "password": password, "code": code},
        )

    return post


# --- Tests that commit for real (live server, transactional_db) -----------------------


def _restore_migrated_rows() -> None:
    """Put back the audit log's triggers and the rows migrations made, after a flush."""
    migration = importlib.import_module(
        "remedia.core.migrations.0002_audit_append_only"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER USER")
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'core_auditentry'"
            )
            if not cursor.fetchall():
                for sql in migration._SQLITE:
                    cursor.execute(sql)
    from remedia.core.models import AuditHead
    from remedia.intake.models import IntakeConfiguration

    AuditHead.objects.get_or_create(id=1)
    # The intake's single configuration row (intake migration 0002) and its salt.
    IntakeConfiguration.objects.get_or_create(
        id=1, defaults={"receipt_salt": os.urandom(16)}
    )


def _after_flush(sender: Any, **kwargs: Any) -> None:
    post_migrate.disconnect(dispatch_uid="remedia-audit-restore")
    _restore_migrated_rows()


@pytest.fixture
def _flushable_audit_log(transactional_db: None) -> Iterator[None]:
    """Let a committing test's database flush pass the append-only audit log.

    A live-server or transactional test commits for real, so pytest-django
    empties every table afterwards; the audit log's triggers refuse exactly that
    (DELETE on SQLite, TRUNCATE on PostgreSQL), and the flush also drops the
    rows the migrations made (the audit head, the intake configuration). The
    triggers are switched off only for that flush, then restored with those rows
    when the flush announces itself done through post_migrate, before any other
    test runs.
    """
    _restore_migrated_rows()
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")
        elif connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_delete")
    post_migrate.connect(_after_flush, weak=False, dispatch_uid="remedia-audit-restore")


# --- The `remedia` command in its own process -----------------------------------------

PROJECT_DIR = Path(__file__).resolve().parent.parent
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
    data_dir = tmp_path / "var"
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
