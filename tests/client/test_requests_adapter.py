"""RetryAdapter: the same policy under requests."""

from __future__ import annotations

import pytest
import requests
from scripted import Script

from statuskit.client import (
    NotFound,
    RecordedWaits,
    RetryAdapter,
    RetryAfterTooLong,
    raise_for_status,
)

Server = tuple[str, Script]


def session(waits: RecordedWaits | None = None, **kwargs: object) -> requests.Session:
    s = requests.Session()
    s.mount("http://", RetryAdapter(sleep=(waits or RecordedWaits()).sleep, **kwargs))  # type: ignore[arg-type]
    return s


def test_get_503_is_retried_and_history_is_kept(server: Server) -> None:
    base, script = server
    script.on("/r-503", 503, 200)
    response = session().get(base + "/r-503")
    assert response.status_code == 200
    assert [a.status for a in response.statuskit_attempts] == [503, 200]  # type: ignore[attr-defined]


def test_post_503_is_not_retried(server: Server) -> None:
    base, script = server
    script.on("/r-post", 503)
    assert session().post(base + "/r-post", data=b"x").status_code == 503
    assert script.count("/r-post") == 1


def test_invalid_retry_after_never_raises(server: Server) -> None:
    base, script = server
    script.on("/r-bad", (429, {"Retry-After": "soon-ish"}, b""), 200)
    assert session().get(base + "/r-bad").status_code == 200


def test_far_future_retry_after_raises(server: Server) -> None:
    base, script = server
    script.on("/r-far", (429, {"Retry-After": "7200"}, b""))
    with pytest.raises(RetryAfterTooLong):
        session().get(base + "/r-far")


def test_typed_error_from_a_requests_response(server: Server) -> None:
    base, script = server
    script.on("/r-404", 404)
    with pytest.raises(NotFound):
        raise_for_status(session().get(base + "/r-404"))


def test_305_is_never_followed(server: Server) -> None:
    base, script = server
    script.on("/r-305", (305, {"Location": "/echo"}, b""))
    response = session().get(base + "/r-305")
    assert response.status_code == 305


def test_raise_for_status_on_a_streamed_response_reads_at_most_64_kib(server: Server) -> None:
    base, script = server
    big = b'{"detail": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    script.on("/r-streamed-big", (404, {"Content-Type": "application/problem+json"}, big))
    with session() as s:
        response = s.get(base + "/r-streamed-big", stream=True)
        with pytest.raises(NotFound) as not_found:
            raise_for_status(response)
        read = response.raw.tell()
    assert not_found.value.problem is None  # past the limit: no problem document
    assert read <= 64 * 1024 + 16 * 1024  # the limit and one chunk, not 5 MB
    assert response.raw.closed  # and the connection let go


def test_raise_for_status_on_a_streamed_problem_reads_its_details(server: Server) -> None:
    base, script = server
    problem = b'{"title": "Not Found", "detail": "streamed"}'
    script.on("/r-streamed-404", (404, {"Content-Type": "application/problem+json"}, problem))
    with session() as s:
        response = s.get(base + "/r-streamed-404", stream=True)
        with pytest.raises(NotFound) as not_found:
            raise_for_status(response)
    assert not_found.value.problem == {"title": "Not Found", "detail": "streamed"}
    assert isinstance(not_found.value, requests.HTTPError)
    assert not_found.value.response is response


def test_one_adapter_shared_by_eight_threads_keeps_each_requests_history_its_own(
        server: Server) -> None:
    # Each thread's own Session mounts the one adapter (requests documents no
    # thread-safety for a Session; adapters are shared). Retries and redirect hops
    # interleave across threads; each response's history must be its own exchange.
    import math
    import threading

    from statuskit.client import RetryBudget, attempts_of

    base, script = server
    adapter = RetryAdapter(sleep=RecordedWaits().sleep, budget=RetryBudget(max_tokens=math.inf))
    histories: dict[str, list[tuple[str, int | None, str]]] = {}
    failures: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work(thread: int) -> None:
        with requests.Session() as own:
            own.mount("http://", adapter)
            barrier.wait()
            for n in range(15):
                path = f"/threads-{thread}-{n}"
                try:
                    response = own.get(base + path)
                    histories[path] = [(a.url.removeprefix(base), a.status, a.decision.split()[0])
                                       for a in attempts_of(response)]
                except BaseException as error:  # reported below
                    failures.append(error)

    for thread in range(8):
        for n in range(15):
            path = f"/threads-{thread}-{n}"
            script.on(path, 503, (307, {"Location": path + "-moved"}, b""))
            script.on(path + "-moved", (200, {}, path.encode()))
    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert len(histories) == 120
    for path, history in histories.items():
        assert history == [(path, 503, "retry"), (path, 307, "redirect"),
                           (path + "-moved", 200, "done")], path
