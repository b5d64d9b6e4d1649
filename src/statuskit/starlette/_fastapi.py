"""FastAPI dependencies over the plain Starlette helpers. Imported only when used."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Depends
from starlette.requests import Request

from statuskit.starlette._negotiation import choose_media_type
from statuskit.starlette._validators import Validators, preconditions

__all__ = ["conditional", "provides"]


def conditional(current: Callable[..., Any], *, require: bool = False,
                cache_control: str | None = None) -> Callable[..., Any]:
    """A dependency that evaluates RFC 9110 §13.2.2 before the handler runs.

    ``current`` is itself a FastAPI dependency (it may take path parameters, the
    request, other dependencies) returning the target's ``Validators``, or None when it
    does not exist. The dependency answers 304 / 412 / 428 in the handler's place, and
    gives the handler the validators.
    """

    def dependency(request: Request,
                   validators: Validators | None = Depends(current)) -> Validators | None:  # noqa: B008
        preconditions(request, validators, require=require, cache_control=cache_control)
        return validators

    return dependency


def provides(*media_types: str) -> Callable[..., str]:
    """A dependency giving the handler the media type Accept chose among
    ``media_types``; 406 with Vary when none is acceptable."""
    if not media_types:
        raise ValueError("a route provides at least one media type")

    def dependency(request: Request) -> str:
        return choose_media_type(request, media_types)

    return dependency
