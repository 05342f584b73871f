"""What a person has consented to, read from the consent records.

A consent is a record, never a checkbox: given by someone, on a day, for one
purpose (services, sharing with one named recipient, de-identified
reporting), and active until withdrawn. Every referral and every export asks
`consent_active` (or `files_with_active_consent` for many files at once);
nothing else in Remedia decides whether consent holds.

Sharing names its recipient: an organisation in Remedia (by its row) or an
institution outside it (by name, compared without accents, case or repeated
spaces, as the directory writes it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from remedia.accounts.models import Organisation
from remedia.accounts.selectors import get_scoped
from remedia.core.geo import fold
from remedia.protection.models import Consent, Service, VictimFile
from remedia.protection.selectors.files import file_get_for_user
from remedia.protection.vocabulary import ConsentScope

Recipient = Organisation | str | None


def service_recipient(service: Service) -> Organisation | str:
    """Whom a referral to `service` shares with: its organisation in Remedia, or
    the institution's name when it works outside Remedia."""
    if service.organisation is not None:
        return service.organisation
    return service.institution


def _active(file: VictimFile, scope: str) -> QuerySet[Consent]:
    return Consent.objects.filter(file=file, scope=scope, withdrawn_at__isnull=True)


def consent_covering(
    *, file: VictimFile, scope: str, recipient: Recipient = None
) -> Consent | None:
    """The active consent of `scope` that covers `recipient` (sharing only), the
    latest given first; None when nothing covers it."""
    rows = _active(file, scope).order_by("-given_on", "-created_at")
    if scope != ConsentScope.SHARING:
        return rows.first()
    if isinstance(recipient, Organisation):
        return rows.filter(recipient=recipient).first()
    if isinstance(recipient, str) and fold(recipient):
        wanted = fold(recipient)
        return next(
            (
                c
                for c in rows.filter(recipient__isnull=True)
                if fold(c.recipient_name) == wanted
            ),
            None,
        )
    return None


def consent_active(
    *, file: VictimFile, scope: str, recipient: Recipient = None
) -> bool:
    """Whether an active consent of `scope` covers `recipient` (sharing only)."""
    return consent_covering(file=file, scope=scope, recipient=recipient) is not None


def sharing_allowed(*, file: VictimFile) -> tuple[set[Any], set[str]]:
    """(organisation ids, folded institution names) the file may be shared with
    now: one query for a whole list of services (the referral picker)."""
    rows = _active(file, ConsentScope.SHARING).values_list(
        "recipient_id", "recipient_name"
    )
    return (
        {org for org, _name in rows if org is not None},
        {fold(name) for org, name in rows if org is None and name},
    )


def service_shareable(service: Service, *, allowed: tuple[set[Any], set[str]]) -> bool:
    orgs, names = allowed
    if service.organisation_id is not None:
        return service.organisation_id in orgs
    return fold(service.institution) in names


def files_with_active_consent(
    files: QuerySet[VictimFile], *, scope: str
) -> QuerySet[VictimFile]:
    """Only the files with an active consent of `scope` (the export asks
    REPORTING: a withdrawn reporting consent takes the file out at once)."""
    return files.filter(
        Exists(
            Consent.objects.filter(
                file=OuterRef("pk"), scope=scope, withdrawn_at__isnull=True
            )
        )
    )


def consent_list(*, file: VictimFile) -> QuerySet[Consent]:
    """Every consent of the file, active and withdrawn, newest first."""
    return Consent.objects.filter(file=file).select_related(
        "recipient", "recorded_by", "withdrawn_by"
    )


def consent_get_for_user(*, user: Any, file_id: Any, consent_id: Any) -> Consent:
    """One consent of a file the user reads; `NotFound` otherwise (missing,
    another file's, or a file the user may not read, alike)."""
    file = file_get_for_user(user=user, file_id=file_id)
    return get_scoped(consent_list(file=file), pk=consent_id)


@dataclass(frozen=True)
class ConsentState:
    """What is and is not consented now, in words a worker reads at a glance."""

    services: Consent | None
    reporting: Consent | None
    sharing: list[Consent] = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return self.services is None and self.reporting is None and not self.sharing


def consent_state(*, file: VictimFile) -> ConsentState:
    active = [c for c in consent_list(file=file) if c.withdrawn_at is None]
    return ConsentState(
        services=next((c for c in active if c.scope == ConsentScope.SERVICES), None),
        reporting=next((c for c in active if c.scope == ConsentScope.REPORTING), None),
        sharing=[c for c in active if c.scope == ConsentScope.SHARING],
    )
