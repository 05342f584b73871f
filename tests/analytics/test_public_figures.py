"""The public figures: counted from the database, suppressed, stored, served."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import secrets
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from remedia.analytics import public_figures
from remedia.analytics.models import Publication
from remedia.cases.models import Case, CaseStatus
from remedia.intake.models import Report, ReportCategory
from remedia.remediation.models import Course, CourseStatus
from remedia.rrm.models import RrmCase, RrmCaseOrigin
from tests.support.factories.accounts import OrganisationFactory
from tests.support.factories.facilities import FacilityFactory

BEFORE = dt.date(2026, 12, 1)  # figures through 2026-11-30
THRESHOLD = 11


def _at(year: int, month: int = 6) -> dt.datetime:
    return dt.datetime(year, month, 15, 18, tzinfo=dt.UTC)


def _reports(n: int, *, state: str, categories: list[str], when: dt.datetime) -> None:
    for _ in range(n):
        report = Report.objects.create(
            channel="web",
            state=state,
            public_key=b"k",
            content=b"sealed",
            receipt_lookup=secrets.token_bytes(16),
            reporter_wrapped_key=b"w",
        )
        Report.objects.filter(pk=report.pk).update(created_at=when)
        for code in categories:
            ReportCategory.objects.create(report=report, code=code)


def _cases(n: int, *, resolved: dt.datetime, org: Any) -> None:
    for _ in range(n):
        Case.objects.create(
            number=secrets.token_hex(6),
            organisation=org,
            status=CaseStatus.RESOLVED,
            public_key=b"k",
            received_at=resolved - dt.timedelta(days=20),
            resolved_at=resolved,
            acknowledge_due_at=resolved,
            first_response_due_at=resolved,
            resolution_due_at=resolved,
        )


@pytest.fixture
def data(db) -> None:
    """Reports, cases, RRM petitions and courses with large, small and zero counts."""
    # Reports: Aguascalientes 30 (wages, 2025), Jalisco 12 (hours, 2026),
    # Puebla 3 (child labour, 2025): the 3 must never show, nor be worked out.
    _reports(30, state="MX-AGU", categories=["wages"], when=_at(2025))
    _reports(12, state="MX-JAL", categories=["hours"], when=_at(2026))
    _reports(3, state="MX-PUE", categories=["child_labour"], when=_at(2025))
    # After the cut-off: not counted.
    _reports(5, state="MX-AGU", categories=["wages"], when=_at(2026, 12))
    org = OrganisationFactory()
    _cases(15, resolved=_at(2025), org=org)
    _cases(4, resolved=_at(2026), org=org)
    for i in range(2):
        RrmCase.objects.create(
            slug=f"MEX-2023-00{i}",
            origin=RrmCaseOrigin.PUBLIC_RECORD,
            facility_name="Planta",
            is_public=True,
            petition_received_on=dt.date(2023, 3, 1),
        )
    Course.objects.create(
        title="Curso",
        organisation=org,
        facility=FacilityFactory(),
        status=CourseStatus.COMPLETED,
        agreed_on=dt.date(2025, 1, 10),
        deadline=dt.date(2025, 6, 1),
        closed_on=dt.date(2025, 5, 30),
    )


def _tables(publication: Publication) -> dict[str, dict[str, Any]]:
    return {t["key"]: t for t in publication.figures["tables"]}


def _values(node: Any) -> list[Any]:
    """Every "value" of a cell anywhere in a document."""
    found = []
    if isinstance(node, dict):
        if "suppressed" in node:
            found.append(node.get("value"))
        for child in node.values():
            found += _values(child)
    elif isinstance(node, list):
        for child in node:
            found += _values(child)
    return found


def _assert_nothing_small(document: Any) -> None:
    values = _values(document)
    assert values
    assert not [v for v in values if v is not None and 0 < v < THRESHOLD]


def test_publication_counts_and_suppresses(data) -> None:
    publication = public_figures.publication_create(before=BEFORE)
    assert publication.threshold == THRESHOLD
    tables = _tables(publication)
    assert list(tables) == list(public_figures.TABLE_KEYS)
    assert publication.figures["through"] == "2026-11-30"
    _assert_nothing_small(publication.figures)

    by_state = tables["reports_by_state"]
    cells = dict(zip(by_state["keys"], by_state["cells"], strict=True))
    # Puebla's 3 is suppressed, and so is the smallest other count (Jalisco's
    # 12), so that the total minus Aguascalientes does not give the 3.
    assert cells["MX-PUE"] == {"value": None, "suppressed": True}
    assert cells["MX-JAL"] == {"value": None, "suppressed": True}
    assert cells["MX-AGU"] == {"value": 30, "suppressed": False}
    assert cells["MX-SON"] == {"value": 0, "suppressed": False}
    assert by_state["total"] == {"value": 45, "suppressed": False}
    percent = dict(zip(by_state["keys"], by_state["percent"], strict=True))
    assert percent["MX-PUE"] is None
    assert percent["MX-JAL"] is None
    assert percent["MX-AGU"] == pytest.approx(66.7)

    by_category = tables["reports_by_category"]
    assert by_category["columns"] == ["2023", "2024", "2025", "2026"]
    rows = dict(zip(by_category["rows"], by_category["cells"], strict=True))
    assert (
        rows["wages"][2] == {"value": 30, "suppressed": False}
        or rows["wages"][2]["suppressed"]
    )
    assert rows["child_labour"][2]["suppressed"]

    assert tables["cases_resolved"]["keys"][-2:] == ["2025", "2026"]
    resolved = tables["cases_resolved"]["cells"]
    assert resolved[-1]["suppressed"]  # 4 in 2026
    assert resolved[-2]["suppressed"]  # 15 in 2025, hidden beside it
    assert tables["cases_resolved"]["total"] == {"value": 19, "suppressed": False}
    assert tables["rrm_cases"]["total"]["suppressed"]  # 2 petitions
    assert tables["courses_completed"]["total"]["suppressed"]  # 1 course

    # The raw small counts are nowhere in what was stored.
    stored = json.dumps(publication.figures)
    assert '"value": 3,' not in stored
    assert '"value": 4,' not in stored


def test_nothing_at_all_publishes_zeros(db) -> None:
    publication = public_figures.publication_create(before=BEFORE)
    tables = _tables(publication)
    assert tables["reports_by_state"]["total"] == {"value": 0, "suppressed": False}
    assert tables["reports_by_category"]["columns"] == ["2026"]


def test_old_publications_are_pruned(db) -> None:
    for _ in range(public_figures.KEEP + 3):
        public_figures.publication_create(before=BEFORE)
    assert Publication.objects.count() == public_figures.KEEP


def test_the_periodic_job_publishes_once_a_month(db, settings) -> None:
    from remedia.analytics.tasks import public_figures_publish

    assert public_figures_publish.call_local() is True
    assert public_figures_publish.call_local() is False
    settings.REMEDIA_PUBLIC_MIN_COUNT = 20
    assert public_figures_publish.call_local() is True
    assert Publication.objects.count() == 2
    assert public_figures.publication_latest().threshold == 20  # type: ignore[union-attr]


def test_the_command_publishes_through_a_day(data) -> None:
    out = io.StringIO()
    call_command("figures_publish", "--through", "2026-11-30", stdout=out)
    assert "published figures through 2026-11-30 (threshold 11;" in out.getvalue()
    latest = public_figures.publication_latest()
    assert latest is not None
    assert _tables(latest)["reports_by_state"]["total"]["value"] == 45


@pytest.mark.parametrize("through", ["mañana", "2026-13-01", "2999-01-01"])
def test_the_command_refuses_a_bad_date(db, through: str) -> None:
    with pytest.raises(CommandError, match="--through"):
        call_command("figures_publish", "--through", through)
    assert not Publication.objects.exists()


# --- The page, the JSON and the CSV ---------------------------------------------------


@pytest.fixture
def published(data) -> Publication:
    return public_figures.publication_create(before=BEFORE)


def test_the_page_in_spanish(client: Client, published: Publication) -> None:
    response = client.get("/cifras/?anything=1&year=x")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Cifras públicas" in page
    assert (
        'Cifras hasta el <time datetime="2026-11-30">30 de noviembre de 2026</time>'
        in page
    )
    assert "Suprimido" in page
    assert "los conteos de 1 a 10 nunca se publican" in page
    assert "Aguascalientes" in page
    assert "66.7 %" in page
    assert 'href="/cifras/datos.csv"' in page
    assert "max-age=300" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert "Accept-Language" in response["Vary"]
    assert response["Last-Modified"].endswith(" GMT")


def test_the_page_in_english(client: Client, published: Publication) -> None:
    response = client.get("/cifras/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert "Public figures" in page
    assert "Suppressed" in page
    assert "Suprimido" not in page
    assert "counts from 1 to 10 are never published" in page
    assert "Child labour" in page
    assert '<time datetime="2026-11-30">November 30, 2026</time>' in page


def test_the_page_before_anything_is_published(client: Client, db) -> None:
    response = client.get("/cifras/")
    assert response.status_code == 200
    assert "Todavía no hay cifras publicadas." in response.content.decode()
    assert client.get("/cifras/datos.json").json()["tables"] == []
    lines = client.get("/cifras/datos.csv").content.decode("utf-8-sig").splitlines()
    assert len(lines) == 1  # the header only


def test_the_page_takes_no_other_method(client: Client, published: Publication) -> None:
    assert client.post("/cifras/").status_code == 405
    assert client.head("/cifras/datos.json").status_code == 200


def test_the_json(client: Client, published: Publication) -> None:
    response = client.get("/cifras/datos.json?format=xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "public" in response["Cache-Control"]
    document = response.json()
    assert document["threshold"] == THRESHOLD
    assert document["through"] == "2026-11-30"
    _assert_nothing_small(document)
    states = next(t for t in document["tables"] if t["key"] == "reports_by_state")
    labels = dict(zip(states["keys"], states["key_labels"], strict=True))
    assert labels["MX-PUE"] == "Puebla"
    cells = dict(zip(states["keys"], states["cells"], strict=True))
    assert cells["MX-PUE"] == {"value": None, "suppressed": True}
    english = client.get("/cifras/datos.json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["language"] == "en"
    assert "never published" not in document["rule"]
    assert "are not published" in english["rule"]


def test_the_csv(client: Client, published: Publication) -> None:
    response = client.get("/cifras/datos.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header == [
        "tabla",
        "título",
        "fila",
        "nombre de la fila",
        "columna",
        "valor",
        "nota",
    ]
    assert body
    for row in body:
        value, note = row[5], row[6]
        if note:
            assert note == "suprimida"
            assert value == ""
        else:
            assert value != ""
            assert not 0 < int(value) < THRESHOLD
    puebla = next(r for r in body if r[0] == "reports_by_state" and r[2] == "MX-PUE")
    assert puebla[5:] == ["", "suprimida"]
    english = client.get("/cifras/datos.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert english.content.decode("utf-8-sig").startswith('"table"')


def test_csv_cells_are_neutralised(client: Client, db, monkeypatch) -> None:
    from remedia.analytics import public_views

    public_figures.publication_create(before=BEFORE)
    monkeypatch.setitem(public_views.TITLES, "reports_by_state", "=HYPERLINK(1)")
    text = client.get("/cifras/datos.csv").content.decode("utf-8-sig")
    assert '"\'=HYPERLINK(1)"' in text
    assert '"=HYPERLINK' not in text


def test_an_unreadable_publication_is_not_shown(client: Client, db) -> None:
    Publication.objects.create(threshold=11, figures={"version": 999})
    response = client.get("/cifras/")
    assert response.status_code == 200
    assert "Todavía no hay cifras publicadas." in response.content.decode()
