"""What the intake does when a lower app announces something (connected in ready)."""

from __future__ import annotations

from typing import Any

from remedia.facilities.models import Facility
from remedia.intake import services


def reports_follow_facility_merge(
    sender: Any, *, keep: Facility, merge: Facility, **kwargs: Any
) -> dict[str, int]:
    """A merged facility's reports follow it to the record that stays."""
    return {"reports": services.reports_facility_repoint(source=merge, target=keep)}
