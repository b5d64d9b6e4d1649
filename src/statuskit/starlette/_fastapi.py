"""FastAPI dependencies over the plain Starlette helpers. Imported only when used."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from fastapi import Depends
from fastapi.dependencies.utils import get_dependant, get_typed_signature, solve_dependencies
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


# -- under install(): decided once, before FastAPI routes the request ------------------


def share_decisions(dependant: Any, declaration: Any) -> None:
    """Make a route's ``conditional`` dependency read what install() decided.

    install() evaluates the route's ``current`` and RFC 9110 §13.2.2 at the ASGI layer
    (statuskit.starlette._declared); FastAPI would then solve ``current`` again as the
    dependency's sub-dependency, and ``ranged()`` as one more, each a pass of its
    dependency injection costing more than what they do. Here the dependency takes
    ``current``'s path parameters itself (FastAPI validates them as before, with the
    same errors) and returns the validators the layer found; ``ranged()``, which the
    layer applies, is folded into it. Where the layer did not evaluate them (an
    override of ``current``, a path it would not convert), the original dependency is
    solved by FastAPI as it always was. Once per dependant.
    """
    if dependant is None:
        return
    found = _conditional(dependant, declaration.validators)
    if found is None:
        return
    parent, sub = found
    folded: list[tuple[str, Any]] = []
    if declaration.ranges:
        for ranged_parent, ranged_sub in _subs_of_kind(dependant, "ranged"):
            ranged_parent.dependencies = [d for d in ranged_parent.dependencies
                                          if d is not ranged_sub]
            folded = [("ranged", True)]
    shared = _shared_validators(sub, declaration.validators, declaration.overrides, folded)
    # FastAPI's own reading of the new signature (it reads it again per request while
    # any dependency_overrides are set), in the original's place and with its options.
    flat = get_dependant(path=sub.path or "", call=shared, name=sub.name,
                         own_oauth_scopes=sub.own_oauth_scopes,
                         parent_oauth_scopes=sub.parent_oauth_scopes,
                         use_cache=sub.use_cache, scope=sub.scope,
                         concurrency=sub.concurrency)
    parent.dependencies = [flat if d is sub else d for d in parent.dependencies]


def _conditional(dependant: Any, current: Any) -> tuple[Any, Any] | None:
    """The ``conditional(current)`` sub-dependant, with its parent, where ``current``
    takes path parameters only (what the layer calls it with)."""
    for parent, sub in _subs_of_kind(dependant, "conditional"):
        if sub.call.statuskit_helper[1]["current"] is not current:
            continue
        for inner in sub.dependencies:
            if inner.call is current and not (inner.dependencies or inner.query_params
                                               or inner.header_params or inner.cookie_params
                                               or inner.body_params):
                return parent, sub
    return None


def _subs_of_kind(dependant: Any, kind: str) -> list[tuple[Any, Any]]:
    found: list[tuple[Any, Any]] = []
    for sub in dependant.dependencies:
        helper = getattr(sub.call, "statuskit_helper", None)
        if helper is not None and helper[0] == kind:
            found.append((dependant, sub))
        else:
            found.extend(_subs_of_kind(sub, kind))
    return found


_REQUEST = "statuskit_request"


def _shared_validators(original: Any, current: Any, overrides: Any,
                       folded: list[tuple[str, Any]]) -> Callable[..., Any]:
    async def dependency(**values: Any) -> Validators | None:
        request: Request = values[_REQUEST]
        edit = exchange_edit(request.scope)
        if edit is not None and edit.decided:
            # install() evaluated it with ``current`` before FastAPI routed the request.
            shared: Validators | None = edit.validators
            return shared
        solved: Validators | None = await _solved(request, original, overrides)
        return solved

    # The request, and current's own (path) parameters, resolved as FastAPI reads them.
    parameters = [inspect.Parameter(_REQUEST, inspect.Parameter.KEYWORD_ONLY,
                                    annotation=Request)]
    parameters += [p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
                   for p in get_typed_signature(current).parameters.values()]
    dependency.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        parameters, return_annotation=Validators | None)
    dependency.statuskit_helper = original.call.statuskit_helper  # type: ignore[attr-defined]
    dependency.statuskit_folded = folded  # type: ignore[attr-defined]
    return dependency


async def _solved(request: Request, original: Any, overrides: Any) -> Any:
    """The original dependency, solved by FastAPI as it would have been (an override of
    ``current`` applied), for a request the layer did not decide."""
    from fastapi.exceptions import RequestValidationError

    solved = await solve_dependencies(
        request=request, dependant=original, dependency_overrides_provider=overrides,
        async_exit_stack=request.scope["fastapi_inner_astack"], embed_body_fields=False)
    if solved.errors:
        raise RequestValidationError(solved.errors)
    return await original.call(**solved.values)
