"""What the writes of courses, measures and evidence share: limits, locks, errors, the audit entry."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from remedia.accounts.models import User
from remedia.core.audit import audit_record
from remedia.core.choices import choice_label
from remedia.core.errors import (
    ApplicationError,
    InvalidInput,
)
from remedia.core.kit import full_clean
from remedia.remediation.models import (
    Course,
    CourseStatus,
    Measure,
)

logger = logging.getLogger(__name__)


TITLE_MAX = 200
TEXT_MAX = 20_000


class CourseClosed(ApplicationError):
    """A closed course is a record: its measures and evidence no longer change."""

    status_code = 409

    def __init__(self) -> None:
        super().__init__(_("El plan está cerrado; ya no admite cambios."))


def _error(field_name: str, reason: Any) -> dict[str, Any]:
    return {"field": field_name, "reason": reason}


def _raise(errors: list[dict[str, Any]]) -> None:
    if errors:
        raise InvalidInput(errors)


def _full_clean(obj: Any, *, prefix: str = "", **kwargs: Any) -> None:
    full_clean(obj, prefix=prefix, non_field=prefix or "body", **kwargs)


def _not_future(
    value: dt.date | None, *, field_name: str, errors: list[dict[str, Any]]
) -> None:
    if value is not None and value > timezone.localdate():
        errors.append(_error(field_name, _("La fecha no puede ser futura.")))


def _lock_course(course: Course) -> Course:
    return (
        Course.objects.select_for_update().select_related("facility").get(pk=course.pk)
    )


def _lock_measure(measure: Measure) -> Measure:
    return (
        Measure.objects.select_for_update()
        .select_related("course", "course__facility")
        .get(pk=measure.pk)
    )


def _require_open(course: Course) -> None:
    if course.status != CourseStatus.ACTIVE:
        raise CourseClosed()


def _audit(
    action: str, *, user: User, course: Course, obj: Any = None, **data: Any
) -> None:
    audit_record(
        action=f"remediation.{action}",
        actor=user,
        organisation=course.organisation,
        obj=obj if obj is not None else course,
        data={"course": str(course.pk), **data},
    )


def _status_label(status: str) -> str:
    return str(choice_label(Measure._meta.get_field("status"), status))
