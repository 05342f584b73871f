"""Referrals and counter-referrals: Primero's states, a consent gate that is
checked every time, and a summary the receiver reads instead of the file.

The gate: a referral needs an active consent for services and an active
consent for sharing that names the recipient (its organisation in Remedia, or
the institution by name when it is outside). Without them the referral is
refused and nothing is stored, unless a protection lead (CONSENT_OVERRIDE)
gives a reason: then it goes, marked `consent_overridden` wherever it is
shown, the reason sealed to the file's key and the override audited as its
own action.

What the receiver reads is a summary the sender chose field by field (the
first name or alias, the age, the gender, a safe contact, what the person
needs, a note), sealed to the referral's own key. That key is granted to the
partner organisation's protection staff and escrow, and to the file's readers
and the file organisation's escrow, so the sender reads what it sent and what
the receiver answered (rather than sealing a second copy to the file key, so
both sides open one ciphertext, and the receiver's answer is readable by the
sender with no copy of the file key). Grants follow who is entitled now
(`referral_grants_sync`, run whenever an entitled viewer opens the key), a
rejection takes the partner's grants away, and a revocation deletes every
grant and wipes the summary and the answer: what was shared is gone, the
coded facts (dates, states, who) stay.

Every answer carries the `version` its author saw; a crossed answer (the
referral changed in between) is refused, never applied over the other.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts import keys
from remedia.accounts.models import User
from remedia.accounts.permissions import Capability, roles_with
from remedia.accounts.selectors import organisations_for
from remedia.core import crypto
from remedia.core.audit import audit_record
from remedia.core.errors import InvalidInput, NotFound, PermissionDenied
from remedia.core.kit import full_clean, invalid, text_field
from remedia.core.sealed import grant_open, grant_seal, json_open, json_seal
from remedia.protection import alerts
from remedia.protection.models import (
    Consent,
    Referral,
    ReferralKeyGrant,
    Service,
    VictimFile,
)
from remedia.protection.selectors.consent import consent_active, service_recipient
from remedia.protection.selectors.files import (
    file_get_for_user,
    file_reader_ids,
)
from remedia.protection.selectors.referrals import (
    partner_organisation_id,
    referral_role,
)
from remedia.protection.services.files import file_write_require
from remedia.protection.vocabulary import (
    CLOSED_STATUSES,
    OPEN_REFERRAL_STATUSES,
    REFERRAL_TRANSITIONS,
    TIMEFRAME_HOURS,
    ConsentScope,
    ReferralReason,
    ReferralStatus,
    Timeframe,
)

# What the sender may choose to share from the file (the rest it writes).
SHARE_FIELDS = ("name", "age", "gender", "contact")
TEXT_LIMIT = 2000
# A counter-referral asks the file's team to take the person back: answered
# within the directory's longest usual time.
COUNTER_TIMEFRAME = Timeframe.THREE_DAYS

REVOKED_BY_SENDER = "by_sender"
REVOKED_CONSENT_WITHDRAWN = "consent_withdrawn"


# --- The referral key ------------------------------------------------------------------


def _entitled(referral: Referral) -> tuple[set[Any], set[Any]]:
    """(user ids, organisation ids) who may hold the referral key now."""
    if referral.status == ReferralStatus.REVOKED:
        return set(), set()
    users = set(file_reader_ids(file=referral.file))
    orgs = {referral.file.organisation_id}
    partner = partner_organisation_id(referral)
    counter = referral.answers_id is not None
    # A receiver that said no keeps nothing; a counter-referral's partner is
    # its sender, who keeps what it wrote.
    partner_keeps = referral.status != ReferralStatus.REJECTED or counter
    if partner is not None and partner_keeps:
        orgs.add(partner)
        users |= set(
            keys.member_public_keys(
                organisation_ids={partner},
                roles=roles_with(Capability.PROTECTION_READ),
            )
        )
    return users, orgs


def referral_grants_sync(
    *, referral: Referral, private: bytes | None, fresh: bool = False
) -> int:
    """Drop the grants of whoever is no longer entitled; with the key, seal it
    to whoever is and lacks a grant. Returns how many grants were added."""
    users, orgs = _entitled(referral)
    grants = ReferralKeyGrant.objects.filter(referral=referral)
    if not fresh:
        grants.filter(user__isnull=False).exclude(user_id__in=users).delete()
        grants.filter(organisation__isnull=False).exclude(
            organisation_id__in=orgs
        ).delete()
    if private is None or not (users or orgs):
        return 0
    user_keys = keys.user_public_keys(user_ids=users)
    return grant_seal(
        model=ReferralKeyGrant,
        owner={"referral": referral},
        private=private,
        user_keys=user_keys,
        escrow_keys=keys.escrow_public_keys(organisation_ids=orgs),
        fresh=fresh,
    )


def referral_key(
    *, referral: Referral, user: User, user_private_key: bytes | None
) -> bytes | None:
    return grant_open(
        model=ReferralKeyGrant,
        owner={"referral": referral},
        user=user,
        user_private_key=user_private_key,
    )


# --- Reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenedReferral:
    """A referral's sealed parts, as far as the viewer's keys open them."""

    locked: bool  # the viewer has no grant that opens (or their key is locked)
    summary: dict[str, Any] | None
    answer: str
    override_reason: str


def referral_open(
    *,
    referral: Referral,
    user: User,
    user_private_key: bytes | None,
    file_private: bytes | None = None,
) -> OpenedReferral:
    """Open what the viewer may read of a referral already fetched through the
    access rule; the read is audited. The override reason is sealed to the
    file key, so only the file's readers (`file_private`) read it."""
    private = referral_key(
        referral=referral, user=user, user_private_key=user_private_key
    )
    summary: dict[str, Any] | None = None
    answer = ""
    if private is not None:
        referral_grants_sync(referral=referral, private=private)
        if referral.summary is not None:
            summary = json_open(bytes(referral.summary), private_key=private)
        if referral.response_note is not None:
            answer = str(
                json_open(bytes(referral.response_note), private_key=private).get(
                    "body", ""
                )
            )
    else:
        referral_grants_sync(referral=referral, private=None)
    reason = ""
    if referral.override_reason is not None and file_private is not None:
        try:
            reason = str(
                json_open(bytes(referral.override_reason), private_key=file_private)[
                    "body"
                ]
            )
        except crypto.DecryptionFailed:
            reason = ""
    audit_record(
        action="protection.referral_read",
        actor=user,
        organisation=referral.file.organisation,
        obj=referral,
        data={"opened": private is not None},
    )
    return OpenedReferral(
        locked=private is None and referral.status != ReferralStatus.REVOKED,
        summary=summary,
        answer=answer,
        override_reason=reason,
    )


