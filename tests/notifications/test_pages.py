"""The staff member's list of notifications, the header's unread count, and preferences."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from remedia.notifications import services
from remedia.notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db

LIST_URL = "/staff/notificaciones/"
PREFERENCES_URL = "/staff/notificaciones/preferencias/"


def _notify(test_kind, user, *keys: str) -> None:
    test_kind.holds.update(keys)
    services.notifications_send(
        kind=test_kind.value, recipients=[(user, k) for k in keys]
    )


@pytest.fixture
def logged_in(client, log_in_verified, hilda):
    assert log_in_verified(hilda).status_code == 302
    return hilda


def test_the_list_shows_ones_own_notifications_newest_first(
    client, logged_in, hector, test_kind
):
    # Given two notices for Hilda (the later one newest) and one for Héctor
    _notify(test_kind, logged_in, "older")
    _notify(test_kind, logged_in, "newer")
    _notify(test_kind, hector, "theirs")

    # When she opens her list
    page = client.get(LIST_URL)

    # Then she sees her two, newest first, with links; never Héctor's
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index("/staff/cases/newer/") < html.index("/staff/cases/older/")
    assert "/staff/cases/theirs/" not in html
    assert html.count("Aviso de prueba") == 2


def test_the_header_shows_the_unread_count_on_every_staff_page(
    client, logged_in, test_kind
):
    _notify(test_kind, logged_in, "a", "b")

    home = client.get("/staff/").content.decode()
    assert 'href="/staff/notificaciones/"' in home
    assert '<span class="badge" aria-label="2 avisos sin leer">2</span>' in home

    services.notifications_mark_all_read(user=logged_in)
    home = client.get("/staff/").content.decode()
    assert 'class="badge"' not in home


def test_the_first_page_after_login_does_not_count_again(
    client, log_in_verified, hilda, test_kind
):
    # Given a notice waiting, when Hilda logs in (the count is read there, once)
    _notify(test_kind, hilda, "a")
    assert log_in_verified(hilda).status_code == 302

    # Then her first page shows it without counting the rows itself
    with CaptureQueriesContext(connection) as captured:
        home = client.get("/staff/").content.decode()
    assert 'aria-label="1 aviso sin leer">1</span>' in home
    assert not any("cases_notification" in q["sql"] for q in captured.captured_queries)


def test_the_header_count_costs_no_query_once_kept(client, logged_in, test_kind):
    # Given the count was read once
    _notify(test_kind, logged_in, "a")
    client.get("/staff/")

    # When the next page is drawn, then it does not count the rows again
    with CaptureQueriesContext(connection) as captured:
        client.get("/staff/")
    assert not any("cases_notification" in q["sql"] for q in captured.captured_queries)


def test_mark_read_and_mark_all_read_from_the_list(client, logged_in, test_kind):
    _notify(test_kind, logged_in, "a", "b")
    first = Notification.objects.get(key="a")

    response = client.post(f"{LIST_URL}{first.pk}/leido/")
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert Notification.objects.get(key="b").read_at is None
    unread = client.get(LIST_URL, {"unread": "1"}).content.decode()
    assert "/staff/cases/b/" in unread
    assert "/staff/cases/a/" not in unread

    assert "Marcar todo como leído" in unread
    assert client.post(f"{LIST_URL}leer-todo/").status_code == 302
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    # Then nothing is left to mark: the button goes
    assert "Marcar todo como leído" not in client.get(LIST_URL).content.decode()


def test_an_empty_list_says_so_without_a_button(client, logged_in):
    page = client.get(LIST_URL).content.decode()
    assert "No tiene avisos." in page
    assert "Marcar todo como leído" not in page


def test_another_users_notification_is_not_found(client, logged_in, hector, test_kind):
    _notify(test_kind, hector, "theirs")
    theirs = Notification.objects.get(user=hector)

    response = client.post(f"{LIST_URL}{theirs.pk}/leido/")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_needs_a_post(client, logged_in, test_kind):
    _notify(test_kind, logged_in, "a")
    mine = Notification.objects.get()
    assert client.get(f"{LIST_URL}{mine.pk}/leido/").status_code == 405


def test_the_list_reads_a_page_in_the_same_queries_however_many_rows(
    client, logged_in, test_kind
):
    def queries() -> int:
        client.get(LIST_URL)  # the header's count kept, as on any busy server
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST_URL).status_code == 200
        return len(captured)

    _notify(test_kind, logged_in, *[f"k{i}" for i in range(3)])
    few = queries()
    _notify(test_kind, logged_in, *[f"m{i}" for i in range(40)])
    many = queries()

    assert many == few


def test_the_list_is_paginated(client, logged_in, test_kind):
    _notify(test_kind, logged_in, *[f"k{i:02d}" for i in range(30)])

    first = client.get(LIST_URL).content.decode()
    second = client.get(LIST_URL, {"page": "2"}).content.decode()

    assert first.count("Aviso de prueba") == 25
    assert second.count("Aviso de prueba") == 5
    assert "Página 1 de 2" in first


def test_an_item_says_its_kind_and_links_never_what_it_is_about(
    client, logged_in, test_kind
):
    _notify(test_kind, logged_in, "a")
    html = client.get(LIST_URL).content.decode()
    # The composer's context carries only a link; the item shows the kind's label.
    assert "Aviso de prueba" in html
    assert "/staff/cases/a/" in html


def test_preferences_page_turns_a_kind_off_by_email(client, logged_in, test_kind):
    page = client.get(PREFERENCES_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="test_notice"' in html
    assert "checked" in html  # everything by email until changed

    response = client.post(
        PREFERENCES_URL, {"email_kinds": ["digest"], "language": "en"}
    )

    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=logged_in)
    assert "test_notice" in preference.email_off
    assert "digest" not in preference.email_off
    assert preference.language == "en"


def test_preferences_page_refuses_a_kind_that_does_not_exist(client, logged_in):
    response = client.post(PREFERENCES_URL, {"email_kinds": ["nope"]})
    assert response.status_code == 422
    assert not NotificationPreference.objects.exists()


def test_the_account_page_links_to_the_preferences(client, logged_in):
    assert PREFERENCES_URL in client.get("/staff/account/").content.decode()


def test_pages_need_a_login(client):
    assert client.get(LIST_URL).status_code == 302
    assert client.get(PREFERENCES_URL).status_code == 302
