"""Evidence of progress updates (uploaded through pages and API, downloaded by
coordination readers only, each download audited) and drafts (seen by their
author alone, counted for nothing, announced to nobody until sent)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from remedia.coordination.models import ProgressUpdate, UpdateEvidence, UpdateStatus
from remedia.coordination.selectors.plan import period_actual
from remedia.coordination.services.updates import (
    update_review,
    update_send,
    update_submit,
)
from remedia.core.errors import PermissionDenied
from remedia.core.models import AuditEntry
from remedia.notifications.models import Notification
from tests.intake.support import jpeg_with_gps
from tests.support.coordination import CoordinationWorld

pytestmark = pytest.mark.django_db

HOME = "/staff/coordinacion/"
API = "/api/v1/coordination"


def _photo(name: str = "taller.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_with_gps("Cámara del taller"), "image/jpeg")


def _with_photo(world: CoordinationWorld, **kwargs: Any) -> ProgressUpdate:
    return update_submit(
        user=world.member.user,
        period=world.q1,
        value="12",
        evidence=[("taller.jpg", jpeg_with_gps("Cámara"), False)],
        **kwargs,
    )


def _opened(evidence: UpdateEvidence) -> int:
    return AuditEntry.objects.filter(
        action="coordination.evidence_opened", data__evidence=str(evidence.pk)
    ).count()


# --- Downloading ------------------------------------------------------------------


def test_a_reader_downloads_evidence_as_an_attachment_and_it_is_audited(
    client: Client, enter, coordination_world: CoordinationWorld, data_dir
) -> None:
    world = coordination_world
    update = _with_photo(world)
    evidence = update.evidence.get()
    enter(world.outsider)

    page = client.get(world.action.get_absolute_url()).content.decode()
    answer = client.get(f"{HOME}evidencias/{evidence.pk}/")

    assert f'href="{HOME}evidencias/{evidence.pk}/"' in page
    assert answer.status_code == 200  # noqa: PLR2004
    assert answer["Content-Disposition"].startswith("attachment")
    assert 'filename="taller.jpg"' in answer["Content-Disposition"]
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in answer["Cache-Control"]
    body = b"".join(answer.streaming_content)
    assert b"GPS" not in body  # cleaned before it was stored
    entry = AuditEntry.objects.get(action="coordination.evidence_opened")
    assert entry.actor_id == str(world.outsider.user.pk)
    assert entry.data["evidence"] == str(evidence.pk)


def test_who_reads_no_coordination_gets_no_evidence_page_or_api(
    client: Client, enter, coordination_world: CoordinationWorld, data_dir
) -> None:
    world = coordination_world
    evidence = _with_photo(world).evidence.get()
    enter(world.officer)

    page = client.get(f"{HOME}evidencias/{evidence.pk}/")
    api = client.get(f"{API}/evidence/{evidence.pk}", headers=world.officer.headers)
    anonymous = Client().get(f"{API}/evidence/{evidence.pk}")

    assert page.status_code == 404  # noqa: PLR2004
    assert api.status_code == 404  # noqa: PLR2004
    assert anonymous.status_code == 401  # noqa: PLR2004
    assert _opened(evidence) == 0


def test_the_api_takes_evidence_in_multipart_and_gives_it_back_audited(
    client: Client, coordination_world: CoordinationWorld, data_dir
) -> None:
    world = coordination_world

    created = client.post(
        f"{API}/updates",
        {
            "period_id": str(world.q1.pk),
            "value": "7",
            "narrative": "Un taller.",
            "evidence": [_photo("uno.jpg"), _photo("dos.jpg")],
        },
        headers=world.member.headers,
    )

    assert created.status_code == 201, created.content  # noqa: PLR2004
    body = created.json()
    assert body["evidence"] == ["uno.jpg", "dos.jpg"]
    first = body["evidence_files"][0]
    download = client.get(first["url"], headers=world.outsider.headers)
    assert download.status_code == 200  # noqa: PLR2004
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert _opened(UpdateEvidence.objects.get(pk=first["id"])) == 1


def test_a_text_file_as_evidence_is_refused_and_nothing_is_stored(
    client: Client, coordination_world: CoordinationWorld, data_dir
) -> None:
    world = coordination_world

    answer = client.post(
        f"{API}/updates",
        {
            "period_id": str(world.q1.pk),
            "value": "7",
            "evidence": SimpleUploadedFile("nota.txt", b"hola", "text/plain"),
        },
        headers=world.member.headers,
    )

    assert answer.status_code == 422  # noqa: PLR2004
    assert not ProgressUpdate.objects.exists()
    assert not list((data_dir / "coordination-evidence").glob("*"))


def test_a_returned_update_is_resubmitted_in_multipart_with_more_evidence(
    client: Client, coordination_world: CoordinationWorld, data_dir
) -> None:
    world = coordination_world
    update = _with_photo(world)
    update_review(
        user=world.lead.user, update=update, decision="returned", note="Falta lista."
    )

    answer = client.post(
        f"{API}/updates/{update.pk}/resubmit",
        {"value": "14", "narrative": "Con lista.", "evidence": _photo("lista.jpg")},
        headers=world.member.headers,
    )

    assert answer.status_code == 200, answer.content  # noqa: PLR2004
    assert answer.json()["status"] == "submitted"
    assert answer.json()["evidence"] == ["taller.jpg", "lista.jpg"]


# --- Drafts ------------------------------------------------------------------------


def test_a_draft_from_the_page_is_seen_by_its_author_alone(
    client: Client,
    enter,
    coordination_world: CoordinationWorld,
    data_dir,
    django_capture_on_commit_callbacks,
) -> None:
    world = coordination_world
    enter(world.member)

    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(
            world.action.get_absolute_url() + "avances/",
            {
                "period": str(world.q1.pk),
                "value": "",
                "narrative": "A medias.",
                "evidence": _photo(),
                "intent": "draft",
            },
        )

    draft = ProgressUpdate.objects.get()
    assert draft.status == UpdateStatus.DRAFT
    assert draft.submitted_at is None
    assert saved["Location"] == f"{HOME}avances/{draft.pk}/corregir/"
    mine = client.get(world.action.get_absolute_url()).content.decode()
    assert "Seguir con el borrador" in mine
    evidence = draft.evidence.get()
    for other in (world.lead, world.coordinator, world.outsider):
        enter(other)
        page = client.get(world.action.get_absolute_url()).content.decode()
        assert f"update-{draft.pk}" not in page
        assert client.get(f"{HOME}evidencias/{evidence.pk}/").status_code == 404  # noqa: PLR2004
        assert (
            client.get(f"{API}/updates/{draft.pk}", headers=other.headers).status_code
            == 404  # noqa: PLR2004
        )
    detail = client.get(f"{API}/actions/{world.action.pk}", headers=world.lead.headers)
    updates = [
        u
        for i in detail.json()["indicators"]
        for p in i["periods"]
        for u in p["updates"]
    ]
    assert updates == []
    # Nobody was told, and it counts for nothing.
    assert not Notification.objects.exists()
    assert period_actual(world.q1, world.indicator.unit) is None


def test_a_draft_is_edited_then_sent_and_only_then_the_lead_hears_of_it(
    client: Client,
    enter,
    coordination_world: CoordinationWorld,
    data_dir,
    django_capture_on_commit_callbacks,
) -> None:
    world = coordination_world
    draft = update_submit(
        user=world.member.user, period=world.q1, narrative="Borrador", draft=True
    )
    enter(world.member)
    url = f"{HOME}avances/{draft.pk}/corregir/"

    word = client.post(url, {"value": "muchos", "intent": "draft"})
    kept = client.post(url, {"value": "9", "narrative": "Casi", "intent": "draft"})
    incomplete = client.post(url, {"value": "", "narrative": "", "intent": "send"})

    assert word.status_code == 422  # noqa: PLR2004
    assert "Escriba un número, como 12 o 12.5." in word.content.decode()
    assert kept.status_code == 302  # noqa: PLR2004
    assert incomplete.status_code == 422  # noqa: PLR2004
    assert "Escriba el valor logrado, con número." in incomplete.content.decode()
    draft.refresh_from_db()
    assert (draft.status, draft.value, draft.narrative) == ("draft", 9, "Casi")
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            url,
            {
                "value": "11",
                "narrative": "Listo",
                "evidence": _photo(),
                "intent": "send",
            },
        )
    assert sent.status_code == 302  # noqa: PLR2004
    draft.refresh_from_db()
    assert draft.status == UpdateStatus.SUBMITTED
    assert draft.submitted_at is not None
    assert draft.evidence.count() == 1
    assert Notification.objects.filter(user=world.lead.user).count() == 1


def test_someone_else_may_not_edit_a_draft_nor_send_it(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    draft = update_submit(
        user=world.member.user, period=world.q1, value="2", draft=True
    )
    enter(world.coordinator)

    page = client.get(f"{HOME}avances/{draft.pk}/corregir/")
    post = client.post(f"{HOME}avances/{draft.pk}/corregir/", {"value": "40"})

    assert page.status_code == 404  # noqa: PLR2004
    assert post.status_code == 404  # noqa: PLR2004
    with pytest.raises(PermissionDenied):
        update_send(user=world.coordinator.user, update=draft, value="40")
    draft.refresh_from_db()
    assert (draft.status, draft.value) == ("draft", 2)


def test_drafts_through_the_api_save_change_send_and_discard(
    client: Client, coordination_world: CoordinationWorld, data_dir
) -> None:
    world = coordination_world
    headers = world.member.headers

    def call(method: str, path: str, body: Any = None) -> Any:
        return getattr(client, method)(
            API + path,
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
            headers=headers,
        )

    created = call("post", "/updates", {"period_id": str(world.q1.pk), "draft": True})
    draft_id = created.json()["id"]
    changed = call("patch", f"/updates/{draft_id}", {"value": "5"})
    word = call("patch", f"/updates/{draft_id}", {"value": "cinco"})
    sent = call("post", f"/updates/{draft_id}/submit", {"narrative": "Hecho"})
    again = call("post", f"/updates/{draft_id}/submit", {})
    other = call("post", "/updates", {"period_id": str(world.q2.pk), "draft": True})
    discarded = call("delete", f"/updates/{other.json()['id']}")

    assert created.status_code == 201  # noqa: PLR2004
    assert created.json()["status"] == "draft"
    assert changed.json()["value"] == "5.00"
    assert word.status_code == 422  # noqa: PLR2004
    assert sent.status_code == 200  # noqa: PLR2004
    assert sent.json()["status"] == "submitted"
    assert sent.json()["narrative"] == "Hecho"
    assert again.status_code == 422  # noqa: PLR2004
    assert discarded.status_code == 204  # noqa: PLR2004
    assert list(ProgressUpdate.objects.values_list("status", flat=True)) == [
        "submitted"
    ]
    lead = client.get(f"{API}/updates/{draft_id}", headers=world.lead.headers)
    assert lead.json()["status"] == "submitted"