# --- Creating --------------------------------------------------------------------------


def _service(service_id: Any) -> Service | None:
    try:
        key = uuid.UUID(str(service_id))
    except ValueError:
        return None
    return (
        Service.objects.filter(pk=key, is_active=True)
        .select_related("organisation")
        .first()
    )


def _summary(
    *,
    file: VictimFile,
    file_private: bytes | None,
    share: set[str],
    needs: str,
    note: str,
) -> dict[str, Any]:
    """What the receiver will read: only what the sender ticked and wrote."""
    summary: dict[str, Any] = {"shared": sorted(share), "needs": needs}
    if note:
        summary["note"] = note
    if "age" in share:
        summary["age"] = file.age_at_identification
    if "gender" in share:
        summary["gender"] = file.gender
    if share & {"name", "contact"}:
        if file_private is None:
            raise invalid(
                "share",
                _(
                    "Para compartir el nombre o el contacto hace falta abrir el "
                    "expediente con su llave: vuelva a iniciar sesión."
                ),
            )
        identity = json_open(bytes(file.identity), private_key=file_private)
        if "name" in share:
            summary["name"] = identity.get("alias") or identity.get("given_names", "")
        if "contact" in share:
            summary["contact"] = identity.get("contact", "")
    return summary


def _consent_missing(file: VictimFile, service: Service) -> list[dict[str, Any]]:
    missing = []
    if not consent_active(file=file, scope=ConsentScope.SERVICES):
        missing.append(
            {
                "field": "consent",
                "reason": _(
                    "Falta el consentimiento de la persona para recibir servicios."
                ),
            }
        )
    if not consent_active(
        file=file, scope=ConsentScope.SHARING, recipient=service_recipient(service)
    ):
        missing.append(
            {
                "field": "consent",
                "reason": _(
                    "Falta el consentimiento para compartir su información con "
                    "%(institution)s."
                )
                % {"institution": service.organisation or service.institution},
            }
        )
    return missing


