"""The operator's log: one line per event on stderr, as text or ($PCN_LOG_FORMAT=json) as JSON lines
for a log shipper. Level from $PCN_LOG_LEVEL. Messages name what happened and to which id, never the
text of a survey answer, a comment or a poll answer."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys
import traceback
from pathlib import Path

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
            out["cause"] = cause(record.exc_info[1])  # without the values its message quotes
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


# DuckDB echoes the statement after "LINE n:": ours are parameterised, but a literal may be data.
_STATEMENT = re.compile(r"\n\s*LINE \d+:.*", re.DOTALL)


def without_values(text: str, keep: tuple[str, ...] = ()) -> str:
    """Return an error message with everything from its first quote to its last replaced by …,
    except the quoted strings in keep (such as the database file's own path)."""
    # DuckDB and Python quote the value they could not take ('…' or "key: …"), and that value may
    # be an answer's text with quotes or lines of its own: so no quoted span is parsed, all of them
    # go, and a lone quote takes the rest of the message with it.
    for i, safe in enumerate(keep):
        text = text.replace(f'"{safe}"', f"\0{i}\0").replace(f"'{safe}'", f"\0{i}\0")
    quotes = [i for i, c in enumerate(text) if c in "'\""]
    if quotes:
        first, last = quotes[0], quotes[-1]
        text = text[: first + 1] + "…" + (text[last:] if last > first else "")
    for i, safe in enumerate(keep):
        text = text.replace(f"\0{i}\0", safe)
    return _STATEMENT.sub("", text).strip()


def cause(exc: BaseException) -> str:
    """Return an exception's type, its message without quoted values, and the line that raised it."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = (
        f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno} in {frames[-1].name})" if frames else ""
    )
    message = without_values(str(exc))
    return f"{type(exc).__name__}{': ' + message if message else ''}{where}"
