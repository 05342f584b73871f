"""The provider's webhooks for `make bench`: SMS conversations and phone calls.

The SMS/WhatsApp and voice channels (PRODUCT.md, C2 and "HTTP") are webhooks
the telephony provider calls; it gives up on one after 15 s, so that is each
request's limit here (PROVIDER_TIMEOUT_SECONDS). This module plays the
provider against the bench's `remedia serve`: every request is a form signed
with the twilio library's RequestValidator for the exact address the server
named, and the recordings are served by the provider stand-in
(`remedia.intake.channels.standin`), which this module starts on loopback and
which the server fetches from and deletes at, as it would at the provider.

`server_env(standin_port=...)` is what the server needs, added to the
environment bench/__main__.py passes to `remedia serve`: the provider's
account, token and API address (the stand-in), the public base URL the
signatures cover, and the lines' flood guards lifted (the bench measures the
hooks, not the guards; every conversation comes from a new number anyway).

`run(...)` then measures, for `seconds` each:

1. SMS: CLIENTS clients, each holding whole report conversations one after
   another, each from a new simulated number: greeting, category, workplace,
   state, what happened, the reply choice, which answers with the receipt.
   p50/p95 of every webhook request and of the last (the report: one Argon2id
   hash, encryption, one transaction), reports per second, errors.
2. Voice: CLIENTS callers, each making whole calls to the receipt: the
   greeting, 1, a category, a state, the workplace's name (a 2 s recording)
   and the story (a STORY_SECONDS recording at 8 kHz, 16 bits, about 1 MB).
   The recordings go as the provider sends them: the `<Record>` action, then
   the recording callback, which fetches the file from the stand-in, cleans
   and encrypts it, deletes it there and, for the story, makes the report;
   then the caller's "one moment" round hears the receipt. (The provider
   pauses two seconds before that round; the bench does not wait.) p95 of
   each step, the slowest story recording, calls per second, and whether
   every recording was deleted at the stand-in.

It returns (measure, value, limit, ratio, note) rows like the other modules.
"""

from __future__ import annotations

import http.client
import io
import math
import re
import struct
import threading
import time
import uuid
import wave
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from twilio.request_validator import RequestValidator

from bench import drive as drive_kit
from remedia.intake.channels.standin import ProviderStandin

Row = tuple[str, str, str, float | None, str]

CLIENTS = 8
PROVIDER_TIMEOUT_SECONDS = 15.0
LIMIT = "p95 < 15,000 ms (provider timeout)"
ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-provider-token-" + "0123456789abcdef"
BASE_URL = "https://remedia.bench.example"
SMS_HOOK = "/hooks/twilio/sms"
VOICE_HOOK = "/hooks/twilio/voice"
OUR_NUMBER = "+15550009999"
STORY_SECONDS = 60
FACILITY_SECONDS = 2
NARRATIVE = (
    "El supervisor de la línea 3 dijo que quien vote por el sindicato nuevo "
    "perderá las horas extra y el bono de puntualidad."
)
SMS_STEPS = [
    ("greeting", "Hola"),
    ("category", "3"),
    ("workplace", "Confecciones del Bajío"),
    ("state", "Aguascalientes"),
    ("story", NARRATIVE),
    ("reply choice (report)", "1"),
]
VOICE_STEPS = [
    "call (greeting)",
    "1: report",
    "category",
    "state",
    "workplace: <Record> action",
    "workplace: recording callback",
    "story: <Record> action",
    "story: recording callback",
    "one moment: receipt read",
]
RECORDING_STEP = "story: recording callback"
_GROUPED_RECEIPT = re.compile(r"\b\d{4} \d{4} \d{4} \d{4}\b")
_SPOKEN_RECEIPT = re.compile(r"^(\d, \d, \d, \d\. ){3}\d, \d, \d, \d\.$")


