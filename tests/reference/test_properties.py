"""Properties of the reference API's JSON routes over loopback: whatever JSON,
ids and Unicode a client sends, no answer is a 5xx, every refusal is a problem
document, and every write acknowledged with 2xx reads back as written.

Examples are bounded (40 per property, about 400 requests in all) to keep the suite fast.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

PROBLEM = "application/problem+json"
JSON = {"content-type": "application/json"}
RW = {"authorization": "Bearer demo-rw"}

# Every code point but surrogates (controls, unassigned, private use included);
# lone surrogates (category Cs), which JSON's \\uXXXX escapes can carry though
# UTF-8 cannot, go into about one string in six.
ANY_CHAR = st.characters(codec=None)
WITH_SURROGATE = st.tuples(st.text(max_size=6), st.characters(categories=["Cs"]),
                           st.text(max_size=6)).map("".join)


def _sometimes_surrogate(plain: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    # one_of would favour the shorter branch; a drawn die keeps it near 1 in 6.
    return st.integers(1, 6).flatmap(lambda face: WITH_SURROGATE if face == 4 else plain)


TEXT = _sometimes_surrogate(st.text(ANY_CHAR, max_size=24))
TITLES = _sometimes_surrogate(st.text(ANY_CHAR, min_size=1, max_size=40))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)
# Ids in the documented alphabet, and anything at all.
IDS = st.text(st.characters(categories=["L", "M", "N", "P", "S"]), min_size=1, max_size=64) \
    | st.text(ANY_CHAR, min_size=1, max_size=70)
# Note-shaped documents make most examples reach the store, not only the validator.
NOTES = st.fixed_dictionaries(
    {"title": TITLES}, optional={"body": st.one_of(TEXT, TEXT, JSON_VALUES), "id": IDS})
DOCUMENTS = st.one_of(NOTES, NOTES, JSON_VALUES)
BOUNDED = settings(max_examples=40, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def api(server: int) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{server}", timeout=10) as client:
        yield client


def _send(api: httpx.Client, method: str, path: str, document: Any,
          headers: dict[str, str] | None = None) -> httpx.Response:
    # ensure_ascii: a lone surrogate goes out as the escape "\ud800", as JSON allows.
    reply = api.request(method, path, content=json.dumps(document).encode(),
                        headers={**JSON, **(headers or {})})
    event(f"{method} answered {reply.status_code}")  # --hypothesis-show-statistics
    assert reply.status_code < 500, (method, path, document, reply.text)
    if reply.status_code >= 400:
        assert reply.headers["content-type"] == PROBLEM
    return reply


def _reads_back(api: httpx.Client, location: str, reply: httpx.Response,
                document: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    stored = api.get(location, headers=headers)
    assert stored.status_code == 200
    assert stored.headers["etag"] == reply.headers["etag"]
    note = stored.json()
    assert note["title"] == document["title"]
    assert note["body"] == document.get("body", "")
    assert note == reply.json()


@BOUNDED
@given(document=DOCUMENTS)
def test_post_note_never_5xx_and_created_notes_read_back(api: httpx.Client,
                                                         document: Any) -> None:
    reply = _send(api, "POST", "/notes", document)
    if reply.status_code == 201:
        _reads_back(api, reply.headers["location"], reply, document)
        if "id" in document:
            assert reply.json()["id"] == document["id"]


@BOUNDED
@given(note_id=IDS, document=DOCUMENTS)
def test_put_any_id_never_5xx_and_written_notes_read_back(api: httpx.Client, note_id: str,
                                                          document: Any) -> None:
    path = "/notes/" + quote(note_id, safe="", errors="surrogatepass")
    reply = _send(api, "PUT", path, document)
    if reply.status_code in (200, 201):
        assert reply.json()["id"] == note_id
        # A 201 names the new note in Location; a 200 PUT wrote where it was sent.
        _reads_back(api, reply.headers.get("location", path), reply, document)


@BOUNDED
@given(document=NOTES)
def test_private_writes_read_back_only_in_the_private_area(api: httpx.Client,
                                                           document: dict[str, Any]) -> None:
    document = {**document, "body": f"private {uuid.uuid4()}"}  # found nowhere else
    reply = _send(api, "POST", "/private/notes", document, RW)
    if reply.status_code == 201:
        location = reply.headers["location"]
        _reads_back(api, location, reply, document, RW)
        # The same id may name a public note too, but never this one.
        public = api.get("/notes/" + location.rsplit("/", 1)[1])
        assert public.status_code in (404, 410) or public.json()["body"] != document["body"]


@BOUNDED
@given(document=JSON_VALUES, path=st.sampled_from(["/jobs", "/feedback"]))
def test_other_json_routes_never_5xx(api: httpx.Client, document: Any, path: str) -> None:
    reply = _send(api, "POST", path, document)
    assert reply.status_code in (202, 205, 400, 422)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TITLES, body=TEXT)
def test_acknowledged_delete_is_gone_afterwards(api: httpx.Client, title: str,
                                                body: str) -> None:
    created = _send(api, "POST", "/notes", {"title": title, "body": body})
    if created.status_code != 201:
        return
    location = created.headers["location"]
    assert api.delete(location).status_code == 204
    gone = api.get(location)
    assert gone.status_code == 410
    assert gone.headers["content-type"] == PROBLEM
