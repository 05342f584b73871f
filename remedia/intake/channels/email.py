"""Reports by email: a message becomes a report, or joins one by its receipt.

The listener (`channels/smtpd.py`) and any other mail source hand the raw
message to `mail_receive`, which parses it here and calls the intake's
services like every other channel: the same validation, attachment cleaning,
encryption and receipt. Nothing of the mail's headers is kept (no Received
lines, no addresses, no message id): only the text the worker wrote and the
files they attached. Their address is kept, sealed to the report key so a
handler's reply can go back by email (`reply_deliver`), only when they ask: a
line "RESPONDER" in the report, or an answer to the receipt mail saying
RESPONDER or SÍ, as the SMS line asks "1 sí, 2 no".

The address answered and kept is the envelope sender (SMTP MAIL FROM, or the
mailbox's Return-Path); the From: header, which anyone writes as they like, is
used only when a source knows no envelope at all. Answers to one address are
limited per hour (under a keyed hash of it), and never repeat what the sender
chose (file names are counted, not named), so the report address cannot be
used to send someone chosen text.

A mail that quotes a receipt (16 digits, in groups or not, in the subject or
the body) is a follow-up; a receipt that opens nothing stores nothing and
counts against the same guessing throttle as the web. Every outcome is
answered by a short mail in the worker's language (Spanish unless the mail is
plainly English); automatic mail (bounces, out-of-office) is never answered,
so two robots cannot loop.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage as ParsedMessage
from email.message import Message as AnyMessage
from enum import StrEnum
from html.parser import HTMLParser
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from remedia.core import files
from remedia.core.errors import ApplicationError, InvalidInput, Throttled
from remedia.core.geo import state_code
from remedia.intake import services
from remedia.intake.categories import Category
from remedia.intake.channels import common
from remedia.intake.hooks import ReplyDelivery
from remedia.intake.models import Channel

logger = logging.getLogger(__name__)

# Whole messages above this are refused at the protocol (552); see smtpd.py.
MESSAGE_MAX_BYTES = 25 * 1024 * 1024
SEND_TIMEOUT = 20
# Answers to one address in an hour (REMEDIA_EMAIL_ANSWERS_PER_HOUR); past it a
# mail from that address is neither stored nor answered until the hour ends.
ANSWERS_PER_HOUR = 6
ANSWER_WINDOW_SECONDS = 3600

# 16 digits, alone or in groups of four separated by a space, dash or dot.
_SEP = r"[ \t\u00a0\-.\u2010-\u2015]?"
RECEIPT_PATTERN = re.compile(
    rf"(?<![\d])(\d{{4}}){_SEP}(\d{{4}}){_SEP}(\d{{4}}){_SEP}(\d{{4}})(?![\d])"
)
# "Estado: Puebla", "Centro: Confecciones del Valle" (also in English), so a
# worker can say where without a form; anything else stays in the narrative.
_STATE_LINE = re.compile(r"^\s*(?:estado|state)\s*:\s*(.+?)\s*$", re.I | re.M)
_FACILITY_LINE = re.compile(
    r"^\s*(?:centro(?: de trabajo)?|empresa|f[aá]brica|planta|facility|factory|"
    r"workplace)\s*:\s*(.+?)\s*$",
    re.I | re.M,
)
_ES_WORDS = frozenset(
    "el la los las de que y en un una por para con no se nos me mi es está son "
    "pero porque trabajo empresa nos hay".split()
)
_EN_WORDS = frozenset(
    "the and of to in is are was we my our they not but because work company "
    "there this that".split()
)


class Outcome(StrEnum):
    REPORT = "report"
    FOLLOWUP = "followup"
    EMPTY = "empty"
    INVALID = "invalid"
    RECEIPT_REFUSED = "receipt_refused"
    THROTTLED = "throttled"
    REFUSED = "refused"
    IGNORED = "ignored"
    REPLIES_STOPPED = "replies_stopped"
    REPLIES_STARTED = "replies_started"
    UNANSWERED = "unanswered"


@dataclass(frozen=True)
class DroppedFile:
    name: str
    reason: str


@dataclass
class ParsedMail:
    """What a mail carries that the intake may use; its headers are not kept."""

    sender: str = field(default="", repr=False)
    subject: str = field(default="", repr=False)
    text: str = field(default="", repr=False)
    files: list[services.IncomingFile] = field(default_factory=list, repr=False)
    dropped: list[DroppedFile] = field(default_factory=list)
    receipt: str = field(default="", repr=False)
    language: str = "es"
    automatic: bool = False
    message_id: str = field(default="", repr=False)


# --- Parsing ---------------------------------------------------------------------------


class _TextFromHtml(HTMLParser):
    """HTML to readable text: blocks become lines, scripts and styles vanish."""

    _BLOCKS = frozenset(
        "br p div li tr h1 h2 h3 h4 h5 h6 blockquote pre table ul ol hr".split()
    )
    _SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextFromHtml()
    parser.feed(html)
    parser.close()
    lines = [
        re.sub(r"[ \t\u00a0]+", " ", line).strip()
        for line in "".join(parser.parts).splitlines()
    ]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _part_text(part: AnyMessage) -> str:
    """A text part decoded by its declared charset, or the likeliest one."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    for candidate in (charset, "utf-8", "cp1252"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1")


