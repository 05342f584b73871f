"""Settings come from the environment; a bad value stops start-up naming the variable.

Each test starts a fresh Python with a controlled environment: settings are read
once per process, and the test process itself runs under pytest's settings.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
REMEDIA = Path(sys.executable).parent / "remedia"

_OWN_PREFIXES = ("REMEDIA_", "DJANGO_", "PYTEST")
_OWN_NAMES = {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "TWILIO_AUTH_TOKEN"}


def _environment(data_dir: Path, **variables: str) -> dict[str, str]:
    """The parent's environment without any of Remedia's variables, plus these."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_OWN_PREFIXES) and key not in _OWN_NAMES
    }
    env["REMEDIA_DATA_DIR"] = str(data_dir)
    env.update(variables)
    return env


def _production(data_dir: Path, **variables: str) -> dict[str, str]:
    return _environment(
        data_dir,
        REMEDIA_DEBUG="0",
        REMEDIA_SECRET_KEY=secrets.token_urlsafe(48),
        REMEDIA_ALLOWED_HOSTS="remedia.example.org",
        **variables,
    )


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=env, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120
    )


def _import_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _run([sys.executable, "-c", "import remedia.config.settings"], env)


MALFORMED = [
    pytest.param("REMEDIA_DEBUG", "maybe", id="debug-not-a-boolean"),
    pytest.param("DATABASE_URL", "garbage", id="database-no-scheme"),
    pytest.param("DATABASE_URL", "nosuch://db.example.org/x", id="database-scheme"),
    pytest.param("DATABASE_URL", "mysql://u@db.example.org/x", id="database-mysql"),
    pytest.param("DATABASE_URL", "postgres://u@h:notaport/db", id="database-port"),
    pytest.param("REDIS_URL", "http://127.0.0.1:6379/0", id="redis-scheme"),
    pytest.param("REMEDIA_SECRET_KEY", "too-short", id="secret-key-short"),
    pytest.param("EMAIL_URL", "smtp://u:p@mail:port", id="email-port"),
    pytest.param("REMEDIA_EXPORT_K", "eleven", id="export-k-not-a-number"),
    pytest.param("REMEDIA_EXPORT_K", "1", id="export-k-below-2"),
    pytest.param("REMEDIA_RETENTION_REPORTS_DAYS", "-1", id="retention-negative"),
    pytest.param("REMEDIA_RETENTION_SESSIONS_DAYS", "soon", id="retention-word"),
    pytest.param("REMEDIA_EXPORT_KEEP_HOURS", "a day", id="export-keep-not-a-number"),
    pytest.param("REMEDIA_EXPORT_KEEP_HOURS", "0", id="export-keep-below-1"),
]
# Read only with a PostgreSQL database (below).
MALFORMED_ON_POSTGRESQL = [
    pytest.param("REMEDIA_DB_PARALLEL_WORKERS", "two", id="parallel-word"),
    pytest.param("REMEDIA_DB_PARALLEL_WORKERS", "-1", id="parallel-negative"),
]


def test_well_formed_development_environment_starts(tmp_path):
    # The control for the tests below: the environment they build is otherwise good.
    result = _import_settings(_environment(tmp_path, REMEDIA_DEBUG="1"))

    assert result.returncode == 0, result.stderr


def test_well_formed_production_environment_starts(tmp_path):
    result = _import_settings(_production(tmp_path))

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("name", "value"), MALFORMED)
def test_malformed_variable_stops_start_up_naming_it(tmp_path, name, value):
    # Given a development environment with one malformed variable
    env = _environment(tmp_path, **{"REMEDIA_DEBUG": "1", name: value})

    # When the settings are loaded
    result = _import_settings(env)

    # Then start-up stops and the message names the variable
    assert result.returncode != 0
    assert f"{name} is malformed" in result.stderr


@pytest.mark.parametrize(("name", "value"), MALFORMED_ON_POSTGRESQL)
def test_malformed_database_variable_stops_start_up_naming_it(tmp_path, name, value):
    env = _environment(
        tmp_path,
        REMEDIA_DEBUG="1",
        DATABASE_URL="postgres://remedia@db.example.org:5432/remedia",
        **{name: value},
    )

    result = _import_settings(env)

    assert result.returncode != 0
    assert f"{name} is malformed" in result.stderr


@pytest.mark.parametrize(("name", "value"), MALFORMED)
def test_remedia_command_reports_a_malformed_variable_without_a_traceback(
    tmp_path, name, value
):
    # Given the same malformed variable
    env = _environment(tmp_path, **{"REMEDIA_DEBUG": "1", name: value})

    # When an operator runs the remedia command
    result = _run([str(REMEDIA), "check"], env)

    # Then it exits 2 and its last word is one line naming the variable
    assert result.returncode == 2
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("remedia: configuration error: ")
    assert name in last_line
    assert "Traceback" not in result.stderr


