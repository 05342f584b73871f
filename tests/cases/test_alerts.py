"""The cases app's notifications, delivered over SMTP to a real local listener (aiosmtpd).

Each test drives the services a page or a channel calls; the signals fire on
commit and huey runs the jobs at once (tests' immediate mode), so an email in
the listener went the whole way: signal, job, Notification row, SMTP. The
machinery alone (claims, lease, preferences, the in-app list) is tested in
tests/notifications/.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, override

from remedia.accounts.models import Membership, User
from remedia.cases import alerts as notify
from remedia.cases import services
from remedia.cases.models import Case
from remedia.intake import services as intake
from remedia.notifications import digest
from remedia.notifications import services as sending
from remedia.notifications.models import Notification
from tests.support.actors import staff_member, with_email
from tests.support.mail import BASE_URL, free_port

HILDA = "hilda@cla.example.org"
CARMEN = "carmen@cla.example.org"
HECTOR = "hector@cop.example.org"
ANA = "ana@cla.example.org"

FACILITY_TYPED = "Maquiladora Los Tres Hermanos de Calvillo"
NARRATIVE_SECRET = "El gerente Rogelio Zárate amenazó con cerrar la planta si votamos por el sindicato."
MESSAGE_SECRET = "Me volvieron a cambiar de turno al de la noche, ya van tres veces."
TASK_TITLE = "Revisar nómina de la línea 7"


@pytest.fixture
def hilda(agu_handler) -> User:
    return with_email(agu_handler, HILDA)


@pytest.fixture
def carmen(agu_colleague) -> User:
    return with_email(agu_colleague, CARMEN)


@pytest.fixture
def hector(pue_handler) -> User:
    return with_email(pue_handler, HECTOR)


@pytest.fixture
def ana(agu_analyst) -> User:
    """A member of Aguascalientes' organisation without the handler role."""
    return with_email(agu_analyst, ANA)


@pytest.fixture
def everyone(hilda, carmen, hector, ana) -> None:
    """Staff of both organisations with addresses, and one without (never emailed)."""


