"""A local stand-in for the telephony provider's REST API, for tests and demos.

It plays the provider's side of what Remedia calls: outbound messages
(`POST /2010-04-01/Accounts/{sid}/Messages.json`), recordings to fetch
(`GET .../Recordings/{rsid}`, with or without `.wav`/`.mp3`; `.json` gives the
metadata) and their deletion (`DELETE .../Recordings/{rsid}.json`, 204). Every
request must carry HTTP basic auth with the account's sid and token, as the
provider requires. It listens on 127.0.0.1 only and keeps everything in
memory; `messages` and `deletions` record what it was asked to do.

    with ProviderStandin(account_sid="AC...", auth_token="...") as provider:
        settings.TWILIO_API_URL = provider.url
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs

API_VERSION = "2010-04-01"
_MESSAGES = re.compile(rf"^/{API_VERSION}/Accounts/(?P<sid>[^/]+)/Messages\.json$")
_RECORDING = re.compile(
    rf"^/{API_VERSION}/Accounts/(?P<sid>[^/]+)/Recordings/"
    r"(?P<rsid>[A-Za-z0-9]+)(?P<ext>\.json|\.wav|\.mp3)?$"
)
MAX_BODY = 1_000_000


@dataclass(frozen=True)
class SentMessage:
    sid: str
    to: str
    from_: str
    body: str


@dataclass
class Recording:
    data: bytes
    content_type: str


@dataclass
class StandinState:
    account_sid: str
    auth_token: str
    messages: list[SentMessage] = field(default_factory=list)
    deletions: list[str] = field(default_factory=list)
    recordings: dict[str, Recording] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Called with (event, details) for each request served, e.g. to print it.
    on_event: Callable[[str, dict[str, Any]], None] | None = None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        # The stand-in reports through `on_event`, never to stderr.
        return

    # --- plumbing ---

    @property
    def state(self) -> StandinState:
        return self.server.state

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        scheme, _sep, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _colon, password = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return hmac.compare_digest(
            user, self.state.account_sid
        ) and hmac.compare_digest(password, self.state.auth_token)

    def _send(
        self,
        status: int,
        body: bytes = b"",
        content_type: str = "application/json",
    ) -> None:
        self.send_response(status)
        if body:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _json(self, status: int, data: dict[str, Any]) -> None:
        self._send(status, json.dumps(data).encode())

    def _error(self, status: int, message: str) -> None:
        self._json(
            status, {"code": 20000 + status, "message": message, "status": status}
        )

    def _event(self, name: str, **details: Any) -> None:
        if self.state.on_event is not None:
            self.state.on_event(name, details)

    def _route(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        match = pattern.match(self.path.split("?", 1)[0])
        if match is None:
            return None
        if match.group("sid") != self.state.account_sid:
            return None
        return match

    def _gate(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        if not self._authorised():
            self._error(HTTPStatus.UNAUTHORIZED, "Authenticate")
            return None
        match = self._route(pattern)
        if match is None:
            self._error(HTTPStatus.NOT_FOUND, "The requested resource was not found")
        return match

    # --- the provider's API ---

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Too large")
            return
        raw = self.rfile.read(length).decode("utf-8", "replace")
        if self._gate(_MESSAGES) is None:
            return
        form = {key: values[0] for key, values in parse_qs(raw).items()}
        to, from_, body = form.get("To", ""), form.get("From", ""), form.get("Body")
        if not to or not from_ or body is None:
            self._error(HTTPStatus.BAD_REQUEST, "To, From and Body are required")
            return
        message = SentMessage(
            sid=f"SM{uuid.uuid4().hex}", to=to, from_=from_, body=body
        )
        with self.state.lock:
            self.state.messages.append(message)
        self._event("message", sid=message.sid, to=to, from_=from_, body=body)
        now = formatdate(usegmt=True)
        self._json(
            HTTPStatus.CREATED,
            {
                "sid": message.sid,
                "account_sid": self.state.account_sid,
                "to": to,
                "from": from_,
                "body": body,
                "status": "queued",
                "direction": "outbound-api",
                "num_segments": "1",
                "num_media": "0",
                "api_version": API_VERSION,
                "date_created": now,
                "date_updated": now,
                "date_sent": None,
                "price": None,
                "error_code": None,
                "error_message": None,
                "uri": f"/{API_VERSION}/Accounts/{self.state.account_sid}"
                f"/Messages/{message.sid}.json",
            },
        )

    def do_GET(self) -> None:  # noqa: N802
        match = self._gate(_RECORDING)
        if match is None:
            return
        rsid, ext = match.group("rsid"), match.group("ext")
        with self.state.lock:
            recording = self.state.recordings.get(rsid)
        if recording is None:
            self._error(HTTPStatus.NOT_FOUND, "The requested resource was not found")
            return
        self._event("recording_fetched", sid=rsid)
        if ext == ".json":
            self._json(
                HTTPStatus.OK,
                {
                    "sid": rsid,
                    "account_sid": self.state.account_sid,
                    "status": "completed",
                    "channels": 1,
                    "source": "RecordVerb",
                },
            )
            return
        self._send(HTTPStatus.OK, recording.data, recording.content_type)

    def do_DELETE(self) -> None:  # noqa: N802
        match = self._gate(_RECORDING)
        if match is None:
            return
        rsid = match.group("rsid")
        with self.state.lock:
            found = self.state.recordings.pop(rsid, None)
            if found is not None:
                self.state.deletions.append(rsid)
        if found is None:
            self._error(HTTPStatus.NOT_FOUND, "The requested resource was not found")
            return
        self._event("recording_deleted", sid=rsid)
        self._send(HTTPStatus.NO_CONTENT)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: StandinState) -> None:
        self.state = state
        super().__init__(address, _Handler)


class ProviderStandin:
    """The stand-in, started on 127.0.0.1 (port 0: any free port)."""

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        port: int = 0,
        on_event: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        self.state = StandinState(
            account_sid=account_sid, auth_token=auth_token, on_event=on_event
        )
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- what tests and the voice channel use ---

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the stand-in is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def messages(self) -> list[SentMessage]:
        with self.state.lock:
            return list(self.state.messages)

    @property
    def deletions(self) -> list[str]:
        with self.state.lock:
            return list(self.state.deletions)

    def add_recording(
        self, rsid: str, data: bytes, content_type: str = "audio/x-wav"
    ) -> str:
        """Serve `data` as recording `rsid`; returns its URL as the provider gives it."""
        with self.state.lock:
            self.state.recordings[rsid] = Recording(
                data=data, content_type=content_type
            )
        return f"{self.url}/{API_VERSION}/Accounts/{self.state.account_sid}/Recordings/{rsid}"

    def has_recording(self, rsid: str) -> bool:
        with self.state.lock:
            return rsid in self.state.recordings

    # --- running ---

    def start(self) -> ProviderStandin:
        self._server = _Server(("127.0.0.1", self._port), self.state)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            name="provider-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> ProviderStandin:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
