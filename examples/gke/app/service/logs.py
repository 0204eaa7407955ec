"""Logs as one JSON object per line on stdout, in the same shape as the Node.js app's."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

# The Node.js app's level names (pino), so one log query works for both runtimes.
LEVELS = {
    "DEBUG": "debug",
    "INFO": "info",
    "WARNING": "warn",
    "ERROR": "error",
    "CRITICAL": "fatal",
}


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", ...fields}`; `extra={"fields": {...}}` adds keys."""

    def format(self, record: logging.LogRecord) -> str:
        """One JSON line for `record`."""
        time = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        entry: dict[str, Any] = {
            "time": time.replace("+00:00", "Z"),
            "level": LEVELS.get(record.levelname, record.levelname.lower()),
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, separators=(",", ":"))


def level_name(value: str) -> str:
    """`LOG_LEVEL` as a `logging` level name; `warn` is accepted as in the Node.js app."""
    name = value.strip().upper() or "INFO"
    return {"WARN": "WARNING", "FATAL": "CRITICAL"}.get(name, name)


def configure(level: str) -> None:
    """Send every log record to stdout as JSON, at `level` and above."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level_name(level))
