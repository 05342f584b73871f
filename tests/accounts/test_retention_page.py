"""The administrators' retention page and `remedia retention-run`."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from remedia.notifications.models import Notification
from tests.support.actors import staff_member

pytestmark = pytest.mark.django_db

PAGE = "/staff/retencion/"


def _row(html: str, kind: str) -> str:
    match = re.search(rf'<tr data-kind="{kind}">(.*?)</tr>', html, re.S)
    assert match, kind
    return match.group(1)


def _cell(row: str, name: str) -> str:
    match = re.search(rf'<td class="{name}">(.*?)</td>', row, re.S)
    assert match, name
    return match.group(1).strip()


def test_an_administrator_sees_per_kind_what_goes_when(
    client, enter, orgs, agu_handler
):
    admin = staff_member(orgs.operator, "alicia", role="admin")
    for key, age in (("a", 200), ("b", 170), ("c", 1)):
        row = Notification.objects.create(user=agu_handler.user, kind="t", key=key)
        Notification.objects.filter(pk=row.pk).update(
            created_at=timezone.now() - timedelta(days=age)
        )
    enter(admin)

    page = client.get(PAGE)

    assert page.status_code == 200
    html = page.content.decode()
    assert "Conservación de datos personales" in html
    assert "Todavía no ha corrido." in html
    row = _row(html, "notifications")
    assert "180" in row
    assert "la creación del aviso" in row
    assert _cell(row, "due-next") == "1"
    assert _cell(row, "due-30") == "2"
    # Every kind has its line, and the audit log, kept, says why
    for kind in (
        "reports",
        "cases",
        "victim_files",
        "remediation_evidence",
        "survey_answers",
        "coordination_evidence",
        "sessions",
        "import_files",
        "rrm_documents",
        "screenings",
        "webhook_logs",
        "audit",
    ):
        _row(html, kind)
    assert "la creación de la entrega" in _row(html, "webhook_logs")
    assert "Se conserva" in _row(html, "audit")

    # After a run the page shows its result, and what is left
    call_command("retention_run", stdout=StringIO())
    html = client.get(PAGE).content.decode()
    assert "Todavía no ha corrido." not in html
    row = _row(html, "notifications")
    assert _cell(row, "last") == "1"
    assert _cell(row, "due-next") == "0"
    assert _cell(row, "due-30") == "1"


def test_the_page_is_in_english_for_an_english_reader(client, enter, orgs):
    enter(staff_member(orgs.operator, "alicia", role="admin"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(PAGE).content.decode()

    assert "Retention of personal data" in html
    assert (
        "the notification&#x27;s creation" in html or "notification's creation" in html
    )
    assert "Conservación de datos personales" not in html


def test_a_kept_kind_says_so(client, enter, orgs, settings):
    settings.REMEDIA_RETENTION = {**settings.REMEDIA_RETENTION, "reports": "never"}
    enter(staff_member(orgs.operator, "alicia", role="admin"))

    row = _row(client.get(PAGE).content.decode(), "reports")

    assert "Se conserva (sin plazo)" in row


@pytest.mark.parametrize("role", ["handler", "protection_lead", "coordinator"])
def test_only_administrators_reach_the_page(client, enter, orgs, role):
    enter(staff_member(orgs.agu, "otra", role=role))
    assert client.get(PAGE).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/staff/login/" in response["Location"]


def test_the_command_counts_in_a_dry_run_and_destroys_in_a_real_one(orgs, agu_handler):
    row = Notification.objects.create(user=agu_handler.user, kind="t", key="x")
    Notification.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - timedelta(days=181)
    )

    out = StringIO()
    call_command("retention_run", "--dry-run", stdout=out)
    assert "notifications: would destroy 1" in out.getvalue()
    assert Notification.objects.filter(pk=row.pk).exists()

    out = StringIO()
    call_command("retention_run", "--kind", "notifications", stdout=out)
    assert "notifications: destroyed 1" in out.getvalue()
    assert not Notification.objects.filter(pk=row.pk).exists()

    with pytest.raises(CommandError, match="unknown kind"):
        call_command("retention_run", "--kind", "nada", stdout=StringIO())
