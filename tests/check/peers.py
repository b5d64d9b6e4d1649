"""Real third-party servers on a free loopback port, each in a process of its own.

Five from PyPI (hypercorn, granian, waitress, Tornado, aiohttp) serve the apps in
``check/peer_apps.py``; three from apt-get (Apache 2.4, lighttpd, Caddy) serve one
static file. Every launcher yields the port once the server accepts connections
and stops the process on every path out, killing it when it does not stop. A
server that is not installed skips its tests, except in CI (``CI`` set), where
``.ci/run`` installs it and its absence is a failure.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from check.peer_apps import PAGE
from support.servers import free_port, wait_for_port

HERE = Path(__file__).parent
TESTS = HERE.parent
APACHE = shutil.which("apache2") or ("/usr/sbin/apache2" if os.path.exists("/usr/sbin/apache2")
                                     else None)
LIGHTTPD = shutil.which("lighttpd") or ("/usr/sbin/lighttpd"
                                        if os.path.exists("/usr/sbin/lighttpd") else None)
CADDY = shutil.which("caddy")
_APACHE_MODULES = Path("/usr/lib/apache2/modules")


def require(what: str, present: bool) -> None:
    """Skip where ``what`` is missing, unless in CI, where it must be there."""
    if present:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is not installed; .ci/run installs it")
    pytest.skip(f"{what} is not installed")


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@contextlib.contextmanager
def _process(argv: list[str], port: int, *, cwd: Path | None = None,
             env: dict[str, str] | None = None) -> Iterator[int]:
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONPATH": str(TESTS), **(env or {})})
    try:
        try:
            wait_for_port(port, 20)
        except TimeoutError:
            process.kill()
            _, err = process.communicate(timeout=5)
            raise RuntimeError(f"{argv[0]} did not start: {err.decode(errors='replace')}") \
                from None
        yield port
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        if process.stderr is not None:
            process.stderr.close()


@contextlib.contextmanager
def _www() -> Iterator[Path]:
    """A document root the servers below can read after they drop root for their own
    user (pytest's temporary directories are its user's alone); removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="statuskit-www-") as where:
        www = Path(where)
        www.chmod(0o755)
        (www / "index.html").write_text(PAGE)
        (www / "index.html").chmod(0o644)
        yield www


# -- from PyPI ----------------------------------------------------------------------------


@contextlib.contextmanager
def hypercorn(prefix: Path) -> Iterator[int]:
    require("hypercorn", _installed("hypercorn"))
    port = free_port()
    with _process([sys.executable, "-m", "hypercorn", "--bind", f"127.0.0.1:{port}",
                   "--log-level", "critical", "check.peer_apps:asgi"], port):
        yield port


@contextlib.contextmanager
def granian(prefix: Path) -> Iterator[int]:
    require("granian", _installed("granian"))
    port = free_port()
    with _process([sys.executable, "-m", "granian", "--interface", "asgi", "--host",
                   "127.0.0.1", "--port", str(port), "--log-level", "critical",
                   "--no-ws", "check.peer_apps:asgi"], port, cwd=TESTS):
        yield port


@contextlib.contextmanager
def waitress(prefix: Path) -> Iterator[int]:
    require("waitress", _installed("waitress"))
    port = free_port()
    with _process([sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}",
                   "check.peer_apps:wsgi"], port):
        yield port


@contextlib.contextmanager
def tornado(prefix: Path) -> Iterator[int]:
    require("tornado", _installed("tornado"))
    port = free_port()
    with _process([sys.executable, str(HERE / "peer_apps.py"), "tornado", str(port)], port):
        yield port


@contextlib.contextmanager
def aiohttp(prefix: Path) -> Iterator[int]:
    require("aiohttp", _installed("aiohttp"))
    port = free_port()
    with _process([sys.executable, str(HERE / "peer_apps.py"), "aiohttp", str(port)], port):
        yield port


# -- from apt-get -------------------------------------------------------------------------


@contextlib.contextmanager
def apache(prefix: Path) -> Iterator[int]:
    require("apache2", APACHE is not None and _APACHE_MODULES.is_dir())
    assert APACHE is not None
    port = free_port()
    modules = "\n".join(f"LoadModule {name}_module {_APACHE_MODULES}/mod_{name}.so"
                        for name in ("mpm_event", "authz_core", "dir", "mime"))
    user = "User www-data\nGroup www-data" if os.geteuid() == 0 else ""
    conf = prefix / "apache2.conf"
    with _www() as www:
        conf.write_text(f"""{modules}
ServerRoot {prefix}
ServerName localhost
Listen 127.0.0.1:{port}
PidFile {prefix}/apache2.pid
ErrorLog {prefix}/error.log
{user}
TypesConfig /etc/mime.types
DocumentRoot {www}
DirectoryIndex index.html
<Directory {www}>
    Require all granted
</Directory>
""")
        with _process([APACHE, "-f", str(conf), "-DFOREGROUND"], port):
            yield port


@contextlib.contextmanager
def lighttpd(prefix: Path) -> Iterator[int]:
    require("lighttpd", LIGHTTPD is not None)
    assert LIGHTTPD is not None
    port = free_port()
    user = 'server.username = "www-data"\nserver.groupname = "www-data"' \
        if os.geteuid() == 0 else ""
    conf = prefix / "lighttpd.conf"
    with _www() as www:
        conf.write_text(f"""server.document-root = "{www}"
server.bind = "127.0.0.1"
server.port = {port}
index-file.names = ("index.html")
mimetype.assign = (".html" => "text/html")
{user}
""")
        with _process([LIGHTTPD, "-D", "-f", str(conf)], port):
            yield port


@contextlib.contextmanager
def caddy(prefix: Path) -> Iterator[int]:
    require("caddy", CADDY is not None)
    assert CADDY is not None
    port = free_port()
    conf = prefix / "Caddyfile"
    home = prefix / "home"
    home.mkdir()
    with _www() as www:
        conf.write_text(f"""{{
    admin off
    auto_https off
}}
http://127.0.0.1:{port} {{
    root * {www}
    file_server
}}
""")
        with _process([CADDY, "run", "--config", str(conf), "--adapter", "caddyfile"], port,
                      env={"HOME": str(home), "XDG_DATA_HOME": str(home),
                           "XDG_CONFIG_HOME": str(home)}):
            yield port


Launcher = Callable[[Path], contextlib.AbstractContextManager[int]]
PEERS: dict[str, Launcher] = {
    "hypercorn": hypercorn, "granian": granian, "waitress": waitress, "tornado": tornado,
    "aiohttp": aiohttp, "apache": apache, "lighttpd": lighttpd, "caddy": caddy,
}
