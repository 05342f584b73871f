"""`make soak`: mixed traffic for ten minutes against a real server, worker and mail listener.

Starts `remedia serve` (gunicorn, workers never recycled: `--max-requests 0`,
so a leak that recycling would hide shows), `remedia worker` (the job queue)
and `remedia smtpd` (the email intake) on a PostgreSQL database of their own
(created, then dropped) and a Redis database of their own (flushed before and
after), with the telephony provider played by its stand-in and the outgoing
mail server by a sink, both in this process. Then SOAK_CLIENTS clients (32)
send SOAK_SECONDS (600) of what a real deployment sees, each client with a
short think time between its flows:

- workers' reports on every channel, each followed up with its receipt: the
  web form (CSRF token and cookies, as a browser), then the follow-up pages
  and a message; the JSON API, then `/intake/me` and a message; an SMS and a
  WhatsApp conversation (forms signed with the twilio library's
  RequestValidator, as the provider does), then a message with the receipt;
  an email through `remedia smtpd` (smtplib), its receipt read from the
  answer the sink received, then a reply with the receipt;
- staff with an API token (triage, reports, a reply to the reporter, the
  report's status, a case opened, its note and its status moved) and staff
  signed in to the web pages (inbox, report, cases, a case note) who also
  import a small CSV of facilities through the import page now and then and
  wait for the job worker to finish it.

Meanwhile it samples, every SOAK_SAMPLE_SECONDS (5), the resident memory of
each gunicorn worker, of the job worker and of the mail listener
(/proc/PID/status), the database's connections (pg_stat_activity) and the
queue's length. It passes when:

- no request failed: any 5xx, any status other than the flow's expected one,
  a dropped connection, a missing receipt, an import that did not finish, an
  email answer that did not come, or an ERROR line in a process's log (the
  throttles are lifted through their environment variables, so a 429 is an
  error too, never a silent success);
- the largest growth of a process's memory from just after the warm-up
  (SOAK_WARMUP_SECONDS, 60) to the end is under SOAK_GROWTH_LIMIT (10 %);
- the database's connections stay within workers x threads + job workers +
  the listener's threads + a margin, and do not grow over the run;
- the queue is empty and every import finished within SOAK_DRAIN_SECONDS of
  the clients stopping.

Environment: SOAK_SECONDS, SOAK_CLIENTS, SOAK_WARMUP_SECONDS,
SOAK_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/remedia_soak),
SOAK_REDIS_URL (default redis://127.0.0.1:6379/11, which must be empty:
another program's worker on it would take the soak's jobs), SOAK_PORT (8794, the
listener on +1, the provider stand-in on +2, the mail sink on +3),
SOAK_WORKERS (2) and SOAK_THREADS (4) for gunicorn, SOAK_JOB_WORKERS (2),
SOAK_THINK_SECONDS (mean pause between a client's flows, 0.5),
SOAK_IMPORT_EVERY (seconds between one web staff member's imports, 30),
SOAK_GROWTH_LIMIT (0.10), SOAK_KEEP=1 to keep the data directory and logs.
It prints one table and exits 1 when a check failed.
"""

from __future__ import annotations

import email
import email.policy
import http.client
import json
import os
import random
import re
import shutil
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

from bench import drive as drive_kit

REMEDIA = str(Path(sys.executable).parent / "remedia")
HEADERS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
ORIGIN = "https://127.0.0.1"
STAFF_PASSWORD = "soak password 1234 long enough"  # noqa: S105 (made here)
REPORT_ADDRESS = "denuncias@remedia.soak.example"
ACCOUNT_SID = "AC" + "c" * 32
AUTH_TOKEN = "soak-provider-token-" + "0123456789abcdef"
BASE_URL = "https://remedia.soak.example"
SMS_HOOK = "/hooks/twilio/sms"
OUR_SMS_NUMBER = "+15550007777"
OUR_WHATSAPP_NUMBER = "whatsapp:+15550008888"
NARRATIVE = (
    "El supervisor de la línea 3 dijo que quien vote por el sindicato nuevo "
    "perderá las horas extra y el bono de puntualidad."
)
FOLLOWUP = "Hoy nos cambiaron de turno sin avisar."
GROUPED = re.compile(r"\b(\d{4} \d{4} \d{4} \d{4})\b")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
REPORT_LINK = re.compile(rf'href="/staff/reports/({UUID})/"')
CASE_LINK = re.compile(rf'href="/staff/cases/({UUID})/"')
IMPORT_LINK = re.compile(rf"/staff/facilities/import/({UUID})/")
PLAIN_ERROR = re.compile(r"\[(ERROR|CRITICAL)\]|\b(ERROR|CRITICAL):")
PLAIN_WARNING = re.compile(r"\[WARNING\]|\bWARNING:")
CHANNELS = ("web", "api", "sms", "whatsapp", "email")
# The mail listener's threads (intake/channels/smtpd.py) and a few more for
# the job worker's scheduler and for migrations of the connection (a thread
# that ends, then another that opens its own, before CONN_MAX_AGE closes it).
SMTPD_THREADS = 4
# As the proxy in front does (nginx's upstream keepalive_timeout, 60 s, below
# `remedia serve`'s 75 s keep-alive): a connection idle longer is not reused.
IDLE_SECONDS = 60.0
CONNECTION_MARGIN = 4


class SoakError(Exception):
    """The soak could not run (a service missing, a process that would not start)."""


