"""`/api/v1/notifications`: the caller's own notifications and preferences."""

from __future__ import annotations

import uuid

import pytest

from remedia.notifications import services
from remedia.notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications"


def _notify(test_kind, user, *keys: str) -> None:
    test_kind.holds.update(keys)
    services.notifications_send(
        kind=test_kind.value, recipients=[(user, k) for k in keys]
    )


def test_the_list_is_the_callers_own_newest_first(api_client, hilda, hector, test_kind):
    _notify(test_kind, hilda, "older")
    _notify(test_kind, hilda, "newer")
    _notify(test_kind, hector, "theirs")

    body = api_client(hilda).get(URL).json()

    assert body["count"] == 2
    assert [i["url"] for i in body["items"]] == [
        "/staff/cases/newer/",
        "/staff/cases/older/",
    ]
    assert body["items"][0]["title"] == "Aviso de prueba"
    assert body["items"][0]["kind"] == "test_notice"
    assert body["items"][0]["read_at"] is None
    assert body["items"][0]["emailed"] is True


def test_unread_filter_and_paging(api_client, hilda, test_kind):
    _notify(test_kind, hilda, "a", "b", "c")
    services.notification_mark_read(
        user=hilda, notification_id=Notification.objects.get(key="a").pk
    )
    client = api_client(hilda)

    assert client.get(URL, {"unread": "true"}).json()["count"] == 2
    assert client.get(URL, {"unread": "false"}).json()["count"] == 1
    page = client.get(URL, {"limit": 1, "offset": 1}).json()
    assert page["count"] == 3
    assert len(page["items"]) == 1
    assert client.get(URL, {"limit": 0}).status_code == 422


def test_mark_one_read_and_all_read(api_client, hilda, test_kind):
    _notify(test_kind, hilda, "a", "b", "c")
    client = api_client(hilda)
    one = Notification.objects.get(key="a")

    response = client.post(f"{URL}/{one.pk}/read")
    assert response.status_code == 200
    assert response.json()["read_at"] is not None

    assert client.post(f"{URL}/read-all").json() == {"marked": 2}
    assert client.get(URL, {"unread": "true"}).json()["count"] == 0


def test_another_users_notification_is_404_as_a_missing_one(
    api_client, hilda, hector, test_kind
):
    _notify(test_kind, hector, "theirs")
    theirs = Notification.objects.get()
    client = api_client(hilda)

    assert client.post(f"{URL}/{theirs.pk}/read").status_code == 404
    assert client.post(f"{URL}/{uuid.uuid4()}/read").status_code == 404
    assert client.post(f"{URL}/read-all").json() == {"marked": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_preferences_get_and_put(api_client, hilda, test_kind):
    client = api_client(hilda)
    before = client.get(f"{URL}/preferences").json()
    assert "test_notice" in before["email_kinds"]
    assert set(before["email_kinds"]) == set(before["kinds"])
    assert before["language"] == ""

    response = client.put(
        f"{URL}/preferences",
        {"email_kinds": ["digest"], "language": "en"},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["email_kinds"] == ["digest"]
    assert response.json()["language"] == "en"
    assert "test_notice" in NotificationPreference.objects.get(user=hilda).email_off


def test_preferences_put_refuses_unknown_kinds(api_client, hilda):
    response = api_client(hilda).put(
        f"{URL}/preferences",
        {"email_kinds": ["nope"], "language": ""},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert not NotificationPreference.objects.exists()


def test_the_api_needs_a_token(client):
    assert client.get(URL).status_code == 401
