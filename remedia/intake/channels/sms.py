"""The SMS and WhatsApp conversation: report in a few short messages, follow up.

A worker writes to the line; each message gets one answer. To report: a
category by number, the workplace, the state, what happened, whether to hear
back here; then the receipt. "ESTADO" or the receipt itself follows a report
up; the receipt with some words writes them to the handler, the receipt with
"BAJA" stops replies by this channel; "AYUDA" explains, "BORRAR" forgets an
unfinished report. A receipt is never kept between messages: each message that
needs the report carries it. Higher apps hold conversations of their own on the
same line (a verification survey) through `intake.hooks.sms_handler_register`.

The provider hands us only the sender's number, so the conversation is found
by a keyed hash of it (never the number) in the shared cache, which every app
process sees. Between messages the cache holds the step and the answers so far,
encrypted under a key derived from the secret key and the number, for 30 idle
minutes at most; it is deleted when the report is made or abandoned. Nonsense
changes nothing: the worker gets a kind answer and the same question again.
The number is stored only when the worker asks for answers here, sealed to the
report key like the narrative; it is never logged.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from remedia.core.errors import ApplicationError, InvalidInput, Throttled
from remedia.core.geo import state_code
from remedia.intake import hooks, services
from remedia.intake.categories import Category
from remedia.intake.channels import common
from remedia.intake.models import AuthorKind, Channel, ReportStatus

logger = logging.getLogger(__name__)

IDLE_SECONDS = 30 * 60
RATE_WINDOW_SECONDS = 10 * 60
WHATSAPP_PREFIX = "whatsapp:"
FACILITY_MAX = services.FACILITY_NAME_MAX
NARRATIVE_MIN = 10
# The provider refuses bodies over 1,600 characters; the rest waits on the web.
BODY_MAX = 1500

# A handful of categories, by number, in words that fit a small screen.
MENU: list[tuple[str, Promise]] = [
    (Category.INTIMIDATION, gettext_lazy("Intimidación o presión")),
    (Category.THREATS, gettext_lazy("Amenazas")),
    (Category.RETALIATION, gettext_lazy("Despido o represalia")),
    (Category.UNION_INTERFERENCE, gettext_lazy("Injerencia en el sindicato")),
    (Category.WAGES, gettext_lazy("Salarios o pagos retenidos")),
    (Category.HARASSMENT, gettext_lazy("Acoso u hostigamiento")),
    (Category.FORCED_LABOUR, gettext_lazy("Trabajo forzoso")),
    (Category.CHILD_LABOUR, gettext_lazy("Trabajo infantil")),
    (Category.OTHER, gettext_lazy("Otro")),
]

GREETING_WORDS = {"HOLA", "BUENAS", "DENUNCIA", "DENUNCIAR", "INICIO", "MENU", "MENÚ"}
HELP_WORDS = {"AYUDA", "HELP", "INFO"}
STATUS_WORDS = {"ESTADO", "STATUS", "SEGUIMIENTO"}
CANCEL_WORDS = {"BORRAR", "CANCELAR", "SALIR", "STOP", "ALTO"}
YES_WORDS = {"1", "SI", "SÍ", "S"}
NO_WORDS = {"2", "NO", "N"}
UNKNOWN_WORDS = {"NO SE", "NO SÉ", "NOSE", "NO LO SE", "NO LO SÉ"}
# With a receipt: stop replies by this channel. STOP is what phones are taught
# to send to stop messages; alone it still forgets an unfinished report.
OPT_OUT_WORDS = {"BAJA", "DAR DE BAJA", "NO RESPONDER", "NO ME RESPONDAN", "STOP"}
# With a receipt, these ask how the report goes: nothing for the handler to read.
FOLLOW_UP_ONLY_WORDS = (
    STATUS_WORDS
    | GREETING_WORDS
    | HELP_WORDS
    | (CANCEL_WORDS - OPT_OUT_WORDS)
    | {"RECIBO", "MI RECIBO", "MI RECIBO ES", "FOLIO"}
)

# A receipt inside a longer message: 16 digits, alone or in groups of four
# with one space, dash or dot between, not inside a longer run of digits. A
# number after it ("... 3456 3 compañeros") is the worker's text.
_SEP = r"[ \t\u00a0\-.\u2010-\u2015]?"
RECEIPT_PATTERN = re.compile(
    rf"(?<!\d)\d{{4}}{_SEP}\d{{4}}{_SEP}\d{{4}}{_SEP}\d{{4}}(?!\d)"
)
# What is left around a receipt once it is taken out: "Recibo: ..., -".
_EDGE_PUNCTUATION = " \t\n:;,.-\u2013\u2014=#*"


# --- Keys: the number never leaves this module in the clear ---------------------------


def number_digest(sender: str) -> str:
    """A keyed hash of the sender, for cache keys and counters."""
    return common.keyed_digest(label=b"remedia.channels.sms.key", number=sender)


def _state_key(sender: str) -> bytes:
    return common.sealing_key(label=b"remedia.channels.sms.state", number=sender)


def _conversation_cache_key(sender: str) -> str:
    return f"channels:sms:conversation:{number_digest(sender)}"


def channel_of(sender: str) -> str:
    return Channel.WHATSAPP if sender.startswith(WHATSAPP_PREFIX) else Channel.SMS


# --- Conversation state -------------------------------------------------------------


@dataclass
class Conversation:
    step: str
    category: str = ""
    facility: str = ""
    state: str = ""
    narrative: str = ""


def conversation_load(sender: str) -> Conversation | None:
    data = common.sealed_load(
        cache_key=_conversation_cache_key(sender), key=_state_key(sender)
    )
    if data is None:
        return None
    try:
        return Conversation(**data)
    except TypeError:
        conversation_forget(sender)
        return None


def conversation_keep(sender: str, conversation: Conversation) -> None:
    common.sealed_keep(
        cache_key=_conversation_cache_key(sender),
        key=_state_key(sender),
        data=vars(conversation),
        timeout=IDLE_SECONDS,
    )


def conversation_forget(sender: str) -> None:
    common.forget(cache_key=_conversation_cache_key(sender))


# --- Abuse ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Admission:
    allowed: bool
    # Over a limit, the first refusal is explained; later ones get no answer,
    # so a flood cannot make the line send message after message.
    answer: str = ""


def admit(sender: str) -> Admission:
    """Per-number and line-wide limits, counted under keyed hashes only."""
    minute = int(time.time() // 60)
    line = common.count(f"channels:sms:line:{minute}", timeout=120)
    line_max = common.limit("REMEDIA_SMS_MAX_PER_MINUTE", 300)
    if line > line_max:
        return Admission(
            allowed=False,
            answer=_(
                "Estamos recibiendo muchos mensajes. Nada de lo que escribió se "
                "perdió si ya tiene recibo; vuelva a escribir en unos minutos."
            )
            if line == line_max + 1
            else "",
        )
    mine = common.count(
        f"channels:sms:number:{number_digest(sender)}", timeout=RATE_WINDOW_SECONDS
    )
    mine_max = common.limit("REMEDIA_SMS_MAX_PER_NUMBER", 40)
    if mine > mine_max:
        return Admission(
            allowed=False,
            answer=_(
                "Recibimos muchos mensajes seguidos desde este número. Espere unos "
                "minutos y vuelva a escribir; no tiene que empezar de nuevo."
            )
            if mine == mine_max + 1
            else "",
        )
    return Admission(allowed=True)


# --- What the worker reads -------------------------------------------------------------


def _menu() -> str:
    lines = [f"{n}. {label}" for n, (_code, label) in enumerate(MENU, start=1)]
    return "\n".join(lines)


def _greeting() -> str:
    return (
        _(
            "Hola. Aquí puede denunciar abusos en su trabajo sin dar su nombre. "
            "¿Qué pasó? Responda con un número:"
        )
        + "\n"
        + _menu()
        + "\n"
        + _("Para seguir una denuncia, envíe su recibo. AYUDA: más información.")
    )


def _help() -> str:
    return (
        _(
            "Remedia recibe denuncias sin nombre. No le pedimos su nombre y no "
            "guardamos su número, salvo que pida respuestas por aquí. Para "
            "denunciar, escriba HOLA. Para saber cómo va su denuncia, envíe su "
            "recibo de 16 dígitos o ESTADO. Para borrar una denuncia sin terminar, "
            "escriba BORRAR."
        )
        + " "
        + _two_way_help()
    )


def _two_way_help() -> str:
    return _(
        "Para escribir a quien lleva su caso, envíe en un mismo mensaje su recibo "
        "y lo que quiera decirle."
    )


def _opt_out_help() -> str:
    return _(
        "Para dejar de recibir respuestas por este medio, envíe su recibo y la "
        "palabra BAJA."
    )


def _question(step: str) -> str:
    if step == "category":
        return _("Responda con un número:") + "\n" + _menu()
    if step == "facility":
        return _(
            "¿En qué fábrica o centro de trabajo pasó? Escriba el nombre (o NO SÉ)."
        )
    if step == "state":
        return _("¿En qué estado está? Por ejemplo: Puebla, Aguascalientes, Coahuila.")
    if step == "narrative":
        return _(
            "Cuéntenos qué pasó en un mensaje: qué, cuándo y quién. No escriba "
            "su nombre."
        )
    if step == "reply":
        return _(
            "¿Quiere recibir respuestas por este medio? 1 sí, 2 no. Si dice que "
            "sí, guardaremos su número cifrado, solo para responderle."
        )
    return _("Envíe su recibo de 16 dígitos.")


def receipt_grouped(receipt: str) -> str:
    return " ".join(receipt[i : i + 4] for i in range(0, len(receipt), 4))


def _upper(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().upper().rstrip(".!¡¿?"))


def _receipt_in(text: str) -> str | None:
    digits = services.receipt_normalise(text)
    return digits if re.fullmatch(r"\d{16}", digits) else None


def receipt_split(text: str) -> tuple[str, str] | None:
    """A receipt found in `text` and the text without it, or None.

    Every receipt-shaped number comes out of the text: the receipt is the
    worker's only key, and nobody who reads the message needs it.
    """
    alone = _receipt_in(text)
    if alone is not None:
        return alone, ""
    found = RECEIPT_PATTERN.search(text)
    if found is None:
        return None
    rest = RECEIPT_PATTERN.sub(" ", text)
    rest = re.sub(r"[ \t\u00a0]{2,}", " ", rest).strip(_EDGE_PUNCTUATION)
    return services.receipt_normalise(found.group(0)), rest


# --- Conversations of higher apps (`intake.hooks.sms_handler_register`) ----------------


def _handler_cache_key(name: str, sender: str) -> str:
    return f"channels:sms:handler:{name}:{number_digest(sender)}"


def _handler_key(name: str, sender: str) -> bytes:
    return common.sealing_key(
        label=b"remedia.channels.sms.handler." + name.encode(), number=sender
    )


def handler_state_load(name: str, sender: str) -> dict[str, Any] | None:
    """What handler `name` kept for this sender, or None (no conversation)."""
    return common.sealed_load(
        cache_key=_handler_cache_key(name, sender), key=_handler_key(name, sender)
    )


def handler_state_keep(name: str, sender: str, state: dict[str, Any]) -> None:
    common.sealed_keep(
        cache_key=_handler_cache_key(name, sender),
        key=_handler_key(name, sender),
        data=state,
        timeout=IDLE_SECONDS,
    )


def handler_state_forget(name: str, sender: str) -> None:
    common.forget(cache_key=_handler_cache_key(name, sender))


@dataclass(frozen=True)
class _Handler:
    name: str
    handle: hooks.SmsHandler
    state: dict[str, Any] | None


def _handlers_load(sender: str) -> list[_Handler]:
    return [
        _Handler(name=name, handle=handle, state=handler_state_load(name, sender))
        for name, handle in hooks.sms_handlers()
    ]


def _turn(
    *,
    sender: str,
    text: str,
    word: str,
    state: dict[str, Any] | None,
    busy: bool,
    help_asked: bool = False,
) -> hooks.SmsTurn:
    return hooks.SmsTurn(
        sender=sender,
        sender_key=number_digest(sender),
        text=text,
        word=word,
        state=state,
        busy=busy,
        help_asked=help_asked,
    )


def _handler_answer(
    *,
    sender: str,
    handler: _Handler,
    reply: hooks.SmsReply,
    conversation: Conversation | None,
) -> str:
    """Keep or end the handler's conversation; back to a report being written."""
    if reply.state is None:
        if handler.state is not None:
            handler_state_forget(handler.name, sender)
    else:
        handler_state_keep(handler.name, sender, reply.state)
    answer = reply.answer
    if reply.state is None and conversation is not None:
        answer += (
            "\n\n"
            + _("Para seguir con su denuncia:")
            + "\n"
            + _question(conversation.step)
        )
    return answer


