"""`remedia seed-demo`: the demo users of PRODUCT.md, once, with their secrets once.

Seeding derives a key from each new password, so each run costs about a second;
the tests below share runs where they can.
"""

from __future__ import annotations

import io
import re

from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from remedia.accounts.models import Membership, Organisation, User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.core.audit import audit_verify
from remedia.core.models import AuditEntry
from remedia.core.words import date_words
from remedia.demo.services import FACILITIES
from remedia.facilities.models import (
    Facility,
    FacilityAlias,
    FacilityEvent,
    FacilitySearchToken,
    FacilityStatus,
)
from remedia.facilities.selectors import facility_search
from remedia.intake.models import Channel, Report
from remedia.remediation import access, surveys
from remedia.remediation import training as course_training
from remedia.remediation.models import (
    Course,
    Evidence,
    MeasureStatus,
    SurveyResponse,
)
from tests.support.factories.accounts import totp_code_for_secret

DEMO_ROLES = {
    "admin": "admin",
    "handler": "handler",
    "handler2": "handler",
    "analyst": "analyst",
    "monitor": "monitor",
    "facility": "facility_officer",
    "protection": "protection",
    "protection_lead": "protection_lead",
    "dif": "protection",
    "coordinator": "coordinator",
}
CREDENTIALS = re.compile(
    r"^\s+(\S+)\s+password: (\S+)\s+TOTP secret: ([A-Z2-7=]+)\s*$", re.M
)


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _credentials(output: str) -> dict[str, tuple[str, str]]:
    return {user: (pw, secret) for user, pw, secret in CREDENTIALS.findall(output)}


def _counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Organisation.objects.count(),
        Membership.objects.count(),
        TOTPDevice.objects.count(),
        AuditEntry.objects.count(),
        Facility.objects.count(),
        FacilityAlias.objects.count(),
        FacilityEvent.objects.count(),
        FacilitySearchToken.objects.count(),
        Course.objects.count(),
        Evidence.objects.count(),
        SurveyResponse.objects.count(),
    )


def test_first_run_creates_the_demo_users_of_the_product():
    # When the demo is seeded into an empty database
    _seed()

    # Then every demo user exists with the role it is named for
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles == DEMO_ROLES
    assert User.objects.get(username="admin").is_superuser
    # Each has an authenticator to add to an app
    for username in DEMO_ROLES:
        devices = TOTPDevice.objects.filter(user__username=username, confirmed=True)
        assert devices.count() == 1, username
    # The two handlers work for different organisations, each only in its own
    handler = User.objects.get(username="handler")
    org = Membership.objects.get(user=handler).organisation
    org2 = Membership.objects.get(user__username="handler2").organisation
    assert org != org2
    assert user_can(user=handler, capability=Capability.CASE_READ, organisation=org)
    assert not user_can(
        user=handler, capability=Capability.CASE_READ, organisation=org2
    )
    # There are reports from every channel a worker can use, the call with its
    # recording as an attachment
    assert set(Report.objects.values_list("channel", flat=True)) == set(Channel.values)
    call = Report.objects.get(channel=Channel.VOICE)
    assert call.attachments.count() == 1
    # And everything was done through the services, so the audit chain holds
    report = audit_verify()
    assert report.ok
    assert report.checked == AuditEntry.objects.count() > 0


def test_first_run_prints_credentials_that_log_in(client):
    # When the demo is seeded
    output = _seed()

    # Then it prints a password and a TOTP secret for every demo user...
    credentials = _credentials(output)
    assert set(credentials) == set(DEMO_ROLES)
    # ...and each organisation's recovery key under its name
    for organisation in Organisation.objects.all():
        assert organisation.name in output
    # And what was printed logs in, the code coming from an app holding the secret
    for username in ("handler", "facility", "admin"):
        password, secret = credentials[username]
        response = client.post(
            "/staff/login/",
            {
                "username": username,
                "password": password,
                "code": totp_code_for_secret(secret),
            },
        )
        assert response.status_code == 302, username
        assert client.get("/staff/").status_code == 200, username
        client.post("/staff/logout/")


def test_second_run_creates_nothing_and_prints_no_secret():
    # Given a seeded demo
    first = _seed()
    counts = _counts()
    printed = [value for pair in _credentials(first).values() for value in pair]

    # When it is seeded again
    second = _seed()

    # Then nothing new exists and no password, TOTP secret or key is printed
    assert _counts() == counts
    assert "nothing to print" in second
    assert _credentials(second) == {}
    assert "password" not in second
    assert "secret" not in second.lower()
    assert not any(value in second for value in printed)
    assert not any(org.name in second for org in Organisation.objects.all())


AGU_MUNICIPALITIES = {
    "Aguascalientes",
    "Jesús María",
    "Calvillo",
    "Rincón de Romos",
    "Pabellón de Arteaga",
    "San Francisco de los Romo",
}
PUE_MUNICIPALITIES = {
    "Puebla",
    "Tehuacán",
    "Atlixco",
    "San Martín Texmelucan",
    "Ajalpan",
    "Huejotzingo",
    "Izúcar de Matamoros",
}


