"""The voice line: report by phone with a few key presses and a recorded message.

A call is a chain of webhook requests, one per step, each answered with TwiML
(`<Say>` in es-MX, `<Gather>` for keys, `<Record>` for speech). The step
travels in the action URL's query (`?step=...`), which the provider signs
with the rest of the address; what the caller chose so far is kept between
requests in the shared cache under a keyed hash of the caller's number and
the call's id, sealed with a key derived from both, for a few idle minutes.
The number is never stored or logged.

To report: 1, a category by key, the state by key (0 when they do not know,
as for email: the report then goes to the default organisation), the
workplace's name spoken (or # to skip), then what happened, spoken. Each
recording is fetched from the provider (only from `TWILIO_API_URL`, never an
address the request names elsewhere), deleted there at once whatever
happened, and becomes an attachment cleaned and encrypted like any other. The
receipt is read back digit by digit, twice. To follow up: 2, then the 16
digits of the receipt; the status and the handler's last message are spoken.

A wrong key or silence repeats the question, three times at most, then the
call ends kindly. A recording too short or that cannot be fetched keeps
nothing and asks again.
"""

from __future__ import annotations

import base64
import logging
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from twilio.twiml.voice_response import VoiceResponse

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
FETCH_TIMEOUT_SECONDS = 15
# A three-minute WAV at the provider's 8 kHz, 16 bits, is under 3 MB.
RECORDING_MAX_BYTES = 10 * 1024 * 1024
API_VERSION = "2010-04-01"
_RECORDING_SID = re.compile(r"^RE[0-9a-fA-F]{32}$")

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

    @property
    def _identity(self) -> str:
        # The call's id too: callers who hide their number all arrive as the
        # same "Anonymous", and must not share a conversation.
        return f"{self.number}\n{self.call_sid}"

    @property
    def cache_key(self) -> str:
        digest = common.keyed_digest(
            label=b"remedia.channels.voice.key", number=self._identity
        )
        return f"channels:voice:call:{digest}"

    @property
    def sealing_key(self) -> bytes:
        return common.sealing_key(
            label=b"remedia.channels.voice.state", number=self._identity
        )

    @property
    def number_digest(self) -> str:
        return common.keyed_digest(
            label=b"remedia.channels.voice.number", number=self.number
        )


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
    line = common.count(f"channels:voice:line:{minute}", timeout=120)
    if line > common.limit("REMEDIA_VOICE_MAX_CALLS_PER_MINUTE", 120):
        return False
    if not caller.number.startswith("+"):
        # A hidden number ("Anonymous"): every such caller shares it, and one
        # flood must not silence the workers who hide theirs. The line's own
        # ceiling still holds.
        return True
    mine = common.count(f"channels:voice:number:{caller.number_digest}", timeout=3600)
    return mine <= common.limit("REMEDIA_VOICE_MAX_CALLS_PER_NUMBER", 20)


# --- Recordings at the provider ---------------------------------------------------------


