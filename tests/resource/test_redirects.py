from __future__ import annotations

from typing import Any

import pytest
from asgi import call

from statuskit.resource import App, Resource, parse_json


class Old(Resource):
    accepts = {"POST": {"application/json": parse_json}}

    def exists(self) -> bool:
        return False

    def previously_existed(self) -> bool:
        return True

    def moved_permanently(self) -> str | None:
        return "/new" if self.request.params["kind"] == "perm" else None

    def moved_temporarily(self) -> str | None:
        return "/temp" if self.request.params["kind"] == "temp" else None

    def post(self, content: Any) -> Any:
        raise AssertionError("a moved resource takes no POST")


APP = App({"/old/{kind}": Old})


@pytest.mark.parametrize(("method", "kind", "status", "location"), [
    ("GET", "perm", 301, "/new"),
    ("HEAD", "perm", 301, "/new"),
    ("POST", "perm", 308, "/new"),
    ("GET", "temp", 302, "/temp"),
    ("POST", "temp", 307, "/temp"),
])
def test_moved_resource_redirects_keeping_unsafe_methods(method: str, kind: str, status: int,
                                                         location: str) -> None:
    reply = call(APP, method, f"/old/{kind}", {"content-type": "application/json"},
                 b"{}" if method == "POST" else b"")
    assert reply.status == status
    assert reply.header("location") == location
    if method == "HEAD":
        assert reply.body == b""


def test_gone_without_a_new_home_is_410() -> None:
    reply = call(APP, "GET", "/old/deleted")
    assert reply.status == 410
    assert reply.json()["title"] == "Gone"


def test_missing_and_never_existed_is_404() -> None:
    class Nothing(Resource):
        def exists(self) -> bool:
            return False

    reply = call(App({"/x": Nothing}), "GET", "/x")
    assert reply.status == 404
    assert reply.header("content-type") == "application/problem+json"
