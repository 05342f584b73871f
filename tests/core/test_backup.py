"""`remedia backup` and `remedia restore`: a whole installation, back on another machine.

Reports, a case, their files and the audit log are made through the services
in this process and committed (transactional test); the backup runs here, the
restore runs as `remedia restore` in a process of its own on a new, empty
database and data directory (SQLite file, or a new PostgreSQL database when the
suite runs on PostgreSQL), where the audit chain verifies and the handler's
password opens the report, its attachment and the case's note and document,
and the worker's receipt still opens the report.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import subprocess
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from remedia.accounts.models import UserKey
from remedia.cases import services as cases
from remedia.core import crypto
from remedia.intake import services as intake
from tests.intake.support import png_with_text
from tests.support.cli import PROJECT_DIR, REMEDIA, cli_environment
from tests.support.factories.accounts import PASSWORD

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_flushable_audit_log"),
]

NARRATIVE = "Nos obligan a trabajar doce horas sin pago de horas extra."
NOTE = "Llamar a la trabajadora el lunes."


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REMEDIA), *args],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def operator_keys(tmp_path) -> tuple[Path, Path]:
    """The operator's keypair, as `remedia backup-keygen` writes it."""
    keys = tmp_path / "operator"
    keys.mkdir()
    call_command("backup_keygen", out=str(keys / "backup-key"))
    return keys / "backup-key", keys / "backup-key.pub"


@pytest.fixture
def target(tmp_path) -> Iterator[dict[str, str]]:
    """The environment of a new machine: an empty data directory and database."""
    data_dir = tmp_path / "new-machine"
    data_dir.mkdir()
    variables = {
        "REMEDIA_SECRET_KEY": settings.SECRET_KEY,
        "REMEDIA_LOG_LEVEL": "WARNING",
    }
    name = None
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        name = f"remedia_restore_{uuid.uuid4().hex[:12]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        variables["DATABASE_URL"] = (
            f"postgres://{db['USER']}{password}@{db['HOST'] or 'localhost'}:"
            f"{db['PORT'] or 5432}/{name}"
        )
    yield cli_environment(data_dir, **variables)
    if name is not None:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def world(orgs, agu_handler) -> dict[str, Any]:
    """A report with an attachment, its case with a note and a document; what
    the handler reads of them here, before the backup."""
    submitted = intake.report_submit(
        draft=intake.ReportDraft(
            channel="web",
            categories=["intimidation"],
            narrative=NARRATIVE,
            facility_name="La maquila de la carretera",
            state="MX-AGU",
            files=[intake.IncomingFile(name="foto.png", data=png_with_text("x"))],
        )
    )
    user = agu_handler.user
    case = cases.case_open(report_ids=[submitted.report.pk], user=user)
    cases.case_note_add(case=case, user=user, body=NOTE)
    cases.case_document_add(
        case=case, user=user, name="acta.png", data=png_with_text("acta")
    )
    stored = UserKey.objects.get(user=user)
    private = crypto.unwrap(
        bytes(stored.wrapped_private_key),
        key=crypto.password_key(PASSWORD, salt=bytes(stored.salt)),
    )
    report_key = intake.staff_report_key(
        report=submitted.report, user=user, user_private_key=private
    )
    assert report_key is not None
    _info, attachment = intake.attachment_open(
        attachment=submitted.report.attachments.get(), private_key=report_key
    )
    document = case.documents.get()
    opened = cases.case_document_open(
        document=document, user=user, user_private_key=private
    )
    assert opened is not None
    call_command("audit_verify")  # anchors the tip: the anchor is backed up too
    return {
        "receipt": submitted.receipt,
        "username": user.username,
        "attachment_sha": hashlib.sha256(attachment).hexdigest(),
        "document_sha": hashlib.sha256(opened[1]).hexdigest(),
    }


