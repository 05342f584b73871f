"""The coordination app's models, one module per noun."""

from remedia.coordination.models.groups import GroupRole, WorkGroup, WorkGroupMember
from remedia.coordination.models.indicators import (
    Frequency,
    Indicator,
    IndicatorKind,
    IndicatorPeriod,
    IndicatorUnit,
    ProgressUpdate,
    UpdateEvidence,
    UpdateStatus,
)
from remedia.coordination.models.plan import Action, ActionStatus, Objective, WorkPlan

__all__ = [
    "Action",
    "ActionStatus",
    "Frequency",
    "GroupRole",
    "Indicator",
    "IndicatorKind",
    "IndicatorPeriod",
    "IndicatorUnit",
    "Objective",
    "ProgressUpdate",
    "UpdateEvidence",
    "UpdateStatus",
    "WorkGroup",
    "WorkGroupMember",
    "WorkPlan",
]
