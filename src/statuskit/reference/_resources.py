"""The reference API's resources: each seed code happens here for its real reason."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qs

import httpx2

from statuskit.reference._gateway import Forwarded, UpstreamFailed, forward
from statuskit.reference._ids import id_problem, note_path
from statuskit.reference._jobs import JobBoard
from statuskit.reference.store import IdTaken, Note, NoteStore
from statuskit.resource import (
    Accepted,
    Alternate,
    BadGateway,
    Conflict,
    Created,
    Done,
    GatewayTimeout,
    Outcome,
    PreconditionLost,
    ResetContent,
    Resource,
    SeeOther,
    parse_json,
)

# The most content any reference resource reads and parses. Parsing runs on the
# event loop: 64 KiB of the costliest JSON (``[{},{},...]``) takes ~20 ms there, a
# MiB ~400 ms, every other connection waiting (issue 26, H3).
MAX_CONTENT_BYTES = 64 * 1024
MAX_NOTE_BYTES = MAX_CONTENT_BYTES
MAX_TITLE = 200


@dataclass
class State:
    """What every resource of one reference app shares."""

    store: NoteStore
    private_store: NoteStore  # /private/notes: data of its own, behind the tokens
    jobs: JobBoard
    upstream: httpx2.AsyncClient
    gateway_timeout: float
    tokens: dict[str, str] = field(default_factory=dict)  # token -> "rw" | "ro"
    proxy_tokens: frozenset[str] = frozenset()
    index: str = ""  # GET /: the examples and the plan, as JSON text


def _state(resource: Resource) -> State:
    state: State = resource.request.state
    return state


def _note_errors(content: Any, *, id_allowed: bool) -> list[dict[str, Any]]:
    """What is wrong with a note document, field by field (422's errors member)."""
    if not isinstance(content, dict):
        return [{"field": "", "problem": "a note is a JSON object"}]
    errors: list[dict[str, Any]] = []
    title = content.get("title")
    if not isinstance(title, str) or not 1 <= len(title) <= MAX_TITLE:
        errors.append({"field": "title", "problem": f"a string of 1 to {MAX_TITLE} characters"})
    if not isinstance(content.get("body", ""), str):
        errors.append({"field": "body", "problem": "a string"})
    if "id" in content:
        problem = "not given here: the id is the path" if not id_allowed \
            else id_problem(content["id"])
        if problem:
            errors.append({"field": "id", "problem": problem})
    unknown = sorted(set(content) - {"title", "body", "id"})
    errors.extend({"field": name, "problem": "unknown field"} for name in unknown)
    return errors


def _markdown(note: Note) -> str:
    return f"# {note.title}\n\n{note.body}\n"


class _InArea(Resource):
    """A resource of one notes area: the public notes or the private ones."""

    private: ClassVar[bool] = False
    collection: ClassVar[str] = "/notes"

    def store(self) -> NoteStore:
        state = _state(self)
        return state.private_store if self.private else state.store


class Notes(_InArea):
    """``/notes``: the list, and where new notes are created."""

    accepts = {"POST": {"application/json": parse_json}}
    max_content_length = MAX_NOTE_BYTES

    def representation(self, media_type: str) -> Any:
        return {"notes": [n.as_json() for n in self.store().all()]}

    def validate(self, content: Any) -> list[dict[str, Any]] | None:
        return _note_errors(content, id_allowed=True) or None

    def post(self, content: Any) -> Outcome:
        store = self.store()
        note_id = content.get("id") or store.new_id()
        try:
            note = store.create(note_id, content["title"], content.get("body", ""))
        except IdTaken:
            return Conflict(f"a note with id {note_id!r} already exists")
        return Created(note_path(self.collection, note.id), note.as_json(), etag=note.etag)


class NoteItem(_InArea):
    """``/notes/{id}``: one note, negotiated, ranged, conditionally written."""

    provides = ("application/json", "text/plain", "text/markdown")
    accepts = {"PUT": {"application/json": parse_json}}
    max_content_length = MAX_NOTE_BYTES
    supports_ranges = True

    def __init__(self, request: Any) -> None:
        self.request = request
        state: State = request.state  # self.store(), without its two calls per request
        store = state.private_store if self.private else state.store
        self.note = store.get(request.params["id"])

    def exists(self) -> bool:
        return self.note is not None

    def previously_existed(self) -> bool:
        return self.store().was_deleted(self.request.params["id"])

    def etag(self) -> str | None:
        return self.note.etag if self.note else None

    def last_modified(self) -> float | None:
        return self.note.modified if self.note else None

    def cache_control(self) -> str:
        return "no-cache"  # always revalidate: notes change

    def representation(self, media_type: str) -> Any:
        assert self.note is not None
        if media_type == "text/markdown":
            return _markdown(self.note)
        if media_type == "text/plain":
            return f"{self.note.title}\n\n{self.note.body}\n"
        return self.note.document  # the JSON, rendered when the note was written

    def validate(self, content: Any) -> list[dict[str, Any]] | None:
        errors = _note_errors(content, id_allowed=False)
        problem = id_problem(self.request.params["id"]) if self.note is None else None
        if problem:
            # The id a PUT would create is the path's: held to the same alphabet.
            errors.append({"field": "id", "problem": problem})
        return errors or None

    def put(self, content: Any) -> Outcome:
        store = self.store()
        note_id = self.request.params["id"]
        if self.note is None:
            try:
                created = store.create(note_id, content["title"], content.get("body", ""))
            except IdTaken:
                # Created by someone else since this request looked.
                return PreconditionLost()
            return Created(note_path(self.collection, created.id), created.as_json(),
                           etag=created.etag)
        # Compare-and-swap on the validator the preconditions were judged against:
        # a writer that lost the race since then gets 412, never a silent overwrite.
        updated = store.replace(note_id, content["title"], content.get("body", ""),
                                expected_etag=self.note.etag)
        if updated is None:
            return PreconditionLost()
        return Done(updated.as_json(), etag=updated.etag)

    def delete(self) -> Outcome:
        assert self.note is not None
        if not self.store().delete(self.note.id, expected_etag=self.note.etag):
            return PreconditionLost()
        return Done()


class Jobs(Resource):
    """``/jobs``: work accepted now and finished later (202)."""

    accepts = {"POST": {"application/json": parse_json}}
    max_content_length = MAX_CONTENT_BYTES

    def representation(self, media_type: str) -> Any:
        return {"submit": "POST /jobs with any JSON (or none)"}

    def validate(self, content: Any) -> list[dict[str, Any]] | None:
        seconds = content.get("seconds") if isinstance(content, dict) else None
        if seconds is not None and (isinstance(seconds, bool) or
                                    not isinstance(seconds, int | float) or
                                    not 0 <= seconds <= 30):
            return [{"field": "seconds", "problem": "a number from 0 to 30"}]
        return None

    async def post(self, content: Any) -> Outcome:
        seconds = content.get("seconds") if isinstance(content, dict) else None
        # The job needs its content's size, not the content: the board keeps that.
        size = len(await self.request.body()) if content is not None else 0
        job = _state(self).jobs.submit(size, seconds)
        return Accepted(f"/jobs/{job.id}", {"job": job.id, "status": "running"})


class JobItem(Resource):
    """``/jobs/{id}``: the status monitor; 303 to the result once done."""

    def exists(self) -> bool:
        return _state(self).jobs.get(self.request.params["id"]) is not None

    def get(self) -> Outcome | None:
        job = _state(self).jobs.get(self.request.params["id"])
        if job is not None and job.done():
            return SeeOther(f"/jobs/{job.id}/result")
        return None

    def representation(self, media_type: str) -> Any:
        job = _state(self).jobs.get(self.request.params["id"])
        assert job is not None
        return {"job": job.id, "status": "running", "progress": round(job.progress(), 2)}


class JobResult(Resource):
    """``/jobs/{id}/result``: exists once the job is done."""

    def exists(self) -> bool:
        job = _state(self).jobs.get(self.request.params["id"])
        return job is not None and job.done()

    def representation(self, media_type: str) -> Any:
        jobs = _state(self).jobs
        job = jobs.get(self.request.params["id"])
        assert job is not None
        return jobs.result(job)


def _parse_form(body: bytes) -> dict[str, list[str]]:
    return parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)


