"""Who sees a referral, and what each side may do with it.

A referral has two sides. The *file side* is the organisation that keeps the
person's file, and there only the file's readers (its assigned workers and
the leads): a referral says that the person exists and what they need, so it
follows the file's access rule. The *partner side* is the other organisation:
the institution a referral goes to, or the one a counter-referral comes from;
there every member with PROTECTION_READ sees it (who will attend the person is
the receiver's to decide), and never the file itself.

A counter-referral (`answers` set) is a referral the receiving institution
sends back to the file's organisation, about the same file: it is a row of
its own, whose sender is the partner side and whose receiver is the file
side. Nobody on the partner side gets the file through it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from remedia.accounts.models import User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import get_scoped, organisations_for
from remedia.notifications.selectors import members_with
from remedia.protection.models import Referral, VictimFile
from remedia.protection.selectors.files import file_reader_ids, files_visible_to
from remedia.protection.vocabulary import (
    OPEN_REFERRAL_STATUSES,
    REFERRAL_TRANSITIONS,
    ReferralStatus,
)

INCOMING = "incoming"
SENT = "sent"


def partner_organisation_id(referral: Referral) -> Any:
    """The organisation on the other side from the file's (None: a service
    outside Remedia)."""
    if referral.from_organisation_id == referral.file.organisation_id:
        return referral.to_organisation_id
    return referral.from_organisation_id


def _partner_q(orgs: set[Any]) -> Q:
    return (
        Q(to_organisation_id__in=orgs)
        & ~Q(to_organisation_id=F("file__organisation_id"))
    ) | (
        Q(from_organisation_id__in=orgs)
        & ~Q(from_organisation_id=F("file__organisation_id"))
    )


def referrals_visible_to(*, user: Any) -> QuerySet[Referral]:
    """Referrals of files the user reads, and those whose partner side is one
    of the user's organisations where they hold PROTECTION_READ."""
    if not getattr(user, "is_authenticated", False):
        return Referral.objects.none()
    orgs = organisations_for(user=user, capability=Capability.PROTECTION_READ)
    if not orgs:
        return Referral.objects.none()
    files = files_visible_to(user=user).values("pk")
    return Referral.objects.filter(Q(file__in=files) | _partner_q(orgs))


def referral_get_for_user(*, user: Any, referral_id: Any) -> Referral:
    """One referral the user may see, or `NotFound` (missing and not theirs alike)."""
    return get_scoped(
        referrals_visible_to(user=user).select_related(
            "service",
            "from_organisation",
            "to_organisation",
            "file__organisation",
            "answers",
        ),
        pk=referral_id,
    )


@dataclass(frozen=True)
class ReferralFilters:
    box: str | None = None  # INCOMING, SENT or None for both
    status: str | None = None
    overdue: bool | None = None
    file_id: Any = None
    service_type: str | None = None
    counter: bool | None = None


def referral_list(*, viewer: Any, filters: ReferralFilters) -> QuerySet[Referral]:
    """The viewer's referrals, nearest due first among the open ones."""
    rows = referrals_visible_to(user=viewer)
    if filters.box in (INCOMING, SENT):
        orgs = organisations_for(user=viewer, capability=Capability.PROTECTION_READ)
        files = files_visible_to(user=viewer).values("pk")
        mine_as_partner = _partner_q(orgs)
        if filters.box == INCOMING:
            rows = rows.filter(
                (Q(answers__isnull=True) & mine_as_partner)
                | Q(answers__isnull=False, file__in=files)
            )
        else:
            rows = rows.filter(
                Q(answers__isnull=True, file__in=files)
                | (Q(answers__isnull=False) & mine_as_partner)
            )
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.overdue is True:
        rows = rows.filter(status=ReferralStatus.IN_PROGRESS, due_at__lt=timezone.now())
    elif filters.overdue is False:
        rows = rows.exclude(
            status=ReferralStatus.IN_PROGRESS, due_at__lt=timezone.now()
        )
    if filters.file_id is not None:
        try:
            rows = rows.filter(file_id=uuid.UUID(str(filters.file_id)))
        except ValueError:
            return rows.none()
    if filters.service_type:
        rows = rows.filter(service_type=filters.service_type)
    if filters.counter is not None:
        rows = rows.filter(answers__isnull=not filters.counter)
    return rows.select_related(
        "service", "from_organisation", "to_organisation", "file__organisation"
    ).order_by("-created_at", "-id")


