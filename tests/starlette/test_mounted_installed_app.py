"""An installed app mounted inside another Starlette app: the contract reads the path the
app's own router matches (below the mount's ``root_path``), so the answers are those of
the same app served on its own, over a real uvicorn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from apps import fastapi_app, starlette_app
from starlette.applications import Starlette
from starlette.routing import Mount
from wire import exchange, methods, problem

from statuskit.starlette import install
from support.servers import serve

BUILDERS = {"fastapi": fastapi_app, "starlette": starlette_app}
ALL_ON_ITEM = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]


@pytest.fixture(scope="module", params=sorted(BUILDERS))
def mounted(request: pytest.FixtureRequest) -> Iterator[int]:
    outer = Starlette(routes=[Mount("/sub", app=install(BUILDERS[request.param]()))])
    with serve(outer) as live:
        yield live


def test_405_below_a_mount_lists_the_methods_of_the_mounted_route(mounted: int) -> None:
    answer = exchange(mounted, "POST", "/sub/items/1", {"Content-Type": "application/json"}, b"{}")
    problem(answer, 405)
    # RFC 9110 §15.5.6: Allow names the target's methods, found in the mounted app's table.
    assert methods(answer.header("allow")) == ALL_ON_ITEM


def test_options_below_a_mount_is_204_with_the_mounted_route_allow(mounted: int) -> None:
    answer = exchange(mounted, "OPTIONS", "/sub/items/1")
    assert answer.status == 204
    assert methods(answer.header("allow")) == ALL_ON_ITEM
    assert answer.header("content-length") is None  # RFC 9110 §8.6: none on 204
    assert answer.body == b""


def test_head_below_a_mount_has_the_get_fields_and_no_content(mounted: int) -> None:
    head = exchange(mounted, "HEAD", "/sub/items/1")
    # RFC 9110 §9.3.2
    assert head.status == 200
    assert head.header("content-length") not in (None, "0")
    assert head.body == b""


def test_a_path_only_sharing_the_mount_prefix_is_not_the_mounted_app(mounted: int) -> None:
    # "/subway/items/1" starts with "/sub" but is not below the mount: the outer app's 404.
    answer = exchange(mounted, "OPTIONS", "/subway/items/1")
    assert answer.status == 404
    assert answer.header("allow") is None


def test_405_from_the_mounted_app_router_below_its_own_mount_lists_that_route(
        mounted: int) -> None:
    # POST is routed elsewhere (/items), so the app's own router refuses it on
    # /admin/stats, after two mounts rewrote the scope's root_path.
    answer = exchange(mounted, "POST", "/sub/admin/stats", {"Content-Length": "0"})
    problem(answer, 405)
    assert methods(answer.header("allow")) == ["GET", "HEAD", "DELETE", "OPTIONS"]
