"""statuskit's client beside urllib3's Retry, httpx-retries, stamina and tenacity
on the same loopback scenarios, each peer set up as its documentation shows. The
README's side-by-side table states only what these tests show: ``OUTCOMES`` is
that table. Sleeps are recorded, not slept (``time.sleep`` is what all four
peers sleep with)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import httpx_retries
import pytest
import stamina
import tenacity
import urllib3
from rawserver import Answer, Request, raw_server, response
from scripted import Script

from statuskit.client import RecordedWaits, RetryTransport
from statuskit.http import format_http_date

Server = tuple[str, Script]
PEERS = ["statuskit", "urllib3", "httpx-retries", "stamina", "tenacity"]


@dataclass
class Call:
    """One request a peer is asked to make, and what it did."""

    method: str = "GET"
    body: Callable[[], Any] | None = None  # made fresh for each peer
    headers: dict[str, str] = field(default_factory=dict)
    waits: list[float] = field(default_factory=list)


def outcome(send: Callable[[], Any]) -> str:
    try:
        return str(send())
    except Exception as error:  # the peer's own answer to the scenario
        return f"raises {type(error).__name__}"


# -- the peers, as their documentation sets them up (3 attempts in all) --------------------

def with_statuskit(url: str, call: Call) -> str:
    waits = RecordedWaits(call.waits)
    with httpx.Client(transport=RetryTransport(sleep=waits.sleep)) as client:
        return outcome(lambda: client.request(call.method, url, headers=call.headers,
                                              content=_body(call)).status_code)


def with_urllib3(url: str, call: Call) -> str:
    retry = urllib3.Retry(total=2, status_forcelist=[429, 502, 503, 504], backoff_factor=0.5,
                          raise_on_status=False)
    with urllib3.PoolManager(retries=retry) as pool:
        return outcome(lambda: pool.request(call.method, url, body=_body(call),
                                            headers=call.headers).status)


def with_httpx_retries(url: str, call: Call) -> str:
    retry = httpx_retries.Retry(total=2, backoff_factor=0.5)
    with httpx.Client(transport=httpx_retries.RetryTransport(retry=retry)) as client:
        return outcome(lambda: client.request(call.method, url, headers=call.headers,
                                              content=_body(call)).status_code)


def with_stamina(url: str, call: Call) -> str:
    body = _body(call)  # the caller's body, handed to each try as it would be
    with httpx.Client() as client:
        @stamina.retry(on=httpx.HTTPError, attempts=3)
        def send() -> int:
            return client.request(call.method, url, headers=call.headers,
                                  content=body).raise_for_status().status_code
        return outcome(send)


def with_tenacity(url: str, call: Call) -> str:
    body = _body(call)
    with httpx.Client() as client:
        @tenacity.retry(retry=tenacity.retry_if_exception_type(httpx.HTTPError),
                        stop=tenacity.stop_after_attempt(3),
                        wait=tenacity.wait_random_exponential(multiplier=0.5, max=20),
                        reraise=True)
        def send() -> int:
            return client.request(call.method, url, headers=call.headers,
                                  content=body).raise_for_status().status_code
        return outcome(send)


RUN: dict[str, Callable[[str, Call], str]] = {
    "statuskit": with_statuskit, "urllib3": with_urllib3, "httpx-retries": with_httpx_retries,
    "stamina": with_stamina, "tenacity": with_tenacity}


def _body(call: Call) -> Any:
    return call.body() if call.body is not None else None


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    return slept


# -- the scenarios ---------------------------------------------------------------------

def _skewed() -> tuple[int, dict[str, str], bytes]:
    date = time.time() - 3600  # the server's clock is an hour behind
    return 503, {"Date": format_http_date(date), "Retry-After": format_http_date(date + 3)}, b""


def _generator() -> Iterator[bytes]:
    yield b"the only copy"


SCENARIOS: dict[str, tuple[Callable[[], list[Any]], Call]] = {
    "Retry-After HTTP-date, server clock 1 h behind": (lambda: [_skewed(), 200], Call()),
    "Retry-After: soon-ish": (lambda: [(503, {"Retry-After": "soon-ish"}, b""), 200], Call()),
    "Retry-After: 45": (lambda: [(503, {"Retry-After": "45"}, b""), 200], Call()),
    "Retry-After: 3600": (lambda: [(503, {"Retry-After": "3600"}, b""), 200], Call()),
    "PUT with a generator body, then 503": (lambda: [503, 201],
                                            Call("PUT", body=_generator)),
    "POST, then 503": (lambda: [503, 201], Call("POST", body=lambda: b"order")),
    "POST with Idempotency-Key, then 503": (
        lambda: [503, 201], Call("POST", body=lambda: b"order",
                                 headers={"Idempotency-Key": "k-1"})),
}


def described(scenario: str, result: str, script: Script, path: str, call: Call,
              slept: list[float]) -> str:
    """The cell of the table: what came back, how often the server was asked, and
    the first wait (or what the server stored)."""
    waits = call.waits or slept
    tries = script.count(path)
    if scenario.startswith("PUT"):
        stored = [len(body) for _, body in script.seen[path]]
        return f"{result}; bodies stored {stored}"
    return f"{result}; {tries} tries{_first_wait(waits) if tries > 1 else ''}"


def _first_wait(waits: list[float]) -> str:
    if not waits:
        return "; no wait"
    # A backoff's jitter differs from run to run; a Retry-After honoured does not.
    return "; backoff only" if waits[0] < 2.5 else f"; first wait {int(waits[0])} s"


OUTCOMES: dict[str, dict[str, str | tuple[str, ...]]] = {
    "Retry-After HTTP-date, server clock 1 h behind": {
        "statuskit": "200; 2 tries; first wait 3 s",  # RFC 9110 §10.2.3: against its Date
        "urllib3": "200; 2 tries; no wait",  # against the local clock
        "httpx-retries": "200; 2 tries; backoff only",  # local clock: past, so backoff
        "stamina": "200; 2 tries; backoff only",  # Retry-After not read
        "tenacity": "200; 2 tries; backoff only",
    },
    "Retry-After: soon-ish": {
        "statuskit": "200; 2 tries; backoff only",  # invalid: ignored
        "urllib3": "raises InvalidHeader; 1 tries",
        "httpx-retries": "200; 2 tries; backoff only",  # logged
        "stamina": "200; 2 tries; backoff only",
        "tenacity": "200; 2 tries; backoff only",
    },
    "Retry-After: 45": {
        "statuskit": "200; 2 tries; first wait 45 s",
        "urllib3": "200; 2 tries; first wait 45 s",
        "httpx-retries": "200; 2 tries; first wait 45 s",
        "stamina": "200; 2 tries; backoff only",  # back within a second or two
        "tenacity": "200; 2 tries; backoff only",
    },
    "Retry-After: 3600": {
        "statuskit": "raises RetryAfterTooLong; 1 tries",  # at once, with the value
        "urllib3": "200; 2 tries; first wait 3600 s",
        "httpx-retries": "200; 2 tries; first wait 120 s",  # max_backoff_wait
        "stamina": "200; 2 tries; backoff only",
        "tenacity": "200; 2 tries; backoff only",
    },
    "PUT with a generator body, then 503": {
        "statuskit": "503; bodies stored [13]",  # never sent twice
        "urllib3": "201; bodies stored [13, 0]",  # the spent generator, sent again
        # httpx refuses the spent generator while the second try is on the wire:
        # the server may see that try broken off (an empty body) or not at all.
        "httpx-retries": ("raises StreamConsumed; bodies stored [13]",
                          "raises StreamConsumed; bodies stored [13, 0]"),
        "stamina": "201; bodies stored [13, 0]",
        "tenacity": "201; bodies stored [13, 0]",
    },
    "POST, then 503": {
        "statuskit": "503; 1 tries",  # it may have been acted on
        "urllib3": "503; 1 tries",
        "httpx-retries": "503; 1 tries",
        "stamina": "201; 2 tries; backoff only",  # repeated: no method rule
        "tenacity": "201; 2 tries; backoff only",
    },
    "POST with Idempotency-Key, then 503": {
        "statuskit": "201; 2 tries; backoff only",
        "urllib3": "503; 1 tries",  # POST is outside its allowed_methods
        "httpx-retries": "503; 1 tries",
        "stamina": "201; 2 tries; backoff only",
        "tenacity": "201; 2 tries; backoff only",
    },
}


@pytest.mark.parametrize("peer", PEERS)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_side_by_side(server: Server, sleeps: list[float], scenario: str, peer: str) -> None:
    base, script = server
    answers, template = SCENARIOS[scenario]
    path = f"/peer-{abs(hash(scenario))}-{peer}"
    script.on(path, *answers())
    call = Call(template.method, template.body, dict(template.headers))
    result = RUN[peer](base + path, call)
    expected = OUTCOMES[scenario][peer]
    cell = described(scenario, result, script, path, call, sleeps)
    assert cell in (expected if isinstance(expected, tuple) else (expected,))


@pytest.mark.parametrize("peer", PEERS)
def test_side_by_side_origin_failing_everything(server: Server, sleeps: list[float],
                                                 peer: str) -> None:
    base, script = server
    path = f"/peer-storm-{peer}"
    script.on(path, 503)
    counts = []
    if peer == "statuskit":  # one client, as an application keeps one
        with httpx.Client(transport=RetryTransport(sleep=RecordedWaits().sleep)) as client:
            for _ in range(4):
                before = script.count(path)
                client.get(base + path)
                counts.append(script.count(path) - before)
    else:
        for _ in range(4):
            before = script.count(path)
            RUN[peer](base + path, Call())
            counts.append(script.count(path) - before)
    # No peer has a budget: every request triples the load of a failing origin.
    assert counts == ([3, 2, 1, 1] if peer == "statuskit" else [3, 3, 3, 3])


BODY = random.Random(3).randbytes(100_000)
BROKEN = {
    "statuskit": "200, whole; 60000 more bytes sent",  # Range from byte 40000
    "urllib3": "200, whole; 100000 more bytes sent",  # its read retries start over
    "httpx-retries": "raises RemoteProtocolError; 0 more bytes sent",
    "stamina": "200, whole; 100000 more bytes sent",  # downloaded again
    "tenacity": "200, whole; 100000 more bytes sent",
}


@pytest.mark.parametrize("peer", PEERS)
def test_side_by_side_a_get_whose_body_breaks_at_40_percent(sleeps: list[float],
                                                            peer: str) -> None:
    fields = {"ETag": '"v1"', "Accept-Ranges": "bytes"}

    def handle(request: Request) -> Answer:
        if request.number == 1:
            return response("200 OK", fields, BODY, send=40_000)
        ranged = request.headers.get("range")
        if ranged is not None and request.headers.get("if-range") == '"v1"':
            first = int(ranged[len("bytes="):-1])
            return response("206 Partial Content",
                            {**fields, "Content-Range": f"bytes {first}-99999/100000"},
                            BODY[first:])
        return response("200 OK", fields, BODY)

    got: list[bytes] = []

    def fetch(url: str, call: Call) -> str:
        if peer == "urllib3":
            retry = urllib3.Retry(total=2, backoff_factor=0.5)
            with urllib3.PoolManager(retries=retry) as pool:
                got.append(pool.request("GET", url).data)
            return "200"
        client: Any
        if peer == "statuskit":
            client = httpx.Client(transport=RetryTransport(sleep=RecordedWaits().sleep))
        elif peer == "httpx-retries":
            client = httpx.Client(transport=httpx_retries.RetryTransport(
                retry=httpx_retries.Retry(total=2, backoff_factor=0.5)))
        else:
            client = httpx.Client()
        send = lambda: got.append(client.get(url).raise_for_status().content)  # noqa: E731
        if peer == "stamina":
            send = stamina.retry(on=httpx.HTTPError, attempts=3)(send)
        elif peer == "tenacity":
            send = tenacity.retry(retry=tenacity.retry_if_exception_type(httpx.HTTPError),
                                  stop=tenacity.stop_after_attempt(3), reraise=True)(send)
        with client:
            send()
        return "200"

    with raw_server(handle) as (base, server):
        result = outcome(lambda: fetch(base + "/file", Call()))
    whole = ", whole" if got and got[-1] == BODY else ""
    # Body bytes sent after the first response's 40 kB (heads are under 1 kB each).
    more = sum(server.sent_per_request[1:])
    more_body = round(more / 10_000) * 10_000
    assert f"{result}{whole}; {more_body} more bytes sent" == BROKEN[peer]
