"""Writes to the RRM record (importing, seeding, linking facilities) and the
staff petitions: creating, advancing, documents, notes, escalated drafts."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from remedia.accounts.models import Membership, Organisation, User
from remedia.accounts.permissions import Capability, Role
from remedia.accounts.selectors import organisations_for
from remedia.cases import hooks as cases_hooks
from remedia.cases import selectors as cases_selectors
from remedia.cases.models import Escalation
from remedia.core import files
from remedia.core.audit import audit_record
from remedia.core.errors import ApplicationError, PermissionDenied
from remedia.core.kit import invalid as _invalid
from remedia.core.kit import invalid_from, model_update, note_body, text_field
from remedia.core.sealed import file_kept, file_write
from remedia.core.storage import data_subdir
from remedia.facilities.models import Facility
from remedia.rrm import events, importing
from remedia.rrm.models import (
    STAGE_DATE,
    RrmCase,
    RrmCaseOrigin,
    RrmDocument,
    RrmEnding,
    RrmNote,
    RrmStage,
)

logger = logging.getLogger(__name__)

SHIPPED_RECORD = Path(__file__).parent / "data" / "rrm-cases.csv"


class RecordRejected(ApplicationError):
    """A record file with at least one bad row: nothing of it was stored."""

    status_code = 422

    def __init__(self, errors: list[importing.RowError]) -> None:
        super().__init__(
            _("El archivo tiene errores; no se importó nada."),
            extra={
                "errors": [
                    {"row": e.row, "field": e.field, "reason": e.reason} for e in errors
                ]
            },
        )
        self.errors = errors


@dataclass(frozen=True)
class FieldChange:
    """``field`` is the record's column name, values as the report prints them."""

    field: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.field}: {self.old} → {self.new}"


@dataclass
class RecordImportResult:
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[FieldChange]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    dry_run: bool = False

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
        }


def rrm_record_import(
    *, data: bytes, dry_run: bool = False, actor: Any = None
) -> RecordImportResult:
    """Create the file's new cases and update the changed ones, by case_id.

    All or nothing: a file with any bad row raises ``RecordRejected`` with every
    error and stores nothing. Cases missing from the file are left as they are
    (a file may cover part of the record), and so are the fields the file has
    no column for (the facility link, whether the case is public).
    """
    parsed = importing.record_parse(data)
    if parsed.errors:
        raise RecordRejected(parsed.errors)
    result = RecordImportResult(dry_run=dry_run)
    with transaction.atomic():
        existing = {
            case.slug: case
            for case in RrmCase.objects.select_for_update().filter(
                slug__in=[row.slug for row in parsed.rows]
            )
        }
        for row in parsed.rows:
            case = existing.get(row.slug)
            if case is None:
                result.created.append(row.slug)
                if not dry_run:
                    case = RrmCase(origin=RrmCaseOrigin.PUBLIC_RECORD, **row.values)
                    case.full_clean()
                    case.save()
                continue
            changes = [
                FieldChange(
                    field=importing.COLUMN_OF.get(name, name),
                    old=importing.display(getattr(case, name)),
                    new=importing.display(value),
                )
                for name, value in row.values.items()
                if getattr(case, name) != value
            ]
            if not changes:
                result.unchanged.append(row.slug)
                continue
            result.updated[row.slug] = changes
            if not dry_run:
                model_update(
                    instance=case,
                    fields=row.values,
                    data=row.values,
                    validate_unique=False,
                )
        if not dry_run:
            audit_record(
                action="rrm.imported",
                actor=actor,
                object_type="rrm.rrmcase",
                data=result.counts(),
            )
    logger.info(
        "rrm.imported",
        extra={f"{key}_count": n for key, n in result.counts().items()}
        | {"dry_run": dry_run},
    )
    return result


