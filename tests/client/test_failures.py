"""Every adapter under real failures on loopback: nothing leaks, broken answers are
retried, hopeless ones are not, and the history reaches the caller."""

from __future__ import annotations

import gc
import math
import os
import pickle
from collections.abc import Iterator, MutableSequence, Sequence
from typing import Any

import httpx
import httpx2
import pytest
import requests
from runners import ADAPTERS, WITH_HTTPX2, runner
from scripted import Script

from statuskit.client import (
    ATTEMPTS,
    Attempt,
    InsecureRedirect,
    RecordedWaits,
    RetryAfterTooLong,
    RetryBudget,
    RetryTransport,
    attempts_of,
)
from statuskit.client.httpx2 import RetryTransport as RetryTransport2

Server = tuple[str, Script]
TLSServer = tuple[str, Script, str]
ONE = httpx.Limits(max_connections=1, max_keepalive_connections=1)


@pytest.mark.parametrize("adapter", WITH_HTTPX2)
def test_pool_of_one_survives_100_refused_retry_afters_then_serves_a_success(
        server: Server, adapter: str) -> None:
    base, script = server
    slow, fine = f"/leak-{adapter}", f"/leak-ok-{adapter}"
    script.on(slow, (503, {"Retry-After": "3600"}, b'{"busy": true}'))
    script.on(fine, (200, {}, b"fine"))
    client = runner(adapter, base, limits=ONE)
    try:
        for _ in range(100):
            with pytest.raises(RetryAfterTooLong) as too_long:
                client.send("GET", slow)
            assert too_long.value.retry_after == 3600
            assert too_long.value.response.status_code == 503
        response = client.send("GET", fine)  # a leaked connection: PoolTimeout, or a new one
    finally:
        client.close()
    # Read for the caller before the connection went back (looked at only now: reading
    # it here would free a leaked connection and hide the leak).
    assert too_long.value.response.content == b'{"busy": true}'
    assert response.status_code == 200
    assert response.content == b"fine"
    assert script.count(slow) == 100
    assert script.connections(slow, fine) == 1  # every answer handed its connection back


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_pool_of_one_survives_refused_insecure_redirects_then_serves_a_success(
        tls_server: TLSServer, server: Server, adapter: str) -> None:
    base, script, cert = tls_server
    plain, _ = server
    path, fine = f"/downgrade-{adapter}", f"/downgrade-ok-{adapter}"
    script.on(path, (302, {"Location": plain + "/echo"}, b"moved"))
    script.on(fine, (200, {}, b"fine"))
    client = runner(adapter, base, limits=ONE, verify=cert)
    try:
        for _ in range(25):  # with one connection, the first leak would starve the second
            with pytest.raises(InsecureRedirect):
                client.send("GET", path, follow=True)
        response = client.send("GET", fine)
    finally:
        client.close()
    assert response.status_code == 200
    assert script.count(path) == 25
    assert script.connections(path, fine) == 1


@pytest.mark.parametrize("adapter", WITH_HTTPX2)
def test_503_whose_body_breaks_is_retried_to_200(server: Server, adapter: str) -> None:
    base, script = server
    path = f"/broken-503-{adapter}"
    script.on(path, (503, {"X-Break": "1"}, b"half a bo"), (200, {}, b"whole"))
    client = runner(adapter, base)
    try:
        response = client.send("GET", path)
    finally:
        client.close()
    assert response.status_code == 200
    assert response.content == b"whole"
    assert script.count(path) == 2
    assert [a.status for a in attempts_of(response)] == [503, 200]


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_read_timeout_on_a_get_is_retried(server: Server, adapter: str) -> None:
    base, script = server
    path = f"/slow-get-{adapter}"
    script.on(path, (200, {"X-Delay": "3"}, b"late"), (200, {}, b"prompt"))
    client = runner(adapter, base)
    try:
        response = client.send("GET", path, read_timeout=1.0)
    finally:
        client.close()
    assert response.content == b"prompt"
    first = attempts_of(response)[0]
    assert first.status is None
    assert first.error is not None and "Timeout" in first.error
    assert first.decision.startswith("retry after")


