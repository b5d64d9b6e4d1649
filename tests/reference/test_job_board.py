"""The job board's bounds: count and bytes, the oldest forgotten first."""

from __future__ import annotations

from statuskit.reference._jobs import JobBoard


def test_board_past_its_capacity_forgets_the_oldest_job() -> None:
    board = JobBoard(capacity=3)
    jobs = [board.submit(10) for _ in range(5)]
    assert len(board) == 3
    assert [board.get(j.id) for j in jobs[:2]] == [None, None]
    assert all(board.get(j.id) is j for j in jobs[2:])


def test_board_past_its_bytes_forgets_the_oldest_job() -> None:
    one = JobBoard().submit(10).held()
    limit = one * 4 + 16  # room for four (a longer id is a byte more)
    board = JobBoard(capacity=1000, max_bytes=limit)
    jobs = [board.submit(10) for _ in range(10)]
    assert len(board) == 4
    assert board.held <= limit
    assert board.get(jobs[5].id) is None
    assert board.get(jobs[-1].id) is jobs[-1]


def test_job_keeps_its_content_size_not_its_content() -> None:
    job = JobBoard().submit(1 << 20)
    assert job.result == {"job": job.id, "status": "done", "input_size": 1 << 20}
    assert not hasattr(job, "payload")
    assert job.held() < 1024
