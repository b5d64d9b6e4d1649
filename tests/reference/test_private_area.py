"""Item 15: the private area's notes are its own, so 401 and 403 protect something."""

from __future__ import annotations

import httpx
import pytest

PROBLEM = "application/problem+json"
RW = {"authorization": "Bearer demo-rw"}
RO = {"authorization": "Bearer demo-ro"}


@pytest.fixture
def secret(client: httpx.Client) -> str:
    created = client.post("/private/notes", json={"title": "secret", "body": "s"}, headers=RW)
    assert created.status_code == 201
    location = created.headers["location"]
    assert location.startswith("/private/notes/")
    return location


def _unchanged(client: httpx.Client, location: str) -> None:
    reply = client.get(location, headers=RO)
    assert reply.status_code == 200
    assert reply.json()["title"] == "secret"


def test_private_note_is_not_reachable_through_the_public_notes(client: httpx.Client,
                                                                secret: str) -> None:
    public = "/notes/" + secret.rsplit("/", 1)[1]
    assert client.get(public).status_code == 404
    assert client.delete(public).status_code == 404
    # A PUT there creates a public note of that id and leaves the private one alone.
    assert client.put(public, json={"title": "public"}).status_code in (200, 201)
    _unchanged(client, secret)
    listed = client.get("/notes").json()["notes"]
    assert all(n["title"] != "secret" for n in listed)


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE"])
def test_private_note_without_a_token_is_401_with_a_challenge(
        client: httpx.Client, secret: str, method: str) -> None:
    reply = client.request(method, secret, json={"title": "x"} if method == "PUT" else None)
    assert reply.status_code == 401
    assert reply.headers["www-authenticate"].startswith("Bearer")
    if method != "HEAD":
        assert reply.headers["content-type"] == PROBLEM
    _unchanged(client, secret)


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_read_only_token_writing_a_private_note_is_403(client: httpx.Client, secret: str,
                                                       method: str) -> None:
    reply = client.request(method, secret, headers=RO,
                           json={"title": "x"} if method == "PUT" else None)
    assert reply.status_code == 403
    assert reply.headers["content-type"] == PROBLEM
    _unchanged(client, secret)


def test_read_write_token_changes_and_deletes_a_private_note(client: httpx.Client,
                                                             secret: str) -> None:
    etag = client.get(secret, headers=RO).headers["etag"]
    changed = client.put(secret, json={"title": "new"}, headers={**RW, "if-match": etag})
    assert changed.status_code == 200
    assert client.get(secret, headers=RO).json()["title"] == "new"
    assert client.delete(secret, headers=RW).status_code == 204
    assert client.get(secret, headers=RO).status_code == 410


def test_private_list_shows_only_private_notes(client: httpx.Client, secret: str) -> None:
    client.post("/notes", json={"title": "public one"})
    titles = {n["title"] for n in client.get("/private/notes", headers=RO).json()["notes"]}
    assert "secret" in titles
    assert "public one" not in titles
