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
from remedia.coordination.models.meetings import (
    AgendaItem,
    Meeting,
    MeetingParticipant,
    Outcome,
)
from remedia.coordination.models.plan import Action, ActionStatus, Objective, WorkPlan
from remedia.coordination.models.training import PlanTraining

__all__ = [
    "Action",
    "ActionStatus",
    "AgendaItem",
    "Frequency",
    "GroupRole",
    "Indicator",
    "IndicatorKind",
    "IndicatorPeriod",
    "IndicatorUnit",
    "Meeting",
    "MeetingParticipant",
    "Objective",
    "Outcome",
    "PlanTraining",
    "ProgressUpdate",
    "UpdateEvidence",
    "UpdateStatus",
    "WorkGroup",
    "WorkGroupMember",
    "WorkPlan",
]
