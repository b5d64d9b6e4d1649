"""One request/response exchange between the guard, the app and the server.

The guard hands the app this object's ``receive`` and ``send`` instead of the
server's. They enforce what must hold whatever the app does: body limits and
stalls on the way in (413, 408), and on the way out a status the wire can carry,
no content where none is allowed, and a Content-Length that stays true.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable
from typing import Any, NamedTuple

import anyio

from statuskit.defaults import REFUSED_BODY_DRAIN_LIMIT, REFUSED_BODY_DRAIN_TIMEOUT
from statuskit.guard._answers import send_problem
from statuskit.types import Message, Receive, Send

logger = logging.getLogger("statuskit.guard")

_FRAMING_FIELDS = (b"content-length", b"transfer-encoding")
_FRAMING_LENGTHS = frozenset(len(name) for name in _FRAMING_FIELDS)
_DISCONNECT: dict[str, Any] = {"type": "http.disconnect"}
# Final statuses that may carry content and that the send edits in no way (RFC 9110
# §15.3.5, §15.4.5: not 204 or 304; not 413, which a layer may replace).
_PLAIN_FINAL = frozenset(range(200, 600)) - {204, 304, 413}


async def _nothing() -> None:
    return None


async def drain(receive: Receive, received: int = 0) -> None:
    """Read and drop the rest of a refused request's content, within
    ``REFUSED_BODY_DRAIN_LIMIT`` bytes and ``REFUSED_BODY_DRAIN_TIMEOUT`` seconds (a
    client that declared a length and stopped sending waits that long), so the
    close that follows the refusal is a FIN the client reads after the answer, not a
    reset that may destroy it (RFC 9112 §9.6). Never call it while a client waits for
    ``100 Continue``: the read would send one."""
    with anyio.move_on_after(REFUSED_BODY_DRAIN_TIMEOUT):
        while received <= REFUSED_BODY_DRAIN_LIMIT:
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                return
            received += len(message.get("body", b""))


class BodyStalled(Exception):
    """The request body stalled after the response had started: abort the connection."""


class ResponseFramingError(RuntimeError):
    """The app's content disagrees with the Content-Length it declared."""


class BodyPace(NamedTuple):
    """How slowly a request body may arrive before 408 (RFC 9110 §15.5.9).

    ``stall``: seconds one read may wait; ``deadline``: seconds of waiting the whole
    content may take; ``min_rate``: bytes/s it must average once ``grace`` seconds
    have passed, i.e. after ``n`` bytes the client has had ``grace + n / min_rate``
    seconds. Only time the app spends waiting on the client counts: an app that
    reads slowly does not make its client slow. Any of the three may be None.
    """

    stall: float | None
    deadline: float | None
    min_rate: float | None
    grace: float

    def time_left(self, waited: float, received: int) -> float | None:
        left: float | None = self.stall
        if self.deadline is not None:
            left = _earliest(left, self.deadline - waited)
        if self.min_rate:
            left = _earliest(left, self.grace + received / self.min_rate - waited)
        return left


def _earliest(a: float | None, b: float) -> float:
    return b if a is None or b < a else a


