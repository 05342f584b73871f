"""Staff API of remediation (courses, measures, evidence), mounted at /api/v1/remediation."""

from ninja import Router

router = Router(tags=["remediation"])
