"""Background jobs of the facility registry: an import started from the staff
pages, and the watch over imports whose process stopped.

The uploaded file is kept in the database (`FacilityImportFile`) from the
moment the import is queued until it ends: the job reads it there, so a job
that dies with its worker can be run again by another (`facility_imports_watch`)
or retried by a person from the import's page, and the web process and the
worker need not share a disk. It is deleted once the import is done or refused
for its content.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from remedia.core.jobqueue import PRIORITY_WAITED
from remedia.facilities import importing, selectors, services

logger = logging.getLogger(__name__)


@db_task(priority=PRIORITY_WAITED)
def facility_import_job(
    import_id: str, data: bytes | None = None, language: str = ""
) -> None:
    """Run a queued import; its page follows `FacilityImport` as it goes.

    `data` is accepted from jobs queued before the file was kept in the
    database; the kept file is what is read."""
    facility_import = services.facility_import_claim(import_id=import_id)
    if facility_import is None:
        return  # already taken (a job queued twice, or resumed) or gone
    kept = services.facility_import_data(facility_import=facility_import)
    if kept is None and data is None:
        services.facility_import_fail(
            facility_import=facility_import,
            reason=_(
                "El archivo de esta importación ya no se guarda y no se guardó "
                "nada. Vuelva a subirlo."
            ),
        )
        return
    outcomes: list[importing.RowOutcome] = []
    with translation.override(language or settings.LANGUAGE_CODE):
        try:
            services.facilities_import(
                data=kept if kept is not None else data or b"",
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
                    "Puede reintentarla; si vuelve a fallar, avise a quien "
                    "administra Remedia."
                ),
            )
            return
    cache.set(
        selectors.facility_import_preview_key(facility_import.pk),
        [o.as_dict() for o in outcomes[: selectors.IMPORT_PREVIEW_ROWS]],
        selectors.IMPORT_PREVIEW_SECONDS,
    )


def facility_imports_recover_now() -> services.RecoverReport:
    """Resume or fail the imports whose process stopped, and queue the jobs
    of those resumed (the periodic watch, and `remedia import-facilities`
    before it starts)."""
    report = services.facility_imports_recover()
    for import_id in report.resumed:
        facility_import_job(import_id, None, settings.LANGUAGE_CODE)
    return report


@db_periodic_task(crontab(minute="*"))
def facility_imports_watch() -> None:
    """Every minute: an import whose worker was killed does not stay
    "running" for ever."""
    facility_imports_recover_now()
