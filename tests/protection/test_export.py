"""The de-identified export end to end: consent, filters, k, access, the files."""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections import Counter
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from remedia.core.errors import InvalidInput, PermissionDenied
from remedia.core.models import AuditEntry
from remedia.protection.deidentify import COLUMNS
from remedia.protection.models import VictimFile
from remedia.protection.services.export import export_make, export_preview
from remedia.protection.vocabulary import (
    ControlMethod,
    ExploitationType,
    Gender,
    TraffickingStatus,
)
from tests.support.protection import (
    IDENTITY,
    ProtectionWorld,
    consent_give,
    reporting_file_open,
)
from tests.support.sheets import csv_rows, xlsx_rows

pytestmark = pytest.mark.django_db

API = "/api/v1/protection/export"
PAGE = "/staff/proteccion/exportar/"
DOWNLOAD = "/staff/proteccion/exportar/descargar/"

# The 15-year-old of the demo: one kind of file, opened several times.
GIRL: dict[str, Any] = {
    "age_at_identification": 15,
    "gender": Gender.FEMININE,
    "citizenship": "MX",
    "exploitation_state": "MX-PUE",
    "trafficking_status": TraffickingStatus.POSSIBLE,
    "exploitation_types": [ExploitationType.CHILD_LABOUR],
    "control_methods": [ControlMethod.EXCESSIVE_WORKING_HOURS],
}


def _open(
    world: ProtectionWorld, n: int, *, on: date = date(2025, 3, 1), **fields: Any
) -> list[Any]:
    return [
        reporting_file_open(world, identified_on=on, **{**GIRL, **fields})
        for _ in range(n)
    ]


def _export(world: ProtectionWorld, **raw: Any) -> Any:
    return export_make(user=world.lead.user, **{"k": 2, **raw})


# --- Which files go in ------------------------------------------------------------------


def test_only_files_with_an_active_reporting_consent_are_exported(
    protection_world: ProtectionWorld,
) -> None:
    # Given three alike files with reporting consent, one with consent for
    # services only, one with none, and one whose reporting consent was withdrawn
    _open(protection_world, 3)
    services_only = _open(protection_world, 1)[0]
    services_only.consents.all().delete()
    consent_give(services_only, "services")
    _open(protection_world, 1)[0].consents.all().delete()
    withdrawn = _open(protection_world, 1)[0]
    withdrawn.consents.update(withdrawn_at=timezone.now())

    # When the lead exports with k = 2
    export = _export(protection_world)

    # Then only the three consenting files are read, and their rows go out
    assert export.summary.files == 3
    assert len(csv_rows(export.content)) == 1 + 3


def test_a_withdrawn_reporting_consent_takes_the_file_out_at_once(
    protection_world: ProtectionWorld,
) -> None:
    # Given three alike files exported with k = 3
    files = _open(protection_world, 3)
    assert _export(protection_world, k=3).summary.rows == 3

    # When one person withdraws their consent for reporting
    files[0].consents.update(withdrawn_at=timezone.now())

    # Then the next export reads two files, and k = 3 holds both back
    export = _export(protection_world, k=3)
    assert export.summary.files == 2
    assert export.summary.rows == 0
    assert csv_rows(export.content) == [list(COLUMNS)]


def test_a_consent_given_again_after_a_withdrawal_counts(
    protection_world: ProtectionWorld,
) -> None:
    (file,) = _open(protection_world, 1)
    file.consents.update(withdrawn_at=timezone.now())
    consent_give(file)

    assert _export(protection_world).summary.files == 1


# --- Filters ------------------------------------------------------------------------------


def test_the_year_range_really_applies(protection_world: ProtectionWorld) -> None:
    # Given files identified in 2023, 2024 and 2025
    for year in (2023, 2024, 2025):
        _open(protection_world, 2, on=date(year, 6, 30))

    # When exported from 2024 to 2024, from 2024 on, and up to 2023
    only_2024 = csv_rows(
        _export(protection_world, year_from=2024, year_to=2024).content
    )
    from_2024 = csv_rows(_export(protection_world, year_from=2024).content)
    to_2023 = csv_rows(_export(protection_world, year_to=2023).content)

    # Then each holds the rows of those years only (Primero's exports ignored
    # their date filters)
    year = COLUMNS.index("yearOfRegistration")
    assert [r[year] for r in only_2024[1:]] == ["2024", "2024"]
    assert sorted({r[year] for r in from_2024[1:]}) == ["2024", "2025"]
    assert [r[year] for r in to_2023[1:]] == ["2023", "2023"]


