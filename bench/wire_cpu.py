"""CPU µs per request of statuskit's HTTP/1 protocols against stock uvicorn's, no sockets.

    python bench/wire_cpu.py [--rounds 60] [--batch 50] [--loop asyncio|uvloop|both]
        [--parser httptools|h11|both] [--app 200|304|both]
        [--requests one-by-one|pipelined|one-per-connection|all]

Loopback throughput on a shared 2-core machine swings by more than the few
microseconds this is about, so no sockets here: each protocol instance gets an
in-memory transport on a real event loop, and the requests are fed to its
``data_received`` as a client would send them: keep-alive, each request after the
previous response ("one by one"), pipelined, ``--batch`` requests in one read, and
one request per connection (opened and closed inside the time, as a client without
keep-alive would).
The time is the thread's CPU time (``time.thread_time``) for a batch on a fresh
connection. Each contender runs in its own process (CPython specialises bytecode for
the classes it meets, so two protocol classes sharing uvicorn's code in one process
slow each other down); they take turns batch by batch, and the best batch of each
counts. What the event loop, the app and the socket cost alike is in every figure;
the difference between two rows is the protocol's own.

Contenders, the same bare ASGI app behind each (200 with 2 bytes, or 304):
stock uvicorn's protocol, and statuskit's as ``statuskit.server.config()`` builds it
(response hygiene off: the Guard in front keeps those rules). Every response of
every batch is compared byte for byte with stock uvicorn's, and before timing a
warm-up proves statuskit's checks are live (an invalid Host is 400, a bad
request pipelined behind good ones is answered after them). Not a test: no timing
asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import sys
import time
import traceback
from collections.abc import Callable, Coroutine
from multiprocessing.connection import Connection
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

import statuskit.server

HEADERS_200 = [(b"content-type", b"text/plain"), (b"content-length", b"2")]
HEADERS_304 = [(b"etag", b'"1-abc"'), (b"cache-control", b"no-cache"), (b"vary", b"accept")]
# What uvicorn.Server puts on every response (its tick refreshes the date).
DEFAULT_HEADERS = [(b"date", b"Thu, 26 Nov 2026 10:00:00 GMT"), (b"server", b"uvicorn")]
REQUEST = b"GET /notes/n1 HTTP/1.1\r\nHost: bench\r\nAccept: */*\r\n\r\n"
# statuskit reads the clock for each response's Date (server/_date.py); stock keeps
# the one its tick put in place: responses are compared with the Date's value left out.
_DATE = re.compile(rb"\r\ndate: [^\r]*")


def undated(written: bytes) -> bytes:
    return _DATE.sub(b"\r\ndate: -", written)


async def app_200(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS_200})
    await send({"type": "http.response.body", "body": b"ok"})


async def app_304(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 304, "headers": HEADERS_304})
    await send({"type": "http.response.body", "body": b""})


APPS = {"200": app_200, "304": app_304}


class MemoryTransport:
    """A connected socket's transport that keeps what is written in a list."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closing = False
        self.eof = False
        self.reading = True
        self.protocol: Any = None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(
            name, default)

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def writelines(self, chunks: Any) -> None:
        self.written.extend(chunks)

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = True

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        self.eof = True

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def is_reading(self) -> bool:
        return self.reading

    def get_write_buffer_size(self) -> int:
        return 0

    def set_write_buffer_limits(self, high: Any = None, low: Any = None) -> None:
        pass

    def set_protocol(self, protocol: Any) -> None:
        self.protocol = protocol

    def get_protocol(self) -> Any:
        return self.protocol


