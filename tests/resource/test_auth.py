from __future__ import annotations

from typing import Any

from asgi import call

from statuskit.resource import App, Resource


class Private(Resource):
    def authorized(self) -> bool | str:
        token = self.request.header(b"authorization")
        return True if token in ("Bearer rw", "Bearer ro") else 'Bearer realm="notes"'

    def forbidden(self) -> bool | str:
        if self.request.method != "GET" and self.request.header(b"authorization") == "Bearer ro":
            return "this token may only read"
        return False

    def proxy_authorized(self) -> bool | str:
        return True

    def representation(self, media_type: str) -> Any:
        return {"secret": 1}

    def delete(self) -> Any:
        from statuskit.resource import Done

        return Done()


class Behind(Private):
    def proxy_authorized(self) -> bool | str:
        return self.request.header(b"proxy-authorization") == "Bearer p" or 'Bearer realm="gw"'


APP = App({"/p": Private, "/gw": Behind})


def test_no_credentials_is_401_with_challenge() -> None:
    reply = call(APP, "GET", "/p")
    assert reply.status == 401
    assert reply.header("www-authenticate") == 'Bearer realm="notes"'
    assert reply.header("content-type") == "application/problem+json"


def test_wrong_credentials_is_401() -> None:
    assert call(APP, "GET", "/p", {"authorization": "Bearer nope"}).status == 401


def test_read_only_token_deleting_is_403() -> None:
    reply = call(APP, "DELETE", "/p", {"authorization": "Bearer ro"})
    assert reply.status == 403
    assert reply.json()["detail"] == "this token may only read"


def test_read_write_token_deleting_is_204() -> None:
    assert call(APP, "DELETE", "/p", {"authorization": "Bearer rw"}).status == 204


def test_missing_proxy_credentials_is_407_with_proxy_authenticate() -> None:
    reply = call(APP, "GET", "/gw", {"authorization": "Bearer rw"})
    assert reply.status == 407
    assert reply.header("proxy-authenticate") == 'Bearer realm="gw"'
