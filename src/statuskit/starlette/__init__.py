"""The status-code contract for the Starlette and FastAPI apps people already have.

``install(app)`` derives the method contract from the app's own route table, turns its
errors into problem+json with RFC 9110's 400/415/422 split and puts the ``Guard`` in
front. Per route: ``preconditions`` (RFC 9110 §13.2.2 before the handler: 304, 412,
428), ``accept_ranges`` (206, 416, multipart/byteranges on any GET response) and
``choose_media_type`` (406 and Vary). ``conditional``, ``ranged`` and ``provides`` are
the same as FastAPI dependencies; FastAPI is imported only when one of them is used.
``representation(...)`` declares all three on a handler, and install() keeps them at
the ASGI layer, before the framework routes the request (the cheapest way).
"""

from __future__ import annotations

from typing import Any

from statuskit.starlette._declared import Chosen, chosen, representation
from statuskit.starlette._install import install
from statuskit.starlette._negotiation import choose_media_type
from statuskit.starlette._ranges import accept_ranges
from statuskit.starlette._validators import Validators, preconditions

__all__ = [
    "Chosen",
    "Validators",
    "accept_ranges",
    "choose_media_type",
    "chosen",
    "conditional",
    "install",
    "preconditions",
    "provides",
    "ranged",
    "representation",
]

_FASTAPI_HELPERS = frozenset({"conditional", "provides", "ranged"})


def __getattr__(name: str) -> Any:
    # The FastAPI dependencies import FastAPI; a plain Starlette app never loads it.
    if name in _FASTAPI_HELPERS:
        from statuskit.starlette import _fastapi

        return getattr(_fastapi, name)
    raise AttributeError(f"module 'statuskit.starlette' has no attribute {name!r}")
