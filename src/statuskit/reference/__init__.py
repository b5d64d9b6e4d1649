"""The reference API: a small real service where every seed code happens for its
real reason, built only from statuskit's own layers.

``create_app(**settings)`` returns the ASGI app (guard in front of the resource
app); ``statuskit serve`` runs it behind statuskit's wire protocol.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import httpx2

from statuskit.guard import Guard
from statuskit.reference._index import index_document, probe_plan
from statuskit.reference._jobs import JobBoard
from statuskit.reference._resources import (
    Drafts,
    Fail,
    Feedback,
    Gateway,
    Guide,
    GuideHtml,
    GuideMarkdown,
    JobItem,
    JobResult,
    Jobs,
    LatestNote,
    NoteItem,
    Notes,
    OldNotes,
    PrivateNoteItem,
    PrivateNotes,
    Slow,
    State,
)
from statuskit.reference._status_echo import status_app
from statuskit.reference._upstream import upstream_app
from statuskit.reference._websocket import echo
from statuskit.reference.store import NoteStore
from statuskit.resource import App, Resource

__all__ = ["DEMO_TOKENS", "close_app", "create_app", "parse_tokens"]

# Built in so every example in the index works with no setup.
DEMO_TOKENS = {"demo-rw": "rw", "demo-ro": "ro", "demo-proxy": "proxy"}
_SCOPES = frozenset({"rw", "ro", "proxy"})


def parse_tokens(specs: Iterable[str]) -> dict[str, str]:
    """``NAME:SCOPE`` strings (scope rw, ro or proxy) as a token table."""
    tokens: dict[str, str] = {}
    for spec in specs:
        name, sep, scope = spec.partition(":")
        if not sep or not name or scope not in _SCOPES:
            raise ValueError(f"a token is NAME:SCOPE with SCOPE one of rw, ro, proxy: {spec!r}")
        tokens[name] = scope
    return tokens


class Index(Resource):
    """``/``: one example request per seed code, and the probe plan."""

    def representation(self, media_type: str) -> str:
        state: State = self.request.state
        return state.index


def create_app(
    *,
    db: str = ":memory:",
    rate_limit: str | None = None,
    rate_limit_storage: str = "memory://",
    max_concurrency: int | None = None,
    maintenance: bool = False,
    upstream: str | None = None,
    gateway_timeout: float = 1.0,
    tokens: dict[str, str] | None = None,
    job_seconds: float = 1.0,
    debug: bool = False,
    **guard_settings: Any,
) -> Guard:
    """The reference API as an ASGI app.

    ``tokens`` maps bearer tokens to a scope (``rw``, ``ro``, ``proxy``); the demo
    tokens are used when none are given. Without ``upstream`` the gateway talks to
    a built-in upstream in-process; with one, to that base URL over HTTP.
    """
    table = dict(DEMO_TOKENS if tokens is None else tokens)
    client = httpx2.AsyncClient(
        base_url=upstream or "http://upstream.internal",
        transport=None if upstream else httpx2.ASGITransport(app=upstream_app),
    )
    state = State(
        store=NoteStore(db),
        private_store=NoteStore(db, area="private"),
        jobs=JobBoard(job_seconds),
        upstream=client,
        gateway_timeout=gateway_timeout,
        tokens={t: s for t, s in table.items() if s in ("rw", "ro")},
        proxy_tokens=frozenset(t for t, s in table.items() if s == "proxy"),
    )
    plan = probe_plan(
        proxy_token=next(iter(sorted(state.proxy_tokens)), None),
        read_only_token=next((t for t, s in sorted(table.items()) if s == "ro"), None),
    )
    # Rendered once, indented: people read this page with curl.
    state.index = json.dumps(index_document(plan), indent=2, ensure_ascii=False) + "\n"
    app = App(
        {
            "/": Index,
            "/notes": Notes,
            "/notes/{id}": NoteItem,
            "/jobs": Jobs,
            "/jobs/{id}": JobItem,
            "/jobs/{id}/result": JobResult,
            "/feedback": Feedback,
            "/guide": Guide,
            "/guide.html": GuideHtml,
            "/guide.md": GuideMarkdown,
            "/old-notes": OldNotes,
            "/latest-note": LatestNote,
            "/drafts": Drafts,
            "/private/notes": PrivateNotes,
            "/private/notes/{id}": PrivateNoteItem,
            "/gateway/{path:path}": Gateway,
            "/slow": Slow,
            "/fail": Fail,
        },
        websockets={"/ws/echo": echo},
        mounts={"/status": status_app},
        state=state,
        debug=debug,
    )
    return Guard(
        app,
        rate_limit=rate_limit,
        rate_limit_storage=rate_limit_storage,
        max_concurrency=max_concurrency,
        maintenance=maintenance,
        # RFC 9110 §15.5.12: writing a note needs its length up front (or chunks).
        require_length=lambda method, path: method in ("POST", "PUT") and (
            path == "/notes" or path.startswith("/notes/")),
        **guard_settings,
    )


def close_app(app: Guard) -> None:
    """Close the SQLite connections ``create_app`` opened; the app serves nothing after.

    ``statuskit serve --workers`` builds one app before forking, to report a mistake
    before anything listens, and closes it so no connection crosses the fork."""
    state: State = app.app.state  # type: ignore[attr-defined]
    state.store.close()
    state.private_store.close()
