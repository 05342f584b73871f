"""Opening a victim file: its number, its key, its first reader."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for
from remedia.core import crypto
from remedia.core.audit import audit_record
from remedia.core.errors import PermissionDenied
from remedia.core.kit import full_clean, invalid
from remedia.core.sealed import json_seal
from remedia.protection.identity import MAX_AGE, MIN_AGE, identity_clean
from remedia.protection.models import FileAssignment, FileNumber, VictimFile
from remedia.protection.services.grants import file_grants_sync


def _number_next(year: int) -> str:
    FileNumber.objects.get_or_create(year=year)
    row = FileNumber.objects.select_for_update().get(year=year)
    row.last += 1
    row.save(update_fields=["last"])
    return f"EXP-{year}-{row.last:04d}"


def file_write_require(*, user: User, organisation_id: Any) -> None:
    if organisation_id not in organisations_for(
        user=user, capability=Capability.PROTECTION_WRITE
    ):
        raise PermissionDenied()


def age_check(age: Any, *, field: str = "age_at_identification") -> int | None:
    """An age in years, or None when not known; out of range is refused."""
    if age is None or age == "":
        return None
    try:
        value = int(age)
    except (TypeError, ValueError):
        raise invalid(field, _("Escriba la edad en años, con número.")) from None
    if not MIN_AGE <= value <= MAX_AGE:
        raise invalid(
            field,
            _("La edad debe estar entre %(low)s y %(high)s años.")
            % {"low": MIN_AGE, "high": MAX_AGE},
        )
    return value


def date_not_future(value: date, *, field: str) -> date:
    if value > timezone.localdate():
        raise invalid(field, _("La fecha no puede estar en el futuro."))
    return value


@transaction.atomic
def file_open(
    *,
    organisation: Organisation,
    opened_by: User,
    identity: dict[str, Any],
    identified_on: date | None = None,
    fields: dict[str, Any] | None = None,
) -> VictimFile:
    """Open a file in `organisation`, sealed; the opener is its first worker.

    `fields` may set the coded fields (gender, age_at_identification,
    citizenship, exploitation_state, facility...). The identity is sealed to
    the file's new key, which is sealed to the opener, the organisation's
    protection leads and its escrow; the server keeps no way to read it.
    """
    file_write_require(user=opened_by, organisation_id=organisation.pk)
    cleaned = identity_clean(identity)
    fields = dict(fields or {})
    if "age_at_identification" in fields:
        fields["age_at_identification"] = age_check(fields["age_at_identification"])
    identified_on = date_not_future(
        identified_on or timezone.localdate(), field="identified_on"
    )
    pair = crypto.keypair_new()
    public, private = pair.public, pair.private
    file = VictimFile(
        organisation=organisation,
        number="pending",
        public_key=public,
        identity=json_seal(cleaned, public_key=public),
        identified_on=identified_on,
        created_by=opened_by,
        **fields,
    )
    full_clean(file, exclude=["number"])
    file.number = _number_next(identified_on.year)
    file.save()
    FileAssignment.objects.create(file=file, user=opened_by, assigned_by=opened_by)
    file_grants_sync(file=file, file_private=private, fresh=True)
    audit_record(
        action="protection.file_opened",
        actor=opened_by,
        organisation=organisation,
        obj=file,
    )
    return file
