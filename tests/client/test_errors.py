from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests

import statuskit.client as client
import statuskit.client._generate as generate
from statuskit.codes import all_codes


def test_written_out_error_classes_match_the_catalogue() -> None:
    written = Path(generate.__file__).with_name("_typed.py").read_text("utf-8")
    assert written == generate.render(), "run: python -m statuskit.client._generate"


def test_every_error_code_has_its_class() -> None:
    for record in all_codes():
        if record.code >= 400:
            cls = client.error_class(record.code)
            assert cls.status == record.code
            base = client.ClientError if record.code < 500 else client.ServerError
            assert issubclass(cls, base)
            assert issubclass(cls, client.Retryable) == record.retryable


def test_seed_labels_name_the_classes_and_rfc_phrases_alias_them() -> None:
    assert client.ServerTimeout.status == 504
    assert client.GatewayTimeout is client.ServerTimeout
    assert client.RequestURITooLarge is client.URITooLong
    assert client.StatusNotImplemented.status == 501


def test_unknown_codes_fall_back_to_the_class_bases() -> None:
    assert client.error_class(499) is client.ClientError
    assert client.error_class(599) is client.ServerError


def _response(status: int, **kwargs: Any) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", "http://x.test/p"), **kwargs)


@pytest.mark.parametrize("status", range(400, 600))
def test_every_error_survives_pickling(status: int) -> None:
    problem = b'{"title":"t","status":%d,"detail":"why"}' % status
    error = client.error_class(status)(
        _response(status, headers={"Content-Type": "application/problem+json"},
                  content=problem),
        retry_after=2.0, attempts=[client.Attempt(1, status, None, "done", None, "http://x.test/p",
                                                  "GET")])
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert back.status_code == status
    assert str(back) == str(error)
    assert back.problem == {"title": "t", "status": status, "detail": "why"}
    assert back.retry_after == 2.0
    assert back.attempts == error.attempts
    assert back.url == "http://x.test/p"
    assert back.response is None  # a live response (a connection) does not travel


def test_adapter_flavoured_errors_survive_pickling() -> None:
    from statuskit.client._flavours import build

    request = httpx.Request("GET", "https://x.test/")
    too_long = build(client.RetryAfterTooLong, "httpx", request, 3600, _response(503),
                     "too long", [])
    insecure = build(client.InsecureRedirect, "httpx", request, "downgrade",
                     url="https://x.test/", location="http://x.test/")
    plain = requests.Response()
    plain.status_code = 503
    on_requests = build(client.RetryAfterTooLong, "requests", None, 3600, plain, "too long", [])
    for error, library_class in ((too_long, httpx.HTTPStatusError),
                                 (insecure, httpx.RequestError),
                                 (on_requests, requests.HTTPError)):
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error)
        assert isinstance(back, library_class)
        assert str(back) == str(error)
    assert pickle.loads(pickle.dumps(too_long)).retry_after == 3600


def test_message_of_an_unassigned_code_has_no_trailing_space() -> None:
    assert str(client.error_class(499)(_response(499))) == "499"
    plain = requests.Response()
    plain.status_code = 499
    assert str(client.error_class(499)(plain)) == "499"
    # A response without a reason phrase (HTTP/2 has none) gets the catalogue's.
    assert str(client.error_class(404)(_response(404))) == "404 Not Found"


def test_budget_exhausted_is_not_a_name_nobody_raises() -> None:
    # A spent budget hands back the server's own answer (and says so in the
    # history); there is no exception class for it to promise.
    assert not hasattr(client, "RetryBudgetExhausted")


def test_retryable_mixin_is_the_catalogue_retry_field() -> None:
    assert issubclass(client.ServiceUnavailable, client.Retryable)
    assert issubclass(client.RequestEntityTooLarge, client.Retryable)
    for status in (421, 423, 425, 500, 507):
        assert not issubclass(client.error_class(status), client.Retryable)
    assert not client.error_class(413)(_response(413)).retryable
    assert client.error_class(413)(_response(413), retry_after=5).retryable
