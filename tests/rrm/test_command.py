"""`remedia rrm-timeline`: the JSON contract of domain/rrm.md, the table, bad input.

The real command in its own process where the exit status and the streams are
the point; `call_command` (the same parser and handler) to run the whole
public record quickly.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.rrm.public_record import EXPECTED, TODAY, record_cases

INISA = (
    "--petition", "2023-05-12",
    "--request", "2023-06-12",
    "--determination", "2023-07-27",
    "--remediation-agreed", "2023-08-09",
)  # fmt: skip


def _option(argument: str) -> str:
    return "--" + argument.replace("_", "-")


def test_the_inisa_case_prints_the_contract(remedia_cli):
    # When the INISA case's dates are given on the command line
    done = remedia_cli("rrm-timeline", "--json", *INISA, "--today", "2026-11-22")

    # Then exactly one JSON object is printed, in rrm.md's form
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "steps": [
            {
                "step": "ilc_determination",
                "from": "2023-05-12",
                "days": 30,
                "due": "2023-06-11",
                "due_business": "2023-06-12",
                "done": None,
                "status": "done_undated",
            },
            {
                "step": "review_acceptance",
                "from": "2023-06-12",
                "days": 10,
                "due": "2023-06-22",
                "due_business": "2023-06-22",
                "done": None,
                "status": "done_undated",
            },
            {
                "step": "review",
                "from": "2023-06-12",
                "days": 45,
                "due": "2023-07-27",
                "due_business": "2023-07-27",
                "done": "2023-07-27",
                "status": "met",
            },
            {
                "step": "remediation_consultation",
                "from": "2023-07-27",
                "days": 10,
                "due": "2023-08-06",
                "due_business": "2023-08-07",
                "done": "2023-08-09",
                "status": "late",
            },
        ]
    }
    assert done.stdout.count("\n") == 1  # one line, one object
    assert done.stderr == ""


def test_every_option_reaches_its_step(remedia_cli):
    done = remedia_cli(
        "rrm-timeline",
        "--json",
        "--petition", "2023-05-12",
        "--ilc-determination", "2023-06-09",
        "--request", "2023-06-12",
        "--accepted", "2023-06-23",
        "--determination", "2023-07-27",
        "--remediation-agreed", "2023-08-07",
        "--today", "2023-08-01",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    steps = json.loads(done.stdout)["steps"]
    assert [(s["step"], s["done"], s["status"]) for s in steps] == [
        ("ilc_determination", "2023-06-09", "met"),
        ("review_acceptance", "2023-06-23", "late"),
        ("review", "2023-07-27", "met"),
        ("remediation_consultation", "2023-08-07", "met"),
    ]


def test_today_decides_pending_or_overdue(remedia_cli):
    on_time = remedia_cli(
        "rrm-timeline", "--json", "--petition", "2024-03-04", "--today", "2024-04-03"
    )
    too_late = remedia_cli(
        "rrm-timeline", "--json", "--petition", "2024-03-04", "--today", "2024-04-04"
    )
    assert json.loads(on_time.stdout)["steps"][0]["status"] == "pending"
    assert json.loads(too_late.stdout)["steps"][0]["status"] == "overdue"


def test_without_today_the_command_judges_by_the_current_date():
    # A petition of 1 January 2000 is long overdue today; one far ahead is pending.
    assert _run("--json", "--petition", "2000-01-01")[0]["status"] == "overdue"
    assert _run("--json", "--petition", "2999-01-01")[0]["status"] == "pending"


def test_no_dates_no_steps(remedia_cli):
    done = remedia_cli("rrm-timeline", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"steps": []}


def test_without_json_a_table_for_people(remedia_cli):
    done = remedia_cli("rrm-timeline", *INISA, "--today", "2026-11-22")

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == [
        "Paso", "Desde", "Días", "Vence", "Vence", "(hábil)", "Hecho", "Estado",
    ]  # fmt: skip
    assert len(lines) == 5
    assert lines[3].split() == [
        "Revisión", "2023-06-12", "45", "2023-07-27", "2023-07-27", "2023-07-27",
        "cumplido",
    ]  # fmt: skip
    assert "2023-08-06  2023-08-07" in lines[4]
    assert lines[4].endswith("tardío")


# --- Bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "option",
    [
        "--petition",
        "--ilc-determination",
        "--request",
        "--accepted",
        "--determination",
        "--remediation-agreed",
        "--today",
    ],
)
@pytest.mark.parametrize(
    "value", ["2023-02-29", "2023-13-01", "27/07/2023", "20230727", "yesterday", ""]
)
def test_a_date_that_is_not_iso_is_refused_naming_the_option(option, value):
    with pytest.raises(CommandError) as caught:
        call_command("rrm_timeline", "--json", option, value)
    assert f"argument {option}:" in str(caught.value)


@pytest.mark.parametrize("value", ["2023-02-29", "2023-7-27", "mañana"])
def test_a_bad_date_exits_2_naming_the_option_with_nothing_on_stdout(
    remedia_cli, value
):
    done = remedia_cli("rrm-timeline", "--json", "--determination", value)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "argument --determination:" in done.stderr
    assert repr(value) in done.stderr


@pytest.mark.parametrize(
    ("dates", "argument", "earlier"),
    [
        ({"request": "2023-06-12", "determination": "2023-06-01"},
         "determination", "request"),
        ({"request": "2023-06-12", "accepted": "2023-06-11"}, "accepted", "request"),
        ({"determination": "2023-07-27", "remediation_agreed": "2023-07-26"},
         "remediation_agreed", "determination"),
        ({"petition": "2023-05-12", "ilc_determination": "2023-05-11"},
         "ilc_determination", "petition"),
        ({"petition": "2023-05-12", "request": "2023-05-01"}, "request", "petition"),
        ({"ilc_determination": "2023-06-10", "request": "2023-06-09"},
         "request", "ilc_determination"),
        ({"accepted": "2023-06-20", "determination": "2023-06-19"},
         "determination", "accepted"),
    ],
)  # fmt: skip
def test_an_impossible_order_exits_2_naming_the_argument(
    remedia_cli, dates, argument, earlier
):
    options = [item for k, v in dates.items() for item in (_option(k), v)]

    done = remedia_cli("rrm-timeline", "--json", *options)

    assert done.returncode == 2
    assert done.stdout == ""
    assert (
        f"{_option(argument)} {dates[argument]} is before "
        f"{_option(earlier)} {dates[earlier]}"
    ) in done.stderr


# --- The public record --------------------------------------------------------------


def _run(*args: str) -> list[dict[str, object]]:
    out = io.StringIO()
    call_command("rrm_timeline", *args, stdout=out)
    return json.loads(out.getvalue())["steps"]


@pytest.mark.parametrize("case_id", sorted(EXPECTED))
def test_every_case_of_the_public_record(case_id):
    # Given the case's dates from the shipped record, mapped as rrm.md says
    options = [
        item
        for argument, day in record_cases()[case_id].items()
        for item in (_option(argument), day.isoformat())
    ]
    # When the command prints its timeline
    steps = _run("--json", *options, "--today", TODAY.isoformat())
    # Then every step's due dates and status are the hand-counted ones
    assert [
        (s["step"], s["due"], s["due_business"], s["status"]) for s in steps
    ] == EXPECTED[case_id]