def test_the_trafficking_status_filter_really_applies(
    protection_world: ProtectionWorld,
) -> None:
    _open(protection_world, 2)
    _open(
        protection_world,
        3,
        trafficking_status=TraffickingStatus.ACTUAL,
        trafficking_decided_by="court_or_prosecution",
    )

    rows = csv_rows(_export(protection_world, trafficking_status="actual").content)[1:]

    status = COLUMNS.index("traffickingStatus")
    assert [r[status] for r in rows] == ["ActualVictimOfTrafficking"] * 3


# --- k ----------------------------------------------------------------------------------


def test_k_holds_back_combinations_shared_by_fewer_than_k_files(
    protection_world: ProtectionWorld,
) -> None:
    # Given 11 alike files and 4 of a 30-year-old Guatemalan man
    _open(protection_world, 11)
    _open(
        protection_world,
        4,
        age_at_identification=30,
        gender=Gender.MASCULINE,
        citizenship="GT",
    )

    # When exported with the default k (11) and with k = 4
    default = export_make(user=protection_world.lead.user, k=11)
    four = _export(protection_world, k=4)

    # Then k = 11 publishes the 11 and holds back the 4; k = 4 publishes all
    assert (default.summary.rows, default.summary.suppressed) == (11, 4)
    assert (four.summary.rows, four.summary.suppressed) == (15, 0)
    assert (
        Counter(tuple(r) for r in csv_rows(default.content)[1:]).most_common()[0][1]
        == 11
    )


@pytest.mark.parametrize("k", [1, 0, -3])
def test_k_below_2_is_refused_and_nothing_is_audited(
    protection_world: ProtectionWorld, k: int
) -> None:
    _open(protection_world, 2)

    with pytest.raises(InvalidInput) as refused:
        _export(protection_world, k=k)

    assert refused.value.errors[0]["field"] == "k"
    assert not AuditEntry.objects.filter(
        action__startswith="protection.export"
    ).exists()