class Feedback(Resource):
    """``/feedback``: a form; the client should clear it afterwards (205)."""

    accepts = {"POST": {"application/json": parse_json,
                        "application/x-www-form-urlencoded": _parse_form}}
    max_content_length = MAX_CONTENT_BYTES

    def representation(self, media_type: str) -> Any:
        return {"submit": "POST /feedback as a form or JSON"}

    def post(self, content: Any) -> Outcome:
        return ResetContent()


GUIDE_HTML = "<!doctype html><title>statuskit guide</title><h1>statuskit guide</h1>"
GUIDE_MD = "# statuskit guide\n\nEvery seed code, reachable: see GET /.\n"


class Guide(Resource):
    """``/guide``: two formats and no preference of its own (300)."""

    provides = ("text/html", "text/markdown")

    def multiple_choices(self) -> list[Alternate]:
        return [Alternate("/guide.html", "text/html", "the guide as a page"),
                Alternate("/guide.md", "text/markdown", "the guide as Markdown")]

    def representation(self, media_type: str) -> Any:
        return GUIDE_MD if media_type == "text/markdown" else GUIDE_HTML


class GuideHtml(Resource):
    provides = ("text/html",)

    def representation(self, media_type: str) -> Any:
        return GUIDE_HTML


class GuideMarkdown(Resource):
    provides = ("text/markdown",)

    def representation(self, media_type: str) -> Any:
        return GUIDE_MD


