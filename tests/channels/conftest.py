"""The channels' world: the intake's organisations and handlers, and the provider."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from remedia.intake.channels.standin import ProviderStandin
from tests.channels.support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    OUR_SMS_NUMBER,
    OUR_WHATSAPP_NUMBER,
)


@pytest.fixture(autouse=True)
def telephony(settings) -> None:
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_SMS_FROM = OUR_SMS_NUMBER
    settings.TWILIO_WHATSAPP_FROM = OUR_WHATSAPP_NUMBER
    settings.REMEDIA_BASE_URL = "https://remedia.example.org"


@pytest.fixture
def provider(settings) -> Iterator[ProviderStandin]:
    """The provider's REST API on loopback, where outbound messages land."""
    with ProviderStandin(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN) as standin:
        settings.TWILIO_API_URL = standin.url
        yield standin
