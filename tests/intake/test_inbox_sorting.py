"""The inbox as a data table (issue 22.1): sorted by its columns in the
database, paged like the case list, its total said in words, its dates in
words ("hace un momento", never "hace 0 minutos"), its status a badge, and an
export that keeps the order; no query more for any of it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from remedia.core.models import ExportJob
from remedia.intake import services as intake
from remedia.intake import views
from remedia.intake.models import Report, ReportStatus
from tests.support.factories.facilities import FacilityFactory
from tests.support.lists import exported_csv, form_html, page_queries

pytestmark = pytest.mark.django_db

INBOX = "/staff/reports/"
EXPORT = "/staff/reports/export/"


def _submit(**overrides: Any) -> Report:
    fields: dict[str, Any] = {
        "channel": "web",
        "categories": ["intimidation"],
        "narrative": "Nos cambiaron el turno sin aviso.",
        "facility_name": "La maquila",
        "state": "MX-AGU",
        **overrides,
    }
    return intake.report_submit(draft=intake.ReportDraft(**fields)).report


@pytest.fixture
def three(orgs) -> dict[str, Report]:
    """Received three days ago by SMS at "Textiles Zafiro", closed; two days
    ago by the web at "Aceros Bajío", in review; an hour ago by phone with no
    facility, urgent and just received."""
    zafiro = FacilityFactory(name="Textiles Zafiro", state="MX-AGU")
    aceros = FacilityFactory(name="Aceros Bajío", state="MX-AGU")
    now = timezone.now()
    sms = _submit(channel="sms", facility_id=zafiro.pk, facility_name="")
    web = _submit(channel="web", facility_id=aceros.pk, facility_name="")
    voice = _submit(channel="voice")
    Report.objects.filter(pk=sms.pk).update(
        created_at=now - timedelta(days=3), status=ReportStatus.CLOSED
    )
    Report.objects.filter(pk=web.pk).update(
        created_at=now - timedelta(days=2), status=ReportStatus.IN_REVIEW
    )
    Report.objects.filter(pk=voice.pk).update(
        created_at=now - timedelta(hours=1), urgent=True
    )
    intake.selectors.inbox_changed()
    return {"sms": sms, "web": web, "voice": voice}


def _ids(client: Any, query: str = "") -> list[Any]:
    response = client.get(f"{INBOX}?{query}")
    assert response.status_code == 200
    return [r.pk for r in response.context["reports"]]


def test_each_key_orders_the_inbox_both_ways(client, enter, agu_handler, three):
    enter(agu_handler)
    sms, web, voice = three["sms"].pk, three["web"].pk, three["voice"].pk

    # Its own order: urgent first, then the newest
    assert _ids(client) == [voice, web, sms]
    assert _ids(client, "orden=recibida") == [sms, web, voice]
    assert _ids(client, "orden=-recibida") == [voice, web, sms]
    # By the channel's name as shown: SMS, Teléfono, Web
    assert _ids(client, "orden=canal") == [sms, voice, web]
    assert _ids(client, "orden=-canal") == [web, voice, sms]
    # No facility last both ways
    assert _ids(client, "orden=centro") == [web, sms, voice]
    assert _ids(client, "orden=-centro") == [sms, web, voice]
    # The workflow's order: received, in review, closed
    assert _ids(client, "orden=estado") == [voice, web, sms]
    assert _ids(client, "orden=-estado") == [sms, web, voice]
    # Filtered and sorted
    assert _ids(client, "urgent=0&orden=recibida") == [sms, web]


def test_channels_sort_by_the_readers_words(
    client, enter, agu_handler, three, settings
):
    enter(agu_handler)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # "Phone" comes before "SMS" in English, where "Teléfono" came after it
    assert _ids(client, "orden=canal") == [
        three["voice"].pk,
        three["sms"].pk,
        three["web"].pk,
    ]


def test_an_unknown_key_is_said_and_the_default_order_kept(
    client, enter, agu_handler, three
):
    enter(agu_handler)

    response = client.get(f"{INBOX}?orden=-prioridad&urgent=0")

    assert response.status_code == 200
    html = response.content.decode()
    assert "La lista no se puede ordenar por «-prioridad»" in html
    assert [r.pk for r in response.context["reports"]] == [
        three["web"].pk,
        three["sms"].pk,
    ]
    assert "aria-sort" not in html
    # ...and the export is not offered that order
    assert 'name="orden"' not in form_html(html, "inbox-export")


def test_headers_keep_the_filters_drop_the_page_and_say_aria_sort(
    client, enter, agu_handler, three
):
    enter(agu_handler)

    html = client.get(f"{INBOX}?channel=sms&orden=-recibida&page=1").content.decode()

    thead = html[html.index("<thead>") : html.index("</thead>")]
    assert thead.count("aria-sort=") == 1
    assert 'aria-sort="descending"><a href="?channel=sms&amp;orden=recibida">' in thead
    assert 'href="?channel=sms&amp;orden=canal"' in thead
    assert "page=" not in thead
    form = form_html(html, "inbox-filters")
    assert '<label for="id_orden">Ordenar por</label>' in form
    assert '<option value="-recibida" selected>Recibida, descendente</option>' in form


def test_the_inbox_pages_and_counts_its_reports(
    client, enter, agu_handler, three, monkeypatch
):
    monkeypatch.setattr(views, "INBOX_PAGE_SIZE", 2)
    enter(agu_handler)

    first = client.get(f"{INBOX}?orden=recibida")
    second = client.get(f"{INBOX}?orden=recibida&page=2")

    assert [r.pk for r in first.context["reports"]] == [
        three["sms"].pk,
        three["web"].pk,
    ]
    assert [r.pk for r in second.context["reports"]] == [three["voice"].pk]
    html = first.content.decode()
    assert "3 denuncias" in html
    assert "Página 1 de 2" in html
    assert 'href="?orden=recibida&amp;page=2" rel="next"' in html
    assert "Página 2 de 2" in second.content.decode()
    # A page past the end is the last one, not an error
    assert client.get(f"{INBOX}?page=99").status_code == 200
    only = client.get(f"{INBOX}?channel=sms").content.decode()
    assert "1 denuncia<" in only
    assert 'rel="next"' not in only


def test_dates_in_words_and_the_status_as_a_badge(client, enter, agu_handler, orgs):
    enter(agu_handler)
    report = _submit()
    Report.objects.filter(pk=report.pk).update(
        acknowledged_at=report.created_at + timedelta(seconds=20)
    )

    html = client.get(INBOX).content.decode()

    assert "hace un momento" in html
    assert "0 minutos" not in html
    assert "acusada en menos de un minuto" in html
    local = timezone.localtime(report.created_at)
    assert f'<time datetime="{local.isoformat(timespec="seconds")}">' in html
    assert f"{local:%Y-%m-%d %H:%M}" not in html
    assert '<span class="badge-status status-received">Recibida</span>' in html


def test_the_export_carries_the_order(
    client, enter, agu_handler, three, django_capture_on_commit_callbacks
):
    enter(agu_handler)
    html = client.get(f"{INBOX}?urgent=0&orden=recibida").content.decode()
    export = form_html(html, "inbox-export")
    assert '<input type="hidden" name="orden" value="recibida">' in export
    assert '<input type="hidden" name="urgent" value="0">' in export

    rows = exported_csv(
        client, django_capture_on_commit_callbacks, EXPORT, {"orden": "-canal"}
    )
    assert [r[1] for r in rows[1:]] == ["Web", "Teléfono", "SMS"]

    refused = client.post(EXPORT, {"orden": "nada", "format": "csv"})
    assert refused["Location"] == f"{INBOX}?orden=nada"
    assert ExportJob.objects.count() == 1


def test_a_sorted_or_later_page_costs_no_query_more(
    client, enter, agu_handler, three, monkeypatch
):
    monkeypatch.setattr(views, "INBOX_PAGE_SIZE", 2)
    enter(agu_handler)

    plain = page_queries(client, INBOX)
    for query in ("orden=canal", "orden=-centro", "orden=estado&page=2", "page=2"):
        assert page_queries(client, f"{INBOX}?{query}") == plain, query