def rrm_record_seed(
    *, facility_links: Mapping[str, str] | None = None
) -> RecordImportResult | None:
    """Load the shipped record once, and link cases to registry facilities.

    Only when no case of the public record exists yet: a later run must not
    undo a newer file someone imported. ``facility_links`` maps a case_id to a
    facility's ``external_id``; a case already linked keeps its facility.
    """
    result = None
    with transaction.atomic():
        if not RrmCase.objects.filter(origin=RrmCaseOrigin.PUBLIC_RECORD).exists():
            result = rrm_record_import(data=SHIPPED_RECORD.read_bytes())
            rrm_record_translations_apply()
        for slug, external_id in (facility_links or {}).items():
            case = RrmCase.objects.filter(slug=slug, facility__isnull=True).first()
            facility = Facility.objects.filter(external_id=external_id).first()
            if case is not None and facility is not None:
                rrm_case_facility_link(case=case, facility=facility)
    return result


def rrm_record_translations_apply(*, data: bytes | None = None) -> int:
    """Give the public record's cases their Spanish names, sectors and
    outcomes, and how concluded cases ended (``importing.translations_read``).

    Only cases of the public record; the English kept as the sources give it.
    Returns how many cases changed.
    """
    rows = importing.translations_read(
        data if data is not None else importing.SHIPPED_TRANSLATIONS.read_bytes()
    )
    changed = 0
    with transaction.atomic():
        for case in RrmCase.objects.select_for_update().filter(
            origin=RrmCaseOrigin.PUBLIC_RECORD, slug__in=list(rows)
        ):
            values = rows[case.slug]
            _, did_change = model_update(
                instance=case, fields=list(values), data=values, validate_unique=False
            )
            changed += did_change
        if changed:
            audit_record(
                action="rrm.translated",
                object_type="rrm.rrmcase",
                data={"updated": changed},
            )
    return changed


@transaction.atomic
def rrm_case_facility_link(
    *, case: RrmCase, facility: Facility | None, actor: Any = None
) -> RrmCase:
    """Say which registry facility a case is about (or none)."""
    case.facility = facility
    case.full_clean(validate_unique=False)
    case.save(update_fields=["facility", "updated_at"])
    audit_record(
        action="rrm.facility_linked",
        actor=actor,
        obj=case,
        data={"facility": str(facility.pk) if facility else None},
    )
    return case


# --- Staff petitions -------------------------------------------------------------------

NOTE_MAX = 20_000
TEXT_MAX = 50_000

# What each stage takes besides its day, and of which type; anything else is
# refused so a typo in an API client cannot be silently dropped.
STAGE_DETAILS: dict[str, dict[str, type]] = {
    RrmStage.PETITION_FILED: {"petitioners": str, "facts_alleged": str},
    RrmStage.ILC_DETERMINATION: {"affirmative": bool, "reasons": str},
    RrmStage.REVIEW_REQUESTED: {
        "liquidation_suspended": bool,
        "liquidation_suspended_on": dt.date,
    },
    RrmStage.MEXICO_DETERMINATION: {"denial_found": bool},
    RrmStage.REMEDIATION_AGREED: {"remediation_deadline": dt.date},
    RrmStage.PANEL_DETERMINATION: {"denial_found": bool},
    RrmStage.CLOSED: {"ending": str},
}


def _require_petition_write(*, case: RrmCase, user: User) -> None:
    if case.organisation_id is None or case.organisation_id not in organisations_for(
        user=user, capability=Capability.PETITION_WRITE
    ):
        raise PermissionDenied()


def _lock(case: RrmCase) -> RrmCase:
    return RrmCase.objects.select_for_update().get(pk=case.pk)


def _slug_for(name: str) -> str:
    base = slugify(name)[:80].strip("-") or "peticion"
    return f"{base}-{secrets.token_hex(3)}"


def _petition_organisation(*, user: User, organisation: Organisation | None) -> Any:
    orgs = organisations_for(user=user, capability=Capability.PETITION_WRITE)
    if organisation is not None:
        if organisation.pk not in orgs:
            raise PermissionDenied()
        return organisation.pk
    if not orgs:
        raise PermissionDenied()
    if len(orgs) > 1:
        raise _invalid("organisation_id", _("Elija la organización que lleva el caso."))
    return next(iter(orgs))


