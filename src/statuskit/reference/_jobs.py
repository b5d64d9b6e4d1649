"""Background jobs for the 202 → 303 flow: accepted now, finished a little later."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Job", "JobBoard"]


@dataclass(slots=True)
class Job:
    id: str
    submitted: float
    duration: float
    payload: Any = None
    result: dict[str, Any] = field(default_factory=dict)

    def done(self, now: float | None = None) -> bool:
        return (time.monotonic() if now is None else now) >= self.submitted + self.duration

    def progress(self, now: float | None = None) -> float:
        elapsed = (time.monotonic() if now is None else now) - self.submitted
        return 1.0 if self.duration <= 0 else min(1.0, max(0.0, elapsed / self.duration))


class JobBoard:
    """Jobs that finish ``duration`` seconds after submission.

    Work is simulated by the clock alone, so there is no task to leak or cancel;
    the result is computed from the payload when first asked for.
    """

    def __init__(self, duration: float = 1.0, capacity: int = 10_000) -> None:
        self.duration = duration
        self.capacity = capacity
        self._jobs: dict[str, Job] = {}
        self._ids = itertools.count(1)

    def submit(self, payload: Any, duration: float | None = None) -> Job:
        if len(self._jobs) >= self.capacity:
            # Forget the oldest: a demo server must not grow without bound.
            self._jobs.pop(next(iter(self._jobs)))
        took = self.duration if duration is None else duration
        job = Job(f"j{next(self._ids)}", time.monotonic(), took, payload)
        self._jobs[job.id] = job
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def result(self, job: Job) -> dict[str, Any]:
        if not job.result:
            size = len(repr(job.payload)) if job.payload is not None else 0
            job.result = {"job": job.id, "status": "done", "input_size": size}
        return job.result
