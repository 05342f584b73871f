"""Outbound webhooks against a real HTTP receiver on loopback (issue 19.1).

The receiver verifies every request with the `standardwebhooks` package, as a
partner's system would; loopback is reachable only because each test puts it
on the operator's allow-list (`REMEDIA_WEBHOOK_ALLOWED_HOSTS`).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from remedia.facilities import services as facilities
from remedia.integrations import delivery as deliveries
from remedia.integrations import services, signing, transport
from remedia.integrations.catalogue import DATA_KEYS, EventType
from remedia.integrations.models import (
    Delivery,
    DeliveryStatus,
    DisabledReason,
    Endpoint,
)
from remedia.integrations.tasks import deliveries_sweep, petition_steps_due
from remedia.notifications.models import Notification
from remedia.rrm import services as rrm
from remedia.rrm.models import RrmStage
from tests.support.actors import Staff, staff_member, with_email

API = "/api/v1/webhooks"


@dataclass
class Receiver:
    """Answers each POST with the next scripted (status, headers), then 200."""

    port: int = 0
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state.received.append(({k: v for k, v in self.headers.items()}, body))
            status, headers = state.script.pop(0) if state.script else (200, {})
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def loopback_allowed(settings: Any) -> None:
    settings.REMEDIA_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def admin(org_a: Any) -> Staff:
    return staff_member(org_a, "ada", role="admin", decrypting=False)


@pytest.fixture
def admin_b(org_b: Any) -> Staff:
    return staff_member(org_b, "abel", role="admin", decrypting=False)


def _create(client: Any, staff: Staff, **body: Any) -> Any:
    return client.post(
        f"{API}/endpoints",
        data=json.dumps(body),
        content_type="application/json",
        headers=staff.headers,
    )


@pytest.fixture
def endpoint(
    client: Any, admin: Staff, receiver: Receiver, loopback_allowed: None
) -> tuple[Endpoint, str]:
    response = _create(
        client,
        admin,
        url=receiver.url,
        description="Sistema de cumplimiento",
        event_types=["case.status_changed", "facility.created"],
    )
    assert response.status_code == 201, response.content
    body = response.json()
    return Endpoint.objects.get(pk=body["id"]), body["secret"]


def _emit(org: Any, *, key: str = "k1") -> Delivery:
    ids = services.event_emit(
        event_type=EventType.CASE_STATUS_CHANGED,
        key=key,
        data={"case_id": "c1", "from": "open", "to": "closed"},
        organisation_ids=[org.pk],
    )
    assert len(ids) == 1
    return Delivery.objects.get(pk=ids[0])


def _verify(secret: str, headers: dict[str, str], body: bytes) -> Any:
    return Webhook(secret).verify(body, headers)


# --- Registration --------------------------------------------------------------------


def test_the_secret_is_shown_once_and_kept_wrapped(
    client: Any, admin: Staff, endpoint: tuple[Endpoint, str]
) -> None:
    row, secret = endpoint
    assert secret.startswith("whsec_")
    assert secret.encode() not in bytes(row.secret_wrapped)
    assert signing.secret_unwrap(row.secret_wrapped) == secret
    detail = client.get(f"{API}/endpoints/{row.pk}", headers=admin.headers)
    assert detail.status_code == 200
    assert "secret" not in detail.json()
    assert secret not in detail.content.decode()


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://10.1.2.3/hooks", "privada"),
        ("https://169.254.169.254/latest", "privada"),
        ("https://[::1]/hooks", "privada"),
        ("https://224.0.0.1/hooks", "privada"),
        ("http://93.184.216.34/hooks", "HTTPS"),
        ("ftp://93.184.216.34/hooks", "válida"),
        ("https://user:pw@93.184.216.34/hooks", "contraseña"),
    ],
)
def test_bad_urls_are_refused_at_registration(
    client: Any, admin: Staff, url: str, why: str
) -> None:
    response = _create(client, admin, url=url, event_types=["case.status_changed"])
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["url"]
    assert why in errors[0]["reason"]
    assert not Endpoint.objects.exists()


def test_loopback_is_refused_without_the_allow_list(
    client: Any, admin: Staff, receiver: Receiver
) -> None:
    response = _create(
        client, admin, url=receiver.url, event_types=["case.status_changed"]
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "url"
    assert not Endpoint.objects.exists()


def test_unknown_event_type_is_refused(
    client: Any, admin: Staff, receiver: Receiver, loopback_allowed: None
) -> None:
    response = _create(
        client, admin, url=receiver.url, event_types=["case.deleted_forever"]
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "event_types",
            "reason": "«case.deleted_forever» no es un tipo de evento conocido.",
        }
    ]
    assert not Endpoint.objects.exists()


# --- Delivery ------------------------------------------------------------------------


def test_retries_honour_retry_after_and_the_log_shows_them(
    client: Any,
    admin: Staff,
    org_a: Any,
    endpoint: tuple[Endpoint, str],
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    row, secret = endpoint
    receiver.script = [(500, {}), (429, {"Retry-After": "120"})]
    start = timezone.now()
    # The first attempt is queued when the event commits (jobs run in place here).
    with django_capture_on_commit_callbacks(execute=True):
        delivery = _emit(org_a)
    delivery.refresh_from_db()
    assert delivery.attempts_made == 1
    assert delivery.status == DeliveryStatus.PENDING
    wait = (delivery.next_attempt_at - start).total_seconds()
    assert 4.5 <= wait <= 6.5  # 5 s, with jitter
    # Not yet due: the sweep leaves it alone.
    assert deliveries_sweep(now=start + dt.timedelta(seconds=1)) == 0
    second = start + dt.timedelta(seconds=10)
    assert deliveries_sweep(now=second) == 1
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == second + dt.timedelta(seconds=120)
    assert deliveries_sweep(now=second + dt.timedelta(seconds=119)) == 0
    assert deliveries_sweep(now=second + dt.timedelta(seconds=121)) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    # Three requests, one webhook-id, every signature good.
    assert len(receiver.received) == 3
    assert {h["webhook-id"] for h, _b in receiver.received} == {delivery.message_id}
    for headers, body in receiver.received:
        assert _verify(secret, headers, body)["type"] == "case.status_changed"
    log = client.get(f"{API}/endpoints/{row.pk}/deliveries", headers=admin.headers)
    assert log.status_code == 200
    (item,) = log.json()["items"]
    assert item["status"] == "succeeded"
    assert [a["status_code"] for a in item["attempts"]] == [500, 429, 200]
    assert all(a["latency_ms"] >= 0 and a["error"] == "" for a in item["attempts"])


def test_manual_redelivery_keeps_the_webhook_id(
    client: Any,
    admin: Staff,
    org_a: Any,
    endpoint: tuple[Endpoint, str],
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _row, secret = endpoint
    delivery = _emit(org_a)
    deliveries.delivery_attempt(delivery.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{API}/deliveries/{delivery.pk}/redeliver", headers=admin.headers
        )
    assert response.status_code == 202
    assert len(receiver.received) == 2
    assert (
        receiver.received[0][0]["webhook-id"] == receiver.received[1][0]["webhook-id"]
    )
    _verify(secret, *receiver.received[1])
    detail = client.get(f"{API}/deliveries/{delivery.pk}", headers=admin.headers)
    assert [a["manual"] for a in detail.json()["attempts"]] == [False, True]


def test_410_disables_the_endpoint(
    org_a: Any, endpoint: tuple[Endpoint, str], receiver: Receiver
) -> None:
    row, _secret = endpoint
    receiver.script = [(410, {})]
    delivery = _emit(org_a)
    deliveries.delivery_attempt(delivery.pk)
    row.refresh_from_db()
    delivery.refresh_from_db()
    assert not row.enabled
    assert row.disabled_reason == DisabledReason.GONE
    assert delivery.status == DeliveryStatus.FAILED
    # A disabled endpoint is owed nothing new.
    assert (
        services.event_emit(
            event_type=EventType.CASE_STATUS_CHANGED,
            key="k2",
            data={"case_id": "c2", "from": "open", "to": "closed"},
            organisation_ids=[org_a.pk],
        )
        == []
    )


def test_exhaustion_disables_and_tells_the_administrators(
    mailoutbox: Any,
    org_a: Any,
    admin: Staff,
    endpoint: tuple[Endpoint, str],
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    row, _secret = endpoint
    with_email(admin, "ada@example.org")
    receiver.script = [(503, {})] * deliveries.MAX_ATTEMPTS
    delivery = _emit(org_a)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(deliveries.MAX_ATTEMPTS):
            assert deliveries.delivery_attempt(delivery.pk, now=now) is not None
            delivery.refresh_from_db()
            now = delivery.next_attempt_at or now
    assert len(receiver.received) == deliveries.MAX_ATTEMPTS
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts.count() == deliveries.MAX_ATTEMPTS
    # The schedule spans about three days.
    first = delivery.attempts.order_by("at").first()
    last = delivery.attempts.order_by("at").last()
    assert first is not None
    assert last is not None
    span = last.at - first.at
    assert dt.timedelta(days=2.5) < span < dt.timedelta(days=4)
    row.refresh_from_db()
    assert not row.enabled
    assert row.disabled_reason == DisabledReason.FAILING
    note = Notification.objects.get(user=admin.user, kind="webhook_disabled")
    assert note.key.startswith(str(row.pk))
    (email,) = mailoutbox
    assert email.to == ["ada@example.org"]
    assert "Fallaron todos los intentos" in email.body
    assert f"/staff/integraciones/webhooks/{row.pk}/" in email.body


def test_an_address_is_checked_again_at_send_time(
    org_a: Any, endpoint: tuple[Endpoint, str], receiver: Receiver, settings: Any
) -> None:
    delivery = _emit(org_a)
    settings.REMEDIA_WEBHOOK_ALLOWED_HOSTS = []  # the operator withdrew loopback
    attempt = deliveries.delivery_attempt(delivery.pk)
    assert attempt is not None
    assert attempt.error == "AddressRefused"
    assert attempt.status_code is None
    assert receiver.received == []


def test_the_connection_goes_to_the_checked_address(
    monkeypatch: pytest.MonkeyPatch, receiver: Receiver, settings: Any
) -> None:
    """A name resolved and checked once: the socket opens to that address,
    and the Host header still names the host."""
    calls: list[str] = []
    real = transport.socket.getaddrinfo

    def resolve(host: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(host)
        return real("127.0.0.1", *args, **kwargs)

    monkeypatch.setattr(transport.socket, "getaddrinfo", resolve)
    settings.REMEDIA_WEBHOOK_ALLOWED_HOSTS = ["hooks.partner.test"]
    outcome = transport.post(
        f"http://hooks.partner.test:{receiver.port}/x", b"{}", {"webhook-id": "m"}
    )
    assert outcome.status_code == 200
    # The name is resolved once; the socket is opened to the address itself.
    assert calls == ["hooks.partner.test", "127.0.0.1"]
    assert receiver.received[0][0]["Host"] == f"hooks.partner.test:{receiver.port}"


def test_redirects_are_not_followed(
    org_a: Any, endpoint: tuple[Endpoint, str], receiver: Receiver
) -> None:
    receiver.script = [(302, {"Location": "http://169.254.169.254/"})]
    delivery = _emit(org_a)
    attempt = deliveries.delivery_attempt(delivery.pk)
    assert attempt is not None
    assert attempt.status_code == 302
    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING


def test_rotation_signs_with_both_secrets_during_the_overlap(
    client: Any,
    admin: Staff,
    org_a: Any,
    endpoint: tuple[Endpoint, str],
    receiver: Receiver,
) -> None:
    row, old = endpoint
    response = client.post(f"{API}/endpoints/{row.pk}/rotate", headers=admin.headers)
    assert response.status_code == 200
    new = response.json()["secret"]
    assert new != old
    deliveries.delivery_attempt(_emit(org_a, key="a").pk)
    headers, body = receiver.received[-1]
    assert len(headers["webhook-signature"].split(" ")) == 2
    _verify(old, headers, body)
    _verify(new, headers, body)
    # Once the overlap is over, only the new secret signs.
    Endpoint.objects.filter(pk=row.pk).update(
        previous_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    deliveries.delivery_attempt(_emit(org_a, key="b").pk)
    headers, body = receiver.received[-1]
    _verify(new, headers, body)
    with pytest.raises(WebhookVerificationError):
        _verify(old, headers, body)


def test_a_facility_created_sends_ids_only(
    org_a: Any,
    admin: Staff,
    endpoint: tuple[Endpoint, str],
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A real change through its service: the payload holds type, timestamp
    and ids, nothing the record says (its name, its address)."""
    _row, secret = endpoint
    with django_capture_on_commit_callbacks(execute=True):
        facility = facilities.facility_create(
            data={"name": "Confecciones Privadas", "state": "MX-AGU"},
            actor=admin.user,
            source="test",
        )
    ((headers, body),) = receiver.received
    payload = _verify(secret, headers, body)
    assert set(payload) == {"type", "timestamp", "data"}
    assert payload["type"] == "facility.created"
    assert set(payload["data"]) == DATA_KEYS[EventType.FACILITY_CREATED]
    assert payload["data"]["facility_id"] == str(facility.pk)
    assert b"Confecciones" not in body


