"""Writes to courses of remediation: courses, parties, measures, notes, evidence.

Every function checks who may do it (``access.py``), runs in one transaction,
locks the rows two people could change at once, and leaves an audit entry;
bad input raises ``InvalidInput`` naming the field, with nothing stored. A
closed course takes no more changes (``CourseClosed``). Every change to a
measure, its evidence or its notes also writes one line of the measure's
timeline (``events.py``).

Evidence is stored like a petition's documents: cleaned of metadata by
``core.files.clean`` (which also refuses unknown types and large
files), written under ``DATA_DIR/remediation-evidence`` and never linked to a
report. Every opening of an evidence file is audited.

One module per subject: `courses` (courses and their parties), `measures`
(measures, their states, notes), `evidence`; what they share (limits, locks,
errors, the audit entry) is in `_common`. This module re-exports the public
names, so `services.course_create(...)` keeps working.
"""

from remedia.remediation.services._common import TEXT_MAX, TITLE_MAX, CourseClosed
from remedia.remediation.services.courses import (
    COURSE_FIELDS,
    NAME_MAX,
    REFERENCE_MAX,
    PartySpec,
    course_close,
    course_create,
    course_update,
    party_add,
    party_remove,
)
from remedia.remediation.services.evidence import (
    DECISIONS,
    EVIDENCE_DESCRIPTION_MAX,
    EVIDENCE_DIR,
    evidence_dir,
    evidence_open,
    evidence_review,
    evidence_submit,
)
from remedia.remediation.services.measures import (
    FINISHED,
    MEASURE_FIELDS,
    NOTE_MAX,
    OFFICER_MOVES,
    MeasureSpec,
    measure_create,
    measure_moves,
    measure_note_add,
    measure_status_change,
    measure_update,
)

__all__ = [
    "COURSE_FIELDS",
    "CourseClosed",
    "DECISIONS",
    "EVIDENCE_DESCRIPTION_MAX",
    "EVIDENCE_DIR",
    "FINISHED",
    "MEASURE_FIELDS",
    "MeasureSpec",
    "NAME_MAX",
    "NOTE_MAX",
    "OFFICER_MOVES",
    "PartySpec",
    "REFERENCE_MAX",
    "TEXT_MAX",
    "TITLE_MAX",
    "course_close",
    "course_create",
    "course_update",
    "evidence_dir",
    "evidence_open",
    "evidence_review",
    "evidence_submit",
    "measure_create",
    "measure_moves",
    "measure_note_add",
    "measure_status_change",
    "measure_update",
    "party_add",
    "party_remove",
]
