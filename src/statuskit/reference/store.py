"""Notes kept in SQLite, with compare-and-swap writes.

Every write that carries the validator the client saw is one statement whose
WHERE clause re-checks that validator, so two writers racing on one note can
never both win: the loser's statement changes no row and it learns so.
Deleted ids leave a tombstone, which is what lets the API say 410 not 404.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from dataclasses import dataclass

__all__ = ["IdTaken", "Note", "NoteStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    id       TEXT PRIMARY KEY,
    title    TEXT NOT NULL,
    body     TEXT NOT NULL,
    version  INTEGER NOT NULL,
    modified INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tombstones (
    id      TEXT PRIMARY KEY,
    deleted INTEGER NOT NULL
);
"""


class IdTaken(Exception):
    """A note with the requested id already exists."""


@dataclass(frozen=True, slots=True)
class Note:
    id: str
    title: str
    body: str
    version: int
    modified: int  # POSIX seconds: HTTP dates have one-second resolution

    @property
    def etag(self) -> str:
        """A strong validator: changes with every stored change of the note."""
        digest = hashlib.blake2s(
            f"{self.id}\0{self.version}\0{self.title}\0{self.body}".encode(), digest_size=8
        ).hexdigest()
        return f"{self.version}-{digest}"

    def as_json(self) -> dict[str, str | int]:
        return {"id": self.id, "title": self.title, "body": self.body, "version": self.version}


class NoteStore:
    """A note table in SQLite (in memory unless a path is given).

    One connection guarded by a lock: the server is one process, and SQLite
    serialises writers anyway; the lock keeps a thread pool safe too.
    """

    def __init__(self, path: str = ":memory:") -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        if path != ":memory:":
            # Readers keep reading while a writer commits.
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._counter = 0

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _row(self, note_id: str) -> Note | None:
        row = self._db.execute(
            "SELECT id, title, body, version, modified FROM notes WHERE id = ?", (note_id,)
        ).fetchone()
        return Note(*row) if row else None

    def get(self, note_id: str) -> Note | None:
        with self._lock:
            return self._row(note_id)

    def all(self) -> list[Note]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, title, body, version, modified FROM notes ORDER BY id"
            ).fetchall()
        return [Note(*row) for row in rows]

    def was_deleted(self, note_id: str) -> bool:
        with self._lock:
            row = self._db.execute("SELECT 1 FROM tombstones WHERE id = ?", (note_id,)).fetchone()
        return row is not None

    def new_id(self) -> str:
        with self._lock:
            while True:
                self._counter += 1
                candidate = f"n{self._counter}"
                taken = self._db.execute(
                    "SELECT 1 FROM notes WHERE id = ? UNION SELECT 1 FROM tombstones WHERE id = ?",
                    (candidate, candidate),
                ).fetchone()
                if not taken:
                    return candidate

    def create(self, note_id: str, title: str, body: str) -> Note:
        """Insert a new note; raises IdTaken when the id exists."""
        now = int(time.time())
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute(
                    "INSERT INTO notes (id, title, body, version, modified) VALUES (?, ?, ?, 1, ?)",
                    (note_id, title, body, now),
                )
                self._db.execute("DELETE FROM tombstones WHERE id = ?", (note_id,))
                self._db.execute("COMMIT")
            except sqlite3.IntegrityError:
                self._db.execute("ROLLBACK")
                raise IdTaken(note_id) from None
            note = self._row(note_id)
        assert note is not None
        return note

    def replace(
        self, note_id: str, title: str, body: str, *, expected_etag: str | None = None
    ) -> Note | None:
        """Overwrite an existing note; None when it is gone or no longer has
        ``expected_etag`` (another writer won)."""
        now = int(time.time())
        with self._lock:
            current = self._row(note_id)
            if current is None or (expected_etag is not None and current.etag != expected_etag):
                return None
            # The version in the WHERE clause is the compare of compare-and-swap.
            cursor = self._db.execute(
                "UPDATE notes SET title = ?, body = ?, version = version + 1, modified = ? "
                "WHERE id = ? AND version = ?",
                (title, body, max(now, current.modified), note_id, current.version),
            )
            if cursor.rowcount != 1:
                return None
            return self._row(note_id)

    def delete(self, note_id: str, *, expected_etag: str | None = None) -> bool:
        """Remove a note, leaving a tombstone; False when it is absent or changed."""
        with self._lock:
            current = self._row(note_id)
            if current is None or (expected_etag is not None and current.etag != expected_etag):
                return False
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "DELETE FROM notes WHERE id = ? AND version = ?", (note_id, current.version)
            )
            self._db.execute(
                "INSERT OR REPLACE INTO tombstones (id, deleted) VALUES (?, ?)",
                (note_id, int(time.time())),
            )
            self._db.execute("COMMIT")
            return True
