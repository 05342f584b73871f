"""The start-up check that warns while reports would have no reader."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from remedia.intake.checks import intake_default_organisation


@pytest.mark.django_db
def test_the_check_asks_the_database_only_when_a_command_asks_for_its_checks():
    # Every command runs the checks without databases (serve, worker, smtpd):
    # a query there held a connection in their main thread for good.
    with CaptureQueriesContext(connection) as queries:
        assert intake_default_organisation(None) == []
        assert intake_default_organisation(None, databases=None) == []
    assert len(queries) == 0
    # `migrate` and `check --database default` ask: no default organisation yet
    found = intake_default_organisation(None, databases=["default"])
    assert [warning.id for warning in found] == ["remedia.W001"]
