"""`{% sla_clock %}`: an SLA clock as the case list, triage and the case page show it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.template import engines
from django.utils import translation

from remedia.cases import sla
from remedia.cases.views import CLOCK_STATE_LABELS, ClockView

NOW = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
TAG = engines["django"].from_string("{% load clocks %}{% sla_clock clock %}")


def _clock(state, *, due_at=None, done_at=None, remaining=None):
    return ClockView(
        name="Acuse de recibo",
        state=str(state),
        label=CLOCK_STATE_LABELS[state],
        due_at=due_at,
        done_at=done_at,
        remaining=remaining,
    )


@pytest.fixture
def now(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    return NOW


def test_a_running_clock_says_when_it_falls_due_in_local_time(now):
    # given a clock due in three days (16:00 UTC is 10:00 in Mexico City)
    clock = _clock(sla.ClockState.RUNNING, due_at=now + timedelta(days=3, hours=-2))
    # when it is drawn in Spanish
    with translation.override("es-mx"):
        html = TAG.render({"clock": clock})
    # then the badge, the time left and the moment, for people and machines
    assert html == (
        '<span class="clock clock-running">En plazo</span> <span class="help">'
        'vence en 2 días · <time datetime="2026-12-10T10:00:00-06:00">'
        "10 de diciembre de 2026, 10:00</time></span>"
    )


def test_an_overdue_clock_says_how_late_it_is_in_english(now):
    clock = _clock(sla.ClockState.OVERDUE, due_at=now - timedelta(hours=5))
    with translation.override("en"):
        html = TAG.render({"clock": clock})
    assert html.startswith('<span class="clock clock-overdue">Overdue</span> ')
    assert "overdue by 5 hours" in html
    assert 'datetime="2026-12-07T07:00:00-06:00"' in html


def test_a_paused_clock_says_what_it_has_left_and_nothing_when_none(now):
    paused = _clock(sla.ClockState.PAUSED, remaining=timedelta(days=2))
    spent = _clock(sla.ClockState.PAUSED, remaining=timedelta(seconds=-1))
    with translation.override("es-mx"):
        assert TAG.render({"clock": paused}) == (
            '<span class="clock clock-paused">En pausa</span> '
            '<span class="help">(quedan 2 días)</span>'
        )
        assert TAG.render({"clock": spent}) == (
            '<span class="clock clock-paused">En pausa</span>'
        )


def test_a_met_clock_says_when_it_was_met(now):
    clock = _clock(sla.ClockState.MET, due_at=now + timedelta(days=1), done_at=now)
    with translation.override("es-mx"):
        html = TAG.render({"clock": clock})
    assert html == (
        '<span class="clock clock-met">Cumplido a tiempo</span> '
        '<span class="help">7 de diciembre de 2026, 12:00</span>'
    )


def test_what_a_clock_says_is_escaped(now):
    clock = ClockView(
        name="x",
        state='"><b',
        label="<script>",
        due_at=None,
        done_at=None,
        remaining=None,
    )
    html = TAG.render({"clock": clock})
    assert "<script>" not in html
    assert "<b" not in html
    assert "&lt;script&gt;" in html
