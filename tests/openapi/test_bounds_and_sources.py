"""What a run may send (reads by default, a request budget) and where its probes
come from (a file, a URL, /openapi.json, or a statuskit plan at GET /)."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.requests import Request as StarletteRequest

from openapi.fastapi_app import create_app
from openapi.harness import outcomes
from statuskit.check._openapi_document import operations_from_document
from statuskit.check.embedded import reference_server
from statuskit.check.openapi import (
    OpenAPIError,
    OpenAPIOptions,
    OpenAPIRun,
    Source,
    check_openapi,
    run_operations,
)
from statuskit.check.verdict import Outcome
from statuskit.types import Message, Receive, Scope, Send
from support import rawhttp
from support.apps import plain_app
from support.servers import serve

HERE = Path(__file__).parent
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class Request:
    method: str
    path: str
    content: int = 0  # bytes the app read


class Recorder:
    """ASGI middleware keeping every request's method, path and content size."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[Request] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope["method"], scope["path"])
        self.seen.append(request)

        async def counting() -> Message:
            message = await receive()
            request.content += len(message.get("body", b""))
            return message

        await self.app(scope, counting, send)


@pytest.fixture
def recorded() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder(create_app())
    with serve(recorder) as port:
        yield recorder, port


def _documented(method: str, path: str, templates: list[tuple[str, re.Pattern[str]]]) -> bool:
    return any(m == method and pattern.fullmatch(path) for m, pattern in templates)


def test_reads_only_by_default_no_write_reaches_a_documented_operation(
        recorded: tuple[Recorder, int]) -> None:
    recorder, port = recorded
    run = asyncio.run(check_openapi(f"http://127.0.0.1:{port}/", None))
    assert isinstance(run, OpenAPIRun)
    templates = [(op.method, re.compile(re.sub(r"\{[^}]+\}", "[^/]+", op.path)))
                 for op in operations_from_document(create_app().openapi())]
    writes = [r for r in recorder.seen if r.method in WRITES]
    assert writes, "the 405 probes send undeclared methods"
    assert not [w for w in writes if _documented(w.method, w.path, templates)]
    assert all(w.content == 0 for w in writes)  # and with no content
    skipped = [v for v in run.verdicts if v.outcome is Outcome.SKIPPED]
    gated = [v for v in skipped if v.name != "values"]
    assert {v.operation for v in gated} == {"POST /notes", "PUT /notes/{note_id}",
                                            "DELETE /notes/{note_id}"}
    # The value phase sends no write either: its values for them are skipped too.
    assert {v.operation for v in skipped if v.name == "values"} == {v.operation for v in gated}
    assert all("--allow-writes" in v.reason for v in skipped)
    assert any(note.startswith(f"reads only: {len(gated)} write probes skipped")
               for note in run.notes)


def test_max_requests_bounds_the_run_and_says_what_it_left(
        recorded: tuple[Recorder, int]) -> None:
    recorder, port = recorded
    run = asyncio.run(check_openapi(f"http://127.0.0.1:{port}/", None,
                                    OpenAPIOptions(allow_writes=True, max_requests=7,
                                                   values=False)))
    assert isinstance(run, OpenAPIRun)
    probes = [r for r in recorder.seen if r.path != "/openapi.json"]
    assert len(probes) <= 7 + 1  # the budget, plus a clean-up DELETE that always goes
    assert run.requests == len(probes)
    left = [v for v in run.verdicts if v.outcome is Outcome.SKIPPED]
    assert left and all(v.reason == "--max-requests 7 reached before this probe" for v in left)
    # Whatever the budget cut, nothing the run created is left behind.
    assert [n["id"] for n in rawhttp.get(port, "/notes").json()] == [1]


def test_document_from_a_file_and_from_a_url_give_the_same_verdicts(tmp_path: Path) -> None:
    app = create_app()
    (tmp_path / "api.json").write_text(json.dumps(app.openapi()))
    with serve(app) as port:
        url = f"http://127.0.0.1:{port}/"
        from_file = asyncio.run(check_openapi(url, str(tmp_path / "api.json")))
        from_url = asyncio.run(check_openapi(url, f"{url}openapi.json"))
    assert isinstance(from_file, OpenAPIRun) and isinstance(from_url, OpenAPIRun)
    assert from_file.source == str(tmp_path / "api.json")
    assert outcomes(from_file.verdicts) == outcomes(from_url.verdicts)


