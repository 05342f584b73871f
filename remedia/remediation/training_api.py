"""Staff API of remediation (rosters, training and sanctions), mounted at /api/v1/remediation."""

from ninja import Router

router = Router(tags=["remediation"])