def fresh_case(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def tomorrow():
    return timezone.localdate() + timedelta(days=1)


# --- A report arrives -----------------------------------------------------------------------


def test_a_new_report_is_emailed_to_the_handlers_it_was_routed_to(
    smtp, everyone, orgs, report_in, django_capture_on_commit_callbacks
):
    without_address = staff_member(orgs.agu, "sin_correo").user  # no address

    with django_capture_on_commit_callbacks(execute=True):
        submitted = report_in()

    assert smtp.recipients() == [CARMEN, HILDA]
    (email,) = smtp.to(HILDA)
    assert email.subject == "Nueva denuncia recibida"
    assert email.message["From"] == "remedia@localhost"
    assert email.message["Content-Language"] == "es-mx"
    assert f"{BASE_URL}/staff/reports/{submitted.report.pk}/" in email.body
    assert "Plazo para acusar recibo" in email.body
    assert "URGENTE" not in email.body
    rows = Notification.objects.filter(kind=notify.REPORT_ROUTED)
    emailed = rows.exclude(user=without_address)
    assert emailed.count() == 2
    assert all(
        n.sent_at is not None and n.key == str(submitted.report.pk) for n in emailed
    )
    # The handler without an address still finds it in the app, never emailed
    listed = rows.get(user=without_address)
    assert (listed.by_email, listed.sent_at) == (False, None)
    assert listed.url.endswith(f"/staff/reports/{submitted.report.pk}/")


def test_an_urgent_report_says_so_with_the_acknowledgement_deadline(
    smtp, hilda, report_in, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submitted = report_in(categories=["child_labour"])

    (email,) = smtp.to(HILDA)
    assert email.subject == "URGENTE: Nueva denuncia recibida"
    due = timezone.localtime(submitted.report.created_at + timedelta(hours=24))
    assert "Es URGENTE" in email.body
    assert f"a más tardar el {date_format(due, 'DATETIME_FORMAT')}" in email.body


def test_a_job_run_twice_for_one_report_sends_once(smtp, hilda, report_in):
    submitted = report_in()
    routed = [
        str(o)
        for o in submitted.report.recipients.values_list("organisation_id", flat=True)
    ]

    first = notify.report_routed(report_id=submitted.report.pk, organisation_ids=routed)
    second = notify.report_routed(
        report_id=submitted.report.pk, organisation_ids=routed
    )

    assert (first, second) == (1, 0)
    assert len(smtp.to(HILDA)) == 1


# --- Cases ------------------------------------------------------------------------------------


def test_the_assignee_is_told_each_time_a_case_becomes_theirs(
    smtp, hilda, carmen, report_in, django_capture_on_commit_callbacks
):
    case = services.case_open(report_ids=[report_in().report.pk], user=hilda)

    with django_capture_on_commit_callbacks(execute=True):
        services.case_update(case=case, user=hilda, assignee_id=carmen.pk)

    (email,) = smtp.delivered
    assert email.recipients == [CARMEN]
    assert email.subject == f"Se le asignó el caso {case.number}"
    assert "Próximo plazo: primera respuesta a quien denunció" in email.body
    assert f"{BASE_URL}/staff/cases/{case.pk}/" in email.body
    # The same job again (a retried task) sends nothing more.
    assert notify.case_assigned(case_id=case.pk, user_id=carmen.pk) == 0
    # Taken back and given again: a new assignment, a new email.
    with django_capture_on_commit_callbacks(execute=True):
        services.case_update(case=case, user=hilda, assignee_id=hilda.pk)
        services.case_update(case=case, user=hilda, assignee_id=carmen.pk)
    assert [d.recipients for d in smtp.delivered] == [[CARMEN], [CARMEN]]


def test_a_reporters_answer_while_awaiting_it_reaches_the_assignee(
    smtp, hilda, carmen, report_in, django_capture_on_commit_callbacks
):
    submitted = report_in()
    case = services.case_open(
        report_ids=[submitted.report.pk], user=hilda, assignee_id=carmen.pk
    )
    services.case_status_change(case=case, user=hilda, status="awaiting_response")
    access = intake.reporter_open(receipt=submitted.receipt)

    with django_capture_on_commit_callbacks(execute=True):
        intake.reporter_message_add(access=access, body=MESSAGE_SECRET)

    (email,) = smtp.delivered
    assert email.recipients == [CARMEN]
    assert email.subject == f"Respuesta nueva en el caso {case.number}"
    assert f"{BASE_URL}{case.get_absolute_url()}" in email.body
    assert fresh_case(case).status == "investigating"


def test_a_reply_on_an_unassigned_case_reaches_the_organisations_handlers(
    smtp, hilda, carmen, ana, hector, report_in, django_capture_on_commit_callbacks
):
    submitted = report_in()
    services.case_open(report_ids=[submitted.report.pk], user=hilda)
    access = intake.reporter_open(receipt=submitted.receipt)

    with django_capture_on_commit_callbacks(execute=True):
        intake.reporter_message_add(access=access, body=MESSAGE_SECRET)

    assert smtp.recipients() == [CARMEN, HILDA]


def test_retaliation_after_closing_is_urgent_news_for_assignee_and_handlers(
    smtp, hilda, carmen, hector, report_in, django_capture_on_commit_callbacks
):
    submitted = report_in()
    case = services.case_open(
        report_ids=[submitted.report.pk], user=hilda, assignee_id=carmen.pk
    )
    services.case_status_change(
        case=case, user=hilda, status="closed", reason="remedied"
    )
    services.checkins_send_due(today=timezone.localdate() + timedelta(days=30))
    access = intake.reporter_open(receipt=submitted.receipt)
    checkin = services.checkin_pending(report=access.report)
    assert checkin is not None

    with django_capture_on_commit_callbacks(execute=True):
        services.checkin_answer(access=access, checkin_id=checkin.pk, answer="yes")

    assert smtp.recipients() == [CARMEN, HILDA]
    for email in smtp.delivered:
        assert (
            email.subject == f"URGENTE: represalia informada en el caso {case.number}"
        )
        assert "se reabrió como urgente" in email.body
        assert "Acuse de recibo a más tardar el" in email.body


# --- Reminders ----------------------------------------------------------------------------------


def test_a_task_due_tomorrow_is_reminded_to_its_owner_once(
    smtp, hilda, carmen, report_in
):
    case = services.case_open(report_ids=[report_in().report.pk], user=hilda)
    services.case_task_add(
        case=case, user=hilda, title=TASK_TITLE, owner_id=carmen.pk, due_on=tomorrow()
    )

    assert notify.reminders_send() == 1
    assert notify.reminders_send() == 0

    (email,) = smtp.delivered
    assert email.recipients == [CARMEN]
    assert email.subject == f"Tarea por vencer en el caso {case.number}"
    assert f"vence el {date_format(tomorrow(), 'DATE_FORMAT')}" in email.body
    assert TASK_TITLE not in email.body


def test_a_done_task_is_not_reminded(smtp, hilda, report_in):
    case = services.case_open(report_ids=[report_in().report.pk], user=hilda)
    task = services.case_task_add(
        case=case, user=hilda, title=TASK_TITLE, owner_id=hilda.pk, due_on=tomorrow()
    )
    services.case_task_done(task=task, user=hilda)

    assert notify.reminders_send() == 0
    assert smtp.delivered == []


def test_an_sla_clock_falling_due_is_reminded_to_the_assignee_once(
    smtp, hilda, carmen, report_in
):
    case = services.case_open(
        report_ids=[report_in().report.pk], user=hilda, assignee_id=carmen.pk
    )
    soon = timezone.now() + timedelta(hours=3)
    Case.objects.filter(pk=case.pk).update(first_response_due_at=soon, next_due_at=soon)

    assert notify.reminders_send() == 1
    assert notify.reminders_send() == 0

    (email,) = smtp.delivered
    assert email.recipients == [CARMEN]
    assert email.subject == (
        f"Plazo por vencer en el caso {case.number}: primera respuesta a quien denunció"
    )
    local = timezone.localtime(soon)
    assert f"vence el {date_format(local, 'DATETIME_FORMAT')}" in email.body


def test_an_overdue_clock_of_an_unassigned_case_goes_to_the_handlers(
    smtp, hilda, carmen, hector, report_in
):
    case = services.case_open(report_ids=[report_in().report.pk], user=hilda)
    past = timezone.now() - timedelta(hours=5)
    Case.objects.filter(pk=case.pk).update(first_response_due_at=past, next_due_at=past)

    assert notify.reminders_send() == 2

    assert smtp.recipients() == [CARMEN, HILDA]
    assert smtp.delivered[0].subject.startswith(
        f"Plazo vencido en el caso {case.number}"
    )


def test_an_assignee_who_left_the_organisation_is_replaced_by_its_handlers(
    smtp, hilda, carmen, report_in
):
    case = services.case_open(
        report_ids=[report_in().report.pk], user=hilda, assignee_id=carmen.pk
    )
    Membership.objects.filter(user=carmen).delete()
    soon = timezone.now() + timedelta(hours=3)
    Case.objects.filter(pk=case.pk).update(first_response_due_at=soon, next_due_at=soon)

    assert notify.reminders_send() == 1

    assert smtp.recipients() == [HILDA]


def test_a_clock_paused_while_waiting_on_the_reporter_is_not_reminded(
    smtp, hilda, report_in
):
    case = services.case_open(report_ids=[report_in().report.pk], user=hilda)
    soon = timezone.now() + timedelta(hours=3)
    Case.objects.filter(pk=case.pk).update(first_response_due_at=soon, next_due_at=soon)
    services.case_status_change(case=case, user=hilda, status="awaiting_response")

    assert notify.reminders_send() == 0
    assert smtp.delivered == []


def test_a_reminder_another_worker_has_claimed_is_not_sent_again(
    smtp, hilda, report_in
):
    case = services.case_open(report_ids=[report_in().report.pk], user=hilda)
    task = services.case_task_add(
        case=case, user=hilda, title=TASK_TITLE, owner_id=hilda.pk, due_on=tomorrow()
    )
    # The other worker committed its row and is talking to the mail server now.
    Notification.objects.create(
        user=hilda,
        kind=notify.TASK_DUE,
        key=f"{task.pk}:{task.due_on:%Y%m%d}",
    )

    assert notify.reminders_send() == 0
    assert smtp.delivered == []


@pytest.mark.postgresql  # concurrent writers: SQLite serialises them
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_flushable_audit_log")
def test_two_workers_at_once_send_one_reminder(smtp, hilda, report_in):
    case = services.case_open(report_ids=[report_in().report.pk], user=hilda)
    services.case_task_add(
        case=case, user=hilda, title=TASK_TITLE, owner_id=hilda.pk, due_on=tomorrow()
    )
    smtp.clear()  # committing for real, the report's routing email went already
    start = threading.Barrier(4)
    results: list[int] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(notify.reminders_send())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(results) == [0, 0, 0, 1]
    assert len(smtp.delivered) == 1
    assert Notification.objects.get(kind=notify.TASK_DUE).sent_at is not None


# --- The mail server is down ------------------------------------------------------------------------


def test_an_email_the_server_refused_is_kept_and_sent_by_a_later_run(
    smtp, settings, hilda, carmen, report_in, django_capture_on_commit_callbacks, caplog
):
    listening = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nobody listens there

    with caplog.at_level(logging.INFO, logger="remedia.notifications.services"):
        with django_capture_on_commit_callbacks(execute=True):
            report_in()

    assert smtp.delivered == []
    rows = Notification.objects.filter(kind=notify.REPORT_ROUTED)
    assert rows.count() == 2
    assert all(n.sent_at is None for n in rows)
    failures = [r for r in caplog.records if r.getMessage() == "notification.failed"]
    assert len(failures) == 2
    assert all(r.levelno == logging.WARNING for r in failures)
    assert not any("@" in str(vars(r)) for r in caplog.records)

    settings.EMAIL_PORT = listening
    # Within the lease another worker may still be sending it: left alone.
    assert sending.unsent_retry() == 0
    rows.update(updated_at=timezone.now() - sending.RETRY_AFTER - timedelta(minutes=1))
    assert sending.unsent_retry() == 2
    assert sending.unsent_retry() == 0

    assert smtp.recipients() == [CARMEN, HILDA]
    assert all(n.sent_at is not None for n in rows.all())


def test_a_refused_email_whose_news_is_stale_is_dropped(
    smtp, settings, hilda, report_in
):
    case = services.case_open(report_ids=[report_in().report.pk], user=hilda)
    task = services.case_task_add(
        case=case, user=hilda, title=TASK_TITLE, owner_id=hilda.pk, due_on=tomorrow()
    )
    listening, settings.EMAIL_PORT = settings.EMAIL_PORT, free_port()
    assert notify.reminders_send() == 0
    services.case_task_done(task=task, user=hilda)
    settings.EMAIL_PORT = listening
    Notification.objects.update(updated_at=timezone.now() - timedelta(hours=1))

    assert sending.unsent_retry() == 0

    assert smtp.delivered == []
    assert not Notification.objects.exists()


# --- The daily digest -----------------------------------------------------------------------------------


def test_the_digest_counts_each_handlers_work_and_skips_those_without(
    smtp, hilda, carmen, hector, ana, report_in
):
    report_in()  # waits for acknowledgement
    mine = services.case_open(
        report_ids=[report_in().report.pk], user=hilda, assignee_id=hilda.pk
    )
    nobodys = services.case_open(report_ids=[report_in().report.pk], user=hilda)
    past = timezone.now() - timedelta(hours=1)
    Case.objects.filter(pk=nobodys.pk).update(
        first_response_due_at=past, next_due_at=past
    )
    services.case_task_add(
        case=mine, user=hilda, title=TASK_TITLE, owner_id=hilda.pk, due_on=tomorrow()
    )

    assert digest.digest_send() == 2
    assert digest.digest_send() == 0

    assert smtp.recipients() == [
        CARMEN,
        HILDA,
    ]  # Héctor has nothing; Ana reads no cases
    (email,) = smtp.to(HILDA)
    assert email.subject == "Remedia: su resumen del día"
    assert "- 1 denuncia sin acuse de recibo" in email.body
    assert "- 1 caso abierto asignado a usted" in email.body
    assert "- 1 caso con un plazo vencido (suyo o sin asignar)" in email.body
    assert "- 1 tarea suya que vence hoy, mañana o ya venció" in email.body
    assert f"{BASE_URL}/staff/" in email.body
    (theirs,) = smtp.to(CARMEN)
    assert "- 0 casos abiertos asignados a usted" in theirs.body
    assert "- 1 caso con un plazo vencido" in theirs.body


# --- Language, content, logs -----------------------------------------------------------------------------


def test_a_user_who_reads_english_gets_the_email_in_english(
    smtp, hilda, agu_colleague, report_in
):
    carmen = with_email(agu_colleague, CARMEN, language="en")
    case = services.case_open(report_ids=[report_in().report.pk], user=hilda)
    services.case_task_add(
        case=case, user=hilda, title=TASK_TITLE, owner_id=carmen.pk, due_on=tomorrow()
    )

    notify.reminders_send()

    (email,) = smtp.to(CARMEN)
    assert email.message["Content-Language"] == "en"
    with override("en"):
        english_date = date_format(tomorrow(), "DATE_FORMAT")
        subject = gettext("Tarea por vencer en el caso %(number)s") % {
            "number": case.number
        }
    with override("es-mx"):
        spanish_date = date_format(tomorrow(), "DATE_FORMAT")
    assert english_date != spanish_date
    assert english_date in email.body
    assert spanish_date not in email.body
    assert email.subject == subject


def test_no_email_carries_what_a_worker_wrote_nor_reaches_anyone_but_staff(
    smtp, hilda, carmen, report_in, django_capture_on_commit_callbacks, caplog
):
    with caplog.at_level(logging.INFO, logger="remedia.notifications.services"):
        with django_capture_on_commit_callbacks(execute=True):
            submitted = report_in(
                narrative=NARRATIVE_SECRET, facility_name=FACILITY_TYPED
            )
        case = services.case_open(report_ids=[submitted.report.pk], user=hilda)
        services.case_note_add(case=case, user=hilda, body=NARRATIVE_SECRET)
        services.case_task_add(
            case=case,
            user=hilda,
            title=TASK_TITLE,
            owner_id=carmen.pk,
            due_on=tomorrow(),
        )
        access = intake.reporter_open(receipt=submitted.receipt)
        with django_capture_on_commit_callbacks(execute=True):
            services.case_update(case=case, user=hilda, assignee_id=carmen.pk)
            intake.reporter_message_add(access=access, body=MESSAGE_SECRET)
        soon = timezone.now() + timedelta(hours=2)
        Case.objects.filter(pk=case.pk).update(
            first_response_due_at=soon, next_due_at=soon
        )
        notify.reminders_send()
        digest.digest_send()
        services.case_status_change(
            case=case, user=hilda, status="closed", reason="remedied"
        )
        services.checkins_send_due(today=timezone.localdate() + timedelta(days=30))
        checkin = services.checkin_pending(report=access.report)
        assert checkin is not None
        with django_capture_on_commit_callbacks(execute=True):
            services.checkin_answer(access=access, checkin_id=checkin.pk, answer="yes")

    # Every kind this app sends; the RRM app's own is tested in tests/rrm/test_alerts.py.
    ours = {
        notify.REPORT_ROUTED,
        notify.CASE_ASSIGNED,
        notify.TASK_DUE,
        notify.SLA_DUE,
        notify.REPORTER_REPLIED,
        notify.RETALIATION,
        digest.DIGEST,
    }
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert kinds == ours
    secrets = [
        NARRATIVE_SECRET,
        MESSAGE_SECRET,
        FACILITY_TYPED,
        submitted.receipt,
        TASK_TITLE,
    ]
    for email in smtp.delivered:
        text = email.subject + "\n" + email.body
        raw = email.raw.decode("utf-8", "replace")
        for secret in secrets:
            assert secret not in text
            assert secret not in raw
        for fragment in ("Zárate", "Calvillo", "turno", "nómina"):
            assert fragment not in text  # not even a telling fragment
    staff = set(User.objects.exclude(email="").values_list("email", flat=True))
    assert staff == {HILDA, CARMEN}
    assert smtp.recipients()
    assert set(smtp.recipients()) <= staff
    # Logs name the event and count, never an address.
    sent = [r for r in caplog.records if r.getMessage() == "notification.sent"]
    assert {r.kind for r in sent} == ours  # type: ignore[attr-defined]
    assert all(r.count >= 1 for r in sent)  # type: ignore[attr-defined]
    assert not any("@" in str(vars(r)) for r in caplog.records)
