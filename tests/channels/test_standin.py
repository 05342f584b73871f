"""The provider stand-in: outbound messages, recordings to fetch and delete."""

from __future__ import annotations

import pytest
import requests
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from remedia.intake.channels import outbound
from tests.channels.support import ACCOUNT_SID, AUTH_TOKEN, OUR_SMS_NUMBER

AUTH = (ACCOUNT_SID, AUTH_TOKEN)


def _recording_url(provider, rsid: str) -> str:
    return f"{provider.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{rsid}"


def test_the_twilio_client_sends_a_message_to_the_standin(provider):
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=TwilioHttpClient())
    client.api.base_url = provider.url

    message = client.messages.create(to="+5215500000000", from_="+1555", body="hola")

    assert message.sid.startswith("SM")
    assert message.status == "queued"
    [sent] = provider.messages
    assert (sent.to, sent.from_, sent.body) == ("+5215500000000", "+1555", "hola")


def test_outbound_sends_sms_from_our_number(provider):
    sid = outbound.message_send(channel="sms", to="+5215500000000", body="hola")

    assert sid == provider.messages[0].sid
    assert provider.messages[0].from_ == OUR_SMS_NUMBER


def test_wrong_credentials_are_refused(provider, settings):
    settings.TWILIO_AUTH_TOKEN = "not-the-token"

    with pytest.raises(outbound.SendFailed):
        outbound.message_send(channel="sms", to="+5215500000000", body="hola")
    assert provider.messages == []
    response = requests.get(
        _recording_url(provider, "RE1"), auth=(ACCOUNT_SID, "nope"), timeout=5
    )
    assert response.status_code == 401


def test_a_recording_is_served_then_deleted(provider):
    provider.add_recording("RE" + "a" * 32, b"RIFF....WAVEfmt ", "audio/x-wav")
    url = _recording_url(provider, "RE" + "a" * 32)

    audio = requests.get(url, auth=AUTH, timeout=5)
    as_wav = requests.get(url + ".wav", auth=AUTH, timeout=5)
    meta = requests.get(url + ".json", auth=AUTH, timeout=5)
    deleted = requests.delete(url + ".json", auth=AUTH, timeout=5)
    gone = requests.get(url, auth=AUTH, timeout=5)

    assert audio.status_code == 200
    assert audio.content == b"RIFF....WAVEfmt "
    assert audio.headers["Content-Type"] == "audio/x-wav"
    assert as_wav.content == audio.content
    assert meta.json()["sid"] == "RE" + "a" * 32
    assert deleted.status_code == 204
    assert provider.deletions == ["RE" + "a" * 32]
    assert not provider.has_recording("RE" + "a" * 32)
    assert gone.status_code == 404


def test_another_account_is_not_found(provider):
    provider.add_recording("RE1", b"x")
    url = f"{provider.url}/2010-04-01/Accounts/ACother/Recordings/RE1"

    assert requests.get(url, auth=AUTH, timeout=5).status_code == 404
