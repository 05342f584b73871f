"""Who may open a victim file, and the files a user may see.

The strictest rule in Remedia: a file is read only by the protection workers
assigned to it and by their organisation's protection leads (the supervisors,
`Capability.PROTECTION_SUPERVISE`). Everyone else, handlers and other
protection workers of the same organisation included, gets the very `NotFound`
a missing file gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from remedia.accounts.models import User
from remedia.accounts.permissions import Capability, roles_with
from remedia.accounts.selectors import get_scoped, organisations_for
from remedia.cases.models import Case
from remedia.cases.services import OpenNote
from remedia.core.kit import clean_text
from remedia.core.sealed import json_open, note_open
from remedia.core.words import date_words
from remedia.intake.models import Report, ReportRecipient
from remedia.intake.selectors import report_list
from remedia.protection.identity import IDENTITY_FIELDS, age_on, date_parse
from remedia.protection.models import FileAssignment, SupportAction, VictimFile
from remedia.protection.selectors.support import (
    SUPPORT_OPEN_STATUSES,
    OpenSupportAction,
    support_actions,
)
from remedia.protection.vocabulary import FileStatus


def files_visible_to(*, user: Any) -> QuerySet[VictimFile]:
    """The files `user` may read: every file where they supervise, and the
    files they are assigned to where they still work in protection."""
    if not getattr(user, "is_authenticated", False):
        return VictimFile.objects.none()
    supervised = organisations_for(
        user=user, capability=Capability.PROTECTION_SUPERVISE
    )
    working = organisations_for(user=user, capability=Capability.PROTECTION_READ)
    if not supervised and not working:
        return VictimFile.objects.none()
    return VictimFile.objects.filter(
        Q(organisation_id__in=supervised)
        | Q(organisation_id__in=working, assignments__user=user)
    ).distinct()


def file_get_for_user(*, user: Any, file_id: Any) -> VictimFile:
    """One file the user may read, or `NotFound` (missing and forbidden alike)."""
    return get_scoped(
        files_visible_to(user=user).select_related("organisation", "facility"),
        pk=file_id,
    )


def file_can_supervise(*, user: Any, file: VictimFile) -> bool:
    return file.organisation_id in organisations_for(
        user=user, capability=Capability.PROTECTION_SUPERVISE
    )


def file_reader_ids(*, file: VictimFile) -> set[Any]:
    """Ids of the active users who may read the file now (for key grants)."""
    leads = set(
        User.objects.filter(
            is_active=True,
            memberships__organisation_id=file.organisation_id,
            memberships__organisation__is_active=True,
            memberships__role__in=roles_with(Capability.PROTECTION_SUPERVISE),
        ).values_list("pk", flat=True)
    )
    assigned = set(
        User.objects.filter(
            is_active=True,
            victim_file_assignments__file=file,
            memberships__organisation_id=file.organisation_id,
            memberships__organisation__is_active=True,
            memberships__role__in=roles_with(Capability.PROTECTION_READ),
        ).values_list("pk", flat=True)
    )
    return leads | assigned


def protection_workers(*, organisation_id: Any) -> list[User]:
    """Who may be assigned files of the organisation (for the forms)."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__organisation_id=organisation_id,
            memberships__role__in=roles_with(Capability.PROTECTION_WRITE),
        )
        .distinct()
        .order_by("first_name", "username")
    )


# --- The list of files --------------------------------------------------------------

# The list's status filter: open files (active or in follow-up), or one status.
STATUS_OPEN = "open"
OPEN_STATUSES = (FileStatus.ACTIVE, FileStatus.FOLLOW_UP)


@dataclass(frozen=True)
class FileFilters:
    status: str | None = None  # a FileStatus, or STATUS_OPEN
    trafficking_status: str | None = None
    risk_level: str | None = None
    mine: bool = False  # only files the viewer is assigned to
    number: str | None = None  # the number or part of it


