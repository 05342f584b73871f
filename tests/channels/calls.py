"""A phone call as the provider makes it, for the voice line's tests.

`Call` posts signed forms to the voice hook through the Django test client,
step by step, and plays recordings served by the provider stand-in; `wav`
makes the audio, `rsid` the recordings' ids.
"""

from __future__ import annotations

import io
import math
import re
import struct
import wave
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from twilio.request_validator import RequestValidator

from remedia.intake.channels.standin import ProviderStandin
from tests.channels.support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    WORKER,
)

HOOK = "/hooks/twilio/voice"
OUR_VOICE_NUMBER = "+15550003333"
SPOKEN_RECEIPT = re.compile(r"^(\d, \d, \d, \d\. ){3}\d, \d, \d, \d\.$")


def wav(seconds: float, *, rate: int = 8000) -> bytes:
    """A real WAV: a quiet 440 Hz tone, 16-bit mono."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(
            b"".join(
                struct.pack("<h", int(3000 * math.sin(2 * math.pi * 440 * n / rate)))
                for n in range(int(seconds * rate))
            )
        )
    return out.getvalue()


def rsid(n: int) -> str:
    return "RE" + f"{n:x}".rjust(32, "0")


@dataclass
class Answer:
    """One TwiML answer: what is said, and where the next request goes."""

    root: ET.Element
    said: list[str] = field(default_factory=list)

    @property
    def action(self) -> str:
        for tag in ("Gather", "Record"):
            element = self.root.find(tag)
            if element is not None:
                return element.attrib["action"]
        raise AssertionError("no Gather or Record in the answer")

    @property
    def recording_callback(self) -> str:
        """Where the provider reports the `<Record>`'s file when it is ready."""
        record = self.root.find("Record")
        assert record is not None, "no Record in the answer"
        assert record.attrib["recordingStatusCallbackEvent"] == "completed absent"
        return record.attrib["recordingStatusCallback"]

    @property
    def waits(self) -> bool:
        """Asks the caller to hold on while the recording is saved."""
        redirect = self.root.find("Redirect")
        return (
            redirect is not None
            and (redirect.text or "").endswith("step=saving")
            and self.root.find("Record") is None
        )

    @property
    def redirect(self) -> str:
        redirect = self.root.find("Redirect")
        assert redirect is not None
        assert redirect.text
        return redirect.text

    @property
    def text(self) -> str:
        return " ".join(self.said)

    @property
    def hangs_up(self) -> bool:
        return self.root.find("Hangup") is not None

    def voices(self) -> set[str]:
        return {say.attrib.get("language", "") for say in self.root.iter("Say")}


def sign(url: str, form: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, form)


@dataclass
class Call:
    """One phone call, as the provider drives it."""

    client: Any
    call_sid: str = "CA" + "7" * 32
    caller: str = WORKER

    def form(self, **extra: str) -> dict[str, str]:
        return {
            "CallSid": self.call_sid,
            "AccountSid": ACCOUNT_SID,
            "From": self.caller,
            "To": OUR_VOICE_NUMBER,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            **extra,
        }

    def send(self, url: str, form: dict[str, str]) -> Answer:
        assert url.startswith(settings.REMEDIA_BASE_URL)
        response = self.client.post(
            url.removeprefix(settings.REMEDIA_BASE_URL),
            data=form,
            HTTP_X_TWILIO_SIGNATURE=sign(url, form),
        )
        assert response.status_code == 200, response.status_code
        assert response["Content-Type"].startswith("text/xml")
        root = ET.fromstring(response.content)  # noqa: S314  (our own server's answer)
        assert root.tag == "Response"
        return Answer(root=root, said=[s.text or "" for s in root.iter("Say")])

    def post(self, url: str, **extra: str) -> Answer:
        return self.send(url, self.form(**extra))

    def recording_ready(
        self,
        url: str,
        *,
        sid: str,
        recording_url: str,
        seconds: int,
        status: str = "completed",
    ) -> Answer:
        """The provider's recording callback: it names the call, not the caller."""
        return self.send(
            url,
            {
                "AccountSid": ACCOUNT_SID,
                "CallSid": self.call_sid,
                "RecordingSid": sid,
                "RecordingUrl": recording_url,
                "RecordingStatus": status,
                "RecordingDuration": str(seconds),
                "RecordingChannels": "1",
                "RecordingSource": "RecordVerb",
            },
        )

    def start(self) -> Answer:
        return self.post(settings.REMEDIA_BASE_URL + HOOK)

    def press(self, answer: Answer, digits: str) -> Answer:
        return self.post(answer.action, Digits=digits)

    def silence(self, answer: Answer) -> Answer:
        return self.post(answer.action)

    def hold_on(self, answer: Answer, *, rounds: int = 40) -> Answer:
        """Follow "one moment" redirects as the provider does, until an answer."""
        for _round in range(rounds):
            if not answer.waits:
                return answer
            answer = self.post(answer.redirect)
        raise AssertionError("the caller is still waiting")

    def record(
        self,
        answer: Answer,
        provider: ProviderStandin,
        sid: str,
        seconds: int,
        *,
        audio: bytes | None = None,
        content_type: str = "audio/x-wav",
        served: bool = True,
        url: str | None = None,
        ready: str = "after",
        status: str = "completed",
        hang_up: bool = False,
    ) -> Answer:
        """Speak into a `<Record>`: its action, and the file's callback `ready`
        "before" or "after" it (or "never"); then hold on as the caller does."""
        callback = answer.recording_callback
        given = provider.add_recording(
            sid, wav(seconds) if audio is None else audio, content_type
        )
        if not served:
            provider.state.recordings.pop(sid)
        recording_url = url or given

        def ready_now() -> None:
            assert (
                self.recording_ready(
                    callback,
                    sid=sid,
                    recording_url=recording_url,
                    seconds=seconds,
                    status=status,
                ).root.find("*")
                is None
            )

        if ready == "before":
            ready_now()
        extra = {"Digits": "hangup", "CallStatus": "completed"} if hang_up else {}
        result = self.post(
            answer.action,
            RecordingUrl=recording_url,
            RecordingSid=sid,
            RecordingDuration=str(seconds),
            **{"Digits": "#", **extra},
        )
        if ready == "after":
            ready_now()
        return result if hang_up else self.hold_on(result)


def _report_to_the_story(call: Call, provider: ProviderStandin, state_key: str = "1"):
    menu = call.start()
    category = call.press(menu, "1")
    state = call.press(category, "3")
    facility = call.press(state, state_key)
    return call.record(facility, provider, rsid(1), 2)


def _report(call: Call, provider: ProviderStandin) -> str:
    """A whole report by phone; the receipt read back."""
    story = _report_to_the_story(call, provider)
    return _receipt_in(call.record(story, provider, rsid(2), 3))


def _receipt_in(answer: Answer) -> str:
    spoken = [s for s in answer.said if SPOKEN_RECEIPT.match(s)]
    assert len(spoken) == 2, answer.said
    assert spoken[0] == spoken[1]
    return re.sub(r"\D", "", spoken[0])
