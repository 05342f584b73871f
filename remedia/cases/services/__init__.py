"""Writes of case management: opening cases from reports, working them, closing them.

Every service locks the case row, changes only the fields it owns and bumps
`version`, so two handlers editing one case at once never lose each other's
change. Every change writes a timeline event (`events.py`) and an audit entry;
emails and other side effects leave only after the commit.

One module per subject, in the manner of Zulip's `zerver/actions/`:
`clocks` (SLA clocks, the lock and save every write goes through), `grants`
(the case key), `permissions`, `opening` (opening and merging), `editing`,
`status`, `notes`, `work` (tasks), `documents`, `reading` (decrypting),
`reporters` (talking to the reporters), `escalation` (to the RRM),
`checkins` (retaliation check-ins), `facility_merge` and `retention`. This
module re-exports their public names, so `cases.case_open(...)` keeps working.
"""

from remedia.cases.services.checkins import (
    CHECKIN_QUESTION,
    checkin_answer,
    checkin_pending,
    checkins_send_due,
)
from remedia.cases.services.clocks import next_due_of
from remedia.cases.services.documents import (
    case_document_add,
    case_document_open,
    document_dir,
)
from remedia.cases.services.editing import UNSET, case_update
from remedia.cases.services.escalation import SUMMARY_MAX, case_escalate
from remedia.cases.services.facility_merge import cases_facility_repoint
from remedia.cases.services.grants import case_key
from remedia.cases.services.notes import NOTE_MAX, case_note_add
from remedia.cases.services.opening import case_open, case_reports_add
from remedia.cases.services.permissions import case_workers
from remedia.cases.services.reading import (
    OpenCase,
    OpenDocument,
    OpenNote,
    case_open_for,
)
from remedia.cases.services.reporters import case_message_reporters, case_report_message
from remedia.cases.services.retention import cases_destroy, cases_destroy_expired
from remedia.cases.services.status import CHECKIN_DAYS, case_status_change
from remedia.cases.services.work import TASK_TITLE_MAX, case_task_add, case_task_done

__all__ = [
    "CHECKIN_DAYS",
    "CHECKIN_QUESTION",
    "NOTE_MAX",
    "OpenCase",
    "OpenDocument",
    "OpenNote",
    "SUMMARY_MAX",
    "TASK_TITLE_MAX",
    "UNSET",
    "case_document_add",
    "case_document_open",
    "case_escalate",
    "case_key",
    "case_message_reporters",
    "case_note_add",
    "case_open",
    "case_open_for",
    "case_report_message",
    "case_reports_add",
    "case_status_change",
    "case_task_add",
    "case_task_done",
    "case_update",
    "case_workers",
    "cases_destroy",
    "cases_destroy_expired",
    "cases_facility_repoint",
    "checkin_answer",
    "checkin_pending",
    "checkins_send_due",
    "document_dir",
    "next_due_of",
]
