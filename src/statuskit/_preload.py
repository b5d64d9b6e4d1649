"""What ``statuskit check`` loads in the background while its first probes wait.

A run spends most of its first second importing: httplint (which the first judged
answer needs) and hypothesis with hypothesis-jsonschema and jsonschema (which the
value phase needs half a second later). The generic probes meanwhile mostly wait
for the server, so one daemon thread imports those, and each user of them first
waits for its stage (``settled``). The thread imports third-party packages only,
never a statuskit module, so that no package of ours is imported by two threads at
once (its circular imports could meet half done).

``lean_process`` is for the ``statuskit check`` process only, before httpx2 is
imported: it turns off what such a run never uses and pays for at import (trio,
loaded by httpcore2 when installed, which loads pytest through trio's hypothesis
plugin; hypothesis's plugins, found by scanning every installed distribution). A
library user's process is left as it is: nothing here runs unless the command line
asks. Only the standard library is imported here.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable

__all__ = ["LINT", "VALUES", "lean_process", "settled", "start"]

LINT = "lint"
VALUES = "values"
_THREAD = "statuskit-preload"

_stages: dict[str, threading.Event] = {}
_lock = threading.Lock()


def lean_process() -> None:
    """For the ``check`` command's own process: no trio, no hypothesis plugins.

    The command runs on asyncio alone; a ``None`` in ``sys.modules`` makes ``import
    trio`` fail, which httpcore2 takes as trio not installed. hypothesis's plugins
    are left out too because they could change what a ``--seed`` draws."""
    if "trio" not in sys.modules:
        sys.modules["trio"] = None  # type: ignore[assignment]
    os.environ.setdefault("HYPOTHESIS_NO_PLUGINS", "1")


# Answers with the fields servers send most: httplint compiles each field's grammar the
# first time it meets the field (some 0.2 s in all), here off the path.
_DATE = b"Mon, 07 Dec 2026 15:43:37 GMT"
_WARM_REQUEST = [(b"Host", b"statuskit.invalid"), (b"User-Agent", b"statuskit-check"),
                 (b"Accept", b"application/json"), (b"If-None-Match", b'"a"'),
                 (b"If-Modified-Since", _DATE), (b"Range", b"bytes=0-1")]
_WARM_ANSWERS: tuple[tuple[bytes, list[tuple[bytes, bytes]]], ...] = (
    (b"200", [(b"date", _DATE), (b"server", b"statuskit"), (b"content-length", b"2"),
              (b"content-type", b"application/json"), (b"etag", b'"a"'),
              (b"last-modified", _DATE), (b"cache-control", b"no-cache"),
              (b"vary", b"Accept"), (b"accept-ranges", b"bytes")]),
    (b"206", [(b"date", _DATE), (b"content-range", b"bytes 0-1/2"),
              (b"content-length", b"2"),
              (b"content-type", b"application/problem+json; charset=utf-8"),
              (b"allow", b"GET, HEAD"), (b"location", b"/a"), (b"retry-after", b"5"),
              (b"www-authenticate", b'Bearer realm="a"'), (b"connection", b"close"),
              (b"expires", _DATE), (b"age", b"1")]),
)


def _lint() -> None:
    from httplint import HttpRequestLinter, HttpResponseLinter

    for status, fields in _WARM_ANSWERS:
        request = HttpRequestLinter()
        request.process_request_topline(b"GET", b"http://statuskit.invalid/", b"HTTP/1.1")
        request.process_headers(_WARM_REQUEST)
        request.finish_content(True)
        response = HttpResponseLinter(_related=request)
        response.process_response_topline(b"HTTP/1.1", status, b"OK")
        response.process_headers(fields)
        response.feed_content(b"{}")
        response.finish_content(True)
        _ = [str(note) for note in response.notes]


def _values() -> None:
    import importlib

    # Imports only: a draw here would have hypothesis read the source of every module
    # outside site-packages for constants (seconds), which the value phase's own draws
    # never ask for (statuskit.check._values_gen.find_case).
    for name in ("jsonschema", "hypothesis", "hypothesis.strategies",
                 "hypothesis_jsonschema"):
        importlib.import_module(name)


_WORK: dict[str, Callable[[], None]] = {LINT: _lint, VALUES: _values}


def start(stages: tuple[str, ...] = (LINT, VALUES)) -> None:
    """Begin loading ``stages`` in one background thread (once per process)."""
    with _lock:
        todo = [s for s in stages if s not in _stages]
        for stage in todo:
            _stages[stage] = threading.Event()
    if not todo:
        return

    def run() -> None:
        for stage in todo:
            try:
                _WORK[stage]()
            except Exception:  # its user imports it again and meets the error there
                pass
            finally:
                _stages[stage].set()

    threading.Thread(target=run, name=_THREAD, daemon=True).start()


def settled(stage: str) -> None:
    """Wait until ``stage`` is loaded, when a preload of it was started; else return."""
    event = _stages.get(stage)
    if event is not None and threading.current_thread().name != _THREAD:
        event.wait()
