"""``statuskit check --openapi --allow-writes`` on FastAPI's own SQL tutorial (the heroes
CRUD app of its docs_src, SQLModel over SQLite) with install() applied, served by
uvicorn: every status an operation answers must be one its document declares.

    python compat/check_tutorial.py FASTAPI_SDIST_DIR

Run by ``compat/run.py --check-tutorial`` inside the oracle's venv (it needs sqlmodel).
Prints the "documented" verdicts; exit 1 if any is not a pass, 2 on a setup failure.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TUTORIAL = "docs_src.sql_databases.tutorial002"


def main() -> int:
    if len(sys.argv) != 2 or not (Path(sys.argv[1]) / "docs_src").is_dir():
        print("usage: check_tutorial.py FASTAPI_SDIST_DIR", file=sys.stderr)
        return 2
    sys.path.insert(0, str(Path(sys.argv[1]).resolve()))
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)  # the tutorial keeps its database.db in the working directory
        import importlib

        import uvicorn

        from statuskit.starlette import install

        app = install(importlib.import_module(TUTORIAL).app)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, port=port, http="h11",
                                               log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        report = Path(scratch) / "report.json"
        try:
            subprocess.run([sys.executable, "-m", "statuskit", "check",
                            f"http://127.0.0.1:{port}/", "--openapi", "--allow-writes",
                            "--timeout", "3", "--json", str(report)],
                           capture_output=True, timeout=300, check=False)
        finally:
            server.should_exit = True
            thread.join(10)
        verdicts = [v for v in json.loads(report.read_text())["verdicts"]
                    if v["name"] == "documented"]
    for verdict in verdicts:
        print(f"  {verdict['verdict']:<5} {verdict['operation']}: {verdict['reason']}")
    bad = [v for v in verdicts if v["verdict"] != "pass"]
    print(f"{TUTORIAL}: {len(verdicts)} operations, {len(bad)} with an undocumented status")
    return 1 if bad or not verdicts else 0


if __name__ == "__main__":
    sys.exit(main())
