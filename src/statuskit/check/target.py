"""The server a run checks: its URL taken apart once, checked before any probe.

Only ``http`` and ``https`` URLs with a host are targets. Credentials in the
URL (``http://user:pw@host/``) are sent as ``Authorization: Basic`` and never
appear in the Host field or in a report. ``reach`` opens one connection (and
the TLS handshake) before the probes, so that a wrong port, a failed DNS
lookup or a certificate problem is one clear error instead of a table of them.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import os
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

__all__ = ["Target", "TargetError", "open_stream", "parse_target", "reach"]


class TargetError(ValueError):
    """The URL is not a target, or nothing answers there."""


@dataclass(frozen=True)
class Target:
    url: str  # without credentials: what reports show and what probes resolve against
    scheme: str
    host: str  # for the socket and SNI (no brackets around IPv6)
    port: int
    authority: str  # the Host field: host[:port], no credentials
    authorization: str | None = None  # "Basic ..." from the URL's userinfo
    tls: ssl.SSLContext | None = None

    @property
    def target(self) -> str:
        """The request-target of the URL itself (origin-form)."""
        parts = urlsplit(self.url)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def client_tls(self, *others: str) -> ssl.SSLContext:
        """What an httpx client of this run verifies with: the target's own context for
        https. For an http target no certificate is ever asked for, unless one of
        ``others`` (a document's URL, say) is https: then the default context; else one
        that verifies against no CA at all, so that an https URL met by chance fails
        closed. Each is built once per process: loading the CA certificates is some
        20 ms, which an http run never needs."""
        if self.tls is not None:
            return self.tls
        if any(o.lower().startswith("https:") for o in others):
            return _default_tls()
        return _no_ca_tls()


def parse_target(text: str, *, cacert: str | None = None, insecure: bool = False) -> Target:
    if "://" not in text:
        raise TargetError(f"{text!r} is not a URL; give the scheme, e.g. http://{text}")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise TargetError(f"{text!r}: only http:// and https:// URLs can be checked")
    try:
        port = parts.port if parts.port is not None else (443 if scheme == "https" else 80)
    except ValueError:
        raise TargetError(f"{text!r}: the port is not a number from 1 to 65535") from None
    if not parts.hostname or not 0 < port < 65536:
        raise TargetError(f"{text!r}: the URL names no host" if not parts.hostname
                          else f"{text!r}: the port is not a number from 1 to 65535")
    authority = parts.netloc.rpartition("@")[2]
    authorization = None
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        authorization = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    url = urlunsplit((scheme, authority, parts.path or "/", parts.query, ""))
    tls = _tls_context(cacert, insecure) if scheme == "https" else None
    return Target(url, scheme, parts.hostname, port, authority, authorization, tls)


@functools.cache
def _default_tls() -> ssl.SSLContext:
    return ssl.create_default_context()


@functools.cache
def _no_ca_tls() -> ssl.SSLContext:
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, and trusts nobody


def _tls_context(cacert: str | None, insecure: bool) -> ssl.SSLContext:
    # The file's identity is in the key: a certificate written again is read again.
    try:
        stat = os.stat(cacert) if cacert is not None else None
    except OSError:
        stat = None
    changed = (stat.st_mtime_ns, stat.st_size, stat.st_ino) if stat is not None else None
    return _built_tls(cacert, insecure, changed)


@functools.lru_cache(maxsize=8)
def _built_tls(cacert: str | None, insecure: bool, _changed: object) -> ssl.SSLContext:
    try:
        context = ssl.create_default_context(cafile=cacert)
    except (OSError, ssl.SSLError) as exc:
        raise TargetError(f"--cacert {cacert}: {exc.strerror or exc}") from None
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    # Raw probes speak HTTP/1.1 only; say so, so an h2-first server does not pick h2.
    context.set_alpn_protocols(["http/1.1"])
    return context


async def open_stream(target: Target, timeout: float, limit: int = 1 << 20,
                      ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection to the target, TLS with SNI when the scheme is https."""
    async with asyncio.timeout(timeout):
        return await asyncio.open_connection(
            target.host, target.port, limit=limit, ssl=target.tls,
            server_hostname=target.host if target.tls is not None else None)


async def reach(target: Target, timeout: float) -> None:
    """Raise TargetError with one line when the target cannot be reached."""
    where = f"{target.host}:{target.port}"
    try:
        _, writer = await open_stream(target, timeout)
    except TimeoutError:
        raise TargetError(f"cannot reach {where}: no connection within {timeout:g} s") from None
    except ssl.SSLCertVerificationError as exc:
        raise TargetError(f"TLS with {where} failed: {exc.verify_message or exc.reason}; "
                          "give --cacert FILE, or --insecure to skip verification") from None
    except ssl.SSLError as exc:
        raise TargetError(f"TLS with {where} failed ({exc.reason or exc}); "
                          "is it an https port?") from None
    except socket.gaierror as exc:
        raise TargetError(f"cannot resolve {target.host}: {exc.strerror}") from None
    except OSError as exc:
        why = os.strerror(exc.errno).lower() if exc.errno else str(exc)
        raise TargetError(f"cannot reach {where}: {why}") from None
    writer.close()
    with contextlib.suppress(OSError, ssl.SSLError):
        await writer.wait_closed()
