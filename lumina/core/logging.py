"""Log formatting: one JSON object per line in production, readable lines locally.

Every record carries the request context (request id, user id, tenant id) when it
was emitted while serving a request.
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any

request_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "lumina_request_context", default=None
)

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_CONTEXT_KEYS = ("request_id", "user_id", "tenant_id")


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        ctx = request_context.get() or {}
        for key in _CONTEXT_KEYS:
            if not hasattr(record, key):
                setattr(record, key, ctx.get(key))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and value is not None:
                payload[key] = value if _jsonable(value) else str(value)
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


def _jsonable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | list | dict)


class PlainFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s%(ctx)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None)
        record.ctx = f" [{rid[:8]}]" if rid else ""
        return super().format(record)
