"""The example's 201 names the new note without trusting the request's Host."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.rawhttp import get
from support.servers import serve

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from examples.fastapi_notes import create_app  # noqa: E402


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with serve(create_app()) as live:
        yield live


def test_location_of_a_created_note_does_not_echo_a_hostile_host(port: int) -> None:
    # RFC 9110 §10.2.2: Location may be a relative reference, resolved against the
    # target URI; built from Host, it sends clients wherever the request said.
    created = get(port, "/items", method="POST",
                  headers={"Host": "evil.example", "Content-Type": "application/json"},
                  body=b'{"title": "hello"}')
    assert created.status == 201
    location = created.header("location") or ""
    assert "evil.example" not in location
    assert location.startswith("/items/")
    assert get(port, location).status == 200
