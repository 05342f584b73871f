"""The training tests' world is the remediation tests' one: a facility's roster
is read through a course of remediation at that facility (``remediation``
registers that rule), so rosters are tested against the INISA course."""

from tests.remediation.conftest import course, filled, world  # noqa: F401
