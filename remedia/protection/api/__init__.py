"""`/api/v1/protection/`: files, screenings, referrals, services, export.

One router per noun in this package, mounted here.
"""

from __future__ import annotations

from ninja import Router

router = Router(tags=["protection"])
