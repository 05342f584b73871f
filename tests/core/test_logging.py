"""Logs are JSON event lines that never carry what a reporter or staff member said."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.test import RequestFactory

from remedia.core.logging import JsonFormatter, RedactFilter

SECRETS = {
    "narrative": "me amenazaron con despedirme si voto por el sindicato",
    "body": "mensaje para la gestora",
    "phone": "+52 222 555 0101",
    "from_number": "whatsapp:+5222255501",
    "email": "trabajadora@example.org",
    "address": "Calle Reforma 12, Puebla",
    "receipt": "4815162342108000",
    "password": "correct horse battery staple 42",
    "token": "rmd_s3cr3t-t0k3n-value",
    "secret": "JBSWY3DPEHPK3PXP",
    "ip": "203.0.113.7",
    "ip_address": "203.0.113.8",
    "remote_addr": "203.0.113.9",
    "user_agent": "NokiaBrowser/8.5.0",
    "contact": "vecina de la trabajadora",
    "content": "contenido del archivo adjunto",
    # Compound names are caught by their parts.
    "reporter_phone": "+52 449 555 0199",
    "sender_ip": "198.51.100.23",
    "reply_email": "respuesta@example.org",
}


def _stream_logger(name: str) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(name)
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


@pytest.fixture
def configured_output() -> Iterator[io.StringIO]:
    """What the handler configured in settings.LOGGING writes, captured."""
    handlers = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h.formatter, JsonFormatter)
        and isinstance(h, logging.StreamHandler)
    ]
    assert len(handlers) == 1, "settings.LOGGING should configure one JSON handler"
    handler = handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line]


def test_sensitive_extra_values_are_never_written():
    # Given the filter and formatter of the configured handler
    logger, stream = _stream_logger("tests.redaction")

    # When a careless call logs sensitive values beside harmless ones
    logger.info(
        "report.submitted", extra={**SECRETS, "report_id": "r-42", "channel": "sms"}
    )

    # Then the line is JSON with the event and the harmless details...
    output = stream.getvalue()
    (line,) = _lines(stream)
    assert line["event"] == "report.submitted"
    assert line["level"] == "info"
    assert line["report_id"] == "r-42"
    assert line["channel"] == "sms"
    # ...and every sensitive key is redacted, its value nowhere in the output
    for key, value in SECRETS.items():
        assert line[key] == "[redacted]", key
        assert value not in output, key


def test_request_attached_to_a_record_is_not_written():
    # Given a request with the client's address and user agent
    request = RequestFactory().get(
        "/staff/", REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT="SecretPhone/1.0"
    )
    logger, stream = _stream_logger("tests.request_extra")

    # When a record carries it, as Django's own loggers do
    logger.warning("csrf.refused", extra={"request": request, "status_code": 403})

    # Then neither the address nor the user agent is written
    output = stream.getvalue()
    assert "203.0.113.77" not in output
    assert "SecretPhone" not in output
    assert _lines(stream)[0]["status_code"] == 403


def test_configured_logging_redacts(configured_output):
    # When application code logs through the project's configuration
    logging.getLogger("remedia.intake").warning(
        "message.received", extra={"phone": SECRETS["phone"], "report_id": "r-7"}
    )

    # Then the configured handler writes the event without the phone number
    output = configured_output.getvalue()
    assert '"event": "message.received"' in output
    assert '"report_id": "r-7"' in output
    assert SECRETS["phone"] not in output


def test_request_log_line_has_no_network_identifiers(client, caplog, configured_output):
    # When a worker's phone requests a page
    caplog.set_level(logging.INFO, logger="remedia.request")
    client.get(
        "/?receipt=4815162342108000",
        REMOTE_ADDR="198.51.100.99",
        HTTP_USER_AGENT="KaiOS/2.5 SecretPhone",
        HTTP_X_FORWARDED_FOR="192.0.2.44",
    )

    # Then one request line is logged with route, status and time...
    records = [r for r in caplog.records if r.name == "remedia.request"]
    assert [r.getMessage() for r in records] == ["http.request"]
    (line,) = [x for x in _lines(configured_output) if x["logger"] == "remedia.request"]
    assert line["route"] == "start"
    assert line["status"] == 200
    assert line["method"] == "GET"
    assert "ms" in line
    # ...and neither the record nor the written line holds the client's address,
    # user agent or query string
    raw = json.dumps(vars(records[0]), default=str) + configured_output.getvalue()
    for value in ("198.51.100.99", "192.0.2.44", "SecretPhone", "4815162342108000"):
        assert value not in raw, value
