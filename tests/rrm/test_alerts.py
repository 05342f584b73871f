"""Alerts to petition analysts before an Annex 31-A step falls due, delivered
over SMTP to a real local listener (the cases app's aiosmtpd fixture)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, override

from remedia.accounts.models import User
from remedia.notifications.models import Notification
from remedia.rrm import alerts, services, tasks
from remedia.rrm.deadlines import StepStatus, timeline_compute
from remedia.rrm.models import RrmCase, RrmEnding, RrmStage
from tests.rrm.world import INISA_FACTS, _clear_cache, petition  # noqa: F401
from tests.support.actors import with_email
from tests.support.mail import BASE_URL

pytestmark = pytest.mark.django_db

ANA = "ana@cla.example.org"
PABLO = "pablo@cop.example.org"
HILDA = "hilda@cla.example.org"
FACILITY = "Industrial Textil de Aguascalientes"


@pytest.fixture
def ana(analyst) -> User:
    return with_email(analyst, ANA)


@pytest.fixture
def staff(ana, analyst_pue, agu_handler) -> None:
    """An analyst of each organisation and a case handler, all with addresses."""
    with_email(analyst_pue, PABLO)
    with_email(agu_handler, HILDA)


def _filed_for_due_in(days: int) -> dt.date:
    """A petition day whose ILC determination falls due (business day) in `days` days."""
    today = timezone.localdate()
    for back in range(1, 90):
        filed = today - dt.timedelta(days=back)
        (step,) = timeline_compute(today=today, petition=filed)
        if (step.due_business - today).days == days:
            return filed
    raise AssertionError(f"no petition day gives a step due in {days} days")


def _due_in_a_few_days() -> tuple[dt.date, int]:
    for days in (2, 1, 3):  # a weekend or holiday may leave no business day in 2
        try:
            return _filed_for_due_in(days), days
        except AssertionError:
            continue
    raise AssertionError("no business day within three days")


def test_a_step_due_soon_is_emailed_once_to_each_analyst_of_the_organisation(
    smtp,  # noqa: F811
    staff,
    analyst,
):
    filed, days = _due_in_a_few_days()
    case = petition(analyst, petition_received_on=filed)

    assert tasks.rrm_alerts_send.call_local() == 1

    assert smtp.recipients() == [ANA]
    (email,) = smtp.to(ANA)
    (step,) = case.timeline(today=timezone.localdate())
    assert email.subject == f"Paso por vencer en la petición sobre {FACILITY}"
    assert "«Determinación del ILC»" in email.body
    assert FACILITY in email.body
    assert date_format(step.due_business, "DATE_FORMAT") in email.body
    assert (f"quedan {days} días" if days > 1 else "queda 1 día") in email.body
    assert f"{BASE_URL}/staff/rrm/{case.pk}/" in email.body
    # No petition facts and no petitioners leave the server.
    assert INISA_FACTS not in email.body
    assert "Frente Auténtico del Trabajo" not in email.body
    assert email.message["Content-Language"] == "es-mx"
    (row,) = Notification.objects.filter(kind=alerts.KIND)
    assert row.sent_at is not None
    assert row.key == f"{case.pk}:ilc_determination:{step.due_business:%Y%m%d}"

    smtp.clear()
    assert alerts.rrm_alerts_send() == 0
    assert smtp.delivered == []


def test_an_overdue_step_alerts(smtp, staff, analyst):  # noqa: F811
    filed = timezone.localdate() - dt.timedelta(days=45)
    petition(analyst, petition_received_on=filed)

    alerts.rrm_alerts_send()

    (email,) = smtp.to(ANA)
    assert email.subject == f"Paso vencido en la petición sobre {FACILITY}"
    assert "y sigue pendiente" in email.body


def test_a_step_further_off_waits(smtp, staff, analyst, settings):  # noqa: F811
    settings.RRM_ALERT_DAYS = 3
    petition(analyst, petition_received_on=timezone.localdate() - dt.timedelta(days=5))

    assert alerts.rrm_alerts_send() == 0
    assert smtp.delivered == []


def test_a_step_met_or_a_closed_case_does_not_alert(smtp, staff, analyst):  # noqa: F811
    today = timezone.localdate()
    met = petition(analyst, petition_received_on=today - dt.timedelta(days=40))
    met = services.petition_advance(
        case=met,
        user=analyst.user,
        to_stage=RrmStage.ILC_DETERMINATION,
        on=today,
        affirmative=True,
    )
    assert all(s.status != StepStatus.OVERDUE for s in met.timeline(today=today))
    closed = petition(analyst, petition_received_on=today - dt.timedelta(days=40))
    services.petition_advance(
        case=closed,
        user=analyst.user,
        to_stage=RrmStage.CLOSED,
        on=today,
        ending=RrmEnding.FACILITY_CLOSED,
    )

    assert alerts.rrm_alerts_send() == 0
    assert smtp.delivered == []


def test_a_public_record_case_gets_no_alerts(smtp, staff, analyst):  # noqa: F811
    case = petition(analyst, petition_received_on=timezone.localdate())
    RrmCase.objects.filter(pk=case.pk).update(organisation=None, stage="")

    assert alerts.rrm_alerts_send() == 0
    assert smtp.delivered == []


def test_a_step_met_after_the_claim_is_not_sent_on_retry(smtp, staff, analyst):  # noqa: F811
    """A refused email is retried by the cases app's hourly run only while it holds."""
    today = timezone.localdate()
    case = petition(analyst, petition_received_on=today - dt.timedelta(days=40))
    (step,) = case.timeline(today=today)
    user = User.objects.get(email=ANA)
    key = f"{case.pk}:ilc_determination:{step.due_business:%Y%m%d}"
    assert alerts._compose_step_due(user, key, timezone.now()) is not None

    services.petition_advance(
        case=case,
        user=analyst.user,
        to_stage=RrmStage.ILC_DETERMINATION,
        on=today,
        affirmative=True,
    )

    assert alerts._compose_step_due(user, key, timezone.now()) is None


def test_the_email_is_in_the_analysts_language(smtp, analyst):  # noqa: F811
    with_email(analyst, ANA, language="en")
    filed = timezone.localdate() - dt.timedelta(days=45)
    case = petition(analyst, petition_received_on=filed)
    (step,) = case.timeline(today=timezone.localdate())

    alerts.rrm_alerts_send()

    (email,) = smtp.to(ANA)
    assert email.message["Content-Language"] == "en"
    with override("en"):
        assert email.subject == gettext(
            "Paso vencido en la petición sobre %(facility)s"
        ) % {"facility": FACILITY}
        assert date_format(step.due_business, "DATE_FORMAT") in email.body
        assert gettext("Véala en Remedia:") in email.body
    assert "See it in Remedia:" in email.body
    assert email.subject == f"Overdue step in the petition about {FACILITY}"
    assert "is still pending" in email.body
