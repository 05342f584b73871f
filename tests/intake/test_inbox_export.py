"""The report inbox as CSV and XLSX (issue 18): a job makes the rows the inbox
shows the person who asked, with its filters; metadata only (never the
narrative or a contact), nothing of another organisation, formulas neutralised."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from remedia.core.models import ExportJob
from remedia.core.tables import cell_neutralise
from remedia.intake import services as intake
from remedia.intake.models import Report
from tests.support.factories.accounts import totp_device
from tests.support.factories.facilities import FacilityFactory

pytestmark = pytest.mark.django_db

INBOX = "/staff/reports/"
EXPORT = "/staff/reports/export/"
FORMULA = '=HYPERLINK("https://example.com/x","abrir")'
NARRATIVE = "Nos amenazaron por votar por el sindicato nuevo."
CONTACT = "+525512345678"
TYPED = "La maquila de la carretera"
HEADER = [
    "Recibida",
    "Canal",
    "Entidad",
    "Categorías",
    "Estado",
    "Urgente",
    "Acusada",
    "Centro de trabajo",
]


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path


def _submit(**overrides: Any) -> Report:
    fields: dict[str, Any] = {
        "channel": "web",
        "categories": ["intimidation"],
        "narrative": NARRATIVE,
        "facility_name": TYPED,
        "state": "MX-AGU",
        **overrides,
    }
    return intake.report_submit(draft=intake.ReportDraft(**fields)).report


@pytest.fixture
def world(orgs) -> dict[str, Report]:
    formula_site = FacilityFactory(name=FORMULA, state="MX-AGU")
    plain = _submit(channel="sms", reply_contact=CONTACT)
    formula = _submit(facility_id=formula_site.pk, facility_name="")
    urgent = _submit(categories=["threats"])
    Report.objects.filter(pk=urgent.pk).update(urgent=True)
    elsewhere = _submit(state="MX-PUE")
    return {
        "plain": plain,
        "formula": formula,
        "urgent": urgent,
        "elsewhere": elsewhere,
    }


@pytest.fixture
def logged_in(client, log_in_verified):
    def enter(staff: Any) -> Any:
        totp_device(staff.user)
        response = log_in_verified(staff.user)
        assert response.status_code == 302, response.content[:500]
        return staff.user

    return enter


def _export(client: Any, capture: Any, file_format: str, **filters: str) -> ExportJob:
    with capture(execute=True):
        response = client.post(EXPORT, {**filters, "format": file_format})
    assert response.status_code == 302, response.content[:500]
    job = ExportJob.objects.order_by("-created_at").first()
    assert job is not None
    assert response["Location"] == f"/staff/exportaciones/{job.pk}/"
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    return job


def _download(client: Any, job: ExportJob) -> bytes:
    response = client.get(f"/staff/exportaciones/{job.pk}/descargar/")
    assert response.status_code == 200
    return response.content


def _csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _xlsx(content: bytes) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [
        ["" if v is None else v for v in row]
        for row in book.worksheets[0].iter_rows(values_only=True)
    ]


def _shown(client: Any, query: str = "") -> list[list[str]]:
    """What the inbox shows: received, channel, status, facility, in order."""
    response = client.get(f"{INBOX}?{query}")
    assert response.status_code == 200
    return [
        [
            f"{timezone.localtime(r.created_at):%Y-%m-%d %H:%M}",
            r.get_channel_display(),
            r.get_status_display(),
            str(cell_neutralise(r.facility.name)) if r.facility else "",
        ]
        for r in response.context["reports"]
    ]


def _same_columns(rows: list[list[Any]]) -> list[list[str]]:
    return [[str(r[0]), str(r[1]), str(r[4]), str(r[7])] for r in rows]


def test_the_inbox_exports_what_it_shows_with_its_filters(
    client, logged_in, agu_handler, world, django_capture_on_commit_callbacks
) -> None:
    logged_in(agu_handler)
    capture = django_capture_on_commit_callbacks

    content = _download(client, _export(client, capture, "csv"))
    for private in (NARRATIVE, CONTACT, TYPED):  # never the reporter's words
        assert private.encode() not in content
    rows = _csv(content)
    assert rows[0] == HEADER
    shown = _shown(client)
    assert len(shown) == 3  # noqa: PLR2004  (not Puebla's)
    assert _same_columns(rows[1:]) == shown
    assert rows[1][5] == "Sí"  # the urgent one first, as the inbox lists it
    assert [r[5] for r in rows[2:]] == ["No", "No"]
    assert {r[2] for r in rows[1:]} == {"Aguascalientes"}
    assert ["'" + FORMULA] == [r[7] for r in rows[1:] if r[7]]  # neutralised
    assert "" in [r[7] for r in rows[1:]]  # a typed-in facility: no registry name

    # Filtered, as XLSX: the same rows the filtered inbox shows
    cells = _xlsx(_download(client, _export(client, capture, "xlsx", urgent="1")))
    assert cells[0] == HEADER
    assert _same_columns(cells[1:]) == _shown(client, "urgent=1")
    assert len(cells) == 2  # noqa: PLR2004
    cells = _xlsx(_download(client, _export(client, capture, "xlsx", urgent="0")))
    assert _same_columns(cells[1:]) == _shown(client, "urgent=0")
    assert ["'" + FORMULA] == [r[7] for r in cells[1:] if r[7]]

    # Nothing matches: the headers alone
    assert _shown(client, "status=closed") == []
    closed = _export(client, capture, "csv", status="closed")
    assert _csv(_download(client, closed)) == [HEADER]
    closed = _export(client, capture, "xlsx", status="closed")
    assert _xlsx(_download(client, closed)) == [HEADER]


def test_the_other_organisation_exports_only_its_own(
    client, logged_in, pue_handler, world, django_capture_on_commit_callbacks
) -> None:
    logged_in(pue_handler)
    content = _download(
        client, _export(client, django_capture_on_commit_callbacks, "csv")
    )
    rows = _csv(content)
    assert len(rows) == 2  # noqa: PLR2004
    assert rows[1][2] == "Puebla"


def test_a_bad_filter_is_refused_and_nothing_is_queued(
    client, logged_in, agu_handler, world
) -> None:
    logged_in(agu_handler)
    for filters, said in (
        ({"status": "bogus"}, "Elija un estado de la lista."),
        ({"urgent": "maybe"}, "Elija una urgencia de la lista."),
        ({"urgent": "1", "format": "pdf"}, "Elija CSV o XLSX."),
    ):
        response = client.post(EXPORT, {"format": "csv", **filters})
        assert response.status_code == 302
        query = "&".join(f"{k}={v}" for k, v in filters.items() if k != "format")
        assert response["Location"] == f"{INBOX}?{query}"
        page = client.get(response["Location"])
        assert [str(m) for m in page.context["messages"]] == [said]
    assert not ExportJob.objects.exists()


def test_the_inbox_buttons_carry_its_filters(
    client, logged_in, agu_handler, world
) -> None:
    logged_in(agu_handler)
    body = client.get(f"{INBOX}?status=received&urgent=1").content.decode()
    start = body.index('id="inbox-export"')
    form = body[body.rindex("<form", 0, start) : body.index("</form>", start)]
    assert 'method="post"' in form
    assert f'action="{EXPORT}"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<input type="hidden" name="status" value="received">' in form
    assert '<input type="hidden" name="urgent" value="1">' in form
    assert 'name="format" value="csv"' in form
    assert 'name="format" value="xlsx"' in form


def test_the_inbox_narrows_by_category_place_channel_and_dates(
    client, logged_in, agu_handler, world
) -> None:
    logged_in(agu_handler)

    def ids(query: str) -> set[Any]:
        response = client.get(f"{INBOX}?{query}")
        assert response.status_code == 200
        assert not response.context["form"].errors
        return {r.pk for r in response.context["reports"]}

    every = ids("")
    assert ids("category=threats") == {world["urgent"].pk}
    assert ids("channel=sms") == {world["plain"].pk}
    assert ids("state=MX-PUE") == {world["elsewhere"].pk} & every
    today = timezone.localdate().isoformat()
    assert ids(f"since={today}&until={today}") == every
    assert ids("since=2001-01-01&until=2001-01-31") == set()
    # The export carries them all
    body = client.get(f"{INBOX}?category=threats&since={today}").content.decode()
    assert '<input type="hidden" name="category" value="threats">' in body
    assert f'<input type="hidden" name="since" value="{today}">' in body


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("category=nada", "Elija una categoría de la lista."),
        ("state=MX-XXX", "Elija un estado de la República de la lista."),
        ("channel=fax", "Elija un canal de la lista."),
        ("since=ayer", "Escriba la fecha como AAAA-MM-DD."),
        (
            "since=2026-02-01&until=2026-01-01",
            "El periodo termina antes de empezar: revise «Desde» y «Hasta».",
        ),
        ("facility=%00%ff", "El centro de trabajo no es válido."),
    ],
)
def test_a_bad_inbox_filter_is_said_and_narrows_nothing(
    client, logged_in, agu_handler, world, query, said
) -> None:
    logged_in(agu_handler)
    every = {r.pk for r in client.get(INBOX).context["reports"]}
    response = client.get(f"{INBOX}?{query}")
    assert response.status_code == 200
    assert said in response.content.decode()
    assert {r.pk for r in response.context["reports"]} == every
    # ...and nothing to export with it
    export = response.content.decode().split('id="inbox-export"', 1)[1]
    export = export.split("</form>", 1)[0]
    for name in ("category", "state", "channel", "since", "until", "facility"):
        assert f'name="{name}"' not in export, name
