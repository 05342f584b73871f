"""Structured logs that cannot carry what a reporter or a staff member said.

Messages are event names (`report.submitted`), details go in `extra`. The
filter drops any `extra` key whose name suggests sensitive content, so a
careless call cannot leak a narrative, a contact or a network identifier.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

SENSITIVE_KEYS = frozenset(
    {
        "narrative",
        "body",
        "message",
        "phone",
        "from_number",
        "email",
        "address",
        "receipt",
        "password",
        "token",
        "secret",
        "ip",
        "ip_address",
        "remote_addr",
        "user_agent",
        "contact",
        "content",
    }
)

# Attributes every LogRecord has; anything else came from `extra`.
_RESERVED = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()
    | {"message", "asctime", "taskName"}
)


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key in list(vars(record)):
            if key in _RESERVED:
                continue
            if key.lower() in SENSITIVE_KEYS or any(
                part in SENSITIVE_KEYS for part in key.lower().split("_")
            ):
                setattr(record, key, "[redacted]")
        # The request object Django attaches carries headers and the client's address.
        if hasattr(record, "request"):
            record.request = "[request]"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class ConsoleFormatter(logging.Formatter):
    """One short line per record for a developer's terminal (`make run`).

    `12:04:31 info  report.submitted  channel=web report=…`: the same event name
    and `extra` as the JSON lines production writes (already redacted by the
    filter), without the timestamp's date and the JSON punctuation.
    """

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")  # noqa: DTZ006
        details = " ".join(
            f"{key}={value}"
            for key, value in vars(record).items()
            if key not in _RESERVED and not key.startswith("_")
        )
        line = f"{at} {record.levelname.lower():<7} {record.getMessage()}"
        if record.name not in ("root",) and not record.name.startswith("remedia"):
            line += f"  [{record.name}]"
        if details:
            line += f"  {details}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line