def server_env(*, standin_port: int) -> dict[str, str]:
    """What `remedia serve` needs to take the provider's webhooks here."""
    lifted = "1000000"
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_URL": f"http://127.0.0.1:{standin_port}",
        "REMEDIA_BASE_URL": BASE_URL,
        "REMEDIA_SMS_MAX_PER_MINUTE": lifted,
        "REMEDIA_SMS_MAX_PER_NUMBER": lifted,
        "REMEDIA_VOICE_MAX_CALLS_PER_MINUTE": lifted,
        "REMEDIA_VOICE_MAX_CALLS_PER_NUMBER": lifted,
    }


def wav(seconds: float, *, rate: int = 8000) -> bytes:
    """A real WAV as the provider records it: 8 kHz, 16-bit mono (a soft tone)."""
    step = 2 * math.pi * 440 / rate
    frames = struct.pack(
        f"<{int(seconds * rate)}h",
        *(int(3000 * math.sin(step * n)) for n in range(int(seconds * rate))),
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


# --- Measuring ------------------------------------------------------------------------


@dataclass
class Timings:
    """Latencies by step, errors with their first reasons, finished flows."""

    steps: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    reasons: list[str] = field(default_factory=list)
    done: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, step: str, seconds: float) -> None:
        with self.lock:
            self.steps.setdefault(step, []).append(seconds)

    def fail(self, reason: str) -> None:
        with self.lock:
            self.errors += 1
            if len(self.reasons) < 3:
                self.reasons.append(reason)

    def finished(self) -> None:
        with self.lock:
            self.done += 1

    def all(self) -> list[float]:
        return [s for samples in self.steps.values() for s in samples]


class FlowError(Exception):
    """The server's answer was not what the provider's next step needs."""


class Provider:
    """One client connection that signs requests as the provider does."""

    def __init__(self, *, port: int, headers: dict[str, str]) -> None:
        self.port = port
        self.headers = headers
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.validator = RequestValidator(AUTH_TOKEN)

    def post(self, url: str, form: dict[str, str]) -> tuple[ET.Element, float]:
        """POST the signed form to `url` (an address under BASE_URL)."""
        if not url.startswith(BASE_URL):
            raise FlowError(f"not our address: {url[:80]}")
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        body = urlencode(form).encode()
        headers = {
            **self.headers,
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": self.validator.compute_signature(url, form),
        }
        started = time.perf_counter()
        try:
            self.conn.request("POST", path, body=body, headers=headers)
            response = self.conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            raise FlowError(type(exc).__name__) from None
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise FlowError(f"{response.status} from {parts.path}?{parts.query}")
        try:
            root = ET.fromstring(content)  # noqa: S314  (the bench's own server)
        except ET.ParseError:
            raise FlowError("not TwiML") from None
        if root.tag != "Response":
            raise FlowError("not TwiML")
        return root, elapsed

    def close(self) -> None:
        self.conn.close()


def _drive(
    *,
    port: int,
    headers: dict[str, str],
    seconds: float,
    flow: Callable[[Provider, int, Timings], None],
    timings: Timings,
) -> float:
    """Run `flow` over and over in CLIENTS threads for `seconds`; the time taken."""
    stop_at = time.monotonic() + seconds

    def client(index: int) -> None:
        provider = Provider(port=port, headers=headers)
        n = 0
        while time.monotonic() < stop_at:
            try:
                flow(provider, index * 1_000_000 + n, timings)
            except FlowError as exc:
                timings.fail(str(exc))
            n += 1
        provider.close()

    return drive_kit.run_clients(CLIENTS, client)


# --- SMS ---------------------------------------------------------------------------------


def _sms_conversation(provider: Provider, n: int, timings: Timings) -> None:
    sender = f"+5215{n:08d}"
    answer = ""
    for step, body in SMS_STEPS:
        form = {
            "MessageSid": "SM" + uuid.uuid4().hex,
            "AccountSid": ACCOUNT_SID,
            "From": sender,
            "To": OUR_NUMBER,
            "Body": body,
            "NumMedia": "0",
        }
        root, elapsed = provider.post(BASE_URL + SMS_HOOK, form)
        timings.add(step, elapsed)
        answer = "\n".join(m.text or "" for m in root.iter("Message"))
        if not answer:
            raise FlowError(f"no answer to the {step}")
    if not _GROUPED_RECEIPT.search(answer):
        raise FlowError("no receipt at the end of the conversation")
    timings.finished()


