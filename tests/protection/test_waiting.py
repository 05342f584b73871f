"""The protection counts on the home page (issue 22): referrals received still
to answer, and referrals sent past due unanswered; each leads to the referral
list filtered to exactly those rows, for the viewer's organisation only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from remedia.protection.models import Referral, VictimFile
from tests.support.protection import ProtectionWorld, consented_for, referral_sent
from tests.support.waiting import HOME, table_rows, waiting_on_home

pytestmark = pytest.mark.django_db

LIST = "/staff/proteccion/canalizaciones/"
TO_ANSWER = "protection.referrals_to_answer"
SENT_LATE = "protection.referrals_sent_overdue"


@pytest.fixture
def late_referral(
    protection_world: ProtectionWorld, minor_file: VictimFile, dif_service: Any
) -> Referral:
    """The worker's referral to DIF, unanswered and a day past due."""
    consented_for(protection_world, minor_file, dif_service)
    referral = referral_sent(protection_world, minor_file, dif_service)
    Referral.objects.filter(pk=referral.pk).update(
        due_at=timezone.now() - timedelta(days=1)
    )
    return referral


def _count_and_rows(client: Client, key: str) -> tuple[int, int, str]:
    shown, url = waiting_on_home(client.get(HOME).content.decode(), key)
    page = client.get(url)
    assert page.status_code == 200
    return shown, table_rows(page.content.decode()), url


def test_the_receiving_institution_counts_the_referral_to_answer(
    client: Client, enter: Any, protection_world: ProtectionWorld, late_referral: Any
) -> None:
    # Given a referral to DIF still to accept or reject
    enter(protection_world.dif_worker)

    # When DIF's worker opens home, then the count leads to that one row
    shown, rows, url = _count_and_rows(client, TO_ANSWER)
    assert (shown, rows) == (1, 1)
    assert url == f"{LIST}?box=incoming&status=in_progress"
    assert str(late_referral.pk) in client.get(url).content.decode()
    # And nothing DIF sent is late
    assert _count_and_rows(client, SENT_LATE)[:2] == (0, 0)


def test_the_sender_counts_the_referral_past_due_unanswered(
    client: Client, enter: Any, protection_world: ProtectionWorld, late_referral: Any
) -> None:
    enter(protection_world.worker)

    shown, rows, url = _count_and_rows(client, SENT_LATE)

    assert (shown, rows) == (1, 1)
    assert url == f"{LIST}?box=sent&overdue=1"
    # Not theirs to answer
    assert _count_and_rows(client, TO_ANSWER)[:2] == (0, 0)


def test_an_answered_referral_is_no_longer_counted(
    client: Client, enter: Any, protection_world: ProtectionWorld, late_referral: Any
) -> None:
    Referral.objects.filter(pk=late_referral.pk).update(status="accepted")
    enter(protection_world.dif_worker)
    assert _count_and_rows(client, TO_ANSWER)[:2] == (0, 0)
    enter(protection_world.worker)
    assert _count_and_rows(client, SENT_LATE)[:2] == (0, 0)


def test_another_organisation_sees_zero_and_an_empty_list(
    client: Client, enter: Any, protection_world: ProtectionWorld, late_referral: Any
) -> None:
    enter(protection_world.outsider)
    for key in (TO_ANSWER, SENT_LATE):
        assert _count_and_rows(client, key)[:2] == (0, 0), key


def test_staff_without_protection_have_no_referral_counts(
    client: Client, enter: Any, protection_world: ProtectionWorld, late_referral: Any
) -> None:
    enter(protection_world.handler)
    home = client.get(HOME).content.decode()
    assert TO_ANSWER not in home
    assert SENT_LATE not in home


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"status": "nope"}, "Elija un estado de la lista."),
        ({"box": "trash"}, "Elija una bandeja de la lista."),
        ({"overdue": "yes"}, "«Solo vencidas» se marca o se deja vacío."),
    ],
)
def test_an_unknown_filter_value_is_said_not_a_crash(
    client: Client,
    enter: Any,
    protection_world: ProtectionWorld,
    late_referral: Any,
    query: dict[str, str],
    message: str,
) -> None:
    enter(protection_world.worker)
    response = client.get(LIST, query)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'id="referral-filter-errors"' in html
    assert table_rows(html) == 0
