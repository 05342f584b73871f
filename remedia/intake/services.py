"""Writes of the intake: submitting a report, following it up, staff replies.

Every channel (web form, API, voice, SMS, email) calls these same services, so
every channel yields the same report, the same receipt and the same encryption.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from remedia.accounts import keys
from remedia.accounts.models import User
from remedia.accounts.permissions import Capability, roles_with
from remedia.accounts.selectors import (
    cache_key,
    cached_while_accounts_unchanged,
    organisations_for,
)
from remedia.core import crypto, files, metrics
from remedia.core.audit import audit_record
from remedia.core.errors import (
    ApplicationError,
    InvalidInput,
    PermissionDenied,
    Throttled,
)
from remedia.core.geo import state_code
from remedia.core.kit import clean_text as clean_text  # re-exported: channels use it
from remedia.core.retention import Destroyed, expired_destroy
from remedia.core.sealed import (
    document_open,
    document_seal,
    grant_open,
    grant_seal,
    json_open,
    json_seal,
)
from remedia.core.storage import data_subdir
from remedia.core.throttle import Backoff
from remedia.facilities.models import Facility
from remedia.intake import hooks, selectors, signals
from remedia.intake.categories import Category, is_urgent
from remedia.intake.models import (
    Attachment,
    AuthorKind,
    Channel,
    IntakeConfiguration,
    Message,
    Report,
    ReportCategory,
    ReportKeyGrant,
    ReportRecipient,
    ReportStatus,
)
from remedia.intake.routing import route

logger = logging.getLogger(__name__)

NARRATIVE_MAX = 20_000
MESSAGE_MAX = 10_000
FACILITY_NAME_MAX = 300
REPLY_CONTACT_MAX = 320
LANGUAGES = {"es", "en"}
# Channels whose reports may leave the state unknown (stored as ""): free-text
# mail, and a caller who keys 0 ("no sé") on the voice line.
STATE_OPTIONAL_CHANNELS = frozenset({Channel.EMAIL, Channel.VOICE})
PARTNER_CHANNEL_MAX = 100


class ReceiptRefused(ApplicationError):
    """A wrong, unknown or malformed receipt: one answer for all."""

    status_code = 401

    def __init__(self) -> None:
        super().__init__(
            _(
                "Ese número de recibo no corresponde a ninguna denuncia. Revise los 16 dígitos."
            )
        )


# --- Input -----------------------------------------------------------------------


@dataclass
class IncomingFile:
    name: str
    data: bytes
    too_large: bool = False
    # Already cleaned by the channel (email checks each file to name the ones
    # it leaves out): used as it is, never cleaned a second time.
    cleaned: files.CleanFile | None = None


@dataclass
class ReportDraft:
    """A report as any channel hands it in, before validation."""

    channel: str
    language: str = "es"
    categories: list[str] = field(default_factory=list)
    narrative: str = ""
    facility_id: Any = None
    facility_name: str = ""
    state: str = ""
    occurred_on: date | None = None
    files: list[IncomingFile] = field(default_factory=list)
    # Set only when the worker chose to hear back on the channel they wrote
    # from (a phone number, an address): sealed to the report key, never plain.
    reply_contact: str = ""
    # Channel.PARTNER only: the organisation whose token handed it in and the
    # name of the channel it took the report on (a hotline's name).
    partner_organisation_id: Any = None
    partner_channel: str = ""


@dataclass(frozen=True)
class CleanDraft:
    channel: str
    language: str
    categories: list[str]
    narrative: str
    facility: Facility | None
    facility_name: str
    state: str
    occurred_on: date | None
    files: list[tuple[str, files.CleanFile]]
    reply_contact: str = ""
    partner_organisation_id: Any = None
    partner_channel: str = ""


def _clean_files(
    incoming: list[IncomingFile], errors: list[dict[str, Any]]
) -> list[tuple[str, files.CleanFile]]:
    cleaned = []
    if len(incoming) > files.MAX_FILES:
        errors.append(
            {
                "field": "attachments",
                "reason": _("Puede adjuntar hasta %(n)s archivos.")
                % {"n": files.MAX_FILES},
            }
        )
        return []
    for item in incoming:
        try:
            clean = item.cleaned or files.clean(item.data, too_large=item.too_large)
            cleaned.append((item.name[:200], clean))
        except files.AttachmentRefused as exc:
            errors.append(
                {"field": "attachments", "reason": f"{item.name[:80]}: {exc.message}"}
            )
    return cleaned


def report_files_check(
    *, incoming: list[IncomingFile]
) -> tuple[list[IncomingFile], list[str]]:
    """Check and clean each file on its own, before the rest of the report.

    Gives the files that pass, already cleaned (so they are never cleaned
    twice and can be kept across a form that comes back), and the reasons
    for the others, each naming its file.
    """
    passed: list[IncomingFile] = []
    reasons: list[str] = []
    for item in incoming:
        errors: list[dict[str, Any]] = []
        for name, clean in _clean_files([item], errors):
            passed.append(IncomingFile(name=name, data=b"", cleaned=clean))
        reasons.extend(str(e["reason"]) for e in errors)
    return passed, reasons


def report_validate(draft: ReportDraft) -> CleanDraft:
    """Check every field; raise `InvalidInput` listing every problem at once."""
    errors: list[dict[str, Any]] = []
    if draft.channel not in Channel.values:
        errors.append({"field": "channel", "reason": _("Canal desconocido.")})
    language = draft.language if draft.language in LANGUAGES else "es"

    categories = list(dict.fromkeys(draft.categories or []))
    unknown = [c for c in categories if c not in Category.values]
    if not categories:
        errors.append(
            {"field": "categories", "reason": _("Elija al menos un tipo de problema.")}
        )
    elif unknown:
        errors.append(
            {
                "field": "categories",
                "reason": _("Tipo de problema desconocido: %(codes)s.")
                % {"codes": ", ".join(str(u)[:40] for u in unknown[:5])},
            }
        )

    narrative = clean_text(draft.narrative)
    if len(narrative) < 10:
        errors.append(
            {
                "field": "narrative",
                "reason": _(
                    "Cuéntenos qué pasó, con al menos unas palabras (10 letras)."
                ),
            }
        )
    elif len(narrative) > NARRATIVE_MAX:
        errors.append(
            {
                "field": "narrative",
                "reason": _("El relato es demasiado largo (máximo %(n)s caracteres).")
                % {"n": NARRATIVE_MAX},
            }
        )

    state = state_code(draft.state or "") if draft.state else None
    if not draft.state and draft.channel in STATE_OPTIONAL_CHANNELS:
        # An email is free text: no form asks where it happened. The report
        # goes by the rules that match any state, else to the default
        # organisation, and the handler reads the place in the narrative.
        state = ""
    elif not draft.state:
        errors.append({"field": "state", "reason": _("Elija el estado donde pasó.")})
    elif state is None:
        errors.append(
            {"field": "state", "reason": _("Ese estado no existe en México.")}
        )

    facility = None
    if draft.facility_id not in (None, ""):
        try:
            facility = Facility.objects.filter(
                pk=uuid.UUID(str(draft.facility_id))
            ).first()
        except ValueError:
            facility = None
        if facility is None:
            errors.append(
                {
                    "field": "facility_id",
                    "reason": _("Ese centro de trabajo no está en el padrón."),
                }
            )
    facility_name = clean_text(draft.facility_name)
    if len(facility_name) > FACILITY_NAME_MAX:
        errors.append(
            {
                "field": "facility_name",
                "reason": _("El nombre del centro es demasiado largo."),
            }
        )
    if not state and facility is not None:
        state = facility.state

    occurred_on = draft.occurred_on
    if occurred_on is not None and occurred_on > timezone.localdate():
        errors.append(
            {"field": "occurred_on", "reason": _("La fecha no puede ser futura.")}
        )

    cleaned_files = _clean_files(draft.files, errors)
    reply_contact = clean_text(draft.reply_contact)
    if len(reply_contact) > REPLY_CONTACT_MAX:
        errors.append({"field": "reply_contact", "reason": _("Contacto no válido.")})
    partner_channel = ""
    if draft.channel == Channel.PARTNER:
        partner_channel = clean_text(draft.partner_channel)
        if not partner_channel:
            errors.append(
                {"field": "channel_name", "reason": _("Este campo es obligatorio.")}
            )
        elif len(partner_channel) > PARTNER_CHANNEL_MAX:
            errors.append(
                {
                    "field": "channel_name",
                    "reason": _("Es demasiado largo (máximo %(n)s caracteres).")
                    % {"n": PARTNER_CHANNEL_MAX},
                }
            )
        if draft.partner_organisation_id is None:
            errors.append({"field": "channel", "reason": _("Canal desconocido.")})
        if reply_contact:
            errors.append(
                {"field": "reply_contact", "reason": _("Contacto no válido.")}
            )
    if errors or state is None:
        raise InvalidInput(errors)
    return CleanDraft(
        channel=draft.channel,
        language=language,
        categories=categories,
        narrative=narrative,
        facility=facility,
        facility_name=facility_name,
        state=state,
        occurred_on=occurred_on,
        files=cleaned_files,
        reply_contact=reply_contact,
        partner_organisation_id=(
            draft.partner_organisation_id if draft.channel == Channel.PARTNER else None
        ),
        partner_channel=partner_channel,
    )


# --- Keys ----------------------------------------------------------------------


_config_cache: dict[str, bytes] = {}


def _receipt_salt() -> bytes:
    # The salt never changes once created, so every process may keep it.
    if "salt" not in _config_cache:
        config = IntakeConfiguration.objects.get(id=1)
        _config_cache["salt"] = bytes(config.receipt_salt)
    return _config_cache["salt"]


def receipt_normalise(value: str) -> str:
    return re.sub(r"[\s\-.]", "", value or "")[:64]


def _grant(
    *,
    report: Report,
    report_private: bytes,
    organisation_ids: set[uuid.UUID],
    fresh: bool = False,
) -> int:
    """Seal the report's key to every entitled user and escrow lacking a grant."""
    return grant_seal(
        model=ReportKeyGrant,
        owner={"report": report},
        private=report_private,
        user_keys=keys.member_public_keys(
            organisation_ids=organisation_ids,
            roles=roles_with(Capability.REPORT_READ),
        ),
        escrow_keys=keys.escrow_public_keys(organisation_ids=organisation_ids),
        fresh=fresh,
    )


