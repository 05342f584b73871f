"""The public record shipped with Remedia, and the timeline each case must show.

EXPECTED was worked out by hand from the rules of domain/rrm.md (start + days;
a Saturday, Sunday or LFT art. 74 rest day moves to the next business day),
judged on TODAY. Each row: (step, due, due_business, status).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import remedia.rrm

RECORD = Path(remedia.rrm.__file__).parent / "data" / "rrm-cases.csv"
TODAY = dt.date(2026, 11, 22)

# rrm.md: the record's columns and the timeline's arguments.
COLUMNS = {
    "petition_received_date": "petition",
    "ilc_request_date": "request",
    "mexico_accepted_date": "accepted",
    "mexico_determination_date": "determination",
    "remediation_announced_date": "remediation_agreed",
}

Row = tuple[str, str, str, str]

EXPECTED: dict[str, list[Row]] = {
    # Request Wed 2021-05-12, accepted the same day. The review's 45 days end on
    # Saturday 2021-06-26; Mexico answered on Monday the 28th: met.
    "gm-silao": [
        ("review_acceptance", "2021-05-22", "2021-05-24", "met"),  # Sat -> Mon
        ("review", "2021-06-26", "2021-06-28", "met"),  # Sat -> Mon
        ("remediation_consultation", "2021-07-08", "2021-07-08", "met"),  # Thu
    ],
    "tridonex": [
        ("ilc_determination", "2021-06-09", "2021-06-09", "done_undated"),  # Wed
        ("review_acceptance", "2021-06-19", "2021-06-21", "done_undated"),  # Sat
        ("review", "2021-07-24", "2021-07-26", "met"),  # Sat; done that Saturday
        ("remediation_consultation", "2021-08-03", "2021-08-03", "late"),  # Tue
    ],
    # No determination date: the agreed course proves the review, and so the
    # acceptance before it.
    "panasonic-reynosa": [
        ("ilc_determination", "2022-05-18", "2022-05-18", "done_undated"),  # Wed
        ("review_acceptance", "2022-05-28", "2022-05-30", "done_undated"),  # Sat
        ("review", "2022-07-02", "2022-07-04", "done_undated"),  # Sat
    ],
    "teksid-hierro": [
        ("review_acceptance", "2022-06-16", "2022-06-16", "done_undated"),  # Thu
        ("review", "2022-07-21", "2022-07-21", "done_undated"),  # Thu
    ],
    # Accepted, but no determination and no course on record: the review is
    # overdue as the record stands.
    "vu-1": [
        ("ilc_determination", "2022-07-21", "2022-07-21", "done_undated"),  # Thu
        ("review_acceptance", "2022-07-31", "2022-08-01", "met"),  # Sun -> Mon
        ("review", "2022-09-04", "2022-09-05", "overdue"),  # Sun -> Mon
    ],
    # The ILC's 30 days cross the year end: Thu 2022-12-29 + 30 = Sat 2023-01-28.
    "vu-2": [
        ("ilc_determination", "2023-01-28", "2023-01-30", "done_undated"),
        ("review_acceptance", "2023-02-09", "2023-02-09", "done_undated"),  # Thu
        ("review", "2023-03-16", "2023-03-16", "met"),  # Thu, last day
        ("remediation_consultation", "2023-03-26", "2023-03-27", "late"),  # Sun
    ],
    # Accepted one day late. The consultation's 10 days end on Sunday
    # 2023-04-30; Monday is 1 May, a rest day, so Tuesday 2 May.
    "unique-fabricating": [
        ("ilc_determination", "2023-03-04", "2023-03-06", "done_undated"),  # Sat
        ("review_acceptance", "2023-03-16", "2023-03-16", "late"),  # done 17th
        ("review", "2023-04-20", "2023-04-20", "met"),  # Thu, last day
        ("remediation_consultation", "2023-04-30", "2023-05-02", "met"),
    ],
    "goodyear-slp": [
        ("ilc_determination", "2023-05-20", "2023-05-22", "done_undated"),  # Sat
        ("review_acceptance", "2023-06-01", "2023-06-01", "done_undated"),  # Thu
        ("review", "2023-07-06", "2023-07-06", "done_undated"),  # Thu
    ],
    "draxton-irapuato": [
        ("review_acceptance", "2023-06-10", "2023-06-12", "done_undated"),  # Sat
        ("review", "2023-07-15", "2023-07-17", "done_undated"),  # Sat
    ],
    # The example: review met on its last day, consultation due on a
    # Sunday (business: Monday 7 August), agreed two days after, on the 9th.
    "inisa": [
        ("ilc_determination", "2023-06-11", "2023-06-12", "done_undated"),  # Sun
        ("review_acceptance", "2023-06-22", "2023-06-22", "done_undated"),  # Thu
        ("review", "2023-07-27", "2023-07-27", "met"),
        ("remediation_consultation", "2023-08-06", "2023-08-07", "late"),
    ],
    "san-martin-mine": [
        ("ilc_determination", "2023-06-14", "2023-06-14", "done_undated"),  # Wed
        ("review_acceptance", "2023-06-26", "2023-06-26", "done_undated"),  # Mon
        ("review", "2023-07-31", "2023-07-31", "met"),  # Mon, last day
        ("remediation_consultation", "2023-08-10", "2023-08-10", "overdue"),
    ],
    # Only a determination on record (Fri 2023-08-18).
    "grupo-yazaki": [
        ("remediation_consultation", "2023-08-28", "2023-08-28", "overdue"),
    ],
    "asiaway": [],
    "tecnologia-modificada": [],
    "atento": [
        ("review_acceptance", "2024-01-28", "2024-01-29", "late"),  # Sun; done 30th
        ("review", "2024-03-03", "2024-03-04", "overdue"),  # leap February; Sun
    ],
    "rv-fresh-foods": [
        ("ilc_determination", "2024-02-16", "2024-02-16", "done_undated"),  # Fri
        ("review_acceptance", "2024-02-26", "2024-02-26", "overdue"),  # Mon
        ("review", "2024-04-01", "2024-04-01", "overdue"),  # Easter Monday: works
    ],
    "minera-tizapa": [
        ("ilc_determination", "2024-04-03", "2024-04-03", "overdue"),  # Wed
    ],
    "servicios-industriales-gonzalez": [],
    "autoliv-el-marques": [],
    "fujikura-piedras-negras": [],
    "mas-air": [],
    "teklas-aguascalientes": [],
    "modern-metal-alloys": [],
    "bbb-industries-declined": [],
}


def record_cases() -> dict[str, dict[str, dt.date]]:
    """Each case of the shipped record: its id and the timeline's known dates."""
    with RECORD.open(encoding="utf-8", newline="") as handle:
        return {
            row["case_id"]: {
                argument: dt.date.fromisoformat(row[column])
                for column, argument in COLUMNS.items()
                if row[column]
            }
            for row in csv.DictReader(handle)
        }
