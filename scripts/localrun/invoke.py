"""Run one function of template.yaml once with an event file, as `sam local invoke` does, without Docker.

python -m localrun.invoke CreateOrderFunction events/create_order.json
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from localrun.logs import configure_logging
from localrun.runtime import DEFAULT_TEMPLATE, LocalRuntime


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    logical_id, event_path = argv
    configure_logging(os.environ.get("LOG_LEVEL", "WARNING"))
    runtime = LocalRuntime(
        os.environ.get("TEMPLATE", str(DEFAULT_TEMPLATE)),
        port=0,
        database_url=os.environ.get("DATABASE_URL") or None,
        timed_schedules=False,
    ).start()
    try:
        function = runtime.functions.get(logical_id)
        if function is None:
            print(
                f"no function {logical_id!r}; known: {', '.join(sorted(runtime.functions))}", file=sys.stderr
            )
            return 2
        result = function.invoke(json.loads(Path(event_path).read_text(encoding="utf-8")))
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    finally:
        runtime.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