def test_a_petition_moving_on_and_falling_due_sends_stages_and_days_only(
    client: Any,
    admin: Staff,
    org_a: Any,
    receiver: Receiver,
    loopback_allowed: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    made = _create(
        client,
        admin,
        url=receiver.url,
        event_types=["petition.step_done", "petition.step_due"],
    )
    secret = made.json()["secret"]
    analyst = staff_member(org_a, "ana", role="analyst", decrypting=False)
    case = rrm.petition_create(
        user=analyst.user, facility_name="Maquila del Norte", facts_alleged="x" * 30
    )
    with django_capture_on_commit_callbacks(execute=True):
        rrm.petition_advance(
            case=case,
            user=analyst.user,
            to_stage=RrmStage.PETITION_FILED,
            on=dt.date(2024, 2, 1),
            petitioners="Sindicato Independiente",
        )
    ((headers, body),) = receiver.received
    payload = _verify(secret, headers, body)
    assert payload["type"] == "petition.step_done"
    assert payload["data"] == {
        "petition_id": str(case.pk),
        "from": "draft",
        "to": "petition_filed",
        "on": "2024-02-01",
    }
    assert b"Maquila" not in body
    assert b"Sindicato" not in body
    # Its next step is long overdue: the daily job owes it once, not every day.
    with django_capture_on_commit_callbacks(execute=True):
        assert petition_steps_due() >= 1
    assert petition_steps_due() == 0
    due = [_verify(secret, h, b) for h, b in receiver.received[1:]]
    assert due
    for event in due:
        assert event["type"] == "petition.step_due"
        assert set(event["data"]) == DATA_KEYS[EventType.PETITION_STEP_DUE]
        assert event["data"]["petition_id"] == str(case.pk)


# --- Who may --------------------------------------------------------------------------


def test_another_organisation_gets_404(
    client: Any, admin_b: Staff, org_a: Any, endpoint: tuple[Endpoint, str]
) -> None:
    row, _secret = endpoint
    delivery = _emit(org_a)
    for method, path in (
        ("get", f"{API}/endpoints/{row.pk}"),
        ("get", f"{API}/endpoints/{row.pk}/deliveries"),
        ("post", f"{API}/endpoints/{row.pk}/rotate"),
        ("delete", f"{API}/endpoints/{row.pk}"),
        ("get", f"{API}/deliveries/{delivery.pk}"),
        ("post", f"{API}/deliveries/{delivery.pk}/redeliver"),
    ):
        response = getattr(client, method)(path, headers=admin_b.headers)
        assert response.status_code == 404, (method, path)
    listed = client.get(f"{API}/endpoints", headers=admin_b.headers)
    assert listed.json() == {"items": [], "count": 0}
    assert Endpoint.objects.filter(pk=row.pk).exists()


def test_a_handler_of_the_same_organisation_gets_404(
    client: Any, org_a: Any, endpoint: tuple[Endpoint, str]
) -> None:
    row, _secret = endpoint
    handler = staff_member(org_a, "hugo", role="handler", decrypting=False)
    assert client.get(f"{API}/endpoints", headers=handler.headers).status_code == 404
    detail = client.get(f"{API}/endpoints/{row.pk}", headers=handler.headers)
    assert detail.status_code == 404


# --- Pages ---------------------------------------------------------------------------


def test_pages_register_show_the_log_and_refuse_bad_input(
    client: Any,
    enter: Any,
    admin: Staff,
    org_a: Any,
    receiver: Receiver,
    loopback_allowed: None,
) -> None:
    enter(admin)
    refused = client.post(
        "/staff/integraciones/webhooks/nuevo/",
        {"url": "https://10.0.0.5/x", "event_types": ["case.status_changed"]},
    )
    assert refused.status_code == 422
    assert "red privada" in refused.content.decode()
    assert not Endpoint.objects.exists()
    made = client.post(
        "/staff/integraciones/webhooks/nuevo/",
        {"url": receiver.url, "event_types": ["case.status_changed"]},
    )
    assert made.status_code == 200
    row = Endpoint.objects.get()
    assert signing.secret_unwrap(row.secret_wrapped) in made.content.decode()
    receiver.script = [(500, {})]
    delivery = _emit(org_a)
    deliveries.delivery_attempt(delivery.pk)
    page = client.get(f"/staff/integraciones/webhooks/{row.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert delivery.message_id in text
    assert "HTTP 500" in text
    listed = client.get("/staff/integraciones/webhooks/")
    assert receiver.url in listed.content.decode()
    edited = client.post(
        f"/staff/integraciones/webhooks/{row.pk}/editar/",
        {"url": receiver.url, "event_types": ["nothing.known"], "enabled": "on"},
    )
    assert edited.status_code == 422
    row.refresh_from_db()
    assert row.event_types == ["case.status_changed"]


def test_pages_are_404_to_other_roles(client: Any, enter: Any, org_a: Any) -> None:
    handler = staff_member(org_a, "hugo", role="handler", decrypting=False)
    enter(handler)
    assert client.get("/staff/integraciones/webhooks/").status_code == 404
