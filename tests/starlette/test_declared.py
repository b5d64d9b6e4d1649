"""``representation(...)`` on a handler: the route's contract kept by install() at the
ASGI layer, before FastAPI routes the request or builds an argument (issue 23, item 5).
The same answers as the dependency form, over a real uvicorn; and the work FastAPI is
spared is shown by what never runs."""

# No ``from __future__ import annotations``: FastAPI reads these handlers' annotations,
# which name local functions, at run time.
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from wire import exchange, problem

from statuskit.starlette import (
    Validators,
    chosen,
    conditional,
    install,
    provides,
    representation,
)
from support.servers import serve

TEXT = "0123456789"


class Store:
    def __init__(self) -> None:
        self.version = 1
        self.handled = 0  # requests that reached the handler
        self.depended = 0  # calls of a dependency FastAPI builds for the handler


def _declared(store: Store) -> FastAPI:
    app = FastAPI()

    async def current(item_id: int) -> Validators | None:
        return Validators(etag=f"v{store.version}") if item_id == 1 else None

    async def expensive() -> None:
        store.depended += 1

    @app.get("/items/{item_id}")
    @representation(provides=("text/plain", "application/json"), validators=current,
                    ranges=True)
    async def read(item_id: int, request: Request,
                   _: Annotated[None, Depends(expensive)]) -> Response:
        store.handled += 1
        found = chosen(request)
        if found.validators is None:
            return Response(status_code=404)
        return Response(TEXT, media_type=found.media_type)

    @app.put("/items/{item_id}", status_code=204)
    @representation(validators=current, require=True)
    async def replace(item_id: int, request: Request) -> None:
        store.handled += 1
        store.version += 1

    return install(app)


def _dependencies(store: Store) -> FastAPI:
    app = FastAPI()

    async def current(item_id: int) -> Validators | None:
        return Validators(etag=f"v{store.version}") if item_id == 1 else None

    async def expensive() -> None:
        store.depended += 1

    @app.get("/items/{item_id}")
    async def read(item_id: int,
                   media: Annotated[str, Depends(provides("text/plain", "application/json"))],
                   v: Annotated[Validators | None, Depends(conditional(current))],
                   _: Annotated[None, Depends(expensive)]) -> Response:
        store.handled += 1
        return Response(TEXT, media_type=media) if v else Response(status_code=404)

    return install(app)


@pytest.fixture(params=[_declared, _dependencies], ids=["declared", "dependencies"])
def served(request: pytest.FixtureRequest) -> Any:
    store = Store()
    with serve(request.param(store)) as port:
        yield port, store


def test_a_get_carries_the_etag_vary_and_the_chosen_type(served: Any) -> None:
    port, store = served
    answer = exchange(port, "GET", "/items/1", {"Accept": "application/json"})
    assert answer.status == 200
    assert answer.header("etag") == '"v1"'
    assert answer.header("vary") == "Accept"
    assert (answer.header("content-type") or "").startswith("application/json")
    assert answer.body == TEXT.encode()
    assert store.handled == 1


def test_a_304_is_answered_before_fastapi_builds_an_argument(served: Any) -> None:
    port, store = served
    answer = exchange(port, "GET", "/items/1", {"If-None-Match": '"v1"'})
    assert answer.status == 304
    assert answer.header("etag") == '"v1"'
    assert answer.header("vary") == "Accept"
    assert answer.body == b""
    assert (store.handled, store.depended) == (0, 0)  # RFC 9110 §13.2.2, nothing ran


def test_no_acceptable_type_is_406_before_the_handler(served: Any) -> None:
    port, store = served
    answer = exchange(port, "GET", "/items/1", {"Accept": "image/png"})
    assert problem(answer, 406)["detail"] == "Available: text/plain, application/json."
    assert answer.header("vary") == "Accept"
    assert (store.handled, store.depended) == (0, 0)


def test_a_missing_target_is_left_to_the_handler(served: Any) -> None:
    port, store = served
    assert exchange(port, "GET", "/items/2").status == 404
    assert store.handled == 1


def test_a_path_the_validators_cannot_read_is_left_to_fastapi(served: Any) -> None:
    port, _ = served
    problem(exchange(port, "GET", "/items/x"), 404)  # FastAPI's int, install()'s 404


def test_a_declared_write_without_a_condition_is_428_and_with_a_stale_one_412() -> None:
    store = Store()
    with serve(_declared(store)) as port:
        problem(exchange(port, "PUT", "/items/1"), 428)
        problem(exchange(port, "PUT", "/items/1", {"If-Match": '"v0"'}), 412)
        assert store.handled == 0
        assert exchange(port, "PUT", "/items/1", {"If-Match": '"v1"'}).status == 204
    assert store.version == 2


