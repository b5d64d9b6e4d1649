"""What the Guard's per-request path must keep, however fast it gets (issue 18).

Each test pins one check of ``_middleware``, ``_exchange`` or ``_fields`` that a
mutant (the check deleted or weakened) left unnoticed by the rest of the suite.
Over a real uvicorn where the wire shows the fault; in-process where uvicorn's own
protocol would hide it, since the Guard also stands in front of servers that do not
repair what an app gets wrong (its own ``check_content_length`` docstring).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from statuskit.guard import Guard, Quota
from support.apps import plain_app
from support.rawhttp import RawConnection, get, request

PROBLEM = "application/problem+json"

Message = dict[str, Any]


# -- an ASGI server of our own, for what uvicorn would repair on the app's behalf ------


class Recorded:
    """What the Guard handed to the server, and what the app was given."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.app_called = False

    @property
    def starts(self) -> list[Message]:
        return [m for m in self.sent if m["type"] == "http.response.start"]

    @property
    def status(self) -> int:
        (start,) = self.starts
        return int(start["status"])

    @property
    def content(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")

    def header(self, name: bytes) -> bytes | None:
        (start,) = self.starts
        values = [v for n, v in start.get("headers", ()) if n.lower() == name]
        return b", ".join(values) if values else None


def scope_for(method: str = "GET", path: str = "/", *, headers: list[tuple[bytes, bytes]]
              | None = None, version: str = "1.1", query: bytes = b"") -> Message:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": version,
        "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
        "root_path": "", "query_string": query, "headers": headers or [(b"host", b"t")],
        "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
    }


def run_guard(app: Any, scope: Message, *, chunks: list[Message] | None = None,
              stall: bool = False, **settings: Any) -> Recorded:
    """Call ``Guard(app)`` once; ``chunks`` are the request's body messages, after
    which receive() waits forever (``stall``) or reports a disconnect."""
    recorded = Recorded()
    pending = list(chunks or [{"type": "http.request", "body": b"", "more_body": False}])

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if stall:
            await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        recorded.sent.append(message)

    async def watched(scope: Message, receive: Any, send: Any) -> None:
        recorded.app_called = True
        await app(scope, receive, send)

    asyncio.run(Guard(watched, **settings)(scope, receive, send))
    return recorded


def app_sending(*messages: Message, then_raise: bool = False) -> Any:
    async def app(scope: Message, receive: Any, send: Any) -> None:
        for message in messages:
            await send(message)
        if then_raise:
            raise RuntimeError("failed after sending")

    return app


def start(status: int, *headers: tuple[bytes, bytes]) -> Message:
    return {"type": "http.response.start", "status": status, "headers": list(headers)}


def body(content: bytes, more: bool = False) -> Message:
    return {"type": "http.response.body", "body": content, "more_body": more}


def assert_problem(recorded: Recorded, status: int, *, content: bool = True) -> None:
    assert recorded.status == status
    assert recorded.header(b"content-type") == PROBLEM.encode()
    if content:
        assert b'"status":%d' % status in recorded.content.replace(b" ", b"")
    else:
        assert recorded.content == b""


# -- the head: RFC 9110 order ----------------------------------------------------------


def test_method_that_is_not_a_token_is_400_not_501():
    # RFC 9110 §9.1: a method is a token; what is not one is malformed (400), while
    # an unknown token is 501. uvicorn's parsers refuse such methods themselves, so
    # the Guard's own reading shows only in front of a server that passes them on.
    recorded = run_guard(plain_app, scope_for("G@T"))
    assert_problem(recorded, 400)
    assert not recorded.app_called