def test_production_without_secret_key_stops_start_up(tmp_path):
    # Given production mode with no secret key
    env = _production(tmp_path)
    del env["REMEDIA_SECRET_KEY"]

    # When the settings are loaded / then start-up stops naming the variable
    result = _import_settings(env)
    assert result.returncode != 0
    assert "REMEDIA_SECRET_KEY is required" in result.stderr
    # And no key was quietly generated in its place
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("hosts", [None, ""], ids=["unset", "empty"])
def test_production_without_allowed_hosts_stops_start_up(tmp_path, hosts):
    # Given production mode with no allowed host names
    env = _production(tmp_path)
    if hosts is None:
        del env["REMEDIA_ALLOWED_HOSTS"]
    else:
        env["REMEDIA_ALLOWED_HOSTS"] = hosts

    # When the settings are loaded / then start-up stops naming the variable
    result = _import_settings(env)
    assert result.returncode != 0
    assert "REMEDIA_ALLOWED_HOSTS is required" in result.stderr


def test_production_is_debug_off_by_default(tmp_path):
    # Given REMEDIA_DEBUG unset, the secure default applies: no key, no start
    env = _production(tmp_path)
    del env["REMEDIA_DEBUG"]
    del env["REMEDIA_SECRET_KEY"]

    result = _import_settings(env)

    assert result.returncode != 0
    assert "REMEDIA_SECRET_KEY is required" in result.stderr


def test_deploy_check_passes_in_production(tmp_path):
    # Given a production environment as docs/operations.md describes
    env = _production(tmp_path)

    # When Django's deployment checks run
    result = _run([str(REMEDIA), "check", "--deploy"], env)

    # Then they find nothing to fix
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


_PRINT_SETTINGS = """
import json
import django
from django.conf import settings
django.setup()
print(json.dumps({
    "hashers": settings.PASSWORD_HASHERS,
    "debug": settings.DEBUG,
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "hsts": settings.SECURE_HSTS_SECONDS,
    "database": settings.DATABASES["default"]["ENGINE"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "retention": settings.REMEDIA_RETENTION,
    "db_options": settings.DATABASES["default"].get("OPTIONS", {}),
}))
"""


def _settings_of(env: dict[str, str]) -> dict[str, object]:
    env = {**env, "DJANGO_SETTINGS_MODULE": "remedia.config.settings"}
    result = _run([sys.executable, "-c", _PRINT_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_hashes_passwords_with_argon2(tmp_path):
    # Given production settings
    values = _settings_of(_production(tmp_path))

    # Then Argon2 is the only hasher for passwords
    assert values["hashers"] == ["remedia.accounts.hashers.Argon2idPasswordHasher"]


def test_development_hashes_passwords_with_argon2_too(tmp_path):
    values = _settings_of(_environment(tmp_path, REMEDIA_DEBUG="1"))

    assert values["hashers"] == ["remedia.accounts.hashers.Argon2idPasswordHasher"]


def test_production_defaults_are_secure(tmp_path):
    values = _settings_of(_production(tmp_path))

    assert values["debug"] is False
    assert values["session_cookie_secure"] is True
    assert values["csrf_cookie_secure"] is True
    assert values["ssl_redirect"] is True
    assert values["hsts"] >= 31536000


def test_database_and_cache_follow_the_environment(tmp_path):
    # Given a PostgreSQL URL and a Redis URL
    values = _settings_of(
        _production(
            tmp_path,
            DATABASE_URL="postgres://remedia@db.example.org:5432/remedia",
            REDIS_URL="redis://cache.example.org:6379/0",
        )
    )

    # Then both are used; without them, SQLite and the database cache
    assert values["database"] == "django.db.backends.postgresql"
    assert values["cache"] == "remedia.core.cache_failover.FailoverRedisCache"
    defaults = _settings_of(_production(tmp_path))
    assert defaults["database"] == "django.db.backends.sqlite3"
    assert defaults["cache"] == "django.core.cache.backends.db.DatabaseCache"


def test_postgresql_connections_start_no_parallel_workers_unless_asked(tmp_path):
    url = "postgres://remedia@db.example.org:5432/remedia"
    default = _settings_of(_production(tmp_path, DATABASE_URL=url))
    assert default["db_options"]["options"] == "-c max_parallel_workers_per_gather=0"

    raised = _settings_of(
        _production(tmp_path, DATABASE_URL=url, REMEDIA_DB_PARALLEL_WORKERS="4")
    )
    assert raised["db_options"]["options"] == "-c max_parallel_workers_per_gather=4"

    # Options the URL carries are kept, ours after them
    own = _settings_of(
        _production(
            tmp_path, DATABASE_URL=url + "?options=-c%20statement_timeout%3D5000"
        )
    )
    assert own["db_options"]["options"] == (
        "-c statement_timeout=5000 -c max_parallel_workers_per_gather=0"
    )


@pytest.mark.postgresql
@pytest.mark.django_db
def test_the_running_database_session_has_no_parallel_workers():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"


def test_retention_periods_follow_the_environment(tmp_path):
    # By default: the reports' and cases' periods are the administrator's
    defaults = _settings_of(_environment(tmp_path, REMEDIA_DEBUG="1"))["retention"]
    assert defaults["reports"] is None
    assert defaults["cases"] is None
    assert defaults["notifications"] == 180
    assert defaults["sessions"] == 0

    # One variable per kind: days, or "never"
    env = _environment(
        tmp_path,
        REMEDIA_DEBUG="1",
        REMEDIA_RETENTION_REPORTS_DAYS="365",
        REMEDIA_RETENTION_VICTIM_FILES_DAYS="never",
    )
    retention = _settings_of(env)["retention"]
    assert retention["reports"] == 365
    assert retention["victim_files"] == "never"
    assert retention["notifications"] == 180
