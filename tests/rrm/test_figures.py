"""Figures over the record: durations and the share of each step status."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter

import pytest
from django.conf import settings
from django.core.cache import cache

from remedia.rrm.figures import durations_compute, status_shares_compute
from remedia.rrm.models import RrmCase
from tests.rrm.public_record import EXPECTED, RECORD, TODAY

D = dt.date

# Model field per column of the record, to build cases without a database.
FIELDS = {
    "petition_received_date": "petition_received_on",
    "ilc_request_date": "ilc_request_on",
    "mexico_accepted_date": "mexico_accepted_on",
    "mexico_determination_date": "mexico_determination_on",
    "remediation_announced_date": "remediation_announced_on",
    "remediation_deadline": "remediation_deadline",
}


def _small_set() -> list[RrmCase]:
    return [
        RrmCase(
            slug="a",
            petition_received_on=D(2023, 1, 1),
            ilc_request_on=D(2023, 1, 31),  # 30 days
            mexico_determination_on=D(2023, 3, 17),  # 45
            remediation_announced_on=D(2023, 3, 27),  # 10
            remediation_deadline=D(2023, 6, 25),  # 90
        ),
        RrmCase(
            slug="b",
            petition_received_on=D(2023, 2, 1),
            ilc_request_on=D(2023, 3, 13),  # 40
            mexico_determination_on=D(2023, 4, 30),  # 48
        ),
        RrmCase(
            slug="c",
            ilc_request_on=D(2023, 5, 1),
            mexico_determination_on=D(2023, 6, 15),  # 45
            remediation_announced_on=D(2023, 6, 29),  # 14
            remediation_deadline=D(2023, 7, 29),  # 30
        ),
        RrmCase(
            slug="d",
            petition_received_on=D(2023, 3, 1),
            ilc_request_on=D(2023, 3, 21),  # 20
        ),
        RrmCase(slug="e", ilc_request_on=D(2023, 7, 25)),
    ]


def _record_cases() -> list[RrmCase]:
    with RECORD.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        RrmCase(
            slug=row["case_id"],
            **{
                field: D.fromisoformat(row[column])
                for column, field in FIELDS.items()
                if row[column]
            },
        )
        for row in rows
    ]


def test_durations_of_a_small_set_worked_by_hand():
    figures = {f.key: f for f in durations_compute(cases=_small_set())}

    summary = {
        key: (f.count, f.median, f.minimum, f.maximum, f.days)
        for key, f in figures.items()
    }
    assert summary == {
        "petition_to_request": (3, 30, 20, 40, (20, 30, 40)),
        "request_to_determination": (3, 45, 45, 48, (45, 45, 48)),
        "determination_to_remediation": (2, 12, 10, 14, (10, 14)),
        "remediation_to_deadline": (2, 60, 30, 90, (30, 90)),
    }


def test_durations_with_no_case_have_no_median():
    figures = durations_compute(cases=[RrmCase(slug="x", ilc_request_on=D(2023, 1, 1))])

    assert [(f.count, f.median, f.minimum, f.maximum) for f in figures] == [
        (0, None, None, None)
    ] * 4


def test_status_shares_of_a_small_set_worked_by_hand():
    shares = status_shares_compute(cases=_small_set(), today=D(2023, 8, 1))

    # a: ilc, acceptance undated; review met on its last day; consultation met.
    # b: ilc, acceptance undated; review late (due 04-27, done 04-30);
    #    consultation overdue (due 05-10). c: acceptance undated; review met;
    #    consultation late (due Sun 06-25 -> 06-26, done 06-29). d: ilc undated;
    #    acceptance and review overdue. e: acceptance and review pending.
    assert [(str(s.status), s.count) for s in shares] == [
        ("met", 3),
        ("late", 2),
        ("done_undated", 6),
        ("pending", 2),
        ("overdue", 3),
    ]
    assert {s.total for s in shares} == {16}
    assert shares[2].percent == pytest.approx(37.5)


def test_the_shipped_record_counts():
    cases = _record_cases()
    with RECORD.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))

    def both(a: str, b: str) -> int:
        return sum(1 for row in rows if row[a] and row[b])

    figures = {f.key: f for f in durations_compute(cases=cases)}
    assert figures["petition_to_request"].count == both(
        "petition_received_date", "ilc_request_date"
    )
    assert figures["request_to_determination"].count == both(
        "ilc_request_date", "mexico_determination_date"
    )
    assert figures["determination_to_remediation"].count == both(
        "mexico_determination_date", "remediation_announced_date"
    )
    assert figures["remediation_to_deadline"].count == both(
        "remediation_announced_date", "remediation_deadline"
    )
    assert all(days >= 0 for f in figures.values() for days in f.days)
    # The review's 45 days: in four of five cases with both dates, exactly 45
    # (rrm.md) - the median of the record sits there.
    assert figures["request_to_determination"].median == 45

    # Step statuses on TODAY, as public_record.EXPECTED lists them by hand
    expected = Counter(status for steps in EXPECTED.values() for *_, status in steps)
    shares = status_shares_compute(cases=cases, today=TODAY)
    assert {str(s.status): s.count for s in shares} == {
        status: expected.get(status, 0)
        for status in ("met", "late", "done_undated", "pending", "overdue")
    }


@pytest.mark.django_db
class TestFiguresPage:
    @pytest.fixture(autouse=True)
    def _clear_cache(self, db: None) -> None:
        cache.clear()

    @pytest.fixture
    def record(self) -> None:
        from remedia.rrm import services

        services.rrm_record_import(data=RECORD.read_bytes())

    def test_the_figures_page_in_spanish(self, client, record):
        response = client.get("/rrm/cifras/")

        assert response.status_code == 200
        assert "Content-Security-Policy" in response
        html = response.content.decode()
        assert '<html lang="es-mx">' in html
        assert "Cifras del registro" in html
        assert 'id="duration-request_to_determination"' in html
        assert "no el día en que se cumplió" in html  # course to completion
        assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2
        assert 'id="status-overdue"' in html
        assert "<script" not in html
        assert "style=" not in html
        assert "<style" not in html

    def test_the_figures_page_in_english(self, client, record):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

        response = client.get("/rrm/cifras/")

        assert response.status_code == 200
        html = response.content.decode()
        assert '<html lang="en">' in html
        assert "Skip to content" in html
        assert not re.search(r"<svg[^>]*\sstyle=", html)