def _recording_address(rsid: str) -> str:
    account = settings.TWILIO_ACCOUNT_SID or ""
    return (
        f"{settings.TWILIO_API_URL.rstrip('/')}/{API_VERSION}/Accounts/{account}"
        f"/Recordings/{rsid}"
    )


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
        response = requests.delete(
            _recording_address(rsid) + ".json",
            auth=(settings.TWILIO_ACCOUNT_SID or "", settings.TWILIO_AUTH_TOKEN or ""),
            timeout=FETCH_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        logger.warning(
            "channels.voice_recording_not_deleted",
            extra={"reason": type(exc).__name__},
        )
        return
    if response.status_code not in {200, 204}:
        logger.warning(
            "channels.voice_recording_not_deleted",
            extra={"status": response.status_code},
        )


def _recording_fetch(rsid: str) -> bytes | None:
    try:
        with requests.get(
            _recording_address(rsid),
            auth=(settings.TWILIO_ACCOUNT_SID or "", settings.TWILIO_AUTH_TOKEN or ""),
            timeout=FETCH_TIMEOUT_SECONDS,
            allow_redirects=False,
            stream=True,
        ) as response:
            if response.status_code != 200:
                logger.warning(
                    "channels.voice_recording_not_fetched",
                    extra={"status": response.status_code},
                )
                return None
            data = b""
            for chunk in response.iter_content(64 * 1024):
                data += chunk
                if len(data) > RECORDING_MAX_BYTES:
                    logger.warning("channels.voice_recording_too_large")
                    return None
            return data
    except requests.RequestException as exc:
        logger.warning(
            "channels.voice_recording_not_fetched",
            extra={"reason": type(exc).__name__},
        )
        return None


def recording_take(form: dict[str, str], *, min_seconds: int) -> bytes | None:
    """The recording the form announces, or None; gone from the provider after."""
    rsid = form.get("RecordingSid", "")
    url = form.get("RecordingUrl", "")
    if not rsid and not url:
        return None
    try:
        seconds = int(form.get("RecordingDuration", "0"))
    except ValueError:
        seconds = 0
    if not recording_url_allowed(url, rsid):
        logger.warning("channels.voice_recording_url_refused")
        # Still ours to delete if the id is well formed: at our provider only.
        _recording_delete(rsid)
        return None
    data = _recording_fetch(rsid) if seconds >= min_seconds else None
    _recording_delete(rsid)
    return data


# --- What the caller hears --------------------------------------------------------------


class Line:
    """One TwiML answer in the caller's language, with action URLs that validate."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGE_VOICE else "es"
        self.response = VoiceResponse()

    def url(self, step: str) -> str:
        query = urlencode({"step": step})
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
        )
        # The provider skips the action when nothing was recorded: go on anyway.
        self.response.redirect(self.url(step), method="POST")

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
            logger.info("channels.voice_throttled")
            line.goodbye(
                _(
                    "Estamos recibiendo muchas llamadas. Por favor, llame de nuevo "
                    "en unos minutos. Gracias."
                )
            )
            return str(line)
        call_keep(caller, {"language": "es", "tries": 0})
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
    if "facility_audio" not in call:
        audio = recording_take(form, min_seconds=1)
        # Kept sealed in the cache, minutes at most, so that nothing waits at
        # the provider; it joins the report with the story, or expires.
        call["facility_audio"] = base64.b64encode(audio).decode() if audio else ""
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
    if "category" not in call or "facility_audio" not in call:
        call_forget(caller)
        line.goodbye(_("Algo salió mal. Por favor, llame de nuevo."))
        return
    audio = recording_take(form, min_seconds=STORY_MIN_SECONDS)
    if audio is None:
        call["tries"] = int(call.get("tries", 0)) + 1
        if call["tries"] >= MAX_TRIES:
            call_forget(caller)
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
        return
    _submit(line, caller, call, audio=audio, seconds=form.get("RecordingDuration", ""))


def _submit(
    line: Line, caller: Caller, call: dict[str, Any], *, audio: bytes, seconds: str
) -> None:
    files = [services.IncomingFile(name="relato-telefono.wav", data=audio)]
    if call.get("facility_audio"):
        files.append(
            services.IncomingFile(
                name="centro-de-trabajo.wav",
                data=base64.b64decode(call["facility_audio"]),
            )
        )
    # The service asks for words; on the phone the story is the recording.
    with override("es"):
        narrative = _(
            "Denuncia por teléfono: el relato está en la grabación adjunta "
            "(%(seconds)s segundos)."
        ) % {"seconds": seconds if seconds.isdigit() else "?"}
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
        call_forget(caller)
        line.goodbye(
            _(
                "Estamos recibiendo muchas denuncias en este momento y no pudimos "
                "guardar la suya. Por favor, llame de nuevo en unos minutos."
            )
        )
        return
    except InvalidInput:
        call_forget(caller)
        logger.warning("channels.voice_report_refused")
        line.goodbye(
            _(
                "No pudimos guardar su mensaje y no guardamos nada. Por favor, "
                "llame de nuevo."
            )
        )
        return
    call_forget(caller)
    logger.info("channels.voice_report_submitted", extra={"channel": Channel.VOICE})
    digits = spoken_digits(submitted.receipt)
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