@dataclass
class Config:
    seconds: float = 600
    clients: int = 32
    warmup: float = 60
    database_url: str = "postgres://postgres@127.0.0.1:5432/remedia_soak"
    redis_url: str = "redis://127.0.0.1:6379/11"
    port: int = 8794
    workers: int = 2
    threads: int = 4
    job_workers: int = 2
    think: float = 0.5
    import_every: float = 30
    sample_every: float = 5
    growth_limit: float | None = 0.10
    drain_seconds: float = 120
    keep: bool = False
    work_dir: Path | None = None

    @classmethod
    def from_env(cls) -> Config:
        e = os.environ.get
        made = cls()
        made.seconds = float(e("SOAK_SECONDS", made.seconds))
        made.clients = int(e("SOAK_CLIENTS", made.clients))
        made.warmup = float(e("SOAK_WARMUP_SECONDS", made.warmup))
        made.database_url = e("SOAK_DATABASE_URL", made.database_url)
        made.redis_url = e("SOAK_REDIS_URL", made.redis_url)
        made.port = int(e("SOAK_PORT", made.port))
        made.workers = int(e("SOAK_WORKERS", made.workers))
        made.threads = int(e("SOAK_THREADS", made.threads))
        made.job_workers = int(e("SOAK_JOB_WORKERS", made.job_workers))
        made.think = float(e("SOAK_THINK_SECONDS", made.think))
        made.import_every = float(e("SOAK_IMPORT_EVERY", made.import_every))
        made.sample_every = float(e("SOAK_SAMPLE_SECONDS", made.sample_every))
        made.growth_limit = float(e("SOAK_GROWTH_LIMIT", "0.10"))
        made.keep = e("SOAK_KEEP", "0") == "1"
        return made

    @property
    def connection_bound(self) -> int:
        return (
            self.workers * self.threads
            + self.job_workers
            + SMTPD_THREADS
            + CONNECTION_MARGIN
        )

    @property
    def staff(self) -> int:
        """Clients playing staff; the others are workers reporting."""
        return max(3, self.clients // 4)


# --- Counting -----------------------------------------------------------------------


@dataclass
class Kind:
    samples: list[float] = field(default_factory=list)
    errors: int = 0
    reasons: list[str] = field(default_factory=list)


@dataclass
class Stats:
    kinds: dict[str, Kind] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, reason: str | None = None) -> None:
        with self.lock:
            entry = self.kinds.setdefault(kind, Kind())
            entry.samples.append(seconds)
            if reason is not None:
                entry.errors += 1
                if len(entry.reasons) < 3:
                    entry.reasons.append(reason)

    @property
    def errors(self) -> int:
        return sum(k.errors for k in self.kinds.values())

    @property
    def requests(self) -> int:
        return sum(len(k.samples) for k in self.kinds.values())


class FlowError(Exception):
    """An answer the flow's next step cannot use; counted already."""


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


class Browser:
    """One keep-alive connection with its own cookies, as a browser or a script."""

    def __init__(self, port: int, stats: Stats) -> None:
        self.port = port
        self.stats = stats
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.last = time.monotonic()

    def forget(self) -> None:
        """A new person at the same machine: no cookies."""
        self.cookies = {}

    def close(self) -> None:
        self.conn.close()

    def _remember(self, headers: http.client.HTTPMessage) -> None:
        for line in headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    @property
    def csrf(self) -> str:
        return self.cookies.get("csrftoken", "")

    def call(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        form: dict[str, Any] | None = None,
        payload: Any = None,
        expect: tuple[int, ...] = (200,),
        check: Callable[[Answer], str | None] | None = None,
    ) -> Answer:
        sent = {**HEADERS, **(headers or {})}
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif payload is not None:
            body = json.dumps(payload).encode()
            sent["Content-Type"] = "application/json"
        if method == "POST" and "Authorization" not in sent:
            sent.setdefault("Origin", ORIGIN)
            sent.setdefault("Referer", ORIGIN + path)
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if time.monotonic() - self.last > IDLE_SECONDS:
            self.conn.close()
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
            answer = Answer(response.status, response.msg, response.read())
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            reason = f"connection: {type(exc).__name__}"
            self.stats.add(kind, time.perf_counter() - started, reason)
            raise FlowError(reason) from None
        elapsed = time.perf_counter() - started
        self.last = time.monotonic()
        self._remember(answer.headers)
        reason = None
        if answer.status not in expect:
            reason = f"{answer.status} (expected {'/'.join(map(str, expect))})"
        elif check is not None:
            reason = check(answer)
        self.stats.add(kind, elapsed, reason)
        if reason is not None:
            raise FlowError(reason)
        return answer


def _has(needle: str, what: str) -> Callable[[Answer], str | None]:
    return lambda answer: None if needle in answer.text else f"no {what} in the page"


def _receipt_in(answer: Answer) -> str | None:
    return None if GROUPED.search(answer.text) else "no receipt in the answer"


def _csrf_of(answer: Answer) -> str:
    found = CSRF_FIELD.search(answer.text)
    return found.group(1) if found else ""


# --- The mail server answers go to ------------------------------------------------------


