"""The small apps the third-party servers in tests/check serve: one page at ``/``.

Each is what a user of that server writes first, in that server's own idiom, and
nothing more: an ASGI app (Starlette) for hypercorn and granian, a WSGI app
(Werkzeug's routing) for waitress, a ``RequestHandler`` for Tornado and a route
for aiohttp. Run as ``python peer_apps.py tornado|aiohttp PORT`` for the two that
serve themselves.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

PAGE = "<!doctype html><title>peer</title><p>hello from a peer server\n"


def _starlette() -> Any:
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    async def page(request: Any) -> HTMLResponse:
        return HTMLResponse(PAGE)

    return Starlette(routes=[Route("/", page)])


asgi = _starlette()


def _werkzeug() -> Callable[..., Iterable[bytes]]:
    from werkzeug.exceptions import HTTPException
    from werkzeug.routing import Map, Rule
    from werkzeug.wrappers import Request, Response

    urls = Map([Rule("/", endpoint="page", methods=["GET"])])

    @Request.application  # type: ignore[arg-type]
    def app(request: Request) -> Any:
        try:
            urls.bind_to_environ(request.environ).match()
        except HTTPException as refusal:
            return refusal
        return Response(PAGE, content_type="text/html; charset=utf-8")

    return app  # type: ignore[return-value]


wsgi = _werkzeug()


def serve_tornado(port: int) -> None:
    import asyncio

    import tornado.web

    class Page(tornado.web.RequestHandler):
        def get(self) -> None:
            self.write(PAGE)

    async def main() -> None:
        tornado.web.Application([(r"/", Page)]).listen(port, address="127.0.0.1")
        await asyncio.Event().wait()

    asyncio.run(main())


def serve_aiohttp(port: int) -> None:
    from aiohttp import web

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    {"tornado": serve_tornado, "aiohttp": serve_aiohttp}[sys.argv[1]](int(sys.argv[2]))
