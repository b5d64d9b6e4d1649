"""Several workers behind one port: `statuskit serve --workers N` as a real process tree.

What must hold across workers is proven with connections that the kernel gave to
different workers (seen in /proc): a rate limit in Redis is one allowance, and a
conditional write to the shared SQLite file is won once (no lost update).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.rawhttp import get
from support.servers import free_port, redis_server, wait_for_port

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")


@contextlib.contextmanager
def serve_workers(port: int, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "statuskit", "serve", "--port", str(port), *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port)
        _wait_for_workers(process.pid, 2)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        if process.stderr is not None:
            process.stderr.close()


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def _wait_for_workers(pid: int, count: int) -> list[int]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        children = _children(pid)
        if len(children) >= count:
            return children
        time.sleep(0.05)
    raise TimeoutError(f"{count} workers did not start")


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:"):
                inodes.add(target)
    return inodes


def _peer_inode(sock: socket.socket) -> str | None:
    """The inode of the server side of ``sock``: the /proc/net/tcp line whose remote
    address is our local one."""
    host, port = sock.getsockname()[:2]
    want = f"{socket.inet_aton(host)[::-1].hex().upper()}:{port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        # An older connection on the same client port may linger in another state (its
        # inode 0): only the established one is ours.
        if fields[2] == want and fields[3] == "01" and fields[9] != "0":
            return f"socket:[{fields[9]}]"
    return None


class Placed:
    """Connections that the kernel gave to known workers, and the requests it took to
    find out (each connection is proven accepted by one request before it is kept)."""

    def __init__(self, workers: list[int]) -> None:
        self.held: dict[int, list[socket.socket]] = {pid: [] for pid in workers}
        self.spent: dict[int, int] = dict.fromkeys(workers, 0)
        self.unplaced = 0  # requests spent on a connection whose worker was not seen

    def all(self) -> list[socket.socket]:
        return [sock for socks in self.held.values() for sock in socks]

    def close(self) -> None:
        for sock in self.all():
            sock.close()


def connections_on_every_worker(port: int, workers: list[int], per_worker: int) -> Placed:
    placed = Placed(workers)
    for _ in range(400):
        if all(len(socks) >= per_worker for socks in placed.held.values()):
            return placed
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        _send(sock, b"GET /status/200 HTTP/1.1\r\nHost: t\r\n\r\n")
        inode = _peer_inode(sock)
        owner = next((pid for pid in workers if inode in _socket_inodes(pid)), None)
        if owner is None:
            placed.unplaced += 1
            sock.close()
            continue
        placed.spent[owner] += 1
        if len(placed.held[owner]) < per_worker:
            placed.held[owner].append(sock)
        else:
            sock.close()
    placed.close()
    pytest.fail("the kernel never spread connections over the workers")


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "connection closed before a response"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    length = int(fields.get("content-length", "0"))
    while len(body) < length:
        body += sock.recv(65536)
    return status, fields, body


def _send(sock: socket.socket, request: bytes) -> tuple[int, dict[str, str], bytes]:
    sock.sendall(request)
    return _read_response(sock)


def test_serve_with_workers_forks_them_and_they_share_the_port(tmp_path: Path) -> None:
    port = free_port()
    with serve_workers(port, "--workers", "2", "--db", str(tmp_path / "n.db")) as process:
        workers = _wait_for_workers(process.pid, 2)
        assert len(workers) == 2
        placed = connections_on_every_worker(port, workers, per_worker=1)
        for sock in placed.all():
            status, fields, body = _send(sock, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            assert status == 200
            assert fields["content-type"].startswith("application/json")
            assert json.loads(body)["statuskit_plan"]
        placed.close()


def test_serve_workers_stop_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    with serve_workers(port, "--workers", "2", "--db", str(tmp_path / "n.db")) as process:
        workers = _wait_for_workers(process.pid, 2)
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
        for pid in workers:
            assert not Path(f"/proc/{pid}").exists() or \
                "zombie" in Path(f"/proc/{pid}/status").read_text()


def test_a_killed_worker_is_replaced(tmp_path: Path) -> None:
    port = free_port()
    with serve_workers(port, "--workers", "2", "--db", str(tmp_path / "n.db")) as process:
        workers = _wait_for_workers(process.pid, 2)
        time.sleep(1.2)  # past the start-up grace: a crash-looping worker is not restarted
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            now = _children(process.pid)
            if len(now) == 2 and workers[0] not in now:
                break
            time.sleep(0.05)
        assert workers[0] not in _children(process.pid)
        assert len(_children(process.pid)) == 2
        assert get(port, "/status/200").status == 200


def test_workers_without_a_database_file_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "statuskit", "serve", "--workers", "2", "--port", "0"],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "--workers needs --db FILE" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("count", ["0", "-1", "two", "٢", "65"])
def test_a_bad_worker_count_is_a_usage_error(count: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "statuskit", "serve", "--workers", count, "--port", "0"],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2
    assert "worker count" in result.stderr
    assert "Traceback" not in result.stderr


def test_rate_limit_in_redis_is_one_allowance_across_workers(tmp_path: Path) -> None:
    with redis_server() as redis_port:
        port = free_port()
        with serve_workers(port, "--workers", "2", "--db", str(tmp_path / "n.db"),
                           "--rate-limit", "20/minute",
                           "--rate-limit-storage", f"redis://127.0.0.1:{redis_port}") as proc:
            placed = connections_on_every_worker(port, _wait_for_workers(proc.pid, 2), 1)
            seen = [_send(sock, b"GET /status/200 HTTP/1.1\r\nHost: t\r\n\r\n")
                    for sock in placed.all() for _ in range(15)]
            placed.close()
    # One allowance, whichever worker spent it (every placing request counts, placed or not).
    left = max(0, 20 - sum(placed.spent.values()) - placed.unplaced)
    statuses = [s[0] for s in seen]
    assert statuses.count(200) == left
    assert statuses.count(429) == len(seen) - left
    for status, fields, body in seen:
        if status == 429:
            assert int(fields["retry-after"]) >= 0
            assert fields["content-type"] == "application/problem+json"
            assert json.loads(body)["status"] == 429


def test_memory_rate_limit_is_per_worker(tmp_path: Path) -> None:
    """The control for the test above: without Redis each worker counts alone."""
    port = free_port()
    with serve_workers(port, "--workers", "2", "--db", str(tmp_path / "n.db"),
                       "--rate-limit", "20/minute") as proc:
        placed = connections_on_every_worker(port, _wait_for_workers(proc.pid, 2), 1)
        served = {pid: [_send(sock, b"GET /status/200 HTTP/1.1\r\nHost: t\r\n\r\n")[0]
                        for _ in range(15) for sock in socks]
                  for pid, socks in placed.held.items()}
        placed.close()
    for pid, statuses in served.items():
        # An unplaced request spent one of some worker's allowance: at most that much slack.
        most = min(15, max(0, 20 - placed.spent[pid]))
        assert most - placed.unplaced <= statuses.count(200) <= most


def test_conditional_writes_from_two_workers_never_both_win(tmp_path: Path) -> None:
    port = free_port()
    auth = b"Authorization: Bearer demo-rw\r\n"
    with serve_workers(port, "--workers", "2", "--db", str(tmp_path / "n.db")) as proc:
        workers = _wait_for_workers(proc.pid, 2)
        placed = connections_on_every_worker(port, workers, per_worker=4)
        socks = placed.all()
        note = json.dumps({"title": "shared", "body": "v1"}).encode()
        status, fields, _ = _send(socks[0], b"PUT /notes/race HTTP/1.1\r\nHost: t\r\n" + auth +
                                  b"Content-Type: application/json\r\nContent-Length: " +
                                  str(len(note)).encode() + b"\r\n\r\n" + note)
        assert status == 201
        etag = fields["etag"].encode()
        update = json.dumps({"title": "shared", "body": "v2"}).encode()
        request = (b"PUT /notes/race HTTP/1.1\r\nHost: t\r\n" + auth +
                   b"If-Match: " + etag + b"\r\nContent-Type: application/json\r\n"
                   b"Content-Length: " + str(len(update)).encode() + b"\r\n\r\n" + update)
        for sock in socks:  # every worker gets the same conditional write at once
            sock.sendall(request)
        answers = [_read_response(sock) for sock in socks]
        placed.close()
    wins = [a for a in answers if 200 <= a[0] < 300]
    losses = [a for a in answers if a[0] == 412]
    assert len(wins) == 1, [a[0] for a in answers]  # RFC 9110 §13.1.1: one lost update never
    assert len(losses) == len(answers) - 1
    for _, fields, body in losses:
        assert fields["content-type"] == "application/problem+json"
        assert json.loads(body)["status"] == 412


def _broken_app() -> object:
    raise RuntimeError("the app cannot start")


def test_workers_that_all_die_at_start_are_an_error_not_a_clean_exit() -> None:
    from statuskit.server import WorkersExited, bind
    from statuskit.server import serve_workers as supervise

    sock = bind("127.0.0.1", 0)
    try:
        with pytest.raises(WorkersExited, match="2 workers"):
            supervise(lambda: _broken_app(), sock, 2)  # type: ignore[arg-type, return-value]
    finally:
        sock.close()
