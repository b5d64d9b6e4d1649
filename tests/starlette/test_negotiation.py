"""406 and Vary for routes that declare what they provide (RFC 9110 §12.5), over a
real uvicorn."""

from __future__ import annotations

import json

from wire import exchange, problem

from support.rawhttp import get


def test_no_acceptable_type_is_406_naming_the_available_ones(port: int) -> None:
    answer = get(port, "/docs/1", headers={"Accept": "image/png"})
    document = problem(answer, 406)
    assert "text/plain" in document["detail"] and "application/json" in document["detail"]
    assert answer.header("vary") == "Accept"


def test_the_preferred_type_is_served_with_vary_accept(port: int) -> None:
    answer = get(port, "/docs/1", headers={"Accept": "text/plain;q=0.5, application/json"})
    assert answer.status == 200
    assert answer.header("content-type") == "application/json"
    assert json.loads(answer.body)["text"]
    # RFC 9110 §12.5.5: the response depends on Accept.
    assert answer.header("vary") == "Accept"


def test_without_accept_the_first_declared_type_is_served(port: int) -> None:
    answer = get(port, "/docs/1")
    assert answer.header("content-type") == "text/plain; charset=utf-8"


def test_406_comes_before_the_preconditions(port: int) -> None:
    answer = exchange(port, "GET", "/docs/1", {"Accept": "image/png", "If-None-Match": "*"})
    assert answer.status == 406


def test_head_negotiates_too(port: int) -> None:
    answer = exchange(port, "HEAD", "/docs/1", {"Accept": "image/png"})
    assert answer.status == 406 and answer.body == b""


def test_a_huge_hostile_accept_is_answered_not_crashed(port: int) -> None:
    accept = ", ".join(f"x/{'y' * 20};q=0.{i % 10}" for i in range(300))
    answer = get(port, "/docs/1", headers={"Accept": accept})
    problem(answer, 406)
    assert answer.header("vary") == "Accept"
