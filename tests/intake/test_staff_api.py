"""The staff API: the inbox (metadata only), a report decrypted for an entitled
user and audited, 404 for everyone else, and keys shared with newcomers."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from remedia.core import sealed
from remedia.core.models import AuditEntry
from remedia.intake import services
from remedia.intake.models import Report, ReportKeyGrant, RoutingRule
from tests.intake.support import INVALID_DATA, NARRATIVE, REPORTS_URL
from tests.support.actors import staff_member
from tests.support.factories.facilities import FacilityFactory

SUMMARY_KEYS = {
    "id",
    "received_at",
    "channel",
    "categories",
    "urgent",
    "state",
    "facility",
    "status",
    "acknowledged_at",
    "routed_by_default",
}


def _report(
    *,
    state: str = "MX-AGU",
    categories: tuple[str, ...] = ("intimidation",),
    channel: str = "api",
    narrative: str = NARRATIVE,
    facility=None,
) -> Report:
    """A report as any channel hands one in (the services every channel calls)."""
    return services.report_submit(
        draft=services.ReportDraft(
            channel=channel,
            categories=list(categories),
            narrative=narrative,
            state=state,
            facility_id=facility.pk if facility else None,
            facility_name="El taller de la esquina",
        )
    ).report


def _get(client, url, staff, **params):
    return client.get(url, params, headers=staff.headers)


# --- The inbox ---------------------------------------------------------------------------


def test_inbox_lists_metadata_only(client, orgs, agu_handler):
    # Given a report with a facility from the registry
    facility = FacilityFactory(name="Textiles Calvillo", state="MX-AGU")
    report = _report(facility=facility, categories=("threats", "intimidation"))

    # When the handler lists the inbox
    response = _get(client, REPORTS_URL, agu_handler)

    # Then they get the report's metadata, and nothing of what the worker wrote
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert set(item) == SUMMARY_KEYS
    assert item["id"] == str(report.pk)
    assert item["categories"] == ["intimidation", "threats"]
    assert item["state"] == "MX-AGU"
    assert item["status"] == "received"
    assert item["channel"] == "api"
    assert item["facility"] == {
        "id": str(facility.pk),
        "name": "Textiles Calvillo",
        "state": "MX-AGU",
    }
    assert NARRATIVE not in response.content.decode()
    assert "El taller de la esquina" not in response.content.decode()
    # And listing is not reading: nothing was decrypted, nothing audited as read
    assert not AuditEntry.objects.filter(action="report.read").exists()


def test_inbox_is_paginated_urgent_first_then_newest(client, orgs, agu_handler):
    # Given five reports, the second of them urgent
    reports = [
        _report(categories=("child_labour",) if n == 1 else ("wages",))
        for n in range(5)
    ]
    expected = [
        reports[1].pk,
        reports[4].pk,
        reports[3].pk,
        reports[2].pk,
        reports[0].pk,
    ]

    # When the handler pages through two at a time
    pages = [
        _get(client, REPORTS_URL, agu_handler, limit=2, offset=offset).json()
        for offset in (0, 2, 4)
    ]

    # Then each page says the total, and the pages hold every report once, in order
    assert [p["count"] for p in pages] == [5, 5, 5]
    assert [len(p["items"]) for p in pages] == [2, 2, 1]
    seen = [uuid.UUID(i["id"]) for p in pages for i in p["items"]]
    assert seen == expected
    # And past the end there is nothing
    beyond = _get(client, REPORTS_URL, agu_handler, limit=2, offset=10).json()
    assert beyond == {"items": [], "count": 5}


@pytest.fixture
def assorted(orgs, agu_handler):
    """Reports in two states, channels, statuses and categories, all for AGU's org."""
    RoutingRule.objects.create(organisation=orgs.agu, state="MX-JAL")
    reports = {
        "agu_web": _report(channel="web", categories=("wages",)),
        "agu_api_urgent": _report(categories=("forced_labour", "hours")),
        "jal_api": _report(state="MX-JAL", categories=("threats",)),
    }
    services.report_status_change(
        report=reports["jal_api"], user=agu_handler.user, status="in_review"
    )
    return reports


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "in_review"}, {"jal_api"}),
        ({"status": "received"}, {"agu_web", "agu_api_urgent"}),
        ({"urgent": "true"}, {"agu_api_urgent"}),
        ({"urgent": "false"}, {"agu_web", "jal_api"}),
        ({"state": "MX-JAL"}, {"jal_api"}),
        ({"category": "hours"}, {"agu_api_urgent"}),
        ({"category": "threats"}, {"jal_api"}),
        ({"channel": "web"}, {"agu_web"}),
        ({"channel": "api", "state": "MX-AGU"}, {"agu_api_urgent"}),
        ({"category": "trafficking"}, set()),
    ],
)
def test_inbox_filters(client, agu_handler, assorted, params, expected):
    response = _get(client, REPORTS_URL, agu_handler, **params)

    assert response.status_code == 200
    names = {
        name
        for name, r in assorted.items()
        if str(r.pk) in {i["id"] for i in response.json()["items"]}
    }
    assert names == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize(
    ("params", "field", "reason"),
    [
        ({"limit": 0}, "limit", "Debe estar entre 1 y 200."),
        ({"limit": 1000}, "limit", "Debe estar entre 1 y 200."),
        ({"offset": -1}, "offset", "No puede ser negativo."),
        ({"limit": "diez"}, "limit", "Debe ser un número entero."),
        ({"urgent": "quizá"}, "urgent", "Debe ser verdadero o falso."),
        ({"received_from": "ayer"}, "received_from", "Debe ser una fecha AAAA-MM-DD."),
    ],
)
def test_bad_list_parameters_are_422(client, orgs, agu_handler, params, field, reason):
    response = _get(client, REPORTS_URL, agu_handler, **params)

    assert response.status_code == 422
    assert response.json() == {
        "detail": INVALID_DATA,
        "errors": [{"field": field, "reason": reason}],
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "solved"}, "status"),
        ({"category": "bribery"}, "category"),
        ({"channel": "fax"}, "channel"),
    ],
)
def test_unknown_filter_value_is_422_in_spanish(
    client, orgs, agu_handler, params, field
):
    response = _get(client, REPORTS_URL, agu_handler, **params)

    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == field
    assert error["reason"].startswith("No es un valor admitido. Valores admitidos: ")
    assert " or " not in error["reason"]