def _help_answer(
    *,
    sender: str,
    text: str,
    word: str,
    conversation: Conversation | None,
    handlers: list[_Handler],
) -> str:
    busy = conversation is not None
    active = next((h for h in handlers if h.state is not None), None)
    if active is not None and active.state is not None:
        reply = active.handle(
            _turn(
                sender=sender,
                text=text,
                word=word,
                state=active.state,
                busy=busy,
                help_asked=True,
            )
        )
        if reply is not None:
            # Asking for help never ends a conversation; it restarts its clock.
            handler_state_keep(active.name, sender, reply.state or active.state)
            return _help() + "\n\n" + reply.answer
    lines = [_help()]
    for handler in handlers:
        reply = handler.handle(
            _turn(
                sender=sender,
                text=text,
                word=word,
                state=None,
                busy=busy,
                help_asked=True,
            )
        )
        if reply is not None and reply.answer:
            lines.append(reply.answer)
    answer = " ".join(lines)
    if conversation is not None:
        answer += "\n\n" + _question(conversation.step)
    return answer


# --- The conversation ---------------------------------------------------------------


def conversation_answer(*, sender: str, body: str) -> str:
    """The answer to one message from `sender`; "" when no answer should go out."""
    with override("es"):
        if not sender:
            return ""
        admission = admit(sender)
        if not admission.allowed:
            logger.info("channels.sms_throttled", extra={"channel": channel_of(sender)})
            return admission.answer
        return body_fit(_answer(sender=sender, text=services.clean_text(body)))


