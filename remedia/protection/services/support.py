"""Writes of a file's support plan: actions by HTCDS type, their owner, dates, status.

What an action is for and what it does (the objective and the action) say
what the person needs, so they are sealed to the file's key like the notes:
writing needs only the file's public key, changing them needs the reader's
key (the texts not given are kept, so they must be opened). Type, owner,
dates and status stay readable for the lists and the overdue flags.

Each action has its own `version`: two workers editing one action never lose
each other's change (`StaleVersion`), and editing one action never refuses an
edit of another.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Membership, Organisation, User
from remedia.core.audit import audit_record
from remedia.core.errors import InvalidInput
from remedia.core.kit import full_clean, invalid, invalid_missing, text_field
from remedia.core.sealed import json_seal
from remedia.protection.models import SupportAction, VictimFile
from remedia.protection.selectors.support import support_texts
from remedia.protection.services.files import (
    KeyLocked,
    date_check,
    date_not_future,
    file_writer_require,
    locked_at,
    saved_versioned,
    transition_require,
)
from remedia.protection.services.grants import file_key
from remedia.protection.vocabulary import SupportStatus, SupportType

OBJECTIVE_MAX = 500
ACTION_MAX = 4000
# How far ahead a plan reaches: a date beyond is a typo.
HORIZON = timedelta(days=5 * 366)

# Where an action's status may go. Done and dropped reopen (a mistake, or the
# person asks again); leaving them clears the date it was closed on.
SUPPORT_TRANSITIONS: dict[str, frozenset[str]] = {
    SupportStatus.PLANNED: frozenset(
        {SupportStatus.ONGOING, SupportStatus.DONE, SupportStatus.DROPPED}
    ),
    SupportStatus.ONGOING: frozenset(
        {SupportStatus.PLANNED, SupportStatus.DONE, SupportStatus.DROPPED}
    ),
    SupportStatus.DONE: frozenset({SupportStatus.ONGOING}),
    SupportStatus.DROPPED: frozenset({SupportStatus.PLANNED, SupportStatus.ONGOING}),
}
CLOSED_SUPPORT = frozenset({SupportStatus.DONE, SupportStatus.DROPPED})
# What `support_action_update` changes.
SUPPORT_EDITABLE = (
    "support_type",
    "objective",
    "action",
    "owner_id",
    "owner_organisation_id",
    "starts_on",
    "due_on",
)

_STALE = _(
    "Otra persona cambió esta acción del plan mientras usted la editaba; no se "
    "guardó nada. Revise los datos actuales y, si su cambio sigue siendo "
    "correcto, vuelva a guardarlo."
)


def _errors_of(errors: list[dict[str, Any]], check: Any) -> Any:
    try:
        return check()
    except InvalidInput as exc:
        errors += exc.errors
        return None


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def _owner_organisation(file: VictimFile, value: Any) -> Organisation:
    if value in (None, ""):
        return file.organisation
    key = _uuid(value)
    found = Organisation.objects.filter(pk=key, is_active=True).first() if key else None
    if found is None:
        raise invalid_missing("owner_organisation_id")
    return found


def _owner(value: Any, *, organisation: Organisation) -> User | None:
    """A person of the institution that carries the action, or nobody."""
    if value in (None, ""):
        return None
    key = _uuid(value)
    membership = (
        Membership.objects.filter(
            user_id=key, organisation=organisation, user__is_active=True
        )
        .select_related("user")
        .first()
        if key
        else None
    )
    found = membership.user if membership else None
    if found is None:
        raise invalid(
            "owner_id",
            _("Elija a una persona de la institución responsable, o a nadie."),
        )
    return found


def _dates(
    starts_on: Any, due_on: Any, *, errors: list[dict[str, Any]]
) -> tuple[date | None, date | None]:
    latest = timezone.localdate() + HORIZON
    start = _errors_of(errors, lambda: date_check(starts_on, field="starts_on"))
    due = _errors_of(errors, lambda: date_check(due_on, field="due_on", required=False))
    if start is not None and start > latest:
        errors.append(
            {
                "field": "starts_on",
                "reason": _("Revise la fecha: está a más de cinco años."),
            }
        )
    if due is not None and start is not None:
        if due < start:
            errors.append(
                {
                    "field": "due_on",
                    "reason": _("La fecha límite no puede ser anterior al inicio."),
                }
            )
        elif due > start + HORIZON:
            errors.append(
                {
                    "field": "due_on",
                    "reason": _(
                        "Revise la fecha: está a más de cinco años del inicio."
                    ),
                }
            )
    return start, due


def _texts(
    objective: Any, action: Any, *, errors: list[dict[str, Any]]
) -> tuple[str, str]:
    return (
        text_field(
            objective,
            field="objective",
            limit=OBJECTIVE_MAX,
            required=True,
            errors=errors,
        ),
        text_field(action, field="action", limit=ACTION_MAX, errors=errors),
    )


def _audit(action: str, *, row: SupportAction, user: User, **data: Any) -> None:
    audit_record(
        action=action,
        actor=user,
        organisation=row.file.organisation,
        obj=row.file,
        data={"support_action": str(row.pk), **data},
    )


@transaction.atomic
def support_action_add(
    *,
    file: VictimFile,
    user: User,
    support_type: Any,
    objective: Any,
    action: Any = "",
    owner_id: Any = None,
    owner_organisation_id: Any = None,
    starts_on: Any = None,
    due_on: Any = None,
) -> SupportAction:
    """Add an objective and its action to the file's plan, planned from `starts_on`
    (today when not given) and owned by an institution (the file's by default)."""
    file_writer_require(file=file, user=user)
    errors: list[dict[str, Any]] = []
    if support_type not in SupportType.values:
        errors.append({"field": "support_type", "reason": _("Elija un tipo de apoyo.")})
    objective_text, action_text = _texts(objective, action, errors=errors)
    organisation = _errors_of(
        errors, lambda: _owner_organisation(file, owner_organisation_id)
    )
    owner = (
        _errors_of(errors, lambda: _owner(owner_id, organisation=organisation))
        if organisation is not None
        else None
    )
    start, due = _dates(starts_on or timezone.localdate(), due_on, errors=errors)
    if errors or start is None:
        raise InvalidInput(errors)
    row = SupportAction(
        file=file,
        support_type=support_type,
        content=json_seal(
            {"objective": objective_text, "action": action_text},
            public_key=bytes(file.public_key),
        ),
        owner=owner,
        owner_organisation=organisation,
        starts_on=start,
        due_on=due,
        created_by=user,
    )
    full_clean(row)
    row.save()
    _audit("protection.support_added", row=row, user=user, support_type=support_type)
    return row


def _locked(row: SupportAction, version: Any) -> SupportAction:
    return locked_at(
        SupportAction.objects.select_related(
            "file", "file__organisation", "owner_organisation"
        ),
        pk=row.pk,
        version=version,
        stale=_STALE,
    )


@transaction.atomic
def support_action_update(
    *,
    action: SupportAction,
    user: User,
    version: Any,
    user_private_key: bytes | None = None,
    changes: dict[str, Any],
) -> SupportAction:
    """Change what `changes` holds: support_type, objective, action, owner_id,
    owner_organisation_id, starts_on, due_on. Changing a text needs the
    reader's key (the other text is kept)."""
    file = action.file
    file_writer_require(file=file, user=user)
    unknown = sorted(set(changes) - set(SUPPORT_EDITABLE))
    if unknown:
        raise InvalidInput(
            [{"field": n, "reason": _("Este campo no se admite.")} for n in unknown]
        )
    row = _locked(action, version)
    errors: list[dict[str, Any]] = []
    fields: dict[str, Any] = {}
    if "support_type" in changes:
        if changes["support_type"] not in SupportType.values:
            errors.append(
                {"field": "support_type", "reason": _("Elija un tipo de apoyo.")}
            )
        else:
            fields["support_type"] = changes["support_type"]
    if "objective" in changes or "action" in changes:
        file_private = file_key(file=file, user=user, user_private_key=user_private_key)
        if file_private is None:
            raise KeyLocked()
        current = support_texts(row, file_private=file_private)
        objective_text, action_text = _texts(
            changes.get("objective", current["objective"]),
            changes.get("action", current["action"]),
            errors=errors,
        )
        if (objective_text, action_text) != (current["objective"], current["action"]):
            fields["content"] = json_seal(
                {"objective": objective_text, "action": action_text},
                public_key=bytes(file.public_key),
            )
    organisation = row.owner_organisation
    if "owner_organisation_id" in changes:
        found = _errors_of(
            errors, lambda: _owner_organisation(file, changes["owner_organisation_id"])
        )
        if found is not None:
            organisation = found
            fields["owner_organisation"] = found
    if "owner_id" in changes or "owner_organisation" in fields:
        # A new institution with the same person only if they belong to it.
        owner_id = changes.get("owner_id", row.owner_id)
        owner = _errors_of(errors, lambda: _owner(owner_id, organisation=organisation))
        if not any(e["field"] == "owner_id" for e in errors):
            fields["owner"] = owner
    if "starts_on" in changes or "due_on" in changes:
        start, due = _dates(
            changes.get("starts_on", row.starts_on),
            changes.get("due_on", row.due_on),
            errors=errors,
        )
        fields["starts_on"], fields["due_on"] = start, due
    if errors:
        raise InvalidInput(errors)
    changed = [
        name
        for name, value in fields.items()
        if name == "content" or getattr(row, name) != value
    ]
    for name in changed:
        setattr(row, name, fields[name])
    if not changed:
        return row
    full_clean(row, validate_unique=False)
    saved_versioned(row, changed)
    _audit(
        "protection.support_updated",
        row=row,
        user=user,
        fields=sorted("texts" if n == "content" else n for n in changed),
    )
    return row


@transaction.atomic
def support_action_status(
    *,
    action: SupportAction,
    user: User,
    version: Any,
    status: Any,
    done_on: Any = None,
) -> SupportAction:
    """Move an action along planned → ongoing → done or dropped (and back).

    Done and dropped carry the day it happened (today when not given; never in
    the future); reopening clears it.
    """
    file_writer_require(file=action.file, user=user)
    if status not in SupportStatus.values:
        raise invalid("status", _("Elija un estado de la lista."))
    closing = status in CLOSED_SUPPORT
    day: date | None = None
    if closing:
        day = date_not_future(
            date_check(done_on, field="done_on", required=False)
            or timezone.localdate(),
            field="done_on",
        )
    elif done_on not in (None, ""):
        raise invalid(
            "done_on",
            _("Solo una acción cumplida o descartada lleva fecha de cierre."),
        )
    row = _locked(action, version)
    previous = row.status
    transition_require(
        previous=previous,
        status=status,
        transitions=SUPPORT_TRANSITIONS,
        labels=dict(SupportStatus.choices),
        same=_("La acción ya está en ese estado."),
        refused=_("Una acción «%(from)s» no puede pasar a «%(to)s»."),
    )
    row.status = status
    row.done_on = day
    saved_versioned(row, ["status", "done_on"])
    _audit(
        "protection.support_status_changed",
        row=row,
        user=user,
        **{"from": previous, "to": status},
    )
    return row


@transaction.atomic
def support_action_change(
    *,
    action: SupportAction,
    user: User,
    version: Any,
    user_private_key: bytes | None = None,
    changes: dict[str, Any] | None = None,
    status: Any = None,
    done_on: Any = None,
) -> SupportAction:
    """Edits and a status move of one action against the one version the user
    saw: both are stored, or neither (the API's PATCH)."""
    file_writer_require(file=action.file, user=user)
    row = _locked(action, version)
    if changes:
        row = support_action_update(
            action=row,
            user=user,
            version=row.version,
            user_private_key=user_private_key,
            changes=changes,
        )
    if status is not None:
        row = support_action_status(
            action=row, user=user, version=row.version, status=status, done_on=done_on
        )
    elif done_on is not None:
        raise invalid("done_on", _("Diga también el estado: cumplida o descartada."))
    return row
