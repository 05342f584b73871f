"""Writes to the facility registry, and the matcher that decides where a record goes.

One module per subject (add new functions to the right module, or a new one);
this module re-exports their public names, so `services.facility_create(...)`
keeps working:

- `matcher`: the search index and matching: `facility_index`, `facility_index_many`,
  `match_record`, `match_records`, `match_decision_remember`,
  `facility_suggestions`.
- `registry`: registry records: `facility_create`, `facility_update`,
  `facility_alias_add`, `facility_status_change`, `facility_merge`; for other
  systems (the API), `facility_create_checked` and `facility_update_checked`,
  which ask the matcher first (`NearMatch`) and check a `facility_version`.
- `imports`: import of facility lists and the review queue: `facilities_import`,
  `facility_import_queue`, `facility_import_fail`, `candidate_confirm`,
  `candidate_reject`; imports whose process stopped: `facility_imports_recover`,
  `facility_import_claim`, `facility_import_retry`.
"""

from remedia.facilities.services.imports import (
    IMPORT_ERRORS_KEPT,
    MAX_ATTEMPTS,
    RecoverReport,
    candidate_confirm,
    candidate_reject,
    facilities_import,
    facility_import_claim,
    facility_import_data,
    facility_import_fail,
    facility_import_queue,
    facility_import_retry,
    facility_import_retryable,
    facility_imports_recover,
    stale_after,
)
from remedia.facilities.services.matcher import (
    STATE_INDEX_MIN_ROWS,
    MatchKind,
    MatchRecord,
    MatchResult,
    facility_index,
    facility_index_many,
    facility_suggestions,
    index_words,
    match_decision_remember,
    match_record,
    match_records,
)
from remedia.facilities.services.registry import (
    FacilityChanged,
    MergeResult,
    NearMatch,
    facility_alias_add,
    facility_create,
    facility_create_checked,
    facility_merge,
    facility_source_for_user,
    facility_status_change,
    facility_update,
    facility_update_checked,
    facility_version,
)

__all__ = [
    "IMPORT_ERRORS_KEPT",
    "MAX_ATTEMPTS",
    "RecoverReport",
    "MatchKind",
    "MatchRecord",
    "MatchResult",
    "FacilityChanged",
    "MergeResult",
    "NearMatch",
    "STATE_INDEX_MIN_ROWS",
    "candidate_confirm",
    "candidate_reject",
    "facilities_import",
    "facility_alias_add",
    "facility_create",
    "facility_create_checked",
    "facility_import_claim",
    "facility_import_data",
    "facility_import_fail",
    "facility_import_queue",
    "facility_import_retry",
    "facility_import_retryable",
    "facility_imports_recover",
    "facility_index",
    "facility_index_many",
    "facility_merge",
    "facility_source_for_user",
    "facility_status_change",
    "facility_suggestions",
    "facility_update",
    "facility_update_checked",
    "facility_version",
    "index_words",
    "match_decision_remember",
    "match_record",
    "match_records",
    "stale_after",
]