def _body_text(message: ParsedMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    text = _part_text(body)
    if body.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n").strip()


def _attachments(
    message: ParsedMessage, body: AnyMessage | None
) -> tuple[list[services.IncomingFile], list[DroppedFile]]:
    kept: list[services.IncomingFile] = []
    dropped: list[DroppedFile] = []
    for part in message.walk():
        if part.is_multipart() or part is body:
            continue
        disposition = part.get_content_disposition()
        maintype = part.get_content_maintype()
        # The text and HTML versions of the body are not attachments.
        if maintype == "text" and disposition != "attachment":
            continue
        if maintype == "message":
            continue
        name = str(part.get_filename() or _("archivo sin nombre"))[:200]
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data:
            continue
        if len(kept) >= files.MAX_FILES:
            dropped.append(
                DroppedFile(
                    name,
                    _("Se guardan hasta %(n)s archivos por correo.")
                    % {"n": files.MAX_FILES},
                )
            )
            continue
        try:
            # Cleaned here so one unusable file is left out and named in the
            # answer, instead of refusing the whole report; the intake stores
            # the clean file as it is (one cleaning per file).
            clean = files.clean(data)
        except files.AttachmentRefused as exc:
            dropped.append(DroppedFile(name, str(exc.message)))
            continue
        kept.append(services.IncomingFile(name=name, data=b"", cleaned=clean))
    return kept, dropped


def _sender(message: ParsedMessage, envelope_from: str | None) -> str:
    """The envelope sender; the From: header only when there is no envelope."""
    candidate = envelope_from if envelope_from is not None else _header_from(message)
    candidate = (candidate or "").strip()
    try:
        validate_email(candidate)
    except ValidationError:
        return ""
    return candidate


def _header_from(message: ParsedMessage) -> str:
    try:
        header = message["From"]
        addresses = getattr(header, "addresses", ()) if header is not None else ()
        return str(addresses[0].addr_spec).lower() if addresses else ""
    except (ValueError, IndexError, AttributeError):
        return ""


def _automatic(message: ParsedMessage, envelope_from: str | None, sender: str) -> bool:
    """Bounces, auto-replies and lists: never answered, never stored.

    `envelope_from` None: the source does not know the envelope (a mailbox).
    """
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    ours = (settings.REMEDIA_REPORT_EMAIL or "").lower()
    locals_ = {sender.split("@")[0].lower(), _header_from(message).split("@")[0]}
    return (
        (envelope_from is not None and envelope_from.strip() in ("", "<>"))
        or auto != "no"
        or precedence in {"bulk", "junk", "list", "auto_reply"}
        or message.get_content_type() == "multipart/report"
        or message.get("X-Autoreply") is not None
        or message.get("List-Id") is not None
        or bool(locals_ & {"mailer-daemon", "postmaster"})
        or (bool(ours) and sender.lower() == ours)
    )


_MESSAGE_ID = re.compile(
    r"<[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]{1,120}@[A-Za-z0-9.\-]{1,120}>"
)


def _message_id(message: ParsedMessage) -> str:
    """The mail's id, for threading the answer; only in its strict form."""
    try:
        value = str(message.get("Message-ID", "") or "").strip()
    except (ValueError, IndexError):
        return ""
    return value if _MESSAGE_ID.fullmatch(value) else ""


def language_guess(text: str) -> str:
    words = re.findall(r"[a-záéíóúñü]+", text.lower())[:400]
    english = sum(w in _EN_WORDS for w in words)
    spanish = sum(w in _ES_WORDS for w in words)
    return "en" if english > max(spanish, 2) else "es"


def receipt_find(*texts: str) -> str:
    for text in texts:
        found = RECEIPT_PATTERN.search(text or "")
        if found:
            return "".join(found.groups())
    return ""


def mail_parse(raw: bytes, *, envelope_from: str | None = None) -> ParsedMail:
    # With the default policy the parser builds the modern EmailMessage.
    message = cast(
        ParsedMessage, email.message_from_bytes(raw, policy=email.policy.default)
    )
    try:
        subject = str(message.get("Subject", "") or "")
    except (ValueError, IndexError):
        subject = ""
    subject = re.sub(r"\s+", " ", subject).strip()
    body = message.get_body(preferencelist=("plain", "html"))
    text = _body_text(message)
    language = language_guess(f"{subject}\n{text}")
    with translation.override(language):
        kept, dropped = _attachments(message, body)
    sender = _sender(message, envelope_from)
    return ParsedMail(
        sender=sender,
        subject=subject,
        text=text,
        files=kept,
        dropped=dropped,
        receipt=receipt_find(subject, text),
        language=language,
        automatic=_automatic(message, envelope_from, sender),
        message_id=_message_id(message),
    )


# --- What is stored ----------------------------------------------------------------------


_REPLY_PREFIX = re.compile(r"^\s*((re|rv|fw|fwd|reenv|res)\s*:\s*)+", re.I)
_QUOTE_INTRO = re.compile(
    r"^\s*(on .+ wrote:|el .+ escribi[oó]:|-+\s*(original message|mensaje original)"
    r"\s*-+)\s*$",
    re.I,
)


def _without_quotes(text: str) -> str:
    """The new part of a reply: quoted lines and the quote's intro line go."""
    kept: list[str] = []
    for line in text.splitlines():
        if _QUOTE_INTRO.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def _without_receipt(text: str) -> str:
    # Handlers have no use for the receipt, and it is the reporter's key.
    return RECEIPT_PATTERN.sub(_("[recibo]"), text)


def _new_report_text(parsed: ParsedMail) -> str:
    subject = _REPLY_PREFIX.sub("", parsed.subject).strip()
    body = parsed.text.strip()
    if subject and subject.lower() not in body.lower()[: len(subject) + 40]:
        return f"{subject}\n\n{body}".strip()
    return body


# --- Answers ------------------------------------------------------------------------------


def receipt_grouped(receipt: str) -> str:
    return " ".join(receipt[i : i + 4] for i in range(0, len(receipt), 4))


def _from_address() -> str:
    return settings.REMEDIA_REPORT_EMAIL or settings.DEFAULT_FROM_EMAIL


def answer_send(
    *,
    to: str,
    kind: str,
    language: str,
    context: dict[str, Any] | None = None,
    in_reply_to: str = "",
    report_id: Any = None,
) -> bool:
    """One answer to a worker; False if it could not be sent (logged without the address)."""
    context = {
        "followup_url": settings.REMEDIA_BASE_URL + reverse("intake:followup_enter"),
        "report_url": settings.REMEDIA_BASE_URL + reverse("intake:report"),
        "report_address": _from_address(),
        **(context or {}),
    }
    with translation.override(language if language in services.LANGUAGES else "es"):
        subject = render_to_string(f"intake/email/{kind}_subject.txt", context)
        body = render_to_string(f"intake/email/{kind}_body.txt", context)
    headers = {"Auto-Submitted": "auto-replied"}
    if in_reply_to:
        headers.update({"In-Reply-To": in_reply_to, "References": in_reply_to})
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=_from_address(),
        to=[to],
        headers=headers,
        connection=get_connection(timeout=SEND_TIMEOUT),
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        logger.warning(
            "email.answer_failed",
            extra={
                "kind": kind,
                "report_id": str(report_id or ""),
                "error": type(exc).__name__,
            },
        )
        return False
    logger.info(
        "email.answer_sent", extra={"kind": kind, "report_id": str(report_id or "")}
    )
    return True


def reply_deliver(delivery: ReplyDelivery) -> None:
    """A handler's reply, by email to the worker who wrote by email (a hook).

    Runs after the reply committed; a failure is logged by report id only and
    loses nothing, since the worker reads the reply with the receipt.
    """
    answer_send(
        to=delivery.contact,
        kind="staff_reply",
        language=delivery.language,
        context={"body": delivery.body},
        report_id=delivery.report_id,
    )


# --- Receiving -------------------------------------------------------------------------


# A follow-up saying only one of these (in the subject or as its text) stops
# replies by email: the worker may not want them in an inbox others read.
STOP_WORDS = frozenset(
    {"BAJA", "DAR DE BAJA", "NO RESPONDER", "NO ME RESPONDAN", "STOP", "UNSUBSCRIBE"}
)


# A follow-up saying only one of these starts replies by email (the receipt mail
# asks for it); in a report, a line that is only one of the first three does.
START_WORDS = frozenset(
    {"RESPONDER", "RESPONDER POR CORREO", "REPLY", "RESPONDAN", "SÍ", "SI", "YES"}
)
START_LINE_WORDS = frozenset({"RESPONDER", "RESPONDER POR CORREO", "REPLY"})


def _word(value: str) -> str:
    value = RECEIPT_PATTERN.sub(" ", _REPLY_PREFIX.sub("", value))
    return re.sub(r"[\s.!¡:,;-]+", " ", value).strip().upper()


def _only_word(parsed: ParsedMail, text: str, words: frozenset[str]) -> bool:
    """The new text is one of `words` (a phone's signature under it aside), or
    the text is empty and the subject is one."""
    lines = [line for line in text.splitlines() if _word(line)]
    if not lines:
        return _word(parsed.subject) in words
    return _word(lines[0]) in words and len(" ".join(lines[1:])) < 80


def _stop_asked(parsed: ParsedMail, text: str) -> bool:
    return _only_word(parsed, text, STOP_WORDS)


def _replies_asked_in_report(text: str) -> bool:
    return any(_word(line) in START_LINE_WORDS for line in text.splitlines())


def _reasons(exc: ApplicationError) -> list[str]:
    """The refusal's reasons without a file's name (which the sender chose)."""
    if not isinstance(exc, InvalidInput):
        return exc.reasons
    reasons = []
    for error in exc.errors:
        if error.get("field") == "attachments":
            reasons.append(_("Uno de los archivos adjuntos no se pudo guardar."))
        else:
            reasons.append(str(error["reason"]))
    return list(dict.fromkeys(reasons))


def _followup(parsed: ParsedMail) -> tuple[Outcome, dict[str, Any], Any]:
    text = _without_receipt(_without_quotes(parsed.text))
    try:
        access = services.reporter_open(receipt=parsed.receipt)
    except Throttled as exc:
        return Outcome.THROTTLED, {"minutes": max(1, exc.retry_after // 60)}, None
    except services.ReceiptRefused:
        return Outcome.RECEIPT_REFUSED, {}, None
    new_text = _without_quotes(parsed.text)
    if _stop_asked(parsed, new_text) and not parsed.files:
        stopped = services.reporter_replies_stop(access=access)
        return Outcome.REPLIES_STOPPED, {"stopped": stopped}, access.report.pk
    if _only_word(parsed, new_text, START_WORDS) and not parsed.files:
        services.reporter_replies_start(
            access=access, channel=Channel.EMAIL, contact=parsed.sender
        )
        return Outcome.REPLIES_STARTED, {}, access.report.pk
    if not text and not parsed.files:
        return Outcome.EMPTY, {"followup": True}, access.report.pk
    try:
        services.reporter_message_add(access=access, body=text, incoming=parsed.files)
    except ApplicationError as exc:
        return Outcome.INVALID, {"reasons": _reasons(exc)}, access.report.pk
    return Outcome.FOLLOWUP, {}, access.report.pk


def _report(parsed: ParsedMail) -> tuple[Outcome, dict[str, Any], Any]:
    narrative = _without_receipt(_new_report_text(parsed))
    if not narrative and not parsed.files:
        return Outcome.EMPTY, {}, None
    if len(narrative) < 10 and parsed.files:
        narrative = (
            narrative + "\n\n" + _("(Denuncia enviada por correo solo con archivos.)")
        ).strip()
    state_line = _STATE_LINE.search(parsed.text)
    facility_line = _FACILITY_LINE.search(parsed.text)
    wants_replies = _replies_asked_in_report(parsed.text)
    draft = services.ReportDraft(
        channel=Channel.EMAIL,
        language=parsed.language,
        # A mail says what happened in the worker's words; the handler sets
        # the categories at triage ("other" until then) and reads the place.
        categories=[Category.OTHER],
        narrative=narrative,
        state=(state_code(state_line.group(1)) or "") if state_line else "",
        facility_name=facility_line.group(1)[:300] if facility_line else "",
        files=parsed.files,
        # Kept, sealed, only when the worker asked to hear back by email.
        reply_contact=parsed.sender if wants_replies else "",
    )
    try:
        submitted = services.report_submit(draft=draft)
    except Throttled:
        return Outcome.THROTTLED, {"minutes": 1}, None
    except InvalidInput as exc:
        return Outcome.INVALID, {"reasons": _reasons(exc)}, None
    except ApplicationError as exc:
        return Outcome.REFUSED, {"reasons": _reasons(exc)}, None
    return (
        Outcome.REPORT,
        {
            "receipt": receipt_grouped(submitted.receipt),
            "replies": bool(submitted.report.reply_channel),
        },
        submitted.report.pk,
    )


_ANSWER = {
    Outcome.REPORT: "receipt",
    Outcome.FOLLOWUP: "followup_added",
    Outcome.EMPTY: "empty",
    Outcome.INVALID: "not_stored",
    Outcome.REFUSED: "not_stored",
    Outcome.RECEIPT_REFUSED: "receipt_refused",
    Outcome.THROTTLED: "throttled",
    Outcome.REPLIES_STOPPED: "replies_stopped",
    Outcome.REPLIES_STARTED: "replies_started",
}


def _answer_allowed(address: str) -> bool:
    """Count one answer to `address` (by a keyed hash); False past the hour's limit."""
    digest = common.keyed_digest(
        label=b"remedia.channels.email.answers", number=address
    )
    sent = common.count(f"channels:email:answers:{digest}", ANSWER_WINDOW_SECONDS)
    return sent <= common.limit("REMEDIA_EMAIL_ANSWERS_PER_HOUR", ANSWERS_PER_HOUR)


def mail_receive(raw: bytes, *, envelope_from: str | None = None) -> Outcome:
    """Turn one received mail into a report or a follow-up, and answer it.

    `envelope_from`: the SMTP MAIL FROM (empty for a bounce), or None when the
    source has no envelope.
    """
    parsed = mail_parse(raw, envelope_from=envelope_from)
    if parsed.automatic:
        logger.info("email.ignored_automatic")
        return Outcome.IGNORED
    if parsed.sender and not _answer_allowed(parsed.sender.lower()):
        # Neither stored nor answered: a report whose receipt cannot be sent
        # would be lost to its writer, and answering would defeat the limit.
        logger.info("email.answers_throttled")
        return Outcome.UNANSWERED
    with translation.override(parsed.language):
        if parsed.receipt:
            outcome, context, report_id = _followup(parsed)
        else:
            outcome, context, report_id = _report(parsed)
    logger.info(
        "email.received",
        extra={
            "outcome": str(outcome),
            "report_id": str(report_id or ""),
            "attachments": len(parsed.files),
            "dropped": len(parsed.dropped),
        },
    )
    if parsed.sender:
        answer_send(
            to=parsed.sender,
            kind=_ANSWER[outcome],
            language=parsed.language,
            context={
                **context,
                # Counted, never named: a file's name is the sender's text.
                "dropped": len(parsed.dropped)
                if outcome in (Outcome.REPORT, Outcome.FOLLOWUP)
                else 0,
                "dropped_reasons": list(dict.fromkeys(d.reason for d in parsed.dropped))
                if outcome in (Outcome.REPORT, Outcome.FOLLOWUP)
                else [],
            },
            in_reply_to=parsed.message_id,
            report_id=report_id,
        )
    return outcome
