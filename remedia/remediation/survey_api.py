"""Staff API of remediation (worker verification surveys), mounted at /api/v1/remediation."""

from ninja import Router

router = Router(tags=["remediation"])
