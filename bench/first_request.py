"""The first-request path of one function, for ``python -X importtime``.

Usage: python -X importtime -m bench.first_request HANDLER EVENT_JSON_FILE

Imports what ``python -m awslambdaric`` imports, then the handler module (Lambda's init),
then serves one event (the lazy imports on the first request): the same imports, in the
same order, as a cold start.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path


def main() -> None:
    handler_name, event_path = sys.argv[1], sys.argv[2]
    importlib.import_module("awslambdaric.__main__")
    module_name, function_name = handler_name.rsplit(".", 1)
    handler = getattr(importlib.import_module(module_name), function_name)
    response = handler(json.loads(Path(event_path).read_text()), None)
    print(json.dumps(response)[:200])


if __name__ == "__main__":
    main()
