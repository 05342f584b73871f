"""The daily digest: one email per staff member with work waiting, nothing for the others.

Each app registers a section (`digest_section_register`): a function counting,
through its viewer-scoped selectors, what waits for one user, and the template
that says those counts. The digest is sent when any count is above zero; like
every notification it is a row first, so a second run the same day sends none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Membership, User
from remedia.notifications import registry
from remedia.notifications.models import Notification
from remedia.notifications.registry import Email
from remedia.notifications.services import Batch, absolute

DIGEST = "digest"

Counts = Callable[[User, datetime], dict[str, int]]


@dataclass(frozen=True)
class Section:
    template: str
    counts: Counts


_sections: list[Section] = []


def digest_section_register(*, template: str, counts: Counts) -> None:
    """Add a part to the digest: `counts(user, now)` said by `template` (with ``counts``)."""
    _sections.append(Section(template=template, counts=counts))


def digest_key(today: date) -> str:
    return f"{today:%Y-%m-%d}"


def _compose_digest(user: User, key: str, now: datetime) -> Email | None:
    if key != digest_key(timezone.localdate(now)):
        return None
    parts: list[dict[str, Any]] = []
    for section in _sections:
        counts = section.counts(user, now)
        if any(counts.values()):
            parts.append({"template": section.template, "counts": counts})
    if not parts:
        return None
    return Email(
        "notifications/email/digest",
        {"sections": parts, "url": absolute(reverse("accounts:home"))},
    )


def register() -> None:
    registry.kind_register(
        kind=DIGEST, label=_("Resumen diario"), composer=_compose_digest
    )


def digest_send() -> int:
    """Daily: one summary per staff member with work waiting; nothing for those without."""
    with Batch() as batch:
        key = digest_key(timezone.localdate(batch.now))
        users = (
            User.objects.filter(
                Exists(
                    Membership.objects.filter(
                        user=OuterRef("pk"), organisation__is_active=True
                    )
                ),
                is_active=True,
            )
            .exclude(email="")
            .exclude(
                Exists(
                    Notification.objects.filter(
                        user=OuterRef("pk"), kind=DIGEST, key=key
                    )
                )
            )
            .order_by("username")
        )
        for user in users:
            email = _compose_digest(user, key, batch.now)
            if email is not None:
                batch.notify(user=user, kind=DIGEST, key=key, email=email)
    return batch.total