@transaction.atomic
def petition_create(
    *,
    user: User,
    facility_name: str,
    organisation: Organisation | None = None,
    facility: Facility | None = None,
    company: str = "",
    state_code: str = "",
    sector: str = "",
    petitioners: str = "",
    confidential: bool = False,
    laws_concerned: str = "",
    facts_alleged: str = "",
    self_initiated: bool = False,
    petition_received_on: dt.date | None = None,
) -> RrmCase:
    """A staff petition: filed when its day is known, else a draft.

    A self-initiated case (the US's own) has no petition: it starts as a draft
    whose next step is the request for review. A staff case is never public;
    publishing one is a separate decision, and a confidential one never can be.
    """
    organisation_id = _petition_organisation(user=user, organisation=organisation)
    name = text_field(
        facility_name or (facility.name if facility else ""),
        field="facility_name",
        required=True,
        limit=TEXT_MAX,
    )
    filed = petition_received_on is not None
    if self_initiated and filed:
        raise _invalid(
            "petition_received_on",
            _("Un caso iniciado por EE. UU. no tiene fecha de petición."),
        )
    if petition_received_on is not None and petition_received_on > timezone.localdate():
        raise _invalid("petition_received_on", _("La fecha no puede ser futura."))
    case = RrmCase(
        slug=_slug_for(name),
        organisation_id=organisation_id,
        origin=RrmCaseOrigin.STAFF,
        is_public=False,
        stage=RrmStage.PETITION_FILED if filed else RrmStage.DRAFT,
        facility=facility,
        facility_name=name[:255],
        company=text_field(company, field="company", limit=TEXT_MAX)[:255],
        state_code=state_code or (facility.state if facility else ""),
        sector=text_field(sector, field="sector", limit=TEXT_MAX)[:200],
        petitioners=text_field(
            petitioners,
            field="petitioners",
            required=filed and not self_initiated,
            limit=TEXT_MAX,
        ),
        confidential=confidential,
        laws_concerned=text_field(
            laws_concerned, field="laws_concerned", limit=TEXT_MAX
        ),
        facts_alleged=text_field(
            facts_alleged, field="facts_alleged", required=filed, limit=TEXT_MAX
        ),
        self_initiated=self_initiated,
        petition_received_on=petition_received_on,
    )
    if case.state_code and not case.state:
        case.state = str(case.get_state_code_display())
    try:
        case.full_clean()
    except ValidationError as exc:
        raise invalid_from(exc) from None
    case.save()
    events.petition_created_event(case=case, user=user, self_initiated=self_initiated)
    audit_record(
        action="rrm.petition_created",
        actor=user,
        organisation=case.organisation,
        obj=case,
        data={"stage": case.stage, "confidential": confidential},
    )
    logger.info("rrm.petition_created", extra={"rrm_case": str(case.pk)})
    return case


def _details_check(to_stage: str, details: dict[str, Any]) -> dict[str, Any]:
    allowed = STAGE_DETAILS.get(to_stage, {})
    for key, value in details.items():
        kind = allowed.get(key)
        if kind is None:
            raise _invalid(key, _("Este dato no corresponde a esta etapa."))
        if value is not None and not isinstance(value, kind):
            raise _invalid(key, _("Valor no válido."))
    return {k: v for k, v in details.items() if v is not None}