class MailSink:
    """The outgoing mail server (EMAIL_URL): keeps each answer by its recipient."""

    def __init__(self, port: int) -> None:
        from aiosmtpd.controller import Controller

        self.mail: dict[str, list[EmailMessage]] = {}
        self.changed = threading.Condition()
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(
            envelope.content, policy=email.policy.default
        )
        with self.changed:
            for to in envelope.rcpt_tos:
                self.mail.setdefault(to.lower(), []).append(message)  # type: ignore[arg-type]
            self.changed.notify_all()
        return "250 OK"

    def wait(self, to: str, subject: str, timeout: float) -> EmailMessage | None:
        """The first mail to `to` with `subject`, waiting up to `timeout` s."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for message in self.mail.get(to.lower(), []):
                    if message["Subject"] == subject:
                        self.mail[to.lower()].remove(message)
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.changed.wait(left)

    def __enter__(self) -> MailSink:
        self.controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.controller.stop()


def _mail_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


# --- The flows ------------------------------------------------------------------------


@dataclass
class World:
    config: Config
    stats: Stats
    sink: MailSink
    stop_at: float
    imports: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def web_report(b: Browser, _world: World, n: int) -> None:
    b.forget()
    page = b.call("web: report form", "GET", "/denunciar/")
    form = {
        "csrfmiddlewaretoken": _csrf_of(page),
        "categories": ["intimidation", "non_neutrality"],
        "state": "MX-AGU",
        "facility_q": "",
        "facility_name": "Confecciones del Bajío",
        "occurred_on": "",
        "narrative": NARRATIVE,
        "action": "submit",
    }
    b.call("web: report submitted", "POST", "/denunciar/", form=form, expect=(302,))
    shown = b.call("web: receipt page", "GET", "/denunciar/recibo/", check=_receipt_in)
    receipt = GROUPED.search(shown.text).group(1)  # type: ignore[union-attr]
    b.forget()  # later, another day: the receipt only
    enter = b.call("web: follow-up (receipt)", "GET", "/seguimiento/")
    b.call(
        "web: follow-up (receipt)",
        "POST",
        "/seguimiento/",
        form={"csrfmiddlewaretoken": _csrf_of(enter), "receipt": receipt},
        expect=(302,),
    )
    opened = b.call(
        "web: follow-up page",
        "GET",
        "/seguimiento/denuncia/",
        check=_has("horas extra", "narrative"),
    )
    b.call(
        "web: follow-up message",
        "POST",
        "/seguimiento/denuncia/",
        form={"csrfmiddlewaretoken": _csrf_of(opened), "body": FOLLOWUP},
        expect=(302,),
    )


def api_report(b: Browser, _world: World, n: int) -> None:
    made = b.call(
        "api: report submitted",
        "POST",
        "/api/v1/intake/reports",
        payload={
            "language": "es",
            "categories": ["intimidation"],
            "narrative": NARRATIVE,
            "facility_id": None,
            "facility_name": "Planta de prueba",
            "state": "MX-PUE",
            "occurred_on": None,
        },
        expect=(201,),
    )
    receipt = made.json()["receipt"]
    auth = {"Authorization": f"Receipt {receipt}"}
    b.call("api: follow-up read", "GET", "/api/v1/intake/me", headers=auth)
    b.call(
        "api: follow-up message",
        "POST",
        "/api/v1/intake/me/messages",
        headers=auth,
        payload={"body": FOLLOWUP},
        expect=(201,),
    )


def _signed(form: dict[str, str]) -> dict[str, str]:
    from twilio.request_validator import RequestValidator

    return {
        "X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(
            BASE_URL + SMS_HOOK, form
        )
    }


def _line_message(
    b: Browser, kind: str, sender: str, to: str, body: str, *, wanted: str = ""
) -> str:
    form = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": to,
        "Body": body,
        "NumMedia": "0",
    }

    def answered(answer: Answer) -> str | None:
        if not answer.headers.get("Content-Type", "").startswith("text/xml"):
            return "not TwiML"
        if wanted and wanted not in answer.text:
            return f"answer without «{wanted[:30]}»"
        return None if "<Message>" in answer.text else "no answer message"

    return b.call(
        kind, "POST", SMS_HOOK, form=form, headers=_signed(form), check=answered
    ).text


def line_report(b: Browser, world: World, n: int, *, whatsapp: bool) -> None:
    label = "whatsapp" if whatsapp else "sms"
    number = f"+5215{random.randrange(10**8):08d}"
    sender = f"whatsapp:{number}" if whatsapp else number
    to = OUR_WHATSAPP_NUMBER if whatsapp else OUR_SMS_NUMBER
    for body in ("Hola", "3", "Confecciones del Bajío", "Aguascalientes", NARRATIVE):
        _line_message(b, f"{label}: conversation step", sender, to, body)
    last = _line_message(b, f"{label}: report made (reply choice)", sender, to, "1")
    found = GROUPED.search(last)
    if found is None:
        world.stats.add(f"{label}: report made (reply choice)", 0, "no receipt")
        raise FlowError("no receipt")
    _line_message(
        b,
        f"{label}: follow-up with receipt",
        sender,
        to,
        f"{found.group(1)} {FOLLOWUP}",
        wanted="Recibimos su mensaje",
    )


def email_report(b: Browser, world: World, n: int) -> None:
    sender = f"obrera-{uuid.uuid4().hex[:12]}@correo.soak.example"
    port = world.config.port + 1

    def send(kind: str, message: EmailMessage) -> None:
        started = time.perf_counter()
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
                client.send_message(message, from_addr=sender)
        except (OSError, smtplib.SMTPException) as exc:
            world.stats.add(kind, time.perf_counter() - started, type(exc).__name__)
            raise FlowError(type(exc).__name__) from None
        world.stats.add(kind, time.perf_counter() - started)

    def answer(kind: str, subject: str) -> EmailMessage:
        started = time.perf_counter()
        got = world.sink.wait(sender, subject, timeout=60)
        world.stats.add(
            kind, time.perf_counter() - started, None if got else "no answer in 60 s"
        )
        if got is None:
            raise FlowError("no answer")
        return got

    report = EmailMessage()
    report["From"] = f"Una trabajadora <{sender}>"
    report["To"] = REPORT_ADDRESS
    report["Subject"] = "Denuncia"
    report["Message-ID"] = f"<{uuid.uuid4().hex}@correo.soak.example>"
    report.set_content(
        f"{NARRATIVE}\n\nEstado: Aguascalientes\nCentro: Confecciones del Bajío"
    )
    send("email: report sent (SMTP)", report)
    got = answer("email: receipt answer arrived", "Su denuncia fue recibida")
    found = GROUPED.search(_mail_text(got))
    if found is None:
        world.stats.add("email: receipt answer arrived", 0, "no receipt")
        raise FlowError("no receipt")
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = REPORT_ADDRESS
    reply["Subject"] = f"Re: Su denuncia fue recibida {found.group(1)}"
    reply["Message-ID"] = f"<{uuid.uuid4().hex}@correo.soak.example>"
    reply.set_content(FOLLOWUP)
    send("email: follow-up sent (SMTP)", reply)
    answer("email: follow-up answer arrived", "Su mensaje se agregó a su denuncia")


@dataclass
class StaffDesk:
    """What one staff member keeps between rounds."""

    index: int
    of: int
    token: str = ""
    cases: list[str] = field(default_factory=list)
    moved: dict[str, str] = field(default_factory=dict)
    next_import: float = 0.0

    def mine(self, report_id: str) -> bool:
        # Each staff member works their own share, so that two of them never
        # race for one report (the loser would be refused, rightly).
        return uuid.UUID(report_id).int % self.of == self.index


def staff_api(b: Browser, desk: StaffDesk, world: World, n: int) -> None:
    auth = {"Authorization": f"Bearer {desk.token}"}
    triage = b.call(
        "staff api: read", "GET", "/api/v1/triage?limit=100", headers=auth
    ).json()
    b.call("staff api: read", "GET", "/api/v1/reports?limit=20", headers=auth)
    mine = [item["id"] for item in triage["items"] if desk.mine(item["id"])]
    if mine:
        report = mine[0]
        b.call("staff api: read", "GET", f"/api/v1/reports/{report}", headers=auth)
        b.call(
            "staff api: write",
            "POST",
            f"/api/v1/reports/{report}/messages",
            headers=auth,
            payload={"body": "Gracias; revisamos su denuncia esta semana."},
            expect=(201,),
        )
        b.call(
            "staff api: write",
            "POST",
            f"/api/v1/reports/{report}/status",
            headers=auth,
            payload={"status": "in_review"},
        )
        case = b.call(
            "staff api: write",
            "POST",
            "/api/v1/cases",
            headers=auth,
            payload={"report_ids": [report]},
            expect=(201,),
        ).json()
        desk.cases = [*desk.cases[-19:], case["id"]]
    b.call("staff api: read", "GET", "/api/v1/cases?limit=20", headers=auth)
    if desk.cases:
        case_id = desk.cases[n % len(desk.cases)]
        b.call("staff api: read", "GET", f"/api/v1/cases/{case_id}", headers=auth)
        b.call(
            "staff api: write",
            "POST",
            f"/api/v1/cases/{case_id}/notes",
            headers=auth,
            payload={"body": "Llamar a la organización aliada el lunes."},
            expect=(201,),
        )
        status = (
            "awaiting_response"
            if desk.moved.get(case_id) == "investigating"
            else "investigating"
        )
        b.call(
            "staff api: write",
            "POST",
            f"/api/v1/cases/{case_id}/status",
            headers=auth,
            payload={"status": status},
        )
        desk.moved[case_id] = status


def staff_login(b: Browser, username: str, code: str) -> None:
    page = b.call("staff web: login", "GET", "/staff/login/")
    b.call(
        "staff web: login",
        "POST",
        "/staff/login/",
        form={
            "csrfmiddlewaretoken": _csrf_of(page),
            "username": username,
            "password": STAFF_PASSWORD,
            "code": code,
        },
        expect=(302,),
    )


def staff_web(b: Browser, desk: StaffDesk, world: World, n: int) -> None:
    inbox = b.call("staff web: read", "GET", "/staff/reports/")
    reports = REPORT_LINK.findall(inbox.text)
    if reports:
        b.call("staff web: read", "GET", f"/staff/reports/{reports[n % len(reports)]}/")
    cases = b.call("staff web: read", "GET", "/staff/cases/")
    found = CASE_LINK.findall(cases.text)
    if found:
        case_id = found[n % len(found)]
        page = b.call("staff web: read", "GET", f"/staff/cases/{case_id}/")
        b.call(
            "staff web: write",
            "POST",
            f"/staff/cases/{case_id}/notes/",
            form={
                "csrfmiddlewaretoken": _csrf_of(page) or b.csrf,
                "body": "Visto en la reunión del equipo.",
            },
            expect=(302,),
        )
    if time.monotonic() >= desk.next_import:
        desk.next_import = time.monotonic() + world.config.import_every
        facility_import(b, desk, world, n)


def _facility_csv(desk: StaffDesk, n: int, rows: int = 12) -> bytes:
    lines = ["name,municipality,state,sector,workers,external_id"]
    for i in range(rows):
        tag = uuid.uuid4().hex[:6]
        lines.append(
            f"Maquiladora {tag} {desk.index}-{n}-{i},Puebla,MX-PUE,textil,"
            f"{50 + i},SOAK-{tag}"
        )
    return ("\n".join(lines) + "\n").encode()


def _multipart(fields: dict[str, str], name: str, data: bytes) -> tuple[bytes, str]:
    boundary = "soak" + uuid.uuid4().hex
    out = []
    for key, value in fields.items():
        out.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    out.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{name}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
        + data
        + b"\r\n"
    )
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def facility_import(b: Browser, desk: StaffDesk, world: World, n: int) -> None:
    page = b.call("import: upload", "GET", "/staff/facilities/import/")
    body, content_type = _multipart(
        {"csrfmiddlewaretoken": _csrf_of(page)},
        f"registro-{desk.index}-{n}.csv",
        _facility_csv(desk, n),
    )
    queued = time.perf_counter()
    sent = b.call(
        "import: upload",
        "POST",
        "/staff/facilities/import/",
        body=body,
        headers={"Content-Type": content_type},
        expect=(302,),
    )
    found = IMPORT_LINK.search(sent.headers.get("Location", ""))
    if found is None:
        world.stats.add("import: queued -> done (worker)", 0, "no import page")
        raise FlowError("no import page")
    with world.lock:
        world.imports.append(found.group(1))
    while True:
        status = b.call(
            "import: status poll",
            "GET",
            f"/staff/facilities/import/{found.group(1)}/status/",
        )
        if "hx-trigger" not in status.text:
            failed = any(
                mark in status.text
                for mark in ('id="import-retry"', 'id="file-error"', 'id="row-errors"')
            )
            world.stats.add(
                "import: queued -> done (worker)",
                time.perf_counter() - queued,
                "import failed" if failed else None,
            )
            return
        if time.perf_counter() - queued > 120:
            world.stats.add(
                "import: queued -> done (worker)",
                time.perf_counter() - queued,
                "not done in 120 s",
            )
            raise FlowError("import not done")
        time.sleep(1)


# --- Processes and sampling ---------------------------------------------------------------


def _rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _children(pid: int) -> list[int]:
    try:
        return [
            int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]
    except OSError:
        return []


@dataclass
class Sample:
    at: float
    rss: dict[str, int]
    connections: int
    queue: int


@dataclass
class Monitor:
    config: Config
    serve_pid: int
    named: dict[str, int]
    samples: list[Sample] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    stop: threading.Event = field(default_factory=threading.Event)
    labels: dict[int, str] = field(default_factory=dict)

    def _processes(self) -> dict[str, int]:
        found = dict(self.named)
        for pid in _children(self.serve_pid):
            if pid not in self.labels:
                self.labels[pid] = f"app worker {len(self.labels) + 1} (pid {pid})"
            found[self.labels[pid]] = pid
        return found

    def sample(self, db: Any, storage: Any) -> Sample:
        rss = {
            name: kb
            for name, pid in self._processes().items()
            if (kb := _rss_kb(pid)) is not None
        }
        connections = db.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
        queue = storage.queue_size()
        return Sample(time.monotonic() - self.started, rss, connections, queue)

    def run(self) -> None:
        import psycopg
        from huey.storage import PriorityRedisStorage

        storage = PriorityRedisStorage("remedia", url=self.config.redis_url)
        with psycopg.connect(self.config.database_url, autocommit=True) as db:
            while not self.stop.is_set():
                self.samples.append(self.sample(db, storage))
                self.stop.wait(self.config.sample_every)


# --- Setting up ------------------------------------------------------------------------


SETUP = r"""
import json, secrets
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from remedia.accounts import keys, services
from remedia.accounts.permissions import Sector
from remedia.intake.models import IntakeConfiguration, RoutingRule
API, WEB, PASSWORD = __COUNTS__
org = services.organisation_create(name="Centro de atención (soak)", sector=Sector.CIVIL_SOCIETY)
keys.organisation_escrow_issue(organisation=org)
RoutingRule.objects.create(organisation=org, state="")
config = IntakeConfiguration.objects.get(id=1)
config.default_organisation = org
config.save()
out = {"api": [], "web": []}
for i in range(API):
    user = services.user_create(username=f"soak-api-{i}", password=PASSWORD,
                                organisation=org, roles=["handler"])
    private = keys.user_key_unlock(user=user, password=PASSWORD)
    _token, raw = services.token_issue(user=user, name="soak", private_key=private)
    out["api"].append(raw)
