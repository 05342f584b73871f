"""`/api/v1/protection/`: files, screenings, referrals, services, export.

One router per noun in this package, mounted here.
"""

from __future__ import annotations

from ninja import Router

from remedia.protection.api.consent import router as consent_router
from remedia.protection.api.directory import router as directory_router
from remedia.protection.api.export import router as export_router
from remedia.protection.api.files import router as files_router
from remedia.protection.api.referrals import router as referrals_router
from remedia.protection.api.screenings import router as screenings_router
from remedia.protection.api.support import router as support_router

router = Router(tags=["protection"])
router.add_router("", files_router)
router.add_router("", support_router)
router.add_router("", directory_router)
router.add_router("", consent_router)
router.add_router("", referrals_router)
router.add_router("", export_router)
router.add_router("", screenings_router)