def test_every_bad_parameter_is_named_at_once(
    protection_world: ProtectionWorld,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _export(
            protection_world,
            k="x",
            year_from=2025,
            year_to=2024,
            trafficking_status="maybe",
            file_format="pdf",
        )

    fields = [e["field"] for e in refused.value.errors]
    assert fields == ["k", "year_to", "trafficking_status", "format"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_files_never_export_a_combination_below_k(
    protection_world: ProtectionWorld, seed: int
) -> None:
    # Given 45 files drawn at random from a small world of near duplicates
    rng = random.Random(seed)
    for _ in range(45):
        reporting_file_open(
            protection_world,
            identified_on=date(rng.choice([2024, 2025]), 5, 1),
            age_at_identification=rng.choice([15, 16, 17, 25]),
            gender=rng.choice([Gender.FEMININE, Gender.MASCULINE]),
            citizenship=rng.choice(["MX", "MX", "GT"]),
            trafficking_status=TraffickingStatus.POSSIBLE,
            control_methods=rng.sample(
                [ControlMethod.DEBT_BONDAGE, ControlMethod.WITHHOLDS_DOCUMENTS],
                rng.randint(0, 1),
            ),
        )

    # When exported at several k, as CSV and as XLSX
    for k in (2, 3, 5, 11):
        for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
            export = _export(protection_world, k=k, file_format=fmt)
            header, *rows = read(export.content)

            # Then no combination of the published columns has fewer than k rows
            assert header == list(COLUMNS)
            counts = Counter(tuple(r) for r in rows)
            assert all(n >= k for n in counts.values()), (k, fmt)
            assert len(rows) + export.summary.suppressed == 45


# --- What the file holds -------------------------------------------------------------------


def test_csv_and_xlsx_hold_the_same_rows_under_the_htcds_header(
    protection_world: ProtectionWorld,
) -> None:
    _open(protection_world, 2)
    _open(protection_world, 2, on=date(2024, 1, 9))

    as_csv = csv_rows(_export(protection_world, file_format="csv").content)
    as_xlsx = xlsx_rows(_export(protection_world, file_format="xlsx").content)

    assert as_csv == as_xlsx
    assert as_csv[0] == list(COLUMNS)
    assert len(as_csv) == 5


def _text_of(export: Any) -> str:
    """The file's text: for a workbook, what its sheets and strings hold (its
    properties carry the time it was written, not data of the files)."""
    if export.filename.endswith(".xlsx"):
        with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
            return "".join(
                archive.read(name).decode("utf-8", "replace")
                for name in archive.namelist()
                if name.startswith("xl/")
            )
    return str(export.content.decode("utf-8-sig"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_no_identity_no_free_text_no_date_finer_than_the_year(
    protection_world: ProtectionWorld, fmt: str
) -> None:
    # Given files of a named person with her story
    files = _open(protection_world, 3, on=date(2025, 3, 14))

    # When exported
    text = _text_of(_export(protection_world, file_format=fmt))

    # Then neither her identity, nor the file numbers, nor the organisation, nor
    # a full date is in the file
    searched = [
        *IDENTITY.values(),
        *(part for v in IDENTITY.values() for part in v.split() if len(part) > 4),
        *(f.number for f in files),
        *(str(f.pk) for f in files),
        protection_world.team.name,
        protection_world.team.short_name,
        protection_world.worker.user.username,
    ]
    for value in searched:
        assert value not in text, value
    assert not re.search(r"\d{4}-\d{2}", text)
    assert "14/03" not in text


def test_a_citizenship_typed_as_a_formula_never_reaches_the_file(
    protection_world: ProtectionWorld,
) -> None:
    # The file's own form refuses such a code; a row written before that check
    # (or by hand in the database) must still leave no formula in the export.
    files = _open(protection_world, 2)
    VictimFile.objects.filter(pk__in=[f.pk for f in files]).update(citizenship="=1")

    rows = csv_rows(_export(protection_world).content)[1:]

    cells = {cell for row in rows for cell in row}
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    assert {r[COLUMNS.index("citizenship")] for r in rows} == {"unknown"}


# --- The audit ----------------------------------------------------------------------------


def test_an_export_is_audited_with_its_counts_never_its_rows(
    protection_world: ProtectionWorld,
) -> None:
    _open(protection_world, 3)
    _open(protection_world, 1, age_at_identification=40)

    _export(protection_world, k=3, year_from=2025, file_format="xlsx")

    (entry,) = AuditEntry.objects.filter(action="protection.exported")
    assert entry.organisation_id == str(protection_world.team.pk)
    assert entry.actor_id == str(protection_world.lead.user.pk)
    assert entry.data == {
        "format": "xlsx",
        "k": 3,
        "filters": {"year_from": 2025},
        "files": 4,
        "organisation_files": 4,
        "rows": 3,
        "suppressed": 1,
    }


def test_a_preview_gives_the_counts_and_is_audited_too(
    protection_world: ProtectionWorld,
) -> None:
    _open(protection_world, 3)

    summary = export_preview(user=protection_world.lead.user, k=11)

    assert (summary.files, summary.rows, summary.suppressed) == (3, 0, 3)
    assert AuditEntry.objects.filter(action="protection.export_previewed").count() == 1
    assert not AuditEntry.objects.filter(action="protection.exported").exists()


def test_the_export_reads_in_a_fixed_number_of_queries(
    protection_world: ProtectionWorld, django_assert_max_num_queries: Any
) -> None:
    _open(protection_world, 12)

    with django_assert_max_num_queries(12):
        _export(protection_world)


# --- Who may export --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["worker", "worker2", "handler", "dif_worker"])
def test_only_a_protection_lead_may_export(
    protection_world: ProtectionWorld, who: str
) -> None:
    _open(protection_world, 2)
    member = getattr(protection_world, who)

    with pytest.raises(PermissionDenied):
        export_make(user=member.user, k=2)


def test_a_lead_of_another_organisation_exports_none_of_the_teams_files(
    protection_world: ProtectionWorld,
) -> None:
    _open(protection_world, 3)

    export = export_make(user=protection_world.outsider.user, k=2)

    assert export.summary.files == 0
    assert csv_rows(export.content) == [list(COLUMNS)]


# --- Over HTTP: the API -----------------------------------------------------------------------


def test_the_api_gives_the_csv_with_its_counts(
    protection_world: ProtectionWorld, client: Client
) -> None:
    _open(protection_world, 11)
    _open(protection_world, 1, age_at_identification=40)

    response = client.get(API, headers=protection_world.lead.headers)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    assert (response["X-Export-K"], response["X-Export-Rows"]) == ("11", "11")
    assert response["X-Export-Suppressed"] == "1"
    assert len(csv_rows(response.content)) == 12


def test_the_api_gives_the_xlsx(
    protection_world: ProtectionWorld, client: Client
) -> None:
    _open(protection_world, 2)

    response = client.get(
        API, {"format": "xlsx", "k": 2}, headers=protection_world.lead.headers
    )

    assert response.status_code == 200
    assert xlsx_rows(response.content)[0] == list(COLUMNS)
    assert len(xlsx_rows(response.content)) == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"k": 1}, "k"),
        ({"k": "once"}, "k"),
        ({"format": "pdf"}, "format"),
        ({"year_from": 1200}, "year_from"),
        ({"year_from": 2025, "year_to": 2024}, "year_to"),
        ({"trafficking_status": "maybe"}, "trafficking_status"),
    ],
)
def test_the_api_answers_422_with_the_field_for_bad_parameters(
    protection_world: ProtectionWorld,
    client: Client,
    query: dict[str, Any],
    field: str,
) -> None:
    response = client.get(API, query, headers=protection_world.lead.headers)

    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not AuditEntry.objects.filter(
        action__startswith="protection.export"
    ).exists()