class Contender:
    """One protocol class serving one app, with a fresh connection per batch."""

    def __init__(self, name: str, protocol_class: type, app: Any,
                 loop: asyncio.AbstractEventLoop) -> None:
        self.name = name
        self.protocol_class = protocol_class
        self.loop = loop
        self.config = uvicorn.Config(app, http=protocol_class, lifespan="off",
                                     access_log=False, proxy_headers=False,
                                     log_level="error")
        self.config.load()
        self.state = ServerState()
        self.state.default_headers = list(DEFAULT_HEADERS)

    def connect(self) -> tuple[Any, MemoryTransport]:
        protocol = self.protocol_class(config=self.config, server_state=self.state,
                                       app_state={}, _loop=self.loop)
        transport = MemoryTransport()
        protocol.connection_made(transport)
        return protocol, transport

    async def exchange(self, data: bytes) -> bytes:
        """Everything the server writes for ``data`` on a fresh connection."""
        protocol, transport = self.connect()
        protocol.data_received(data)
        for _ in range(100):
            await asyncio.sleep(0)
        hang_up(protocol, transport)
        return b"".join(transport.written)

    async def one_by_one(self, protocol: Any, count: int) -> None:
        state = self.state
        done = state.total_requests
        for _ in range(count):
            protocol.data_received(REQUEST)
            done += 1
            while state.total_requests < done:
                await asyncio.sleep(0)

    async def pipelined(self, protocol: Any, count: int) -> None:
        state = self.state
        done = state.total_requests + count
        protocol.data_received(REQUEST * count)
        while state.total_requests < done:
            await asyncio.sleep(0)

    async def batch(self, drive: Callable[[Any, int], Coroutine[Any, Any, None]],
                    count: int, expected: bytes) -> float:
        protocol, transport = self.connect()
        started = time.thread_time()
        await drive(protocol, count)
        spent = time.thread_time() - started
        hang_up(protocol, transport)
        written = b"".join(transport.written)
        if undated(written) != undated(expected * count):
            raise AssertionError(f"{self.name}: not stock uvicorn's responses: {written[:300]!r}")
        return spent / count * 1e6

    async def one_per_connection(self, count: int, expected: bytes) -> float:
        """Each request on a connection of its own, opened and closed inside the time."""
        state = self.state
        done = state.total_requests
        connections = []
        started = time.thread_time()
        for _ in range(count):
            protocol, transport = self.connect()
            protocol.data_received(REQUEST)
            done += 1
            while state.total_requests < done:
                await asyncio.sleep(0)
            hang_up(protocol, transport)
            connections.append(transport)
        spent = time.thread_time() - started
        for transport in connections:
            written = b"".join(transport.written)
            if undated(written) != undated(expected):
                raise AssertionError(f"{self.name}: not stock uvicorn's response: {written!r}")
        return spent / count * 1e6


def hang_up(protocol: Any, transport: MemoryTransport) -> None:
    """The client closed: the transport is closed by the time the protocol hears it."""
    transport.closing = True
    protocol.connection_lost(None)


