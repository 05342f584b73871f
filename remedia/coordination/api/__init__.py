"""`/api/v1/coordination/`: groups, plans, actions, indicators, updates.

One router per noun in this package, mounted here.
"""

from __future__ import annotations

from ninja import Router

from remedia.coordination.api.actions import router as actions_router
from remedia.coordination.api.groups import router as groups_router
from remedia.coordination.api.meetings import router as meetings_router
from remedia.coordination.api.plans import router as plans_router
from remedia.coordination.api.progress import router as progress_router
from remedia.coordination.api.training import router as training_router
from remedia.coordination.api.updates import router as updates_router

router = Router(tags=["coordination"])
router.add_router("", groups_router)
router.add_router("", plans_router)
router.add_router("", actions_router)
router.add_router("", updates_router)
router.add_router("", training_router)
router.add_router("", meetings_router)
router.add_router("", progress_router)
