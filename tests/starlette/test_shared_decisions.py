"""The dependency form under install(): ``current`` is evaluated once, at the ASGI layer,
and the ``conditional()`` dependency reads it instead of FastAPI solving it again;
``ranged()`` is folded into it (issue 23, item 5). Every answer stays what it was: the
same statuses and fields over a real uvicorn, an override of ``current`` still used,
the path parameter still validated, the document still declaring 206 / 416."""

# No ``from __future__ import annotations``: FastAPI reads these handlers' annotations,
# which name local functions, at run time.
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import Response
from starlette.testclient import TestClient
from wire import exchange, problem

from statuskit.starlette import Validators, conditional, install, provides, ranged
from support.servers import serve

TEXT = "0123456789"


class Calls:
    def __init__(self) -> None:
        self.current = 0  # calls of the route's ``current``
        self.handled = 0


def _router(calls: Calls) -> APIRouter:
    router = APIRouter()

    async def current(item_id: int) -> Validators | None:
        calls.current += 1
        return Validators(etag="v1") if item_id == 1 else None

    Media = Annotated[str, Depends(provides("text/plain", "application/json"))]
    Current = Annotated[Validators | None, Depends(conditional(current))]

    # No item_id of the handler's own: only current's dependency reads the path.
    @router.get("/items/{item_id}", dependencies=[Depends(ranged())])
    async def read(media: Media, validators: Current) -> Response:
        calls.handled += 1
        if validators is None:
            return Response(status_code=404)
        return Response(TEXT, media_type=media)

    return router


def _app(calls: Calls) -> FastAPI:
    app = FastAPI()
    app.include_router(_router(calls))
    return install(app)


def test_current_runs_once_for_a_200_and_once_for_a_304() -> None:
    calls = Calls()
    with serve(_app(calls)) as port:
        ok = exchange(port, "GET", "/items/1", {"Accept": "application/json"})
        assert ok.status == 200
        assert ok.header("etag") == '"v1"'
        assert ok.header("vary") == "Accept"
        assert (ok.header("content-type") or "").startswith("application/json")
        assert ok.body == TEXT.encode()
        assert (calls.current, calls.handled) == (1, 1)  # was 2: layer and dependency
        not_modified = exchange(port, "GET", "/items/1", {"If-None-Match": '"v1"'})
        assert not_modified.status == 304  # RFC 9110 §13.2.2 step 3
        assert not_modified.header("etag") == '"v1"'
        assert not_modified.body == b""
        assert (calls.current, calls.handled) == (2, 1)


def test_a_missing_target_reaches_the_handler_with_none() -> None:
    calls = Calls()
    with serve(_app(calls)) as port:
        missing = exchange(port, "GET", "/items/2")
        assert missing.status == 404
        assert missing.header("etag") is None
        assert (calls.current, calls.handled) == (1, 1)


def test_a_path_only_current_reads_is_still_validated_by_fastapi() -> None:
    # The handler takes no item_id: the folded dependency's own path parameter is what
    # FastAPI validates, as it validated current's; install() answers the impossible
    # path parameter 404 as before.
    calls = Calls()
    with serve(_app(calls)) as port:
        document = problem(exchange(port, "GET", "/items/x"), 404)
        assert document["status"] == 404
        assert (calls.current, calls.handled) == (0, 0)


def test_the_folded_range_is_still_cut_from_the_200() -> None:
    calls = Calls()
    with serve(_app(calls)) as port:
        part = exchange(port, "GET", "/items/1", {"Range": "bytes=2-5"})
        assert part.status == 206  # RFC 9110 §15.3.7
        assert part.header("content-range") == "bytes 2-5/10"
        assert part.body == b"2345"
        whole = exchange(port, "GET", "/items/1")
        assert whole.status == 200
        assert whole.header("accept-ranges") == "bytes"  # RFC 9110 §14.3


def test_the_document_is_the_same_before_and_after_the_fold() -> None:
    app = _app(Calls())
    before = app.openapi()
    client = TestClient(app)
    assert client.get("/items/1").status_code == 200  # the stack (and the fold) built
    app.openapi_schema = None
    after = app.openapi()
    assert after == before
    operation = after["paths"]["/items/{item_id}"]["get"]
    assert {"206", "304", "404", "406", "416"} <= set(operation["responses"])
    assert [p["name"] for p in operation["parameters"]] == ["item_id"]


def test_an_override_of_current_with_other_parameters_is_solved_by_fastapi() -> None:
    calls = Calls()
    app = _app(calls)
    original = _current_of(app)

    async def elsewhere(tag: str = "other") -> Validators | None:
        return Validators(etag=tag)

    app.dependency_overrides[original] = elsewhere
    client = TestClient(app)
    fresh = client.get("/items/1?tag=t2", headers={"If-None-Match": '"v1"'})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] == '"t2"'
    assert fresh.text == TEXT
    stale = client.get("/items/1?tag=t2", headers={"If-None-Match": '"t2"'})
    assert stale.status_code == 304
    assert stale.content == b""
    assert calls.current == 0  # the override, never the original


def test_a_router_also_in_an_app_not_installed_answers_there_as_before() -> None:
    calls = Calls()
    router = _router(calls)
    installed, plain = FastAPI(), FastAPI()
    installed.include_router(router)
    plain.include_router(router)
    install(installed)
    assert TestClient(installed).get("/items/1").status_code == 200
    # Without install() the helpers only choose: no 304 and no Accept-Ranges.
    answer = TestClient(plain).get("/items/1", headers={"If-None-Match": '"v1"',
                                                         "Range": "bytes=0-1"})
    assert answer.status_code == 200
    assert answer.text == TEXT
    assert "accept-ranges" not in answer.headers
    assert TestClient(plain).get("/items/2").status_code == 404


def _current_of(app: FastAPI) -> Any:
    from statuskit.starlette._declared import dependency_helpers
    from statuskit.starlette._routes import _readable

    for route in _readable(app.routes):
        helpers = dependency_helpers(route)
        if "conditional" in helpers:
            return helpers["conditional"]["current"]
    raise AssertionError("no conditional() route")


def test_chosen_follows_validators_the_handler_evaluates_again() -> None:
    # chosen() keeps its tuple on the request's edit; preconditions() in the handler
    # evaluates other validators, and chosen() must then say so.
    from fastapi import Request
    from fastapi.responses import JSONResponse

    from statuskit.starlette import chosen, preconditions, representation

    app = FastAPI()

    async def current(item_id: int) -> Validators | None:
        return Validators(etag="v1")

    @app.get("/items/{item_id}")
    @representation(provides=("application/json",), validators=current)
    async def read(item_id: int, request: Request) -> Response:
        first = chosen(request)
        again = chosen(request)
        preconditions(request, Validators(etag="v2"))
        second = chosen(request)
        assert first is again and first.validators is not None
        assert second.validators is not None
        return JSONResponse({"first": first.validators.etag, "second": second.validators.etag,
                             "media": second.media_type})

    answer = TestClient(install(app)).get("/items/1")
    assert answer.status_code == 200
    assert answer.json() == {"first": "v1", "second": "v2", "media": "application/json"}
    assert answer.headers["etag"] == '"v2"'