@pytest.mark.parametrize("adapter", ["httpx", "requests"])
def test_read_timeout_on_a_post_is_raised_with_its_history(server: Server, adapter: str) -> None:
    base, script = server
    path = f"/slow-post-{adapter}"
    script.on(path, (201, {"X-Delay": "3"}, b""))
    client = runner(adapter, base)
    try:
        with pytest.raises((httpx.ReadTimeout, requests.ReadTimeout)) as timed_out:
            client.send("POST", path, body=b"once", read_timeout=1.0)
    finally:
        client.close()
    assert script.count(path) == 1  # it may have been acted on: never sent twice
    (attempt,) = getattr(timed_out.value, ATTEMPTS)
    assert attempt.url.endswith(path)
    assert "not idempotent" in attempt.decision
    assert any("statuskit attempts" in note for note in timed_out.value.__notes__)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_failed_certificate_is_not_retried_even_for_get(tls_server: TLSServer,
                                                        adapter: str) -> None:
    base, script, _ = tls_server
    waits = RecordedWaits()
    client = runner(adapter, base, waits)  # the self-signed certificate is not trusted
    try:
        for method in ("GET", "POST"):
            with pytest.raises((httpx.ConnectError, requests.exceptions.SSLError)) as refused:
                client.send(method, "/never-reached", body=b"x" if method == "POST" else None)
            (attempt,) = getattr(refused.value, ATTEMPTS)
            assert attempt.decision == "repeating cannot help"
    finally:
        client.close()
    assert waits.waits == []
    assert script.count("/never-reached") == 0


@pytest.mark.parametrize("adapter", ["httpx", "httpx-async"])
def test_unsupported_scheme_is_not_retried(adapter: str) -> None:
    waits = RecordedWaits()
    client = runner(adapter, "ftp://127.0.0.1:1", waits)
    try:
        with pytest.raises(httpx.UnsupportedProtocol) as refused:
            client.send("GET", "/file")
    finally:
        client.close()
    assert waits.waits == []
    assert [a.decision for a in getattr(refused.value, ATTEMPTS)] == ["repeating cannot help"]


@pytest.mark.parametrize("adapter", WITH_HTTPX2)
def test_refused_connection_is_retried_then_raised_with_the_history(adapter: str) -> None:
    from support.servers import free_port

    waits = RecordedWaits()
    client = runner(adapter, f"http://127.0.0.1:{free_port()}", waits)
    try:
        with pytest.raises((httpx.ConnectError, httpx2.ConnectError,
                            requests.ConnectionError)) as refused:
            client.send("POST", "/", body=b"x")  # refused before sending: even a POST
    finally:
        client.close()
    attempts = getattr(refused.value, ATTEMPTS)
    assert len(waits.waits) == 2
    assert [a.wait for a in attempts[:2]] == waits.waits
    assert [a.status for a in attempts] == [None, None, None]
    assert all(a.method == "POST" and a.error for a in attempts)


def test_retried_responses_are_drained_so_one_connection_serves_every_attempt(
        server: Server) -> None:
    base, script = server
    for adapter in ADAPTERS:
        path = f"/drain-{adapter}"
        script.on(path, (503, {}, b"x" * 2000))
        client = runner(adapter, base, budget=RetryBudget(max_tokens=math.inf))
        try:
            for _ in range(5):
                assert client.send("GET", path).status_code == 503
        finally:
            client.close()
        assert script.count(path) == 15
        assert script.connections(path) == 1, adapter  # closed, not drained: 11 (urllib3: 1)


def test_body_larger_than_the_drain_limit_drops_its_connection_instead(server: Server) -> None:
    base, script = server
    script.on("/drain-big", (503, {}, os.urandom(200_000)), (200, {}, b"ok"))
    with httpx.Client(base_url=base,
                      transport=RetryTransport(sleep=RecordedWaits().sleep)) as client:
        response = client.get("/drain-big")
    assert response.content == b"ok"
    assert script.connections("/drain-big") == 2  # 200 kB not read just to keep a socket


@pytest.mark.parametrize("adapter", WITH_HTTPX2)
def test_a_retry_that_succeeds_but_whose_body_breaks_raises_with_the_history(
        server: Server, adapter: str) -> None:
    base, script = server
    path = f"/retried-then-broken-{adapter}"
    # No Accept-Ranges: nothing to resume, so the break reaches the caller.
    script.on(path, 503, (200, {"X-Break": "1"}, b"half a bo"))
    client = runner(adapter, base)
    try:
        with pytest.raises(Exception, match=r"(?i)peer closed|incomplete|connection") as broken:
            client.send("GET", path)
    finally:
        client.close()
    assert [a.status for a in attempts_of(broken.value)] == [503, 200]
    assert any("statuskit attempts" in note for note in broken.value.__notes__)
    assert script.count(path) == 2