def statuses(data: bytes) -> list[int]:
    return [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", data)]


async def prove_checks_run(statuskit: Contender, stock: Contender) -> None:
    """The statuskit contender is the wire, not a copy of stock uvicorn."""
    # RFC 9112 §3.2, RFC 3986 §3.2.2: a space is no part of a host; both stock parsers
    # pass it on to the app.
    bad_host = b"GET / HTTP/1.1\r\nHost: exa mple\r\n\r\n"
    if statuses(await statuskit.exchange(bad_host)) != [400]:
        raise AssertionError("statuskit's protocol served an invalid Host")
    if statuses(await stock.exchange(bad_host)) != statuses(await stock.exchange(REQUEST)):
        raise AssertionError("stock uvicorn did not serve an invalid Host")
    # RFC 9112 §9.3.2: the refusal comes after the answers to the requests before it.
    behind = REQUEST * 2 + b"GET /a  HTTP/1.1\r\nHost: bench\r\n\r\n"
    answered = statuses(await statuskit.exchange(behind))
    if (answered[:2] != [200, 200] and answered[:2] != [304, 304]) or answered[2:] != [400]:
        raise AssertionError(f"statuskit's pipelined refusal out of order: {answered}")


STOCK = {"httptools": HttpToolsProtocol, "h11": H11Protocol}


def served_protocol(parser: str) -> type:
    """The class run() serves with, taken from config() so that any setting it adds is here."""
    served = statuskit.server.config(app_200, parser="h11" if parser == "h11" else "httptools").http
    if not isinstance(served, type) or getattr(served, "response_hygiene", None) is not False:
        raise AssertionError(f"config() no longer serves a protocol class as measured: {served!r}")
    return served


def hygienic_protocol(parser: str) -> type:
    """statuskit's protocol on its own, with the response rules a Guard would keep."""
    if parser == "httptools":
        return statuskit.server.httptools_protocol()
    return statuskit.server.h11_protocol()


def other_tree(src: str) -> Callable[[str], type]:
    """The protocol class run() serves with in another statuskit tree (``src``, say a
    checkout of an earlier commit): imported afresh in the contender's own process."""

    def served(parser: str) -> type:
        for name in [name for name in sys.modules if name.split(".")[0] == "statuskit"]:
            del sys.modules[name]
        sys.path.insert(0, src)
        import statuskit.server as other

        if not other.__file__ or not other.__file__.startswith(os.path.abspath(src)):
            raise RuntimeError(f"statuskit did not come from {src}: {other.__file__}")
        built = other.config(app_200, parser="h11" if parser == "h11" else "httptools").http
        if not isinstance(built, type):
            raise AssertionError(f"config() in {src} serves no protocol class: {built!r}")
        return built

    return served


# Contender name -> its protocol class for a parser. The first is the baseline.
FACTORIES: dict[str, Callable[[str], type]] = {
    "stock": STOCK.__getitem__,
    "statuskit": served_protocol,
    "statuskit, hygiene on": hygienic_protocol,
}


def worker(conn: Connection, name: str, parser: str, status: str, mode: str,
           loop_name: str, count: int) -> None:
    """One contender in its own process: CPython specialises bytecode for the classes
    it meets, so two protocol classes running the same uvicorn code in one process
    would slow each other down. Answers each batch request with µs per request."""

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        app = APPS[status]
        stock = Contender("stock", STOCK[parser], app, loop)
        expected = await stock.exchange(REQUEST)
        if statuses(expected) != [int(status)]:
            raise AssertionError(f"stock uvicorn answered {expected!r}")
        contender = Contender(name, FACTORIES[name](parser), app, loop)
        if contender.protocol_class is not stock.protocol_class:
            await prove_checks_run(contender, stock)
        async def batch() -> float:
            if mode == "one per connection":
                return await contender.one_per_connection(count, expected)
            drive = contender.one_by_one if mode == "one by one" else contender.pipelined
            return await contender.batch(drive, count, expected)

        for _ in range(3):  # warm-up: the specialised bytecode settles
            await batch()
        conn.send("ready")
        while conn.recv():
            conn.send(await batch())

    try:
        run_loop(loop_name, serve())
    except BaseException:
        conn.send(traceback.format_exc())
        raise


def measure(parser: str, status: str, mode: str, loop_name: str,
            args: argparse.Namespace) -> dict[str, float]:
    """Best µs per request of each contender; they take turns, one batch at a time."""
    context = multiprocessing.get_context("fork")
    workers: dict[str, tuple[Any, Connection]] = {}
    try:
        for name in FACTORIES:
            ours, theirs = context.Pipe()
            process = context.Process(target=worker, daemon=True, args=(
                theirs, name, parser, status, mode, loop_name, args.batch))
            process.start()
            workers[name] = (process, ours)
        for name, (_, conn) in workers.items():
            _expect_number(name, conn.recv(), "ready")
        best = dict.fromkeys(workers, float("inf"))
        for _ in range(args.rounds):
            for name, (_, conn) in workers.items():
                conn.send(True)
                spent = _expect_number(name, conn.recv())
                if spent > 0:  # a VM's thread clock has been seen to stand still once
                    best[name] = min(best[name], spent)
        return best
    finally:
        for process, conn in workers.values():
            if process.is_alive():
                conn.send(False)
            process.join(10)


def _expect_number(name: str, answer: Any, ready: str | None = None) -> float:
    if ready is not None and answer == ready:
        return 0.0
    if isinstance(answer, float):
        return answer
    raise RuntimeError(f"{name} failed:\n{answer}")


def run_loop(name: str, main: Coroutine[Any, Any, None]) -> None:
    if name == "uvloop":
        import uvloop

        uvloop.run(main)
    else:
        asyncio.run(main)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--loop", choices=["asyncio", "uvloop", "both"], default="both")
    parser.add_argument("--parser", choices=["httptools", "h11", "both"], default="both")
    parser.add_argument("--app", choices=["200", "304", "both"], default="both")
    parser.add_argument("--requests", default="all",
                        choices=["one-by-one", "pipelined", "one-per-connection", "all"])
    parser.add_argument("--compare-with", metavar="SRC", action="append", default=[],
                        help="the src directory of another statuskit tree, as one more "
                             "contender (e.g. an earlier commit: git archive REV src | tar -x)")
    args = parser.parse_args()
    for src in args.compare_with:
        FACTORIES[f"statuskit at {src}"] = other_tree(src)
    loops = ["asyncio", "uvloop"] if args.loop == "both" else [args.loop]
    parsers = ["httptools", "h11"] if args.parser == "both" else [args.parser]
    statuses_ = list(APPS) if args.app == "both" else [args.app]
    modes = (["one by one", "pipelined", "one per connection"] if args.requests == "all"
             else [args.requests.replace("-", " ")])
    names = list(FACTORIES)
    labels = {"stock": "stock", "statuskit": "statuskit", "statuskit, hygiene on": "hygiene on"}
    for number, src in enumerate(args.compare_with, 1):
        labels[f"statuskit at {src}"] = f"tree {number}"
        print(f"tree {number}: statuskit's protocol from {src}")
    print(f"thread CPU µs per request, best of {args.rounds} batches of {args.batch} "
          f"on a fresh connection; each contender in its own process, taking turns; "
          f"+µs and ratio: statuskit against stock")
    print(f"{'loop':8s} {'parser':10s} {'app':4s} {'requests':18s} "
          + " ".join(f"{labels[name]:>10s}" for name in names) + f" {'+µs':>6s} {'ratio':>6s}")
    for loop_name in loops:
        for parser_name in parsers:
            for status in statuses_:
                for mode in modes:
                    best = measure(parser_name, status, mode, loop_name, args)
                    base, served = best[names[0]], best[names[1]]
                    print(f"{loop_name:8s} {parser_name:10s} {status:4s} {mode:18s} "
                          + " ".join(f"{best[name]:10.2f}" for name in names)
                          + f" {served - base:+6.2f} {base / served:6.1%}", flush=True)

if __name__ == "__main__":
    main()
