"""Short names the coverage tests share (the arithmetic's and the selectors')."""

from __future__ import annotations

from remedia.training.coverage import Coverage, RoleCoverage
from remedia.training.models import PersonnelRole, TrainingTopic

W = PersonnelRole.WORKER
S = PersonnelRole.SUPERVISOR
U = PersonnelRole.UNION_REPRESENTATIVE
RIGHTS = TrainingTopic.WORKER_RIGHTS
GUIDE = TrainingTopic.NEUTRALITY_GUIDELINES


def role_of(coverage: Coverage, role: str) -> RoleCoverage:
    """One role's line of a coverage."""
    return next(r for r in coverage.roles if r.role == role)