def body_fit(body: str) -> str:
    if len(body) <= BODY_MAX:
        return body
    return body[: BODY_MAX - 1].rstrip() + "…"


def _answer(*, sender: str, text: str) -> str:
    """The line's own words first, then a handler's conversation, then the report's."""
    word = _upper(text)
    conversation = conversation_load(sender)
    handlers = _handlers_load(sender)

    if word in HELP_WORDS:
        return _help_answer(
            sender=sender,
            text=text,
            word=word,
            conversation=conversation,
            handlers=handlers,
        )
    if word in CANCEL_WORDS:
        conversation_forget(sender)
        for handler in handlers:
            if handler.state is not None:
                handler_state_forget(handler.name, sender)
        return _("Listo: borramos lo que nos escribió. Escriba HOLA para empezar.")
    split = receipt_split(text)
    if split is not None:
        receipt, rest = split
        return _follow_up(
            receipt, rest=rest, channel=channel_of(sender), conversation=conversation
        )
    if word in STATUS_WORDS:
        return _question("receipt")

    busy = conversation is not None
    active = next((h for h in handlers if h.state is not None), None)
    if active is not None:
        if word in GREETING_WORDS:
            # HOLA leaves the other conversation for the report's.
            handler_state_forget(active.name, sender)
        else:
            reply = active.handle(
                _turn(
                    sender=sender, text=text, word=word, state=active.state, busy=busy
                )
            )
            if reply is not None:
                return _handler_answer(
                    sender=sender,
                    handler=active,
                    reply=reply,
                    conversation=conversation,
                )
            handler_state_forget(active.name, sender)
    elif word not in GREETING_WORDS:
        for handler in handlers:
            reply = handler.handle(
                _turn(sender=sender, text=text, word=word, state=None, busy=busy)
            )
            if reply is not None:
                return _handler_answer(
                    sender=sender,
                    handler=handler,
                    reply=reply,
                    conversation=conversation,
                )

    if conversation is not None and word in GREETING_WORDS:
        return _("Hola de nuevo.") + "\n" + _question(conversation.step)
    if conversation is None:
        code = _menu_choice(word)
        if code is None:
            return _greeting()
        conversation_keep(sender, Conversation(step="facility", category=code))
        return _question("facility")
    return _advance(sender=sender, conversation=conversation, text=text, word=word)