def file_list(
    *, viewer: Any, filters: FileFilters | None = None
) -> QuerySet[VictimFile]:
    """The files the viewer may read, newest first, with what a list row shows.

    The workers and the facility come in a fixed number of queries whatever
    the page's length; whether a support action is overdue is a column.
    """
    f = filters or FileFilters()
    qs = files_visible_to(user=viewer)
    if f.status == STATUS_OPEN:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.trafficking_status:
        qs = qs.filter(trafficking_status=f.trafficking_status)
    if f.risk_level:
        qs = qs.filter(risk_level=f.risk_level)
    if f.mine:
        qs = qs.filter(
            Exists(FileAssignment.objects.filter(file=OuterRef("pk"), user=viewer))
        )
    number = clean_text(f.number or "")[:16]
    if number:
        qs = qs.filter(number__icontains=number)
    today = timezone.localdate()
    return (
        qs.select_related("facility")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=FileAssignment.objects.select_related("user").order_by(
                    "created_at"
                ),
            )
        )
        .annotate(
            support_overdue=Exists(
                SupportAction.objects.filter(
                    file=OuterRef("pk"),
                    status__in=SUPPORT_OPEN_STATUSES,
                    due_on__lt=today,
                )
            )
        )
        .defer("identity", "public_key")
        .order_by("-created_at")
    )


# --- One file, opened ---------------------------------------------------------------


@dataclass(frozen=True)
class OpenFile:
    """One file as its reader sees it: the sealed parts opened where the key does.

    `unlocked` is False when the reader's key is not available here (a token
    without a key, a grant not yet shared): the identity, the notes and the
    support plan's texts are then empty, and the page says why.
    """

    file: VictimFile
    unlocked: bool
    identity: dict[str, str]
    age_now: int | None
    notes: list[OpenNote]
    note_count: int
    assignments: list[FileAssignment]
    reports: list[Report]
    cases: list[Case]
    support: list[OpenSupportAction]

    @property
    def identity_rows(self) -> list[tuple[Any, str]]:
        """(label, value) of each identity field, in the form's order; the
        date of birth in words (it is stored as ISO, the form's value)."""
        return [
            (label, _identity_shown(name, self.identity.get(name, "")))
            for name, (label, _limit) in IDENTITY_FIELDS.items()
        ]

    @property
    def display_name(self) -> str:
        """How the page names the person: the alias if they gave one."""
        i = self.identity
        return i.get("alias") or " ".join(
            p for p in (i.get("given_names", ""), i.get("family_names", "")) if p
        )


def _identity_shown(name: str, value: str) -> str:
    born = date_parse(value) if name == "date_of_birth" and value else None
    return date_words(born) if born else value


def file_opened(*, file: VictimFile, file_private: bytes | None) -> OpenFile:
    """Decrypt what the key opens; read the rest. Not audited: `file_read` is
    the one way a person opens a file, and it audits."""
    identity: dict[str, str] = {}
    notes: list[OpenNote] = []
    rows = list(file.notes.select_related("author"))
    if file_private is not None:
        identity = {
            name: str(value)
            for name, value in json_open(
                bytes(file.identity), private_key=file_private
            ).items()
        }
        notes = [
            OpenNote(
                id=n.pk,
                author=(n.author.get_full_name() or n.author.username)
                if n.author
                else "",
                body=note_open(bytes(n.content), private_key=file_private),
                created_at=n.created_at,
            )
            for n in rows
        ]
    born = date_parse(identity.get("date_of_birth", "")) if identity else None
    return OpenFile(
        file=file,
        unlocked=file_private is not None,
        identity=identity,
        age_now=age_on(born, timezone.localdate()) if born else None,
        notes=notes,
        note_count=len(rows),
        assignments=list(
            file.assignments.select_related("user", "assigned_by").order_by(
                "created_at"
            )
        ),
        reports=list(file.reports.select_related("facility").order_by("-created_at")),
        cases=list(file.cases.order_by("-created_at")),
        support=support_actions(file=file, file_private=file_private),
    )


def file_report_choices(
    *, viewer: Any, file: VictimFile, limit: int = 50
) -> list[Report]:
    """Reports the viewer may link: routed to the file's organisation, newest
    first, not linked yet."""
    return list(
        Report.objects.filter(
            Exists(
                ReportRecipient.objects.filter(
                    report=OuterRef("pk"), organisation_id=file.organisation_id
                )
            ),
            pk__in=report_list(viewer=viewer).values("pk"),
        )
        .exclude(victim_files=file)
        .defer("content", "reporter_wrapped_key", "receipt_lookup", "public_key")
        .order_by("-urgent", "-created_at")[:limit]
    )
