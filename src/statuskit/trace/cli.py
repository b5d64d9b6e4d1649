"""``statuskit trace URL [-X METHOD] [-H FIELD]... --html FILE``.

Sends one request and writes a self-contained page of the decisions it passed.
An ``App(debug=True)`` names them in ``X-Statuskit-Trace`` and points, in
``X-Statuskit-Trace-Record``, to its full record (each answer and its time),
which is fetched with a second request; without the record the page draws the
path from the header alone, and without the header there is no path to draw.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from statuskit.defaults import HEADER_TIMEOUT

__all__ = ["register"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# The page shows the start of the content; a trace is about the decisions.
_BODY_LIMIT = 64 * 1024
_RECORD_LIMIT = 4 * 1024 * 1024
_FIELD = re.compile(r"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([^\r\n\x00]*)")  # RFC 9110 §5.1, §5.5
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def register(sub: Any) -> None:
    trace = sub.add_parser("trace", help="one request's decisions as an HTML page")
    trace.add_argument("url", help="http://host:port/path of an App(debug=True)")
    trace.add_argument("-X", "--request", dest="method", default="GET", metavar="METHOD")
    trace.add_argument("-H", "--header", dest="headers", action="append", default=[],
                       metavar="FIELD", help="'Name: value', repeatable")
    trace.add_argument("--html", required=True, metavar="FILE", help="where to write the page")
    trace.set_defaults(handler=run)


class _Usage(Exception):
    pass


def _fields(given: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in given:
        match = _FIELD.fullmatch(item)
        if match is None:
            raise _Usage(f"-H {item!r}: expected 'Name: value' (no CR, LF or NUL)")
        value = match.group(2).rstrip(" \t")
        if not value.isascii() and not all(ord(c) < 256 for c in value):
            raise _Usage(f"-H {item!r}: a field value is ISO-8859-1 at most (RFC 9110 §5.5)")
        out.append((match.group(1), value))
    return out


def _connection(url: str) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _Usage(f"{url!r}: expected an http:// or https:// URL")
    try:
        port = parts.port
    except ValueError:
        raise _Usage(f"{url!r}: the port is not a number from 0 to 65535") from None
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return kind(parts.hostname, port, timeout=HEADER_TIMEOUT), target


def _exchange(url: str, method: str, fields: list[tuple[str, str]],
              target: str | None = None, limit: int = _BODY_LIMIT) -> tuple[Any, bytes, str]:
    conn, own_target = _connection(url)
    try:
        conn.putrequest(method, target or own_target, skip_accept_encoding=True)
        for name, value in fields:
            conn.putheader(name, value.encode("latin-1"))
        conn.endheaders()
        response = conn.getresponse()
        body = response.read(limit)
        return response, body, target or own_target
    finally:
        conn.close()


def _record(url: str, path: str) -> dict[str, Any] | None:
    """The App's full record at ``path``, or None when it is not there or not one."""
    if not path.startswith("/"):
        return None
    try:
        response, body, _ = _exchange(url, "GET", [("Accept", "application/json")], path,
                                      _RECORD_LIMIT)
        record = json.loads(body) if response.status == 200 else None
    except (OSError, http.client.HTTPException, ValueError):
        return None
    return record if _is_record(record) else None


def _is_record(record: Any) -> bool:
    if not isinstance(record, dict) or not isinstance(record.get("steps"), list):
        return False
    return all(_is_step(step) for step in record["steps"])


def _is_step(step: Any) -> bool:
    # What the page reads from each step, of the type it reads it as.
    if not isinstance(step, dict) or not isinstance(step.get("answers"), list):
        return False
    typed = (isinstance(step.get("node"), str) and isinstance(step.get("question"), str)
             and isinstance(step.get("ns"), int) and isinstance(step.get("next"), str | int))
    return typed and all(_is_answer(given) for given in step["answers"])


def _is_answer(given: Any) -> bool:
    return isinstance(given, list) and len(given) == 2 and all(isinstance(x, str) for x in given)


def _steps_from_header(nodes: list[str], status: int) -> list[dict[str, Any]]:
    from statuskit.resource._diagram import NODES

    return [{"node": node,
             "question": NODES[node].question if node in NODES else "",
             "answers": [], "next": nodes[i + 1] if i + 1 < len(nodes) else status, "ns": 0}
            for i, node in enumerate(nodes)]


def _request_of(args: argparse.Namespace) -> tuple[str, list[tuple[str, str]]]:
    """The method and fields to send, or _Usage naming the mistake."""
    fields = _fields(args.headers)
    if not _TOKEN.fullmatch(args.method):
        raise _Usage(f"-X {args.method!r}: a method is a token (RFC 9110 §9.1)")
    _connection(args.url)
    return args.method, fields


def _steps(url: str, response: Any, nodes: list[str]) -> tuple[list[dict[str, Any]], bool]:
    """The steps to draw, and whether they come from the App's full record."""
    record_path = response.getheader("X-Statuskit-Trace-Record")
    record = _record(url, record_path) if record_path else None
    if record is not None and [step["node"] for step in record["steps"]] == nodes:
        return record["steps"], True
    # No record, or not this request's: draw what the header says.
    return _steps_from_header(nodes, response.status), False


def run(args: argparse.Namespace) -> int:
    from statuskit.resource._trace_page import trace_page

    try:
        method, fields = _request_of(args)
    except _Usage as exc:
        print(f"statuskit trace: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        response, body, target = _exchange(args.url, method, fields)
    except (OSError, http.client.HTTPException) as exc:
        print(f"statuskit trace: {args.url}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    header = response.getheader("X-Statuskit-Trace")
    nodes = [node.strip() for node in header.split(",")] if header else []
    steps, recorded = _steps(args.url, response, nodes)
    page = trace_page({
        "method": method, "target": target, "status": response.status, "steps": steps,
        "response": {"status": f"{response.status} {response.reason}",
                     "headers": [list(pair) for pair in response.getheaders()],
                     "body": body.decode("utf-8", "replace"),
                     "truncated": len(body) == _BODY_LIMIT}})
    try:
        Path(args.html).write_text(page, encoding="utf-8")
    except OSError as exc:
        print(f"statuskit trace: cannot write {args.html}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    if not nodes:
        print(f"statuskit trace: {response.status}, but no X-Statuskit-Trace header "
              "(serve an App(debug=True)); the page shows the response only", file=sys.stderr)
        return EXIT_FAILED
    detail = "with answers and times" if recorded else "from the header only"
    print(f"{method} {target} -> {response.status}: {len(nodes)} decisions "
          f"({detail}), written to {args.html}")
    return EXIT_OK
