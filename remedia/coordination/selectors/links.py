"""What an action of the plan points at: a course of remediation, a facility,
a case, a service of the referral pathway (issue 17, item 6).

Ids only, never content: a group sees what its work changed without the
plan becoming a way into cases or victims. A case is named by its number
only to whoever may read it ("un caso vinculado" to anyone else); a course
by its facility and status; a facility by its name and public id; a
pathway service by its institution and name, through the reference kind the
protection app registers in `core.hooks` (coordination may not import it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from remedia.cases.models import Case
from remedia.cases.selectors import case_get_for_user
from remedia.coordination.models import Action
from remedia.core.errors import NotFound
from remedia.core.hooks import Reference, ReferenceKind, reference_kind
from remedia.facilities.models import Facility
from remedia.remediation.access import courses_visible
from remedia.remediation.models import Course

PATHWAY_KIND = "pathway_service"


@dataclass(frozen=True)
class Link:
    """One thing an action points at, as the viewer may see it."""

    field: str
    kind: Any
    label: Any
    url: str = ""


def parse_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except (TypeError, ValueError, AttributeError):
        return None


def pathway_kind() -> ReferenceKind | None:
    return reference_kind(PATHWAY_KIND)


def pathway_choices(*, user: Any) -> list[tuple[str, str]]:
    kind = pathway_kind()
    return kind.choices(user) if kind is not None else []


def pathway_resolve(*, user: Any, service_id: Any) -> Reference | None:
    kind = pathway_kind()
    if kind is None or service_id is None:
        return None
    return kind.resolve(user, [service_id]).get(str(service_id))


def course_find(value: Any) -> Course | None:
    """Any course by its id: linking names it only (who may not read it sees
    its facility and status, never its measures)."""
    pk = parse_uuid(value)
    if pk is None:
        return None
    return Course.objects.select_related("facility").filter(pk=pk).first()


def facility_find(value: Any) -> Facility | None:
    """A facility by its id or the public id people quote (FAC-7K2M9QX4)."""
    pk = parse_uuid(value)
    if pk is not None:
        return Facility.objects.filter(pk=pk).first()
    code = "".join(str(value or "").split()).upper()[:20]
    if not code:
        return None
    if not code.startswith("FAC-"):
        code = "FAC-" + code
    return Facility.objects.filter(public_id=code).first()


def case_find(value: Any) -> Case | None:
    """Any case by its id (a coordinator reads no case: the id is all they
    are given, and all the plan keeps)."""
    pk = parse_uuid(value)
    if pk is None:
        return None
    return Case.objects.filter(pk=pk).only("pk", "number").first()


def _case_link(viewer: Any, action: Action) -> Link:
    try:
        case = case_get_for_user(viewer=viewer, case_id=action.case_id)
    except NotFound:
        return Link("case_id", _("Caso"), _("Un caso vinculado"))
    return Link(
        "case_id",
        _("Caso"),
        _("Caso %(number)s") % {"number": case.number},
        case.get_absolute_url(),
    )


def _course_link(viewer: Any, course: Course) -> Link:
    label = f"{course.facility.name} · {course.get_status_display()}"
    url = ""
    if courses_visible(user=viewer).filter(pk=course.pk).exists():
        url = reverse("remediation:detail", args=[course.pk])
    return Link("course_id", _("Curso de remediación"), label, url)


def action_links(*, viewer: Any, action: Action) -> list[Link]:
    """What `action` points at, each as much as `viewer` may see."""
    links: list[Link] = []
    if action.course_id:
        course = Course.objects.select_related("facility").get(pk=action.course_id)
        links.append(_course_link(viewer, course))
    if action.facility_id:
        facility = Facility.objects.get(pk=action.facility_id)
        links.append(
            Link(
                "facility_id",
                _("Centro de trabajo"),
                f"{facility.name} ({facility.public_id})",
                reverse("facilities:detail", args=[facility.pk]),
            )
        )
    if action.case_id:
        links.append(_case_link(viewer, action))
    if action.pathway_service_id:
        found = pathway_resolve(user=viewer, service_id=action.pathway_service_id)
        if found is None:
            links.append(
                Link(
                    "pathway_service_id",
                    _("Servicio de la ruta de atención"),
                    _("Un servicio que ya no está en el directorio"),
                )
            )
        else:
            label = found.label
            if not found.available:
                label = _("%(service)s (dado de baja)") % {"service": found.label}
            links.append(
                Link(
                    "pathway_service_id",
                    _("Servicio de la ruta de atención"),
                    label,
                    found.url,
                )
            )
    return links