def _menu_choice(word: str) -> str | None:
    if word.isdigit() and 1 <= int(word) <= len(MENU):
        return str(MENU[int(word) - 1][0])
    return None


def _again(step: str, why: str) -> str:
    return why + "\n" + _question(step)


def _advance(*, sender: str, conversation: Conversation, text: str, word: str) -> str:
    step = conversation.step
    if step == "category":
        code = _menu_choice(word)
        if code is None:
            return _again(step, _("No entendimos su respuesta."))
        conversation.category, conversation.step = code, "facility"
    elif step == "facility":
        if not text or len(text) > FACILITY_MAX:
            return _again(step, _("Escriba solo el nombre, en pocas palabras."))
        conversation.facility = "" if word in UNKNOWN_WORDS else text
        conversation.step = "state"
    elif step == "state":
        code = state_code(text)
        if code is None:
            return _again(step, _("No reconocimos ese estado."))
        conversation.state, conversation.step = code, "narrative"
    elif step == "narrative":
        if len(text) < NARRATIVE_MIN:
            return _again(
                step,
                _("Necesitamos unas palabras sobre lo que pasó para poder ayudar."),
            )
        conversation.narrative, conversation.step = text, "reply"
    elif step == "reply":
        if word in YES_WORDS or word in NO_WORDS:
            return _submit(sender, conversation, wants_replies=word in YES_WORDS)
        return _again(step, _("Responda 1 (sí) o 2 (no)."))
    else:
        conversation_forget(sender)
        return _greeting()
    conversation_keep(sender, conversation)
    return _question(conversation.step)