for i in range(WEB):
    user = services.user_create(username=f"soak-web-{i}", password=PASSWORD,
                                organisation=org, roles=["handler"])
    device = StaticDevice.objects.create(user=user, name="soak", confirmed=True)
    code = secrets.token_hex(4)
    StaticToken.objects.create(device=device, token=code)
    out["web"].append({"username": user.username, "code": code})
print("SOAK " + json.dumps(out))
"""


def environment(config: Config, data_dir: Path) -> dict[str, str]:
    """Production's settings (REMEDIA_DEBUG=0) on the soak's own services."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("REMEDIA_", "DJANGO_", "PYTEST", "DATABASE_URL"))
        and k not in ("REDIS_URL", "EMAIL_URL")
    }
    lifted = "1000000"
    env.update(
        {
            "DATABASE_URL": config.database_url,
            "REDIS_URL": config.redis_url,
            "REMEDIA_DEBUG": "0",
            "REMEDIA_SECRET_KEY": "soak-" + "s" * 60,
            "REMEDIA_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "REMEDIA_DATA_DIR": str(data_dir),
            "REMEDIA_LOG_LEVEL": "WARNING",
            "REMEDIA_BASE_URL": BASE_URL,
            "REMEDIA_REPORT_EMAIL": REPORT_ADDRESS,
            "EMAIL_URL": f"smtp://127.0.0.1:{config.port + 3}",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_API_URL": f"http://127.0.0.1:{config.port + 2}",
            "TWILIO_SMS_FROM": OUR_SMS_NUMBER,
            "TWILIO_WHATSAPP_FROM": OUR_WHATSAPP_NUMBER,
            # The throttles are lifted, not met: a 429 in the soak is an error.
            "REMEDIA_INTAKE_MAX_PER_MINUTE": lifted,
            "REMEDIA_SMS_MAX_PER_MINUTE": lifted,
            "REMEDIA_SMS_MAX_PER_NUMBER": lifted,
            "REMEDIA_EMAIL_ANSWERS_PER_HOUR": lifted,
        }
    )
    return env


