"""Cases: reports merged into one piece of work, with clocks, tasks and a timeline.

A case belongs to one organisation and is read by that organisation's case
handlers. What staff write about a case (notes, documents) is sealed to the
case's own public key, like a report's content; what triage and statistics
need (status, severity, categories, facility, dates, due times) stays in plain
columns. Task titles are plain text (listed across cases, never emailed): they
name work to do, never a person (the form says so).

One module per noun: `case` (the case, its statuses and transitions),
`sla_policy`, `reports` (the reports a case merges, its categories),
`sealed` (key grants, notes, documents), `work` (tasks), `timeline` (events),
`escalations` and `checkins`. Django finds the models through the imports
below; every name is re-exported, so `from remedia.cases.models import Case`
keeps working.
"""

from remedia.cases.models.case import (
    ACTIVE_STATUSES,
    TRANSITIONS,
    Case,
    CaseNumber,
    CaseStatus,
    ClosureReason,
    Severity,
)
from remedia.cases.models.checkins import CheckinAnswer, RetaliationCheckin
from remedia.cases.models.escalations import Escalation, EscalationStatus
from remedia.cases.models.reports import CaseCategory, CaseReport
from remedia.cases.models.sealed import CaseDocument, CaseKeyGrant, CaseNote
from remedia.cases.models.sla_policy import SlaPolicy
from remedia.cases.models.timeline import CaseEvent, EventKind
from remedia.cases.models.work import CaseTask

__all__ = [
    "ACTIVE_STATUSES",
    "Case",
    "CaseCategory",
    "CaseDocument",
    "CaseEvent",
    "CaseKeyGrant",
    "CaseNote",
    "CaseNumber",
    "CaseReport",
    "CaseStatus",
    "CaseTask",
    "CheckinAnswer",
    "ClosureReason",
    "Escalation",
    "EscalationStatus",
    "EventKind",
    "RetaliationCheckin",
    "Severity",
    "SlaPolicy",
    "TRANSITIONS",
]
