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
