"""The voice line: report by phone with a few key presses and a recorded message.

A call is a chain of webhook requests, one per step, each answered with TwiML
(`<Say>` in es-MX, `<Gather>` for keys, `<Record>` for speech). The step
travels in the action URL's query (`?step=...`), which the provider signs
with the rest of the address. What the caller chose so far is kept between
requests in the shared cache under a keyed hash of the call's id, sealed with
a key derived from it, for a few idle minutes. The caller's number serves only
the limits, as a keyed hash; it is never stored or logged.

To report: 1, a category by key, the state by key (0 when they do not know,
as for email: the report then goes to the default organisation), the
workplace's name spoken (or # to skip), then what happened, spoken. The
receipt is read back digit by digit, twice. To follow up: 2, then the 16
digits of the receipt; the status and the handler's last message are spoken.

Recordings. The provider requests a `<Record>`'s action as soon as the caller
stops speaking, but the file may not exist yet: the provider processes it
first. So nothing is fetched there. Each `<Record>` names a
`recordingStatusCallback` on the same signed hook (`step=recording-facility`
or `step=recording-story`), which the provider requests once the file is
ready ("completed") or known to be missing ("absent"). That request fetches
it (only from `TWILIO_API_URL`, never an address the request names
elsewhere), refuses anything but a WAV within RECORDING_MAX_BYTES and the
`<Record>`'s length, cleans it like any attachment, deletes it at the provider
whatever happened, and keeps it sealed in the cache under a keyed hash of the
call and the recording. Meanwhile the caller hears "one moment" and the line
asks again every POLL_SECONDS (`step=saving`: a cache read). Whichever request
completes the report's parts (the story's action, the story's recording, the
workplace's recording) submits it, once: an atomic claim in the cache decides,
and the same claim lets a caller who waited too long give up for good.

Time. The provider waits 15 s for an answer. No request waits for another;
the longest is a recording's callback, whose fetch, deletion and submission
are each bounded (CALLBACK_WORST_SECONDS, 13 s). A fetch that fails or a
callback that never comes gets a kind answer (record again, or call again)
and keeps nothing; the recording is deleted at the provider in any case.

Hang-ups. A call that ends before the story is recorded keeps nothing: the
choices and the workplace's recording expire from the cache, and each
recording is deleted at the provider when its callback arrives. A call that
ends during or after the story (many callers end a message by hanging up)
keeps the report if the story's recording is usable (at least
STORY_MIN_SECONDS, fetched, a clean WAV): the worker has told what happened
and a handler can act on it, though the receipt could not be read back. An
unusable recording keeps nothing.

Bad input. A wrong key or silence repeats the question, three times at most,
then the call ends kindly. A recording too short, absent or that cannot be
fetched keeps nothing and asks again.

Abuse. New calls count against a per-minute ceiling for the line and, under
a keyed hash, an hourly ceiling per number. A hidden number ("Anonymous", or
the provider's numbers for it such as +266696687) is everyone who hides
theirs, not one caller: those calls share a bucket of half the line's minute
instead, so neither one hidden caller nor a flood of hidden calls can close
the line to the others.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
import urllib3
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from twilio.twiml.voice_response import VoiceResponse

from remedia.core import crypto, files
from remedia.core.errors import InvalidInput, Throttled
from remedia.intake import services
from remedia.intake.channels import common
from remedia.intake.channels.sms import MENU, follow_up_text
from remedia.intake.models import Channel

logger = logging.getLogger(__name__)

IDLE_SECONDS = 15 * 60
MAX_TRIES = 3
GATHER_TIMEOUT_SECONDS = 8
STORY_MAX_SECONDS = 180
FACILITY_MAX_SECONDS = 15
# Shorter than this is a hang-up or a cough, not a story.
STORY_MIN_SECONDS = 2
FACILITY_MIN_SECONDS = 1
# The provider stops at maxLength; a few seconds over is rounding, more is not ours.
DURATION_SLACK_SECONDS = 5
# The longest story at 16 kHz, 16 bits, mono, and a header; the provider's
# 8 kHz recordings take half of it.
RECORDING_MAX_BYTES = (STORY_MAX_SECONDS + DURATION_SLACK_SECONDS) * 32_000 + 4096
WAV_TYPES = frozenset({"audio/x-wav", "audio/wav", "audio/wave"})

# Every request to the provider is bounded, so that a callback answers well
# inside the provider's 15 s: the fetch stops at its deadline (checked between
# reads, so one read more at worst), the deletion has its own timeouts, and a
# submission (one Argon2id hash, encryption, one transaction) takes well under
# a second; two are allowed for a loaded machine.
CONNECT_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 2.0
FETCH_DEADLINE_SECONDS = 5.0
DELETE_TIMEOUT_SECONDS = (2.0, 2.0)
SUBMIT_ALLOWANCE_SECONDS = 2.0
CALLBACK_WORST_SECONDS = (
    max(FETCH_DEADLINE_SECONDS, CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS)
    + READ_TIMEOUT_SECONDS
    + sum(DELETE_TIMEOUT_SECONDS)
    + SUBMIT_ALLOWANCE_SECONDS
)
PROVIDER_TIMEOUT_SECONDS = 15

# While the story's recording is on its way, the caller waits in rounds of a
# short pause; past WAIT_ROUNDS (about half a minute) the line gives up, and
# past half of it the report goes without the workplace's recording.
POLL_SECONDS = 2
WAIT_ROUNDS = 12
OUTCOME_SECONDS = 120

API_VERSION = "2010-04-01"
_RECORDING_SID = re.compile(r"^RE[0-9a-fA-F]{32}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
# What the provider sends for a caller who hides the number: words, or the
# numbers that spell them on a keypad (ANONYMOUS, RESTRICTED, BLOCKED,
# UNKNOWN, UNAVAILABLE).
HIDDEN_NUMBERS = frozenset(
    {"+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253"}
)
RECORDED_PARTS = ("facility", "story")

LANGUAGE_VOICE = {"es": "es-MX", "en": "en-US"}

# The states with most garment work, by key; 0 is "I don't know / another".
STATES: list[tuple[str, Promise]] = [
    ("MX-AGU", gettext_lazy("Aguascalientes")),
    ("MX-COA", gettext_lazy("Coahuila")),
    ("MX-DUR", gettext_lazy("Durango")),
    ("MX-GUA", gettext_lazy("Guanajuato")),
    ("MX-JAL", gettext_lazy("Jalisco")),
    ("MX-MEX", gettext_lazy("Estado de México")),
    ("MX-PUE", gettext_lazy("Puebla")),
    ("MX-TLA", gettext_lazy("Tlaxcala")),
    ("MX-YUC", gettext_lazy("Yucatán")),
]


# --- The call's state: found by a keyed hash, sealed, expiring ------------------------


@dataclass(frozen=True)
class Caller:
    """Who is calling, as the provider says: kept only in memory for one request."""

    number: str
    call_sid: str

    # The call's id keys everything kept: the provider's recording callbacks
    # name the call but not the number, and callers who hide their number all
    # arrive as the same "Anonymous".

    def digest(self, label: bytes, extra: str = "") -> str:
        return common.keyed_digest(label=label, number=f"{self.call_sid}\n{extra}")

    @property
    def cache_key(self) -> str:
        return f"channels:voice:call:{self.digest(b'remedia.channels.voice.key')}"

    @property
    def sealing_key(self) -> bytes:
        return common.sealing_key(
            label=b"remedia.channels.voice.state", number=self.call_sid
        )

    @property
    def number_digest(self) -> str:
        return common.keyed_digest(
            label=b"remedia.channels.voice.number", number=self.number
        )

    @property
    def hidden(self) -> bool:
        """No number of one's own: hidden, or not a telephone number at all."""
        return self.number in HIDDEN_NUMBERS or not _E164.match(self.number)