def _fresh_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    admin = f"{parsed.scheme}://{parsed.netloc}/postgres"
    name = parsed.path.lstrip("/")
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        raise SoakError(f"PostgreSQL is needed at {admin}: {exc}") from None


def _drop_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    admin = f"{parsed.scheme}://{parsed.netloc}/postgres"
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)'
        )


def _flush_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).flushdb()
    except redis.RedisError as exc:
        raise SoakError(f"Redis is needed at {url}: {exc}") from None


def _empty_redis(url: str) -> None:
    """The soak's Redis database must be its own: a queue shared with another
    program's worker loses jobs to it (they run there, against another
    database, and are gone), which would fail the soak for nothing."""
    import redis

    try:
        keys = redis.Redis.from_url(url, socket_connect_timeout=5).dbsize()
    except redis.RedisError as exc:
        raise SoakError(f"Redis is needed at {url}: {exc}") from None
    if keys:
        raise SoakError(
            f"Redis database {url} holds {keys} keys: another program uses it. "
            "Choose an unused one with SOAK_REDIS_URL (the soak flushes it "
            "when it ends)."
        )


def _run(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [REMEDIA, *args], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def _finished(proc: subprocess.Popen[bytes], log: Path, what: str) -> None:
    if proc.wait(timeout=900) != 0:
        raise SoakError(f"{what} failed:\n{log.read_text()[-3000:]}")


def _wait_port(port: int, proc: subprocess.Popen[bytes], log: Path, path: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SoakError(
                f"a process stopped while starting:\n{log.read_text()[-3000:]}"
            )
        try:
            if path:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", path, headers=HEADERS)
                if conn.getresponse().status == 200:
                    return
            else:
                with socket.create_connection(("127.0.0.1", port), timeout=2):
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SoakError(f"nothing answered on port {port}:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)


@contextmanager
def _standin(port: int) -> Iterator[Any]:
    from remedia.intake.channels.standin import ProviderStandin

    with ProviderStandin(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, port=port
    ) as standin:
        yield standin


# --- The result -----------------------------------------------------------------------


@dataclass
class Growth:
    name: str
    start_kb: int
    end_kb: int
    peak_kb: int

    @property
    def growth(self) -> float:
        return self.end_kb / self.start_kb - 1 if self.start_kb else 0.0


@dataclass
class Result:
    config: Config
    stats: Stats
    samples: list[Sample]
    growth: list[Growth]
    log_errors: list[str]
    log_warnings: int
    drained: bool
    drain_note: str
    took: float
    replies_delivered: int
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def table(self) -> str:
        c = self.config
        lines = [
            f"Remedia soak · {os.cpu_count()} cores (shared) · PostgreSQL + Redis · "
            f"gunicorn {c.workers} workers x {c.threads} threads (never recycled), "
            f"job worker {c.job_workers} threads · {c.clients} clients "
            f"({c.clients - c.staff} reporting, {c.staff} staff) · "
            f"{c.seconds:.0f} s · {time.strftime('%Y-%m-%d %H:%M')}",
            "",
            f"{'requests by kind':<40} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'max ms':>8} {'errors':>6}",
        ]
        for name in sorted(self.stats.kinds):
            k = self.stats.kinds[name]
            lines.append(
                f"{name:<40} {len(k.samples):>7} "
                f"{drive_kit.percentile(k.samples, 50) * 1000:>8.0f} "
                f"{drive_kit.percentile(k.samples, 95) * 1000:>8.0f} "
                f"{max(k.samples, default=0) * 1000:>8.0f} {k.errors:>6}"
                + (f"  {'; '.join(k.reasons)}" if k.reasons else "")
            )
        lines.append(
            f"{'all':<40} {self.stats.requests:>7} {'':>8} {'':>8} {'':>8} "
            f"{self.stats.errors:>6}  ({self.stats.requests / self.took:.1f}/s)"
        )
        lines += [
            "",
            f"{'memory (RSS) by process':<40} {'start MB':>9} {'end MB':>8} "
            f"{'peak MB':>8} {'growth':>7}",
        ]
        for g in self.growth:
            lines.append(
                f"{g.name:<40} {g.start_kb / 1024:>9.1f} {g.end_kb / 1024:>8.1f} "
                f"{g.peak_kb / 1024:>8.1f} {g.growth * 100:>6.1f}%"
            )
        lines.append("RSS MB by minute (median of its samples):")
        for g in self.growth:
            lines.append(
                f"  {g.name:<38} "
                + " ".join(f"{mb:.0f}" for mb in _by_minute(self.samples, g.name))
            )
        connections = [s.connections for s in self.samples]
        queue = [s.queue for s in self.samples]
        limit = (
            f"< {c.growth_limit * 100:.0f} %"
            if c.growth_limit is not None
            else "not judged"
        )
        lines += [
            f"(start: lowest sample in the {_window(c):.0f} s after the "
            f"{c.warmup:.0f} s warm-up; end: lowest in the last {_window(c):.0f} s; "
            f"limit {limit})",
            "",
            f"database connections: max {max(connections, default=0)} "
            f"(bound {c.connection_bound} = {c.workers}x{c.threads} + "
            f"{c.job_workers} + {SMTPD_THREADS} + {CONNECTION_MARGIN}), "
            f"first half max {_half_max(self.samples, c, first=True)}, "
            f"last quarter max {_half_max(self.samples, c, first=False)}",
            f"job queue: max {max(queue, default=0)} waiting; {self.drain_note}",
            f"replies delivered to the provider stand-in: {self.replies_delivered}",
            f"log lines: {len(self.log_errors)} errors, {self.log_warnings} warnings",
        ]
        lines += [f"  {line[:300]}" for line in self.log_errors[:5]]
        lines.append("")
        lines.append(
            "PASSED"
            if self.passed
            else "FAILED:\n" + "\n".join(f"- {f}" for f in self.failures)
        )
        return "\n".join(lines)


def _by_minute(samples: list[Sample], name: str) -> list[float]:
    minutes: dict[int, list[int]] = {}
    for sample in samples:
        if name in sample.rss:
            minutes.setdefault(int(sample.at // 60), []).append(sample.rss[name])
    return [statistics.median(v) / 1024 for _m, v in sorted(minutes.items())]


def _window(config: Config) -> float:
    return min(60.0, max(5.0, (config.seconds - config.warmup) / 4))


def _half_max(samples: list[Sample], config: Config, *, first: bool) -> int:
    after = [s for s in samples if config.warmup <= s.at <= config.seconds]
    if not after:
        return 0
    span = config.seconds - config.warmup
    if first:
        chosen = [s for s in after if s.at <= config.warmup + span / 2]
    else:
        chosen = [s for s in after if s.at >= config.seconds - span / 4]
    return max((s.connections for s in chosen), default=0)


def _growth(samples: list[Sample], config: Config) -> list[Growth]:
    window = _window(config)
    names = sorted({name for s in samples for name in s.rss})
    found = []
    for name in names:
        early = [
            s.rss[name]
            for s in samples
            if name in s.rss and config.warmup <= s.at <= config.warmup + window
        ]
        late = [
            s.rss[name]
            for s in samples
            if name in s.rss and config.seconds - window <= s.at <= config.seconds
        ]
        peak = max(s.rss[name] for s in samples if name in s.rss)
        if early and late:
            # The floor of each window, not its median: a receipt's Argon2id
            # takes 19 MiB for a tenth of a second in each thread hashing
            # one, so a sample lands on up to 4 x 19 MiB of buffers that are
            # freed right after. A leak raises the floor; they do not.
            found.append(Growth(name, min(early), min(late), peak))
    return found


def _samples_write(path: Path, samples: list[Sample]) -> None:
    """Every sample, for a closer look (kept with SOAK_KEEP=1)."""
    names = sorted({name for s in samples for name in s.rss})
    rows = ["seconds,connections,queue," + ",".join(names)]
    for s in samples:
        rows.append(
            f"{s.at:.1f},{s.connections},{s.queue},"
            + ",".join(str(s.rss.get(name, "")) for name in names)
        )
    path.write_text("\n".join(rows) + "\n")


def _log_lines(logs: list[Path]) -> tuple[list[str], int]:
    errors, warnings = [], 0
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            lowered = line.lower()
            # JSON lines, huey's own "LEVEL:logger:" lines, gunicorn's "[LEVEL]".
            if (
                '"level": "error"' in lowered
                or '"level": "critical"' in lowered
                or "traceback" in lowered
                or PLAIN_ERROR.search(line)
            ):
                errors.append(f"{log.name}: {line}")
            elif '"level": "warning"' in lowered or PLAIN_WARNING.search(line):
                warnings += 1
    return errors, warnings


def _drain(config: Config) -> tuple[bool, str]:
    """Wait for the queue to empty and every import to finish."""
    import psycopg
    from huey.storage import PriorityRedisStorage

    storage = PriorityRedisStorage("remedia", url=config.redis_url)
    started = time.monotonic()
    with psycopg.connect(config.database_url, autocommit=True) as db:
        while True:
            queued = storage.queue_size()
            unfinished = db.execute(
                "SELECT count(*) FROM facilities_facilityimport "
                "WHERE status IN ('pending', 'running')"
            ).fetchone()[0]
            deferred = db.execute("SELECT count(*) FROM core_deferredjob").fetchone()[0]
            failed = db.execute(
                "SELECT count(*) FROM facilities_facilityimport WHERE status = 'failed'"
            ).fetchone()[0]
            took = time.monotonic() - started
            if queued == 0 and unfinished == 0 and deferred == 0:
                return failed == 0, (
                    f"drained {took:.1f} s after the clients stopped"
                    + (f"; {failed} imports FAILED" if failed else "")
                )
            if took > config.drain_seconds:
                return False, (
                    f"NOT drained after {took:.0f} s: {queued} queued, "
                    f"{unfinished} imports unfinished, {deferred} jobs deferred"
                )
            time.sleep(1)


def _judge(result: Result) -> None:
    c = result.config
    f = result.failures
    if result.stats.errors:
        f.append(f"{result.stats.errors} requests failed")
    if not result.stats.requests:
        f.append("no request was made")
    for channel in CHANNELS:
        if not any(
            name.startswith(f"{channel}:") and kind.samples
            for name, kind in result.stats.kinds.items()
        ):
            f.append(f"no {channel} traffic")
    if not any(
        name.startswith("import:") and kind.samples
        for name, kind in result.stats.kinds.items()
    ):
        f.append("no facility import")
    if result.log_errors:
        f.append(f"{len(result.log_errors)} ERROR lines in the processes' logs")
    if not result.drained:
        f.append(result.drain_note)
    connections = [s.connections for s in result.samples]
    if max(connections, default=0) > c.connection_bound:
        f.append(
            f"{max(connections)} database connections, above the bound "
            f"{c.connection_bound}"
        )
    early = _half_max(result.samples, c, first=True)
    late = _half_max(result.samples, c, first=False)
    if late > early + 2:
        f.append(f"database connections grew: {early} then {late}")
    if not result.growth:
        f.append("no memory sample after the warm-up")
    elif c.growth_limit is not None:
        worst = max(result.growth, key=lambda g: g.growth)
        if worst.growth >= c.growth_limit:
            f.append(
                f"{worst.name} grew {worst.growth * 100:.1f} % "
                f"(limit {c.growth_limit * 100:.0f} %)"
            )


# --- Running -------------------------------------------------------------------------


def _say(what: str) -> None:
    print(f"soak {time.strftime('%H:%M:%S')}: {what}", file=sys.stderr, flush=True)


def run(config: Config) -> Result:
    """Set up, drive, sample, drain, tear down; the numbers and the verdict."""
    _say("fresh database and Redis")
    _empty_redis(config.redis_url)
    _fresh_database(config.database_url)
    work = Path(tempfile.mkdtemp(prefix="remedia-soak-", dir=config.work_dir))
    data_dir = work / "var"
    data_dir.mkdir()
    env = environment(config, data_dir)
    logs = {
        name: work / f"{name}.log" for name in ("setup", "serve", "worker", "smtpd")
    }
    serve = worker = smtpd = None
    try:
        # Both at once: migrations need the database, collectstatic only the disk.
        migrate = _run(env, logs["setup"], "migrate", "--noinput", "-v0")
        static = _run(env, work / "static.log", "collectstatic", "--noinput", "-v0")
        _finished(migrate, logs["setup"], "migrate")
        _finished(static, work / "static.log", "collectstatic")
        _say("migrated, static files collected; staff next")
        api_staff = (config.staff + 1) // 2
        web_staff = config.staff - api_staff
        script = SETUP.replace(
            "__COUNTS__", repr((api_staff, web_staff, STAFF_PASSWORD))
        )
        done = subprocess.run(
            [REMEDIA, "shell", "-c", script],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SoakError("setting up the staff failed:\n" + done.stderr[-3000:])
        made = json.loads(
            next(
                line for line in done.stdout.splitlines() if line.startswith("SOAK ")
            ).removeprefix("SOAK ")
        )
        with MailSink(config.port + 3) as sink, _standin(config.port + 2) as standin:
            serve = _run(
                env, logs["serve"], "serve", "--no-collectstatic",
                "--bind", f"127.0.0.1:{config.port}",
                "--workers", str(config.workers), "--threads", str(config.threads),
                "--max-requests", "0",
            )  # fmt: skip
            worker = _run(
                env, logs["worker"], "worker", "--workers", str(config.job_workers)
            )
            smtpd = _run(
                env, logs["smtpd"], "smtpd", "--host", "127.0.0.1",
                "--port", str(config.port + 1),
            )  # fmt: skip
            _wait_port(config.port, serve, logs["serve"], "/readyz")
            _wait_port(config.port + 1, smtpd, logs["smtpd"], "")
            _say(f"serving; {config.clients} clients for {config.seconds:.0f} s")
            result = _drive(config, made, sink, serve.pid, worker.pid, smtpd.pid)
            _say("clients done; draining the queue")
            drained, note = _drain(config)
            result.drained, result.drain_note = drained, note
            result.replies_delivered = len(standin.messages)
        _samples_write(work / "samples.csv", result.samples)
        for proc in (serve, worker, smtpd):
            _stop(proc)
        result.log_errors, result.log_warnings = _log_lines(
            [logs["serve"], logs["worker"], logs["smtpd"]]
        )
        _judge(result)
        return result
    finally:
        for proc in (serve, worker, smtpd):
            _stop(proc)
        # The queue's jobs mean nothing without this run's database.
        _flush_redis(config.redis_url)
        if config.keep:
            print(f"soak: logs, data and database kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
            _drop_database(config.database_url)


def _drive(
    config: Config,
    made: dict[str, Any],
    sink: MailSink,
    serve_pid: int,
    worker_pid: int,
    smtpd_pid: int,
) -> Result:
    stats = Stats()
    desks: list[tuple[str, StaffDesk, dict[str, str]]] = []
    api_tokens, web_logins = list(made["api"]), list(made["web"])
    for i in range(config.staff):
        if i % 2 == 0 and api_tokens:
            desks.append(
                ("api", StaffDesk(i, config.staff, token=api_tokens.pop()), {})
            )
        else:
            desks.append(("web", StaffDesk(i, config.staff), web_logins.pop()))
    # Staff sign in once, as at the start of a day (two Argon2id derivations).
    browsers: dict[int, Browser] = {}
    for i, (role, _desk, login) in enumerate(desks):
        if role == "web":
            browsers[i] = Browser(config.port, stats)
            try:
                staff_login(browsers[i], login["username"], login["code"])
            except FlowError:
                pass  # counted; their pages will fail too, and be counted

    monitor = Monitor(
        config,
        serve_pid,
        {"job worker (remedia worker)": worker_pid, "mail listener (smtpd)": smtpd_pid},
    )
    sampler = threading.Thread(target=monitor.run, daemon=True)
    sampler.start()
    world = World(config, stats, sink, stop_at=time.monotonic() + config.seconds)
    reporter_flows: list[Callable[[Browser, World, int], None]] = [
        web_report,
        api_report,
        lambda b, w, n: line_report(b, w, n, whatsapp=False),
        lambda b, w, n: line_report(b, w, n, whatsapp=True),
        email_report,
    ]

    def client(index: int) -> None:
        rng = random.Random(index)
        browser = browsers.get(index) or Browser(config.port, stats)
        desk = desks[index][1] if index < len(desks) else None
        n = 0
        # Spread the first requests over a second or two, as people arrive.
        time.sleep(rng.uniform(0, 2))
        while time.monotonic() < world.stop_at:
            try:
                if desk is None:
                    browser.forget()  # each report is another worker's
                    flow = reporter_flows[(index + n) % len(reporter_flows)]
                    flow(browser, world, n)
                elif desks[index][0] == "api":
                    staff_api(browser, desk, world, n)
                else:
                    staff_web(browser, desk, world, n)
            except FlowError:
                pass
            n += 1
            time.sleep(rng.uniform(0, 2 * config.think))
        browser.close()

    took = drive_kit.run_clients(config.clients, client)
    monitor.stop.set()
    sampler.join(timeout=30)
    return Result(
        config=config,
        stats=stats,
        samples=monitor.samples,
        growth=_growth(monitor.samples, config),
        log_errors=[],
        log_warnings=0,
        drained=False,
        drain_note="",
        took=took,
        replies_delivered=0,
    )


def main() -> None:
    config = Config.from_env()
    try:
        result = run(config)
    except SoakError as exc:
        raise SystemExit(f"soak: {exc}") from None
    print(result.table())
    sys.exit(0 if result.passed else 1)


if __name__ == "__main__":
    main()
