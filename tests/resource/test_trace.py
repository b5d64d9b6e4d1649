from __future__ import annotations

from typing import Any

from asgi import call

from statuskit.resource import App, Request, Resource


class Doc(Resource):
    def etag(self) -> str:
        return "d1"

    def representation(self, media_type: str) -> Any:
        return {}


def test_debug_header_names_the_decisions_passed() -> None:
    reply = call(App({"/d": Doc}, debug=True), "GET", "/d", {"if-none-match": '"d1"'})
    assert reply.status == 304
    trace = (reply.header("x-statuskit-trace") or "").split(",")
    assert trace[0] == "b13"
    assert trace[-1] == "i12"  # If-None-Match decided it


def test_no_trace_header_without_debug() -> None:
    assert call(App({"/d": Doc}), "GET", "/d").header("x-statuskit-trace") is None


def test_trace_hook_receives_status_and_nodes() -> None:
    seen: list[tuple[str, int, list[str]]] = []

    def hook(request: Request, status: int, nodes: list[str]) -> None:
        seen.append((request.path, status, nodes))

    call(App({"/d": Doc}, trace_hook=hook), "DELETE", "/d")
    assert seen[0][0] == "/d"
    assert seen[0][1] == 405
    assert seen[0][2][-1] == "b10"
