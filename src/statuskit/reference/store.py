"""Notes kept in SQLite, with compare-and-swap writes.

Every write runs inside one explicit transaction (``_transaction``): it either
commits before the method returns, or any exception at all rolls it back and
propagates, so a caller never acknowledges a write that was not committed and
one failed write never leaves a transaction open for the next ones to vanish
into. A write that carries the validator the client saw re-checks that
validator in the same transaction, so two writers racing on one note can never
both win. Deleted ids leave a tombstone, which is what lets the API say 410.

Validators and the JSON document are computed once, when a note is written, and
stored in its row: a read is one indexed SELECT and one tuple, with no hashing,
no dataclass and no JSON encoding per request. An in-memory store also keeps the
notes it has read, which its own writes (the only ones there can be) forget.

Each store is one *area*: a pair of tables of its own (``notes`` and
``tombstones`` for the public notes, ``private_notes`` and
``private_tombstones`` for the private ones), so one area's ids never reach
the other's data.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from statuskit._json import compact_json

__all__ = ["AREAS", "IdTaken", "Note", "NoteStore", "Unstorable", "note_etag", "unstorable"]

# Table names come from this mapping only, never from a request.
AREAS = {"public": ("notes", "tombstones", "n"), "private": ("private_notes",
                                                            "private_tombstones", "p")}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS {notes} (
    id       TEXT PRIMARY KEY,
    title    TEXT NOT NULL,
    body     TEXT NOT NULL,
    version  INTEGER NOT NULL,
    modified INTEGER NOT NULL,
    etag     TEXT NOT NULL,
    document BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS {tombstones} (
    id      TEXT PRIMARY KEY,
    deleted INTEGER NOT NULL
);
"""


_COLUMNS = "id, title, body, version, modified, etag, document"

# How many notes an in-memory store keeps ready to read (at most 64 KiB each).
CACHED_NOTES = 256


class IdTaken(Exception):
    """A note with the requested id already exists."""


class Unstorable(ValueError):
    """Text SQLite cannot store as UTF-8 (a lone surrogate); nothing was written."""


def unstorable(text: str) -> bool:
    """Whether ``text`` has no UTF-8 form: Python strings may hold lone surrogates
    (JSON's ``"\\ud800"`` decodes to one), which RFC 3629 §3 excludes."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class Note(NamedTuple):
    id: str
    title: str
    body: str
    version: int
    modified: int  # POSIX seconds: HTTP dates have one-second resolution
    etag: str  # a strong validator, computed when the note was written
    document: bytes  # the note as compact JSON, rendered when it was written

    def as_json(self) -> dict[str, str | int]:
        return {"id": self.id, "title": self.title, "body": self.body, "version": self.version}


# A row as a Note with no Python frame: tuple.__new__ called from C (what _make does).
_note: Callable[[tuple[Any, ...]], Note] = functools.partial(tuple.__new__, Note)


def note_etag(note_id: str, version: int, title: str, body: str) -> str:
    """A strong validator: changes with every stored change of the note."""
    digest = hashlib.blake2s(
        f"{note_id}\0{version}\0{title}\0{body}".encode(), digest_size=8
    ).hexdigest()
    return f"{version}-{digest}"


def _written(note_id: str, title: str, body: str, version: int) -> tuple[str, bytes]:
    """The etag and document stored with a note's row at ``version``."""
    document = compact_json({"id": note_id, "title": title, "body": body, "version": version})
    return note_etag(note_id, version, title, body), document


