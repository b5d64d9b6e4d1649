"""The ``statuskit`` command: explain | list | serve | check | trace.

Each subcommand imports what it needs when it runs, so ``statuskit explain``
stays as quick as importing the catalogue.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from statuskit import __version__
from statuskit.codes import Code, UnknownCode, all_codes, lookup, seed_codes
from statuskit.defaults import HEADER_TIMEOUT

__all__ = ["entry", "main"]

_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _record(code: Code) -> dict[str, Any]:
    return {
        "code": code.code,
        "phrase": code.phrase,
        "label": code.label,
        "class": code.status_class,
        "meaning": code.meaning,
        "guidance": str(code.guidance),
        "seed_guidance": str(code.seed_guidance) if code.seed_guidance else None,
        "requires": list(code.requires),
        "recommends": list(code.recommends),
        "body_allowed": code.body_allowed,
        "standing": str(code.standing),
        "rfc": code.rfc,
        "in_seed": code.in_seed,
        "disagreements": [
            {"topic": d.topic, "seed": d.seed, "rfc": d.rfc, "follows": d.follows, "why": d.why}
            for d in code.disagreements
        ],
    }


_GUIDANCE_TEXT = {
    "none": "nothing to repeat",
    "follow": "follow the Location instead of repeating",
    "never": "do not repeat, changed or not",
    "after-change": "do not repeat without changing the request",
    "later": "may repeat unchanged later",
    "after-retry-after": "repeat after the Retry-After delay",
}


def _explain_text(code: Code) -> str:
    lines = [f"{code.code} {code.phrase}"]
    if code.label is not None and code.label != code.phrase:
        lines[0] += f"  (seed label: {code.label})"
    elif code.label is None:
        lines[0] += "  (not in the seed table)"
    lines.append(f"  class      {code.status_class}, {code.standing}, {code.rfc}")
    lines.append(f"  meaning    {code.meaning}")
    guidance = f"{code.guidance}: {_GUIDANCE_TEXT[code.guidance]}"
    lines.append(f"  client     {guidance}")
    if code.seed_guidance is not None:
        lines.append(f"  seed says  {code.seed_guidance}: {_GUIDANCE_TEXT[code.seed_guidance]}")
    if code.requires:
        lines.append(f"  requires   {', '.join(code.requires)}")
    if code.recommends:
        lines.append(f"  recommends {', '.join(code.recommends)}")
    lines.append(f"  body       {'allowed' if code.body_allowed else 'never'}")
    for d in code.disagreements:
        lines.append(f"  seed vs RFC ({d.topic}), statuskit follows the {d.follows}:")
        lines.append(f"    seed: {d.seed}")
        lines.append(f"    RFC:  {d.rfc}")
        if d.why:
            lines.append(f"    why:  {d.why}")
    return "\n".join(lines)


def _cmd_explain(args: argparse.Namespace) -> int:
    try:
        code = lookup(args.code)
    except UnknownCode:
        print(f"statuskit: unknown status code: {args.code}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(_record(code), indent=2, ensure_ascii=False))
    else:
        print(_explain_text(code))
    return EXIT_OK


def _cmd_list(args: argparse.Namespace) -> int:
    codes = seed_codes() if args.seed else all_codes()
    if args.status_class:
        wanted = args.status_class.lower()
        if wanted not in _CLASSES:
            print(f"statuskit: unknown class {args.status_class!r}; use one of "
                  f"{', '.join(_CLASSES)}", file=sys.stderr)
            return EXIT_USAGE
        codes = tuple(c for c in codes if c.status_class == wanted)
    if args.json:
        print(json.dumps([_record(c) for c in codes], indent=2, ensure_ascii=False))
        return EXIT_OK
    rows = [("code", "label", "phrase", "client guidance", "headers")]
    for c in codes:
        headers = ", ".join(c.requires)
        rows.append((str(c.code), c.label or "-", c.phrase, str(c.guidance), headers))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    import sqlite3

    from statuskit.reference import DEMO_TOKENS, close_app, create_app, parse_tokens

    try:
        tokens = {**DEMO_TOKENS, **parse_tokens(args.token)} if args.token else None
    except ValueError as exc:
        print(f"statuskit: --token: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.rate_limit is not None and not _is_rate(args.rate_limit):
        print(f"statuskit: --rate-limit {args.rate_limit!r}: give N/PERIOD, e.g. 10/second",
              file=sys.stderr)
        return EXIT_USAGE
    if args.workers > 1 and args.db == ":memory:":
        print("statuskit: --workers needs --db FILE: each worker would have its own "
              "in-memory notes", file=sys.stderr)
        return EXIT_USAGE

    def build() -> Any:
        return create_app(db=args.db, rate_limit=args.rate_limit,
                          rate_limit_storage=args.rate_limit_storage,
                          max_concurrency=args.max_concurrency, maintenance=args.maintenance,
                          upstream=args.upstream, tokens=tokens)

    try:
        # Built once here so a mistake is one line before anything listens; with workers
        # each builds its own after the fork (an SQLite connection must not cross one).
        app = build()
    except sqlite3.Error as exc:
        print(f"statuskit: --db {args.db}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as exc:
        print(f"statuskit: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from statuskit.server import bind

    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(f"statuskit: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
              file=sys.stderr)
        return EXIT_USAGE
    if args.workers > 1:
        close_app(app)
        return _serve_workers_on(sock, build, args)
    return _serve_on(sock, app, args)


def _is_rate(text: str) -> bool:
    from limits import parse

    try:
        parse(text)
    except ValueError:
        return False
    return True


def _banner(sock: Any, args: argparse.Namespace) -> int:
    # After the bind, with the port the system gave (--port 0).
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    workers = f", {args.workers} workers" if args.workers > 1 else ""
    print(f"statuskit reference API on http://{shown}:{port}/ "
          f"(GET / lists a request for every code{workers})", file=sys.stderr)
    if args.workers > 1 and args.rate_limit and not args.rate_limit_storage.startswith("redis"):
        print("statuskit: note: --rate-limit holds per worker; give --rate-limit-storage "
              "redis://HOST:PORT to share it", file=sys.stderr)
    return int(port)


def _server_config(app: Any, port: int, args: argparse.Namespace) -> Any:
    from statuskit.server import config

    return config(app, host=args.host, port=port, header_timeout=args.header_timeout,
                  loop=args.loop, uvicorn_options={"log_level": "warning"})


def _serve_on(sock: Any, app: Any, args: argparse.Namespace) -> int:
    import uvicorn

    port = _banner(sock, args)
    server = uvicorn.Server(_server_config(app, port, args))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return EXIT_OK


def _serve_workers_on(sock: Any, build: Any, args: argparse.Namespace) -> int:
    from statuskit.server import WorkersExited, serve_workers

    port = _banner(sock, args)
    try:
        serve_workers(lambda: _server_config(build(), port, args), sock, args.workers)
    except WorkersExited as exc:
        print(f"statuskit: {exc}", file=sys.stderr)
        return 1
    finally:
        sock.close()
    return EXIT_OK


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a port number (0 to 65535): {text!r}")
    return int(text)


def _workers(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"not a worker count (1 to 64): {text!r}")
    return int(text)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0: {text!r}")
    return value


def _add_serve(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the reference API where every seed code happens")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8000, help="0 picks a free port")
    serve.add_argument("--db", default=":memory:", help="SQLite file for notes (default: memory)")
    serve.add_argument("--rate-limit", metavar="N/PERIOD", help="e.g. 10/second (429 past it)")
    serve.add_argument("--rate-limit-storage", default="memory://", metavar="URI",
                       help="where the rate limit counts: memory:// (per process) or "
                            "redis://HOST:PORT (shared by workers and servers)")
    serve.add_argument("--workers", type=_workers, default=1, metavar="N",
                       help="worker processes sharing the port (needs --db FILE); "
                            "--max-concurrency holds per worker")
    serve.add_argument("--loop", choices=("auto", "uvloop", "asyncio"), default="auto",
                       help="event loop (auto: uvloop where installed)")
    serve.add_argument("--max-concurrency", type=int, metavar="N",
                       help="503 past N requests in flight")
    serve.add_argument("--maintenance", action="store_true", help="503 for every request")
    serve.add_argument("--upstream", metavar="URL", help="the gateway's upstream base URL")
    serve.add_argument("--token", action="append", default=[], metavar="NAME:SCOPE",
                       help="an extra bearer token; SCOPE is rw, ro or proxy")
    serve.add_argument("--header-timeout", type=_positive, default=HEADER_TIMEOUT, metavar="S",
                       help="408 when a request's header section takes longer")
    serve.set_defaults(handler=_cmd_serve)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="statuskit",
        description="HTTP status codes as a contract: explain them, serve them, check them.",
    )
    parser.add_argument("--version", action="version", version=f"statuskit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    explain = sub.add_parser("explain", help="what a status code means and what a client does")
    explain.add_argument("code", help="a number (429) or a name (TooManyRequests, 'not found')")
    explain.add_argument("--json", action="store_true", help="machine-readable output")
    explain.set_defaults(handler=_cmd_explain)

    listing = sub.add_parser("list", help="the catalogue as a table")
    listing.add_argument("--class", dest="status_class", metavar="NXX", help="only 1xx..5xx")
    listing.add_argument("--seed", action="store_true", help="only the 41 codes of the seed table")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=_cmd_list)

    for register in _EXTRA_COMMANDS:
        register(sub)
    return parser


# Subcommands living in other layers register themselves here; each imports
# its layer only when it runs.
def _add_check(sub: Any) -> None:
    from statuskit.check.cli import register  # argparse only; the checker loads on run

    register(sub)


def _add_trace(sub: Any) -> None:
    from statuskit.trace.cli import register  # argparse only; http.client loads on run

    register(sub)


_EXTRA_COMMANDS: list[Callable[[Any], None]] = [_add_serve, _add_check, _add_trace]


def entry() -> int:
    """The console script and ``python -m statuskit``: ``main`` on this process's
    arguments. A ``check`` run's own process is set up first (no trio, no hypothesis
    plugins) and loads what its later steps need while its first probes wait
    (``statuskit._preload``); a ``main`` called in another program's process
    leaves that process as it is."""
    argv = sys.argv[1:]
    if argv[:1] == ["check"]:
        from statuskit import _preload

        _preload.lean_process()
        stages = [] if "--har" in argv else [_preload.LINT]
        openapi = any(a == "--openapi" or a.startswith("--openapi=") for a in argv)
        if openapi and "--no-values" not in argv and "--har" not in argv:
            stages.append(_preload.VALUES)
        _preload.start(tuple(stages))
    return main(argv)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(entry())
