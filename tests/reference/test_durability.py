"""Item 9: an acknowledged write is a committed write, whatever came before it.

The server runs as its own process (`statuskit serve --db FILE`) and is killed
with SIGKILL, which skips every cleanup path; what a restarted server reads
back is what SQLite committed. The oracle is SQLite's own commit, not our code.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx

from support.servers import free_port, wait_for_port

# A note whose title is a lone surrogate: valid JSON grammar, no UTF-8 form.
SURROGATE_NOTE = b'{"title": "\\ud800"}'
JSON = {"content-type": "application/json"}


@contextlib.contextmanager
def _server(db: Path) -> Iterator[tuple[httpx.Client, subprocess.Popen[bytes]]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "statuskit", "serve", "--port", str(port), "--db", str(db)],
        env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, timeout=30)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            yield client, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def _kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    assert process.wait(10) == -signal.SIGKILL


def test_acknowledged_writes_survive_sigkill_even_after_an_unstorable_note(
        tmp_path: Path) -> None:
    db = tmp_path / "notes.sqlite"
    with _server(db) as (client, process):
        for i in range(5):
            assert client.put(f"/notes/keep{i}", json={"title": "v1"}).status_code in (200, 201)
        refused = client.post("/notes", content=SURROGATE_NOTE, headers=JSON)
        assert refused.status_code == 400
        assert refused.headers["content-type"] == "application/problem+json"
        acknowledged: dict[str, str] = {}
        for i in range(5):  # the case: PUTs after the surrogate, then kill -9
            reply = client.put(f"/notes/keep{i}", json={"title": f"v2 of {i}"})
            assert reply.status_code == 200
            acknowledged[f"keep{i}"] = f"v2 of {i}"
        created = client.post("/notes", json={"title": "made after"})
        assert created.status_code == 201
        acknowledged[created.json()["id"]] = "made after"
        assert client.delete("/notes/keep0").status_code == 204
        del acknowledged["keep0"]
        _kill(process)
    with _server(db) as (client, _):
        for note_id, title in acknowledged.items():
            reply = client.get(f"/notes/{note_id}")
            assert reply.status_code == 200, note_id
            assert reply.json()["title"] == title
        assert client.get("/notes/keep0").status_code == 410  # the delete held too


def test_writes_after_a_refused_surrogate_are_committed_at_once(tmp_path: Path) -> None:
    db = tmp_path / "notes.sqlite"
    with _server(db) as (client, _):
        for path in ("/notes", "/private/notes"):
            auth = {"authorization": "Bearer demo-rw"}
            reply = client.post(path, content=SURROGATE_NOTE, headers={**JSON, **auth})
            assert reply.status_code == 400
        put_new = client.put("/notes/after-put", json={"title": "a"})
        assert put_new.status_code == 201  # RFC 9110 §9.3.4: a PUT that creates is 201
        post = client.post("/notes", json={"title": "b"})
        assert post.status_code == 201
        put_again = client.put("/notes/after-put", json={"title": "a2"})
        assert put_again.status_code == 200
        doomed = client.post("/notes", json={"title": "c"}).json()["id"]
        assert client.delete(f"/notes/{doomed}").status_code == 204
        # A second connection sees only what is committed (SQLite isolation):
        # every acknowledged write is there while the server still runs.
        with contextlib.closing(sqlite3.connect(db)) as reader:
            rows = dict(reader.execute("SELECT id, title FROM notes").fetchall())
            gone = {r[0] for r in reader.execute("SELECT id FROM tombstones")}
        assert rows == {"after-put": "a2", post.json()["id"]: "b"}
        assert gone == {doomed}
