"""CPU µs per KB of statuskit's field parsers on hostile field values.

    python bench/field_parsers.py [--rounds 7] [--size 14] [--compare-with SRC]

Each shape is one field value of about ``--size`` KB that a client can send in
one request (the wire's head limit is 16 KiB), built to hit one parser where it
does work per member, per parameter, per character or per quote. It is parsed as
the server parses it: ``negotiate()`` against two offers, ``parse_etags()``,
``parse_range()``, ``parse_content_type()``. The figure is the best of a batch's
thread CPU time (``time.thread_time``), per call, divided by the value's size in KB.

``--compare-with SRC`` (the ``src`` directory of another statuskit tree, e.g. main:
``git archive main src | tar -x -C /tmp/main``) adds that tree's parsers as a second
contender. Each contender runs in its own process and they take turns round by
round (A B B A ...), so a load spike on the shared machine hits both; the table
gives each shape's median over the rounds and the range. Not a test: no asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
OWN_SRC = os.path.join(HERE, "..", "src")

MEDIA = ("application/json", "text/plain")


def shapes(size_kb: int) -> dict[str, tuple[str, str]]:
    """name -> (parser, field value) of about ``size_kb`` KB each."""
    size = size_kb * 1024

    def fill(unit: Callable[[int], str], sep: str = ",") -> str:
        parts: list[str] = []
        total = 0
        n = 0
        while total < size:
            part = unit(n)
            parts.append(part)
            total += len(part) + len(sep)
            n += 1
        return sep.join(parts)[:size]

    return {
        "accept: unique ranges": ("accept", fill(lambda n: f"type{n}/sub{n};q=0.{n % 10}")),
        "accept: many parameters": (
            "accept", "text/plain;" + fill(lambda n: f"p{n}=v{n}", ";")),
        "accept: quoted commas": (
            "accept", fill(lambda n: f'text/x{n};a="x,\\"y,;z"')),
        "accept: one long token": ("accept", "text/" + "x" * size),
        "accept: empty members": ("accept", "," * size),
        "accept-language: ranges": (
            "language", fill(lambda n: f"x{n % 9}-abc{n};q=0.5")),
        "accept-encoding: codings": ("encoding", fill(lambda n: f"c{n};q=0.1")),
        "if-none-match: tags": ("etags", fill(lambda n: f'W/"tag-{n}"')),
        "if-none-match: one long tag": ("etags", '"' + "x" * size + '"'),
        "range: empty members": ("range", "bytes=" + "," * size),
        "content-type: parameters": (
            "content-type", "text/plain;" + fill(lambda n: f"p{n}=v{n}", ";")),
    }


def _parsers(http: Any) -> dict[str, Callable[[str], Any]]:
    return {
        "accept": lambda value: http.negotiate(MEDIA, value),
        "language": lambda value: http.negotiate_language(("en", "de"), value),
        "encoding": lambda value: http.negotiate_encoding(("gzip", "identity"), value),
        "etags": http.parse_etags,
        "range": http.parse_range,
        "content-type": http.parse_content_type,
    }


def worker(src: str, size_kb: int, calls: int) -> None:
    """One round in this process: best-of per shape, µs per KB, as JSON on stdout."""
    sys.path.insert(0, src)
    import statuskit.http as http

    parsers = _parsers(http)
    out: dict[str, float] = {}
    for name, (kind, value) in shapes(size_kb).items():
        parse = parsers[kind]
        parse(value)  # warm: regex compilation, caches
        best = float("inf")
        for _ in range(5):
            started = time.thread_time()
            for _ in range(calls):
                parse(value)
            best = min(best, (time.thread_time() - started) / calls)
        out[name] = best * 1e6 / (len(value) / 1024)
    print(json.dumps(out))


def _round(src: str, size_kb: int, calls: int) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--worker", src, "--size", str(size_kb),
         "--calls", str(calls)],
        check=True, capture_output=True, text=True)
    data: dict[str, float] = json.loads(result.stdout)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--size", type=int, default=14, help="KB per field value")
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--compare-with", metavar="SRC", default=None)
    parser.add_argument("--worker", metavar="SRC", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.size, args.calls)
        return
    contenders = {"this tree": OWN_SRC}
    if args.compare_with:
        contenders["compared"] = args.compare_with
    results: dict[str, list[dict[str, float]]] = {name: [] for name in contenders}
    names = list(contenders)
    for number in range(args.rounds):
        order = names if number % 2 == 0 else names[::-1]  # A B, B A, ...
        for name in order:
            results[name].append(_round(contenders[name], args.size, args.calls))
    print(f"µs of thread CPU per KB of field value ({args.size} KB values), median "
          f"[min-max] of {args.rounds} rounds, each the best of 5 batches of {args.calls}")
    header = f"{'shape':30s}" + "".join(f" {name:>24s}" for name in names)
    print(header)
    for shape in shapes(args.size):
        cells = []
        for name in names:
            values = [r[shape] for r in results[name]]
            cells.append(f"{statistics.median(values):9.1f} [{min(values):.1f}-{max(values):.1f}]")
        print(f"{shape:30s}" + "".join(f" {cell:>24s}" for cell in cells))


if __name__ == "__main__":
    main()