def _submit(sender: str, conversation: Conversation, *, wants_replies: bool) -> str:
    draft = services.ReportDraft(
        channel=channel_of(sender),
        language="es",
        categories=[conversation.category],
        narrative=conversation.narrative,
        facility_name=conversation.facility,
        state=conversation.state,
        reply_contact=sender if wants_replies else "",
    )
    try:
        submitted = services.report_submit(draft=draft)
    except Throttled:
        # Kept a little longer, so the worker can simply answer again.
        conversation_keep(sender, conversation)
        return _(
            "Estamos recibiendo muchas denuncias en este momento. Su texto no se "
            "perdió: responda 1 o 2 otra vez en un minuto."
        )
    except InvalidInput:
        # The steps check what the service checks; a refusal here starts over.
        conversation_forget(sender)
        return _("No pudimos guardar la denuncia. Escriba HOLA para empezar de nuevo.")
    conversation_forget(sender)
    logger.info(
        "channels.sms_report_submitted",
        extra={"channel": draft.channel, "reply_wanted": wants_replies},
    )
    answer = _(
        "Gracias. Recibimos su denuncia. Su recibo es: %(receipt)s\n"
        "Guárdelo y no lo comparta: es la única forma de seguir su denuncia. "
        "Para saber cómo va, envíe el recibo por aquí o entre a %(url)s"
    ) % {
        "receipt": receipt_grouped(submitted.receipt),
        "url": settings.REMEDIA_BASE_URL + "/",
    }
    if wants_replies:
        answer += "\n" + _("Le responderemos por este medio.")
    return answer


