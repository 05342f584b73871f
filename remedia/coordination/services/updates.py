"""Progress updates: a member submits, the group's lead approves or returns.

Only the lead of the group that carries the action's objective decides on
an update (`selectors.access.update_reviewable`); anyone else is refused
and nothing is stored. A return needs a note for who submitted; the one who
decided and when are stamped on the update. A quantitative indicator takes a
number (and a qualitative one none). A member may keep an update as a draft
first: only its author sees it, it counts for nothing and nobody is told
until it is sent. Evidence is a photo or PDF cleaned by
`core.files.clean` (EXIF and GPS removed) before it is written.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.coordination import alerts
from remedia.coordination.models import (
    Indicator,
    IndicatorPeriod,
    IndicatorUnit,
    ProgressUpdate,
    UpdateEvidence,
    UpdateStatus,
)
from remedia.coordination.selectors.access import (
    update_reviewable,
    update_submittable,
)
from remedia.coordination.services._common import audit, number_parse, refuse
from remedia.core import files
from remedia.core.errors import NotFound, PermissionDenied
from remedia.core.kit import full_clean, invalid, text_field
from remedia.core.storage import data_subdir

logger = logging.getLogger(__name__)

EVIDENCE_DIR = "coordination-evidence"
EVIDENCE_MAX = 5
NARRATIVE_MAX = 4000
NOTE_MAX = 2000
DOCUMENT_TYPES = ("image/", "application/pdf")


def evidence_dir() -> Path:
    return data_subdir(EVIDENCE_DIR)


def _clean_files(
    uploads: list[tuple[str, bytes, bool]],
) -> list[tuple[str, files.CleanFile]]:
    """Each (name, bytes, too_large) cleaned; a photo or a PDF only."""
    if len(uploads) > EVIDENCE_MAX:
        raise invalid(
            "evidence",
            _("Adjunte a lo más %(n)s archivos.") % {"n": EVIDENCE_MAX},
        )
    cleaned = []
    for name, data, too_large in uploads:
        try:
            clean = files.clean(data, too_large=too_large)
        except files.AttachmentRefused as exc:
            raise invalid("evidence", exc.message) from None
        if not clean.content_type.startswith(DOCUMENT_TYPES):
            raise invalid("evidence", _("Adjunte una foto o un PDF."))
        cleaned.append(((Path(name or "evidencia").name or "evidencia")[:200], clean))
    return cleaned


def _figures(
    indicator: Indicator, value: Any, narrative: Any, *, draft: bool = False
) -> tuple[Any, str]:
    """The value (a number for a quantitative indicator, none otherwise) and
    the narrative (required for a qualitative one). A draft may lack either,
    never hold a word for a number."""
    errors: list[dict[str, Any]] = []
    text = text_field(narrative, field="narrative", limit=NARRATIVE_MAX, errors=errors)
    number = number_parse(
        value,
        field="value",
        errors=errors,
        percent=indicator.unit == IndicatorUnit.PERCENT,
    )
    refuse(errors)
    if not indicator.quantitative and value not in (None, ""):
        raise invalid("value", _("Un indicador cualitativo no lleva valor numérico."))
    if draft:
        return number, text
    if indicator.quantitative and number is None:
        raise invalid("value", _("Escriba el valor logrado, con número."))
    if not indicator.quantitative and not text:
        raise invalid("narrative", _("Cuente qué se logró."))
    return number, text


def _evidence_store(
    update: ProgressUpdate,
    cleaned: list[tuple[str, files.CleanFile]],
    written: list[Path],
) -> None:
    """Write each cleaned file and its row; `written` lists the files, for the
    caller to remove if the transaction fails."""
    for name, clean in cleaned:
        blob = f"{uuid.uuid4().hex}.{clean.extension.lstrip('.') or 'bin'}"
        path = evidence_dir() / blob
        path.write_bytes(clean.data)
        written.append(path)
        row = UpdateEvidence(
            update=update,
            name=name,
            content_type=clean.content_type,
            size=len(clean.data),
            blob=blob,
        )
        full_clean(row)
        row.save()


def _submitter_require(user: User, period: IndicatorPeriod) -> None:
    if not update_submittable(user=user, action=period.indicator.action):
        raise PermissionDenied(
            _("Informan avances las organizaciones del grupo o la responsable.")
        )


def update_submit(
    *,
    user: User,
    period: IndicatorPeriod,
    value: Any = None,
    narrative: Any = "",
    evidence: list[tuple[str, bytes, bool]] | None = None,
    draft: bool = False,
) -> ProgressUpdate:
    """A member reports progress for a period; the group's lead is told.

    A draft (`draft=True`) is kept for its author alone: nobody else sees it,
    it counts for nothing and the lead hears of it only once it is sent.
    """
    indicator = period.indicator
    action = indicator.action
    _submitter_require(user, period)
    number, text = _figures(indicator, value, narrative, draft=draft)
    cleaned = _clean_files(evidence or [])
    written: list[Path] = []
    try:
        with transaction.atomic():
            update = ProgressUpdate(
                period=period,
                value=number,
                narrative=text,
                status=UpdateStatus.DRAFT if draft else UpdateStatus.SUBMITTED,
                submitted_by=user,
                submitted_at=None if draft else timezone.now(),
            )
            full_clean(update)
            update.save()
            _evidence_store(update, cleaned, written)
            audit(
                "update_drafted" if draft else "update_submitted",
                user=user,
                obj=update,
                action_id=action.pk,
                files=len(cleaned),
            )
            if not draft:
                transaction.on_commit(
                    lambda: alerts.update_event(
                        update_id=update.pk, event=alerts.SUBMITTED
                    )
                )
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    logger.info(
        "coordination.update_drafted" if draft else "coordination.update_submitted",
        extra={"update": str(update.pk)},
    )
    return update


DECISIONS = (UpdateStatus.APPROVED, UpdateStatus.RETURNED)


@transaction.atomic
def update_review(
    *, user: User, update: ProgressUpdate, decision: Any, note: Any = ""
) -> ProgressUpdate:
    """The group's lead approves a submitted update, or returns it with a note."""
    action = update.period.indicator.action
    if not update_reviewable(user=user, action=action):
        raise PermissionDenied(
            _(
                "Solo quien coordina el grupo «%(group)s» aprueba o devuelve sus "
                "avances."
            )
            % {"group": action.objective.group.name}
        )
    errors: list[dict[str, Any]] = []
    if decision not in DECISIONS:
        errors.append({"field": "decision", "reason": _("Elija aprobar o devolver.")})
    text = text_field(note, field="note", limit=NOTE_MAX, errors=errors)
    refuse(errors)
    if decision == UpdateStatus.RETURNED and not text:
        raise invalid("note", _("Diga por qué lo devuelve, para quien lo envió."))
    update = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    if update.status != UpdateStatus.SUBMITTED:
        raise invalid("decision", _("Solo se revisa un avance enviado."))
    update.status = decision
    update.review_note = text if decision == UpdateStatus.RETURNED else ""
    update.reviewed_by = user
    update.reviewed_at = timezone.now()
    full_clean(update)
    update.save(
        update_fields=[
            "status",
            "review_note",
            "reviewed_by",
            "reviewed_at",
            "updated_at",
        ]
    )
    audit("update_reviewed", user=user, obj=update, decision=decision)
    event = alerts.APPROVED if decision == UpdateStatus.APPROVED else alerts.RETURNED
    pk = update.pk
    transaction.on_commit(lambda: alerts.update_event(update_id=pk, event=event))
    return update


