"""``python -m support.guarded_server PORT [SETTINGS_JSON]``: the test app behind a Guard,
on uvicorn (httptools), as its own process."""

from __future__ import annotations

import json
import sys

import uvicorn

from statuskit.guard import Guard
from support.apps import plain_app


def main() -> None:
    port = int(sys.argv[1])
    settings = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    uvicorn.run(Guard(plain_app, **settings), host="127.0.0.1", port=port, http="httptools",
                lifespan="off", log_level="warning")


if __name__ == "__main__":
    main()