@pytest.mark.parametrize("who", ["worker", "handler", "dif_worker"])
def test_the_api_refuses_anyone_but_a_lead(
    protection_world: ProtectionWorld, client: Client, who: str
) -> None:
    response = client.get(API, headers=getattr(protection_world, who).headers)

    assert response.status_code == 403


def test_the_api_needs_credentials(
    protection_world: ProtectionWorld, client: Client
) -> None:
    assert client.get(API).status_code == 401


# --- Over HTTP: the page -------------------------------------------------------------------


def test_the_page_offers_the_default_k_and_shows_the_counts(
    protection_world: ProtectionWorld, client: Client, enter: Any, settings: Any
) -> None:
    # Given 11 alike files, 1 unlike, and a site whose default k is 7
    settings.REMEDIA_EXPORT_K = 7
    _open(protection_world, 11)
    _open(protection_world, 1, age_at_identification=40)
    enter(protection_world.lead)

    # When the lead opens the page, then asks for the counts
    blank = client.get(PAGE)
    shown = client.get(PAGE, {"k": 11, "format": "xlsx"})

    # Then the form offers the site's k; with k = 11 the counts say 12 files,
    # 11 out, 1 held back
    assert blank.status_code == 200
    assert 'name="k" value="7"' in blank.content.decode()
    page = shown.content.decode()
    assert shown.status_code == 200
    assert 'id="export-files">12<' in page
    assert 'id="export-rows">11<' in page
    assert 'id="export-suppressed">1<' in page
    assert DOWNLOAD in page


def test_the_page_downloads_the_file(
    protection_world: ProtectionWorld, client: Client, enter: Any
) -> None:
    _open(protection_world, 2)
    enter(protection_world.lead)

    response = client.get(DOWNLOAD, {"k": 2, "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert len(csv_rows(response.content)) == 3
    assert AuditEntry.objects.filter(action="protection.exported").count() == 1


@pytest.mark.parametrize("url", [PAGE, DOWNLOAD])
def test_the_page_refuses_k_below_2_beside_the_field(
    protection_world: ProtectionWorld, client: Client, enter: Any, url: str
) -> None:
    _open(protection_world, 2)
    enter(protection_world.lead)

    response = client.get(url, {"k": 1, "format": "csv"})

    assert response.status_code == 422
    assert "k debe ser al menos 2" in response.content.decode()
    assert not AuditEntry.objects.filter(
        action__startswith="protection.export"
    ).exists()


@pytest.mark.parametrize("who", ["worker", "handler", "dif_worker"])
@pytest.mark.parametrize("url", [PAGE, DOWNLOAD])
def test_the_page_is_not_there_for_anyone_but_a_lead(
    protection_world: ProtectionWorld, client: Client, enter: Any, who: str, url: str
) -> None:
    enter(getattr(protection_world, who))

    assert client.get(url, {"k": 11}).status_code == 404
