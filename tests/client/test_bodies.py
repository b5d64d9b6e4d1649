"""Request bodies on retry: what can be sent again is sent again whole; what
cannot is never sent twice."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from runners import runner
from scripted import Script

from statuskit.client import AsyncRetryTransport, RecordedWaits, attempts_of

Server = tuple[str, Script]


@pytest.mark.parametrize("adapter", ["httpx", "requests"])
def test_seekable_body_is_rewound_and_sent_whole_again(server: Server, adapter: str) -> None:
    base, script = server
    path = f"/seekable-{adapter}"
    script.on(path, 503, 204)
    body = io.BytesIO(b"skip:the whole payload")
    if adapter == "requests":
        # The body starts here: a retry starts here too, not at 0. (httpx declares
        # the file's whole size whatever the position, so it cannot start mid-file.)
        body.seek(5)
    else:
        body = io.BytesIO(b"the whole payload")
    client = runner(adapter, base)
    try:
        response = client.send("PUT", path, body=body)
    finally:
        client.close()
    assert response.status_code == 204
    assert [sent for _, sent in script.seen[path]] == [b"the whole payload"] * 2


@pytest.mark.parametrize("adapter", ["httpx", "requests"])
def test_generator_body_is_never_replayed(server: Server, adapter: str) -> None:
    base, script = server
    path = f"/generator-{adapter}"
    script.on(path, 503, 204)

    def chunks() -> Iterator[bytes]:
        yield b"only "
        yield b"once"

    client = runner(adapter, base)
    try:
        response = client.send("PUT", path, body=chunks())
    finally:
        client.close()
    assert response.status_code == 503  # the server's answer, not an empty replay
    assert [sent for _, sent in script.seen[path]] == [b"only once"]
    assert attempts_of(response)[-1].decision == "the request body cannot be sent again"


class Unseekable(io.RawIOBase):
    """A stream that can be read once, like a socket or a pipe."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)


@pytest.mark.parametrize("adapter", ["httpx", "requests"])
def test_unseekable_stream_body_is_never_replayed(server: Server, adapter: str) -> None:
    base, script = server
    path = f"/unseekable-{adapter}"
    script.on(path, 503, 204)
    client = runner(adapter, base)
    try:
        response = client.send("PUT", path, body=Unseekable(b"read exactly once"))
    finally:
        client.close()
    assert response.status_code == 503
    assert [sent for _, sent in script.seen[path]] == [b"read exactly once"]


def test_pipe_body_is_never_replayed(server: Server) -> None:
    base, script = server
    script.on("/pipe", 503, 204)
    read_end, write_end = os.pipe()
    os.write(write_end, b"streamed from a pipe")
    os.close(write_end)
    client = runner("requests", base)  # httpx declares a pipe's length wrongly by itself
    try:
        with os.fdopen(read_end, "rb") as pipe:
            response = client.send("PUT", "/pipe", body=pipe)
    finally:
        client.close()
    assert response.status_code == 503
    assert [sent for _, sent in script.seen["/pipe"]] == [b"streamed from a pipe"]


def test_async_generator_body_is_never_replayed(server: Server) -> None:
    base, script = server
    script.on("/async-generator", 503, 204)

    async def chunks() -> AsyncIterator[bytes]:
        yield b"only once"

    async def go() -> httpx.Response:
        transport = AsyncRetryTransport(sleep=RecordedWaits().async_sleep)
        async with httpx.AsyncClient(base_url=base, transport=transport) as c:
            return await c.put("/async-generator", content=chunks())

    assert asyncio.run(go()).status_code == 503
    assert [sent for _, sent in script.seen["/async-generator"]] == [b"only once"]


@pytest.mark.parametrize("library", ["httpx", "httpx2"])
def test_multipart_files_are_sent_whole_again(server: Server, library: str) -> None:
    base, script = server
    path = f"/multipart-{library}"
    script.on(path, 503, 201)
    client = runner(library, base)
    try:
        response = client.client.put(  # type: ignore[attr-defined]
            path, data={"note": "n1"},
            files={"upload": ("report.txt", io.BytesIO(b"the whole report"), "text/plain")})
    finally:
        client.close()
    assert response.status_code == 201
    first, second = (body for _, body in script.seen[path])
    assert first == second  # the same boundary, fields and file, byte for byte
    assert b"the whole report" in first and b'name="note"' in first


def test_multipart_with_an_unseekable_file_is_never_replayed(server: Server) -> None:
    base, script = server
    script.on("/multipart-pipe", 503, 201)
    client = runner("httpx", base)
    try:
        response = client.client.put(  # type: ignore[attr-defined]
            "/multipart-pipe", files={"upload": ("pipe.bin", Unseekable(b"read once"))})
    finally:
        client.close()
    assert response.status_code == 503  # the second send would have had an empty file
    assert script.count("/multipart-pipe") == 1
    assert attempts_of(response)[-1].decision == "the request body cannot be sent again"


def test_async_multipart_files_are_sent_whole_again(server: Server) -> None:
    base, script = server
    script.on("/multipart-async", 503, 201)

    async def go() -> httpx.Response:
        transport = AsyncRetryTransport(sleep=RecordedWaits().async_sleep)
        async with httpx.AsyncClient(base_url=base, transport=transport) as c:
            return await c.put("/multipart-async", files={"f": ("a.bin", io.BytesIO(b"abc"))})

    assert asyncio.run(go()).status_code == 201
    first, second = (body for _, body in script.seen["/multipart-async"])
    assert first == second and b"abc" in first
