import threading
from pathlib import Path

import pytest

from statuskit.reference.store import IdTaken, NoteStore


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
