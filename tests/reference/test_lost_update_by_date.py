"""Two clients on the reference API: a stale If-Unmodified-Since never loses the later write.

RFC 9110 §13.1.4: the condition is false when the representation was modified after
the date the client sends, even within the second its Last-Modified was moved back
(§8.8.2.1).
"""

from __future__ import annotations

import httpx


def test_a_stale_if_unmodified_since_is_412_and_the_later_write_stays(server: int) -> None:
    base = f"http://127.0.0.1:{server}"
    with httpx.Client(base_url=base) as a, httpx.Client(base_url=base) as b:
        location = a.post("/notes", json={"title": "v1", "body": "x"}).headers["location"]
        seen = a.get(location)  # client A reads
        assert seen.status_code == 200
        since = seen.headers["last-modified"]
        # client B writes with its own If-Match, just after A's read
        current = b.get(location)
        written = b.put(location, json={"title": "B", "body": "x"},
                        headers={"if-match": current.headers["etag"]})
        assert written.status_code == 200, written.status_code
        # client A writes on what it read
        late = a.put(location, json={"title": "A", "body": "x"},
                     headers={"if-unmodified-since": since})
        assert late.status_code == 412, late.status_code
        assert late.headers["content-type"] == "application/problem+json"
        final = a.get(location).json()
    assert final["title"] == "B"
    assert final["version"] == 2
