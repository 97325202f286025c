"""The operator's log: one line per event on stderr, as text or ($PCN_LOG_FORMAT=json) as JSON lines
for a log shipper. Level from $PCN_LOG_LEVEL. Messages name what happened and to which id, never the
text of a survey answer, a comment or a poll answer."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys

# The loggers whose records are the operator's: the data layer and the Streamlit glue.
LOGGERS = ("pcn_data", "pcn")
_MARK = "_pcn_handler"


class _Text(logging.Formatter):
    """One line a record; the cause without its traceback unless the level is DEBUG."""

    def __init__(self, fmt: str, tracebacks: bool) -> None:
        super().__init__(fmt)
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and not self.tracebacks:
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        return super().format(record).replace("\n", " | ")


class _Json(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and the cause of an error."""

    def __init__(self, tracebacks: bool) -> None:
        super().__init__()
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[1] is not None:
            out["cause"] = f"{type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
            if self.tracebacks:
                out["traceback"] = self.formatException(record.exc_info)
        for key in ("page", "seconds", "event"):
            if hasattr(record, key):
                out[key] = getattr(record, key)
        return json.dumps(out, default=str)


def log_format() -> str:
    """Return "json" or "text" ($PCN_LOG_FORMAT, default text)."""
    return "json" if os.environ.get("PCN_LOG_FORMAT", "").strip().lower() == "json" else "text"


def configure(default_level: str = "INFO", *, prefix: str = "%(asctime)s ", stream=None) -> None:
    """Send the operator's loggers to stderr once per process (level $PCN_LOG_LEVEL, else default)."""
    level = os.environ.get("PCN_LOG_LEVEL", default_level).strip().upper() or default_level
    if level not in logging.getLevelNamesMapping():
        level = default_level
    tracebacks = level == "DEBUG"
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if any(getattr(h, _MARK, False) for h in logger.handlers):
            continue
        handler = logging.StreamHandler(stream or sys.stderr)
        setattr(handler, _MARK, True)
        handler.setFormatter(
            _Json(tracebacks)
            if log_format() == "json"
            else _Text(f"{prefix}log: %(levelname)s %(name)s: %(message)s", tracebacks)
        )
        logger.addHandler(handler)
        logger.setLevel(level)
