"""Background jobs for the 202 → 303 flow: accepted now, finished a little later."""

from __future__ import annotations

import itertools
import sys
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Job", "JobBoard"]

# What the board may hold: a job keeps its id, clock and result, never its content,
# so both bounds together cap the board at a few MiB however jobs are posted.
JOB_CAPACITY = 10_000
JOB_BOARD_BYTES = 8 * 1024 * 1024


@dataclass(slots=True)
class Job:
    id: str
    submitted: float
    duration: float
    input_size: int = 0  # bytes of content the job was posted with
    result: dict[str, Any] = field(default_factory=dict)

    def done(self, now: float | None = None) -> bool:
        return (time.monotonic() if now is None else now) >= self.submitted + self.duration

    def progress(self, now: float | None = None) -> float:
        elapsed = (time.monotonic() if now is None else now) - self.submitted
        return 1.0 if self.duration <= 0 else min(1.0, max(0.0, elapsed / self.duration))

    def held(self) -> int:
        """The bytes this job keeps on the board (its own objects, shallowly)."""
        return (sys.getsizeof(self) + sys.getsizeof(self.id) + sys.getsizeof(self.result)
                + sum(sys.getsizeof(k) + sys.getsizeof(v) for k, v in self.result.items()))


class JobBoard:
    """Jobs that finish ``duration`` seconds after submission.

    Work is simulated by the clock alone, so there is no task to leak or cancel. The
    result is made at submission from what the job needs (its content's size); the
    content itself is not kept. The oldest jobs are forgotten past ``capacity`` jobs
    or ``max_bytes`` held.
    """

    def __init__(self, duration: float = 1.0, capacity: int = JOB_CAPACITY,
                 max_bytes: int = JOB_BOARD_BYTES) -> None:
        self.duration = duration
        self.capacity = capacity
        self.max_bytes = max_bytes
        self.held = 0
        self._jobs: OrderedDict[str, tuple[Job, int]] = OrderedDict()
        self._ids = itertools.count(1)

    def __len__(self) -> int:
        return len(self._jobs)

    def submit(self, input_size: int, duration: float | None = None) -> Job:
        took = self.duration if duration is None else duration
        job = Job(f"j{next(self._ids)}", time.monotonic(), took, input_size)
        job.result = {"job": job.id, "status": "done", "input_size": input_size}
        size = job.held()
        while self._jobs and (len(self._jobs) >= self.capacity
                              or self.held + size > self.max_bytes):
            # Forget the oldest: a demo server must not grow without bound.
            _, (_, old_size) = self._jobs.popitem(last=False)
            self.held -= old_size
        self._jobs[job.id] = (job, size)
        self.held += size
        return job

    def get(self, job_id: str) -> Job | None:
        entry = self._jobs.get(job_id)
        return entry[0] if entry is not None else None

    def result(self, job: Job) -> dict[str, Any]:
        return job.result
