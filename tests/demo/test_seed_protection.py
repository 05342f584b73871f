"""The protection demo: the directory, two Puebla files with consent, referrals
and plans, and a de-identified export with no class below k."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest
from django.core.management import call_command

from remedia.accounts.models import User
from remedia.protection.models import Consent, Referral, Service, VictimFile
from remedia.protection.selectors.files import files_visible_to
from remedia.protection.services.export import export_make
from remedia.protection.vocabulary import ReferralStatus

pytestmark = pytest.mark.django_db


def test_the_demo_holds_a_directory_two_files_and_their_referrals() -> None:
    # Given the demo, seeded twice (idempotent)
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())

    # Then the directory holds the institutions of the pathway, DIF's in Remedia
    assert Service.objects.count() >= 10
    dif = Service.objects.get(organisation__short_name="PPNNA Puebla")
    assert "child_protection" in dif.service_types
    # Two files, read by their worker and the lead, never by a handler
    files = VictimFile.objects.all()
    assert files.count() == 2
    for username in ("protection", "protection_lead"):
        assert files_visible_to(user=User.objects.get(username=username)).count() == 2
    for username in ("handler", "handler2", "dif", "coordinator"):
        assert not files_visible_to(user=User.objects.get(username=username)).exists()
    # Each with consent to services, sharing and reporting
    assert Consent.objects.filter(withdrawn_at__isnull=True).count() == 6
    # The 15-year-old's referral waits at the procuraduría; the other was accepted
    statuses = {r.service.institution: r.status for r in Referral.objects.all()}
    assert statuses[dif.institution] == ReferralStatus.IN_PROGRESS
    assert statuses["Fiscalía General del Estado de Puebla"] == ReferralStatus.ACCEPTED


def test_the_demo_export_has_no_class_below_k() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    lead = User.objects.get(username="protection_lead")

    for k in (2, 11):
        built = export_make(user=lead, k=k, file_format="csv")
        # Both demo files consent to reporting; at k = 2 their two distinct
        # rows are held back, as they must be.
        assert built.summary.files == 2
        rows = list(csv.DictReader(io.StringIO(built.content.decode("utf-8-sig"))))
        classes = Counter(tuple(sorted(r.items())) for r in rows)
        assert all(count >= k for count in classes.values())