def _apply_details(case: RrmCase, to_stage: str, details: dict[str, Any]) -> None:
    """Put the decisions a stage brings onto the case; refuse what is missing."""
    if to_stage == RrmStage.PETITION_FILED:
        if "petitioners" in details:
            case.petitioners = text_field(
                details["petitioners"], field="petitioners", limit=TEXT_MAX
            )
        if "facts_alleged" in details:
            case.facts_alleged = text_field(
                details["facts_alleged"], field="facts_alleged", limit=TEXT_MAX
            )
        if not case.petitioners:
            raise _invalid("petitioners", _("Diga quiénes presentan la petición."))
        if not case.facts_alleged:
            raise _invalid("facts_alleged", _("Describa los hechos alegados."))
    elif to_stage == RrmStage.ILC_DETERMINATION:
        if "affirmative" not in details:
            raise _invalid(
                "affirmative", _("Diga si la determinación fue afirmativa o negativa.")
            )
        case.ilc_affirmative = details["affirmative"]
        case.ilc_reasons = text_field(
            details.get("reasons", ""),
            field="reasons",
            required=not case.ilc_affirmative,
            limit=TEXT_MAX,
        )
    elif to_stage == RrmStage.REVIEW_REQUESTED:
        case.liquidation_suspended = bool(details.get("liquidation_suspended"))
        suspended_on = details.get("liquidation_suspended_on")
        if suspended_on and not case.liquidation_suspended:
            raise _invalid(
                "liquidation_suspended",
                _("Marque la suspensión de la liquidación si tiene fecha."),
            )
        case.liquidation_suspended_on = suspended_on
    elif to_stage == RrmStage.MEXICO_DETERMINATION:
        if "denial_found" not in details:
            raise _invalid(
                "denial_found", _("Diga si México halló negación de derechos.")
            )
        case.denial_found = details["denial_found"]
    elif to_stage == RrmStage.REMEDIATION_AGREED:
        if "remediation_deadline" not in details:
            raise _invalid(
                "remediation_deadline", _("Indique el plazo del curso de reparación.")
            )
        case.remediation_deadline = details["remediation_deadline"]
    elif to_stage == RrmStage.PANEL_DETERMINATION:
        if "denial_found" not in details:
            raise _invalid(
                "denial_found", _("Diga si el panel halló negación de derechos.")
            )
        case.panel_denial_found = details["denial_found"]
    elif to_stage == RrmStage.CLOSED:
        ending = details.get("ending") or (
            RrmEnding.DECLINED_BY_ILC if case.ilc_affirmative is False else ""
        )
        if ending not in RrmEnding.values:
            raise _invalid("ending", _("Elija cómo terminó el caso."))
        if case.ilc_affirmative is False and ending != RrmEnding.DECLINED_BY_ILC:
            raise _invalid(
                "ending", _("Una determinación negativa del ILC cierra el caso así.")
            )
        if ending not in case.allowed_endings():
            raise _invalid(
                "ending",
                _(
                    "Un caso en la etapa «%(stage)s» no puede terminar como "
                    "«%(ending)s»; ese desenlace no corresponde al camino recorrido."
                )
                % {
                    "stage": case.get_stage_display(),
                    "ending": RrmEnding(ending).label,
                },
            )
        case.ending = ending


@transaction.atomic
def petition_advance(
    *, case: RrmCase, user: User, to_stage: str, on: dt.date, **details: Any
) -> RrmCase:
    """Move a petition to its next stage on day ``on``, with what was decided.

    Refused, with nothing stored, when the move is not one ``allowed_next``
    offers, when ``on`` is in the future, or when the day falls before a step
    the procedure makes first (``RrmCase.clean``, the engine's order check).
    """
    _require_petition_write(case=case, user=user)
    case = _lock(case)
    if to_stage not in case.allowed_next():
        raise _invalid(
            "to_stage",
            _("No se puede pasar de «%(from)s» a «%(to)s».")
            % {
                "from": case.get_stage_display(),
                "to": RrmStage(to_stage).label
                if to_stage in RrmStage.values
                else to_stage,
            },
        )
    if on > timezone.localdate():
        raise _invalid("on", _("La fecha no puede ser futura."))
    details = _details_check(to_stage, details)
    previous = case.stage
    _apply_details(case, to_stage, details)
    date_field = STAGE_DATE[to_stage]
    setattr(case, date_field, on)
    case.stage = to_stage
    try:
        case.full_clean(validate_unique=False)
    except ValidationError as exc:
        raise invalid_from(exc) from None
    case.save()
    data = {"from": previous, "to": to_stage, "on": on.isoformat()}
    for key in events.ADVANCE_DECISIONS:
        if key in details:
            data[key] = details[key]
    events.petition_advanced_event(
        case=case,
        user=user,
        previous=previous,
        stage=to_stage,
        on=on,
        decisions=details,
    )
    audit_record(
        action="rrm.petition_advanced",
        actor=user,
        organisation=case.organisation,
        obj=case,
        data=data,
    )
    logger.info(
        "rrm.petition_advanced",
        extra={"rrm_case": str(case.pk), "from": previous, "to": to_stage},
    )
    return case


