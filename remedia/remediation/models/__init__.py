"""Courses of remediation, carried out and verified to the end.

A ``Course`` is agreed for one facility with a deadline; its origin is an RRM
case, a Remedia case, a labour inspection or a brand's corrective action plan.
It is owned by one organisation (usually the monitor's) and shared with the
organisations named as its ``CourseParty`` rows: each reads it with the
capabilities its members' roles bring (``access.py``), and the party with the
company role is where facility compliance officers upload ``Evidence``.

Each ``Measure`` (catalogue in ``domain/remediation.md``, ``catalogue.py``) has
a responsible party, a due date, the evidence a monitor asks for and a status
(``MEASURE_TRANSITIONS``); it is verified only with accepted evidence. Every
change to a measure, its evidence or its notes writes a ``MeasureEvent``
(``events.py``), its timeline.

Workers confirm measures through a ``Survey``: a short code posted at the
facility opens it, answers are anonymous (a keyed hash per browser or phone
number refuses a second answer, never the number itself) and results show only
from ``core.figures.SMALL_COUNT`` answers. Training sessions (the
``training`` app) count for a course's training measure through
``CourseTrainingSession``; ``SanctionProceeding`` rows follow proceedings against individuals, labour
organisations or companies.

Nothing here is reporter data: no model refers to a report, and evidence is
never linked to one.

One module per noun: `course` (courses and their parties), `measures`
(measures, their state machine, notes), `evidence`, `timeline` (measure
events), `surveys`, `training` (`CourseTrainingSession`) and `sanctions`.
Django finds the models through the imports below; every name is re-exported,
so `from remedia.remediation.models import Course` keeps working.
"""

from remedia.remediation.models.course import (
    Course,
    CourseOrigin,
    CourseParty,
    CourseStatus,
    PartyRole,
)
from remedia.remediation.models.evidence import Evidence, EvidenceStatus
from remedia.remediation.models.measures import (
    MEASURE_TRANSITIONS,
    Measure,
    MeasureNote,
    MeasureStatus,
    MeasureType,
    ResponsibleParty,
)
from remedia.remediation.models.sanctions import (
    RespondentKind,
    SanctionOutcome,
    SanctionProceeding,
    SanctionStatus,
)
from remedia.remediation.models.surveys import (
    Answer,
    ResponseChannel,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
)
from remedia.remediation.models.timeline import MeasureEvent, MeasureEventKind
from remedia.remediation.models.training import CourseTrainingSession

__all__ = [
    "Answer",
    "Course",
    "CourseOrigin",
    "CourseParty",
    "CourseStatus",
    "CourseTrainingSession",
    "Evidence",
    "EvidenceStatus",
    "MEASURE_TRANSITIONS",
    "Measure",
    "MeasureEvent",
    "MeasureEventKind",
    "MeasureNote",
    "MeasureStatus",
    "MeasureType",
    "PartyRole",
    "RespondentKind",
    "ResponseChannel",
    "ResponsibleParty",
    "SanctionOutcome",
    "SanctionProceeding",
    "SanctionStatus",
    "Survey",
    "SurveyAnswer",
    "SurveyQuestion",
    "SurveyResponse",
    "SurveyStatus",
]