def referrals_of_file(*, file: VictimFile) -> QuerySet[Referral]:
    """Every referral and counter-referral of a file (its readers' section)."""
    return (
        Referral.objects.filter(file=file)
        .select_related("service", "from_organisation", "to_organisation", "answers")
        .order_by("-created_at", "-id")
    )


def referral_overdue(referral: Referral, *, now: datetime | None = None) -> bool:
    """Past its due time and still unanswered (Primero's overdue services)."""
    return referral.status == ReferralStatus.IN_PROGRESS and referral.due_at < (
        now or timezone.now()
    )


@dataclass(frozen=True)
class ReferralRole:
    """What the viewer is to a referral, and so what they may do with it."""

    status: str
    file_side: bool
    partner_side: bool
    sender: bool
    receiver: bool
    sender_writes: bool
    receiver_writes: bool
    # Answering for an institution outside Remedia (the file side records it).
    on_behalf: bool
    counter: bool

    @property
    def can_answer(self) -> bool:
        """Accept, reject or mark done: the receiver, while a step is left."""
        return self.receiver_writes and bool(
            REFERRAL_TRANSITIONS[self.status] - {ReferralStatus.REVOKED}
        )

    @property
    def can_revoke(self) -> bool:
        """Only the sender takes back an open referral."""
        return self.sender_writes and self.status in OPEN_REFERRAL_STATUSES

    @property
    def can_counter(self) -> bool:
        """The receiver in Remedia, once it took the person in."""
        return (
            not self.counter
            and not self.on_behalf
            and self.receiver_writes
            and self.status in (ReferralStatus.ACCEPTED, ReferralStatus.DONE)
        )


def referral_role(*, user: User, referral: Referral) -> ReferralRole:
    file = referral.file
    file_side = files_visible_to(user=user).filter(pk=file.pk).exists()
    partner = partner_organisation_id(referral)
    partner_side = partner is not None and partner in organisations_for(
        user=user, capability=Capability.PROTECTION_READ
    )
    writes = organisations_for(user=user, capability=Capability.PROTECTION_WRITE)
    file_write = file_side and file.organisation_id in writes
    partner_write = partner_side and partner in writes
    counter = referral.answers_id is not None
    outside = partner is None
    if counter:
        sender, receiver = partner_side, file_side
        sender_writes, receiver_writes = partner_write, file_write
    elif outside:
        sender = receiver = file_side
        sender_writes = receiver_writes = file_write
    else:
        sender, receiver = file_side, partner_side
        sender_writes, receiver_writes = file_write, partner_write
    return ReferralRole(
        status=referral.status,
        file_side=file_side,
        partner_side=partner_side,
        sender=sender,
        receiver=receiver,
        sender_writes=sender_writes,
        receiver_writes=receiver_writes,
        on_behalf=outside and not counter,
        counter=counter,
    )


def receiving_users(*, referral: Referral) -> list[User]:
    """Who is told of a referral to answer: the partner's protection staff, or
    the file's readers for a counter-referral; nobody for an outside service."""
    if referral.answers_id is not None:
        return file_readers(file=referral.file)
    partner = partner_organisation_id(referral)
    return [] if partner is None else protection_members(organisation_id=partner)


def sending_users(*, referral: Referral) -> list[User]:
    """Who is told of an answer: the file's readers, or the partner's
    protection staff for a counter-referral."""
    if referral.answers_id is not None:
        return protection_members(organisation_id=partner_organisation_id(referral))
    return file_readers(file=referral.file)


def file_readers(*, file: VictimFile) -> list[User]:
    return list(
        User.objects.filter(pk__in=file_reader_ids(file=file)).order_by("username")
    )


def protection_members(*, organisation_id: Any) -> list[User]:
    return members_with(
        organisation_ids=[organisation_id], capability=Capability.PROTECTION_READ
    )