def test_target_over_the_limit_only_with_its_query_is_414(guarded):
    # RFC 9110 §15.5.15: the target is path "?" query as sent, not the path alone.
    port = guarded(max_target_length=100)
    at_limit = get(port, "/?" + "q" * 98)  # "/" "?" and 98 octets: 100
    assert (at_limit.status, at_limit.body) == (200, b"ok")
    response = get(port, "/?" + "q" * 99)  # 101 octets, of which the path is 1
    assert response.status == 414
    assert response.header("content-type") == PROBLEM
    assert response.json()["status"] == 414
    assert b"ok" not in response.body


@pytest.mark.parametrize("lengths", [[b"3", b"4"], [b"3, 4"]])
def test_conflicting_content_lengths_are_400_before_the_app(lengths):
    # RFC 9112 §6.3 step 5: differing lengths leave the framing unknowable.
    headers = [(b"host", b"t")] + [(b"content-length", v) for v in lengths]
    recorded = run_guard(plain_app, scope_for("POST", "/echo", headers=headers))
    assert_problem(recorded, 400)
    assert not recorded.app_called


@pytest.mark.parametrize("value", [b"+5", b"0x5", b"5 5", b"\xd9\xa5"])
def test_content_length_that_is_not_ascii_digits_is_400_before_the_app(value):
    # RFC 9110 §8.6: Content-Length = 1*DIGIT (ASCII, RFC 5234 §B.1).
    headers = [(b"host", b"t"), (b"content-length", value)]
    recorded = run_guard(plain_app, scope_for("POST", "/echo", headers=headers))
    assert_problem(recorded, 400)
    assert not recorded.app_called