@pytest.mark.parametrize("adapter", ["httpx", "httpx-async", "httpx2", "httpx2-async"])
def test_a_first_try_success_keeps_its_history_as_a_read_only_sequence(
        server: Server, adapter: str) -> None:
    # Built when read (the fast path makes no list, no URL string): the same
    # attempt a list held, and nothing a caller could append to.
    base, script = server
    path = f"/first-try-history-{adapter}"
    script.on(path, (200, {}, b"ok"))
    client = runner(adapter, base)
    try:
        response = client.send("GET", path)
    finally:
        client.close()
    assert (response.status_code, response.content) == (200, b"ok")
    history = response.extensions[ATTEMPTS]
    assert isinstance(history, Sequence) and not isinstance(history, MutableSequence)
    (attempt,) = history
    assert (attempt.number, attempt.status, attempt.error, attempt.decision, attempt.wait) == (
        1, 200, None, "done", None)
    assert (attempt.url, attempt.method) == (f"{base}{path}", "GET")
    assert 0 <= attempt.elapsed < 10
    assert len(history) == 1 and history[0] is history[-1] is attempt
    assert history == attempts_of(response) == [attempt] and history[:1] == [attempt]
    with pytest.raises(TypeError):
        history[0] = attempt  # type: ignore[index]
    with pytest.raises(TypeError):
        hash(history)  # as unhashable as the list it stands for
    assert pickle.loads(pickle.dumps(history)) == [attempt]  # the list, not the request
    assert script.count(path) == 1


@pytest.mark.parametrize("adapter", WITH_HTTPX2)
def test_on_attempt_hears_every_attempt_the_last_one_included(server: Server,
                                                              adapter: str) -> None:
    base, script = server
    path = f"/each-attempt-{adapter}"
    script.on(path, 502, 503, (200, {}, b"ok"))
    heard: list[Attempt] = []
    client = runner(adapter, base, on_attempt=heard.append)
    try:
        response = client.send("GET", path)
    finally:
        client.close()
    assert [(a.number, a.status, a.decision.split()[0]) for a in heard] == [
        (1, 502, "retry"), (2, 503, "retry"), (3, 200, "done")]
    assert heard == attempts_of(response)
    assert all(a.url.endswith(path) and a.method == "GET" for a in heard)
    assert [a.elapsed for a in heard] == sorted(a.elapsed for a in heard)


@pytest.mark.parametrize("hook", ["on_attempt", "on_retry"])
@pytest.mark.parametrize("adapter", WITH_HTTPX2)
def test_a_hook_that_raises_leaks_no_connection(server: Server, adapter: str,
                                                hook: str) -> None:
    base, script = server
    path, fine = f"/raising-{hook}-{adapter}", f"/raising-{hook}-ok-{adapter}"
    script.on(path, (503, {}, b"x" * 100))
    script.on(fine, (200, {}, b"fine"))

    def metrics(event: object) -> None:
        if getattr(event, "status", None) == 503:
            raise RuntimeError("the metrics backend is down")

    client = runner(adapter, base, limits=ONE, budget=RetryBudget(max_tokens=math.inf),
                    **{hook: metrics})
    try:
        for _ in range(10):
            with pytest.raises(RuntimeError, match="metrics backend"):
                client.send("GET", path)
        response = client.send("GET", fine)  # a leaked connection: PoolTimeout
    finally:
        client.close()
    assert response.status_code == 200
    assert script.count(path) == 10


# httpx 0.28's own connection pool leaves a cycle per request (bare, 40 objects);
# httpx2's and requests' leave none, so there any cycle would be statuskit's.
@pytest.mark.parametrize("adapter", ["httpx2", "httpx2-async", "requests"])
def test_a_response_handed_back_leaves_no_reference_cycle(server: Server, adapter: str) -> None:
    # A cycle per response (the body wrapper holding the response that holds it)
    # left every response to the cyclic collector: 125 collections in 3,000 GETs.
    base, script = server
    script.on("/acyclic", (200, {}, b"fine"))
    client = runner(adapter, base)
    try:
        client.send("GET", "/acyclic")  # the connection, the pool, the budget
        gc.collect()
        gc.disable()
        try:
            for _ in range(20):
                assert client.send("GET", "/acyclic").content == b"fine"
            assert gc.collect() == 0
        finally:
            gc.enable()
    finally:
        client.close()


