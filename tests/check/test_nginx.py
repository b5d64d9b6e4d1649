"""The checker against a real nginx serving a static file on loopback."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from statuskit.check import Options, Outcome, check_server
from support.servers import free_port, wait_for_port

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    assert NGINX is not None
    prefix = tmp_path_factory.mktemp("nginx")
    (prefix / "www").mkdir()
    (prefix / "www" / "index.html").write_text("<!doctype html><title>x</title><p>hello\n")
    port = free_port()
    user = "user root;" if os.geteuid() == 0 else ""
    conf = prefix / "nginx.conf"
    conf.write_text(f"""
{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {prefix}/www;
    }}
}}
""")
    process = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield port
    finally:
        process.terminate()
        process.wait(10)


# What nginx 1.22.1 (Debian 12) earned when this test was written, with the reason.
EXPECTED = {
    404: Outcome.PASS,  # a random path
    412: Outcome.PASS,  # If-Match with another tag on a static file
    304: Outcome.PASS,  # If-None-Match with its ETag
    206: Outcome.PASS,  # Range: bytes=0-0
    416: Outcome.PASS,  # a range past the end
    414: Outcome.PASS,  # a 64 KiB target: 414 (large_client_header_buffers)
    505: Outcome.PASS,  # HTTP/3.0 request line
    501: Outcome.FAIL,  # an unknown method on a static file is 405, not 501
    417: Outcome.FAIL,  # nginx ignores an unknown Expect and serves the file
    413: Outcome.PASS,  # 1 TB declared: 413 from client_max_body_size, no 100 first
    406: Outcome.FAIL,  # nginx disregards Accept for static files (RFC 9110 allows it)
    204: Outcome.FAIL,  # OPTIONS on a static file is 405, not 204 + Allow
    405: Outcome.FAIL,  # a static 405 carries no Allow
}


def test_checker_verdicts_on_nginx(nginx: int) -> None:
    verdicts = asyncio.run(check_server(f"http://127.0.0.1:{nginx}/",
                                        Options(only=set(EXPECTED), timeout=3)))
    got = {v.code: v.outcome for v in verdicts}
    assert got == EXPECTED, {v.code: (v.outcome, v.status, v.reason) for v in verdicts}
    assert all(v.status is not None for v in verdicts)