def test_yaml_document_is_read(tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    (tmp_path / "api.yaml").write_text(yaml.safe_dump(create_app().openapi()))
    with serve(create_app()) as port:
        run = asyncio.run(check_openapi(f"http://127.0.0.1:{port}/", str(tmp_path / "api.yaml"),
                                        OpenAPIOptions(only={405})))
    assert isinstance(run, OpenAPIRun)
    assert {v.code for v in run.verdicts if v.name != "documented"} == {405}


def test_paths_hang_off_the_documents_server_path() -> None:
    outer = FastAPI()
    outer.mount("/api", create_app())
    document = create_app().openapi()
    document["servers"] = [{"url": "/api"}]

    async def run(port: int) -> OpenAPIRun:
        async with httpx.AsyncClient() as client:
            return await run_operations(client, f"http://127.0.0.1:{port}/", document,
                                        OpenAPIOptions(only={404}), wire=True)

    with serve(outer) as port:
        mounted = asyncio.run(run(port))
    found = {v.operation: v for v in mounted.verdicts if v.name == "404"}
    assert found["GET /users/{username}"].outcome is Outcome.PASS
    assert found["GET /users/{username}"].evidence[0].request.startswith(
        "GET /api/users/statuskit-absent-")


def test_a_statuskit_plan_at_get_root_is_used_when_no_document_is_served() -> None:
    with reference_server() as url:
        found = asyncio.run(check_openapi(url, None))
    assert isinstance(found, Source)
    assert found.plan is not None and 201 in found.plan.probes
    assert found.where == f"the statuskit plan at GET {url}"


def test_no_document_and_no_plan_is_one_clear_error() -> None:
    with serve(plain_app) as port, pytest.raises(
            OpenAPIError, match=r"no OpenAPI document at .*/openapi.json"):
        asyncio.run(check_openapi(f"http://127.0.0.1:{port}/", None))


def test_a_file_that_is_not_openapi_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text('{"swagger": "2.0", "paths": {}}')
    with pytest.raises(OpenAPIError, match="not an OpenAPI document"):
        asyncio.run(check_openapi("http://127.0.0.1:9/", str(tmp_path / "x.json")))


def test_a_correct_server_passes_every_probe_it_can_be_asked() -> None:
    # The reference API implements the contract; the same probes must find nothing.
    with reference_server() as url:
        run = asyncio.run(check_openapi(url, str(HERE / "reference_notes.json"),
                                        OpenAPIOptions(allow_writes=True)))
    assert isinstance(run, OpenAPIRun)
    failed = [(v.operation, v.name, v.reason) for v in run.verdicts
              if v.outcome is Outcome.FAIL]
    assert failed == []
    passed = {(v.operation, v.name) for v in run.verdicts if v.outcome is Outcome.PASS}
    assert {("HEAD /notes", "head-parity"), ("PATCH /notes/{id}", "405"),
            ("OPTIONS /notes", "options"), ("POST /notes", "400"), ("POST /notes", "415"),
            ("POST /notes", "422"), ("POST /notes", "413"), ("POST /notes", "201"),
            ("GET /notes/{id}", "304"), ("GET /notes/{id}", "412"),
            ("PUT /notes/{id}", "412-write"), ("GET /notes/{id}", "gone"),
            ("GET /private/notes", "401"), ("GET /notes", "406"),
            ("POST /private/notes", "401")} <= passed
    # Without credentials the private area answers 401 before judging content.
    hidden = {v.name for v in run.verdicts if v.operation == "POST /private/notes"
              and v.outcome is Outcome.NOT_APPLICABLE}
    assert hidden == {"201", "400", "415", "422"}


def _sloppy_app(with_delete: bool) -> tuple[FastAPI, dict[int, bytes]]:
    """Creates a thing from any content at all, so the body probes create things."""
    app = FastAPI()
    things: dict[int, bytes] = {}
    # Ids from a counter taken before the body is read: the probes run at once, and
    # len(things) + 1 gave two of them one id (and the clean-up one URL for both).
    ids = itertools.count(1)

    @app.post("/things", status_code=201, openapi_extra={"requestBody": {
        "required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["name"],
            "properties": {"name": {"type": "string"}}}}}}})
    async def create(request: StarletteRequest) -> JSONResponse:
        new = next(ids)
        things[new] = await request.body()
        return JSONResponse({"id": new}, status_code=201, headers={"Location": f"/things/{new}"})

    if with_delete:
        @app.delete("/things/{thing_id}", status_code=204)
        def delete(thing_id: int) -> None:
            things.pop(thing_id, None)

    return app, things


def test_whatever_the_probes_created_is_deleted_when_the_document_can() -> None:
    app, things = _sloppy_app(with_delete=True)
    with serve(app) as port:
        # The probes' clean-up alone: this app reuses ids, so the value phase's own
        # DELETEs (tests/check_values) could take what the probes made first.
        run = asyncio.run(check_openapi(f"http://127.0.0.1:{port}/", None,
                                        OpenAPIOptions(allow_writes=True, values=False)))
    assert isinstance(run, OpenAPIRun)
    verdicts = {(v.operation, v.name): v for v in run.verdicts}
    assert verdicts[("POST /things", "415")].status == 201  # it took text/plain
    assert things == {}
    assert any(n.startswith("clean-up: deleted ") for n in run.notes)


def test_what_cannot_be_deleted_is_named() -> None:
    app, things = _sloppy_app(with_delete=False)
    with serve(app) as port:
        run = asyncio.run(check_openapi(f"http://127.0.0.1:{port}/", None,
                                        OpenAPIOptions(allow_writes=True, values=False)))
    assert isinstance(run, OpenAPIRun)
    (left,) = [n for n in run.notes if n.startswith("left on the server")]
    assert all(f"/things/{n}" in left for n in things)