@transaction.atomic
def petition_claim(
    *, case: RrmCase, user: User, organisation: Organisation | None = None
) -> RrmCase:
    """An analyst takes an unassigned draft for their organisation."""
    organisation_id = _petition_organisation(user=user, organisation=organisation)
    case = _lock(case)
    if case.organisation_id is not None or case.stage != RrmStage.DRAFT:
        raise _invalid("organisation_id", _("Este borrador ya tiene organización."))
    case.organisation_id = organisation_id
    case.save(update_fields=["organisation", "updated_at"])
    events.draft_claimed_event(case=case, user=user, organisation_id=organisation_id)
    audit_record(
        action="rrm.petition_claimed",
        actor=user,
        organisation=case.organisation,
        obj=case,
    )
    return case


@transaction.atomic
def petition_publish(*, case: RrmCase, user: User, public: bool) -> RrmCase:
    """Show a petition on the public record (page and API), or take it off.

    A confidential petition is never public (also a database constraint), and
    a draft is not yet a matter of record. What the public sees is what the
    record shows of every case: facility, company, state, petitioners, the
    dates and the outcome; never the facts alleged, notes or documents.
    """
    _require_petition_write(case=case, user=user)
    case = _lock(case)
    if public and case.confidential:
        raise _invalid(
            "is_public", _("Una petición confidencial no puede ser pública.")
        )
    if public and case.stage == RrmStage.DRAFT:
        raise _invalid(
            "is_public", _("Un borrador no se publica; presente la petición primero.")
        )
    if case.is_public == public:
        return case
    case.is_public = public
    case.save(update_fields=["is_public", "updated_at"])
    if public:
        events.petition_published_event(case=case, user=user)
    else:
        events.petition_withdrawn_event(case=case, user=user)
    audit_record(
        action="rrm.petition_published" if public else "rrm.petition_withdrawn",
        actor=user,
        organisation=case.organisation,
        obj=case,
    )
    return case


def rrm_document_dir() -> Path:
    return data_subdir("rrm-documents")


def rrm_document_add(
    *, case: RrmCase, user: User, name: str, data: bytes, too_large: bool = False
) -> RrmDocument:
    """A petition's file, cleaned of metadata; stored unencrypted (not reporter data)."""
    _require_petition_write(case=case, user=user)
    try:
        clean = files.clean(data, too_large=too_large)
    except files.AttachmentRefused as exc:
        raise _invalid("file", exc.message) from None
    blob, path = file_write(
        clean.data,
        directory=rrm_document_dir(),
        suffix=clean.extension.lstrip(".") or "bin",
    )
    with file_kept(path):
        with transaction.atomic():
            case = _lock(case)
            document = RrmDocument.objects.create(
                case=case,
                stage=case.stage,
                name=(Path(name or "documento").name or "documento")[:200],
                content_type=clean.content_type,
                size=len(clean.data),
                blob=blob,
                author=user,
            )
            events.document_added_event(
                case=case,
                user=user,
                document_id=document.pk,
                content_type=clean.content_type,
            )
            audit_record(
                action="rrm.document_added",
                actor=user,
                organisation=case.organisation,
                obj=case,
                data={"document": str(document.pk)},
            )
    return document