READ_BACK = textwrap.dedent(
    """
    import hashlib, json
    from django.conf import settings
    from nacl.pwhash import argon2id
    # The test process made the keys at the suite's lowered Argon2id cost.
    settings.REMEDIA_ARGON2ID_COST = {
        p: {"opslimit": argon2id.OPSLIMIT_MIN, "memlimit": argon2id.MEMLIMIT_MIN}
        for p in ("password", "receipt")
    }
    from remedia.accounts.models import User, UserKey
    from remedia.cases import services as cases
    from remedia.cases.models import Case
    from remedia.core import crypto
    from remedia.intake import services as intake
    from remedia.intake.models import Report
    user = User.objects.get(username=USERNAME)
    stored = UserKey.objects.get(user=user)
    private = crypto.unwrap(
        bytes(stored.wrapped_private_key),
        key=crypto.password_key(PASSWORD, salt=bytes(stored.salt)),
    )
    report = Report.objects.get()
    opened = intake.staff_report_open(report=report, user=user, user_private_key=private)
    key = intake.staff_report_key(report=report, user=user, user_private_key=private)
    _info, attachment = intake.attachment_open(
        attachment=report.attachments.get(), private_key=key
    )
    case = Case.objects.get()
    case_view = cases.case_open_for(case=case, user=user, user_private_key=private)
    _meta, document = cases.case_document_open(
        document=case.documents.get(), user=user, user_private_key=private
    )
    access = intake.reporter_open(receipt=RECEIPT)
    from remedia.core.audit import audit_verify
    print(json.dumps({
        "audit_ok": audit_verify().problem is None,
        "narrative": opened.narrative,
        "attachment_sha": hashlib.sha256(attachment).hexdigest(),
        "notes": [n.body for n in case_view.notes],
        "document_sha": hashlib.sha256(document).hexdigest(),
        "receipt_opens": access.report.pk == report.pk,
    }))
    """
)


def test_a_backup_restores_on_a_new_machine_with_everything_readable(
    world, operator_keys, target, tmp_path, data_dir
):
    secret, public = operator_keys
    backups = tmp_path / "backups"
    backups.mkdir()
    call_command("backup", to=str(backups), recipient=str(public))
    (archive,) = backups.iterdir()
    assert archive.stat().st_mode & 0o777 == 0o600
    # Nothing readable in the file: not the narrative, not a table's name.
    raw = archive.read_bytes()
    assert NARRATIVE.encode() not in raw
    assert b"intake_report" not in raw

    restored = _run(
        target, "restore", "--from", str(archive), "--identity", str(secret)
    )

    assert restored.returncode == 0, restored.stderr
    assert "audit log intact" in restored.stdout
    assert NARRATIVE not in restored.stdout + restored.stderr
    new_dir = Path(target["REMEDIA_DATA_DIR"])
    assert {p.name for p in (new_dir / "attachments").iterdir()} == {
        p.name for p in (data_dir / "attachments").iterdir()
    }
    assert (new_dir / "audit-anchor.json").exists()
    script = f"USERNAME = {world['username']!r}\nPASSWORD = {PASSWORD!r}\n"
    script += f"RECEIPT = {world['receipt']!r}\n" + READ_BACK
    read = _run(target, "shell", "-c", script)
    assert read.returncode == 0, read.stderr
    seen = json.loads(read.stdout.strip().splitlines()[-1])
    assert seen == {
        "audit_ok": True,  # the chain goes on from the restored tip
        "narrative": NARRATIVE,
        "attachment_sha": world["attachment_sha"],
        "notes": [NOTE],
        "document_sha": world["document_sha"],
        "receipt_opens": True,
    }


def _a_backup(tmp_path: Path, public: Path) -> Path:
    backups = tmp_path / "backups"
    backups.mkdir()
    call_command("backup", to=str(backups / "copia.backup"), recipient=str(public))
    return backups / "copia.backup"


def _untouched(env: dict[str, str]) -> None:
    data_dir = Path(env["REMEDIA_DATA_DIR"])
    kept = {p.name for p in data_dir.iterdir()} - {"jobs.sqlite3", "static"}
    assert not {k for k in kept if not k.startswith("jobs.sqlite3-")}, kept
    if connection.vendor == "sqlite":
        assert not (data_dir / "remedia.sqlite3").exists()


