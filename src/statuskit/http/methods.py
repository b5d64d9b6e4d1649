"""The IANA HTTP Method Registry, as of RFC 9110 and its successors.

A server answers 501 to a method outside this set (RFC 9110 §15.6.2) unless it
was told about the extension; clients retry only idempotent methods.
"""

from __future__ import annotations

__all__ = ["IDEMPOTENT_METHODS", "REGISTERED_METHODS", "SAFE_METHODS"]

# (method, safe, idempotent) per the registry's columns.
_REGISTRY: tuple[tuple[str, bool, bool], ...] = (
    ("ACL", False, True),
    ("BASELINE-CONTROL", False, True),
    ("BIND", False, True),
    ("CHECKIN", False, True),
    ("CHECKOUT", False, True),
    ("CONNECT", False, False),
    ("COPY", False, True),
    ("DELETE", False, True),
    ("GET", True, True),
    ("HEAD", True, True),
    ("LABEL", False, True),
    ("LINK", False, True),
    ("LOCK", False, False),
    ("MERGE", False, True),
    ("MKACTIVITY", False, True),
    ("MKCALENDAR", False, True),
    ("MKCOL", False, True),
    ("MKREDIRECTREF", False, True),
    ("MKWORKSPACE", False, True),
    ("MOVE", False, True),
    ("OPTIONS", True, True),
    ("ORDERPATCH", False, True),
    ("PATCH", False, False),
    ("POST", False, False),
    ("PRI", True, True),
    ("PROPFIND", True, True),
    ("PROPPATCH", False, True),
    ("PUT", False, True),
    ("QUERY", True, True),
    ("REBIND", False, True),
    ("REPORT", True, True),
    ("SEARCH", True, True),
    ("TRACE", True, True),
    ("UNBIND", False, True),
    ("UNCHECKOUT", False, True),
    ("UNLINK", False, True),
    ("UNLOCK", False, True),
    ("UPDATE", False, True),
    ("UPDATEREDIRECTREF", False, True),
    ("VERSION-CONTROL", False, True),
)

REGISTERED_METHODS = frozenset(m for m, _, _ in _REGISTRY)
SAFE_METHODS = frozenset(m for m, safe, _ in _REGISTRY if safe)
IDEMPOTENT_METHODS = frozenset(m for m, _, idem in _REGISTRY if idem)