@transaction.atomic
def referral_create(
    *,
    file: VictimFile,
    user: User,
    service_id: Any,
    service_type: str,
    share: Iterable[str] = (),
    needs: Any = "",
    note: Any = "",
    reason: str = ReferralReason.ADDITIONAL_SERVICES,
    override_reason: Any = "",
    file_private: bytes | None = None,
) -> Referral:
    """Refer the person of `file` to a service of the directory.

    Refused, with nothing stored, when consent does not allow it (unless a
    lead overrides it with a reason), when the service does not offer what is
    asked, or when the file is closed. Due = now + the service's timeframe.
    """
    file = file_get_for_user(user=user, file_id=file.pk)
    file_write_require(user=user, organisation_id=file.organisation_id)
    errors: list[dict[str, Any]] = []
    service = _service(service_id)
    if service is None:
        errors.append({"field": "service_id", "reason": _("No encontrado.")})
    elif service_type not in service.service_types:
        errors.append(
            {
                "field": "service_type",
                "reason": _("Ese servicio no ofrece lo que se pide."),
            }
        )
    elif service.organisation_id == file.organisation_id:
        errors.append(
            {
                "field": "service_id",
                "reason": _(
                    "Ese servicio es de su propia organización: asigne el "
                    "expediente a quien lo presta en lugar de canalizar."
                ),
            }
        )
    if file.status in CLOSED_STATUSES:
        errors.append({"field": "file", "reason": _("El expediente está cerrado.")})
    if reason not in ReferralReason.values:
        errors.append({"field": "reason", "reason": _("Elija el motivo.")})
    chosen = set(share)
    if chosen - set(SHARE_FIELDS):
        errors.append({"field": "share", "reason": _("Dato desconocido.")})
    needs = text_field(needs, field="needs", limit=TEXT_LIMIT, errors=errors)
    if not needs and not any(e["field"] == "needs" for e in errors):
        errors.append(
            {
                "field": "needs",
                "reason": _("Escriba qué necesita la persona de este servicio."),
            }
        )
    note = text_field(note, field="note", limit=TEXT_LIMIT, errors=errors)
    override = text_field(
        override_reason, field="override_reason", limit=TEXT_LIMIT, errors=errors
    )
    if errors or service is None:
        raise InvalidInput(errors)
    missing = _consent_missing(file, service)
    overridden = False
    if missing:
        if not override:
            raise InvalidInput(
                missing,
                message=_("Sin el consentimiento debido no se puede canalizar."),
            )
        if file.organisation_id not in organisations_for(
            user=user, capability=Capability.CONSENT_OVERRIDE
        ):
            raise PermissionDenied(
                _(
                    "Canalizar sin el consentimiento debido solo lo puede decidir "
                    "la supervisión de protección, con un motivo."
                )
            )
        overridden = True
    summary = _summary(
        file=file, file_private=file_private, share=chosen, needs=needs, note=note
    )
    pair = crypto.keypair_new()
    now = timezone.now()
    referral = Referral(
        file=file,
        service=service,
        service_type=service_type,
        from_organisation=file.organisation,
        to_organisation=service.organisation,
        reason=reason,
        due_at=now + timedelta(hours=TIMEFRAME_HOURS[Timeframe(service.timeframe)]),
        public_key=pair.public,
        summary=json_seal(summary, public_key=pair.public),
        consent_overridden=overridden,
        override_reason=(
            json_seal({"body": override}, public_key=bytes(file.public_key))
            if overridden
            else None
        ),
        created_by=user,
    )
    full_clean(referral)
    referral.save()
    referral_grants_sync(referral=referral, private=pair.private, fresh=True)
    audit_record(
        action="protection.referral_created",
        actor=user,
        organisation=file.organisation,
        obj=referral,
        data={
            "file": str(file.pk),
            "service": str(service.pk),
            "service_type": service_type,
            "shared": sorted(chosen),
            "consent_overridden": overridden,
        },
    )
    if overridden:
        audit_record(
            action="protection.consent_overridden",
            actor=user,
            organisation=file.organisation,
            obj=referral,
            data={
                "file": str(file.pk),
                "missing": len(missing),
            },
        )
    _notify(referral, alerts.RECEIVED)
    return referral


