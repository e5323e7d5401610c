"""`make start`: serve template.yaml on 127.0.0.1:$PORT until Ctrl-C."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

from localrun.logs import configure_logging
from localrun.runtime import DEFAULT_TEMPLATE, LocalRuntime

log = logging.getLogger("localrun")


def main() -> int:
    configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
    stopping = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("stopping", extra={"signal": signal.Signals(signum).name})
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    runtime = LocalRuntime(
        os.environ.get("TEMPLATE", str(DEFAULT_TEMPLATE)),
        port=int(os.environ.get("PORT", "3000")),
        database_url=os.environ.get("DATABASE_URL") or None,
    )
    try:
        runtime.start()
    except Exception:
        log.exception("the local runtime could not start")
        return 1
    try:
        while not stopping.wait(1):
            pass
    finally:
        runtime.stop()
        log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