def test_post_with_only_an_expectation_where_length_is_required_is_411(guarded):
    # RFC 9110 §15.5.12: an Expect field sends the request down the fields path; the
    # length is still required, and refused before any 100 Continue (§10.1.1).
    port = guarded(require_length={"POST"})
    with RawConnection(port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n\r\n")
        response = conn.read_response()
    assert response.status == 411
    assert response.interim == []
    assert response.header("content-type") == PROBLEM
    assert response.json()["status"] == 411


def test_post_with_a_request_timeout_where_length_is_required_is_411(guarded):
    # The Request-Timeout field also takes the fields path (RFC 9110 §15.5.12).
    port = guarded(require_length={"POST"})
    response = get(port, "/echo", method="POST", headers={"Request-Timeout": "5"})
    assert response.status == 411
    assert response.header("content-type") == PROBLEM
    assert response.json()["status"] == 411


def test_an_unknown_expectation_in_a_second_expect_field_is_417(guarded):
    # RFC 9110 §10.1.1 with §5.3: two Expect field lines are one list; any member
    # other than 100-continue is 417, and no 100 Continue goes out first.
    port = guarded()
    with RawConnection(port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nExpect: fly\r\n"
                  b"Expect: 100-continue\r\nContent-Length: 3\r\n\r\n")
        response = conn.read_response()
    assert response.status == 417
    assert response.interim == []
    assert response.header("content-type") == PROBLEM
    assert response.json()["status"] == 417


def test_temporary_quota_on_a_declared_length_is_413_with_retry_after_and_close(guarded):
    # RFC 9110 §15.5.14: a temporary limit says when to retry; the unread content
    # means the connection ends (RFC 9112 §9.6).
    port = guarded(quota=lambda scope: Quota(limit=10, retry_after=30))
    with RawConnection(port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\n")
        response = conn.read_response()
        assert response.status == 413
        assert response.header("retry-after") == "30"
        assert response.header("connection") == "close"
        assert response.header("content-type") == PROBLEM
        assert conn.is_closed()


def test_temporary_quota_on_a_streamed_body_is_413_with_retry_after_and_close(guarded):
    # RFC 9110 §15.5.14: counted as it streams, the same answer as from a length.
    port = guarded(quota=lambda scope: Quota(limit=10, retry_after=30))
    with RawConnection(port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"b\r\nhello world\r\n")
        response = conn.read_response()
        assert response.status == 413
        assert response.header("retry-after") == "30"
        assert response.header("connection") == "close"
        assert b"hello" not in response.body
        assert conn.is_closed()


def test_chunked_coding_named_in_capitals_is_still_counted(guarded):
    # RFC 9112 §7: transfer-coding names are case-insensitive; "Chunked" content is
    # counted against the limit like any other.
    port = guarded(max_body_size=100)
    with RawConnection(port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: Chunked\r\n\r\n"
                  + (b"40\r\n" + b"a" * 64 + b"\r\n") * 2)
        response = conn.read_response()
        assert response.status == 413
        assert response.header("connection") == "close"
        assert response.header("content-type") == PROBLEM
        assert conn.is_closed()


def test_streamed_body_exactly_at_the_limit_is_served(guarded):
    # RFC 9110 §15.5.14: "larger than" the limit is refused; the limit itself is not.
    port = guarded(max_body_size=100)
    response = request(port, b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"64\r\n" + b"a" * 100 + b"\r\n0\r\n\r\n")
    assert response.status == 200
    assert response.body == b"100"


def test_request_timeout_with_a_bad_fraction_is_400(guarded):
    # 1*DIGIT [ "." 1*DIGIT ]: "1.x" is no number of seconds; never a 500.
    port = guarded()
    response = get(port, "/", headers={"Request-Timeout": "1.x"})
    assert response.status == 400
    assert response.header("content-type") == PROBLEM
    assert "Request-Timeout" in response.json()["detail"]


def test_refusal_to_head_carries_no_content():
    # RFC 9110 §9.3.2: the Guard's own answer to HEAD is the header section only.
    recorded = run_guard(plain_app, scope_for("HEAD"), maintenance=True)
    assert_problem(recorded, 503, content=False)
    assert recorded.header(b"retry-after") is not None
    assert not recorded.app_called


# -- the run: 500, 504 and the app's own mistakes ---------------------------------------


def test_app_raising_under_a_client_timeout_is_500_with_error_id(guarded):
    # RFC 9110 §15.6.1: the deadline run answers a failure as the plain run does.
    port = guarded()
    response = get(port, "/boom?timeout=30")
    assert response.status == 500
    assert response.header("content-type") == PROBLEM
    assert response.json()["error_id"]
    assert b"secret internal detail" not in response.body


def test_app_silent_under_a_client_timeout_is_500(guarded):
    port = guarded()
    response = get(port, "/silent?timeout=30")
    assert response.status == 500
    assert response.header("content-type") == PROBLEM
    assert response.json()["status"] == 500


def test_client_timeout_named_after_another_query_parameter_is_504():
    # RFC 9110 §15.6.5: the client's timeout ran out before the app answered; the
    # parameter counts wherever it stands in the query.
    recorded = run_guard(plain_app, scope_for(path="/slow", query=b"x=1&timeout=0.05"))
    assert_problem(recorded, 504)
    assert b"slow" not in recorded.content


def test_client_timeout_on_head_is_504_without_content():
    # RFC 9110 §9.3.2: the Guard's 504 to HEAD is the header section only.
    headers = [(b"host", b"t"), (b"request-timeout", b"0.05")]
    recorded = run_guard(plain_app, scope_for("HEAD", "/slow", headers=headers))
    assert_problem(recorded, 504, content=False)


def test_app_answering_while_cancelled_at_the_timeout_is_not_heard():
    # RFC 9110 §15.6.5: the 504 is the one answer; what the app sends while it is
    # being cancelled (a finally block, a CancelledError handler) goes nowhere.
    async def app(scope: Message, receive: Any, send: Any) -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            await send(start(200, (b"content-length", b"4")))
            await send(body(b"late"))

    headers = [(b"host", b"t"), (b"request-timeout", b"0.05")]
    recorded = run_guard(app, scope_for(headers=headers))
    assert_problem(recorded, 504)
    assert b"late" not in recorded.content


def test_app_raising_after_its_start_is_reraised_not_answered_twice():
    # One response per request: once the head is out, the server must abort.
    app = app_sending(start(200, (b"content-length", b"10")), body(b"12345", more=True),
                      then_raise=True)
    with pytest.raises(RuntimeError, match="failed after sending"):
        run_guard(app, scope_for())


def test_app_raising_after_a_204_start_is_reraised_not_answered_twice():
    # RFC 9110 §15.3.5: a 204 head is a started response like any other.
    app = app_sending(start(204), then_raise=True)
    recorded = Recorded()

    async def send(message: Message) -> None:
        recorded.sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    with pytest.raises(RuntimeError, match="failed after sending"):
        asyncio.run(Guard(app)(scope_for(), receive, send))
    assert [m["status"] for m in recorded.starts] == [204]


def test_app_sending_after_the_guards_408_is_not_heard():
    # After the Guard answered 408 (RFC 9110 §15.5.9) the app's own response must
    # not follow it: one response per request.
    async def app(scope: Message, receive: Any, send: Any) -> None:
        while (await receive())["type"] == "http.request":
            pass
        await send(start(200, (b"content-length", b"4")))
        await send(body(b"late"))

    recorded = run_guard(
        app, scope_for("POST", headers=[(b"host", b"t"), (b"content-length", b"10")]),
        chunks=[{"type": "http.request", "body": b"abc", "more_body": True}], stall=True,
        body_timeout=0.2)
    assert_problem(recorded, 408)
    assert recorded.header(b"connection") == b"close"
    assert b"late" not in recorded.content


def test_app_reading_on_after_the_guards_413_hears_a_disconnect():
    # ASGI: once the Guard has answered 413 (RFC 9110 §15.5.14) the app is told the
    # client is gone, not handed more content nor an error of the Guard's own.
    heard: list[str] = []

    async def app(scope: Message, receive: Any, send: Any) -> None:
        for _ in range(3):  # reading on after the disconnect, as body readers may
            heard.append((await receive())["type"])

    chunks = [{"type": "http.request", "body": b"a" * 8, "more_body": True} for _ in range(4)]
    scope = scope_for("POST", headers=[(b"host", b"t"), (b"transfer-encoding", b"chunked")])
    recorded = run_guard(app, scope, chunks=chunks, max_body_size=10)
    assert_problem(recorded, 413)
    assert recorded.header(b"connection") == b"close"
    assert heard == ["http.request", "http.disconnect", "http.disconnect"]


def test_body_stalling_after_the_response_started_aborts_without_a_second_answer():
    # The head is out: no 408 can follow it; the exchange aborts instead.
    async def app(scope: Message, receive: Any, send: Any) -> None:
        await send(start(200, (b"content-length", b"2")))
        await receive()
        await receive()

    recorded = Recorded()
    chunks = [{"type": "http.request", "body": b"abc", "more_body": True}]

    async def receive() -> Message:
        if chunks:
            return chunks.pop()
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        recorded.sent.append(message)

    scope = scope_for("POST", headers=[(b"host", b"t"), (b"content-length", b"10")])
    with pytest.raises(Exception, match="stalled"):
        asyncio.run(Guard(app, body_timeout=0.2)(scope, receive, send))
    assert [m["status"] for m in recorded.starts] == [200]


# -- no content where none is allowed; a Content-Length that stays true -------------------


def test_head_response_content_is_not_handed_to_the_server():
    # RFC 9110 §9.3.2: a server MUST NOT send content in a response to HEAD.
    app = app_sending(start(200, (b"content-length", b"5")), body(b"hello"))
    recorded = run_guard(app, scope_for("HEAD"))
    assert recorded.status == 200
    assert recorded.header(b"content-length") == b"5"  # what a GET would carry
    assert recorded.content == b""


@pytest.mark.parametrize("status", [204, 304])
def test_no_content_and_no_framing_fields_on_204_and_304(status):
    # RFC 9110 §15.3.5, §15.4.5; RFC 9112 §6.1: neither content nor the fields that
    # frame it.
    app = app_sending(start(status, (b"Content-Length", b"5"), (b"Transfer-Encoding", b"chunked"),
                            (b"etag", b'"x"')), body(b"hello"))
    recorded = run_guard(app, scope_for())
    assert recorded.status == status
    assert recorded.header(b"content-length") is None
    assert recorded.header(b"transfer-encoding") is None
    assert recorded.header(b"etag") == b'"x"'
    assert recorded.content == b""


def test_204_with_transfer_encoding_from_the_app_keeps_the_connection_in_step(guarded):
    # RFC 9112 §6.1: a 204 has no Transfer-Encoding; uvicorn would frame chunked and
    # write a last-chunk nobody reads, which the next response would then follow.
    async def app(scope: Message, receive: Any, send: Any) -> None:
        if scope["path"] == "/empty":
            await send(start(204, (b"transfer-encoding", b"chunked")))
            await send(body(b""))
        else:
            await plain_app(scope, receive, send)

    port = guarded(app=app)
    with RawConnection(port) as conn:
        conn.send(b"GET /empty HTTP/1.1\r\nHost: t\r\n\r\n")
        empty = conn.read_response()
        assert empty.status == 204
        assert empty.header("transfer-encoding") is None
        assert empty.header("content-length") is None
        conn.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        follow_up = conn.read_response()
    assert (follow_up.status, follow_up.body) == (200, b"ok")


@pytest.mark.parametrize("sent", [b"123456", b"123"])
def test_content_that_disagrees_with_its_length_never_reaches_the_server(sent):
    # RFC 9112 §6.3: the client frames by Content-Length; content past it is never
    # handed on, and a short one raises so the server aborts the connection.
    app = app_sending(start(200, (b"content-length", b"5")), body(sent))
    recorded = Recorded()

    async def send(message: Message) -> None:
        recorded.sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    with pytest.raises(RuntimeError, match="Content-Length"):
        asyncio.run(Guard(app)(scope_for(), receive, send))
    assert [m["status"] for m in recorded.starts] == [200]
    assert recorded.content == b""


@pytest.mark.parametrize("value", [b"1_0", b" 10", b"+10", b"\xd9\xa1\xd9\xa0"])
def test_app_content_length_that_is_not_digits_is_500_on_the_wire(guarded, value):
    # RFC 9110 §8.6: 1*DIGIT. int() would read "1_0" or " 10" as 10, and the field
    # would go out as the app wrote it; the Guard answers 500 instead.
    async def app(scope: Message, receive: Any, send: Any) -> None:
        await send(start(200, (b"content-length", value)))
        await send(body(b"0123456789"))

    port = guarded(app=app)
    with RawConnection(port) as conn:
        conn.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        response = conn.read_response()
        assert response.status == 500
        assert response.header("content-type") == PROBLEM
        assert (response.header("content-length") or "").isdigit()
        assert b"0123456789" not in response.body
        conn.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        assert conn.read_response().status == 500


# -- load: a slot taken is a slot given back ---------------------------------------------


def test_max_concurrency_slot_comes_back_after_every_kind_of_ending():
    # RFC 9110 §15.6.4: shedding counts requests in flight; an answer, a failure and
    # a silent app each give their slot back, so the next request is served.
    guard = Guard(plain_app, max_concurrency=1)

    async def exchange(path: str, query: bytes = b"") -> int:
        statuses: list[int] = []

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await guard(scope_for(path=path, query=query), receive, send)
        return statuses[0]

    async def scenario() -> list[int]:
        return [await exchange("/"), await exchange("/boom"), await exchange("/silent"),
                await exchange("/boom", b"timeout=30"), await exchange("/slow", b"timeout=0.05"),
                await exchange("/")]

    assert asyncio.run(scenario()) == [200, 500, 500, 500, 504, 200]
    assert guard.in_flight == 0
