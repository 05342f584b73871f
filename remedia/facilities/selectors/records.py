"""Registry records for the staff pages (facility list and page)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import get_scoped, user_can
from remedia.core.errors import NotFound
from remedia.facilities.models import (
    Facility,
    FacilityAlias,
    FacilityEvent,
    FacilityImport,
    FacilityStatus,
)


def _require_read(viewer: Any) -> None:
    # The registry is shared by every organisation; reading it takes only the
    # capability every staff role has. Without it, a facility is "not found".
    if not user_can(user=viewer, capability=Capability.FACILITY_READ):
        raise NotFound()


def facility_browse(
    *, viewer: Any, state: str | None = None, include_merged: bool = False
) -> QuerySet[Facility]:
    """The registry in name order, for the list page when nothing is searched."""
    _require_read(viewer)
    qs = Facility.objects.all()
    if not include_merged:
        qs = qs.exclude(status=FacilityStatus.MERGED)
    if state:
        qs = qs.filter(state=state)
    return qs.only(
        "id", "public_id", "name", "municipality", "state", "status"
    ).order_by("name", "public_id")


def facility_export(
    *,
    viewer: Any,
    fields: tuple[str, ...],
    state: str | None = None,
    include_merged: bool = False,
) -> QuerySet[Facility]:
    """The registry for an export, in a fixed order (public id): `fields` only,
    no joins, so that it streams in one query however large it is. A merged
    record is left out unless asked for: it lives on in the one it was merged
    into."""
    _require_read(viewer)
    qs = Facility.objects.all()
    if not include_merged:
        qs = qs.exclude(status=FacilityStatus.MERGED)
    if state:
        qs = qs.filter(state=state)
    return qs.only(*fields).order_by("public_id")


def facility_get_for_user(*, viewer: Any, facility_id: Any) -> Facility:
    """One facility, whatever its status (a merged one is redirected by the page)."""
    _require_read(viewer)
    return get_scoped(Facility.objects.select_related("merged_into"), pk=facility_id)


def facility_get_by_public_id(*, viewer: Any, public_id: str) -> Facility:
    """A facility by the id people quote ("FAC-7K2M9QX4"; case and prefix optional)."""
    _require_read(viewer)
    cleaned = "".join((public_id or "").split()).upper()[:20]
    if cleaned and not cleaned.startswith("FAC-"):
        cleaned = "FAC-" + cleaned
    facility = Facility.objects.filter(public_id=cleaned).first() if cleaned else None
    if facility is None:
        raise NotFound()
    return facility


def facility_merge_target(*, facility: Facility) -> Facility:
    """The record a merged facility lives on in (merges re-point earlier ones, so
    this is one step; the loop only guards against data edited by hand)."""
    current = facility
    seen = {current.pk}
    while current.status == FacilityStatus.MERGED and current.merged_into_id:
        nxt = Facility.objects.get(pk=current.merged_into_id)
        if nxt.pk in seen:
            break
        seen.add(nxt.pk)
        current = nxt
    return current


def facility_aliases(*, facility: Facility) -> QuerySet[FacilityAlias]:
    return facility.aliases.order_by("name")


def facility_events(*, facility: Facility, limit: int = 200) -> list[FacilityEvent]:
    return list(facility.events.select_related("actor").order_by("-created_at")[:limit])


def facility_merged_from(*, facility: Facility) -> QuerySet[Facility]:
    """Records found to be this facility and merged into it."""
    return facility.merged_from.only("id", "public_id", "name").order_by("public_id")


def facility_import_names(*, ids: set[str]) -> dict[str, str]:
    """File names of the imports named in field sources (`import:<id>`), by id."""
    valid = set()
    for value in ids:
        try:
            valid.add(uuid.UUID(value))
        except ValueError:
            continue
    if not valid:
        return {}
    return {
        str(pk): name
        for pk, name in FacilityImport.objects.filter(pk__in=valid).values_list(
            "pk", "file_name"
        )
    }
