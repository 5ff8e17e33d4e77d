"""Log lines: one JSON object per line (production) or one readable line (a terminal).

``configure_logging`` is called once by ``dns-api serve``; nothing is configured at import time.
Every record gets the id of the request it was written for (``request_id``, from a context
variable that ``api.observation`` sets), so the lines of one request can be found together.

A JSON line holds ``time``, ``level``, ``logger``, ``message``, ``request_id`` when there is one,
every ``extra={...}`` field of the call and, for an error, ``exception``. Secrets never reach a
log call in the first place (no headers, no bodies, no settings are logged); this module does not
try to scrub them.
"""

from __future__ import annotations

import json
import logging
import logging.config
import sys
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any, TextIO

_request_id: ContextVar[str | None] = ContextVar("dns_api_request_id", default=None)

# The attributes every LogRecord has; the others came from ``extra`` (or from the request id).
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",  # Python 3.12+
    "color_message",  # uvicorn's coloured copy of the message
    "request_id",
}

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(request_tag)s: %(message)s"


def current_request_id() -> str | None:
    """The id of the request being served in this context, if any."""
    return _request_id.get()


def bind_request_id(request_id: str) -> Token[str | None]:
    """Make ``request_id`` the id of every log line written in this context from now on."""
    return _request_id.set(request_id)


def unbind_request_id(token: Token[str | None]) -> None:
    _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts the current request id on each record (``record.request_id``) unless it has one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _iso_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id is not None:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger [request id]: message``, for people reading a terminal."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None) or current_request_id()
        record.request_tag = f" [{request_id}]" if request_id else ""
        return super().format(record)


def _iso_time(created: float) -> str:
    moment = datetime.fromtimestamp(created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def wants_json(log_format: str, stream: TextIO | None = None) -> bool:
    """``json`` and ``text`` say it; ``auto`` is text on a terminal, JSON everywhere else."""
    if log_format == "auto":
        stream = stream or sys.stderr
        return not (hasattr(stream, "isatty") and stream.isatty())
    return log_format == "json"


def make_handler(stream: TextIO | None = None, *, as_json: bool = True) -> logging.Handler:
    """A handler writing to ``stream`` (stderr) in the chosen format, with request ids."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if as_json else TextFormatter())
    handler.addFilter(RequestIdFilter())
    return handler


def logging_config(level: str, *, as_json: bool) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dict: every line (uvicorn's too) through one handler on
    the root logger, in one format.

    Give it to uvicorn as ``log_config`` with ``access_log=False`` (``api.observation`` writes
    the access line): uvicorn applies it again in each worker process it starts.
    """
    quiet = "DEBUG" if level.lower() == "debug" else "WARNING"
    formatter = "dns_api.logs.JsonFormatter" if as_json else "dns_api.logs.TextFormatter"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": formatter}},
        "filters": {"request_id": {"()": "dns_api.logs.RequestIdFilter"}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"level": level.upper(), "handlers": ["default"]},
        "loggers": {
            "uvicorn": {"level": level.upper(), "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level.upper(), "handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},  # ours replaces it
            "alembic": {"level": quiet},
            "httpx": {"level": quiet},  # a line per DNSimple call; the client logs its own
        },
    }


def configure_logging(level: str, *, as_json: bool) -> None:
    """Apply ``logging_config`` to this process."""
    logging.config.dictConfig(logging_config(level, as_json=as_json))
