"""`/api/v1/protection/`: files, screenings, referrals, services, export.

One router per noun in this package, mounted here.
"""

from __future__ import annotations

from ninja import Router

from remedia.protection.api.export import router as export_router

router = Router(tags=["protection"])
router.add_router("", export_router)
