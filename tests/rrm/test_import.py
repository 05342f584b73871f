"""The public RRM record in the database: importing a file of it, all or nothing.

Given / when / then. Files are built from the shipped record so that a test
changes one thing and the rest stays true.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from remedia.core.models import AuditEntry
from remedia.facilities.models import Facility
from remedia.rrm import services
from remedia.rrm.models import RrmCase, RrmCaseOrigin
from tests.rrm.public_record import RECORD

pytestmark = pytest.mark.django_db

SHIPPED = RECORD.read_bytes()


@pytest.fixture(autouse=True)
def _clear_cache(db: None) -> None:
    # tests/rrm/conftest.py keeps the pure engine's tests off the database;
    # these need it, as the project-wide fixture does.
    cache.clear()


def _snapshot() -> list[tuple[object, ...]]:
    return list(
        RrmCase.objects.order_by("slug").values_list(
            "slug", "facility_name", "ilc_request_on", "remediation_deadline",
            "sources", "updated_at",
        )
    )  # fmt: skip


def _record(text_edit: tuple[str, str] | None = None) -> bytes:
    text = SHIPPED.decode()
    if text_edit:
        old, new = text_edit
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text.encode()


def _rejected(data: bytes) -> list[tuple[int, str]]:
    with pytest.raises(services.RecordRejected) as caught:
        services.rrm_record_import(data=data)
    return [(e.row, e.field) for e in caught.value.errors]


# --- A good file ---------------------------------------------------------------


def test_importing_the_shipped_record_creates_its_24_cases():
    # When the shipped file is imported
    result = services.rrm_record_import(data=SHIPPED)

    # Then every case is created, from the public record, public
    assert len(result.created) == 24
    assert RrmCase.objects.count() == 24
    assert set(RrmCase.objects.values_list("origin", flat=True)) == {
        RrmCaseOrigin.PUBLIC_RECORD
    }
    assert RrmCase.objects.filter(is_public=False).count() == 0
    inisa = RrmCase.objects.get(slug="inisa")
    assert inisa.company.startswith("Industrias del Interior")
    assert inisa.state == "Aguascalientes"
    assert inisa.state_code == "MX-AGU"
    assert inisa.petition_received_on == dt.date(2023, 5, 12)
    assert inisa.ilc_request_on == dt.date(2023, 6, 12)
    assert inisa.mexico_determination_on == dt.date(2023, 7, 27)
    assert inisa.remediation_announced_on == dt.date(2023, 8, 9)
    assert inisa.remediation_deadline == dt.date(2023, 11, 10)
    assert inisa.mexico_accepted_on is None
    assert len(inisa.sources) > 1
    assert all(s == s.strip() and s for s in inisa.sources)
    # A state the record leaves blank resolves to no code
    assert RrmCase.objects.get(slug="servicios-industriales-gonzalez").state_code == ""
    # And the import is audited with its counts only
    entry = AuditEntry.objects.filter(action="rrm.imported").get()
    assert entry.data == {"created": 24, "updated": 0, "unchanged": 0}


def test_reimporting_the_same_file_changes_nothing():
    # Given the record imported once
    services.rrm_record_import(data=SHIPPED)
    before = _snapshot()

    # When it is imported again
    result = services.rrm_record_import(data=SHIPPED)

    # Then every case is unchanged, and the database says so too
    assert (result.created, result.updated) == ([], {})
    assert len(result.unchanged) == 24
    assert _snapshot() == before


def test_a_newer_file_reports_exactly_the_date_that_changed():
    # Given the record imported once
    services.rrm_record_import(data=SHIPPED)

    # When a newer file moves INISA's course deadline by a week
    newer = _record((",2023-11-10,", ",2023-11-17,"))
    result = services.rrm_record_import(data=newer)

    # Then exactly that change is reported and stored
    assert result.created == []
    assert list(result.updated) == ["inisa"]
    assert [str(c) for c in result.updated["inisa"]] == [
        "remediation_deadline: 2023-11-10 → 2023-11-17"
    ]
    assert len(result.unchanged) == 23
    assert RrmCase.objects.get(slug="inisa").remediation_deadline == dt.date(
        2023, 11, 17
    )


def test_a_dry_run_reports_the_changes_and_stores_nothing():
    services.rrm_record_import(data=SHIPPED)
    before = _snapshot()

    result = services.rrm_record_import(
        data=_record((",2023-11-10,", ",2023-11-17,")), dry_run=True
    )

    assert list(result.updated) == ["inisa"]
    assert _snapshot() == before


def test_the_import_keeps_the_facility_link_and_cases_not_in_the_file():
    # Given the record, with INISA linked to a registry facility
    services.rrm_record_import(data=SHIPPED)
    facility = Facility.objects.create(name="INISA", state="MX-AGU")
    inisa = RrmCase.objects.get(slug="inisa")
    services.rrm_case_facility_link(case=inisa, facility=facility)

    # When a file with only the INISA row, one date changed, is imported
    lines = SHIPPED.decode().splitlines(keepends=True)
    only_inisa = "".join([lines[0], *[ln for ln in lines if ln.startswith("inisa,")]])
    services.rrm_record_import(
        data=only_inisa.replace(",2023-11-10,", ",2023-11-17,").encode()
    )

    # Then the link stays, and so do the 23 cases the file left out
    inisa.refresh_from_db()
    assert inisa.facility == facility
    assert RrmCase.objects.count() == 24


# --- Bad files: every error with its row and column, nothing stored -------------


def test_a_bad_date_names_its_row_and_column_and_stores_nothing():
    # Given the record imported
    services.rrm_record_import(data=SHIPPED)
    before = _snapshot()

    # When a newer file has a date that is no date, and a changed one elsewhere
    bad = _record(
        (",2023-11-10,", ",2023-11-31,")  # INISA, row 11
    ).replace(b"2021-08-20", b"2021-08-21")  # GM Silao, row 2: a good change

    # Then the bad row is reported by row and column, and nothing changed
    assert _rejected(bad) == [(11, "remediation_deadline")]
    assert _snapshot() == before


def test_a_date_not_written_as_yyyy_mm_dd_is_refused():
    assert _rejected(_record((",2023-11-10,", ",10/11/2023,"))) == [
        (11, "remediation_deadline")
    ]
    assert _rejected(_record((",2023-11-10,", ",20231110,"))) == [
        (11, "remediation_deadline")
    ]
    assert RrmCase.objects.count() == 0


def test_an_impossible_order_is_refused_by_the_engines_check():
    # A determination before its request (INISA: request 2023-06-12)
    with pytest.raises(services.RecordRejected) as caught:
        services.rrm_record_import(data=_record(("2023-07-27", "2023-06-01")))

    (error,) = caught.value.errors
    assert (error.row, error.field) == (11, "mexico_determination_date")
    assert "ilc_request_date" in error.reason
    assert "2023-06-12" in error.reason
    assert RrmCase.objects.count() == 0


def test_a_course_deadline_before_its_announcement_is_refused():
    assert _rejected(_record((",2023-11-10,", ",2023-08-01,"))) == [
        (11, "remediation_deadline")
    ]


def test_a_missing_column_is_named():
    header, _, rest = SHIPPED.decode().partition("\n")
    columns = header.split(",")
    assert columns[3] == "state"
    reduced = ",".join(c for c in columns if c != "state")
    assert _rejected(f"{reduced}\n{rest}".encode()) == [(1, "state")]
    assert RrmCase.objects.count() == 0


def test_a_duplicate_case_id_is_named_with_its_row():
    # Given a file whose last row repeats the first case's id
    lines = SHIPPED.decode().splitlines(keepends=True)
    duplicate = "".join([*lines, lines[1]]).encode()

    # Then the repeat is refused with its row (26: header, 24 rows, then it)
    with pytest.raises(services.RecordRejected) as caught:
        services.rrm_record_import(data=duplicate)
    (error,) = caught.value.errors
    assert (error.row, error.field) == (26, "case_id")
    assert "2" in error.reason
    assert RrmCase.objects.count() == 0


def test_every_bad_row_is_reported_at_once():
    # Given a file with no id on row 2, no facility on row 3, a bad date on row 11
    lines = SHIPPED.decode().splitlines(keepends=True)
    lines[1] = lines[1].removeprefix("gm-silao")
    lines[2] = lines[2].replace('"Tridonex auto-parts plant, Matamoros"', '""')
    lines[10] = lines[10].replace(",2023-11-10,", ",2023-11-31,")

    # Then all three are reported
    assert _rejected("".join(lines).encode()) == [
        (2, "case_id"),
        (3, "facility"),
        (11, "remediation_deadline"),
    ]


def test_a_file_that_is_not_utf8_is_refused():
    assert _rejected(_record().replace(b"Mexico", "México".encode("latin-1"))) == [
        (0, "")
    ]


# --- The command ---------------------------------------------------------------


def _command(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("rrm_import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_prints_created_and_the_changes(tmp_path: Path):
    # Given the shipped record imported by the command
    out, _ = _command(str(RECORD))
    assert "created inisa" in out
    assert out.rstrip().endswith("created 24, updated 0, unchanged 0")

    # When a newer file is imported with --dry-run, then for real
    newer = tmp_path / "newer.csv"
    newer.write_bytes(_record((",2023-11-10,", ",2023-11-17,")))
    dry, _ = _command(str(newer), "--dry-run")
    out, _ = _command(str(newer))

    # Then both print the one change; only the real run stores it
    expected = (
        "updated inisa\n"
        "  remediation_deadline: 2023-11-10 → 2023-11-17\n"
        "created 0, updated 1, unchanged 23\n"
    )
    assert dry == expected + "dry run: nothing was stored\n"
    assert out == expected
    assert RrmCase.objects.get(slug="inisa").remediation_deadline == dt.date(
        2023, 11, 17
    )


def test_the_command_lists_errors_and_exits_1(tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_record(("2023-07-27", "2023-06-01")))

    with pytest.raises(SystemExit) as exited:
        _command(str(bad))

    assert exited.value.code == 1
    assert RrmCase.objects.count() == 0


def test_the_command_refuses_a_missing_file_with_status_2(tmp_path: Path):
    with pytest.raises(CommandError) as caught:
        _command(str(tmp_path / "missing.csv"))
    assert caught.value.returncode == 2


def test_the_real_command_exit_statuses(remedia_cli, tmp_path: Path):
    # Exit statuses and streams, in its own process
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_record(("2023-07-27", "2023-06-01")))

    done = remedia_cli("rrm-import", str(bad))
    assert done.returncode == 1
    assert (
        "row 11 [mexico_determination_date]: mexico_determination_date "
        "(2023-06-01) es anterior a ilc_request_date (2023-06-12)."
    ) in done.stderr
    assert "nothing was imported" in done.stderr
    assert done.stdout == ""

    assert remedia_cli("rrm-import").returncode == 2
    assert remedia_cli("rrm-import", str(tmp_path / "missing.csv")).returncode == 2

    done = remedia_cli("rrm-import", str(RECORD))
    assert done.returncode == 0, done.stderr
    assert "created 24, updated 0, unchanged 0" in done.stdout


# --- Seeding ---------------------------------------------------------------------


def test_seeding_loads_the_record_once_and_links_inisa():
    # Given the demo facility of the INISA case
    facility = Facility.objects.create(
        name="INISA", state="MX-AGU", external_id="demo-inisa"
    )

    # When the record is seeded, a newer file imported, and seeding runs again
    services.rrm_record_seed(facility_links={"inisa": "demo-inisa"})
    services.rrm_record_import(data=_record((",2023-11-10,", ",2023-11-17,")))
    again = services.rrm_record_seed(facility_links={"inisa": "demo-inisa"})

    # Then the record is there once, linked, and the newer date is kept
    assert again is None
    assert RrmCase.objects.count() == 24
    inisa = RrmCase.objects.get(slug="inisa")
    assert inisa.facility == facility
    assert inisa.remediation_deadline == dt.date(2023, 11, 17)


def test_seeding_without_the_demo_facility_leaves_inisa_unlinked():
    services.rrm_record_seed(facility_links={"inisa": "demo-inisa"})
    assert RrmCase.objects.get(slug="inisa").facility is None


def test_seed_demo_loads_the_record_once():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())

    assert RrmCase.objects.count() == 24
    inisa = RrmCase.objects.get(slug="inisa")
    assert inisa.facility is not None
    assert inisa.facility.external_id == "demo-inisa"
    assert AuditEntry.objects.filter(action="rrm.imported").count() == 1