@transaction.atomic
def referral_counter(
    *,
    referral: Referral,
    user: User,
    version: Any,
    note: Any,
    reason: str = ReferralReason.ADDITIONAL_SERVICES,
) -> Referral:
    """The receiver sends the person back to the file's team (a
    counter-referral): what it did and what it recommends, sealed, readable
    by both sides; the file stays where it is. No new consent is needed: the
    information goes back to who already holds the file."""
    role = referral_role(user=user, referral=referral)
    if not role.can_counter:
        raise PermissionDenied(
            _(
                "Solo la institución que recibió y aceptó la canalización puede "
                "contra-referir."
            )
        )
    original = _lock(referral, version)
    errors: list[dict[str, Any]] = []
    body = text_field(note, field="note", limit=TEXT_LIMIT, errors=errors)
    if not body and not errors:
        errors.append(
            {
                "field": "note",
                "reason": _("Escriba qué hizo su institución y qué recomienda."),
            }
        )
    if reason not in ReferralReason.values:
        errors.append({"field": "reason", "reason": _("Elija el motivo.")})
    if errors:
        raise InvalidInput(errors)
    pair = crypto.keypair_new()
    counter = Referral(
        file=original.file,
        service=original.service,
        service_type=original.service_type,
        from_organisation=original.to_organisation,
        to_organisation=original.from_organisation,
        answers=original,
        reason=reason,
        due_at=timezone.now() + timedelta(hours=TIMEFRAME_HOURS[COUNTER_TIMEFRAME]),
        public_key=pair.public,
        summary=json_seal({"shared": [], "note": body}, public_key=pair.public),
        created_by=user,
    )
    full_clean(counter)
    counter.save()
    referral_grants_sync(referral=counter, private=pair.private, fresh=True)
    audit_record(
        action="protection.referral_countered",
        actor=user,
        organisation=original.to_organisation,
        obj=counter,
        data={"answers": str(original.pk)},
    )
    _notify(counter, alerts.RECEIVED)
    return counter


# --- Answering -------------------------------------------------------------------------


