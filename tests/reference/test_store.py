import contextlib
import json
import sqlite3
import threading
from pathlib import Path

import pytest

from statuskit.reference.store import IdTaken, NoteStore, Unstorable, note_etag


@pytest.fixture
def store() -> NoteStore:
    return NoteStore()


def test_created_note_reads_back(store: NoteStore) -> None:
    note = store.create("a", "title", "body")
    assert store.get("a") == note
    assert note.version == 1


def test_create_with_taken_id_raises_and_keeps_the_original(store: NoteStore) -> None:
    store.create("a", "first", "")
    with pytest.raises(IdTaken):
        store.create("a", "second", "")
    stored = store.get("a")
    assert stored is not None and stored.title == "first"


def test_replace_changes_the_strong_etag(store: NoteStore) -> None:
    before = store.create("a", "t", "b")
    after = store.replace("a", "t", "b2", expected_etag=before.etag)
    assert after is not None
    assert after.etag != before.etag
    assert after.version == 2


def test_replace_with_stale_etag_changes_nothing(store: NoteStore) -> None:
    before = store.create("a", "t", "b")
    store.replace("a", "t", "b2")
    assert store.replace("a", "t", "lost", expected_etag=before.etag) is None
    stored = store.get("a")
    assert stored is not None and stored.body == "b2"


def test_replace_of_missing_note_is_none(store: NoteStore) -> None:
    assert store.replace("ghost", "t", "b") is None


def test_delete_leaves_a_tombstone(store: NoteStore) -> None:
    store.create("a", "t", "b")
    assert store.delete("a")
    assert store.get("a") is None
    assert store.was_deleted("a")
    assert not store.was_deleted("never-existed")


def test_recreating_a_deleted_id_clears_the_tombstone(store: NoteStore) -> None:
    store.create("a", "t", "b")
    store.delete("a")
    store.create("a", "t", "b")
    assert not store.was_deleted("a")


def test_new_ids_skip_taken_and_deleted_ones(store: NoteStore) -> None:
    store.create("n1", "t", "")
    store.create("n2", "t", "")
    store.delete("n2")
    assert store.new_id() == "n3"


def test_quotes_in_values_are_data_not_sql(store: NoteStore) -> None:
    note = store.create("x'); DROP TABLE notes; --", "t'", 'b"')
    assert store.get(note.id) == note
    assert len(store.all()) == 1


def test_file_database_survives_reopening(tmp_path: Path) -> None:
    path = str(tmp_path / "notes.sqlite")
    first = NoteStore(path)
    first.create("a", "t", "b")
    first.close()
    assert NoteStore(path).get("a") is not None


