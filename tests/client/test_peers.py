"""statuskit's client beside urllib3's Retry on the same loopback scenarios: the
README's side-by-side table states only what these tests show. urllib3 is
installed with requests; its sleeps are recorded, not slept."""

from __future__ import annotations

import time
import types
from collections.abc import Iterator

import httpx
import pytest
import urllib3
import urllib3.util.retry
from scripted import Script

from statuskit.client import RecordedWaits, RetryAfterTooLong, RetryTransport
from statuskit.http import format_http_date

Server = tuple[str, Script]


@pytest.fixture
def urllib3_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """urllib3's Retry sleeps through ``time.sleep`` of its own module: swap that
    module's ``time`` for one that records."""
    slept: list[float] = []
    fake = types.SimpleNamespace(sleep=slept.append, time=time.time, monotonic=time.monotonic)
    monkeypatch.setattr(urllib3.util.retry, "time", fake)
    return slept


def urllib3_get(url: str, method: str = "GET", **kwargs: object) -> urllib3.BaseHTTPResponse:
    retry = urllib3.Retry(total=2, status_forcelist=[429, 503], backoff_factor=0,
                          raise_on_status=False)
    with urllib3.PoolManager(retries=retry) as pool:
        return pool.request(method, url, **kwargs)  # type: ignore[arg-type]


def statuskit_client(base: str, waits: RecordedWaits, **kwargs: object) -> httpx.Client:
    return httpx.Client(base_url=base, transport=RetryTransport(sleep=waits.sleep, **kwargs))  # type: ignore[arg-type]


def test_skewed_server_clock(server: Server, urllib3_sleeps: list[float]) -> None:
    base, script = server
    date = time.time() - 3600  # the server's clock is an hour behind
    answer = (503, {"Date": format_http_date(date), "Retry-After": format_http_date(date + 3)},
              b"")
    script.on("/peer-skew-u", answer, 200)
    script.on("/peer-skew-s", answer, 200)
    assert urllib3_get(base + "/peer-skew-u").status == 200
    waits = RecordedWaits()
    with statuskit_client(base, waits) as c:
        assert c.get("/peer-skew-s").status_code == 200
    assert sum(urllib3_sleeps) == 0  # urllib3 reads the date against the local clock
    assert 3 <= waits.waits[0] <= 3.5  # RFC 9110 §10.2.3: against the response's Date


def test_malformed_retry_after(server: Server, urllib3_sleeps: list[float]) -> None:
    base, script = server
    script.on("/peer-bad-u", (503, {"Retry-After": "soon-ish"}, b""), 200)
    script.on("/peer-bad-s", (503, {"Retry-After": "soon-ish"}, b""), 200)
    with pytest.raises(urllib3.exceptions.InvalidHeader):
        urllib3_get(base + "/peer-bad-u")
    with statuskit_client(base, RecordedWaits()) as c:
        assert c.get("/peer-bad-s").status_code == 200  # invalid: ignored, backoff instead


def test_hour_long_retry_after(server: Server, urllib3_sleeps: list[float]) -> None:
    base, script = server
    script.on("/peer-hour-u", (503, {"Retry-After": "3600"}, b""), 200)
    script.on("/peer-hour-s", (503, {"Retry-After": "3600"}, b""), 200)
    assert urllib3_get(base + "/peer-hour-u").status == 200
    assert urllib3_sleeps == [3600]  # under its 6 h retry_after_max: slept in full
    with statuskit_client(base, RecordedWaits()) as c, pytest.raises(RetryAfterTooLong):
        c.get("/peer-hour-s")  # past max_retry_after (60 s): fails fast with the value
    assert script.count("/peer-hour-s") == 1


def test_generator_body(server: Server, urllib3_sleeps: list[float]) -> None:
    base, script = server
    script.on("/peer-gen-u", 503, 201)
    script.on("/peer-gen-s", 503, 201)

    def chunks() -> Iterator[bytes]:
        yield b"the only copy"

    assert urllib3_get(base + "/peer-gen-u", "PUT", body=chunks()).status == 201
    # urllib3 sent the spent generator again: the server stored an empty body.
    assert [body for _, body in script.seen["/peer-gen-u"]] == [b"the only copy", b""]
    with statuskit_client(base, RecordedWaits()) as c:
        assert c.put("/peer-gen-s", content=chunks()).status_code == 503
    assert [body for _, body in script.seen["/peer-gen-s"]] == [b"the only copy"]


def test_post_with_idempotency_key(server: Server, urllib3_sleeps: list[float]) -> None:
    base, script = server
    script.on("/peer-key-u", 503, 201)
    script.on("/peer-key-s", 503, 201)
    key = {"Idempotency-Key": "k-1"}
    assert urllib3_get(base + "/peer-key-u", "POST", body=b"x", headers=key).status == 503
    with statuskit_client(base, RecordedWaits()) as c:
        assert c.post("/peer-key-s", content=b"x", headers=key).status_code == 201
    assert script.count("/peer-key-u") == 1  # POST is outside urllib3's allowed_methods
    assert script.count("/peer-key-s") == 2


def test_origin_failing_everything(server: Server, urllib3_sleeps: list[float]) -> None:
    base, script = server
    script.on("/peer-storm-u", 503)
    script.on("/peer-storm-s", 503)
    urllib3_counts, statuskit_counts = [], []
    with statuskit_client(base, RecordedWaits()) as c:  # defaults
        for _ in range(4):
            before = script.count("/peer-storm-u")
            urllib3_get(base + "/peer-storm-u")
            urllib3_counts.append(script.count("/peer-storm-u") - before)
            before = script.count("/peer-storm-s")
            c.get("/peer-storm-s")
            statuskit_counts.append(script.count("/peer-storm-s") - before)
    assert urllib3_counts == [3, 3, 3, 3]  # no budget: every request triples the load
    assert statuskit_counts == [3, 2, 1, 1]  # the budget, spent: fail fast
