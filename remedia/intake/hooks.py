"""What higher apps add to the reporter's follow-up (web page and `/intake/me`)
and to the handler's report page.

A report that joined a case shows the case's status; a retaliation question
after closing shows with its answer buttons. Those belong to `cases`, which the
intake must not import: `cases` registers a provider at start-up, and the
follow-up asks every provider about the report being followed. Providers must
return only what this reporter may see: never another reporter's words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from remedia.core.hooks import Panel
from remedia.intake.models import Report


@dataclass(frozen=True)
class ReporterSection:
    key: str
    # Rendered on the follow-up page with `context` (plus `report`).
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    # Added under `key` to the JSON of `GET /api/v1/intake/me`.
    data: Any = None
    order: int = 100


ReporterSectionProvider = Callable[[Report], ReporterSection | None]

_providers: list[ReporterSectionProvider] = []


def reporter_section_register(
    provider: ReporterSectionProvider,
) -> ReporterSectionProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def reporter_sections(report: Report) -> list[ReporterSection]:
    found = [s for p in _providers if (s := p(report)) is not None]
    return sorted(found, key=lambda s: s.order)


# --- The handler's report page ---------------------------------------------------------
# `cases` shows there which case the report joined, or related reports and cases
# to merge it with. A provider gets the request (for the viewer's rights) and the
# report, and returns a panel to render or None.

StaffReportSectionProvider = Callable[[HttpRequest, Report], Panel | None]

_staff_report_providers: list[StaffReportSectionProvider] = []


def staff_report_section_register(
    provider: StaffReportSectionProvider,
) -> StaffReportSectionProvider:
    if provider not in _staff_report_providers:
        _staff_report_providers.append(provider)
    return provider


def staff_report_sections(request: HttpRequest, report: Report) -> list[Panel]:
    found = [
        s for p in _staff_report_providers if (s := p(request, report)) is not None
    ]
    return sorted(found, key=lambda s: s.order)


# --- Replies that leave by the worker's own channel ------------------------------------
# A worker who wrote by SMS, WhatsApp or email may ask to hear back that way.
# The channels sit above the intake's services, so they register a deliverer
# per channel at start-up; `services.staff_reply` hands it the reply after the
# commit, with the contact unsealed by the handler's key. A deliverer must not
# raise for a provider's failure (the reply is already stored and the worker
# can read it with the receipt) and must never log the contact or the body.


@dataclass(frozen=True)
class ReplyDelivery:
    report_id: Any
    message_id: Any
    channel: str
    contact: str = field(repr=False)
    body: str = field(repr=False)
    language: str = "es"


ReplyDeliverer = Callable[[ReplyDelivery], None]

_reply_deliverers: dict[str, ReplyDeliverer] = {}


def reply_deliverer_register(channel: str, deliverer: ReplyDeliverer) -> None:
    _reply_deliverers[channel] = deliverer


def reply_deliverer_for(channel: str) -> ReplyDeliverer | None:
    return _reply_deliverers.get(channel)


# --- Other conversations on the SMS and WhatsApp line ----------------------------------
# The line is one number on the posters, and higher apps hold conversations on
# it too: `remediation` asks a verification survey's questions. The intake must
# not import them, so each registers a handler at start-up under a short name.
#
# `channels/sms.py` keeps the line's own words first (AYUDA, BORRAR, a receipt,
# ESTADO); then a handler with a conversation under way gets every message
# until it ends its conversation; with none under way, each handler in turn may
# take the message (an explicit keyword, say) or decline with None. HOLA ends a
# handler's conversation, BORRAR ends every conversation. The line keeps what a
# handler returns as `state` for it (sealed under a key derived from the
# number, found by a keyed hash of it, 30 idle minutes), so a handler keeps no
# state of its own and never sees the cache. A handler must not log the
# sender's number or text, and must not store the number in the clear.


@dataclass(frozen=True)
class SmsTurn:
    """One message on the line, as a handler sees it."""

    # The number as the provider gives it (`whatsapp:` prefix included): for a
    # keyed hash of the handler's own, never to be stored or logged.
    sender: str = field(repr=False)
    # A keyed hash of the number, for throttles and counters.
    sender_key: str
    # What the worker wrote (control characters removed) and the same text
    # upper-cased with spaces collapsed, for matching keywords.
    text: str = field(repr=False)
    word: str = field(repr=False)
    # The handler's state from its last answer; None: no conversation of its own.
    state: dict[str, Any] | None = None
    # A report is being written on the line: take only an explicit keyword, so
    # that the answer to the report's question is not taken for yours.
    busy: bool = False
    # The worker asked for help (AYUDA). With a conversation under way, repeat
    # the current question and keep the state; without one, return a line on how
    # to start yours (or None). Nothing else is expected of the handler then.
    help_asked: bool = False


@dataclass(frozen=True)
class SmsReply:
    answer: str
    # What to keep until the next message; None ends the handler's conversation.
    state: dict[str, Any] | None = None


SmsHandler = Callable[[SmsTurn], SmsReply | None]

_sms_handlers: dict[str, SmsHandler] = {}


def sms_handler_register(name: str, handler: SmsHandler) -> SmsHandler:
    """Register `handler` under `name` (letters, digits, dashes: part of a cache key)."""
    if not name or not all(c.isalnum() or c == "-" for c in name):
        raise ValueError("an SMS handler's name is letters, digits and dashes")
    _sms_handlers[name] = handler
    return handler


def sms_handlers() -> list[tuple[str, SmsHandler]]:
    """The registered handlers, in the order they were registered."""
    return list(_sms_handlers.items())
