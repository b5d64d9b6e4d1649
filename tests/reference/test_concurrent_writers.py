"""Two writers race GET-then-PUT-with-If-Match on one note: no update is lost."""

from __future__ import annotations

import threading

import httpx

ROUNDS = 40


def test_racing_writers_one_wins_each_round_the_other_gets_412(server: int) -> None:
    base = f"http://127.0.0.1:{server}"
    with httpx.Client(base_url=base) as setup:
        location = setup.post("/notes", json={"title": "race", "body": "0"}).headers["location"]
    barrier = threading.Barrier(2)
    statuses: list[list[int]] = [[], []]
    written: list[list[str]] = [[], []]

    def writer(me: int) -> None:
        with httpx.Client(base_url=base) as client:
            for round_ in range(ROUNDS):
                seen = client.get(location)
                barrier.wait()  # both hold the same version before either writes
                value = f"round {round_} by writer {me}"
                reply = client.put(location, json={"title": "race", "body": value},
                                   headers={"if-match": seen.headers["etag"]})
                statuses[me].append(reply.status_code)
                if reply.status_code == 200:
                    written[me].append(value)
                barrier.wait()  # the round is over for both

    threads = [threading.Thread(target=writer, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for round_ in range(ROUNDS):
        assert sorted((statuses[0][round_], statuses[1][round_])) == [200, 412], round_
    # Every acknowledged write was the note's state until the next round: the final
    # body is the last round's winner, and the version advanced once per round.
    with httpx.Client(base_url=base) as check:
        final = check.get(location).json()
    assert final["body"] == f"round {ROUNDS - 1} by writer " + (
        "0" if statuses[0][-1] == 200 else "1")
    assert final["version"] == ROUNDS + 1
    assert len(written[0]) + len(written[1]) == ROUNDS
