"""Fixtures every test directory can use without importing them.

Registered by tests/conftest.py (`pytest_plugins`): the actors of the
accounts tests, the staff login helpers, a fully set-up receiving organisation,
and the switch that lets committing tests (live server) flush the audit log.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models.signals import post_migrate
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from remedia.accounts import keys
from remedia.accounts import services as accounts
from remedia.accounts.permissions import Sector
from remedia.intake import services as intake
from remedia.intake.models import RoutePurpose, RoutingRule
from tests.support.factories.accounts import (
    PASSWORD,
    OrganisationFactory,
    member,
    totp_code_for_key,
    totp_device,
)


@pytest.fixture(autouse=True)
def _clear_cache(db: None) -> None:
    # Throttle counters live in the shared cache; each test starts with none.
    cache.clear()


@pytest.fixture(autouse=True)
def _audit_anchor_file(settings, tmp_path):
    # The audit log's anchor (issue 15.4) belongs to one test's database.
    settings.REMEDIA_AUDIT_ANCHOR_FILE = tmp_path / "audit-anchor.json"


@pytest.fixture(autouse=True)
def _default_language():
    # A test that switches to English must not leave the next one in English.
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def org_a():
    return OrganisationFactory(name="Centro Laboral Aguascalientes")


@pytest.fixture
def org_b():
    return OrganisationFactory(name="Colectivo Obrero Puebla")


@pytest.fixture
def handler(org_a):
    """A case handler of organisation A, with a confirmed TOTP device."""
    user = member("handler", org_a, username="hilda")
    totp_device(user)
    return user


@pytest.fixture
def handler_b(org_b):
    user = member("handler", org_b, username="hector")
    totp_device(user)
    return user


@pytest.fixture
def unenrolled_handler(org_a):
    """A case handler of organisation A who has not set up a second factor yet."""
    return member("handler", org_a, username="helena")


@pytest.fixture
def facility_officer(org_a):
    """A facility compliance officer without a second factor (their role needs none)."""
    return member("facility_officer", org_a, username="fernando")


@pytest.fixture
def log_in(client):
    """Post the staff login form with the test client; returns the response."""

    def post(username: str, password: str = PASSWORD, code: str = ""):
        return client.post(
            "/staff/login/",
            {"username": username, "password": password, "code": code},
        )

    return post


def _unused_totp_code(device: TOTPDevice) -> str:
    """The code for the first time step the device has not yet accepted.

    An authenticator code is good once: a second login in the same 30 seconds
    uses the next step's code, as a phone would show a little later (the
    device accepts one step of drift).
    """
    device.refresh_from_db()
    now_step = int(time.time() - device.t0) // device.step
    step = max(device.last_t + 1, now_step + device.drift)
    return totp_code_for_key(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        offset=step - now_step,
    )


@pytest.fixture
def log_in_verified(log_in):
    """Log `user` in through the staff form with password and a fresh TOTP code."""

    def post(user: Any, password: str = PASSWORD):
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        return log_in(user.username, password=password, code=_unused_totp_code(device))

    return post


@pytest.fixture
def enter(client, log_in_verified):
    """`enter(staff)`: the test client is `staff` (a `tests.support.actors.Staff`),
    logged in afresh with password and TOTP; returns the user."""

    def log(staff: Any) -> Any:
        client.logout()
        totp_device(staff.user)
        assert log_in_verified(staff.user).status_code == 302
        return staff.user

    return log


@pytest.fixture
def receiving_org(db):
    """An organisation set up in full: its escrow key, and a routing rule that
    brings it the labour-rights reports of Aguascalientes."""
    organisation = accounts.organisation_create(
        name="Defensoría Laboral del Bajío", short_name="DLB", sector=Sector.UNION
    )
    keys.organisation_escrow_issue(organisation=organisation)
    RoutingRule.objects.create(
        organisation=organisation, purpose=RoutePurpose.LABOUR_RIGHTS, state="MX-AGU"
    )
    return organisation


@pytest.fixture
def keyed_handler(receiving_org):
    """A handler of `receiving_org` made as an administrator makes one: the
    keypair from the password at creation, and a confirmed TOTP device."""
    user = accounts.user_create(
        username="karina",
        password=PASSWORD,
        organisation=receiving_org,
        roles=["handler"],
    )
    totp_device(user)
    return user


@pytest.fixture
def hand_in(db):
    """Hand in a report the way every channel does (the intake service);
    returns what the service returns: the report and the reporter's receipt."""

    def submit(
        *,
        narrative: str,
        state: str = "MX-AGU",
        categories: tuple[str, ...] = ("intimidation",),
        facility_name: str = "Maquiladora del parque industrial",
    ):
        return intake.report_submit(
            draft=intake.ReportDraft(
                channel="api",
                categories=list(categories),
                narrative=narrative,
                state=state,
                facility_name=facility_name,
            )
        )

    return submit


@pytest.fixture
def submit_report(hand_in):
    """`hand_in`, returning only the report."""

    def submit(**draft):
        return hand_in(**draft).report

    return submit


# --- Tests that commit for real (live server, transactional_db) -----------------------


def _restore_migrated_rows() -> None:
    """Put back the audit log's triggers and the rows migrations made, after a flush."""
    migration = importlib.import_module(
        "remedia.core.migrations.0002_audit_append_only"
    )
    sealed = importlib.import_module("remedia.core.migrations.0004_audit_sealed_chain")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER USER")
            cursor.execute("ALTER TABLE core_auditlink ENABLE TRIGGER USER")
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'core_auditentry'"
            )
            if not cursor.fetchall():
                for sql in migration._SQLITE:
                    cursor.execute(sql)
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'core_auditlink'"
            )
            if not cursor.fetchall():
                for sql in sealed._SQLITE:
                    cursor.execute(sql)
    from remedia.core.models import AuditHead
    from remedia.intake.models import IntakeConfiguration

    AuditHead.objects.get_or_create(id=1)
    # The intake's single configuration row (intake migration 0002) and its salt.
    IntakeConfiguration.objects.get_or_create(
        id=1, defaults={"receipt_salt": os.urandom(16)}
    )


def _after_flush(sender: Any, **kwargs: Any) -> None:
    post_migrate.disconnect(dispatch_uid="remedia-audit-restore")
    _restore_migrated_rows()


@pytest.fixture
def _flushable_audit_log(transactional_db: None) -> Iterator[None]:
    """Let a committing test's database flush pass the append-only audit log.

    A live-server or transactional test commits for real, so pytest-django
    empties every table afterwards; the audit log's triggers refuse exactly that
    (DELETE on SQLite, TRUNCATE on PostgreSQL), and the flush also drops the
    rows the migrations made (the audit head, the intake configuration). The
    triggers are switched off only for that flush, then restored with those rows
    when the flush announces itself done through post_migrate, before any other
    test runs.
    """
    _restore_migrated_rows()
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE core_auditlink DISABLE TRIGGER USER")
        elif connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_delete")
            cursor.execute("DROP TRIGGER IF EXISTS core_auditlink_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS core_auditlink_no_delete")
    post_migrate.connect(_after_flush, weak=False, dispatch_uid="remedia-audit-restore")
