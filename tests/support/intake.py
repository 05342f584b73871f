"""The intake's world, shared by every app's tests (registered by tests/conftest.py).

Organisations with escrow keys and routing rules, handlers with keys, and a
data directory of each test's own (attachments and anything else stored on
disk), so tests in parallel workers never share files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from remedia.accounts.models import Organisation
from remedia.intake.models import IntakeConfiguration, RoutePurpose, RoutingRule
from tests.support.actors import Staff, organisation_with_escrow, staff_member


@pytest.fixture(autouse=True)
def _receipt_salt_forgotten() -> None:
    # Processes keep the site's receipt salt once read (it never changes in a
    # database); each test's database makes its own.
    from remedia.intake import services

    services._config_cache.clear()


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path) -> Path:
    """Each test stores attachments (and anything else) under a directory of its own."""
    path = tmp_path / "var"
    path.mkdir()
    settings.DATA_DIR = path
    return path


def intake_configuration() -> IntakeConfiguration:
    config, _created = IntakeConfiguration.objects.get_or_create(
        id=1, defaults={"receipt_salt": os.urandom(16)}
    )
    return config


@dataclass(frozen=True)
class Organisations:
    agu: Organisation
    pue: Organisation
    protection: Organisation
    operator: Organisation


@pytest.fixture
def orgs(db) -> Organisations:
    """Aguascalientes and Puebla labour-rights organisations, a protection team
    for any state, and the operator as the default organisation."""
    agu = organisation_with_escrow("Centro Laboral Aguascalientes", "CLA")
    pue = organisation_with_escrow("Colectivo Obrero Puebla", "COP")
    protection = organisation_with_escrow("Red de Protección a Víctimas", "RPV")
    operator = organisation_with_escrow("Remedia — operación", "OPS")
    RoutingRule.objects.create(
        organisation=agu, purpose=RoutePurpose.LABOUR_RIGHTS, state="MX-AGU"
    )
    RoutingRule.objects.create(
        organisation=pue, purpose=RoutePurpose.LABOUR_RIGHTS, state="MX-PUE"
    )
    RoutingRule.objects.create(organisation=protection, purpose=RoutePurpose.PROTECTION)
    config = intake_configuration()
    config.default_organisation = operator
    config.save()
    return Organisations(agu=agu, pue=pue, protection=protection, operator=operator)


@pytest.fixture
def agu_handler(orgs) -> Staff:
    return staff_member(orgs.agu, "hilda")


@pytest.fixture
def pue_handler(orgs) -> Staff:
    return staff_member(orgs.pue, "hector")
