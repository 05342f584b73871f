"""`/api/v1/protection/`: files, screenings, referrals, services, export.

One router per noun in this package, mounted here.
"""

from __future__ import annotations

from ninja import Router

from remedia.protection.api.files import router as files_router
from remedia.protection.api.support import router as support_router

router = Router(tags=["protection"])
router.add_router("", files_router)
router.add_router("", support_router)