def rrm_document_read(*, document: RrmDocument, user: User) -> bytes:
    """The bytes of a petition's file, for staff of the owning organisation."""
    if document.case.organisation_id not in organisations_for(
        user=user, capability=Capability.PETITION_READ
    ):
        raise PermissionDenied()
    audit_record(
        action="rrm.document_opened",
        actor=user,
        organisation=document.case.organisation,
        obj=document.case,
        data={"document": str(document.pk)},
    )
    return (rrm_document_dir() / document.blob).read_bytes()


@transaction.atomic
def rrm_note_add(*, case: RrmCase, user: User, body: str) -> RrmNote:
    """A note for colleagues on the case's current stage; staff only."""
    _require_petition_write(case=case, user=user)
    text = note_body(body, limit=NOTE_MAX)
    case = _lock(case)
    note = RrmNote.objects.create(case=case, stage=case.stage, body=text, author=user)
    events.note_added_event(case=case, user=user, note_id=note.pk)
    audit_record(
        action="rrm.note_added",
        actor=user,
        organisation=case.organisation,
        obj=case,
        data={"note": str(note.pk)},
    )
    return note


# --- Escalated cases become draft petitions -------------------------------------------


def _escalation_owner(escalation: Escalation) -> Any:
    """The escalating organisation when it has its own petition analysts.

    Otherwise the draft stays unassigned and every petition analyst sees it
    among the drafts to assign, until one claims it for their organisation.
    """
    organisation_id = escalation.case.organisation_id
    has_analysts = Membership.objects.filter(
        organisation_id=organisation_id,
        organisation__is_active=True,
        role=Role.ANALYST,
        user__is_active=True,
    ).exists()
    return organisation_id if has_analysts else None


def escalation_receive(escalation: Escalation) -> uuid.UUID:
    """The `cases.hooks` receiver: a draft petition from an escalated case.

    Runs inside the escalation's transaction. The draft carries the facility,
    the categories, the handler's summary (written to be shared, without the
    reporter) as the facts, and which case documents were offered as evidence;
    the encrypted documents themselves stay in the case. It is confidential
    until an analyst decides otherwise. A second hand-over of the same
    escalation returns the draft made the first time.
    """
    existing = RrmCase.objects.filter(escalation_ref=escalation.pk).first()
    if existing is not None:
        return existing.pk
    facility = escalation.facility
    case = RrmCase(
        slug=_slug_for(facility.name),
        organisation_id=_escalation_owner(escalation),
        origin=RrmCaseOrigin.STAFF,
        is_public=False,
        confidential=True,
        stage=RrmStage.DRAFT,
        facility=facility,
        facility_name=facility.name[:255],
        state_code=facility.state or "",
        sector=(facility.sector or "")[:200],
        alleged_categories=list(escalation.categories),
        facts_alleged=escalation.summary,
        evidence_offered=[
            str(pk) for pk in escalation.documents.values_list("pk", flat=True)
        ],
        escalation_ref=escalation.pk,
    )
    if case.state_code:
        case.state = str(case.get_state_code_display())
    case.full_clean()
    case.save()
    events.draft_received_event(
        case=case,
        user=escalation.created_by,
        escalation_id=escalation.pk,
        documents_offered=len(case.evidence_offered),
    )
    audit_record(
        action="rrm.draft_received",
        actor=escalation.created_by,
        organisation=case.organisation,
        obj=case,
        data={"escalation": str(escalation.pk)},
    )
    return case.pk


def escalations_take_over(*, user: User) -> int:
    """Take over the drafts escalated before this app listened; how many."""
    if not organisations_for(user=user, capability=Capability.PETITION_WRITE):
        raise PermissionDenied()
    taken = 0
    for escalation in cases_selectors.escalations_waiting():
        with transaction.atomic():
            if cases_hooks.escalation_hand_over(escalation):
                taken += 1
    if taken:
        audit_record(
            action="rrm.escalations_taken_over", actor=user, data={"count": taken}
        )
    return taken