# --- Voice -------------------------------------------------------------------------------


def _said(root: ET.Element) -> list[str]:
    return [say.text or "" for say in root.iter("Say")]


def _action(root: ET.Element, tag: str) -> str:
    element = root.find(tag)
    if element is None:
        raise FlowError(f"no <{tag}> where one was expected")
    return element.attrib["action"]


class _Caller:
    """One call, as the provider places it: the call's fields on every request."""

    def __init__(self, provider: Provider, standin: ProviderStandin, n: int) -> None:
        self.provider = provider
        self.standin = standin
        self.call_sid = "CA" + uuid.uuid4().hex
        self.number = f"+5233{n:08d}"

    def form(self, **extra: str) -> dict[str, str]:
        return {
            "CallSid": self.call_sid,
            "AccountSid": ACCOUNT_SID,
            "From": self.number,
            "To": OUR_NUMBER,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            **extra,
        }

    def record(
        self,
        root: ET.Element,
        *,
        seconds: int,
        audio: bytes,
        timings: Timings,
        steps: tuple[str, str],
    ) -> ET.Element:
        """Speak into the `<Record>`: its action, then the file's callback."""
        record = root.find("Record")
        if record is None:
            raise FlowError("no <Record> where one was expected")
        rsid = "RE" + uuid.uuid4().hex
        url = self.standin.add_recording(rsid, audio)
        answer, elapsed = self.provider.post(
            record.attrib["action"],
            self.form(
                RecordingUrl=url,
                RecordingSid=rsid,
                RecordingDuration=str(seconds),
                Digits="#",
            ),
        )
        timings.add(steps[0], elapsed)
        _empty, elapsed = self.provider.post(
            record.attrib["recordingStatusCallback"],
            {
                "AccountSid": ACCOUNT_SID,
                "CallSid": self.call_sid,
                "RecordingSid": rsid,
                "RecordingUrl": url,
                "RecordingStatus": "completed",
                "RecordingDuration": str(seconds),
                "RecordingChannels": "1",
                "RecordingSource": "RecordVerb",
            },
        )
        timings.add(steps[1], elapsed)
        return answer


@dataclass(frozen=True)
class Recordings:
    """What the callers say: the workplace's name and the story, as WAV files."""

    facility: bytes
    story: bytes


def _voice_call(
    provider: Provider,
    n: int,
    timings: Timings,
    *,
    standin: ProviderStandin,
    audio: Recordings,
) -> None:
    call = _Caller(provider, standin, n)
    root, elapsed = provider.post(
        BASE_URL + VOICE_HOOK, call.form(CallStatus="ringing")
    )
    timings.add(VOICE_STEPS[0], elapsed)
    for step, digits in ((VOICE_STEPS[1], "1"), (VOICE_STEPS[2], "3")):
        root, elapsed = provider.post(_action(root, "Gather"), call.form(Digits=digits))
        timings.add(step, elapsed)
    root, elapsed = provider.post(_action(root, "Gather"), call.form(Digits="1"))
    timings.add(VOICE_STEPS[3], elapsed)
    root = call.record(
        root,
        seconds=FACILITY_SECONDS,
        audio=audio.facility,
        timings=timings,
        steps=(VOICE_STEPS[4], VOICE_STEPS[5]),
    )
    root = call.record(
        root,
        seconds=STORY_SECONDS,
        audio=audio.story,
        timings=timings,
        steps=(VOICE_STEPS[6], VOICE_STEPS[7]),
    )
    for _round in range(5):
        redirect = root.find("Redirect")
        if root.find("Pause") is None or redirect is None or not redirect.text:
            break
        root, elapsed = provider.post(redirect.text, call.form())
        timings.add(VOICE_STEPS[8], elapsed)
    spoken = [s for s in _said(root) if _SPOKEN_RECEIPT.match(s)]
    if len(spoken) != 2 or spoken[0] != spoken[1]:
        raise FlowError("the receipt was not read back twice")
    timings.finished()


