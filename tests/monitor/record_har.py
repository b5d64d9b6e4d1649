"""Record tests/monitor/data/reference-session.har: headless Chromium against the
reference API, through Playwright's own HAR recorder.

Not a test: run it by hand to record the session again (the test reads the file)::

    python -m venv /tmp/pw && /tmp/pw/bin/pip install playwright
    STATUSKIT=.venv/bin/statuskit /tmp/pw/bin/python tests/monitor/record_har.py [CHROMIUM]

It starts ``statuskit serve`` on a free loopback port, opens the index and a note as
pages (reloading the note, so the browser revalidates it: a 304), and runs from the
page the fetches a client makes: writes, ranges, conditional requests, a refused
method, a protected area, redirects, malformed content and /status/{code}. Playwright
drives Debian's Chromium (``executable_path``); no browser is downloaded.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).parent
OUT = HERE / "data" / "reference-session.har"
# The statuskit to serve the reference API with: $STATUSKIT, else the one on PATH.
STATUSKIT = os.environ.get("STATUSKIT") or shutil.which("statuskit") or "statuskit"

SCRIPT = """async () => {
  const go = (path, init) => fetch(path, {cache: 'no-store', redirect: 'follow', ...init});
  const json = {'Content-Type': 'application/json'};
  const note = JSON.stringify({title: 'from a browser', body: 'hello, ranges'});
  const created = await go('/notes', {method: 'POST', headers: json, body: note});
  const where = created.headers.get('Location');
  const etag = (await go(where)).headers.get('ETag');
  await go(where, {headers: {'If-None-Match': etag}});
  await go(where, {headers: {'Range': 'bytes=0-3'}});
  await go(where, {headers: {'Range': 'bytes=100000-'}});
  await go(where, {headers: {'Accept': 'image/png'}});
  await go(where, {method: 'PUT', headers: {...json, 'If-Match': '"not-this"'},
                   body: JSON.stringify({title: 'changed', body: 'x'})});
  await go(where, {method: 'PUT', headers: {...json, 'If-Match': etag},
                   body: JSON.stringify({title: 'changed', body: 'x'})});
  await go('/notes', {method: 'DELETE'});
  await go('/notes', {method: 'OPTIONS'});
  await go('/private/notes');
  await go('/old-notes');
  await go('/latest-note');
  await go('/notes', {method: 'POST', headers: json, body: '{not json'});
  await go('/notes', {method: 'POST', headers: {'Content-Type': 'text/plain'}, body: 'hello'});
  await go('/notes', {method: 'POST', headers: json, body: JSON.stringify({title: ''})});
  await go('/notes/no-such-note');
  await go('/guide');
  await go('/fail');
  for (const code of [201, 202, 204, 206, 301, 304, 401, 405, 412, 416, 429, 503])
    await go('/status/' + code);
  await go(where, {method: 'DELETE'});
  await go(where);
  return where;
}"""


def main(chromium: str = "/usr/bin/chromium") -> None:
    server = subprocess.Popen([str(STATUSKIT), "serve", "--host", "127.0.0.1", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = _address(server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                                 args=["--no-sandbox"])
            context = browser.new_context(record_har_path=str(OUT),
                                          record_har_content="embed")
            page = context.new_page()
            page.goto(base + "/")
            where = page.evaluate(SCRIPT)
            page.goto(base + "/notes")
            page.reload()  # revalidation of a page the browser holds
            print("wrote", OUT, "note", where)
            context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


def _address(server: subprocess.Popen[str]) -> str:
    assert server.stdout is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        if found:
            return found.group(0)
    raise RuntimeError("statuskit serve did not say where it listens")


if __name__ == "__main__":
    main(*sys.argv[1:])