def call_load(caller: Caller) -> dict[str, Any] | None:
    return common.sealed_load(cache_key=caller.cache_key, key=caller.sealing_key)


def call_keep(caller: Caller, call: dict[str, Any]) -> None:
    common.sealed_keep(
        cache_key=caller.cache_key,
        key=caller.sealing_key,
        data=call,
        timeout=IDLE_SECONDS,
    )


def call_forget(caller: Caller) -> None:
    common.forget(cache_key=caller.cache_key)


def _admitted(caller: Caller) -> bool:
    """Per-number and line-wide limits on new calls, under keyed hashes only."""
    minute = int(time.time() // 60)
    line_max = common.limit("REMEDIA_VOICE_MAX_CALLS_PER_MINUTE", 120)
    line = common.count(f"channels:voice:line:{minute}", timeout=120)
    if line > line_max:
        return False
    if caller.hidden:
        hidden = common.count(f"channels:voice:hidden:{minute}", timeout=120)
        return hidden <= max(1, line_max // 2)
    mine = common.count(f"channels:voice:number:{caller.number_digest}", timeout=3600)
    return mine <= common.limit("REMEDIA_VOICE_MAX_CALLS_PER_NUMBER", 20)


# --- Recordings waiting for the report: sealed, per call and recording -----------------


@dataclass(frozen=True)
class Recording:
    """A recording's fate once its callback came: usable audio, or nothing."""

    usable: bool
    audio: bytes = b""


def _recording_slot(caller: Caller, rsid: str) -> tuple[str, bytes]:
    digest = caller.digest(b"remedia.channels.voice.recording", rsid)
    key = common.sealing_key(
        label=b"remedia.channels.voice.recording.seal",
        number=f"{caller.call_sid}\n{rsid}",
    )
    return f"channels:voice:recording:{digest}", key


def recording_keep(caller: Caller, rsid: str, audio: bytes | None) -> None:
    cache_key, key = _recording_slot(caller, rsid)
    if audio is None:
        # A failure never overwrites a success: a repeated callback finds the
        # file deleted already, after the first one kept it.
        cache.add(cache_key, crypto.wrap(b"0\n", key=key), timeout=IDLE_SECONDS)
        return
    cache.set(cache_key, crypto.wrap(b"1\n" + audio, key=key), timeout=IDLE_SECONDS)


def recording_load(caller: Caller, rsid: str) -> Recording | None:
    """The recording as its callback left it; None while it has not come."""
    if not rsid:
        return None
    cache_key, key = _recording_slot(caller, rsid)
    sealed = cache.get(cache_key)
    if not sealed:
        return None
    try:
        plain = crypto.unwrap(sealed, key=key)
    except crypto.DecryptionFailed:
        cache.delete(cache_key)
        return None
    flag, _newline, audio = plain.partition(b"\n")
    return Recording(usable=flag == b"1", audio=audio)


def recording_forget(caller: Caller, rsid: str) -> None:
    if rsid:
        cache.delete(_recording_slot(caller, rsid)[0])


def _claim(caller: Caller, what: str) -> bool:
    """The one request that submits the report (or gives it up) wins this."""
    key = f"channels:voice:claim:{caller.digest(b'remedia.channels.voice.claim')}"
    return bool(cache.add(key, what, timeout=IDLE_SECONDS))


def _outcome_cache_key(caller: Caller) -> str:
    return f"channels:voice:outcome:{caller.digest(b'remedia.channels.voice.outcome')}"


def _outcome_keep(caller: Caller, outcome: dict[str, str]) -> None:
    common.sealed_keep(
        cache_key=_outcome_cache_key(caller),
        key=caller.sealing_key,
        data=outcome,
        timeout=OUTCOME_SECONDS,
    )


def _outcome_take(caller: Caller) -> dict[str, str] | None:
    outcome = common.sealed_load(
        cache_key=_outcome_cache_key(caller), key=caller.sealing_key
    )
    if outcome is not None:
        common.forget(cache_key=_outcome_cache_key(caller))
    return outcome


def _drop(caller: Caller, call: dict[str, Any]) -> None:
    """Forget the call and whatever of it waits in the cache: nothing is kept."""
    for part in RECORDED_PARTS:
        recording_forget(caller, str(call.get(part) or ""))
    call_forget(caller)


# --- Recordings at the provider ---------------------------------------------------------


def _recording_address(rsid: str) -> str:
    account = settings.TWILIO_ACCOUNT_SID or ""
    return (
        f"{settings.TWILIO_API_URL.rstrip('/')}/{API_VERSION}/Accounts/{account}"
        f"/Recordings/{rsid}"
    )


def _provider_auth() -> tuple[str, str]:
    return (settings.TWILIO_ACCOUNT_SID or "", settings.TWILIO_AUTH_TOKEN or "")


def recording_url_allowed(url: str, rsid: str) -> bool:
    """Only our provider's address for this very recording: nothing else is fetched.

    The request is signed, but the address is still data: a fetch with our
    credentials must never go to a host (or a path) the form names.
    """
    if not _RECORDING_SID.match(rsid) or not settings.TWILIO_ACCOUNT_SID:
        return False
    expected = urlsplit(_recording_address(rsid))
    given = urlsplit(url)
    return (
        given.scheme == expected.scheme
        and given.netloc == expected.netloc
        and given.path in {expected.path, expected.path + ".wav"}
        and not given.query
        and not given.fragment
    )


def _recording_delete(rsid: str) -> None:
    if not _RECORDING_SID.match(rsid):
        return
    try:
        # Only the status matters: the body is never read, so a provider that
        # trickles one cannot hold the request past its timeouts.
        with requests.delete(
            _recording_address(rsid) + ".json",
            auth=_provider_auth(),
            timeout=DELETE_TIMEOUT_SECONDS,
            allow_redirects=False,
            stream=True,
        ) as response:
            status = response.status_code
    except requests.RequestException as exc:
        logger.warning(
            "channels.voice_recording_not_deleted",
            extra={"reason": type(exc).__name__},
        )
        return
    # 404: already gone (deleted by an earlier request, or never made).
    if status not in {200, 204, 404}:
        logger.warning("channels.voice_recording_not_deleted", extra={"status": status})


def _recording_fetch(rsid: str) -> bytes | None:
    """The recording's WAV bytes, or None; never longer than the deadline allows."""
    started = time.monotonic()
    try:
        with requests.get(
            _recording_address(rsid),
            auth=_provider_auth(),
            timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS),
            allow_redirects=False,
            stream=True,
        ) as response:
            if response.status_code != 200:
                logger.warning(
                    "channels.voice_recording_not_fetched",
                    extra={"status": response.status_code},
                )
                return None
            kind = response.headers.get("Content-Type", "").split(";")[0].strip()
            if kind.lower() not in WAV_TYPES:
                logger.warning(
                    "channels.voice_recording_not_fetched",
                    extra={"reason": "content_type", "content_type": kind[:60]},
                )
                return None
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > RECORDING_MAX_BYTES:
                logger.warning(
                    "channels.voice_recording_not_fetched",
                    extra={"reason": "too_large"},
                )
                return None
            body = bytearray()
            while True:
                # One socket read at a time (read1): the read timeout bounds
                # each, this deadline bounds them all, so a provider that
                # trickles cannot hold the request past the webhook's limit.
                if time.monotonic() - started > FETCH_DEADLINE_SECONDS:
                    logger.warning(
                        "channels.voice_recording_not_fetched",
                        extra={"reason": "too_slow"},
                    )
                    return None
                chunk = response.raw.read1(64 * 1024)
                if not chunk:
                    break
                body += chunk
                if len(body) > RECORDING_MAX_BYTES:
                    logger.warning(
                        "channels.voice_recording_not_fetched",
                        extra={"reason": "too_large"},
                    )
                    return None
            return bytes(body)
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        logger.warning(
            "channels.voice_recording_not_fetched",
            extra={"reason": type(exc).__name__},
        )
        return None


def _seconds(form: dict[str, str]) -> int:
    try:
        return int(form.get("RecordingDuration", "0"))
    except ValueError:
        return 0


def _recording_usable(form: dict[str, str], *, rsid: str, part: str) -> bytes | None:
    """The clean WAV a recording callback announces, or None (and why, logged)."""
    if form.get("RecordingStatus", "") != "completed":
        logger.info("channels.voice_recording_absent")
        return None
    seconds = _seconds(form)
    low, high = (
        (FACILITY_MIN_SECONDS, FACILITY_MAX_SECONDS)
        if part == "facility"
        else (STORY_MIN_SECONDS, STORY_MAX_SECONDS)
    )
    if seconds < low:
        logger.info("channels.voice_recording_too_short")
        return None
    if seconds > high + DURATION_SLACK_SECONDS:
        logger.warning("channels.voice_recording_too_long")
        return None
    if not recording_url_allowed(form.get("RecordingUrl", ""), rsid):
        logger.warning("channels.voice_recording_url_refused")
        return None
    data = _recording_fetch(rsid)
    if data is None:
        return None
    try:
        cleaned = files.clean(data)
    except files.AttachmentRefused:
        logger.warning("channels.voice_recording_not_audio")
        return None
    if cleaned.content_type != "audio/wav":
        logger.warning("channels.voice_recording_not_audio")
        return None
    return cleaned.data


def recording_arrived(*, caller: Caller, form: dict[str, str], part: str) -> None:
    """The provider's recording callback: fetch, check, delete there, keep sealed.

    Then, if this was the last part the report waited for, submit it.
    """
    rsid = form.get("RecordingSid", "")
    if not _RECORDING_SID.match(rsid):
        logger.warning("channels.voice_recording_unnamed")
        return
    call = call_load(caller) if caller.call_sid else None
    if call is None or part not in call.get("asked", []):
        # The call is over, or never asked for this: kept nowhere, and it must
        # not wait at the provider either.
        _recording_delete(rsid)
        logger.info("channels.voice_recording_unclaimed")
        return
    if recording_load(caller, rsid) is not None:
        # The provider said so twice: the first request took care of it.
        return
    audio = _recording_usable(form, rsid=rsid, part=part)
    _recording_delete(rsid)
    recording_keep(caller, rsid, audio)
    # Read again: the call's other requests went on while this one fetched.
    call = call_load(caller)
    if call is None:
        recording_forget(caller, rsid)
        return
    # A caller who hung up after the story will not wait for the workplace's
    # name (its callback, due long before, is missing): the story goes alone.
    ended = bool(call.get("ended"))
    outcome = _settle(caller, call, without_facility=ended and part == "story")
    if outcome is not None and not ended:
        _outcome_keep(caller, outcome)


# --- The report, once its parts are in -------------------------------------------------


def _report_make(
    call: dict[str, Any], *, story: bytes, facility: bytes | None
) -> dict[str, str]:
    files = [services.IncomingFile(name="relato-telefono.wav", data=story)]
    if facility:
        files.append(services.IncomingFile(name="centro-de-trabajo.wav", data=facility))
    # The service asks for words; on the phone the story is the recording.
    with override("es"):
        narrative = _(
            "Denuncia por teléfono: el relato está en la grabación adjunta "
            "(%(seconds)s segundos)."
        ) % {"seconds": int(call.get("story_seconds", 0)) or "?"}
    draft = services.ReportDraft(
        channel=Channel.VOICE,
        language=call.get("language", "es"),
        categories=[call["category"]],
        narrative=narrative,
        facility_name="",
        state=call.get("state", ""),
        files=files,
    )
    try:
        submitted = services.report_submit(draft=draft)
    except Throttled:
        logger.info("channels.voice_report_throttled")
        return {"refused": "throttled"}
    except InvalidInput:
        logger.warning("channels.voice_report_refused")
        return {"refused": "invalid"}
    logger.info(
        "channels.voice_report_submitted",
        extra={"channel": Channel.VOICE, "caller_waiting": not call.get("ended")},
    )
    return {"receipt": submitted.receipt}


def _settle(
    caller: Caller, call: dict[str, Any], *, without_facility: bool = False
) -> dict[str, str] | None:
    """Submit the report if all its parts are in and no other request did; its
    outcome, or None (not yet, or not this request's to tell)."""
    story_sid = str(call.get("story") or "")
    story = recording_load(caller, story_sid)
    if story is None:
        return None
    if not story.usable:
        if call.get("ended"):
            # Nobody is on the line to record again: nothing is kept.
            _drop(caller, call)
        return None
    facility_sid = str(call.get("facility") or "")
    facility = recording_load(caller, facility_sid)
    if facility_sid and facility is None and not without_facility:
        return None
    if not _claim(caller, "submitted"):
        return None
    outcome = _report_make(
        call,
        story=story.audio,
        facility=facility.audio if facility is not None and facility.usable else None,
    )
    recording_forget(caller, story_sid)
    recording_forget(caller, facility_sid)
    if call.get("ended"):
        call_forget(caller)
    return outcome


# --- What the caller hears --------------------------------------------------------------


class Line:
    """One TwiML answer in the caller's language, with action URLs that validate."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGE_VOICE else "es"
        self.response = VoiceResponse()
        # Each answer's URLs carry a fresh nonce, so a replay of a request is
        # told from the caller's next answer to the same question (hooks_views).
        self.nonce = secrets.token_hex(6)

    def url(self, step: str) -> str:
        query = urlencode({"n": self.nonce, "step": step})
        return f"{settings.REMEDIA_BASE_URL}{reverse('channels:twilio_voice')}?{query}"

    def say(self, text: str, into: Any = None) -> None:
        (into or self.response).say(text, language=LANGUAGE_VOICE[self.language])

    def ask(self, step: str, prompt: str, *, digits: int = 1) -> None:
        gather = self.response.gather(
            input="dtmf",
            num_digits=digits,
            action=self.url(step),
            method="POST",
            timeout=GATHER_TIMEOUT_SECONDS,
            action_on_empty_result=True,
        )
        self.say(prompt, into=gather)

    def record(self, step: str, prompt: str, *, seconds: int) -> None:
        self.say(prompt)
        self.response.record(
            max_length=seconds,
            finish_on_key="#",
            play_beep=True,
            timeout=5,
            action=self.url(step),
            method="POST",
            # The file is fetched when the provider says it is ready.
            recording_status_callback=self.url(f"recording-{step}"),
            recording_status_callback_method="POST",
            recording_status_callback_event="completed absent",
        )
        # The provider skips the action when nothing was recorded: go on anyway.
        self.response.redirect(self.url(step), method="POST")

    def wait(self, *, first: bool) -> None:
        if first:
            self.say(_("Un momento: estamos guardando su mensaje."))
        self.response.pause(length=POLL_SECONDS)
        self.response.redirect(self.url("saving"), method="POST")

    def goodbye(self, text: str) -> None:
        self.say(text)
        self.response.hangup()

    def __str__(self) -> str:
        return str(self.response)


def _category_prompt() -> str:
    options = [
        _("Para %(label)s, oprima %(key)s.") % {"label": label, "key": key}
        for key, (_code, label) in enumerate(MENU, start=1)
    ]
    return _("¿Qué pasó?") + " " + " ".join(options)


def _state_prompt() -> str:
    options = [
        _("%(name)s, oprima %(key)s.") % {"name": name, "key": key}
        for key, (_code, name) in enumerate(STATES, start=1)
    ]
    return (
        _("¿En qué estado está el centro de trabajo?")
        + " "
        + " ".join(options)
        + " "
        + _("Si no lo sabe o es otro, oprima 0.")
    )


def _greeting() -> str:
    return _(
        "Hola. Aquí puede denunciar abusos en su trabajo sin dar su nombre. No "
        "guardamos su número. Para denunciar, oprima 1. Para saber cómo va una "
        "denuncia, oprima 2. Para inglés, oprima 9."
    )


def _receipt_prompt() -> str:
    return _("Marque los 16 dígitos de su recibo.")


def spoken_digits(receipt: str) -> str:
    """Digit by digit, a pause between groups of four: "1, 2, 3, 4. 5, 6, ..."."""
    groups = [receipt[i : i + 4] for i in range(0, len(receipt), 4)]
    return ". ".join(", ".join(group) for group in groups) + "."


def _tell(line: Line, outcome: dict[str, str]) -> None:
    """The end of a report by phone: the receipt twice, or why there is none."""
    receipt = outcome.get("receipt", "")
    if not receipt:
        if outcome.get("refused") == "throttled":
            line.goodbye(
                _(
                    "Estamos recibiendo muchas denuncias en este momento y no "
                    "pudimos guardar la suya. Por favor, llame de nuevo en unos "
                    "minutos."
                )
            )
        else:
            line.goodbye(
                _(
                    "No pudimos guardar su mensaje y no guardamos nada. Por favor, "
                    "llame de nuevo."
                )
            )
        return
    digits = spoken_digits(receipt)
    line.say(
        _(
            "Gracias. Recibimos su denuncia. Anote su recibo: son 16 dígitos. "
            "Guárdelo y no lo comparta."
        )
    )
    line.say(digits)
    line.say(_("Se lo repetimos."))
    line.say(digits)
    line.goodbye(
        _(
            "Para saber cómo va su denuncia, llame a esta línea y oprima 2, o entre "
            "a nuestra página con su recibo. Gracias por llamar."
        )
    )


# --- The steps --------------------------------------------------------------------------

PROMPTS = {
    "menu": _greeting,
    "category": _category_prompt,
    "state": _state_prompt,
    "receipt": _receipt_prompt,
}


def call_answer(*, form: dict[str, str], step: str) -> str:
    """The TwiML for one webhook request of a call."""
    caller = Caller(
        number=form.get("From", "").strip(), call_sid=form.get("CallSid", "").strip()
    )
    part = step.removeprefix("recording-")
    if step.startswith("recording-") and part in RECORDED_PARTS:
        recording_arrived(caller=caller, form=form, part=part)
        return str(VoiceResponse())
    if not caller.call_sid:
        # The provider names every call; without a name nothing can be kept.
        with override("es"):
            line = Line("es")
            line.goodbye(_("Algo salió mal. Por favor, llame de nuevo."))
            return str(line)
    call = call_load(caller)
    if call is None or not step:
        # A recording that arrives after the call's state expired is kept
        # nowhere, and must not wait at the provider either.
        _recording_delete(form.get("RecordingSid", ""))
        return _start(caller)
    language = call.get("language", "es")
    with override(language):
        line = Line(language)
        digits = form.get("Digits", "").strip()
        if step == "menu":
            _on_menu(line, caller, call, digits)
        elif step == "category":
            _on_category(line, caller, call, digits)
        elif step == "state":
            _on_state(line, caller, call, digits)
        elif step == "facility":
            _on_facility(line, caller, call, form)
        elif step == "story":
            _on_story(line, caller, call, form)
        elif step == "saving":
            _on_saving(line, caller, call)
        elif step == "receipt":
            _on_receipt(line, caller, call, digits)
        else:
            call_forget(caller)
            return _start(caller)
        return str(line)


def _start(caller: Caller) -> str:
    with override("es"):
        line = Line("es")
        if not _admitted(caller):
            logger.info("channels.voice_throttled", extra={"hidden": caller.hidden})
            line.goodbye(
                _(
                    "Estamos recibiendo muchas llamadas. Por favor, llame de nuevo "
                    "en unos minutos. Gracias."
                )
            )
            return str(line)
        call_keep(caller, {"language": "es", "tries": 0, "asked": []})
        line.ask("menu", _greeting())
        logger.info("channels.voice_call_started")
        return str(line)


def _advance(
    line: Line, caller: Caller, call: dict[str, Any], step: str, **chosen: Any
) -> None:
    call.update(chosen, tries=0)
    call_keep(caller, call)
    if step in PROMPTS:
        line.ask(step, PROMPTS[step](), digits=16 if step == "receipt" else 1)


def _again(line: Line, caller: Caller, call: dict[str, Any], step: str) -> None:
    """A wrong key or silence: the same question, three times at most."""
    call["tries"] = int(call.get("tries", 0)) + 1
    if call["tries"] >= MAX_TRIES:
        call_forget(caller)
        line.goodbye(
            _(
                "No pudimos entender su respuesta. Puede llamar de nuevo cuando "
                "quiera. Gracias por llamar."
            )
        )
        return
    call_keep(caller, call)
    line.say(_("No entendimos su respuesta."))
    line.ask(step, PROMPTS[step](), digits=16 if step == "receipt" else 1)


def _hung_up(form: dict[str, str]) -> bool:
    """The caller left during a recording: the provider still calls its action."""
    return form.get("Digits") == "hangup" or form.get("CallStatus") == "completed"


def _asking(call: dict[str, Any], part: str) -> None:
    """A `<Record>` for this part goes out: its callback will be expected."""
    call["asked"] = sorted({*call.get("asked", []), part})


def _on_menu(line: Line, caller: Caller, call: dict[str, Any], digits: str) -> None:
    if digits == "9":
        # 9 switches between Spanish and English (the greeting says which).
        language = "es" if call.get("language") == "en" else "en"
        call["language"] = line.language = language
        with override(language):
            _advance(line, caller, call, "menu")
    elif digits == "1":
        _advance(line, caller, call, "category")
    elif digits == "2":
        _advance(line, caller, call, "receipt")
    else:
        _again(line, caller, call, "menu")


def _on_category(line: Line, caller: Caller, call: dict[str, Any], digits: str) -> None:
    if digits.isdigit() and 1 <= int(digits) <= len(MENU):
        _advance(line, caller, call, "state", category=str(MENU[int(digits) - 1][0]))
    else:
        _again(line, caller, call, "category")


def _on_state(line: Line, caller: Caller, call: dict[str, Any], digits: str) -> None:
    if digits == "0":
        state = ""
    elif digits.isdigit() and 1 <= int(digits) <= len(STATES):
        state = STATES[int(digits) - 1][0]
    else:
        _again(line, caller, call, "state")
        return
    _asking(call, "facility")
    _advance(line, caller, call, "facility", state=state)
    line.record(
        "facility",
        _(
            "Después del tono, diga el nombre de la fábrica o centro de trabajo y "
            "oprima la tecla de gato. Si no lo sabe, solo oprima gato."
        ),
        seconds=FACILITY_MAX_SECONDS,
    )


def _on_facility(
    line: Line, caller: Caller, call: dict[str, Any], form: dict[str, str]
) -> None:
    if "facility" not in call:
        rsid = form.get("RecordingSid", "")
        # Too short to be a name: its callback deletes it at the provider.
        usable = _RECORDING_SID.match(rsid) and _seconds(form) >= FACILITY_MIN_SECONDS
        call["facility"] = rsid if usable else ""
    if _hung_up(form):
        _drop(caller, call)
        logger.info("channels.voice_call_ended_early")
        return
    _asking(call, "story")
    call_keep(caller, call)
    line.record(
        "story",
        _(
            "Ahora, después del tono, cuéntenos qué pasó: qué, cuándo y quién. No "
            "diga su nombre. Tiene hasta tres minutos. Al terminar, oprima gato."
        ),
        seconds=STORY_MAX_SECONDS,
    )


def _on_story(
    line: Line, caller: Caller, call: dict[str, Any], form: dict[str, str]
) -> None:
    if "category" not in call or "facility" not in call:
        call_forget(caller)
        line.goodbye(_("Algo salió mal. Por favor, llame de nuevo."))
        return
    if call.get("story"):
        # Asked again for a story already on its way: wait for it.
        _on_saving(line, caller, call)
        return
    rsid = form.get("RecordingSid", "")
    seconds = _seconds(form)
    hung_up = _hung_up(form)
    if not _RECORDING_SID.match(rsid) or seconds < STORY_MIN_SECONDS:
        # Nothing usable (its callback deletes it at the provider).
        if hung_up:
            _drop(caller, call)
            logger.info("channels.voice_call_ended_early")
            return
        _record_again(line, caller, call)
        return
    call.update(story=rsid, story_seconds=seconds, ended=hung_up, waits=0)
    call_keep(caller, call)
    if hung_up:
        # Nobody is left to tell: the report is made here if the recording is
        # in already, else by its callback; the workplace's name, recorded
        # long before, does not hold it up.
        _settle(caller, call, without_facility=True)
        return
    _on_saving(line, caller, call)


def _record_again(line: Line, caller: Caller, call: dict[str, Any]) -> None:
    call["tries"] = int(call.get("tries", 0)) + 1
    if call["tries"] >= MAX_TRIES:
        _drop(caller, call)
        line.goodbye(
            _(
                "No pudimos escuchar su mensaje y no guardamos nada. Puede "
                "llamar de nuevo cuando quiera. Gracias por llamar."
            )
        )
        return
    call_keep(caller, call)
    line.say(_("No pudimos escuchar su mensaje. No guardamos nada."))
    line.record(
        "story",
        _("Después del tono, cuéntenos qué pasó. Al terminar, oprima gato."),
        seconds=STORY_MAX_SECONDS,
    )


def _on_saving(line: Line, caller: Caller, call: dict[str, Any]) -> None:
    """The caller waits for the story's recording: the receipt, or a kind answer."""
    story_sid = str(call.get("story") or "")
    if not story_sid:
        call_forget(caller)
        line.goodbye(_("Algo salió mal. Por favor, llame de nuevo."))
        return
    waits = int(call.get("waits", 0))
    outcome = _outcome_take(caller) or _settle(
        caller, call, without_facility=waits >= WAIT_ROUNDS // 2
    )
    if outcome is not None:
        call_forget(caller)
        _tell(line, outcome)
        return
    story = recording_load(caller, story_sid)
    if story is not None and not story.usable:
        recording_forget(caller, story_sid)
        call.pop("story", None)
        call.pop("story_seconds", None)
        _record_again(line, caller, call)
        return
    waits += 1
    if waits > WAIT_ROUNDS:
        if _claim(caller, "abandoned"):
            # No request will submit it now: a late callback finds no call and
            # deletes the recording; this deletion covers one that never comes.
            _recording_delete(story_sid)
            _drop(caller, call)
            logger.warning("channels.voice_recording_never_came")
            line.goodbye(
                _(
                    "No pudimos guardar su mensaje y no guardamos nada. Por favor, "
                    "llame de nuevo."
                )
            )
            return
        if waits > WAIT_ROUNDS + 3:
            # Claimed for submission, and still no outcome: the submitting
            # process is gone. Whatever it kept, the caller is not left waiting.
            call_forget(caller)
            line.goodbye(_("Algo salió mal. Por favor, llame de nuevo."))
            return
    call["waits"] = waits
    call_keep(caller, call)
    line.wait(first=waits == 1)


def _on_receipt(line: Line, caller: Caller, call: dict[str, Any], digits: str) -> None:
    receipt = services.receipt_normalise(digits)
    if not re.fullmatch(r"\d{16}", receipt):
        _again(line, caller, call, "receipt")
        return
    try:
        access = services.reporter_open(receipt=receipt)
    except Throttled as exc:
        call_forget(caller)
        line.goodbye(str(exc.message))
        return
    except services.ReceiptRefused:
        call["tries"] = int(call.get("tries", 0)) + 1
        if call["tries"] >= MAX_TRIES:
            call_forget(caller)
            line.goodbye(
                _(
                    "Ese recibo no corresponde a ninguna denuncia. Revíselo y llame "
                    "de nuevo cuando quiera. Gracias por llamar."
                )
            )
            return
        call_keep(caller, call)
        line.say(_("Ese recibo no corresponde a ninguna denuncia. Revise los dígitos."))
        line.ask("receipt", _receipt_prompt(), digits=16)
        return
    call_forget(caller)
    for sentence in follow_up_text(access).split("\n"):
        line.say(sentence)
    line.goodbye(_("Gracias por llamar."))