# --- Rows --------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def _errors_note(timings: Timings) -> str:
    if not timings.errors:
        return "0 errors"
    return f"{timings.errors} errors (FAILED): " + "; ".join(timings.reasons)


def run(
    *,
    port: int,
    headers: dict[str, str],
    standin_port: int,
    seconds: float = 15,
) -> list[Row]:
    """Measure the hooks of the server on `port`, which `server_env` configured.

    `headers`: what every request carries (Host, X-Forwarded-Proto);
    `standin_port`: where the provider stand-in listens (the server's
    TWILIO_API_URL); `seconds`: how long each of the two runs lasts.
    """
    rows: list[Row] = []

    sms = Timings()
    _drive(
        port=port, headers=headers, seconds=2, flow=_sms_conversation, timings=Timings()
    )  # warm-up
    took = _drive(
        port=port, headers=headers, seconds=seconds, flow=_sms_conversation, timings=sms
    )
    every = sms.all()
    last = sms.steps.get(SMS_STEPS[-1][0], [])
    rows += [
        (
            f"SMS hook p50 / p95, every request, {CLIENTS} clients",
            f"{_ms(drive_kit.percentile(every, 50))} / {_ms(drive_kit.percentile(every, 95))} ms",
            LIMIT,
            drive_kit.percentile(every, 95) / PROVIDER_TIMEOUT_SECONDS,
            f"{len(every)} requests, {_errors_note(sms)}",
        ),
        (
            "SMS hook p50 / p95, the reply choice (report made)",
            f"{_ms(drive_kit.percentile(last, 50))} / {_ms(drive_kit.percentile(last, 95))} ms",
            LIMIT,
            drive_kit.percentile(last, 95) / PROVIDER_TIMEOUT_SECONDS,
            "Argon2id receipt, encryption, commit",
        ),
        (
            f"SMS reports/s, {CLIENTS} clients (6 messages each)",
            f"{sms.done / took:.1f}/s",
            "—",
            None,
            f"{sms.done} reports in {took:.1f} s",
        ),
    ]

    audio = Recordings(facility=wav(FACILITY_SECONDS), story=wav(STORY_SECONDS))
    with ProviderStandin(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, port=standin_port
    ) as standin:

        def call(provider: Provider, n: int, timings: Timings) -> None:
            _voice_call(provider, n, timings, standin=standin, audio=audio)

        _drive(
            port=port, headers=headers, seconds=2, flow=call, timings=Timings()
        )  # warm-up
        voice = Timings()
        took = _drive(
            port=port, headers=headers, seconds=seconds, flow=call, timings=voice
        )
        left = len(standin.state.recordings)
        deleted = len(standin.deletions)
    for step in VOICE_STEPS:
        samples = voice.steps.get(step, [])
        value = f"{_ms(drive_kit.percentile(samples, 95))} ms"
        note = f"{len(samples)} requests"
        if step == RECORDING_STEP:
            value = f"{_ms(drive_kit.percentile(samples, 95))} / max {_ms(max(samples or [0]))} ms"
            note += f", {len(audio.story) / 1e6:.2f} MB fetched, encrypted, deleted"
        rows.append(
            (
                f"Voice hook p95, {step}",
                value,
                LIMIT,
                drive_kit.percentile(samples, 95) / PROVIDER_TIMEOUT_SECONDS,
                note,
            )
        )
    rows.append(
        (
            f"Voice calls to the receipt/s, {CLIENTS} callers",
            f"{voice.done / took:.2f}/s",
            "—",
            None,
            f"{voice.done} calls; {_errors_note(voice)}; {deleted} recordings "
            f"deleted at the stand-in, {left} left"
            + ("" if left == 0 else " (FAILED)"),
        )
    )
    return rows