class Moved(Resource):
    """An address that is no longer where the thing lives."""

    accepts = {"POST": {"application/json": parse_json}}
    max_content_length = MAX_CONTENT_BYTES
    permanent_home: str | None = None
    temporary_home: str | None = None

    def allowed_methods(self) -> tuple[str, ...]:
        return ("GET", "HEAD", "POST", "OPTIONS")

    def exists(self) -> bool:
        return False

    def previously_existed(self) -> bool:
        return True

    def moved_permanently(self) -> str | None:
        return self.permanent_home

    def moved_temporarily(self) -> str | None:
        return self.temporary_home


class OldNotes(Moved):
    """``/old-notes``: the notes collection's former address, for good (301, or 308
    for POST so the new note is not lost)."""

    permanent_home = "/notes"


class LatestNote(Moved):
    """``/latest-note``: whichever note is newest, which changes (302)."""

    def moved_temporarily(self) -> str | None:
        notes = _state(self).store.all()
        if not notes:
            return "/notes"
        newest = max(notes, key=lambda n: (n.modified, n.version, n.id))
        return note_path("/notes", newest.id)


class Drafts(Moved):
    """``/drafts``: drafts are kept with the notes for now (307 keeps the POST)."""

    temporary_home = "/notes"


class _Private(_InArea):
    """The private area: its own notes, readable with any token, writable with rw."""

    private = True
    collection = "/private/notes"

    def authorized(self) -> bool | str:
        scheme, _, token = (self.request.header(b"authorization") or "").partition(" ")
        if scheme.lower() == "bearer" and token in _state(self).tokens:
            return True
        return 'Bearer realm="statuskit", error="invalid_token"' if token \
            else 'Bearer realm="statuskit"'

    def forbidden(self) -> bool | str:
        token = (self.request.header(b"authorization") or "").partition(" ")[2]
        if self.request.method not in ("GET", "HEAD", "OPTIONS") \
                and _state(self).tokens.get(token) != "rw":
            return "this token may read notes but not write them"
        return False


class PrivateNotes(_Private, Notes):
    """``/private/notes``: the private notes list, and where they are created."""


class PrivateNoteItem(_Private, NoteItem):
    """``/private/notes/{id}``: one private note."""


class Gateway(Resource):
    """``/gateway/{path}``: forwards to the upstream and reshapes what comes back."""

    def __init__(self, request: Any) -> None:
        super().__init__(request)
        self.document: dict[str, Any] | None = None

    def proxy_authorized(self) -> bool | str:
        allowed = _state(self).proxy_tokens
        if not allowed:
            return True
        scheme, _, token = (self.request.header(b"proxy-authorization") or "").partition(" ")
        return (scheme.lower() == "bearer" and token in allowed) or 'Bearer realm="gateway"'

    async def get(self) -> Outcome | None:
        state = _state(self)
        outcome = await forward(state.upstream, self.request.params["path"],
                                self.request.query_string, state.gateway_timeout)
        if isinstance(outcome, Forwarded):
            self.document = outcome.document
            return None
        if isinstance(outcome, UpstreamFailed):
            return BadGateway(outcome.reason)
        return GatewayTimeout(f"the upstream did not answer within {outcome.seconds:g} s")

    def non_authoritative(self) -> bool:
        return True  # the body was transformed on its way through (RFC 9110 §15.3.4)

    def representation(self, media_type: str) -> Any:
        return self.document


class Slow(Resource):
    """``/slow?seconds=N``: takes its time; a client timeout shorter than that is 504."""

    def malformed(self) -> str | None:
        try:
            seconds = float(parse_qs(self.request.query_string).get("seconds", ["1"])[0])
        except ValueError:
            return "seconds must be a number"
        return None if 0 <= seconds <= 30 else "seconds must be between 0 and 30"

    async def representation(self, media_type: str) -> Any:
        seconds = float(parse_qs(self.request.query_string).get("seconds", ["1"])[0])
        await asyncio.sleep(seconds)
        return {"slept": seconds}


class Fail(Resource):
    """``/fail``: a bug on purpose; the guard turns it into a 500 without internals."""

    def representation(self, media_type: str) -> Any:
        raise RuntimeError("the reference API's deliberate failure at /fail")