def test_a_tampered_or_cut_backup_is_refused_and_nothing_changes(
    world, operator_keys, target, tmp_path
):
    secret, public = operator_keys
    archive = _a_backup(tmp_path, public)
    data = bytearray(archive.read_bytes())
    flipped = tmp_path / "flipped.backup"
    data[len(data) // 2] ^= 0x01
    flipped.write_bytes(bytes(data))
    cut = tmp_path / "cut.backup"
    cut.write_bytes(archive.read_bytes()[:-100])

    for bad in (flipped, cut):
        refused = _run(target, "restore", "--from", str(bad), "--identity", str(secret))
        assert refused.returncode == 1, refused.stdout
        assert (
            "damaged or was altered" in refused.stderr or "cut short" in refused.stderr
        )
        _untouched(target)


def test_another_key_does_not_open_a_backup(world, operator_keys, target, tmp_path):
    _secret, public = operator_keys
    archive = _a_backup(tmp_path, public)
    call_command("backup_keygen", out=str(tmp_path / "someone-else"))

    refused = _run(
        target,
        "restore",
        "--from",
        str(archive),
        "--identity",
        str(tmp_path / "someone-else"),
    )
    assert refused.returncode == 2
    assert "does not open the backup" in refused.stderr
    # The public key is not a secret key, and the secret key is not a recipient.
    refused = _run(target, "restore", "--from", str(archive), "--identity", str(public))
    assert refused.returncode == 2
    assert "public key" in refused.stderr
    _untouched(target)


def _a_table_in(env: dict[str, str]) -> None:
    """One table in the target database, made beside Remedia (as a stray migrate)."""
    create = "CREATE TABLE ya_estaba (x integer)"
    if connection.vendor == "sqlite":
        db = sqlite3.connect(Path(env["REMEDIA_DATA_DIR"]) / "remedia.sqlite3")
        db.execute(create)
        db.commit()
        db.close()
        return
    import psycopg

    settings_dict = connection.settings_dict
    with psycopg.connect(
        dbname=env["DATABASE_URL"].rsplit("/", 1)[1],
        user=settings_dict["USER"],
        password=settings_dict.get("PASSWORD") or None,
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
        autocommit=True,
    ) as db:
        db.execute(create)


def test_a_database_or_data_directory_in_use_is_refused(
    world, operator_keys, target, tmp_path
):
    secret, public = operator_keys
    archive = _a_backup(tmp_path, public)
    # A stray file in the data directory: refused before anything is written.
    stray = Path(target["REMEDIA_DATA_DIR"]) / "attachments" / "ya-estaba.bin"
    stray.parent.mkdir()
    stray.write_bytes(secrets.token_bytes(16))
    refused = _run(target, "restore", "--from", str(archive), "--identity", str(secret))
    assert refused.returncode == 3
    assert "data directory" in refused.stderr
    assert "nothing was changed" in refused.stderr
    stray.unlink()
    # A database with a table is not an empty one (say, migrated by mistake).
    _a_table_in(target)
    refused = _run(target, "restore", "--from", str(archive), "--identity", str(secret))
    assert refused.returncode == 3
    assert "database is not empty" in refused.stderr
    assert not any(Path(target["REMEDIA_DATA_DIR"]).glob("attachments/*"))


def test_the_recipient_must_be_a_public_key(operator_keys, tmp_path):
    from django.core.management.base import CommandError

    secret, _public = operator_keys
    with pytest.raises(CommandError, match="SECRET key"):
        call_command("backup", to=str(tmp_path), recipient=str(secret))
    with pytest.raises(CommandError, match="not a backup key"):
        call_command("backup", to=str(tmp_path), recipient="!" * 44)
    with pytest.raises(CommandError, match="cannot read the key file"):
        call_command("backup", to=str(tmp_path), recipient=str(tmp_path / "nada.pub"))
    assert not list(tmp_path.glob("*.backup"))


def test_a_backup_is_never_written_into_the_data_directory(operator_keys, data_dir):
    from django.core.management.base import CommandError

    _secret, public = operator_keys
    with pytest.raises(CommandError, match="inside the data directory"):
        call_command("backup", to=str(data_dir), recipient=str(public))
    assert not list(data_dir.rglob("*.backup*"))