def _follow_up(
    receipt: str, *, rest: str, channel: str, conversation: Conversation | None
) -> str:
    """A message with a receipt: the status, a message for the handler, or BAJA.

    Nothing is kept between messages: the receipt opens the report for this
    answer only, with the same throttle against guessing as the web.
    """
    try:
        access = services.reporter_open(receipt=receipt)
    except Throttled as exc:
        return str(exc.message)
    except services.ReceiptRefused:
        refusal = _(
            "Ese recibo no corresponde a ninguna denuncia. Revise los 16 dígitos "
            "y envíelo otra vez."
        )
        if conversation is not None:
            # Sixteen digits in an answer may be a card or account number.
            refusal += (
                "\n"
                + _("Si no era su recibo, escriba su respuesta sin ese número.")
                + "\n"
                + _question(conversation.step)
            )
        return refusal
    said = _upper(rest)
    if said in OPT_OUT_WORDS:
        return _replies_stop(access, channel=channel)
    if not said or said in FOLLOW_UP_ONLY_WORDS:
        return _status_with_hints(access)
    return _message_from_worker(access, body=rest, channel=channel)


def _status_with_hints(access: services.ReporterAccess) -> str:
    lines = [follow_up_text(access)]
    if access.report.status != ReportStatus.CLOSED:
        lines.append(_two_way_help())
    if access.report.reply_channel:
        lines.append(_opt_out_help())
    return "\n".join(lines)


def _message_from_worker(
    access: services.ReporterAccess, *, body: str, channel: str
) -> str:
    """The worker's words as their message on the report, as on the web page."""
    try:
        services.reporter_message_add(access=access, body=body)
    except ApplicationError as exc:
        # A closed report, a message too long: say why, and how the report goes.
        return " ".join(exc.reasons) + "\n" + status_text(access)
    logger.info("channels.sms_message_added", extra={"channel": channel})
    return (
        _("Recibimos su mensaje; quien lleva su caso lo leerá.")
        + "\n"
        + status_text(access)
    )


def _replies_stop(access: services.ReporterAccess, *, channel: str) -> str:
    previous = access.report.reply_channel
    if not services.reporter_replies_stop(access=access):
        return _(
            "No le estamos enviando respuestas por ningún medio; siga su denuncia "
            "con su recibo."
        )
    logger.info("channels.sms_replies_stopped", extra={"channel": channel})
    if previous == Channel.EMAIL:
        return _(
            "Ya no le enviaremos respuestas por correo; siga su denuncia con su recibo."
        )
    return _(
        "Ya no le enviaremos respuestas por este medio; siga su denuncia con su recibo."
    )


def status_text(access: services.ReporterAccess) -> str:
    """The report's status and what the case adds to it, without the messages."""
    report = access.report
    lines = [
        _("Su denuncia: %(status)s.") % {"status": ReportStatus(report.status).label}
    ]
    for section in hooks.reporter_sections(report):
        data: Any = section.data
        if isinstance(data, dict) and data.get("status_label"):
            lines.append(str(data["status_label"]))
    return "\n".join(lines)


def follow_up_text(access: services.ReporterAccess) -> str:
    """What the web follow-up shows, in a few lines: status and the last reply.

    The voice line reads it aloud line by line: nothing here is about SMS.
    """
    report = access.report
    opened = services.report_decrypt(report=report, private_key=access.private_key)
    lines = [status_text(access)]
    replies = [
        m for m in opened.messages if m.author_kind == AuthorKind.STAFF and m.body
    ]
    if replies:
        lines.append(
            _("Último mensaje de quien lleva su caso: %(body)s")
            % {"body": replies[-1].body}
        )
    else:
        lines.append(_("Aún no hay mensajes para usted."))
    return "\n".join(lines)
