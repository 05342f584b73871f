"""Who may read and keep a roster, and the sessions held for it.

A facility roster is read by whoever the registered ``FacilityRosterAccess``
says (``remediation`` registers the rule of its courses: a reader of a course
at that facility reads it; its managers and the compliance officer of the
course's company party keep it). An organisation's roster is read by its own
staff and kept by its members who write remediation or coordination records.
Everything else answers ``NotFound``, like a roster that does not exist.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from remedia.accounts.models import Organisation
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import get_scoped, organisations_for
from remedia.core.errors import InvalidInput, NotFound, PermissionDenied
from remedia.facilities.models import Facility
from remedia.training import hooks
from remedia.training.coverage import FACILITY_ROLES, ORGANISATION_ROLES
from remedia.training.models import Person, TrainingSession


@dataclass(frozen=True)
class Roster:
    """A roster's owner (a facility or an organisation), as one user may use it.

    ``recorder_id`` is the organisation a session registered by this user is
    recorded under; ``can_manage`` says whether the user may change the roster,
    its sessions and their attendance.
    """

    facility: Facility | None
    organisation: Organisation | None
    can_manage: bool
    recorder_id: uuid.UUID | None = None

    @property
    def name(self) -> str:
        owner = self.facility or self.organisation
        return str(getattr(owner, "name", ""))

    @property
    def owner_id(self) -> uuid.UUID:
        owner = self.facility or self.organisation
        assert owner is not None  # noqa: S101 - one of the two, by construction
        return owner.pk

    @property
    def is_facility(self) -> bool:
        return self.facility is not None

    @property
    def roles(self) -> tuple[str, ...]:
        return FACILITY_ROLES if self.is_facility else ORGANISATION_ROLES

    def person_filter(self, prefix: str = "") -> dict[str, Any]:
        if self.facility is not None:
            return {f"{prefix}facility": self.facility}
        return {f"{prefix}organisation": self.organisation}

    def people(self) -> QuerySet[Person]:
        return Person.objects.filter(**self.person_filter())

    def sessions(self) -> QuerySet[TrainingSession]:
        if self.facility is not None:
            return TrainingSession.objects.filter(facility=self.facility)
        return TrainingSession.objects.filter(audience_organisation=self.organisation)


def organisation_readers(user: Any) -> set[uuid.UUID]:
    return (
        organisations_for(user=user, capability=Capability.REMEDIATION_READ)
        | organisations_for(user=user, capability=Capability.COORDINATION_READ)
        | _organisation_writers(user)
    )


def _organisation_writers(user: Any) -> set[uuid.UUID]:
    return organisations_for(
        user=user, capability=Capability.REMEDIATION_WRITE
    ) | organisations_for(user=user, capability=Capability.COORDINATION_WRITE)


def training_facilities(*, user: Any) -> QuerySet[Facility]:
    """Facilities whose roster the user may read, as the registered rule says
    (``hooks.FacilityRosterAccess``: a course's readers, today); none without."""
    readable = Q(pk__in=[])
    for provider in hooks.facility_roster_access():
        readable |= Q(pk__in=provider.readable(user=user))
    return Facility.objects.filter(readable).order_by("name")


def training_organisations(*, user: Any) -> QuerySet[Organisation]:
    """Organisations whose staff roster the user may read: their own."""
    return Organisation.objects.filter(
        pk__in=organisation_readers(user), is_active=True
    ).order_by("name")


def _facility_recorder(user: Any, facility: Facility) -> uuid.UUID | None:
    for provider in hooks.facility_roster_access():
        recorder = provider.recorder(user=user, facility=facility)
        if recorder is not None:
            return recorder
    return None


def roster_for_facility(*, user: Any, facility: Facility) -> Roster:
    """The facility's roster as the user may use it; NotFound if not theirs."""
    if not training_facilities(user=user).filter(pk=facility.pk).exists():
        raise NotFound()
    recorder = _facility_recorder(user, facility)
    return Roster(
        facility=facility,
        organisation=None,
        can_manage=recorder is not None,
        recorder_id=recorder,
    )


def roster_for_organisation(*, user: Any, organisation: Organisation) -> Roster:
    if organisation.pk not in organisation_readers(user):
        raise NotFound()
    manages = organisation.pk in _organisation_writers(user)
    return Roster(
        facility=None,
        organisation=organisation,
        can_manage=manages,
        recorder_id=organisation.pk if manages else None,
    )


def roster_facility_get(*, user: Any, facility_id: Any) -> Roster:
    """A facility's roster by id from a request: the same 404 whatever the cause."""
    facility = get_scoped(training_facilities(user=user), pk=facility_id)
    return roster_for_facility(user=user, facility=facility)


def roster_organisation_get(*, user: Any, organisation_id: Any) -> Roster:
    organisation = get_scoped(training_organisations(user=user), pk=organisation_id)
    return roster_for_organisation(user=user, organisation=organisation)


def roster_of(
    *,
    user: Any,
    facility: Facility | None = None,
    organisation: Organisation | None = None,
) -> Roster:
    if (facility is None) == (organisation is None):
        raise InvalidInput(
            [
                {
                    "field": "facility_id",
                    "reason": _(
                        "Indique un centro de trabajo o una organización, no ambos."
                    ),
                }
            ]
        )
    if facility is not None:
        return roster_for_facility(user=user, facility=facility)
    assert organisation is not None  # noqa: S101 - checked just above
    return roster_for_organisation(user=user, organisation=organisation)


def require_manage(roster: Roster) -> None:
    if not roster.can_manage:
        raise PermissionDenied(
            _("Solo puede consultar esta lista; no puede cambiarla.")
        )
