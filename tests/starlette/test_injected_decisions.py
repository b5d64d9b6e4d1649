"""The dependency form under install(), where the endpoint takes the path parameters
``current`` reads: the ``provides`` and ``conditional`` values are handed to it from
what the layer decided, with no pass of FastAPI's dependency injection for either
(issue 23, item 5: the dependency form at no more than FastAPI's own cost). Every
answer stays what it was; an override of either dependency, or a path the layer
cannot convert, is solved by FastAPI as before."""

# No ``from __future__ import annotations``: FastAPI reads these handlers' annotations,
# which name local functions, at run time.
from collections.abc import Iterator
from typing import Annotated, Any

import fastapi.dependencies.utils as fastapi_utils
import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from starlette.testclient import TestClient
from wire import exchange, problem

from statuskit.starlette import Validators, conditional, install, provides, ranged
from support.servers import serve

TEXT = "0123456789"


class Seen:
    def __init__(self) -> None:
        self.current = 0
        self.handled: list[tuple[Any, ...]] = []


def _app(seen: Seen, *, with_request: bool = False) -> tuple[FastAPI, Any, Any]:
    app = FastAPI()

    async def current(item_id: int) -> Validators | None:
        seen.current += 1
        return Validators(etag="v1") if item_id == 1 else None

    media_dependency = provides("text/plain", "application/json")
    Media = Annotated[str, Depends(media_dependency)]
    Current = Annotated[Validators | None, Depends(conditional(current))]

    if with_request:
        @app.get("/items/{item_id}", dependencies=[Depends(ranged())])
        async def read_with_request(item_id: int, request: Request, media: Media,
                                    validators: Current) -> Response:
            seen.handled.append((item_id, media, validators, request.url.path))
            if validators is None:
                return Response(status_code=404)
            return Response(TEXT, media_type=media)
    else:
        @app.get("/items/{item_id}", dependencies=[Depends(ranged())])
        async def read(item_id: int, media: Media, validators: Current) -> Response:
            seen.handled.append((item_id, media, validators))
            if validators is None:
                return Response(status_code=404)
            return Response(TEXT, media_type=media)

    return install(app), current, media_dependency


@pytest.fixture
def solved(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """The sub-dependencies FastAPI solves (its recursion goes through the module)."""
    calls: list[Any] = []
    original = fastapi_utils.solve_dependencies

    async def counting(**kwargs: Any) -> Any:
        calls.append(kwargs["dependant"].call)
        return await original(**kwargs)

    monkeypatch.setattr(fastapi_utils, "solve_dependencies", counting)
    yield calls


def test_the_endpoint_gets_the_decisions_without_fastapi_solving_them(
        solved: list[Any]) -> None:
    seen = Seen()
    app, _, _ = _app(seen)
    with serve(app) as port:
        ok = exchange(port, "GET", "/items/1", {"Accept": "application/json"})
        assert ok.status == 200
        assert ok.header("etag") == '"v1"'
        assert ok.header("vary") == "Accept"  # RFC 9110 §12.5.5
        assert (ok.header("content-type") or "").startswith("application/json")
        assert ok.body == TEXT.encode()
        assert seen.current == 1
        assert seen.handled == [(1, "application/json", Validators(etag="v1"))]
        assert solved == []  # neither provides nor conditional solved by FastAPI
        not_modified = exchange(port, "GET", "/items/1", {"If-None-Match": '"v1"'})
        assert not_modified.status == 304  # RFC 9110 §13.2.2
        assert not_modified.header("etag") == '"v1"'
        assert not_modified.header("content-length") is None
        assert not_modified.body == b""
        assert len(seen.handled) == 1


def test_a_missing_target_and_a_range_as_before() -> None:
    seen = Seen()
    app, _, _ = _app(seen, with_request=True)
    with serve(app) as port:
        missing = exchange(port, "GET", "/items/2")
        assert missing.status == 404
        assert missing.header("etag") is None
        assert seen.handled == [(2, "text/plain", None, "/items/2")]
        part = exchange(port, "GET", "/items/1", {"Range": "bytes=2-5"})
        assert part.status == 206  # RFC 9110 §15.3.7
        assert part.header("content-range") == "bytes 2-5/10"
        assert part.header("etag") == '"v1"'
        assert part.body == b"2345"
        refused = problem(exchange(port, "GET", "/items/1", {"Accept": "image/png"}), 406)
        assert refused["status"] == 406  # RFC 9110 §15.5.7
        assert len(seen.handled) == 2


def test_an_impossible_path_parameter_is_still_fastapis_answer() -> None:
    seen = Seen()
    app, _, _ = _app(seen)
    with serve(app) as port:
        document = problem(exchange(port, "GET", "/items/x"), 404)
        assert document["status"] == 404
        assert (seen.current, seen.handled) == (0, [])


def test_an_override_of_provides_is_used() -> None:
    seen = Seen()
    app, _, media_dependency = _app(seen)

    async def always_text() -> str:
        return "text/plain"

    app.dependency_overrides[media_dependency] = always_text
    client = TestClient(app)
    ok = client.get("/items/1", headers={"Accept": "application/json"})
    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith("text/plain")
    assert ok.headers["etag"] == '"v1"'
    assert ok.text == TEXT
    assert seen.handled[-1][1] == "text/plain"


def test_an_override_of_current_is_used() -> None:
    seen = Seen()
    app, current, _ = _app(seen)

    async def elsewhere(item_id: int) -> Validators | None:
        return Validators(etag=f"o{item_id}")

    app.dependency_overrides[current] = elsewhere
    client = TestClient(app)
    fresh = client.get("/items/1", headers={"If-None-Match": '"v1"'})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] == '"o1"'
    assert fresh.text == TEXT
    stale = client.get("/items/1", headers={"If-None-Match": '"o1"'})
    assert stale.status_code == 304
    assert stale.content == b""
    assert seen.current == 0  # the override, never the original


def test_the_document_is_the_same_before_and_after_the_injection() -> None:
    app, _, _ = _app(Seen())
    before = app.openapi()
    assert TestClient(app).get("/items/1").status_code == 200  # the stack built
    app.openapi_schema = None
    after = app.openapi()
    assert after == before
    operation = after["paths"]["/items/{item_id}"]["get"]
    assert {"206", "304", "404", "406", "416"} <= set(operation["responses"])
    assert [p["name"] for p in operation["parameters"]] == ["item_id"]