class NoteStore:
    """One area's notes in SQLite (in memory unless a path is given).

    One connection guarded by a lock: the server is one process, and SQLite
    serialises writers anyway; the lock keeps a thread pool safe too. A read
    that goes to SQLite takes it as well: on one shared connection, a read from
    another thread during a write would see that write before its COMMIT. A
    read served from the in-memory store's cache takes no lock.
    """

    def __init__(self, path: str = ":memory:", area: str = "public") -> None:
        self._notes, self._tombstones, self._prefix = AREAS[area]
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        if path != ":memory:":
            # Readers keep reading while a writer commits; FULL makes a commit
            # durable before it returns, not only safe from a killed process.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA.format(notes=self._notes, tombstones=self._tombstones))
        self._lock = threading.Lock()
        self._counter = 0
        self._select = f"SELECT {_COLUMNS} FROM {self._notes}"
        self._select_one = f"{self._select} WHERE id = ?"
        # One cursor for the reads, used only under the lock: no cursor object per read.
        self._reader = self._db.cursor()
        # Notes read lately, by id. Only for an in-memory database: no other
        # connection can ever write it, so every change passes through this
        # object's writes, which forget the id first. A file may be written by
        # another process (several workers), so its reads always ask SQLite.
        self._cache: dict[str, Note] | None = {} if path == ":memory:" else None
        self._add_stored_validators()

    def _add_stored_validators(self) -> None:
        """Bring a file written before validators were stored up to the schema:
        add the two columns and fill them in, in one transaction."""
        columns = {row[1] for row in self._db.execute(f"PRAGMA table_info({self._notes})")}
        if "etag" in columns and "document" in columns:
            return
        with self._lock, self._transaction() as db:
            for name, kind in (("etag", "TEXT NOT NULL DEFAULT ''"),
                               ("document", "BLOB NOT NULL DEFAULT x''")):
                if name not in columns:
                    db.execute(f"ALTER TABLE {self._notes} ADD COLUMN {name} {kind}")
            rows = db.execute(f"SELECT id, title, body, version FROM {self._notes}").fetchall()
            for note_id, title, body, version in rows:
                db.execute(f"UPDATE {self._notes} SET etag = ?, document = ? WHERE id = ?",
                           (*_written(note_id, title, body, version), note_id))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; anything raised (a failed COMMIT included)
        rolls back and propagates. The caller holds the lock."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    def _row(self, note_id: str) -> Note | None:
        row = self._reader.execute(self._select_one, (note_id,)).fetchone()
        return _note(row) if row else None

    def get(self, note_id: str) -> Note | None:
        cache = self._cache
        if cache is not None:
            cached = cache.get(note_id)
            if cached is not None:
                return cached
        with self._lock:
            row = self._reader.execute(self._select_one, (note_id,)).fetchone()
            note = _note(row) if row else None
            # Filled under the lock, after the read: a writer (which forgets the id
            # under the same lock) can never be overtaken by an older row.
            if note is not None and cache is not None and len(cache) < CACHED_NOTES:
                cache[note_id] = note
        return note

    def _forget(self, note_id: str) -> None:
        """Drop a note about to be written from the read cache (the caller holds
        the lock); a write that then rolls back only costs the next read a SELECT."""
        if self._cache is not None:
            self._cache.pop(note_id, None)

    def all(self) -> list[Note]:
        with self._lock:
            rows = self._db.execute(f"{self._select} ORDER BY id").fetchall()
        return [_note(row) for row in rows]

    def was_deleted(self, note_id: str) -> bool:
        with self._lock:
            row = self._db.execute(
                f"SELECT 1 FROM {self._tombstones} WHERE id = ?", (note_id,)).fetchone()
        return row is not None

    def new_id(self) -> str:
        with self._lock:
            while True:
                self._counter += 1
                candidate = f"{self._prefix}{self._counter}"
                taken = self._db.execute(
                    f"SELECT 1 FROM {self._notes} WHERE id = ? "
                    f"UNION SELECT 1 FROM {self._tombstones} WHERE id = ?",
                    (candidate, candidate),
                ).fetchone()
                if not taken:
                    return candidate

    def create(self, note_id: str, title: str, body: str) -> Note:
        """Insert and commit a new note; raises IdTaken when the id exists and
        Unstorable for text with no UTF-8 form."""
        _refuse_unstorable(note_id, title, body)
        now = int(time.time())
        with self._lock:
            self._forget(note_id)
            try:
                with self._transaction() as db:
                    db.execute(
                        f"INSERT INTO {self._notes} ({_COLUMNS}) VALUES (?, ?, ?, 1, ?, ?, ?)",
                        (note_id, title, body, now, *_written(note_id, title, body, 1)),
                    )
                    db.execute(f"DELETE FROM {self._tombstones} WHERE id = ?", (note_id,))
            except sqlite3.IntegrityError:
                raise IdTaken(note_id) from None
            note = self._row(note_id)
        assert note is not None
        return note

    def replace(
        self, note_id: str, title: str, body: str, *, expected_etag: str | None = None
    ) -> Note | None:
        """Overwrite and commit an existing note; None when it is gone or no longer
        has ``expected_etag`` (another writer won)."""
        _refuse_unstorable(note_id, title, body)
        now = int(time.time())
        with self._lock, self._transaction() as db:
            self._forget(note_id)
            current = self._row(note_id)
            if current is None or (expected_etag is not None and current.etag != expected_etag):
                return None
            version = current.version + 1
            # The version in the WHERE clause is the compare of compare-and-swap.
            cursor = db.execute(
                f"UPDATE {self._notes} SET title = ?, body = ?, version = ?, modified = ?, "
                "etag = ?, document = ? WHERE id = ? AND version = ?",
                (title, body, version, max(now, current.modified),
                 *_written(note_id, title, body, version), note_id, current.version),
            )
            if cursor.rowcount != 1:
                return None
            updated = self._row(note_id)
        return updated

    def delete(self, note_id: str, *, expected_etag: str | None = None) -> bool:
        """Remove a note, leaving a tombstone, and commit; False when it is absent
        or changed."""
        with self._lock, self._transaction() as db:
            self._forget(note_id)
            current = self._row(note_id)
            if current is None or (expected_etag is not None and current.etag != expected_etag):
                return False
            db.execute(f"DELETE FROM {self._notes} WHERE id = ? AND version = ?",
                       (note_id, current.version))
            db.execute(f"INSERT OR REPLACE INTO {self._tombstones} (id, deleted) VALUES (?, ?)",
                       (note_id, int(time.time())))
        return True


def _refuse_unstorable(*texts: str) -> None:
    # Checked before BEGIN: SQLite's binding would raise halfway through a write.
    for text in texts:
        if unstorable(text):
            raise Unstorable("text with a lone surrogate has no UTF-8 form")
