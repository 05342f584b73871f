"""Background jobs of the facility registry: an import started from the staff pages.

The uploaded file travels in the job's payload, not on disk: it is kept exactly
as long as the job needs it (the queue drops a job's payload once the job is
taken), nothing needs cleaning up afterwards, and the web process and the
worker need not share a disk.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from remedia.facilities import importing, selectors, services
from remedia.facilities.models import FacilityImport, ImportStatus

logger = logging.getLogger(__name__)


@db_task()
def facility_import_job(import_id: str, data: bytes, language: str) -> None:
    """Run a queued import; its page follows `FacilityImport` as it goes."""
    facility_import = (
        FacilityImport.objects.select_related("created_by")
        .filter(pk=import_id, status=ImportStatus.PENDING)
        .first()
    )
    if facility_import is None:
        return  # already run (a job retried) or gone
    outcomes: list[importing.RowOutcome] = []
    with translation.override(language):
        try:
            services.facilities_import(
                data=data,
                file_name=facility_import.file_name,
                dry_run=facility_import.dry_run,
                created_by=facility_import.created_by,
                facility_import=facility_import,
                outcomes=outcomes,
            )
        except Exception:
            # Whatever went wrong, the person waiting on the progress page must
            # see the import end; the transaction has already kept nothing.
            logger.exception("facility.import.job_failed", extra={"import": import_id})
            services.facility_import_fail(
                facility_import=facility_import,
                reason=_(
                    "La importación falló por un error interno y no se guardó nada. "
                    "Inténtelo de nuevo o avise a quien administra Remedia."
                ),
            )
            return
    cache.set(
        selectors.facility_import_preview_key(facility_import.pk),
        [o.as_dict() for o in outcomes[: selectors.IMPORT_PREVIEW_ROWS]],
        selectors.IMPORT_PREVIEW_SECONDS,
    )
