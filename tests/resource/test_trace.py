"""The trace names the nodes of Webmachine's v3 diagram that a request passed."""

from __future__ import annotations

from typing import Any

import pytest
from asgi import call

from statuskit.resource import App, Created, Done, Request, Resource

CHECKS = ["b13", "b12", "b11", "b10", "b9", "b8", "b7", "b6", "b5", "b4", "b3"]


class Doc(Resource):
    def etag(self) -> str:
        return "d1"

    def representation(self, media_type: str) -> Any:
        return {}

    def put(self, content: Any) -> Done:
        return Done()


class Absent(Resource):
    def exists(self) -> bool:
        return False

    def put(self, content: Any) -> Created:
        return Created("/a")


class Gone(Absent):
    def previously_existed(self) -> bool:
        return True


APP = App({"/d": Doc, "/a": Absent, "/g": Gone}, debug=True)


def trace_of(method: str, path: str, headers: dict[str, str] | None = None,
             body: bytes = b"") -> tuple[int, list[str]]:
    reply = call(APP, method, path, headers, body)
    return reply.status, (reply.header("x-statuskit-trace") or "").split(",")


def test_if_none_match_trace_ends_at_j18() -> None:
    status, trace = trace_of("GET", "/d", {"if-none-match": '"d1"'})
    assert status == 304
    # i12 If-None-Match exists? → k13 tag in it? → j18 GET or HEAD? (304)
    assert trace == [*CHECKS, "c3", "g7", "g8", "h10", "i12", "k13", "j18"]


def test_if_match_failure_ends_at_g11() -> None:
    status, trace = trace_of("PUT", "/d", {"if-match": '"old"'}, b"{}")
    assert status == 412
    assert trace[-3:] == ["g7", "g8", "g11"]


def test_if_none_match_star_passes_i13() -> None:
    status, trace = trace_of("PUT", "/d", {"if-none-match": "*"}, b"{}")
    assert status == 412
    assert trace[-5:] == ["g8", "h10", "i12", "i13", "j18"]


def test_plain_get_passes_m16_n16_o16_to_o18() -> None:
    status, trace = trace_of("GET", "/d", {"accept": "application/json"})
    assert status == 200
    assert trace == [*CHECKS, "c3", "c4", "g7", "g8", "h10", "i12", "l13", "m16", "n16", "o16",
                     "o18"]


def test_missing_get_ends_at_l7() -> None:
    status, trace = trace_of("GET", "/a")
    assert status == 404
    assert trace[-4:] == ["g7", "i7", "k7", "l7"]


def test_gone_is_decided_at_m5_not_l5() -> None:
    # k7 previously existed? → k5 moved permanently? → l5 moved temporarily? → m5 POST?
    status, trace = trace_of("GET", "/g")
    assert status == 410
    assert trace[-5:] == ["i7", "k7", "k5", "l5", "m5"]


def test_put_that_creates_passes_i4_h7_and_p11() -> None:
    status, trace = trace_of("PUT", "/a", {"if-none-match": "*"}, b"{}")
    assert status == 201
    assert trace[-6:] == ["g7", "i7", "i4", "h7", "validate", "p11"]


@pytest.mark.parametrize("path", ["/d", "/a", "/g"])
def test_trace_ids_are_diagram_ids_or_plain_names(path: str) -> None:
    _, trace = trace_of("GET", path)
    for node in trace:
        assert node[0] in "bcdefghijklmnop" and node[1:].isdigit(), node


def test_no_trace_header_without_debug() -> None:
    assert call(App({"/d": Doc}), "GET", "/d").header("x-statuskit-trace") is None


def test_trace_hook_receives_status_and_nodes() -> None:
    seen: list[tuple[str, int, list[str]]] = []

    def hook(request: Request, status: int, nodes: list[str]) -> None:
        seen.append((request.path, status, nodes))

    call(App({"/d": Doc}, trace_hook=hook), "DELETE", "/d")
    assert seen == [("/d", 405, ["b13", "b12", "b11", "b10"])]
