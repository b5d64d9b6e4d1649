"""statuskit's errors as the HTTP library's own, for the library that raised them.

``raise_for_status`` on an httpx response raises ``NotFound`` that is also an
``httpx.HTTPStatusError``; on a requests response, one that is also a
``requests.HTTPError``; the same for httpx2. So ``except httpx.HTTPStatusError``,
and stamina or tenacity told to retry on ``httpx.HTTPError``, keep working after a
switch to statuskit. The classes are made once per (statuskit class, library),
named as the statuskit class is, and pickle by that pair.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any, Literal, TypeVar

__all__ = ["HTTPX_FAMILY", "LIBRARIES", "Kind", "build", "flavoured", "library_of",
           "request_of", "revive"]

Kind = Literal["status", "request", "transport"]

HTTPX_FAMILY = frozenset({"httpx", "httpx2"})
LIBRARIES = HTTPX_FAMILY | {"requests"}

# The library's own class each kind of statuskit error also is.
_BASES: dict[str, dict[Kind, str]] = {
    "httpx": {"status": "HTTPStatusError", "request": "RequestError",
              "transport": "TransportError"},
    "httpx2": {"status": "HTTPStatusError", "request": "RequestError",
               "transport": "TransportError"},
    "requests": {"status": "HTTPError", "request": "RequestException",
                 "transport": "ConnectionError"},
}

_E = TypeVar("_E", bound=BaseException)
_MADE: dict[tuple[type[BaseException], str], type[BaseException]] = {}
_LOCK = threading.Lock()


def library_of(thing: object) -> str | None:
    """"httpx", "httpx2" or "requests" for one of their objects; else None."""
    root = type(thing).__module__.partition(".")[0]
    return root if root in LIBRARIES else None


def request_of(response: Any) -> Any:
    if library_of(response) == "requests":
        return getattr(response, "request", None)
    return getattr(response, "_request", None)  # httpx: .request raises when unset


def flavoured(cls: type[_E], library: str | None) -> type[_E]:
    """``cls`` made also the library's own error class of its kind."""
    if library is None:
        return cls
    key = (cls, library)
    made = _MADE.get(key)
    if made is None:
        kind: Kind = getattr(cls, "library_kind", "status")
        base = getattr(importlib.import_module(library), _BASES[library][kind])
        with _LOCK:
            made = _MADE.get(key)
            if made is None:
                made = type(cls.__name__, (cls, base), {
                    "__module__": cls.__module__, "__qualname__": cls.__qualname__,
                    "__doc__": cls.__doc__, "statuskit_library": library,
                    "statuskit_plain": cls})
                _MADE[key] = made
    return made  # type: ignore[return-value]


def build(cls: type[_E], library: str | None, request: Any, *args: Any, **kwargs: Any) -> _E:
    """An instance of ``flavoured(cls, library)`` with what the library's own
    class promises set: ``.request`` (and requests' ``.response``)."""
    error = flavoured(cls, library)(*args, **kwargs)
    if library in HTTPX_FAMILY:
        error._request = request  # type: ignore[attr-defined]  # httpx.HTTPError.request
    elif library == "requests":
        error.request = request  # type: ignore[attr-defined]
        if not hasattr(error, "response"):
            error.response = None  # type: ignore[attr-defined]
    return error


def revive(cls: type[_E], library: str | None) -> type[_E]:
    """The class to unpickle as: the flavoured one where its library is installed."""
    try:
        return flavoured(cls, library)
    except ImportError:
        return cls
