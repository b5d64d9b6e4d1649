"""Findings and rules with no server to check: grouping, passive rules on a recorded
exchange, and reproducers proven by running them (bash, printf and curl) against a
socket that records every byte it receives."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator

import pytest

from statuskit.check import Exchange, Instance, Level, Reproducer
from statuskit.check.findings import group
from statuskit.check.rules import PASSIVE, RULES, Problem, passive_problems, status_rule

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


def exchange(status: int, headers: dict[str, str] | None = None, body: bytes = b"",
             method: str = "GET") -> Exchange:
    return Exchange(method, "http://127.0.0.1:8000/x", [("Host", "127.0.0.1:8000")], status,
                    "", list((headers or {}).items()), body)


def test_passive_rules_judge_a_recorded_exchange_alone() -> None:
    seen = exchange(405, body=b"no")
    assert [(p.rule.id, p.cause) for p in passive_problems(seen)] == [
        ("allow-on-405", "405 without Allow")]
    content = passive_problems(exchange(204, {"Content-Length": "2"}, b"hi"))
    assert [p.rule.id for p in content] == ["no-length-on-204", "no-content"]
    assert passive_problems(exchange(200, {"Allow": "GET"}, b"ok")) == []
    assert all(rule.passive for rule in PASSIVE)
    assert not status_rule(404).passive and status_rule(404).judge(seen) is None


def test_every_rule_has_an_id_of_its_own_a_level_and_a_source() -> None:
    assert len(RULES) == len({r.id for r in RULES.values()})
    for rule in RULES.values():
        assert rule.id and rule.cite and rule.text and rule.level in Level


def test_one_rule_and_cause_is_one_finding_whatever_checks_saw_it() -> None:
    allow = RULES["allow-on-405"]
    pairs = [(Problem(allow, "405 without Allow"), Instance("405")),
             (Problem(status_rule(406), "answered 200, expected 406"), Instance("406")),
             (Problem(allow, "405 without Allow"), Instance("204")),
             (Problem(allow, "405 without Allow"), Instance("204")),  # the same instance again
             (Problem(allow, "405 without Allow"), Instance("405", "DELETE /items/{id}"))]
    found = group(pairs)
    assert [(f.rule.id, [i.where for i in f.instances]) for f in found] == [
        ("allow-on-405", ["405", "204", "405 DELETE /items/{id}"]),
        ("not-acceptable-406", ["406"])]  # the stronger level first


def test_a_finding_reproduces_with_its_shortest_curl_line() -> None:
    long = Reproducer.of(b"GET /a/long/path HTTP/1.1\r\nHost: h\r\n\r\n", "http://h/a/long/path")
    short = Reproducer.of(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", "http://h/")
    raw = Reproducer.of(b"GET / HTTP/1.1\nHost: h\n\n", "http://h/")
    assert long and short and raw and raw.needs_raw and not short.needs_raw
    found = group([(Problem(status_rule(404), "c"), Instance(check, reproducer=r))
                   for check, r in (("a", raw), ("b", long), ("c", short))])
    assert found[0].reproducer == short


class Recorder:
    """A socket that keeps every byte of each connection and answers once it has all of
    the request: ``expect`` bytes when set, else a head and its Content-Length."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.server.settimeout(0.1)
        self.port: int = self.server.getsockname()[1]
        self.received: list[bytes] = []
        self.expect: int | None = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _complete(self, data: bytes) -> bool:
        if self.expect is not None:
            return len(data) >= self.expect
        head, end, content = data.partition(b"\r\n\r\n")
        if not end:
            return False
        length = [line.split(b":", 1)[1] for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:")]
        return len(content) >= (int(length[0]) if length else 0)

    def _serve(self) -> None:
        while not self.done.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                data = b""
                with contextlib.suppress(TimeoutError):
                    while not self._complete(data) and (chunk := conn.recv(65536)):
                        data += chunk
                self.received.append(data)
                conn.sendall(ANSWER)

    def close(self) -> None:
        self.done.set()
        self.thread.join(5)
        self.server.close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    try:
        yield server
    finally:
        server.close()


def _run(command: str) -> bytes:
    return subprocess.run(["bash", "-c", command], capture_output=True, timeout=30).stdout


needs_curl = pytest.mark.skipif(shutil.which("curl") is None or shutil.which("bash") is None,
                                reason="curl and bash run the reproducers")

RAW_REQUESTS = [
    b"GET / HTTP/1.1\nHost: {a}\n\n",  # bare LF
    b"POST / HTTP/1.1\r\nHost: {a}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"0\r\n\r\nHEAD / HTTP/1.1\r\nHost: {a}\r\n\r\n",  # CL+TE, then a second request
    b"GET / HTTP/1.1\r\nHost: {a}\r\nX-F: first\r\n second\r\n\r\n",  # obs-fold
    b"GET / HTTP/3.0\r\nHost: {a}\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: {a}\r\nHost: other.invalid\r\n\r\n",
    b"POST /%41?q='x\"y\\z' HTTP/1.1\r\nHost: {a}\r\nContent-Length: 1000000000000\r\n\r\n",
    b"GET /?q=" + b"a" * 70000 + b" HTTP/1.0\r\nHost: {a}\r\nX-Bytes: \xff\x00\x7f\r\n\r\n",
]


@needs_curl
@pytest.mark.parametrize("raw", RAW_REQUESTS)
def test_a_raw_reproducer_sends_exactly_the_bytes(recorder: Recorder, raw: bytes) -> None:
    port, received = recorder.port, recorder.received
    raw = raw.replace(b"{a}", f"127.0.0.1:{port}".encode())
    recorder.expect = len(raw)
    reproducer = Reproducer.of(raw, f"http://127.0.0.1:{port}/")
    assert reproducer is not None and reproducer.raw == raw
    assert len(reproducer.command) < 600  # long runs are sent as a count
    assert _run(reproducer.command) == ANSWER
    assert received == [raw]


@needs_curl
@pytest.mark.parametrize(("raw", "sent"), [
    (b"GET / HTTP/1.1\r\nHost: {a}\r\nIf-Match: \"it's\"\r\n\r\n",
     [b"GET / HTTP/1.1", b"If-Match: \"it's\""]),
    (b"BREW /pot HTTP/1.1\r\nHost: {a}\r\n\r\n", [b"BREW /pot HTTP/1.1"]),
    (b"GET / HTTP/1.1\r\nUser-Agent: statuskit-check\r\n\r\n", [b"GET / HTTP/1.1"]),  # no Host
    (b"PUT /n HTTP/1.1\r\nHost: {a}\r\nContent-Length: 9\r\n\r\n{\"a\": 1}\n",
     [b"PUT /n HTTP/1.1", b"Content-Length: 9", b"{\"a\": 1}\n"]),
    (b"GET /?q=" + b"b" * 65536 + b" HTTP/1.1\r\nHost: {a}\r\n\r\n",
     [b"GET /?q=" + b"b" * 65536 + b" HTTP/1.1"]),
])
def test_a_curl_reproducer_sends_the_same_request(recorder: Recorder, raw: bytes,
                                                  sent: list[bytes]) -> None:
    port, received = recorder.port, recorder.received
    raw = raw.replace(b"{a}", f"127.0.0.1:{port}".encode())
    reproducer = Reproducer.of(raw, f"http://127.0.0.1:{port}/")
    assert reproducer is not None and "curl -i " in reproducer.command
    assert not reproducer.raw and "telnet" not in reproducer.command
    _run(reproducer.command.replace("curl -i ", "curl -s --max-time 5 ", 1))
    (got,) = received
    for part in sent:
        assert part in got, (part, got[:200])
    if b"\r\nHost:" not in raw:
        assert b"\r\nHost:" not in got  # curl left it out, as the request did
