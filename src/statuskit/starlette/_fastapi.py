"""FastAPI dependencies over the plain Starlette helpers. Imported only when used."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Depends
from starlette.requests import Request

from statuskit.starlette._contract import exchange_edit
from statuskit.starlette._negotiation import choose_media_type
from statuskit.starlette._ranges import accept_ranges
from statuskit.starlette._validators import Validators, preconditions

__all__ = ["conditional", "provides", "ranged"]

# Every dependency here is ``async def``: FastAPI runs a plain ``def`` dependency in a
# worker thread, which costs more than everything these do.


def conditional(current: Callable[..., Any], *, require: bool = False,
                cache_control: str | None = None) -> Callable[..., Any]:
    """A dependency that evaluates RFC 9110 §13.2.2 before the handler runs.

    ``current`` is itself a FastAPI dependency (it may take path parameters, the
    request, other dependencies) returning the target's ``Validators``, or None when it
    does not exist; make it ``async def`` unless it blocks (FastAPI runs a plain ``def``
    in a worker thread). The dependency answers 304 / 412 / 428 in the handler's place,
    and gives the handler the validators.
    """

    async def dependency(request: Request,
                         validators: Validators | None = Depends(current)  # noqa: B008
                         ) -> Validators | None:
        edit = exchange_edit(request.scope)
        if edit is None or not edit.decided:
            preconditions(request, validators, require=require, cache_control=cache_control)
        # else install() evaluated it with ``current`` before FastAPI routed the request.
        return validators

    dependency.statuskit_helper = ("conditional", {  # type: ignore[attr-defined]
        "require": require, "current": current, "cache_control": cache_control})
    return dependency


def provides(*media_types: str) -> Callable[..., Any]:
    """A dependency giving the handler the media type Accept chose among
    ``media_types``; 406 with Vary when none is acceptable."""
    if not media_types:
        raise ValueError("a route provides at least one media type")

    async def dependency(request: Request) -> str:
        edit = exchange_edit(request.scope)
        if edit is not None and edit.media_type is not None:
            chosen: str = edit.media_type  # by install(), before FastAPI routed it
            return chosen
        return choose_media_type(request, media_types)

    dependency.statuskit_helper = ("provides", media_types)  # type: ignore[attr-defined]
    return dependency


def ranged() -> Callable[..., Any]:
    """A dependency opting the route's GET response in to byte ranges
    (``dependencies=[Depends(ranged())]``)."""

    async def dependency(request: Request) -> None:
        accept_ranges(request)

    dependency.statuskit_helper = ("ranged", True)  # type: ignore[attr-defined]
    return dependency