def _race(store: NoteStore, note_id: str, etag: str) -> list[object]:
    barrier = threading.Barrier(2)
    results: list[object] = []

    def write(value: str) -> None:
        barrier.wait()
        results.append(store.replace(note_id, "t", value, expected_etag=etag))

    threads = [threading.Thread(target=write, args=(v,)) for v in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_racing_writers_with_one_etag_have_exactly_one_winner(store: NoteStore) -> None:
    for round_ in range(50):
        seen = store.create(f"r{round_}", "t", "0")
        results = _race(store, seen.id, seen.etag)
        assert sum(r is not None for r in results) == 1


# -- item 9: a failed write leaves nothing behind and nothing open ------------------------

def _committed(path: Path) -> dict[str, str]:
    # Another connection sees only committed rows (SQLite isolation): the oracle.
    with contextlib.closing(sqlite3.connect(path)) as reader:
        return dict(reader.execute("SELECT id, title FROM notes").fetchall())


def _deny_tombstone_writes(action: int, table: str | None, *_: object) -> int:
    if table == "tombstones" and action in (sqlite3.SQLITE_DELETE, sqlite3.SQLITE_INSERT):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def test_failure_after_the_first_statement_rolls_the_whole_create_back(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    store = NoteStore(str(path))
    # The INSERT into notes succeeds, then the tombstone statement fails.
    store._db.set_authorizer(_deny_tombstone_writes)
    with pytest.raises(sqlite3.DatabaseError):
        store.create("half", "t", "")
    store._db.set_authorizer(None)
    assert not store._db.in_transaction
    assert store.get("half") is None
    store.create("whole", "t", "")
    assert _committed(path) == {"whole": "t"}


def test_failure_inside_delete_rolls_back_and_keeps_the_note(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    store = NoteStore(str(path))
    store.create("kept", "t", "")
    store._db.set_authorizer(_deny_tombstone_writes)
    with pytest.raises(sqlite3.DatabaseError):
        store.delete("kept")
    store._db.set_authorizer(None)
    assert not store._db.in_transaction
    assert _committed(path) == {"kept": "t"}
    assert not store.was_deleted("kept")


@pytest.mark.parametrize("text", ["\ud800", "tail \udfff", "\udbff\ud800"])
def test_unstorable_text_is_refused_and_later_writes_commit(tmp_path: Path, text: str) -> None:
    path = tmp_path / "notes.sqlite"
    store = NoteStore(str(path))
    store.create("a", "t", "")
    for write in (lambda: store.create("b", text, ""), lambda: store.create(text, "t", ""),
                  lambda: store.replace("a", "t", text)):
        with pytest.raises(Unstorable):
            write()
        assert not store._db.in_transaction
    assert store.replace("a", "t2", "") is not None
    store.create("c", "t", "")
    assert store.delete("c")
    assert _committed(path) == {"a": "t2"}


def test_private_area_has_its_own_notes(tmp_path: Path) -> None:
    path = str(tmp_path / "notes.sqlite")
    public, private = NoteStore(path), NoteStore(path, area="private")
    private.create("secret", "t", "")
    assert public.get("secret") is None
    assert not public.delete("secret")
    assert public.replace("secret", "t", "changed") is None
    public.create("secret", "public one", "")
    stored = private.get("secret")
    assert stored is not None and stored.title == "t"
    assert private.new_id().startswith("p")


def test_stored_validator_is_the_hash_of_what_was_written(store: NoteStore) -> None:
    created = store.create("a", "t", "b")
    assert created.etag == note_etag("a", 1, "t", "b")
    replaced = store.replace("a", "t2", "b2", expected_etag=created.etag)
    assert replaced is not None and replaced.etag == note_etag("a", 2, "t2", "b2")
    assert store.get("a") == replaced


def test_stored_document_is_the_note_as_compact_json(store: NoteStore) -> None:
    created = store.create("a", "ü \"quoted\"", "line\nbreak")
    assert json.loads(created.document) == created.as_json()
    assert b", " not in created.document and "ü".encode() in created.document
    replaced = store.replace("a", "t", "new body")
    assert replaced is not None
    assert json.loads(replaced.document) == {"id": "a", "title": "t", "body": "new body",
                                             "version": 2}


def test_file_written_before_stored_validators_gains_them(tmp_path: Path) -> None:
    path = str(tmp_path / "old.db")
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE notes (id TEXT PRIMARY KEY, title TEXT NOT NULL, "
                   "body TEXT NOT NULL, version INTEGER NOT NULL, modified INTEGER NOT NULL)")
        db.execute("INSERT INTO notes VALUES ('old', 'kept', 'from before', 3, 1700000000)")
    store = NoteStore(path)
    try:
        note = store.get("old")
        assert note is not None
        assert note.etag == note_etag("old", 3, "kept", "from before")
        assert json.loads(note.document) == note.as_json()
        # Compare-and-swap works on the filled-in validator.
        assert store.replace("old", "kept", "changed", expected_etag=note.etag) is not None
        assert store.replace("old", "kept", "lost", expected_etag=note.etag) is None
    finally:
        store.close()


def test_read_after_replace_is_the_new_note(store: NoteStore) -> None:
    created = store.create("a", "t", "old")
    assert store.get("a") == created  # read once, so the store has it at hand
    replaced = store.replace("a", "t", "new", expected_etag=created.etag)
    assert replaced is not None
    assert store.get("a") == replaced and store.get("a") != created


def test_read_after_delete_is_nothing_and_the_tombstone_stands(store: NoteStore) -> None:
    store.create("a", "t", "b")
    assert store.get("a") is not None
    assert store.delete("a")
    assert store.get("a") is None and store.was_deleted("a")


def test_read_after_a_rolled_back_replace_is_the_committed_note() -> None:
    store = NoteStore()
    created = store.create("a", "t", "b")
    assert store.get("a") == created
    store._db.execute("CREATE TRIGGER refuse BEFORE UPDATE ON notes "
                      "BEGIN SELECT RAISE(ABORT, 'refused'); END")
    with pytest.raises(sqlite3.IntegrityError):
        store.replace("a", "t", "never", expected_etag=created.etag)
    assert store.get("a") == created


def test_reads_racing_a_writer_end_on_the_last_committed_note(store: NoteStore) -> None:
    note = store.create("a", "t", "0")
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            store.get("a")

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        for n in range(1, 200):
            replaced = store.replace("a", "t", str(n), expected_etag=note.etag)
            assert replaced is not None
            note = replaced
            assert store.get("a") == note
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert store.get("a") == note and note.body == "199"
