"""What protection tells staff about screenings: one waits for an interview.

The kind and its composer are registered with the notifications app at
start-up (`register`). The email never carries anything of the report, the
case or the person: it says that a screening waits, for which organisation,
and links to the screening's page, where the rest opens after login (and only
for those who may see it).
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _
from huey.contrib.djhuey import db_task

from remedia.accounts.models import User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for
from remedia.cases.selectors import parse_uuid
from remedia.notifications import registry
from remedia.notifications.registry import Email
from remedia.notifications.selectors import members_with
from remedia.notifications.services import absolute, notifications_send
from remedia.protection.models import Screening
from remedia.protection.vocabulary import ScreeningStatus

SCREENING_PENDING = "screening_pending"


def _compose_screening_pending(user: User, key: str, now: datetime) -> Email | None:
    pk = parse_uuid(key)
    if pk is None:
        return None
    screening = (
        Screening.objects.filter(pk=pk, status=ScreeningStatus.PENDING)
        .select_related("organisation")
        .first()
    )
    if screening is None or screening.organisation_id not in organisations_for(
        user=user, capability=Capability.PROTECTION_READ
    ):
        return None
    return Email(
        "protection/email/screening_pending",
        {
            "organisation": screening.organisation.name,
            "url": absolute(screening.get_absolute_url()),
        },
    )


def screenings_pending(*, screening_ids: list[str]) -> int:
    """New pending screenings: tell each one's protection staff, once."""
    ids = [pk for pk in map(parse_uuid, screening_ids) if pk is not None]
    pairs = []
    for screening in Screening.objects.filter(
        pk__in=ids, status=ScreeningStatus.PENDING
    ).only("pk", "organisation_id"):
        for user in members_with(
            organisation_ids=[screening.organisation_id],
            capability=Capability.PROTECTION_READ,
        ):
            pairs.append((user, str(screening.pk)))
    return notifications_send(kind=SCREENING_PENDING, recipients=pairs)


def register() -> None:
    registry.kind_register(
        kind=SCREENING_PENDING,
        label=_("Entrevista de detección pendiente"),
        composer=_compose_screening_pending,
    )


@db_task()
def notify_screenings_pending(screening_ids: list[str]) -> int:
    return screenings_pending(screening_ids=screening_ids)
