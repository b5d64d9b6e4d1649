"""The request rules both parsers leave to the wire, as pure functions on bytes.

Each returns the status the request earns (``None`` when it passes). The protocol
classes ask them once a head is complete, in the order RFC 9112 reads a request:
request-line, target form, Host, framing.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from typing import NamedTuple

RawHeaders = Iterable[tuple[bytes, bytes]]

# The verdict for ``OPTIONS *``: the server answers for itself (RFC 9110 §9.3.7).
ASTERISK_OPTIONS = -1

# RFC 3986 §3.2.2-3.2.3 with RFC 9112 §3.2: uri-host [ ":" port ]. DIGIT is ASCII only
# (RFC 5234 B.1), so the classes are spelled out rather than \d.
_HOST = re.compile(
    rb"(?:\[[0-9A-Fa-f:.]+\]|\[v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+\]"
    rb"|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)"
    rb"(?::[0-9]*)?"
)
# RFC 9112 §3.2.3: authority-form = uri-host ":" port, for CONNECT only.
_AUTHORITY = re.compile(rb"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+):[0-9]+")
# RFC 9112 §3.2.2: absolute-form = absolute-URI (a scheme, then ":").
_ABSOLUTE = re.compile(rb"[A-Za-z][A-Za-z0-9+\-.]*:")
# VCHAR (RFC 5234 B.1): what a request-target is made of; no "#" (no fragment, §3.2).
_TARGET_BYTES = re.compile(rb"[!-\"$-~]+")


def target_verdict(method: bytes, target: bytes) -> int | None:
    """RFC 9112 §3.2: the four forms, each only where it belongs."""
    if _TARGET_BYTES.fullmatch(target) is None:
        return 400  # a space, a control, a non-ASCII byte or a "#fragment"
    if method == b"CONNECT":
        # RFC 9110 §9.3.6: CONNECT asks for a tunnel; this origin server opens none.
        return 501 if _AUTHORITY.fullmatch(target) else 400
    if target == b"*":
        # RFC 9112 §3.2.4: asterisk-form is for a server-wide OPTIONS only.
        return ASTERISK_OPTIONS if method == b"OPTIONS" else 400
    if target[:1] == b"/":
        return None  # origin-form
    if _ABSOLUTE.match(target) and b"://" in target:
        # absolute-form: a server MUST accept it (§3.2.2), but an http(s) URI with an
        # empty host is invalid and MUST be rejected (RFC 9110 §4.2.1, §4.2.2).
        return None if _valid_http_authority(target) else 400
    return 400


def _valid_http_authority(target: bytes) -> bool:
    scheme, _, rest = target.partition(b"://")
    if scheme.lower() not in (b"http", b"https"):
        return True  # another scheme's authority is that scheme's business
    cut = min((i for i in (rest.find(b"/"), rest.find(b"?")) if i >= 0), default=len(rest))
    authority = rest[:cut].rpartition(b"@")[2]
    host, port = authority, b""
    if not authority.endswith(b"]") and b":" in authority:  # not an IPv6 literal's colons
        host, _, port = authority.rpartition(b":")
    # RFC 3986 §3.2.3: port = *DIGIT; past 65535 names no TCP port (length first, so
    # a 4,000-digit port is never converted).
    if port and not (port.isdigit() and len(port) <= 5 and int(port) <= 65535):
        return False
    return bool(host)


def origin_form(target: bytes) -> bytes:
    """An absolute-form target as the origin-form the app routes on (RFC 9112 §3.2.2:
    the path and query after the authority; an empty path is "/"). Other forms as given."""
    if target[:1] == b"/" or b"://" not in target:
        return target
    rest = target.split(b"://", 1)[1]
    cut = min((i for i in (rest.find(b"/"), rest.find(b"?")) if i >= 0), default=len(rest))
    tail = rest[cut:]
    return tail if tail[:1] == b"/" else b"/" + tail


class HeadFields(NamedTuple):
    """The fields the wire judges, gathered in one pass over a head."""

    hosts: list[bytes]
    transfer_encodings: list[bytes]
    content_length: bytes | None


def scan_fields(headers: RawHeaders) -> HeadFields:
    """One pass over ``headers``, whose names are already lower case (both parsers'
    uvicorn protocols lower them)."""
    hosts: list[bytes] = []
    transfer_encodings: list[bytes] = []
    content_length = None
    for name, value in headers:
        if name == b"host":
            hosts.append(value)
        elif name == b"transfer-encoding":
            transfer_encodings.append(value)
        elif name == b"content-length":
            content_length = value
    return HeadFields(hosts, transfer_encodings, content_length)


def host_verdict(fields: HeadFields, version: bytes) -> int | None:
    """RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host, for more than one Host
    field line, and for a Host field with an invalid value."""
    hosts = fields.hosts
    if len(hosts) == 1:
        return None if _HOST.fullmatch(hosts[0].strip(b" \t")) else 400
    if not hosts:
        return 400 if version != b"1.0" else None
    return 400


def transfer_coding_verdict(fields: HeadFields) -> int | None:
    """RFC 9112 §6.1: chunked is the only coding this server decodes; a request with
    another coding gets 501, one where chunked is not final (or comes twice) gets 400."""
    if not fields.transfer_encodings:
        return None
    codings = [c.strip(b" \t").lower() for value in fields.transfer_encodings
               for c in value.split(b",")]
    codings = [c for c in codings if c]  # RFC 9110 §5.6.1: empty members are ignored
    if not codings:
        # The field says the content is coded but names no coding: no framing to
        # read it by (RFC 9112 §6.1, §6.3).
        return 400
    if fields.content_length is not None:
        # RFC 9112 §6.3 item 3: both framings smell of smuggling; a server MAY reject
        # and MUST close either way.
        return 400
    if codings[-1] != b"chunked" or codings.count(b"chunked") > 1:
        return 400  # RFC 9112 §6.3 item 4: the length cannot be determined
    if len(codings) > 1:
        return 501
    return None


# A Transfer-Encoding field line, as both parsers take its name (no space before ":").
_TRANSFER_ENCODING_LINE = re.compile(rb"transfer-encoding:", re.IGNORECASE)


def tidied_transfer_encoding(lines: list[bytes]) -> list[bytes] | None:
    """``lines`` (a head's field lines) with its Transfer-Encoding as one field line of
    the list's non-empty members, which is what the field means (RFC 9110 §5.3, §5.6.1);
    neither parser reads an empty member as nothing. None when there is nothing to tidy,
    or when no member is left (the framing rule answers that)."""
    at = [i for i, line in enumerate(lines) if _TRANSFER_ENCODING_LINE.match(line)]
    if not at:
        return None
    members = [m.strip(b" \t") for i in at for m in lines[i].split(b":", 1)[1].split(b",")]
    kept = [m for m in members if m]
    if not kept or (len(at) == 1 and len(kept) == len(members)):
        return None
    tidied = [line for i, line in enumerate(lines) if i not in at]
    tidied.insert(at[0], b"Transfer-Encoding: " + b", ".join(kept))
    return tidied


def may_outgrow(fields: HeadFields, discard_limit: int) -> bool:
    """Whether an unread remainder of this request's content could exceed what the
    connection reads and drops (chunked content has no declared end)."""
    if fields.transfer_encodings:
        return True
    return fields.content_length is not None and int(fields.content_length) > discard_limit


def is_websocket_handshake(method: bytes, version: bytes, headers: RawHeaders) -> bool:
    """RFC 6455 §4.2.1: what makes a request an opening handshake. Anything else that
    carries Upgrade is served as plain HTTP, the Upgrade ignored (RFC 9110 §7.8)."""
    if method != b"GET" or version != b"1.1":
        return False
    fields: dict[bytes, list[bytes]] = {}
    for name, value in headers:
        fields.setdefault(name.lower(), []).append(value)
    upgrade = b",".join(fields.get(b"upgrade", ())).lower()
    connection = b",".join(fields.get(b"connection", ())).lower()
    if b"websocket" not in [t.strip() for t in upgrade.split(b",")]:
        return False
    if b"upgrade" not in [t.strip() for t in connection.split(b",")]:
        return False
    # A handshake has no content and expects nothing (RFC 9110 §10.1.1, §6.4.1).
    if b"transfer-encoding" in fields or b"expect" in fields:
        return False
    if any(v.strip() not in (b"", b"0") for v in fields.get(b"content-length", ())):
        return False
    if fields.get(b"sec-websocket-version") != [b"13"]:
        return False
    keys = fields.get(b"sec-websocket-key", [])
    return len(keys) == 1 and _is_16_byte_nonce(keys[0].strip())


def _is_16_byte_nonce(key: bytes) -> bool:
    try:
        return len(base64.b64decode(key, validate=True)) == 16
    except (binascii.Error, ValueError):
        return False


__all__ = [
    "ASTERISK_OPTIONS",
    "HeadFields",
    "host_verdict",
    "is_websocket_handshake",
    "may_outgrow",
    "scan_fields",
    "target_verdict",
    "tidied_transfer_encoding",
    "transfer_coding_verdict",
]
