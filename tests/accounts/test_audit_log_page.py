"""/staff/auditoria/: the audit log for administrators, newest first, filtered,
scoped to their organisations, in the reader's language; the read is audited.
And the admin's users list with role and organisation, in Spanish."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import timezone

from remedia.core.audit import audit_record
from remedia.core.models import AuditEntry
from tests.support.actors import staff_member
from tests.support.factories.accounts import UserFactory, totp_device

pytestmark = pytest.mark.django_db

URL = "/staff/auditoria/"


@pytest.fixture
def admins(orgs):
    return {
        "agu": staff_member(orgs.agu, "adela", role="admin"),
        "pue": staff_member(orgs.pue, "pedro", role="admin"),
        "handler": staff_member(orgs.agu, "hector", role="handler"),
    }


def _entry(action: str, org, *, actor_label: str = "alguien", **kw) -> AuditEntry:
    # The log refuses updates (triggers), so entries are written oldest first.
    audit_record(action=action, organisation=org, actor_label=actor_label, **kw)
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None
    return entry


def _seqs(html: str) -> list[int]:
    return [int(s) for s in re.findall(r'data-seq="(\d+)"', html)]


def test_an_administrator_reads_their_organisations_log_newest_first(
    client, enter, admins, orgs
):
    first = _entry("case.read", orgs.agu, object_type="cases.case")
    second = _entry("report.read", orgs.agu)
    foreign = _entry("case.read", orgs.pue, actor_label="pablo")
    enter(admins["agu"])
    before = AuditEntry.objects.order_by("-seq").first().seq

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    seqs = _seqs(html)
    assert seqs == sorted(seqs, reverse=True)
    assert first.seq in seqs
    assert second.seq in seqs
    assert foreign.seq not in seqs  # another organisation's entry
    # Codes in words, Spanish first
    assert "Caso: consulta" in html
    assert "Denuncia: consulta" in html
    # The read itself is in the log, with the viewer and the filters
    read = AuditEntry.objects.filter(seq__gt=before, action="audit.read").get()
    assert read.actor_id == str(admins["agu"].user.pk)
    assert read.organisation_id == str(orgs.agu.pk)
    assert read.data["page"] == 1


def test_filters_narrow_the_entries(client, enter, admins, orgs):
    a = _entry("case.read", orgs.agu, actor_label="carla")
    b = _entry("report.read", orgs.agu, actor_label="diego")
    c = _entry(
        "case.note_added", orgs.agu, object_type="cases.case", object_id="abc123"
    )
    enter(admins["agu"])
    today = timezone.localdate().isoformat()

    by_action = _seqs(client.get(URL, {"action": "report.read"}).content.decode())
    by_actor = _seqs(client.get(URL, {"actor": "CARL"}).content.decode())
    by_object = _seqs(client.get(URL, {"obj": "abc123"}).content.decode())
    by_days = _seqs(client.get(URL, {"since": today, "until": today}).content.decode())
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    none = _seqs(client.get(URL, {"since": tomorrow}).content.decode())

    assert by_action == [b.seq]
    assert by_actor == [a.seq]
    assert by_object == [c.seq]
    assert {a.seq, b.seq, c.seq} <= set(by_days)
    assert none == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"since": "2026-02-30"}, "Escriba la fecha como AAAA-MM-DD."),
        (
            {"since": "2026-05-02", "until": "2026-05-01"},
            "El periodo termina antes de empezar",
        ),
        ({"action": "no.such"}, "Elija una acción de la lista."),
        ({"page": "x"}, "La página debe ser un número."),
        ({"page": "0"}, "La página debe ser 1 o mayor."),
    ],
)
def test_bad_filters_are_a_form_error_not_a_crash(
    client, enter, admins, orgs, query, message
):
    _entry("case.read", orgs.agu)
    enter(admins["agu"])
    before = AuditEntry.objects.order_by("-seq").first().seq

    response = client.get(URL, query)

    assert response.status_code == 400
    assert message in response.content.decode()
    # Nothing was shown, so nothing read is recorded
    assert not AuditEntry.objects.filter(seq__gt=before, action="audit.read").exists()


def test_the_page_in_english(client, enter, admins, orgs):
    _entry("case.read", orgs.agu)
    enter(admins["agu"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(URL).content.decode()

    assert "Case: read" in html
    assert "newest first" in html
    bad = client.get(URL, {"since": "nope"}).content.decode()
    assert "Write the date as YYYY-MM-DD." in bad


def test_only_audit_readers_see_the_page_and_its_menu_entry(
    client, enter, admins, orgs
):
    enter(admins["handler"])
    assert client.get(URL).status_code == 404
    assert 'href="/staff/auditoria/"' not in client.get("/staff/").content.decode()

    enter(admins["agu"])
    assert 'href="/staff/auditoria/"' in client.get("/staff/").content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/staff/login/" in response["Location"]


def test_the_admin_lists_users_with_role_and_organisation_in_spanish(
    client, orgs, admins, log_in_verified
):
    root = UserFactory(username="raiz", is_superuser=True, is_staff=True)
    totp_device(root)
    assert log_in_verified(root).status_code == 302

    html = client.get("/staff/admin/accounts/user/").content.decode()
    assert "Administración" in html
    row = html[html.index(">adela<") :]
    row = row[: row.index("</tr>")]
    assert "Administración" in row  # the role
    assert orgs.agu.name in row
    # Filter by role
    only_handlers = client.get(
        "/staff/admin/accounts/user/", {"memberships__role": "handler"}
    ).content.decode()
    assert ">hector<" in only_handlers
    assert ">adela<" not in only_handlers
    # Our stylesheet, and django-otp's sections named in Spanish
    index = client.get("/staff/admin/").content.decode()
    assert "remedia/admin.css" in index
    assert "Segundo factor: aplicaciones de códigos" in index
    assert "Otp_Static" not in index
    assert "TOTP devices" not in index


def test_action_codes_read_as_words_and_unknown_codes_stay() -> None:
    from django.utils import translation

    from remedia.core.audit_labels import action_label

    with translation.override("es-mx"):
        assert action_label("case.read") == "Caso: consulta"
        assert action_label("login.failed") == "Inicio de sesión fallido"
        assert action_label("something.new") == "something.new"
    with translation.override("en"):
        assert action_label("case.read") == "Case: read"
        assert action_label("protection.file_opened") == "Protection: file opened"


def test_the_admin_in_english(client, log_in_verified):
    root = UserFactory(username="raiz", is_superuser=True, is_staff=True)
    totp_device(root)
    assert log_in_verified(root).status_code == 302
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    index = client.get("/staff/admin/").content.decode()
    assert "Second factor: authenticator apps" in index
    assert "Second factor: recovery codes" in index
    log = client.get("/staff/admin/core/auditentry/").content.decode()
    assert "Object type" in log


def test_platform_administrators_read_entries_of_no_organisation(
    client, orgs, admins, log_in_verified
):
    # Given an entry of the system (no organisation), one of an organisation,
    # and a platform administrator who is a member of none
    system = _entry("housekeeping.run", None, actor_label="")
    partner = _entry("partner.report_submitted", None, actor_label="sindicato-api")
    ours = _entry("case.read", orgs.agu)
    root = UserFactory(username="raiz", is_superuser=True, is_staff=True)
    totp_device(root)
    assert log_in_verified(root).status_code == 302

    # When they open the audit log
    home = client.get("/staff/").content.decode()
    response = client.get(URL)

    # Then the platform's entries are there, and no organisation's
    assert response.status_code == 200
    html = response.content.decode()
    seqs = _seqs(html)
    assert system.seq in seqs
    assert partner.seq in seqs
    assert ours.seq not in seqs
    assert 'id="audit-platform"' in html
    assert 'href="/staff/auditoria/"' in home


def test_organisation_staff_never_read_entries_of_no_organisation(
    client, enter, admins, orgs
):
    # Given a system entry and an organisation administrator
    system = _entry("housekeeping.run", None, actor_label="")
    ours = _entry("case.read", orgs.agu)
    enter(admins["agu"])

    # When they open the log, even filtered on the system's action
    seqs = _seqs(client.get(URL).content.decode())
    filtered = client.get(URL, {"action": "housekeeping.run"})

    # Then they see their organisation's entry only; the action is no choice
    assert ours.seq in seqs
    assert system.seq not in seqs
    assert filtered.status_code == 400
    assert system.seq not in _seqs(filtered.content.decode())
    assert 'id="audit-platform"' not in client.get(URL).content.decode()
