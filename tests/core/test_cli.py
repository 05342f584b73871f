"""The `remedia` command: help in the docs' spelling, and logs a terminal can read."""

from __future__ import annotations

import json
import logging
import subprocess
import tomllib

import pytest

from remedia import cli
from remedia.core.logging import ConsoleFormatter, RedactFilter
from tests.support.cli import PROJECT_DIR, REMEDIA, cli_environment


def test_help_lists_commands_as_the_docs_spell_them():
    # When a developer asks for the list of commands
    # (the text only: running the utility here would set Django up again)
    listed = cli.RemediaUtility(["remedia"]).main_help_text().split()

    # Then Remedia's commands are spelt with hyphens, as the docs name them
    assert "seed-demo" in listed
    assert "issue-token" in listed
    assert "import-facilities" in listed
    assert "rrm-timeline" in listed
    assert not [name for name in listed if name in {"seed_demo", "issue_token"}]


def test_command_list_only_is_hyphenated_too():
    text = cli.RemediaUtility(["remedia"]).main_help_text(commands_only=True)

    assert "seed-demo" in text.split()
    assert "seed_demo" not in text


def test_help_of_one_command_takes_its_hyphenated_name(tmp_path):
    result = subprocess.run(
        [str(REMEDIA), "help", "seed-demo"],
        env=cli_environment(tmp_path),
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    assert "Load the demo organisations" in result.stdout


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord(
        "remedia.demo", logging.INFO, __file__, 1, "facility.created", (), None
    )
    for key, value in extra.items():
        setattr(record, key, value)
    RedactFilter().filter(record)
    return record


def test_console_lines_are_short_and_still_redacted():
    # Given an event with a detail and a sensitive key in `extra`
    record = _record(facility="f-1", phone="+525512345678")

    # When the debug console formats it
    line = ConsoleFormatter().format(record)

    # Then it is one readable line, not JSON, and the phone number is gone
    assert "\n" not in line
    assert "info" in line
    assert "facility.created" in line
    assert "facility=f-1" in line
    assert "+525512345678" not in line
    assert not line.startswith("{")


_LOG_ONE = (
    "import logging; "
    "logging.getLogger('remedia.demo').info('facility.created', extra={'fields': 10})"
)


def _stderr_of(data_dir, **variables: str) -> str:
    env = cli_environment(data_dir)
    env.update(variables)  # may turn REMEDIA_DEBUG off
    result = subprocess.run(
        [str(REMEDIA), "shell", "-c", _LOG_ONE],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_make_run_logs_readable_lines_and_production_json(tmp_path):
    # `make run` (REMEDIA_DEBUG=1): a short line per event
    debug = _stderr_of(tmp_path / "debug")
    (line,) = [x for x in debug.splitlines() if "facility.created" in x]
    assert "fields=10" in line
    assert not line.startswith("{")

    # Production: one JSON object per line, for the log collector
    production = _stderr_of(
        tmp_path / "production",
        REMEDIA_DEBUG="0",
        REMEDIA_SECRET_KEY="x" * 60,
        REMEDIA_ALLOWED_HOSTS="remedia.example.org",
    )
    (line,) = [x for x in production.splitlines() if "facility.created" in x]
    assert json.loads(line)["event"] == "facility.created"

    # And the demo's seeding (REMEDIA_LOG_LEVEL=WARNING) prints no per-row event
    quiet = _stderr_of(tmp_path / "quiet", REMEDIA_LOG_LEVEL="WARNING")
    assert "facility.created" not in quiet


def test_a_malformed_log_level_names_the_variable(tmp_path):
    result = subprocess.run(
        [str(REMEDIA), "check"],
        env=cli_environment(tmp_path, REMEDIA_LOG_LEVEL="LOUD"),
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert "REMEDIA_LOG_LEVEL is malformed" in result.stderr


@pytest.fixture(scope="module")
def project() -> dict[str, object]:
    with (PROJECT_DIR / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]


def test_package_admits_python_3_11_to_3_13(project):
    from packaging.specifiers import SpecifierSet

    admitted = SpecifierSet(project["requires-python"])
    assert all(admitted.contains(v) for v in ("3.11.0", "3.12.9", "3.13.0"))
    assert not admitted.contains("3.10")
    assert not admitted.contains("3.14")


def test_licence_is_an_spdx_expression(project):
    # A string (PEP 639), not the deprecated table setuptools warns about
    assert project["license"] == "AGPL-3.0-or-later"
