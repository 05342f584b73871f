"""Which files the de-identified export reads, and their coded fields.

An export is a supervisor's act: it reads the files of the organisations
where the user is a protection lead (`PROTECTION_SUPERVISE`), whoever is
assigned to them, and of those only the files with an active consent for
de-identified reporting. A withdrawn consent takes the file out of the next
export at once: nothing is cached. There is no override: a person who did not
consent to statistics is not in them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for
from remedia.protection.deidentify import FileFacts
from remedia.protection.models import Consent, VictimFile
from remedia.protection.vocabulary import ConsentScope


@dataclass(frozen=True)
class ExportFilters:
    """Filters on published columns only (see `deidentify`): the year of
    registration, inclusive at both ends, and the trafficking status."""

    year_from: int | None = None
    year_to: int | None = None
    trafficking_status: str = ""

    def as_data(self) -> dict[str, Any]:
        """For the audit log: the filters that were set."""
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


def export_organisations(*, user: Any) -> set[Any]:
    """Ids of the organisations whose files `user` may export."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return organisations_for(user=user, capability=Capability.PROTECTION_SUPERVISE)


def reporting_consented() -> Exists:
    """The file has a consent for de-identified reporting not withdrawn."""
    return Exists(
        Consent.objects.filter(
            file=OuterRef("pk"),
            scope=ConsentScope.REPORTING,
            withdrawn_at__isnull=True,
        )
    )


def export_files(*, user: Any, filters: ExportFilters) -> QuerySet[VictimFile]:
    """The files `user` may export with reporting consent, filtered."""
    files = VictimFile.objects.filter(
        organisation_id__in=export_organisations(user=user)
    ).filter(reporting_consented())
    if filters.year_from is not None:
        files = files.filter(identified_on__year__gte=filters.year_from)
    if filters.year_to is not None:
        files = files.filter(identified_on__year__lte=filters.year_to)
    if filters.trafficking_status:
        files = files.filter(trafficking_status=filters.trafficking_status)
    return files


FACT_FIELDS = (
    "organisation_id",
    "identified_on",
    "age_at_identification",
    "gender",
    "citizenship",
    "exploitation_state",
    "trafficking_status",
    "exploitation_types",
    "control_methods",
    "industry",
    "recruitment",
)


def export_facts(*, files: QuerySet[VictimFile]) -> list[tuple[Any, FileFacts]]:
    """(organisation id, facts) of each file: the coded fields, in one query."""
    return [
        (
            values["organisation_id"],
            FileFacts(
                year=values["identified_on"].year,
                age=values["age_at_identification"],
                gender=values["gender"],
                citizenship=values["citizenship"],
                exploitation_state=values["exploitation_state"],
                trafficking_status=values["trafficking_status"],
                exploitation_types=list(values["exploitation_types"] or []),
                control_methods=list(values["control_methods"] or []),
                industry=values["industry"],
                recruitment=values["recruitment"],
            ),
        )
        for values in files.order_by().values(*FACT_FIELDS)
    ]
