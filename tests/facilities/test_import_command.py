"""`remedia import-facilities FILE [--dry-run]` in its own process, on its own
SQLite data directory: summary, progress bar, per-row reasons, exit status."""

from __future__ import annotations

import re

import pytest

from tests.facilities.import_support import csv_bytes, xlsx_bytes

SUMMARY = re.compile(
    r"^created (\d+), matched (\d+), updated (\d+), review (\d+), rejected (\d+)$",
    re.M,
)
GOOD = [
    ("Confecciones del Valle, S.A. de C.V.", "Aguascalientes", "Calvillo", "120"),
    ("Textiles Luna", "MX-PUE", "Tehuacán", ""),
]


def _summary(out: str) -> tuple[int, ...]:
    found = SUMMARY.search(out)
    assert found is not None, out
    return tuple(int(n) for n in found.groups())


@pytest.fixture
def good_csv(tmp_path):
    path = tmp_path / "lista.csv"
    path.write_bytes(csv_bytes(GOOD))
    return path


def test_import_prints_the_summary_and_a_progress_bar(remedia_cli, good_csv):
    # When a list is imported from the command line
    first = remedia_cli("import-facilities", str(good_csv))

    # Then it succeeds, says what it did, and drew its bar on standard error
    assert first.returncode == 0, first.stderr
    assert _summary(first.stdout) == (2, 0, 0, 0, 0)
    assert "\x1b[K" in first.stderr  # each redraw erases the line it overwrites
    assert re.search(r"matching +\[#{30}\] 100% 2/2", first.stderr)
    assert "saving" in first.stderr

    # and importing it again changes nothing
    again = remedia_cli("import-facilities", str(good_csv))
    assert again.returncode == 0, again.stderr
    assert _summary(again.stdout) == (0, 2, 0, 0, 0)


def test_dry_run_stores_nothing(remedia_cli, good_csv):
    dry = remedia_cli("import-facilities", "--dry-run", str(good_csv))

    assert dry.returncode == 0, dry.stderr
    assert _summary(dry.stdout) == (2, 0, 0, 0, 0)
    assert "dry run: nothing was stored" in dry.stdout
    # the real import still creates both: the dry run kept nothing
    real = remedia_cli("import-facilities", str(good_csv))
    assert _summary(real.stdout) == (2, 0, 0, 0, 0)


def test_row_by_row_outcomes_with_verbosity(remedia_cli, good_csv):
    shown = remedia_cli("import-facilities", "--dry-run", "-v", "2", str(good_csv))

    assert shown.returncode == 0, shown.stderr
    assert re.search(r"^row 2: created \(new\) -> FAC-", shown.stdout, re.M)
    assert re.search(r"^row 3: created \(new\) -> FAC-", shown.stdout, re.M)


def test_a_rejected_file_names_each_row_exits_1_and_keeps_nothing(
    remedia_cli, tmp_path, good_csv
):
    # Given the good list with two bad rows added (rows 4 and 5 of the sheet)
    bad = tmp_path / "mala.csv"
    bad.write_bytes(
        csv_bytes(
            [*GOOD, ("Bordados Rosy", "Narnia", "", ""), ("Hilos", "MX-AGU", "", "-3")]
        )
    )

    # When it is imported
    result = remedia_cli("import-facilities", str(bad))

    # Then the command fails and says why, row by row
    assert result.returncode == 1
    assert _summary(result.stdout) == (0, 0, 0, 0, 2)
    assert "row 4 [state]: Estado desconocido: «Narnia»." in result.stderr
    assert (
        "row 5 [workers]: El número de personas trabajadoras no puede ser negativo."
        in result.stderr
    )
    assert "nothing was imported" in result.stderr
    # and the good rows were not kept either
    assert _summary(remedia_cli("import-facilities", str(good_csv)).stdout)[0] == 2


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("lista.pdf", b"%PDF-1.4", "Solo se pueden importar archivos CSV o XLSX"),
        ("lista.csv", b"nombre;municipio\r\nHilos;Calvillo\r\n", "«state» / «estado»"),
    ],
    ids=["not-a-list", "missing-column"],
)
def test_a_file_that_cannot_be_read_exits_1(remedia_cli, tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)

    result = remedia_cli("import-facilities", str(path))

    assert result.returncode == 1
    assert "file rejected: " in result.stderr
    assert reason in result.stderr


def test_xlsx_from_the_command_line(remedia_cli, tmp_path):
    path = tmp_path / "proveedores.xlsx"
    path.write_bytes(
        xlsx_bytes(
            [("Maquiladora Kalitex", "Puebla", "Tehuacán", 300)],
            header=("Nombre", "Estado", "Municipio", "Trabajadores"),
        )
    )

    result = remedia_cli("import-facilities", str(path))

    assert result.returncode == 0, result.stderr
    assert _summary(result.stdout) == (1, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("import-facilities", "/no/such/lista.csv"),
            "no such file: /no/such/lista.csv",
        ),
        (("import-facilities",), "the following arguments are required: file"),
        (("import-facilities", "--frobnicate", "x.csv"), "unrecognized arguments"),
    ],
    ids=["missing-file", "no-file", "bad-option"],
)
def test_a_command_that_cannot_run_exits_2(remedia_cli, args, message):
    result = remedia_cli(*args)

    assert result.returncode == 2
    assert message in result.stderr


def test_a_directory_is_not_a_file(remedia_cli, tmp_path):
    result = remedia_cli("import-facilities", str(tmp_path))
    assert result.returncode == 2
    assert "is a directory" in result.stderr
