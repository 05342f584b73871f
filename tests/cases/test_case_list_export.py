"""The case list as CSV and XLSX (issue 18): a job makes the rows the list
shows the person who asked, with the filters they had on; nothing of another
organisation, a formula-looking cell neutralised, a bad filter refused."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from remedia.cases import services
from remedia.cases.models import Case
from remedia.core.models import ExportJob
from remedia.core.tables import cell_neutralise
from remedia.intake.categories import Category
from tests.support.factories.accounts import totp_device
from tests.support.factories.facilities import FacilityFactory

pytestmark = pytest.mark.django_db

LIST = "/staff/cases/"
EXPORT = "/staff/cases/export/"
FORMULA = '=HYPERLINK("https://example.com/x","abrir")'
HEADER = [
    "Número",
    "Estado",
    "Organización",
    "Centro de trabajo",
    "Entidad",
    "Categorías",
    "Responsable",
    "Abierto",
    "Próximo plazo",
    "Vencido",
    "Cerrado",
]


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path


@pytest.fixture
def logged_in(client, log_in_verified):
    def enter(staff: Any) -> Any:
        totp_device(staff.user)
        response = log_in_verified(staff.user)
        assert response.status_code == 302, response.content[:500]
        return staff.user

    return enter


@pytest.fixture
def world(agu_handler, agu_colleague, pue_handler, report_in) -> dict[str, Case]:
    """Three cases of Aguascalientes (one at a facility named like a formula,
    one overdue with its own category and assignee) and one of Puebla."""
    plain_site = FacilityFactory(name="Confecciones del Norte", state="MX-AGU")
    formula_site = FacilityFactory(name=FORMULA, state="MX-AGU")
    plain = services.case_open(
        report_ids=[report_in(facility_id=plain_site.pk, facility_name="").report.pk],
        user=agu_handler.user,
    )
    formula = services.case_open(
        report_ids=[report_in(facility_id=formula_site.pk, facility_name="").report.pk],
        user=agu_handler.user,
    )
    overdue = services.case_open(
        report_ids=[report_in(categories=["wages"]).report.pk],
        user=agu_handler.user,
        assignee_id=agu_colleague.user.pk,
    )
    Case.objects.filter(pk=overdue.pk).update(
        next_due_at=timezone.now() - timedelta(hours=1)
    )
    elsewhere = services.case_open(
        report_ids=[report_in(state="MX-PUE").report.pk], user=pue_handler.user
    )
    return {
        "plain": plain,
        "formula": formula,
        "overdue": overdue,
        "elsewhere": elsewhere,
    }


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


def _csv(client: Any, job: ExportJob) -> list[list[str]]:
    response = client.get(f"/staff/exportaciones/{job.pk}/descargar/")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx(client: Any, job: ExportJob) -> list[list[Any]]:
    response = client.get(f"/staff/exportaciones/{job.pk}/descargar/")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [
        ["" if v is None else v for v in row]
        for row in book.worksheets[0].iter_rows(values_only=True)
    ]


def _shown(client: Any, query: str = "") -> list[list[str]]:
    """What the list page shows: number, status, facility, assignee, in order."""
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    rows = []
    for row in response.context["rows"]:
        c = row.case
        assignee = (
            c.assignee.get_full_name() or c.assignee.username if c.assignee else ""
        )
        facility = c.facility.name if c.facility else ""
        rows.append(
            [
                c.number,
                c.get_status_display(),
                str(cell_neutralise(facility)),
                assignee,
            ]
        )
    return rows


def _same_columns(rows: list[list[Any]]) -> list[list[str]]:
    return [[str(r[0]), str(r[1]), str(r[3]), str(r[6])] for r in rows]


def test_the_case_list_exports_what_it_shows_with_its_filters(
    client,
    logged_in,
    agu_handler,
    agu_colleague,
    world,
    django_capture_on_commit_callbacks,
) -> None:
    logged_in(agu_handler)
    capture = django_capture_on_commit_callbacks

    # No filter: every case of the handler's organisation, in the list's order
    rows = _csv(client, _export(client, capture, "csv"))
    assert rows[0] == HEADER
    shown = _shown(client)
    assert len(shown) == 3  # noqa: PLR2004
    assert _same_columns(rows[1:]) == shown
    numbers = [r[0] for r in rows[1:]]
    assert world["elsewhere"].number not in numbers  # another organisation's
    by_number = {r[0]: r for r in rows[1:]}
    assert by_number[world["formula"].number][3] == "'" + FORMULA  # neutralised
    plain = by_number[world["plain"].number]
    assert plain[2] == "Centro Laboral Aguascalientes"
    assert plain[4] == "Aguascalientes"
    assert plain[7] == f"{timezone.localtime(world['plain'].created_at):%Y-%m-%d %H:%M}"
    assert plain[9] == "No"
    overdue = by_number[world["overdue"].number]
    assert overdue[5] == str(Category("wages").label)
    colleague = agu_colleague.user
    assert overdue[6] == (colleague.get_full_name() or colleague.username)
    assert plain[6] == ""  # nobody yet
    assert overdue[9] == "Sí"

    # Filtered, as XLSX: the same rows the filtered list shows
    for filters, query in (
        ({"category": "wages"}, "category=wages"),
        ({"overdue": "1"}, "overdue=1"),
        ({"assignee": str(agu_colleague.user.pk)}, f"assignee={agu_colleague.user.pk}"),
        (
            {"facility": str(world["plain"].facility_id)},
            f"facility={world['plain'].facility_id}",
        ),
    ):
        cells = _xlsx(client, _export(client, capture, "xlsx", **filters))
        assert cells[0] == HEADER
        assert _same_columns(cells[1:]) == _shown(client, query), filters
        assert len(cells) == 2, filters  # noqa: PLR2004
    cells = _xlsx(client, _export(client, capture, "xlsx"))
    formula_row = next(r for r in cells if r[0] == world["formula"].number)
    assert formula_row[3] == "'" + FORMULA

    # Nothing matches: the headers alone
    assert _shown(client, "status=closed") == []
    assert _csv(client, _export(client, capture, "csv", status="closed")) == [HEADER]
    assert _xlsx(client, _export(client, capture, "xlsx", status="closed")) == [HEADER]


def test_the_other_organisation_exports_only_its_own(
    client, logged_in, pue_handler, world, django_capture_on_commit_callbacks
) -> None:
    logged_in(pue_handler)
    rows = _csv(client, _export(client, django_capture_on_commit_callbacks, "csv"))
    assert [r[0] for r in rows[1:]] == [world["elsewhere"].number]


def test_a_bad_filter_is_the_lists_error_and_nothing_is_queued(
    client, logged_in, agu_handler, world
) -> None:
    logged_in(agu_handler)
    response = client.post(EXPORT, {"status": "bogus", "format": "csv"})
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?status=bogus"
    page = client.get(response["Location"])
    said = [str(m) for m in page.context["messages"]]
    assert len(said) == 1
    assert "bogus" in said[0]  # the form's own "not one of the choices"
    response = client.post(EXPORT, {"category": "wages", "format": "pdf"})
    assert response["Location"] == f"{LIST}?category=wages"
    said = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert said == ["Elija CSV o XLSX."]
    assert not ExportJob.objects.exists()
    assert client.get(EXPORT).status_code == 405  # noqa: PLR2004


def test_the_list_page_buttons_carry_its_filters(
    client, logged_in, agu_handler, world
) -> None:
    logged_in(agu_handler)
    body = client.get(f"{LIST}?category=wages&overdue=1&page=1").content.decode()
    start = body.index('id="case-export"')
    form = body[body.rindex("<form", 0, start) : body.index("</form>", start)]
    assert 'method="post"' in form
    assert f'action="{EXPORT}"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<input type="hidden" name="category" value="wages">' in form
    assert '<input type="hidden" name="overdue" value="1">' in form
    assert 'name="page"' not in form
    assert 'name="format" value="csv"' in form
    assert 'name="format" value="xlsx"' in form


def test_a_member_without_case_access_cannot_export(
    client, logged_in, agu_analyst, world
) -> None:
    logged_in(agu_analyst)
    assert client.post(EXPORT, {"format": "csv"}).status_code in (403, 404)
    assert not ExportJob.objects.exists()
