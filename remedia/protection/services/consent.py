"""Recording and withdrawing consent: new records only, never an edit.

Primero's users found consent unclear, overwritten on every transfer and not
checked when a case moved. Here a consent is a record of who gave it, for
what, with whom and when; it is never changed, only withdrawn, and the
withdrawal takes effect in the same transaction: the referrals it allowed are
revoked (their grants and their summary gone), and a withdrawn reporting
consent takes the file out of the next export.

Writers are the file's readers who hold PROTECTION_WRITE in its organisation.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.core.audit import audit_record
from remedia.core.errors import InvalidInput
from remedia.core.geo import fold
from remedia.core.kit import full_clean, invalid, text_field
from remedia.protection.models import Consent, Referral, VictimFile
from remedia.protection.selectors.consent import consent_active, consent_covering
from remedia.protection.selectors.files import file_get_for_user
from remedia.protection.services.files import date_not_future, file_write_require
from remedia.protection.services.referrals import referrals_revoke_unconsented
from remedia.protection.vocabulary import (
    OPEN_REFERRAL_STATUSES,
    ConsentGiver,
    ConsentScope,
)

ADULT_AGE = 18
RECIPIENT_NAME_LIMIT = 200


def file_writable(*, user: User, file: VictimFile) -> VictimFile:
    """The file again, through the access rule, if `user` may write on it:
    `NotFound` for someone who may not read it, `PermissionDenied` for a
    reader without PROTECTION_WRITE."""
    file = file_get_for_user(user=user, file_id=file.pk)
    file_write_require(user=user, organisation_id=file.organisation_id)
    return file


def _recipient(
    *,
    file: VictimFile,
    recipient_id: Any,
    recipient_name: Any,
    errors: list[dict[str, Any]],
) -> tuple[Organisation | None, str]:
    """The one recipient a sharing consent names: an organisation in Remedia
    (by id) or an institution outside it (by name)."""
    name = text_field(
        recipient_name,
        field="recipient_name",
        limit=RECIPIENT_NAME_LIMIT,
        errors=errors,
    )
    organisation = None
    if recipient_id not in (None, ""):
        try:
            key = uuid.UUID(str(recipient_id))
        except ValueError:
            key = None
        organisation = (
            Organisation.objects.filter(pk=key, is_active=True).first() if key else None
        )
        if organisation is None:
            errors.append(
                {
                    "field": "recipient_id",
                    "reason": _("Esa organización no está en Remedia."),
                }
            )
        elif organisation.pk == file.organisation_id:
            errors.append(
                {
                    "field": "recipient_id",
                    "reason": _(
                        "Su propia organización ya lleva el expediente: el "
                        "consentimiento para compartir es para otras instituciones."
                    ),
                }
            )
    if organisation is not None and name:
        errors.append(
            {
                "field": "recipient_name",
                "reason": _(
                    "Nombre una sola institución: elija una de Remedia o escriba "
                    "el nombre de una que no esté."
                ),
            }
        )
    elif recipient_id in (None, "") and not name:
        errors.append(
            {
                "field": "recipient_id",
                "reason": _("Diga con qué institución se puede compartir."),
            }
        )
    elif name:
        folded = fold(name)
        in_remedia = next(
            (
                o
                for o in Organisation.objects.filter(is_active=True).only(
                    "name", "short_name"
                )
                if folded in {fold(o.name), fold(o.short_name or "")}
            ),
            None,
        )
        if in_remedia is not None:
            # The same institution under two names would be two consents that
            # never meet: a referral to it in Remedia would not find this one.
            errors.append(
                {
                    "field": "recipient_name",
                    "reason": _(
                        "Esa institución está en Remedia: elíjala de la lista de "
                        "organizaciones."
                    ),
                }
            )
    return organisation, name


@transaction.atomic
def consent_record(
    *,
    file: VictimFile,
    user: User,
    scope: str,
    given_by: str,
    given_on: date | None,
    recipient_id: Any = None,
    recipient_name: Any = "",
) -> Consent:
    """Record one consent; every problem is refused at once and nothing is stored.

    A person under 18 (by the file's age at identification) cannot consent
    alone: a caregiver or another authorised person gives it. Only one active
    consent may cover the same purpose and recipient, so what holds is never
    in doubt; to change it, withdraw it and record the new one.
    """
    file = file_writable(user=user, file=file)
    errors: list[dict[str, Any]] = []
    if scope not in ConsentScope.values:
        errors.append({"field": "scope", "reason": _("Elija para qué se consiente.")})
    if given_by not in ConsentGiver.values:
        errors.append({"field": "given_by", "reason": _("Elija quién consiente.")})
    elif (
        given_by == ConsentGiver.PERSON
        and file.age_at_identification is not None
        and file.age_at_identification < ADULT_AGE
    ):
        errors.append(
            {
                "field": "given_by",
                "reason": _(
                    "La persona es menor de 18 años: su consentimiento no basta "
                    "solo. Debe darlo su madre, padre o tutor, u otra persona "
                    "autorizada (y registrar que la persona está de acuerdo)."
                ),
            }
        )
    if given_on is None:
        errors.append({"field": "given_on", "reason": _("Diga cuándo se dio.")})
    else:
        try:
            date_not_future(given_on, field="given_on")
        except InvalidInput as exc:
            errors += exc.errors
    organisation: Organisation | None = None
    name = ""
    if scope == ConsentScope.SHARING:
        organisation, name = _recipient(
            file=file,
            recipient_id=recipient_id,
            recipient_name=recipient_name,
            errors=errors,
        )
    elif recipient_id not in (None, "") or text_field(
        recipient_name, field="recipient_name", limit=RECIPIENT_NAME_LIMIT
    ):
        errors.append(
            {
                "field": "recipient_id",
                "reason": _(
                    "Solo el consentimiento para compartir nombra una institución."
                ),
            }
        )
    if errors or given_on is None:
        raise InvalidInput(errors)
    # Serialise consents of one file: two workers recording the same consent at
    # once must not both pass the "already active" check.
    VictimFile.objects.select_for_update().filter(pk=file.pk).first()
    if consent_active(file=file, scope=scope, recipient=organisation or name or None):
        raise invalid(
            "scope",
            _(
                "Ya hay un consentimiento vigente para esto. Si cambió, retírelo y "
                "registre el nuevo."
            ),
        )
    consent = Consent(
        file=file,
        scope=scope,
        recipient=organisation,
        recipient_name=name,
        given_by=given_by,
        given_on=given_on,
        recorded_by=user,
    )
    full_clean(consent)
    consent.save()
    audit_record(
        action="protection.consent_recorded",
        actor=user,
        organisation=file.organisation,
        obj=consent,
        data={
            "file": str(file.pk),
            "scope": scope,
            "given_by": given_by,
            "recipient": str(organisation.pk) if organisation else "",
        },
    )
    return consent


@transaction.atomic
def consent_withdraw(*, consent: Consent, user: User) -> list[Referral]:
    """Withdraw a consent now; return the referrals it revoked.

    Withdrawing sharing with an institution revokes every open referral to it;
    withdrawing consent for services revokes every open referral of the file;
    withdrawing reporting consent takes the file out of exports (which read
    `files_with_active_consent`). A referral another active consent still
    covers stays (there is none today: one active consent per purpose and
    recipient).
    """
    file = file_writable(user=user, file=consent.file)
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        raise invalid("consent", _("Este consentimiento ya se había retirado."))
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = user
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "updated_at"])
    audit_record(
        action="protection.consent_withdrawn",
        actor=user,
        organisation=file.organisation,
        obj=consent,
        data={"file": str(file.pk), "scope": consent.scope},
    )
    still = consent_covering(
        file=file,
        scope=consent.scope,
        recipient=consent.recipient or consent.recipient_name or None,
    )
    if consent.scope == ConsentScope.REPORTING or still is not None:
        return []
    open_referrals = Referral.objects.filter(
        file=file, status__in=OPEN_REFERRAL_STATUSES
    ).select_related("service")
    if consent.scope == ConsentScope.SHARING:
        if consent.recipient_id is not None:
            open_referrals = open_referrals.filter(
                to_organisation_id=consent.recipient_id
            )
        else:
            wanted = fold(consent.recipient_name)
            open_referrals = open_referrals.filter(
                to_organisation__isnull=True,
                pk__in=[
                    r.pk
                    for r in open_referrals.filter(to_organisation__isnull=True)
                    if fold(r.service.institution) == wanted
                ],
            )
    return referrals_revoke_unconsented(
        referrals=list(open_referrals), consent=consent, user=user
    )
