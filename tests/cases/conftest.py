"""Case management's world: the intake's organisations and handlers, and reports."""

from __future__ import annotations

from typing import Any

import pytest

from remedia.intake import services as intake
from tests.cases.support import SubmitReport
from tests.intake.support import NARRATIVE
from tests.support.actors import Staff, staff_member


@pytest.fixture
def agu_colleague(orgs) -> Staff:  # noqa: F811
    return staff_member(orgs.agu, "carmen")


@pytest.fixture
def agu_analyst(orgs) -> Staff:  # noqa: F811
    """A member of the case's organisation without the case-handler role."""
    return staff_member(orgs.agu, "ana", role="analyst")


@pytest.fixture
def report_in(orgs) -> SubmitReport:  # noqa: F811
    """Submit a report through the intake service (any channel's path)."""

    def make(**overrides: Any) -> intake.Submitted:
        fields: dict[str, Any] = {
            "channel": "web",
            "categories": ["intimidation"],
            "narrative": NARRATIVE,
            "facility_name": "La maquila de la carretera",
            "state": "MX-AGU",
            **overrides,
        }
        return intake.report_submit(draft=intake.ReportDraft(**fields))

    return make
