"""Issue 3, "Done when": what a worker writes is nowhere the server keeps it.

A report and messages carrying a unique marker go in through the API and the web
form (with a photo); the marker is then looked for, in plain text, hex and
base64 at every alignment, in every file under the data directory (attachments,
job storage, a log file fed by the project's own log formatting), in every row
of every table, in the SQLite file image and in the captured log records. The
entitled handler still reads it; a handler of another organisation gets 404.
"""

from __future__ import annotations

import io
import json
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from remedia.core.logging import JsonFormatter, RedactFilter
from remedia.intake.models import Report
from tests.intake.support import (
    ME_ATTACHMENTS_URL,
    ME_MESSAGES_URL,
    REPORTS_URL,
    database_dump,
    database_file_image,
    found_in,
    jpeg_with_gps,
    receipt_auth,
    submit_ok,
)
from tests.support.factories.accounts import PASSWORD, totp_code, totp_device

RECEIPT_ON_PAGE = re.compile(r'id="receipt"[^>]*>\s*(\d{4} \d{4} \d{4} \d{4})\s*<')


@dataclass
class Logs:
    file: Path
    console: io.StringIO


@pytest.fixture
def logs(data_dir):
    """Everything logged during the test: to a file under the data directory,
    formatted and redacted as the project does, and what the configured console
    handler writes, all levels included."""
    path = data_dir / "remedia.log"
    to_file = logging.FileHandler(path, encoding="utf-8")
    to_file.setFormatter(JsonFormatter())
    to_file.addFilter(RedactFilter())
    to_file.setLevel(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    console = [h for h in root.handlers if h.get_name() == "console"]
    assert console, "the project's console log handler is configured"
    buffer = io.StringIO()
    streams = [h.setStream(buffer) for h in console]
    root.addHandler(to_file)
    root.setLevel(logging.DEBUG)
    yield Logs(file=path, console=buffer)
    root.removeHandler(to_file)
    root.setLevel(level)
    for handler, stream in zip(console, streams, strict=True):
        handler.setStream(stream)
    to_file.close()


def _files_under(*folders: Path) -> dict[Path, bytes]:
    found = {}
    for folder in folders:
        if folder.exists():
            for path in folder.rglob("*"):
                if path.is_file():
                    found[path] = path.read_bytes()
    return found


def _csrf(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def _photo(name: str, marker: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_with_gps(marker), content_type="image/jpeg")


@pytest.mark.parametrize("prefix", [b"", b"x", b"xy", b"xyz"])
def test_the_search_sees_a_secret_in_every_form_it_could_take(prefix):
    # The check below is only worth something if it finds what it looks for.
    import base64
    import zlib

    secret = b"marca0123456789abcdef"
    stored = prefix + secret + b" y lo que sigue"
    for form in (
        stored,
        stored.hex().encode(),
        base64.b64encode(stored),
        base64.urlsafe_b64encode(stored),
        b"{" + base64.b64encode(b"\xff" + stored) + b"}",
    ):
        assert found_in(b"..." + form + b"...", [secret]) != []
    assert found_in(zlib.compress(b"nada que ver"), [secret]) == []


def test_marker_is_nowhere_the_server_keeps_it_but_the_handler_reads_it(
    client, orgs, agu_handler, pue_handler, data_dir, logs, caplog
):
    caplog.set_level(logging.DEBUG)
    marker = f"marca{uuid.uuid4().hex}"
    phone = f"+52 {secrets.randbelow(900) + 100} {secrets.randbelow(900) + 100} {secrets.randbelow(9000) + 1000}"
    narrative = f"El supervisor {marker} amenazó a la línea 2. Mi teléfono es {phone}."

    # --- Through the API: a report, a message, a photo --------------------------------
    api_receipt = submit_ok(
        client, narrative=narrative, facility_name=f"Taller {marker}"
    )
    api_report = Report.objects.get()
    reporter = receipt_auth(api_receipt)
    assert (
        client.post(
            ME_MESSAGES_URL,
            {"body": f"Otra vez {marker}, llamen al {phone}"},
            content_type="application/json",
            headers=reporter,
        ).status_code
        == 201
    )
    assert (
        client.post(
            ME_ATTACHMENTS_URL,
            {"files": [_photo(f"{marker}.jpg", marker)], "body": f"Foto {marker}"},
            headers=reporter,
        ).status_code
        == 201
    )

    # --- Through the web form, as a browser does (CSRF token from the page) -----------
    worker = Client(enforce_csrf_checks=True)
    token = _csrf(worker.get("/denunciar/").content.decode())
    sent = worker.post(
        "/denunciar/",
        {
            "csrfmiddlewaretoken": token,
            "categories": ["threats"],
            "state": "MX-AGU",
            "facility_name": f"Maquila {marker}",
            "narrative": narrative,
            "attachments": [_photo(f"{marker}-web.jpg", marker)],
            "action": "submit",
        },
    )
    assert sent.status_code == 302
    receipt_page = worker.get("/denunciar/recibo/").content.decode()
    web_receipt = RECEIPT_ON_PAGE.search(receipt_page).group(1).replace(" ", "")
    web_report = Report.objects.exclude(pk=api_report.pk).get()
    # The worker follows up on the web with the receipt and writes again
    token = _csrf(worker.get("/seguimiento/").content.decode())
    opened = worker.post(
        "/seguimiento/", {"csrfmiddlewaretoken": token, "receipt": web_receipt}
    )
    assert opened.status_code == 302
    token = _csrf(worker.get("/seguimiento/denuncia/").content.decode())
    replied = worker.post(
        "/seguimiento/denuncia/",
        {"csrfmiddlewaretoken": token, "body": f"Sigo aquí {marker} {phone}"},
    )
    assert replied.status_code == 302

    # --- The handler reads and answers, on the API and on the staff pages ---------------
    answer = client.post(
        f"{REPORTS_URL}/{api_report.pk}/messages",
        {"body": f"Recibido {marker}"},
        content_type="application/json",
        headers=agu_handler.headers,
    )
    assert answer.status_code == 201
    staff = Client()
    device = totp_device(agu_handler.user)
    staff.post(
        "/staff/login/",
        {"username": "hilda", "password": PASSWORD, "code": totp_code(device)},
    )
    staff_page = staff.get(f"/staff/reports/{web_report.pk}/")
    assert staff_page.status_code == 200
    assert marker in staff_page.content.decode()

    # --- Jobs run (in tests they run where they are queued) ------------------------------
    from remedia.core.tasks import audit_chain_check, retention_nightly, sessions_clear

    audit_chain_check()
    sessions_clear()
    retention_nightly()

    # Then the entitled handler reads the marker in both reports
    for report in (api_report, web_report):
        detail = client.get(f"{REPORTS_URL}/{report.pk}", headers=agu_handler.headers)
        assert detail.status_code == 200
        body = detail.json()
        assert marker in body["narrative"]
        assert phone in body["narrative"]
        assert all(marker in m["body"] for m in body["messages"])
        assert any(marker in a["name"] for a in body["attachments"]) or any(
            marker in a["name"] for m in body["messages"] for a in m["attachments"]
        )
    # And a handler of another organisation gets 404, as for a missing report
    for report in (api_report, web_report):
        other = client.get(f"{REPORTS_URL}/{report.pk}", headers=pue_handler.headers)
        assert other.status_code == 404
        assert marker not in other.content.decode()

    # --- Now look for it everywhere the server keeps anything -----------------------------
    needles = [
        marker.encode(),
        phone.encode(),
        re.sub(r"\D", "", phone).encode(),
        api_receipt.encode(),
        web_receipt.encode(),
    ]
    original_data_dir = Path(settings.HUEY.get("filename", data_dir)).parent
    files = _files_under(data_dir, original_data_dir)
    logged = logs.file.read_text(encoding="utf-8")
    assert "report.submitted" in logged, "the log file did receive the app's logs"
    assert any(p.parent.name == "attachments" for p in files), "the photos are stored"
    for path, content in files.items():
        assert found_in(content, needles) == [], path

    dump = database_dump()
    assert bytes(api_report.content) in dump, "the dump holds the sealed columns"
    assert found_in(dump, needles) == []
    assert found_in(database_file_image(), needles) == []
    sessions = json.dumps(
        [s.get_decoded() for s in Session.objects.all()], default=str
    ).encode()
    assert found_in(sessions, needles) == []

    records = "\n".join(
        json.dumps(vars(r), default=str, ensure_ascii=False) for r in caplog.records
    ).encode()
    assert b"report.submitted" in records
    assert found_in(records, needles) == []
    console = logs.console.getvalue()
    assert "report.submitted" in console, "the console log was captured"
    assert found_in(console.encode(), needles) == []
