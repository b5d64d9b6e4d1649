"""The graph behind the guard and statuskit's protocol, over a real socket."""

from __future__ import annotations

from typing import Any

from statuskit.guard import Guard
from statuskit.resource import App, Resource
from statuskit.server import httptools_protocol
from support.rawhttp import get
from support.servers import serve


class Doc(Resource):
    provides = ("text/plain",)
    supports_ranges = True

    def etag(self) -> str:
        return "live"

    def representation(self, media_type: str) -> Any:
        return "live text"


def test_resource_over_loopback() -> None:
    with serve(Guard(App({"/doc": Doc})), http=httptools_protocol()) as port:
        full = get(port, "/doc")
        assert full.status == 200
        assert full.header("etag") == '"live"'
        partial = get(port, "/doc", headers={"range": "bytes=0-3"})
        assert partial.status == 206
        assert partial.body == b"live"
        assert partial.header("content-range") == "bytes 0-3/9"
        cached = get(port, "/doc", headers={"if-none-match": '"live"'})
        assert cached.status == 304
        assert cached.body == b""
        head = get(port, "/doc", method="HEAD")
        assert head.status == 200
        assert head.header("content-length") == "9"
        assert head.body == b""
