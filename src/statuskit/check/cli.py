"""``statuskit check [URL]``: the checker's command line.

Every mistake the command line can know about (a URL that is not a target, an
unknown code, a report path that cannot be written, a timeout that is not
positive) is one line on stderr and exit 2 before any probe goes out. Exit 1
means one thing only: the server failed a check at a level the profile enforces.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from statuskit.check.exchange import Options
    from statuskit.check.profile import Profile
    from statuskit.check.verdict import Verdict

__all__ = ["register"]

EXIT_OK = 0
EXIT_USAGE = 2


def _codes(text: str) -> set[int | str]:
    from statuskit.check.runner import check_names
    from statuskit.codes import UnknownCode, lookup, seed_codes

    seed = [c.code for c in seed_codes()]
    names = check_names()
    wanted: set[int | str] = set()
    for raw in text.split(","):
        part = raw.strip().lower()
        if len(part) == 3 and part[0] in "12345" and part.endswith("xx"):
            wanted.update(c for c in seed if c // 100 == int(part[0]))
        elif part.isascii() and part.isdigit() and _registered(int(part), lookup, UnknownCode):
            wanted.add(int(part))  # a seed code, or a registered one a plan may probe
        elif part in names or part == "values":  # "values": the --openapi value phase
            wanted.add(part)
        elif part:
            raise argparse.ArgumentTypeError(
                f"{part!r} is neither a registered status code, a class (4xx) nor a check "
                f"({', '.join(names)})")
    if not wanted:
        raise argparse.ArgumentTypeError("give at least one code, class or check")
    return wanted


def _registered(code: int, lookup: Any, unknown: type[Exception]) -> bool:
    try:
        lookup(code)
    except unknown:
        return False
    return True


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 3600: {text!r}")
    return value


def _writable(path: str | None, flag: str) -> str | None:
    """Why ``path`` cannot take a report, or None when it can."""
    if path is None:
        return None
    if os.path.isdir(path):
        return f"{flag} {path}: is a directory; give a file name"
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        return f"{flag} {path}: the directory {parent} does not exist"
    if not os.access(parent, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        return f"{flag} {path}: not writable"
    return None


def _fail(message: str) -> int:
    print(f"statuskit: {message}", file=sys.stderr)
    return EXIT_USAGE


def _run(args: argparse.Namespace) -> int:
    from statuskit.check.plan import PlanError, load_plan
    from statuskit.check.profile import profile_named
    from statuskit.check.runner import Options
    from statuskit.check.target import TargetError, parse_target

    for problem in (_writable(args.json, "--json"), _writable(args.html, "--html"),
                    _writable(args.junit, "--junit")):
        if problem:
            return _fail(problem)
    if args.har is not None:
        return _har(args)
    try:
        plan = load_plan(args.plan) if args.plan else None
    except (OSError, PlanError) as exc:
        return _fail(f"--plan {args.plan}: {getattr(exc, 'strerror', None) or exc}")
    if args.openapi is None and (args.allow_writes or args.max_requests is not None
                                 or args.seed is not None or args.no_values):
        return _fail("--allow-writes, --max-requests, --seed and --no-values go with --openapi")
    if args.openapi is not None and not args.no_values and args.only and "values" in args.only:
        # Asked for by name, the phase cannot be skipped: one line before any request.
        # On by default, a run without the extra skips it and says so in its notes.
        from statuskit.check._values_gen import FuzzMissing, require

        try:
            require()
        except FuzzMissing as exc:
            return _fail(str(exc))
    if args.url:
        try:
            parse_target(args.url, cacert=args.cacert, insecure=args.insecure)
        except TargetError as exc:
            return _fail(str(exc))
    # The reference API promises the seed's contract, so with no URL every rule counts.
    profile = profile_named(args.profile or ("rfc" if args.url else "seed"))
    options = Options(only=args.only, include_slow=args.include_slow,
                      include_load=args.include_load, timeout=args.timeout, plan=plan,
                      cacert=args.cacert, insecure=args.insecure)
    try:
        return _check(args, options, profile)
    except TargetError as exc:
        return _fail(str(exc))


def _check(args: argparse.Namespace, options: Options, profile: Profile) -> int:
    from rich.console import Console

    from statuskit import __version__
    from statuskit.check.report import RunInfo, counts_line, to_findings, to_table

    started = datetime.now(UTC)
    with ExitStack() as servers:
        if args.url:
            url, target = args.url, args.url
        else:
            from statuskit.check.embedded import reference_server

            url = servers.enter_context(reference_server(header_timeout=1.0))
            if args.include_load:
                # A second instance with limits, so the ordinary probes run unthrottled.
                options.load_base = servers.enter_context(reference_server(
                    rate_limit="20/second", max_concurrency=8))
            target = f"the reference API ({url})"
        verdicts, seconds = _probe(url, options)
        notes: list[str] = []
        if args.openapi is not None:
            from statuskit.check.openapi import OpenAPIError

            try:
                more, took = _operations(url, args, notes)
            except OpenAPIError as exc:
                return _fail(str(exc))
            verdicts, seconds = verdicts + more, seconds + took
    from statuskit.check.target import parse_target

    shown = parse_target(url).url if args.url else target
    info = RunInfo(shown, seconds, profile, __version__, started, _options_text(args))
    out = Console()
    out.print(f"statuskit check: {shown}", style="bold")
    out.print(to_findings(verdicts, profile))
    if args.verbose:
        out.print(to_table(verdicts, "every check", profile, out.width))
    for note in notes:
        out.print(note)
    out.print(counts_line(verdicts, profile, seconds))
    failed = _write_reports(args, verdicts, info)
    return failed if failed is not None else profile.exit_code(verdicts)


def _har(args: argparse.Namespace) -> int:
    """``--har FILE``: the recorded exchanges judged offline; no request goes out."""
    from rich.console import Console

    from statuskit import __version__
    from statuskit.check.profile import profile_named
    from statuskit.check.report import RunInfo, counts_line, to_findings, to_table
    from statuskit.monitor.har import HarError, read_har

    sending = [flag for flag, given in (("a URL", args.url), ("--openapi", args.openapi),
                                        ("--plan", args.plan), ("--include-slow",
                                                                args.include_slow),
                                        ("--include-load", args.include_load)) if given]
    if sending:
        return _fail(f"--har judges a recorded file and sends nothing: leave out "
                     f"{', '.join(sending)}")
    started, clock = datetime.now(UTC), time.perf_counter()
    try:
        run = read_har(args.har)
    except HarError as exc:
        return _fail(str(exc))
    profile = profile_named(args.profile or "rfc")
    seconds = time.perf_counter() - clock
    shown = f"{args.har} ({len(run.verdicts)} of {run.entries} entries judged)"
    info = RunInfo(shown, seconds, profile, __version__, started, _options_text(args))
    out = Console()
    out.print(f"statuskit check --har {shown}", style="bold")
    out.print(to_findings(run.verdicts, profile))
    if args.verbose:
        out.print(to_table(run.verdicts, "every entry", profile, out.width))
    for note in run.notes:
        out.print(note, markup=False, highlight=False)
    out.print(counts_line(run.verdicts, profile, seconds))
    failed = _write_reports(args, run.verdicts, info)
    return failed if failed is not None else profile.exit_code(run.verdicts)


def _write_reports(args: argparse.Namespace, verdicts: list[Verdict],
                   info: Any) -> int | None:
    """--json, --html, --junit; the exit code when one cannot be written."""
    from statuskit.check.report import to_html, to_json, to_junit

    for path, text in ((args.json, to_json), (args.html, to_html), (args.junit, to_junit)):
        if path:
            try:
                with open(path, "w", encoding="utf-8") as report:
                    report.write(text(verdicts, info))
            except OSError as exc:
                return _fail(f"{path}: {exc.strerror or exc}")
    return None


def _probe(url: str, options: Options) -> tuple[list[Verdict], float]:
    from rich.console import Console

    from statuskit.check.runner import check_server

    console = Console(stderr=True)
    started = time.perf_counter()
    with console.status(f"checking {url}") as status:
        done = 0
        waits: dict[str, str] = {}

        def show() -> None:
            text = f"checking: {done} checks judged"
            if waits:
                name, what = next(iter(waits.items()))
                text += f"; {name}: {what}"
            status.update(text)

        def progress(verdict: Verdict) -> None:
            nonlocal done
            done += 1
            waits.pop(verdict.name, None)
            show()

        def waiting(name: str, what: str) -> None:
            waits[name] = what
            show()

        verdicts = asyncio.run(check_server(url, options, progress, waiting))
    return verdicts, time.perf_counter() - started


def _operations(url: str, args: argparse.Namespace,
                notes: list[str]) -> tuple[list[Verdict], float]:
    """``--openapi``: every documented operation's probes, after the generic ones."""
    from rich.console import Console

    from statuskit.check.openapi import DEFAULT_MAX_REQUESTS, OpenAPIOptions, run_for_cli

    only = None if args.only is None else set(args.only)
    options = OpenAPIOptions(args.allow_writes, args.max_requests or DEFAULT_MAX_REQUESTS,
                             args.timeout, only=only, cacert=args.cacert,
                             insecure=args.insecure, values=not args.no_values, seed=args.seed)
    started = time.perf_counter()
    with Console(stderr=True).status("checking the documented operations") as status:
        done = 0

        def progress(verdict: Verdict) -> None:
            nonlocal done
            done += 1
            status.update(f"checking operations: {done} checks judged, last "
                          f"{verdict.operation} {verdict.name}")

        verdicts, lines = run_for_cli(url, args.openapi, options, progress)
    notes += lines
    return verdicts, time.perf_counter() - started


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return int(text)


