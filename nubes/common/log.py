"""Logging set-up: every record carries the request id of the request it serves."""
from __future__ import annotations

import contextvars
import logging
import sys

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s [%(request_id)s] %(message)s"


# Loggers that say too much at INFO: waitress.queue writes a line for every
# request that waits for a free thread.
QUIET_LOGGERS = ("waitress.queue",)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # A record may name its request itself (the access log does).
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


def setup(conf=None, *, level: int | None = None) -> None:
    """Configure the root logger once per process."""
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)
    root = logging.getLogger()
    if getattr(root, "_nubes_configured", False):
        return
    if level is None:
        level = logging.DEBUG if conf is not None and conf.debug else logging.INFO
    log_file = conf.log_file if conf is not None else None
    handler: logging.Handler = (logging.FileHandler(log_file) if log_file
                                else logging.StreamHandler(sys.stderr))
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(level)
    root._nubes_configured = True  # type: ignore[attr-defined]
