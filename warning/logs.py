"""Logs an operator's collector can read: JSON lines when standard error is not a terminal (a service
manager, a container), plain lines at a terminal; and every committed decision as a log record that
carries its kind, incident code and decision number (`decision`), at INFO."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

from warning.store.models import DecisionRow

PLAIN = "%(asctime)s %(levelname)s %(name)s: %(message)s"
decisions_log = logging.getLogger("warning.decisions")


def configure_logging(level: str, stream: TextIO = sys.stderr, as_json: bool | None = None) -> None:
    """Log at `level` to `stream`: JSON unless it is a terminal (or as `as_json` says)."""
    handler = logging.StreamHandler(stream)
    if as_json if as_json is not None else not stream.isatty():
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                           rename_fields={"levelname": "level", "name": "logger"}))  # fmt: skip
    else:
        handler.setFormatter(logging.Formatter(PLAIN))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)


class DecisionLogger:
    """A `TransactionWatcher` that logs each committed decision."""

    def committed(self, decisions: Sequence[DecisionRow]) -> None:
        if not decisions_log.isEnabledFor(logging.INFO):
            return
        for row in decisions:
            incident = row.data.get("incident")
            extra = {"kind": row.kind, "decision": row.seq, "incident": incident if isinstance(incident, str) else None}
            decisions_log.info(row.summary, extra=extra)

    def timed(self, seconds: float, committed: bool) -> None:
        return None
