"""``statuskit check [URL]``: the checker's command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any

__all__ = ["register"]


def _codes(text: str) -> set[int]:
    from statuskit.codes import seed_codes

    seed = [c.code for c in seed_codes()]
    wanted: set[int] = set()
    for part in text.split(","):
        part = part.strip().lower()
        if len(part) == 3 and part[0] in "12345" and part.endswith("xx"):
            wanted.update(c for c in seed if c // 100 == int(part[0]))
        elif part.isdigit():
            wanted.add(int(part))
        elif part:
            raise argparse.ArgumentTypeError(f"not a code or class: {part!r}")
    return wanted


def _run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from statuskit.check.plan import PlanError, load_plan
    from statuskit.check.profile import profile_named
    from statuskit.check.report import summary, to_html, to_json, to_table
    from statuskit.check.runner import Options, check_server
    from statuskit.check.verdict import Verdict

    console = Console(stderr=True)
    # The reference API promises the seed's contract, so with no URL every rule counts.
    profile = profile_named(args.profile or ("rfc" if args.url else "seed"))
    try:
        plan = load_plan(args.plan) if args.plan else None
    except (OSError, PlanError) as exc:
        print(f"statuskit: {exc}", file=sys.stderr)
        return 2
    options = Options(only=args.only, include_slow=args.include_slow,
                      include_load=args.include_load, timeout=args.timeout, plan=plan)
    if args.openapi is None and (args.allow_writes or args.max_requests is not None):
        print("statuskit: --allow-writes and --max-requests go with --openapi", file=sys.stderr)
        return 2
    notes: list[str] = []
    failure: list[str] = []

    def check(url: str) -> tuple[list[Verdict], float]:
        started = time.perf_counter()
        with console.status(f"checking {url}") as status:
            done = 0

            def progress(verdict: Verdict) -> None:
                nonlocal done
                done += 1
                status.update(f"checking {url}: {done} codes judged, last {verdict.code} "
                              f"{verdict.outcome}")

            verdicts = asyncio.run(check_server(url, options, progress))
            if args.openapi is not None:
                verdicts += _operations(url, args, progress, notes, failure)
        return verdicts, time.perf_counter() - started

    if args.url:
        target = args.url
        verdicts, seconds = check(target)
    else:
        from contextlib import ExitStack

        from statuskit.check.embedded import reference_server

        with ExitStack() as servers:
            url = servers.enter_context(reference_server(header_timeout=1.0))
            if args.include_load:
                # A second instance with limits, so the ordinary probes run unthrottled.
                options.load_base = servers.enter_context(reference_server(
                    rate_limit="20/second", max_concurrency=8))
            target = f"the reference API ({url})"
            verdicts, seconds = check(url)

    if failure:
        print(f"statuskit: {failure[0]}", file=sys.stderr)
        return 2
    Console().print(to_table(verdicts, f"statuskit check: {target}"))
    for note in notes:
        console.print(note)
    counts = summary(verdicts)
    console.print(", ".join(f"{n} {o}" for o, n in counts.items() if n)
                  + f" in {seconds:.2f} s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            out.write(to_json(verdicts, target, seconds, profile))
    if args.html:
        with open(args.html, "w", encoding="utf-8") as out:
            out.write(to_html(verdicts, target, seconds))
    return profile.exit_code(verdicts)


def _operations(url: str, args: argparse.Namespace, progress: Any, notes: list[str],
                failure: list[str]) -> list[Any]:
    """The OpenAPI operation probes (``--openapi``); a problem finding the document
    goes to ``failure`` as one line."""
    from statuskit.check.openapi import (
        DEFAULT_MAX_REQUESTS,
        OpenAPIError,
        OpenAPIOptions,
        run_for_cli,
    )

    options = OpenAPIOptions(args.allow_writes, args.max_requests or DEFAULT_MAX_REQUESTS,
                             args.timeout, only=args.only)
    try:
        verdicts, lines = run_for_cli(url, args.openapi, options, progress)
    except OpenAPIError as exc:
        failure.append(str(exc))
        return []
    notes += lines
    return verdicts


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return int(text)


def register(sub: Any) -> None:
    parser = sub.add_parser("check", help="prove a live server's status codes, code by code")
    parser.add_argument("url", nargs="?", help="server to check (default: start the reference "
                                               "API on a free loopback port and check it)")
    parser.add_argument("--plan", metavar="FILE", help="TOML probe plan for resource codes")
    parser.add_argument("--only", type=_codes, metavar="CODES",
                        help="e.g. 4xx,412,505 (default: all 41 seed codes)")
    parser.add_argument("--json", metavar="FILE", help="write the verdicts as JSON")
    parser.add_argument("--html", metavar="FILE", help="write a self-contained HTML report")
    parser.add_argument("--include-slow", action="store_true",
                        help="also probe 408 (waits for the server's header timeout)")
    parser.add_argument("--include-load", action="store_true",
                        help="also probe 429/503 with bounded bursts")
    parser.add_argument("--profile", choices=("rfc", "seed", "must"),
                        help="which rule levels fail the run: rfc (RFC MUST and SHOULD; the "
                             "default for a URL), seed (also the seed table's rules; the "
                             "default with no URL), must (RFC MUST only)")
    parser.add_argument("--openapi", nargs="?", const="", metavar="FILE_OR_URL",
                        help="also probe every operation of an OpenAPI document (default: "
                             "the server's /openapi.json, then its statuskit plan at GET /)")
    parser.add_argument("--allow-writes", action="store_true",
                        help="with --openapi: also send POST/PUT/PATCH/DELETE to documented "
                             "operations (reads only by default)")
    parser.add_argument("--max-requests", type=_positive, metavar="N",
                        help="with --openapi: at most N requests for the operation probes "
                             "(default 2000)")
    parser.add_argument("--timeout", type=float, default=5.0, metavar="S",
                        help="seconds to wait for each answer (default 5)")
    parser.set_defaults(handler=_run)