def _queries_for_inbox(client, staff) -> tuple[int, int]:
    # A first call settles the token's "last used" stamp, written once a minute.
    assert _get(client, REPORTS_URL, staff).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = _get(client, REPORTS_URL, staff)
    assert response.status_code == 200
    return len(queries), response.json()["count"]


def test_inbox_query_count_does_not_grow_with_reports(
    client,
    orgs,
    agu_handler,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    # Given three reports with facilities and several categories, committed (so
    # that what follows a commit, such as renewing a cached total, happens too)
    facility = FacilityFactory(state="MX-AGU")
    with django_capture_on_commit_callbacks(execute=True):
        for _n in range(3):
            _report(facility=facility, categories=("wages", "hours", "child_labour"))
    few, count = _queries_for_inbox(client, agu_handler)
    assert count == 3

    # When there are fifteen
    with django_capture_on_commit_callbacks(execute=True):
        for _n in range(12):
            _report(
                facility=FacilityFactory(state="MX-AGU"),
                categories=("threats", "other"),
            )
    many, count = _queries_for_inbox(client, agu_handler)

    # Then listing them takes exactly as many queries
    assert count == 15
    assert many == few
    assert few <= 11
    with django_assert_max_num_queries(few):
        _get(client, REPORTS_URL, agu_handler)


def _inbox_ids(client, staff, **params) -> list[str]:
    response = _get(client, REPORTS_URL, staff, **params)
    assert response.status_code == 200
    return [item["id"] for item in response.json()["items"]]


def test_a_page_read_again_is_fetched_by_id_not_by_walking_the_inbox(
    client, orgs, agu_handler, django_capture_on_commit_callbacks
):
    # Given six reports and the handler's second page, read once
    with django_capture_on_commit_callbacks(execute=True):
        reports = [_report(categories=("wages",)) for _n in range(6)]
    first = _inbox_ids(client, agu_handler, limit=2, offset=2)

    # When the same page is read again
    with CaptureQueriesContext(connection) as queries:
        again = _inbox_ids(client, agu_handler, limit=2, offset=2)

    # Then it holds the same reports, in order, and no query skipped rows to get them
    assert again == first == [str(reports[3].pk), str(reports[2].pk)]
    report_queries = [q["sql"] for q in queries if "intake_report" in q["sql"]]
    assert report_queries
    assert not any("OFFSET" in sql for sql in report_queries)


def test_a_page_read_before_a_change_shows_the_change_at_once(
    client, orgs, agu_handler, django_capture_on_commit_callbacks
):
    # Given the first page of the inbox, read (and kept) with two reports
    with django_capture_on_commit_callbacks(execute=True):
        older = _report()
        old = _report()
    assert _inbox_ids(client, agu_handler, limit=2) == [str(old.pk), str(older.pk)]
    assert _inbox_ids(client, agu_handler, status="received") == [
        str(old.pk),
        str(older.pk),
    ]

    # When a report arrives and another changes status
    with django_capture_on_commit_callbacks(execute=True):
        new = _report()
        services.report_status_change(
            report=old, user=agu_handler.user, status="in_review"
        )

    # Then the very next reads show both changes
    assert _inbox_ids(client, agu_handler, limit=2) == [str(new.pk), str(old.pk)]
    assert _inbox_ids(client, agu_handler, status="received") == [
        str(new.pk),
        str(older.pk),
    ]


def test_kept_pages_are_per_organisation(
    client, orgs, agu_handler, pue_handler, django_capture_on_commit_callbacks
):
    # Given one report for each state's organisation
    with django_capture_on_commit_callbacks(execute=True):
        agu_report = _report(state="MX-AGU")
        pue_report = _report(state="MX-PUE")

    # When both handlers read the same page
    agu_page = _inbox_ids(client, agu_handler)
    pue_page = _inbox_ids(client, pue_handler)

    # Then each sees only their own organisation's report
    assert agu_page == [str(agu_report.pk)]
    assert pue_page == [str(pue_report.pk)]


def test_inbox_page_query_count_does_not_grow_with_depth(
    client, orgs, agu_handler, django_capture_on_commit_callbacks
):
    # Given twelve reports, every page already read once
    with django_capture_on_commit_callbacks(execute=True):
        for _n in range(12):
            _report(categories=("wages", "hours"))
    for offset in (0, 10):
        _inbox_ids(client, agu_handler, limit=2, offset=offset)

    # When the first and the last page are read again
    counts = []
    for offset in (0, 10):
        with CaptureQueriesContext(connection) as queries:
            _inbox_ids(client, agu_handler, limit=2, offset=offset)
        counts.append(len(queries))

    # Then both take the same, small number of queries
    assert counts[0] == counts[1]


def test_routing_change_reaches_the_next_report_at_once(
    client, orgs, django_capture_on_commit_callbacks
):
    # Given a report routed while Jalisco has no organisation (the table is kept)
    with django_capture_on_commit_callbacks(execute=True):
        before = _report(state="MX-JAL")
    jal = staff_member(orgs.pue, "julia")

    # When the administrator routes Jalisco to Puebla's organisation
    RoutingRule.objects.create(organisation=orgs.pue, state="MX-JAL")
    with django_capture_on_commit_callbacks(execute=True):
        after = _report(state="MX-JAL")

    # Then the next Jalisco report reaches it, and the earlier one did not
    assert _inbox_ids(client, jal) == [str(after.pk)]
    assert [r.organisation_id for r in before.recipients.all()] == [orgs.operator.pk]


def test_handler_who_leaves_gets_no_key_to_the_next_report(orgs, agu_handler):
    from remedia.accounts import services as accounts

    # Given a report sealed to the handler (the keys of the organisation are kept)
    first = _report()
    assert ReportKeyGrant.objects.filter(report=first, user=agu_handler.user).exists()

    # When they leave the organisation
    (membership,) = agu_handler.user.memberships.all()
    accounts.membership_revoke(membership=membership, revoked_by=None)

    # Then the next report is not sealed to them
    second = _report()
    assert not ReportKeyGrant.objects.filter(
        report=second, user=agu_handler.user
    ).exists()
    assert ReportKeyGrant.objects.filter(report=second, organisation=orgs.agu).exists()


# --- One report ------------------------------------------------------------------------------


def test_entitled_handler_reads_the_report_decrypted(client, orgs, agu_handler):
    report = _report(categories=("coercion",))

    response = _get(client, f"{REPORTS_URL}/{report.pk}", agu_handler)

    assert response.status_code == 200
    body = response.json()
    assert body["content_locked"] is False
    assert body["narrative"] == NARRATIVE
    assert body["facility_name"] == "El taller de la esquina"
    assert body["categories"] == ["coercion"]
    assert body["language"] == "es"
    assert body["messages"] == []
    assert body["attachments"] == []


def test_every_read_is_audited(client, orgs, agu_handler):
    # Given a report
    report = _report()

    # When the handler opens it twice
    for _n in range(2):
        assert (
            _get(client, f"{REPORTS_URL}/{report.pk}", agu_handler).status_code == 200
        )

    # Then the audit log holds two reads, by them, of that report
    reads = AuditEntry.objects.filter(action="report.read").order_by("seq")
    assert [(e.object_type, e.object_id, e.actor_id, e.actor_label) for e in reads] == [
        ("intake.report", str(report.pk), str(agu_handler.user.pk), "hilda")
    ] * 2
    assert all(e.data == {"decrypted": True} for e in reads)


def test_other_organisation_gets_404_like_a_missing_or_malformed_id(
    client, orgs, agu_handler, pue_handler
):
    # Given a report of Aguascalientes
    report = _report()

    # When the Puebla handler asks for it, for a missing one and for a malformed id
    theirs = _get(client, f"{REPORTS_URL}/{report.pk}", pue_handler)
    missing = _get(client, f"{REPORTS_URL}/{uuid.uuid4()}", pue_handler)
    malformed = _get(client, f"{REPORTS_URL}/not-a-report", pue_handler)
    numeric = _get(client, f"{REPORTS_URL}/12345", pue_handler)

    # Then all four answers are the same 404
    assert theirs.status_code == 404
    assert theirs.content == missing.content == malformed.content == numeric.content
    assert theirs.json() == {"detail": "No encontrado."}
    # And nothing was read or audited for the outsider
    assert not AuditEntry.objects.filter(
        action="report.read", actor_id=str(pue_handler.user.pk)
    ).exists()


def test_token_without_the_private_key_sees_the_report_locked(client, orgs):
    # Given a handler whose token was issued without their unlocked key
    metadata_only = staff_member(orgs.agu, "marta", decrypting=False)
    report = _report()

    # When the token asks for the report
    response = _get(client, f"{REPORTS_URL}/{report.pk}", metadata_only)

    # Then it gets the metadata, with the content marked as locked (not an error)
    assert response.status_code == 200
    body = response.json()
    assert body["content_locked"] is True
    assert body["narrative"] is None
    assert body["facility_name"] is None
    assert body["messages"] == []
    assert body["id"] == str(report.pk)
    assert NARRATIVE not in response.content.decode()
    # And the attempt is audited as a read that decrypted nothing
    entry = AuditEntry.objects.get(action="report.read")
    assert entry.data == {"decrypted": False}


@pytest.mark.parametrize(
    "role", ["facility_officer", "analyst", "monitor", "coordinator"]
)
def test_roles_without_report_rights_see_no_reports(client, orgs, role):
    # Given a member of the receiving organisation whose role does not read reports
    outsider = staff_member(orgs.agu, "otra", role=role)
    report = _report()

    # When they list and open reports / then they see none, and that one is 404
    listed = _get(client, REPORTS_URL, outsider)
    assert listed.status_code == 200
    assert listed.json() == {"items": [], "count": 0}
    detail = _get(client, f"{REPORTS_URL}/{report.pk}", outsider)
    assert detail.status_code == 404
    assert detail.json() == {"detail": "No encontrado."}
    # And the report's key was never sealed to them
    assert not ReportKeyGrant.objects.filter(user=outsider.user).exists()


def test_report_without_a_token_is_401(client, orgs):
    report = _report()

    assert client.get(REPORTS_URL).status_code == 401
    assert client.get(f"{REPORTS_URL}/{report.pk}").status_code == 401


# --- Keys: sealed to who may read, shared with newcomers ------------------------------------


def test_report_key_is_sealed_to_entitled_users_and_escrows_only(
    client, orgs, agu_handler, pue_handler
):
    report = _report(categories=("trafficking",))

    grants = ReportKeyGrant.objects.filter(report=report)
    assert {g.user_id for g in grants if g.user_id} == {agu_handler.user.pk}
    assert {g.organisation_id for g in grants if g.organisation_id} == {
        orgs.agu.pk,
        orgs.protection.pk,
    }


def test_newcomer_reads_once_a_colleague_has_opened_the_report(
    client, orgs, agu_handler
):
    # Given a report that arrived before a new handler joined the organisation
    report = _report()
    newcomer = staff_member(orgs.agu, "nuria")
    url = f"{REPORTS_URL}/{report.pk}"

    # When the newcomer opens it first / then its content is locked to them
    first = _get(client, url, newcomer).json()
    assert first["content_locked"] is True
    assert first["narrative"] is None

    # When a handler who holds the key opens it
    opened = _get(client, url, agu_handler).json()
    assert opened["narrative"] == NARRATIVE

    # Then the key was shared with the newcomer, in the audit log
    shared = AuditEntry.objects.get(action="report.key_shared")
    assert shared.object_id == str(report.pk)
    assert shared.actor_id == str(agu_handler.user.pk)
    assert shared.data == {"grants": 1}
    # And the newcomer now reads it
    again = _get(client, url, newcomer).json()
    assert again["content_locked"] is False
    assert again["narrative"] == NARRATIVE
    # And nothing more is shared on later reads
    _get(client, url, agu_handler)
    assert AuditEntry.objects.filter(action="report.key_shared").count() == 1


def test_two_colleagues_sharing_one_report_at_once_do_not_fail_the_page(
    client, orgs, agu_handler, monkeypatch
):
    # Given a report that arrived before a new handler joined
    report = _report()
    newcomer = staff_member(orgs.agu, "nuria")
    real_plan = sealed.grant_plan

    def raced_plan(**kwargs):
        # another handler's request commits the same grants between this
        # request's look at the grants and its insert
        plan = real_plan(**kwargs)
        ReportKeyGrant.objects.bulk_create(
            [
                ReportKeyGrant(
                    report=report,
                    user_id=user_id,
                    recipient_public_key=public,
                    sealed_key=sealed,
                )
                for user_id, public, sealed in plan.users
            ]
        )
        return plan

    monkeypatch.setattr(sealed, "grant_plan", raced_plan)

    # When a handler who holds the key opens it
    response = _get(client, f"{REPORTS_URL}/{report.pk}", agu_handler)

    # Then the page answers, and the newcomer holds exactly one grant
    assert response.status_code == 200
    assert response.json()["narrative"] == NARRATIVE
    assert ReportKeyGrant.objects.filter(report=report, user=newcomer.user).count() == 1


def test_a_token_request_neither_creates_nor_touches_a_session(
    client, orgs, agu_handler
):
    from django.contrib.sessions.models import Session

    response = _get(client, REPORTS_URL, agu_handler)

    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert Session.objects.count() == 0