def test_demo_registry_holds_garment_facilities_of_aguascalientes_and_puebla():
    # When the demo is seeded
    _seed()

    # Then the registry holds the demo's garment facilities, in the
    # municipalities of the two states the demo routes
    facilities = list(Facility.objects.all())
    assert len(facilities) == len(FACILITIES) >= 40
    by_state = {
        state: {f.municipality for f in facilities if f.state == state}
        for state in ("MX-AGU", "MX-PUE")
    }
    assert by_state == {"MX-AGU": AGU_MUNICIPALITIES, "MX-PUE": PUE_MUNICIPALITIES}
    assert all(f.sector and f.workers for f in facilities)
    # Some with a position on the map, one closed, some known by other names
    assert sum(f.lat is not None for f in facilities) >= 10
    assert [f.name for f in facilities if f.status == FacilityStatus.CLOSED] == [
        "Confecciones El Llano"
    ]
    assert FacilityAlias.objects.count() >= 3
    # Every field comes from the demo, and every facility can be found
    assert all(f.field_sources["name"]["source"] == "demo" for f in facilities)
    assert all(f.search_tokens.exists() for f in facilities)
    found = facility_search(q="la maquila de inisa en rincon")
    assert found
    assert found[0].external_id == "demo-inisa"


def test_seeding_a_demo_made_before_the_registry_grew_adds_only_what_is_missing(
    monkeypatch,
):
    # Given a demo seeded when the list held six facilities, one of them since
    # edited by a person
    from remedia.demo import services as demo

    older = {"demo-inisa", "demo-ags-2", "demo-ags-3"} | {
        f"demo-pue-{n}" for n in (1, 2, 3)
    }
    monkeypatch.setattr(
        demo, "FACILITIES", [f for f in FACILITIES if f["external_id"] in older]
    )
    _seed()
    edited = Facility.objects.get(external_id="demo-ags-2")
    edited.workers = 999
    edited.save()
    first_six = set(Facility.objects.values_list("pk", flat=True))

    # When today's demo is seeded on it
    monkeypatch.setattr(demo, "FACILITIES", FACILITIES)
    _seed()

    # Then the six are the same records, the person's edit stands, and the
    # rest were added
    assert first_six <= set(Facility.objects.values_list("pk", flat=True))
    assert Facility.objects.get(external_id="demo-ags-2").workers == 999
    assert Facility.objects.count() == len(FACILITIES)


def test_the_inisa_course_is_a_complete_example_for_analyst_and_monitor():
    output = _seed()
    course = Course.objects.get(reference="MLRR INISA 2023")
    measures = list(course.measures.order_by("position"))
    assert [m.type for m in measures] == [
        "neutrality_statement",
        "conduct_guidelines",
        "zero_tolerance_policy",
        "personnel_training",
        "anonymous_reporting_channel",
        "worker_rights_training",
        "sanctions_proceedings",
    ]
    assert {m.due_date.isoformat() for m in measures} == {"2023-11-10"}
    assert course.rrm_case is not None
    assert course.rrm_case.slug == "inisa"
    statuses = [m.status for m in measures]
    assert statuses.count(MeasureStatus.VERIFIED) == 5
    assert Evidence.objects.filter(measure__course=course).count() >= 6
    for username in ("analyst", "monitor", "facility"):
        user = User.objects.get(username=username)
        assert access.courses_visible(user=user).filter(pk=course.pk).exists()
    handler = User.objects.get(username="handler")
    assert not access.courses_visible(user=handler).exists()

    # The survey code printed works, and its results are shown (>= 5 answers).
    code = re.search(r"with the code ([A-Z0-9]{6})", output).group(1)
    survey = surveys.survey_find_by_code(code=code)
    assert surveys.survey_results(survey).shown
    # Coverage: everyone trained on the statement, two short on workers' rights.
    coverage = {c.topic: c.coverage for c in course_training.course_coverage(course)}
    assert coverage["neutrality_guidelines"].complete
    assert not coverage["worker_rights"].complete
    assert course.sanctions.count() == 1
    # The sessions count for their measures: two on the statement, one on rights.
    assert course_training.measure_sessions(measures[3]).count() == 2
    assert course_training.measure_sessions(measures[5]).count() == 1


def test_the_demo_publishes_its_figures_through_today(client):
    from django.utils import timezone

    from remedia.analytics.public_figures import publication_latest

    _seed()
    latest = publication_latest()
    assert latest is not None
    today = timezone.localdate().isoformat()
    assert latest.figures["through"] == today
    states = next(t for t in latest.figures["tables"] if t["key"] == "reports_by_state")
    assert any(c["suppressed"] or c["value"] for c in states["cells"])
    page = client.get("/cifras/").content.decode()
    assert (
        f'Cifras hasta el <time datetime="{today}">'
        f"{date_words(timezone.localdate())}</time>"
    ) in page