def _seed(text: str) -> int:
    if not text.isdigit() or int(text) >= 2**64:
        raise argparse.ArgumentTypeError(f"not a whole number below 2**64: {text!r}")
    return int(text)


def _options_text(args: argparse.Namespace) -> dict[str, Any]:
    keys = ("plan", "only", "profile", "include_slow", "include_load", "timeout", "cacert",
            "insecure", "openapi", "allow_writes", "max_requests", "seed", "no_values",
            "har")
    options = {k: getattr(args, k) for k in keys}
    if options["only"] is not None:
        options["only"] = sorted(str(x) for x in options["only"])
    return options


def register(sub: Any) -> None:
    parser = sub.add_parser("check", help="prove a live server's status codes, code by code")
    parser.add_argument("url", nargs="?", help="http:// or https:// URL to check (default: start "
                                               "the reference API on a free loopback port)")
    parser.add_argument("--plan", metavar="FILE", help="TOML probe plan for resource codes")
    parser.add_argument("--only", type=_codes, metavar="CODES",
                        help="seed codes, classes or checks, e.g. 4xx,412,505,head-parity "
                             "(default: every check)")
    parser.add_argument("--profile", choices=("rfc", "seed", "must"),
                        help="which rule levels fail the run: rfc (RFC MUST and SHOULD; the "
                             "default for a URL), seed (also the seed table's rules; the "
                             "default with no URL), must (RFC MUST only)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="also print every check, not only the findings")
    parser.add_argument("--json", metavar="FILE", help="write the findings and every check as "
                                                       "JSON")
    parser.add_argument("--html", metavar="FILE", help="write a self-contained HTML report")
    parser.add_argument("--junit", metavar="FILE", help="write JUnit XML for CI systems: one "
                                                        "test case per finding, and per check "
                                                        "that found nothing")
    parser.add_argument("--include-slow", action="store_true",
                        help="also probe 408 (waits for the server's header timeout)")
    parser.add_argument("--include-load", action="store_true",
                        help="also probe 429/503 with bounded bursts (needs a plan step)")
    parser.add_argument("--timeout", type=_seconds, default=5.0, metavar="S",
                        help="seconds to wait for each answer (default 5)")
    parser.add_argument("--openapi", nargs="?", const="", metavar="FILE_OR_URL",
                        help="also probe every operation of an OpenAPI document (default: "
                             "the server's /openapi.json, then its statuskit plan at GET /)")
    parser.add_argument("--allow-writes", action="store_true",
                        help="with --openapi: also send POST/PUT/PATCH/DELETE to documented "
                             "operations (reads only by default)")
    parser.add_argument("--max-requests", type=_positive, metavar="N",
                        help="with --openapi: at most N requests for the operation probes "
                             "and the value phase (default 2000)")
    parser.add_argument("--seed", type=_seed, metavar="N",
                        help="with --openapi: the value phase's seed; the same N sends the "
                             "same values (default: a new one, printed)")
    parser.add_argument("--no-values", action="store_true",
                        help="with --openapi: skip the value phase (values generated from "
                             "the schemas; it needs statuskit[fuzz])")
    parser.add_argument("--har", metavar="FILE",
                        help="judge the exchanges of a recorded HAR file (browser devtools, "
                             "mitmproxy, Playwright) by the rules that need no request of "
                             "their own; sends nothing")
    parser.add_argument("--cacert", metavar="FILE",
                        help="CA certificates (PEM) to verify an https server with")
    parser.add_argument("--insecure", action="store_true",
                        help="https without verifying the server's certificate")
    parser.set_defaults(handler=_run)