def test_a_declared_range_is_cut_from_the_200() -> None:
    with serve(_declared(Store())) as port:
        answer = exchange(port, "GET", "/items/1", {"Range": "bytes=2-4"})
    assert answer.status == 206
    assert answer.header("content-range") == "bytes 2-4/10"
    assert answer.body == b"234"


def test_validators_that_need_what_the_path_lacks_are_refused_when_the_app_builds() -> None:
    app = FastAPI()

    async def current(note: str) -> Validators | None:
        return None

    @app.get("/items/{item_id}")
    @representation(validators=current)
    async def read(item_id: int) -> None:
        return None

    from starlette.testclient import TestClient

    with pytest.raises(ValueError, match="note"):
        TestClient(install(app)).get("/items/1")


def test_the_declaration_is_in_the_document() -> None:
    responses = _declared(Store()).openapi()["paths"]["/items/{item_id}"]
    assert set(responses["get"]["responses"]) >= {"200", "206", "304", "406", "412", "416"}
    assert set(responses["put"]["responses"]) >= {"204", "412", "428"}


def test_a_route_before_the_declared_one_takes_its_requests_first() -> None:
    # The router gives /items/latest to the first route that matches it, the app's own;
    # the declaration of /items/{name} after it must not answer for it.
    app = FastAPI()

    async def current(name: str) -> Validators | None:
        return Validators(etag="same")

    @app.get("/items/latest")
    async def latest() -> dict[str, str]:
        return {"route": "latest"}

    @app.get("/items/{name}")
    @representation(validators=current)
    async def named(name: str) -> dict[str, str]:
        return {"route": name}

    from starlette.testclient import TestClient

    client = TestClient(install(app))
    latest_answer = client.get("/items/latest", headers={"If-None-Match": '"same"'})
    assert latest_answer.status_code == 200
    assert latest_answer.json() == {"route": "latest"}
    assert latest_answer.headers.get("etag") is None
    assert client.get("/items/x", headers={"If-None-Match": '"same"'}).status_code == 304


def test_an_override_of_the_validators_dependency_is_the_one_used() -> None:
    # FastAPI's dependency_overrides replace ``current`` for the dependency; install()
    # must not answer from the original before FastAPI applies the override.
    store = Store()
    app = _dependencies(store)

    async def elsewhere(item_id: int) -> Validators | None:
        return Validators(etag="other")

    original = next(d for d in _validators_of(app))
    app.dependency_overrides[original] = elsewhere
    from starlette.testclient import TestClient

    client = TestClient(app)
    assert client.get("/items/1", headers={"If-None-Match": '"v1"'}).status_code == 200
    assert client.get("/items/1", headers={"If-None-Match": '"other"'}).status_code == 304


def _validators_of(app: FastAPI) -> Any:
    from statuskit.starlette._declared import dependency_helpers

    for route in app.routes:
        helpers = dependency_helpers(route)
        if "conditional" in helpers:
            yield helpers["conditional"]["current"]


def test_a_route_whose_first_segment_is_a_parameter_still_comes_first() -> None:
    # The declared routes are tried by the first segment of the path; a route whose
    # first segment is a parameter can match any of them and keeps its place in order.
    app = FastAPI()

    async def current(name: str) -> Validators | None:
        return Validators(etag="same")

    @app.get("/{kind}/special")
    async def special(kind: str) -> dict[str, str]:
        return {"route": "special", "kind": kind}

    @app.get("/items/{name}")
    @representation(validators=current)
    async def named(name: str) -> dict[str, str]:
        return {"route": name}

    @app.get("/other/{name}")
    @representation(validators=current, provides=("application/json",))
    async def other(name: str) -> dict[str, str]:
        return {"route": "other"}

    from starlette.testclient import TestClient

    client = TestClient(install(app))
    cached = {"If-None-Match": '"same"'}
    first = client.get("/items/special", headers=cached)
    assert first.status_code == 200  # the parameter route came first: no 304 for it
    assert first.json() == {"route": "special", "kind": "items"}
    assert first.headers.get("etag") is None
    declared = client.get("/items/x", headers=cached)
    assert declared.status_code == 304  # RFC 9110 §13.2.2
    assert declared.headers["etag"] == '"same"'
    assert declared.content == b""
    refused = client.get("/other/x", headers={"Accept": "image/png"})
    assert refused.status_code == 406  # RFC 9110 §15.5.7, the second segment's route
    assert refused.headers["content-type"] == "application/problem+json"
    unknown = client.get("/nowhere/x", headers=cached)
    assert unknown.status_code == 404
    assert unknown.headers.get("etag") is None
