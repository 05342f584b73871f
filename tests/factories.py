"""Deprecated: the factories live in tests/support/factories/<app>.py.

Kept only so test files that other branches move at the same time still
import; the integrator deletes this module once their imports are updated.
"""

from tests.support.factories.accounts import (  # noqa: F401
    PASSWORD,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    member,
    totp_code,
    totp_code_for_key,
    totp_code_for_secret,
    totp_device,
    wrong_code,
)
from tests.support.factories.facilities import FacilityFactory  # noqa: F401