def attachment_dir() -> Path:
    return data_subdir("attachments")


def _store_file(
    *,
    report: Report,
    message: Message | None,
    author_kind: str,
    name: str,
    clean: files.CleanFile,
) -> tuple[Attachment, Path]:
    sealed = document_seal(
        data=clean.data,
        content_type=clean.content_type,
        name=name,
        public_key=bytes(report.public_key),
        directory=attachment_dir(),
    )
    attachment = Attachment.objects.create(
        report=report, message=message, author_kind=author_kind, **sealed.fields()
    )
    path = sealed.path
    return attachment, path


# --- Submission ----------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    report: Report
    receipt: str


def _submission_surge() -> None:
    """A global ceiling on submissions per minute, far above real use.

    No network identifier of a reporter may be kept, so there is no per-sender
    limit; the ceiling only bites under a flood, and its size is a setting.
    """
    from django.core.cache import cache

    minute = int(timezone.now().timestamp() // 60)
    key = f"intake:surge:{minute}"
    try:
        try:
            count = cache.incr(key)
        except ValueError:
            # First submission of the minute (a race here only miscounts by a few).
            cache.add(key, 0, timeout=120)
            count = cache.incr(key)
    except Exception as exc:
        # The cache cannot count (Redis and its database fallback both down):
        # the report is taken uncounted rather than refused. The log names
        # the error's kind only, never anything about the sender.
        logger.warning("intake.surge_unchecked", extra={"error": type(exc).__name__})
        return
    if count > settings.REMEDIA_INTAKE_MAX_PER_MINUTE:
        raise Throttled(
            _(
                "Estamos recibiendo muchas denuncias en este momento. Su texto no se "
                "perdió: intente enviarlo de nuevo en un minuto."
            ),
            retry_after=60,
        )


def report_submit(*, draft: ReportDraft) -> Submitted:
    """Validate, encrypt and store a report; return it with its receipt (once).

    Committed before it returns: a 201 means the report is on disk.
    """
    clean = report_validate(draft)
    _submission_surge()
    routes = route(state=clean.state, categories=clean.categories)
    receipt = crypto.receipt_new()
    secrets_ = crypto.receipt_peppered(
        crypto.receipt_derive(receipt, salt=_receipt_salt()),
        pepper=crypto.receipt_peppers()[0],
    )
    pair = crypto.keypair_new()
    written: list[Path] = []
    try:
        with transaction.atomic():
            report = Report.objects.create(
                channel=clean.channel,
                language=clean.language,
                state=clean.state,
                facility=clean.facility,
                occurred_on=clean.occurred_on,
                urgent=is_urgent(clean.categories),
                routed_by_default=any(r.purpose == "default" for r in routes),
                public_key=pair.public,
                content=json_seal(
                    {
                        "narrative": clean.narrative,
                        "facility_name": clean.facility_name,
                    },
                    public_key=pair.public,
                ),
                receipt_lookup=secrets_.lookup,
                reporter_wrapped_key=crypto.wrap(pair.private, key=secrets_.key),
                reply_channel=clean.channel if clean.reply_contact else "",
                reply_contact=json_seal(
                    {"contact": clean.reply_contact}, public_key=pair.public
                )
                if clean.reply_contact
                else None,
                partner_organisation_id=clean.partner_organisation_id,
                partner_channel=clean.partner_channel,
            )
            ReportCategory.objects.bulk_create(
                [ReportCategory(report=report, code=code) for code in clean.categories]
            )
            ReportRecipient.objects.bulk_create(
                [
                    ReportRecipient(
                        report=report,
                        organisation_id=r.organisation_id,
                        purpose=r.purpose,
                    )
                    for r in routes
                ]
            )
            _grant(
                report=report,
                report_private=pair.private,
                organisation_ids={r.organisation_id for r in routes},
                fresh=True,
            )
            for name, cleaned in clean.files:
                _attachment, path = _store_file(
                    report=report,
                    message=None,
                    author_kind=AuthorKind.REPORTER,
                    name=name,
                    clean=cleaned,
                )
                written.append(path)
            audit_record(
                action="report.submitted",
                obj=report,
                data={
                    "channel": clean.channel,
                    "urgent": report.urgent,
                    "recipients": [str(r.organisation_id) for r in routes],
                    "attachments": len(clean.files),
                    **(
                        {"partner_organisation": str(clean.partner_organisation_id)}
                        if clean.partner_organisation_id
                        else {}
                    ),
                },
            )
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    # The report is stored once this commits: nothing that follows may turn
    # its 201 and receipt into an error (robust: a failure is logged).
    transaction.on_commit(selectors.inbox_changed, robust=True)
    transaction.on_commit(lambda: metrics.intake_counted(clean.channel), robust=True)
    organisation_ids = [r.organisation_id for r in routes]
    transaction.on_commit(
        lambda: signals.report_submitted.send(
            sender=Report, report=report, organisation_ids=organisation_ids
        ),
        robust=True,
    )
    logger.info(
        "report.submitted",
        extra={
            "channel": clean.channel,
            "urgent": report.urgent,
            "routes": len(routes),
        },
    )
    return Submitted(report=report, receipt=receipt)


# --- The reporter's side ---------------------------------------------------------


def _receipt_backoff() -> Backoff:
    return Backoff(
        scope="receipt",
        free_failures=settings.REMEDIA_RECEIPT_FREE_FAILURES,
        first_delay=settings.REMEDIA_RECEIPT_FIRST_DELAY,
        max_delay=settings.REMEDIA_RECEIPT_MAX_DELAY,
        window=3600,
    )


def _receipt_bucket(receipt: str) -> str:
    # Guesses are counted per leading four digits: a guesser spreads over all
    # ten thousand buckets and is slowed in each, while shutting out one real
    # reporter would take knowing the start of their receipt.
    return receipt[:4] if re.fullmatch(r"\d{16}", receipt) else "malformed"


@dataclass(frozen=True)
class ReporterAccess:
    report: Report
    private_key: bytes


def reporter_open(*, receipt: str) -> ReporterAccess:
    """Open a report with its receipt; one answer and about one time for any failure."""
    receipt = receipt_normalise(receipt)
    bucket = _receipt_bucket(receipt)
    backoff = _receipt_backoff()
    # Guesses in one bucket are checked one at a time, each failure counted
    # before the next slow hash starts: parallel guesses cannot all pass the
    # back-off together while the hash runs.
    with backoff.one_at_a_time(bucket) as alone:
        wait = backoff.wait_seconds(bucket) if alone else 1
        if wait:
            raise Throttled(
                ngettext(
                    "Demasiados intentos. Espere %(s)s segundo y vuelva a intentar.",
                    "Demasiados intentos. Espere %(s)s segundos y vuelva a intentar.",
                    wait,
                )
                % {"s": wait},
                retry_after=wait,
            )
        return _reporter_check(receipt=receipt, bucket=bucket, backoff=backoff)


def _reporter_check(*, receipt: str, bucket: str, backoff: Backoff) -> ReporterAccess:
    # The slow hash runs for every attempt, well-formed or not, so the time of
    # the answer says nothing about whether a report exists.
    derived = crypto.receipt_derive(receipt or "-", salt=_receipt_salt())
    # The current pepper first, then previous secret keys', then none (reports
    # made before the pepper): one slow hash serves them all.
    candidates = [
        crypto.receipt_peppered(derived, pepper=p) for p in crypto.receipt_peppers()
    ]
    candidates.append(derived)
    report = Report.objects.filter(
        receipt_lookup__in=[c.lookup for c in candidates]
    ).first()
    if report is None or bucket == "malformed":
        backoff.fail(bucket)
        raise ReceiptRefused()
    matched = next(c for c in candidates if c.lookup == bytes(report.receipt_lookup))
    try:
        private = crypto.unwrap(bytes(report.reporter_wrapped_key), key=matched.key)
    except crypto.DecryptionFailed:
        backoff.fail(bucket)
        raise ReceiptRefused() from None
    if matched is not candidates[0]:
        # Stored without the current pepper: store it with it from now on.
        Report.objects.filter(pk=report.pk).update(
            receipt_lookup=candidates[0].lookup,
            reporter_wrapped_key=crypto.wrap(private, key=candidates[0].key),
        )
    today = timezone.localdate()
    if report.reporter_last_seen_on != today:
        Report.objects.filter(pk=report.pk).update(reporter_last_seen_on=today)
    return ReporterAccess(report=report, private_key=private)


def reporter_access_from_key(*, report_id: Any, private_key: bytes) -> ReporterAccess:
    """Re-open a report from a key the reporter's browser already holds (follow-up pages)."""
    try:
        report = Report.objects.filter(pk=uuid.UUID(str(report_id))).first()
    except ValueError:
        report = None
    if report is None or crypto.public_of(private_key) != bytes(report.public_key):
        raise ReceiptRefused()
    return ReporterAccess(report=report, private_key=private_key)


@dataclass(frozen=True)
class OpenMessage:
    id: uuid.UUID
    author_kind: str
    body: str
    created_at: Any
    attachments: list[dict[str, Any]]


@dataclass(frozen=True)
class OpenReport:
    report: Report
    narrative: str
    facility_name: str
    categories: list[str]
    messages: list[OpenMessage]
    attachments: list[dict[str, Any]]


def _attachment_info(attachment: Attachment, private_key: bytes) -> dict[str, Any]:
    meta = json_open(bytes(attachment.sealed_meta), private_key=private_key)
    return {
        "id": attachment.id,
        "name": meta.get("name", ""),
        "content_type": attachment.content_type,
        "size": attachment.size,
        "author_kind": attachment.author_kind,
    }


def report_decrypt(*, report: Report, private_key: bytes) -> OpenReport:
    content = json_open(bytes(report.content), private_key=private_key)
    attachments = list(report.attachments.all())
    by_message: dict[Any, list[dict[str, Any]]] = {}
    for a in attachments:
        by_message.setdefault(a.message_id, []).append(_attachment_info(a, private_key))
    messages = [
        OpenMessage(
            id=m.id,
            author_kind=m.author_kind,
            body=json_open(bytes(m.content), private_key=private_key)["body"],
            created_at=m.created_at,
            attachments=by_message.get(m.id, []),
        )
        for m in report.messages.all()
    ]
    return OpenReport(
        report=report,
        narrative=content.get("narrative", ""),
        facility_name=content.get("facility_name", ""),
        categories=sorted(c.code for c in report.category_rows.all()),
        messages=messages,
        attachments=by_message.get(None, []),
    )


def _validate_message(
    body: str, incoming: list[IncomingFile]
) -> tuple[str, list[tuple[str, files.CleanFile]]]:
    errors: list[dict[str, Any]] = []
    text = clean_text(body)
    if not text and not incoming:
        errors.append(
            {"field": "body", "reason": _("Escriba un mensaje o adjunte un archivo.")}
        )
    if len(text) > MESSAGE_MAX:
        errors.append(
            {
                "field": "body",
                "reason": _("El mensaje es demasiado largo (máximo %(n)s caracteres).")
                % {"n": MESSAGE_MAX},
            }
        )
    cleaned = _clean_files(incoming, errors)
    if errors:
        raise InvalidInput(errors)
    return text, cleaned


def _message_add(
    *,
    report: Report,
    author_kind: str,
    author: User | None,
    author_organisation_id: Any,
    body: str,
    cleaned: list[tuple[str, files.CleanFile]],
) -> Message:
    written: list[Path] = []
    try:
        with transaction.atomic():
            message = Message.objects.create(
                report=report,
                author_kind=author_kind,
                author=author,
                author_organisation_id=author_organisation_id,
                content=json_seal({"body": body}, public_key=bytes(report.public_key)),
            )
            for name, clean in cleaned:
                _a, path = _store_file(
                    report=report,
                    message=message,
                    author_kind=author_kind,
                    name=name,
                    clean=clean,
                )
                written.append(path)
            audit_record(
                action="report.message_added",
                actor=author,
                obj=report,
                data={"author_kind": author_kind, "attachments": len(cleaned)},
            )
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    # Stored once this commits: what follows must not turn it into an error.
    transaction.on_commit(
        lambda: signals.report_message_added.send(
            sender=Message, message=message, report=report, author_kind=author_kind
        ),
        robust=True,
    )
    return message


def reporter_message_add(
    *, access: ReporterAccess, body: str, incoming: list[IncomingFile] | None = None
) -> Message:
    text, cleaned = _validate_message(body, incoming or [])
    if access.report.status == ReportStatus.CLOSED:
        raise ApplicationError(
            _(
                "Esta denuncia está cerrada. Si pasó algo nuevo, haga una denuncia nueva."
            )
        )
    return _message_add(
        report=access.report,
        author_kind=AuthorKind.REPORTER,
        author=None,
        author_organisation_id=None,
        body=text,
        cleaned=cleaned,
    )


@transaction.atomic
def reporter_replies_stop(*, access: ReporterAccess) -> bool:
    """Stop handler replies leaving by the worker's SMS, WhatsApp or email.

    A phone can change hands or be looked at by a supervisor: the worker who
    asked to hear back may stop it at any time, with the receipt, on any
    channel. The sealed contact is destroyed, not just switched off, so nothing
    is left to unseal later; replies stay readable with the receipt. Allowed on
    a closed report too. Returns whether there was anything to stop.
    """
    report = Report.objects.select_for_update().get(pk=access.report.pk)
    if not report.reply_channel and report.reply_contact is None:
        return False
    previous = report.reply_channel
    report.reply_channel = ""
    report.reply_contact = None
    report.save(update_fields=["reply_channel", "reply_contact", "updated_at"])
    # The caller's copy too, so a page rendered after this shows no channel.
    access.report.reply_channel = ""
    access.report.reply_contact = None
    audit_record(
        action="report.replies_stopped",
        actor=None,
        obj=report,
        data={"channel": previous},
    )
    logger.info("report.replies_stopped", extra={"channel": previous})
    return True


@transaction.atomic
def reporter_replies_start(
    *, access: ReporterAccess, channel: str, contact: str
) -> None:
    """Start handler replies by the channel the worker wrote from, on their word.

    Used when the worker asks after the report was made (an email answered
    with RESPONDER and the receipt). The contact is sealed to the report key
    like the narrative; a contact already kept is replaced.
    """
    contact = clean_text(contact)
    if channel not in Channel.values or not contact or len(contact) > REPLY_CONTACT_MAX:
        raise InvalidInput(
            [{"field": "reply_contact", "reason": _("Contacto no válido.")}]
        )
    report = Report.objects.select_for_update().get(pk=access.report.pk)
    report.reply_channel = channel
    report.reply_contact = json_seal(
        {"contact": contact}, public_key=bytes(report.public_key)
    )
    report.save(update_fields=["reply_channel", "reply_contact", "updated_at"])
    access.report.reply_channel = report.reply_channel
    access.report.reply_contact = report.reply_contact
    audit_record(
        action="report.replies_started",
        actor=None,
        obj=report,
        data={"channel": channel},
    )
    logger.info("report.replies_started", extra={"channel": channel})


# --- The staff's side ----------------------------------------------------------------


def staff_report_key(
    *, report: Report, user: User, user_private_key: bytes | None
) -> bytes | None:
    """The report's private key through the user's grant, or None if locked."""
    return grant_open(
        model=ReportKeyGrant,
        owner={"report": report},
        user=user,
        user_private_key=user_private_key,
    )


def staff_report_open(
    *, report: Report, user: User, user_private_key: bytes | None
) -> OpenReport | None:
    """Decrypt a report for an entitled user, audited; None if their key cannot open it.

    Whoever opens a report also shares it with entitled colleagues who have no
    grant yet (new members, replaced keys): the server cannot do that alone.
    """
    report_key = staff_report_key(
        report=report, user=user, user_private_key=user_private_key
    )
    audit_record(
        action="report.read",
        actor=user,
        obj=report,
        data={"decrypted": report_key is not None},
    )
    if report_key is None:
        return None

    def share() -> bool:
        organisation_ids = set(
            ReportRecipient.objects.filter(report=report).values_list(
                "organisation_id", flat=True
            )
        )
        shared = _grant(
            report=report, report_private=report_key, organisation_ids=organisation_ids
        )
        if shared:
            audit_record(
                action="report.key_shared",
                actor=user,
                obj=report,
                data={"grants": shared},
            )
        return True

    # Who is entitled changes only with account rows (memberships, keys), so
    # once shared under the current accounts version there is nothing to add.
    cached_while_accounts_unchanged(
        cache_key("report-shared", report.pk), share, timeout=3600
    )
    return report_decrypt(report=report, private_key=report_key)


def attachment_open(
    *, attachment: Attachment, private_key: bytes
) -> tuple[dict[str, Any], bytes]:
    info = _attachment_info(attachment, private_key)
    _meta, data = document_open(
        attachment, private_key=private_key, directory=attachment_dir()
    )
    return info, data


def _acting_organisation(*, report: Report, user: User) -> uuid.UUID | None:
    mine = organisations_for(user=user, capability=Capability.REPORT_MANAGE)
    return (
        ReportRecipient.objects.filter(report=report, organisation_id__in=mine)
        .values_list("organisation_id", flat=True)
        .first()
    )


def reply_contact_open(*, report: Report, private_key: bytes) -> str | None:
    """The number or address the worker chose to hear back on, or None."""
    if not report.reply_channel or not report.reply_contact:
        return None
    return json_open(bytes(report.reply_contact), private_key=private_key).get(
        "contact"
    )


def _reply_delivery_queue(
    *, report: Report, message: Message, user: User, user_private_key: bytes, body: str
) -> None:
    """Send the reply on the worker's own channel after the commit, if they chose one.

    Only someone who can open the report can read the contact, so this happens
    while the handler's key is at hand; the unsealed contact lives in memory
    until the deliverer has run, never in a job queue. A failed sending loses
    nothing: the reply is committed and the worker reads it with the receipt.
    """
    deliverer = hooks.reply_deliverer_for(report.reply_channel)
    if deliverer is None or not report.reply_contact:
        return
    report_key = staff_report_key(
        report=report, user=user, user_private_key=user_private_key
    )
    if report_key is None:
        return
    contact = reply_contact_open(report=report, private_key=report_key)
    if not contact:
        return
    delivery = hooks.ReplyDelivery(
        report_id=report.pk,
        message_id=message.pk,
        channel=report.reply_channel,
        contact=contact,
        body=body,
        language=report.language,
    )
    transaction.on_commit(lambda: deliverer(delivery))


def staff_reply(
    *,
    report: Report,
    user: User,
    body: str,
    incoming: list[IncomingFile] | None = None,
    user_private_key: bytes | None = None,
) -> Message:
    """A message to the reporter. Sealing needs only the report's public key.

    With the handler's private key, the reply also leaves by SMS, WhatsApp or
    email to a worker who chose that channel (the contact is sealed to the
    report key); without it, the worker reads it with the receipt as always.
    """
    organisation_id = _acting_organisation(report=report, user=user)
    if organisation_id is None:
        raise PermissionDenied()
    text, cleaned = _validate_message(body, incoming or [])
    message = _message_add(
        report=report,
        author_kind=AuthorKind.STAFF,
        author=user,
        author_organisation_id=organisation_id,
        body=text,
        cleaned=cleaned,
    )
    if report.status == ReportStatus.RECEIVED:
        report_status_change(report=report, user=user, status=ReportStatus.ACKNOWLEDGED)
    if user_private_key is not None and report.reply_channel:
        _reply_delivery_queue(
            report=report,
            message=message,
            user=user,
            user_private_key=user_private_key,
            body=text,
        )
    return message


_STATUS_ORDER = [
    ReportStatus.RECEIVED,
    ReportStatus.ACKNOWLEDGED,
    ReportStatus.IN_REVIEW,
    ReportStatus.CLOSED,
]


@transaction.atomic
def report_status_change(*, report: Report, user: User, status: str) -> Report:
    if status not in ReportStatus.values:
        raise InvalidInput([{"field": "status", "reason": _("Estado desconocido.")}])
    if _acting_organisation(report=report, user=user) is None:
        raise PermissionDenied()
    return _status_set(report=report, actor=user, status=status)


@transaction.atomic
def report_status_follow_case(
    *, report: Report, status: str, actor: User | None = None
) -> Report:
    """The status a reporter sees, set by the case their report joined.

    The case service has already checked that the actor may work the case (or
    the change comes from the system, as when a retaliation answer reopens a
    case); a report may go back from closed to in review that way.
    """
    if status not in ReportStatus.values or status == ReportStatus.RECEIVED:
        raise InvalidInput([{"field": "status", "reason": _("Estado desconocido.")}])
    return _status_set(report=report, actor=actor, status=status)


def _status_set(*, report: Report, actor: User | None, status: str) -> Report:
    report = Report.objects.select_for_update().get(pk=report.pk)
    if status == report.status:
        return report
    if status == ReportStatus.RECEIVED:
        raise InvalidInput(
            [
                {
                    "field": "status",
                    "reason": _("Una denuncia no puede volver a «recibida»."),
                }
            ]
        )
    previous = report.status
    now = timezone.now()
    report.status = status
    if report.acknowledged_at is None:
        report.acknowledged_at = now
    report.closed_at = now if status == ReportStatus.CLOSED else None
    report.save(update_fields=["status", "acknowledged_at", "closed_at", "updated_at"])
    transaction.on_commit(selectors.inbox_changed)
    audit_record(
        action="report.status_changed",
        actor=actor,
        obj=report,
        data={"from": previous, "to": status},
    )
    return report


def system_message_to_reporter(
    *, report: Report, organisation_id: Any, body: str
) -> Message:
    """A message Remedia itself sends a reporter (a scheduled question), as staff."""
    return _message_add(
        report=report,
        author_kind=AuthorKind.STAFF,
        author=None,
        author_organisation_id=organisation_id,
        body=clean_text(body),
        cleaned=[],
    )


# --- Retention ---------------------------------------------------------------------


def report_retention_days() -> int | None:
    """Days a closed report is kept: ``REMEDIA_RETENTION_REPORTS_DAYS`` when the
    operator set it, else the administrator's (`IntakeConfiguration`); None
    when reports are kept ("never")."""
    value = settings.REMEDIA_RETENTION.get("reports")
    if value == "never":
        return None
    if value is not None:
        return int(value)
    days = (
        IntakeConfiguration.objects.filter(id=1)
        .values_list("retention_days", flat=True)
        .first()
    )
    if days is None:  # the row is made on first use: the model's default holds
        days = IntakeConfiguration._meta.get_field("retention_days").get_default()
    return int(days)


def retention_cutoff(*, now: Any = None) -> Any:
    """Closed before this moment, a report (and a case made of reports) expires;
    None when reports are kept."""
    from datetime import timedelta

    days = report_retention_days()
    if days is None:
        return None
    return (now or timezone.now()) - timedelta(days=days)


def reports_destroy_expired(*, now: Any = None) -> int:
    """Destroy reports closed longer ago than the retention period."""
    cutoff = retention_cutoff(now=now)
    if cutoff is None:
        return 0
    return reports_destroy(
        Report.objects.filter(status=ReportStatus.CLOSED, closed_at__lt=cutoff)
    ).rows


def reports_destroy(rows: Any) -> Destroyed:
    """Destroy these (expired) reports; the retention kind "reports".

    The rows go with their sealed keys, grants, messages and attachment rows;
    the encrypted files are unlinked after the commit. With the keys gone, any
    copy of the ciphertext left in an old backup can no longer be opened by
    anyone but the escrow holder, who can be told to destroy theirs.
    """
    files = Attachment.objects.filter(report__in=rows).count()
    destroyed = expired_destroy(
        rows=rows,
        action="report.destroyed",
        files=lambda report: list(report.attachments.values_list("blob", flat=True)),
        directory=attachment_dir,
        audit_data=lambda report, blobs: {
            "closed_at": report.closed_at,
            "attachments": len(blobs),
        },
        event="reports.destroyed",
    )
    if destroyed:
        selectors.inbox_changed()
    return Destroyed(rows=destroyed, files=files if destroyed else 0)


# --- Facilities merged in the registry ---------------------------------------------


@transaction.atomic
def reports_facility_repoint(*, source: Facility, target: Facility) -> int:
    """Reports about `source` are about `target` now (the two were one facility).

    Called from the `facility_merged` receiver, inside the merge's transaction.
    Only the link moves: the report's content, keys and recipients stay as
    they were, so no one gains or loses access to a report through a merge.
    """
    moved = Report.objects.filter(facility=source).update(
        facility=target, updated_at=timezone.now()
    )
    if moved:
        transaction.on_commit(selectors.inbox_changed)
    return moved


@transaction.atomic
def report_facility_link(*, report: Report, user: User, facility_id: Any) -> Report:
    """A handler links a report to the registry facility its free text names.

    The facility then becomes triage metadata (queryable, on the facility's
    page in aggregate); what the worker typed stays encrypted as it was.
    """
    if _acting_organisation(report=report, user=user) is None:
        raise PermissionDenied()
    try:
        facility = Facility.objects.filter(pk=uuid.UUID(str(facility_id))).first()
    except ValueError:
        facility = None
    if facility is None:
        raise InvalidInput(
            [
                {
                    "field": "facility_id",
                    "reason": _("Ese centro de trabajo no está en el padrón."),
                }
            ]
        )
    # A merged record's reports belong to the record that was kept.
    while facility.merged_into is not None:
        facility = facility.merged_into
    previous = report.facility_id
    Report.objects.filter(pk=report.pk).update(
        facility=facility, updated_at=timezone.now()
    )
    report.facility = facility
    audit_record(
        action="report.facility_linked",
        actor=user,
        obj=report,
        data={"from": str(previous) if previous else None, "to": str(facility.pk)},
    )
    transaction.on_commit(selectors.inbox_changed)
    return report
