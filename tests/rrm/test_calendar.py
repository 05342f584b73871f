"""The calendar of open deadlines: the page and the iCalendar feed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from remedia.rrm.agenda import agenda_entries, agenda_groups, ics_calendar, ics_escape
from remedia.rrm.models import RrmCase

D = dt.date
TODAY = D(2023, 8, 1)


def _cases() -> list[RrmCase]:
    return [
        # Request Tue 2023-07-25: acceptance due Fri 08-04, review Fri 09-08.
        RrmCase(
            slug="late-summer",
            facility_name='Planta "Norte"; nave 2, turno\\B',
            ilc_request_on=D(2023, 7, 25),
        ),
        # A determination without a course: the consultation (due Wed 05-10) is overdue.
        RrmCase(
            slug="stalled",
            facility_name="Stalled",
            ilc_request_on=D(2023, 3, 13),
            mexico_determination_on=D(2023, 4, 30),
        ),
        # Everything done: nothing on the calendar.
        RrmCase(
            slug="done",
            facility_name="Done",
            ilc_request_on=D(2023, 1, 31),
            mexico_determination_on=D(2023, 3, 17),
            remediation_announced_on=D(2023, 3, 27),
        ),
    ]


def test_open_steps_by_date_overdue_first_then_by_month():
    entries = agenda_entries(cases=_cases(), today=TODAY)

    groups = agenda_groups(entries)

    assert [
        (g.key, [(e.case.slug, e.step, e.due_business, e.days_left) for e in g.entries])
        for g in groups
    ] == [
        ("overdue", [("stalled", "remediation_consultation", D(2023, 5, 10), -83)]),
        ("2023-08", [("late-summer", "review_acceptance", D(2023, 8, 4), 3)]),
        ("2023-09", [("late-summer", "review", D(2023, 9, 8), 38)]),
    ]


def test_ics_escaping():
    assert ics_escape("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"


def test_the_feed_has_one_all_day_event_per_pending_step():
    entries = agenda_entries(cases=_cases(), today=TODAY)

    body = ics_calendar(
        entries=entries,
        now=dt.datetime(2023, 8, 1, 12, 0, tzinfo=dt.UTC),
        url_for=lambda case: f"https://remedia.example/rrm/{case.slug}/",
        host="remedia.example",
    )

    # CRLF line endings, no bare LF, lines of at most 75 octets
    assert body.endswith("\r\n")
    assert "\n" not in body.replace("\r\n", "")
    lines = body.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    # One VEVENT per pending step; the overdue one stays off the feed
    unfolded = body.replace("\r\n ", "")
    assert unfolded.count("BEGIN:VEVENT") == 2
    assert re.findall(r"DTSTART;VALUE=DATE:(\d+)", unfolded) == ["20230804", "20230908"]
    assert re.findall(r"DTEND;VALUE=DATE:(\d+)", unfolded) == ["20230805", "20230909"]
    assert "DTSTAMP:20230801T120000Z" in unfolded
    # Text values escaped
    assert (
        'SUMMARY:Aceptación de la revisión: Planta "Norte"\\; nave 2\\, turno\\\\B'
        in unfolded
    )
    assert "URL:https://remedia.example/rrm/late-summer/" in unfolded
    uids = re.findall(r"UID:(\S+)", unfolded)
    assert len(set(uids)) == 2
    assert all(uid.endswith("@remedia.example") for uid in uids)


@pytest.mark.django_db
class TestCalendarPages:
    @pytest.fixture(autouse=True)
    def _clear_cache(self, db: None) -> None:
        cache.clear()

    @pytest.fixture
    def cases(self) -> dict[str, RrmCase]:
        today = timezone.localdate()
        return {
            "open": RrmCase.objects.create(
                slug="open-case",
                facility_name="Planta <Abierta>, S.A.; sur",
                ilc_request_on=today - dt.timedelta(days=2),
            ),
            "overdue": RrmCase.objects.create(
                slug="overdue-case",
                facility_name="Planta vencida",
                ilc_request_on=today - dt.timedelta(days=400),
                mexico_accepted_on=today - dt.timedelta(days=399),
            ),
            "hidden": RrmCase.objects.create(
                slug="hidden-case",
                facility_name="Oculta",
                ilc_request_on=today - dt.timedelta(days=1),
                is_public=False,
            ),
        }

    def test_the_calendar_page(self, client, cases):
        response = client.get("/rrm/plazos/")

        assert response.status_code == 200
        assert "Content-Security-Policy" in response
        html = response.content.decode()
        assert '<html lang="es-mx">' in html
        # Overdue first, in its own group, then the months
        sections = re.findall(
            r'<section class="rrm-agenda-group" id="plazos-([^"]+)">', html
        )
        assert sections[0] == "overdue"
        assert all(re.fullmatch(r"\d{4}-\d{2}", key) for key in sections[1:])
        assert "Vencidos" in html
        assert html.index("/rrm/overdue-case/") < html.index("/rrm/open-case/")
        assert html.count('href="/rrm/open-case/"') == 2  # acceptance and review
        assert "Planta &lt;Abierta&gt;" in html
        assert "Oculta" not in html
        assert "vencido hace" in html
        assert "quedan" in html
        assert 'href="/rrm/plazos.ics"' in html
        assert "<script" not in html
        assert "style=" not in html

    def test_the_calendar_page_in_english(self, client, cases):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

        html = client.get("/rrm/plazos/").content.decode()

        assert '<html lang="en">' in html
        assert "Skip to content" in html

    def test_the_feed(self, client, cases):
        response = client.get("/rrm/plazos.ics")

        assert response.status_code == 200
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        body = response.content.decode()
        assert "\n" not in body.replace("\r\n", "")
        unfolded = body.replace("\r\n ", "")
        assert unfolded.count("BEGIN:VEVENT") == 2  # the open case's two steps
        steps = cases["open"].timeline(today=timezone.localdate())
        assert re.findall(r"DTSTART;VALUE=DATE:(\d+)", unfolded) == [
            f"{step.due_business:%Y%m%d}" for step in steps
        ]
        assert "Planta <Abierta>\\, S.A.\\; sur" in unfolded
        assert "http://testserver/rrm/open-case/" in unfolded
        assert "Oculta" not in unfolded


@pytest.mark.django_db
def test_the_list_links_to_the_calendar_and_the_figures(client):
    cache.clear()
    html = client.get("/rrm/").content.decode()

    assert 'href="/rrm/plazos/"' in html
    assert 'href="/rrm/cifras/"' in html