def _version(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid(
            "version", _("Falta la versión de la canalización que usted vio.")
        ) from None


def _lock(referral: Referral, version: Any) -> Referral:
    """The row, locked; refused if it changed since its author saw `version`."""
    seen = _version(version)
    locked = (
        # Only the referral's row: its joins include nullable sides, which a
        # server database refuses to lock.
        Referral.objects.select_for_update(of=("self",))
        .select_related("file__organisation", "service", "to_organisation")
        .filter(pk=referral.pk)
        .first()
    )
    if locked is None:
        raise NotFound()
    if locked.version != seen:
        raise invalid(
            "version",
            _(
                "Alguien más cambió esta canalización mientras usted la veía "
                "(ahora está: %(status)s). Revise y vuelva a intentarlo."
            )
            % {"status": locked.get_status_display()},
        )
    return locked


def _step(referral: Referral, target: str) -> None:
    if target not in REFERRAL_TRANSITIONS[referral.status]:
        raise invalid(
            "status",
            _("Una canalización «%(now)s» no puede pasar a «%(next)s».")
            % {
                "now": referral.get_status_display(),
                "next": ReferralStatus(target).label,
            },
        )


def _save(referral: Referral, fields: list[str]) -> Referral:
    referral.version = F("version") + 1
    referral.save(update_fields=[*fields, "version", "updated_at"])
    referral.refresh_from_db(fields=["version"])
    return referral


@transaction.atomic
def _answer(
    *,
    referral: Referral,
    user: User,
    version: Any,
    target: str,
    note: Any,
    note_required: bool,
) -> Referral:
    role = referral_role(user=user, referral=referral)
    if not role.receiver:
        raise PermissionDenied(
            _("Responde a la canalización la institución que la recibe.")
        )
    if not role.receiver_writes:
        raise PermissionDenied()
    field = "reason" if note_required else "note"
    body = text_field(note, field=field, limit=TEXT_LIMIT)
    if note_required and not body:
        raise invalid(field, _("Diga por qué se rechaza: quien canalizó lo leerá."))
    referral = _lock(referral, version)
    _step(referral, target)
    now = timezone.now()
    referral.status = target
    fields = ["status"]
    if target in (ReferralStatus.ACCEPTED, ReferralStatus.REJECTED):
        referral.responded_at, referral.responded_by = now, user
        fields += ["responded_at", "responded_by"]
    if target == ReferralStatus.DONE:
        # Primero's "service implemented".
        referral.implemented_at = now
        fields.append("implemented_at")
    if body:
        referral.response_note = json_seal(
            {"body": body, "status": target}, public_key=bytes(referral.public_key)
        )
        fields.append("response_note")
    full_clean(referral, exclude=["version"])
    _save(referral, fields)
    if target == ReferralStatus.REJECTED:
        referral_grants_sync(referral=referral, private=None)
    audit_record(
        action=f"protection.referral_{target}",
        actor=user,
        organisation=referral.to_organisation or referral.file.organisation,
        obj=referral,
        data={"on_behalf": role.on_behalf, "version": referral.version},
    )
    _notify(referral, alerts.ANSWERED, actor=user)
    return referral


def referral_accept(
    *, referral: Referral, user: User, version: Any, note: Any = ""
) -> Referral:
    return _answer(
        referral=referral,
        user=user,
        version=version,
        target=ReferralStatus.ACCEPTED,
        note=note,
        note_required=False,
    )


def referral_reject(
    *, referral: Referral, user: User, version: Any, reason: Any
) -> Referral:
    """Rejected, with the reason the sender will read; the receiver keeps nothing."""
    return _answer(
        referral=referral,
        user=user,
        version=version,
        target=ReferralStatus.REJECTED,
        note=reason,
        note_required=True,
    )


def referral_done(
    *, referral: Referral, user: User, version: Any, note: Any = ""
) -> Referral:
    """The service was given: the referral is done and the service implemented."""
    return _answer(
        referral=referral,
        user=user,
        version=version,
        target=ReferralStatus.DONE,
        note=note,
        note_required=False,
    )


# --- Revoking --------------------------------------------------------------------------


def _revoke(referral: Referral, *, by: User | None, why: str, actor: User) -> Referral:
    referral.status = ReferralStatus.REVOKED
    referral.revoked_at = timezone.now()
    referral.revoked_by = by
    referral.revoked_reason = why
    # What was shared goes at once: no grant opens anything any more.
    referral.summary = None
    referral.response_note = None
    _save(
        referral,
        [
            "status",
            "revoked_at",
            "revoked_by",
            "revoked_reason",
            "summary",
            "response_note",
        ],
    )
    ReferralKeyGrant.objects.filter(referral=referral).delete()
    audit_record(
        action="protection.referral_revoked",
        actor=actor,
        organisation=referral.file.organisation,
        obj=referral,
        data={"reason": why},
    )
    _notify(referral, alerts.REVOKED, actor=actor)
    return referral


@transaction.atomic
def referral_revoke(*, referral: Referral, user: User, version: Any) -> Referral:
    """The sender takes an open referral back (the receiver cannot)."""
    role = referral_role(user=user, referral=referral)
    if not role.sender:
        raise PermissionDenied(_("Solo quien envió la canalización puede revocarla."))
    if not role.sender_writes:
        raise PermissionDenied()
    referral = _lock(referral, version)
    _step(referral, ReferralStatus.REVOKED)
    return _revoke(referral, by=user, why=REVOKED_BY_SENDER, actor=user)


def referrals_revoke_unconsented(
    *, referrals: list[Referral], consent: Consent, user: User
) -> list[Referral]:
    """Revoke, in the withdrawal's transaction, the open referrals a withdrawn
    consent allowed. No version: the person's decision wins over any answer."""
    revoked = []
    for row in referrals:
        locked = Referral.objects.select_for_update().filter(pk=row.pk).first()
        if locked is None or locked.status not in OPEN_REFERRAL_STATUSES:
            continue
        revoked.append(
            _revoke(locked, by=None, why=REVOKED_CONSENT_WITHDRAWN, actor=user)
        )
    return revoked


# --- Telling people --------------------------------------------------------------------


def _notify(referral: Referral, event: str, *, actor: User | None = None) -> None:
    referral_id = str(referral.pk)
    status = str(referral.status)
    actor_id = str(actor.pk) if actor is not None else ""
    transaction.on_commit(
        lambda: alerts.notify_referral(referral_id, event, status, actor_id)
    )