@pytest.mark.parametrize("adapter", WITH_HTTPX2)
def test_a_hook_that_raises_on_a_first_try_success_leaks_no_connection(
        server: Server, adapter: str) -> None:
    # The success of a first try is the fast path: the hook still hears it, and
    # when it raises the response is closed, not left holding the pool's one slot.
    base, script = server
    path = f"/raising-on-success-{adapter}"
    script.on(path, (200, {}, b"y" * 100))
    heard: list[Attempt] = []

    def metrics(attempt: Attempt) -> None:
        heard.append(attempt)
        if len(heard) <= 10:
            raise RuntimeError("the metrics backend is down")

    client = runner(adapter, base, limits=ONE, on_attempt=metrics)
    try:
        for _ in range(10):
            with pytest.raises(RuntimeError, match="metrics backend"):
                client.send("GET", path)
        response = client.send("GET", path)  # a leaked connection: PoolTimeout
    finally:
        client.close()
    assert response.status_code == 200 and response.content == b"y" * 100
    assert [(a.number, a.status, a.decision) for a in heard] == [(1, 200, "done")] * 11
    assert script.count(path) == 11


@pytest.mark.parametrize("adapter", WITH_HTTPX2)
def test_a_first_try_whose_body_breaks_raises_with_its_one_attempt(
        server: Server, adapter: str) -> None:
    base, script = server
    path = f"/first-try-broken-{adapter}"
    script.on(path, (200, {"X-Break": "1"}, b"half a bo"))
    client = runner(adapter, base)
    try:
        with pytest.raises(Exception, match=r"(?i)peer closed|incomplete|connection") as broken:
            client.send("GET", path)
    finally:
        client.close()
    (attempt,) = attempts_of(broken.value)
    assert (attempt.number, attempt.status, attempt.decision) == (1, 200, "done")
    assert attempt.url.endswith(path) and attempt.method == "GET"
    assert any("statuskit attempts" in note for note in broken.value.__notes__)
    assert script.count(path) == 1


@pytest.mark.parametrize("adapter", ["httpx", "httpx-async", "httpx2", "httpx2-async"])
def test_a_first_try_body_that_breaks_raises_the_library_s_own_error_with_its_cause(
        server: Server, adapter: str) -> None:
    # The body of a first try reads the connection's stream itself (no mapping
    # context per response): a break still reaches the caller as the library's
    # RemoteProtocolError caused by httpcore's, as bare httpx raises it.
    base, script = server
    path = f"/first-try-mapped-{adapter}"
    script.on(path, (200, {"X-Break": "1"}, b"half a bo"))
    library = httpx2 if adapter.startswith("httpx2") else httpx
    client = runner(adapter, base)
    try:
        with pytest.raises(library.RemoteProtocolError) as broken:
            client.send("GET", path)
    finally:
        client.close()
    assert type(broken.value.__cause__).__module__.startswith("httpcore")
    (attempt,) = attempts_of(broken.value)
    assert (attempt.number, attempt.status, attempt.decision) == (1, 200, "done")
    assert script.count(path) == 1


@pytest.mark.parametrize("library", [httpx, httpx2])
def test_a_body_error_that_is_no_transport_error_reaches_the_caller_unchanged(
        library: Any) -> None:
    # Only the library's transport errors are breaks to resume or mark; a bug in
    # an inner transport's stream is not the network's and is not dressed as one.
    class Faulty(library.SyncByteStream):  # type: ignore[misc, name-defined]
        def __iter__(self) -> Iterator[bytes]:
            yield b"half"
            raise ValueError("the inner stream's own bug")

    def answer(request: Any) -> Any:
        return library.Response(200, headers={"content-length": "8"}, stream=Faulty())

    transport = (RetryTransport if library is httpx else RetryTransport2)(
        library.MockTransport(answer))
    with library.Client(transport=transport) as client, \
            pytest.raises(ValueError, match="own bug") as raised:
        client.get("http://faulty.test/")
    assert getattr(raised.value, ATTEMPTS, None) is None


@pytest.mark.parametrize("transport", [RetryTransport, RetryTransport2])
def test_the_installed_library_keeps_the_response_stream_the_body_reads_past(
        transport: Any) -> None:
    # Looked up by name (private to httpx): were one renamed, bodies would fall back
    # to one generator more per response, silently; this says so at once.
    library = transport.library
    assert library.ResponseStream is not None and library.AsyncResponseStream is not None
    assert callable(library.map_errors)
