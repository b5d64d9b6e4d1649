"""A real nginx on loopback serving one static file, plain or with TLS."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from support.servers import free_port, wait_for_port

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


@contextlib.contextmanager
def nginx(prefix: Path, tls: tuple[Path, Path] | None = None) -> Iterator[int]:
    assert NGINX is not None
    (prefix / "www").mkdir()
    (prefix / "www" / "index.html").write_text("<!doctype html><title>x</title><p>hello\n")
    port = free_port()
    user = "user root;" if os.geteuid() == 0 else ""
    listen = f"listen 127.0.0.1:{port}" + (" ssl" if tls else "") + ";"
    if tls:
        listen += f"\n        ssl_certificate {tls[0]};\n        ssl_certificate_key {tls[1]};"
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
        {listen}
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