def _author_change(
    *,
    user: User,
    update: ProgressUpdate,
    value: Any,
    narrative: Any,
    evidence: list[tuple[str, bytes, bool]] | None,
    statuses: tuple[str, ...],
    send: bool,
) -> ProgressUpdate:
    """Who wrote an update changes it (a draft, or one returned to them) and
    keeps it as a draft or sends it to the lead."""
    if update.submitted_by_id != user.pk:
        raise PermissionDenied(_("Solo quien envió el avance lo corrige."))
    period = update.period
    _submitter_require(user, period)
    number, text = _figures(period.indicator, value, narrative, draft=not send)
    cleaned = _clean_files(evidence or [])
    written: list[Path] = []
    try:
        with transaction.atomic():
            update = (
                ProgressUpdate.objects.select_for_update()
                .select_related("period__indicator__action")
                .get(pk=update.pk)
            )
            if update.status not in statuses:
                raise invalid(
                    "status",
                    _("Solo se corrige un borrador o un avance devuelto.")
                    if UpdateStatus.DRAFT in statuses
                    else _("Solo se corrige un avance devuelto."),
                )
            if update.evidence.count() + len(cleaned) > EVIDENCE_MAX:
                raise invalid(
                    "evidence",
                    _("Adjunte a lo más %(n)s archivos.") % {"n": EVIDENCE_MAX},
                )
            was = update.status
            update.value = number
            update.narrative = text
            if send:
                update.status = UpdateStatus.SUBMITTED
                update.submitted_at = timezone.now()
            full_clean(update)
            update.save(
                update_fields=[
                    "value",
                    "narrative",
                    "status",
                    "submitted_at",
                    "updated_at",
                ]
            )
            _evidence_store(update, cleaned, written)
            if not send:
                event = "update_draft_saved"
            elif was == UpdateStatus.DRAFT:
                event = "update_submitted"
            else:
                event = "update_resubmitted"
            audit(event, user=user, obj=update, files=len(cleaned))
            if send:
                pk = update.pk
                transaction.on_commit(
                    lambda: alerts.update_event(update_id=pk, event=alerts.SUBMITTED)
                )
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return update