class Exchange:
    __slots__ = (
        "_receive",
        "_send",
        "answered",
        "body_done",
        "body_limit",
        "body_retry_after",
        "check_length",
        "deadline",
        "deadline_scope",
        "declared_length",
        "edit",
        "head",
        "pace",
        "received",
        "sent_length",
        "started",
        "strip_body",
        "waited",
    )

    # Set (with ``deadline``) only on a request with a client timeout.
    deadline_scope: anyio.CancelScope | None

    def __init__(self, send: Send, head: bool, check_length: bool = True) -> None:
        self._send = send
        self.head = head
        self.check_length = check_length
        self.started = False  # a response start went to the server
        self.answered = False  # the guard answered in the app's place; the app is ignored
        self.strip_body = head
        self.declared_length: int | None = None
        self.sent_length = 0
        # The client's timeout (anyio's clock), while set; its ``deadline_scope`` (the
        # cancel scope keeping it) is set by the guard with it, on the requests that
        # have one.
        self.deadline: float | None = None
        # What a layer built on the guard (statuskit.starlette) does to the response
        # before these checks, in this one send: ``edited(start)`` gives the response
        # start to check and pass on, or None to hold it; while ``takes_content``, the
        # content goes to ``take(message, checked_send)`` instead (a ranged 200 held
        # and cut, a 413 replaced by a problem document).
        self.edit: Any = None

    def watch_body(
        self,
        receive: Receive,
        body_limit: int | None,
        body_retry_after: float | None,
        pace: BodyPace,
    ) -> None:
        """Stand between the app and a request body: count it and time it.
        Only requests that have a body pay for this."""
        self._receive = receive
        self.body_limit = body_limit
        self.body_retry_after = body_retry_after
        self.pace = pace
        self.received = 0
        self.waited = 0.0
        self.body_done = False

    # -- the guard's own answer -------------------------------------------------

    async def answer(
        self,
        status: int,
        *,
        detail: str | None = None,
        retry_after: float | None = None,
        close: bool = False,
        **extensions: Any,
    ) -> None:
        """Answer in the app's place; from now on the app's messages go nowhere."""
        self.answered = True
        self.started = True
        await send_problem(
            self._send,
            status,
            head=self.head,
            detail=detail,
            retry_after=retry_after,
            close=close,
            **extensions,
        )

    # -- the app's side ---------------------------------------------------------

    async def receive(self) -> Message:
        if self.answered:
            return _DISCONNECT
        if self.body_done:
            # The content is all in; what is left to hear (a disconnect) is on no clock.
            return await self._receive()
        left = self.pace.time_left(self.waited, self.received)
        if left is None:
            message = await self._receive()
        else:
            # anyio, not asyncio: the app may run on trio (issue 23).
            began = anyio.current_time()
            try:
                with anyio.move_on_after(left) as stall:
                    message = await self._receive()
            finally:
                self.waited += anyio.current_time() - began
            if stall.cancelled_caught:
                return await self._body_stalled()
        if message["type"] == "http.request":
            # Counted as it streams; nothing is held back (RFC 9110 §15.5.14).
            self.received += len(message.get("body", b""))
            self.body_done = not message.get("more_body", False)
            if self.body_limit is not None and self.received > self.body_limit:
                return await self._body_too_large()
        return message

    async def _body_stalled(self) -> Message:
        if self.started:
            raise BodyStalled("request content stalled after the response started")
        # RFC 9110 §15.5.9: 408, and the connection closes (the body's remainder is unread).
        await self.answer(408, close=True)
        return _DISCONNECT

    async def _body_too_large(self) -> Message:
        if self.started:
            raise BodyStalled("request content passed the limit after the response started")
        # RFC 9110 §15.5.14: 413; close, since the rest of the body will not be read
        # (beyond what drain() takes so the close does not reset the answer).
        await drain(self._receive, self.received)
        await self.answer(413, retry_after=self.body_retry_after, close=True)
        return _DISCONNECT

    def send(self, message: Message, _edited: bool = False) -> Awaitable[None]:
        # A plain function handing back the server's awaitable: the common path adds
        # no coroutine frame; only the rare cases below get one. The one wrapper the
        # app's messages pass through: the layer's edit first, then the checks.
        if self.answered:
            return _nothing()
        kind = message["type"]
        if kind == "http.response.body":
            if self.edit is not None and self.edit.takes_content and not _edited:
                return self.edit.take(message, self.checked_send)  # type: ignore[no-any-return]
            if self.strip_body:
                # RFC 9110 §9.3.2 (HEAD), §15.3.5 (204), §15.4.5 (304): no content goes out.
                if message.get("body"):
                    message = {"type": kind, "body": b"",
                               "more_body": message.get("more_body", False)}
                return self._send(message)
            declared = self.declared_length
            if declared is not None:
                # RFC 9112 §6.3: the client frames by Content-Length, so it must stay
                # true. Once the head is out a mismatch cannot be repaired: abort, so the
                # client sees an incomplete message, not a desynchronised connection.
                # The last (most often the only) part asks one sum; a part before it,
                # only that it does not pass the length.
                sent = self.sent_length + len(message.get("body", b""))
                if sent != declared if not message.get("more_body", False) else sent > declared:
                    raise ResponseFramingError(
                        f"app declared Content-Length {declared} and sent {sent}"
                    )
                self.sent_length = sent
            return self._send(message)
        if kind == "http.response.start":
            edit = self.edit
            if edit is not None and not _edited:
                edited = edit.edited(message)
                if edited is None:
                    return _nothing()  # held: ``take`` gets the content, sends it later
                message = edited
            if self.deadline is not None and self._past_deadline():
                return _nothing()  # the 504 is the answer; the app is being cancelled
            status = message["status"]
            # One lookup for the statuses the send edits in no way; the others first.
            if status not in _PLAIN_FINAL:
                special = self._special_start(message, status, edit)
                if special is not None:
                    return special
            if self.check_length:
                headers = message.get("headers", ())
                # Looked up in C: frameworks send lower-case names, each once (else the
                # names are read one by one, as the first with that name counts).
                fields = dict(headers)
                value = fields.get(b"content-length")
                if value is None or len(fields) != len(headers):
                    value = _content_length(headers)
                if value is not None:
                    # RFC 5234 DIGIT: ASCII only (bytes.isdigit() knows no other
                    # script); a numeral too long for int() is no true length. (Not a
                    # regex: its match costs more instructions than these two calls.)
                    if not value.isdigit() or len(value) > 18:
                        return self._length_not_a_number()
                    self.declared_length = int(value)
            self.started = True
            return self._send(message)
        return self._send(message)

    def _special_start(self, message: Message, status: Any, edit: Any
                       ) -> Awaitable[None] | None:
        """A response start whose status the send must look at (413, 204, 304, one that
        is not final): what to send instead, or None when it is checked as any other."""
        if status == 413 and edit is None:
            replaced = self.edit_refusal(message)
            if replaced is not None:
                self.edit = replaced
                return self.send(message)
        if status == 204 or status == 304:
            # RFC 9110 §15.3.5, §15.4.5: no content; and RFC 9110 §8.6, RFC 9112 §6.1:
            # no Content-Length or Transfer-Encoding on 204. On 304 Content-Length MAY
            # describe the selected representation, but servers (uvicorn among them)
            # frame the 304 by it, so it is dropped there too.
            self.strip_body = True
            self.started = True
            for name, _ in message.get("headers", ()):
                # Only names of those two lengths are lowered and looked up.
                if len(name) in _FRAMING_LENGTHS and name.lower() in _FRAMING_FIELDS:
                    return self._send(_without_framing(message))
            return self._send(message)
        if not 200 <= status <= 599:
            return self._not_final(status)
        return None

    def checked_send(self, message: Message) -> Awaitable[None]:
        """The checks without the edit in front of them: what an edit sends of its own."""
        return self.send(message, True)

    def edit_refusal(self, message: Message) -> Any:
        """An edit for the app's own 413 (a layer's problem document), or None."""
        return None

    def _past_deadline(self) -> bool:
        """Whether the client's timeout ran out before this response started; if not,
        the deadline is met and no longer cancels the app (its answer is on its way)."""
        assert self.deadline is not None
        if anyio.current_time() >= self.deadline:
            self.answered = True
            return True
        if self.deadline_scope is not None:
            self.deadline_scope.deadline = math.inf
        self.deadline = None
        return False

    async def _not_final(self, status: Any) -> None:
        # RFC 9110 §15: a final status is 2xx-5xx; a 1xx or an out-of-range number
        # from the app would break the framing, so the client gets a 500 instead.
        logger.error("app sent status %r as a final response; answered 500", status)
        await self.answer(500)

    async def _length_not_a_number(self) -> None:
        logger.error("app sent a Content-Length that is not a number; answered 500")
        await self.answer(500)


def _content_length(headers: Any) -> bytes | None:
    for name, value in headers:
        if len(name) == 14 and name.lower() == b"content-length":
            return value  # type: ignore[no-any-return]
    return None


def _without_framing(message: Message) -> Message:
    headers = message["headers"]
    cleaned = [(n, v) for n, v in headers if n.lower() not in _FRAMING_FIELDS]
    return {**message, "headers": cleaned}