def update_resubmit(
    *,
    user: User,
    update: ProgressUpdate,
    value: Any = None,
    narrative: Any = "",
    evidence: list[tuple[str, bytes, bool]] | None = None,
) -> ProgressUpdate:
    """Who submitted a returned update corrects it and sends it again."""
    return _author_change(
        user=user,
        update=update,
        value=value,
        narrative=narrative,
        evidence=evidence,
        statuses=(UpdateStatus.RETURNED,),
        send=True,
    )


def update_draft_save(
    *,
    user: User,
    update: ProgressUpdate,
    value: Any = None,
    narrative: Any = "",
    evidence: list[tuple[str, bytes, bool]] | None = None,
) -> ProgressUpdate:
    """The author changes their draft and keeps it a draft."""
    return _author_change(
        user=user,
        update=update,
        value=value,
        narrative=narrative,
        evidence=evidence,
        statuses=(UpdateStatus.DRAFT,),
        send=False,
    )


def update_send(
    *,
    user: User,
    update: ProgressUpdate,
    value: Any = None,
    narrative: Any = "",
    evidence: list[tuple[str, bytes, bool]] | None = None,
) -> ProgressUpdate:
    """The author sends their draft, or a returned update corrected, to the
    lead: it is checked in full now (a number for a quantitative indicator)."""
    return _author_change(
        user=user,
        update=update,
        value=value,
        narrative=narrative,
        evidence=evidence,
        statuses=(UpdateStatus.DRAFT, UpdateStatus.RETURNED),
        send=True,
    )


@transaction.atomic
def update_draft_discard(*, user: User, update: ProgressUpdate) -> None:
    """The author throws their draft away, with its files."""
    if update.submitted_by_id != user.pk:
        raise PermissionDenied(_("Solo quien escribió el borrador lo descarta."))
    update = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    if update.status != UpdateStatus.DRAFT:
        raise invalid("status", _("Solo se descarta un borrador."))
    blobs = list(update.evidence.values_list("blob", flat=True))
    audit("update_draft_discarded", user=user, obj=update.period, update=update.pk)
    update.delete()
    transaction.on_commit(lambda: _blobs_remove(blobs))


def _blobs_remove(blobs: list[str]) -> None:
    for blob in blobs:
        (evidence_dir() / blob).unlink(missing_ok=True)


def evidence_open(*, user: User, evidence: UpdateEvidence) -> IO[bytes]:
    """The cleaned file, open for reading; the reading is audited (it commits
    with the caller's transaction). The caller streams and closes it."""
    path = evidence_dir() / evidence.blob
    if not path.is_file():
        logger.warning(
            "coordination.evidence_missing", extra={"evidence": str(evidence.pk)}
        )
        raise NotFound()
    audit(
        "evidence_opened",
        user=user,
        obj=evidence.update,
        evidence=evidence.pk,
    )
    return path.open("rb")
