"""FastAPI dependencies over the plain Starlette helpers. Imported only when used."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from fastapi import Depends
from fastapi.dependencies.utils import get_dependant, get_typed_signature, solve_dependencies
from starlette.requests import Request

from statuskit.starlette._contract import EDIT_KEY, exchange_edit
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


_INJECTED_REQUEST = "statuskit_injected_request"


def inject_decisions(dependant: Any, overrides: Any) -> None:
    """Hand the endpoint what install() decided, instead of FastAPI solving the
    ``provides`` and (shared) ``conditional`` dependencies that return it.

    Each dependency FastAPI solves costs a pass of its dependency injection (its
    parameters read, a cache key made, the call classified) that dwarfs what ours do;
    where the layer decided the request, their values are the exchange's. The endpoint
    (``async def`` only: FastAPI classified it when the route was made) is wrapped to
    take them from there; where the layer did not decide (no declaration ran, an
    override of one of them), FastAPI solves the originals as it would have. Once per
    dependant; their parameters stay declared (the endpoint takes them, else they are
    left alone), so the OpenAPI document and FastAPI's validation are unchanged.
    """
    endpoint = getattr(dependant, "call", None)
    if endpoint is None or getattr(endpoint, "statuskit_folded", None) is not None \
            or not inspect.iscoroutinefunction(endpoint):
        return
    own_paths = {param.name for param in dependant.path_params}
    taken = [sub for sub in dependant.dependencies if _injectable(sub, own_paths)]
    if not taken:
        return
    from fastapi.dependencies.models import Dependant

    removed = Dependant(dependencies=taken, path=dependant.path)
    kinds = tuple((sub.name, sub.call.statuskit_helper[0]) for sub in taken)
    calls = frozenset(sub.call for sub in taken)
    request_name = dependant.request_param_name
    own_request = request_name is not None
    if request_name is None:
        request_name = dependant.request_param_name = _INJECTED_REQUEST

    async def call(**values: Any) -> Any:
        request: Request = values[request_name] if own_request else values.pop(request_name)
        scope = request.scope
        edit = scope.get(EDIT_KEY) or exchange_edit(scope)
        if edit is None or not _decided(edit, kinds) or _overridden(overrides, calls):
            values.update(await _solved_values(request, removed, overrides))
        else:
            for name, kind in kinds:
                values[name] = edit.media_type if kind == "provides" else edit.validators
        return await endpoint(**values)

    call.__wrapped__ = endpoint  # type: ignore[attr-defined]
    call.__name__ = getattr(endpoint, "__name__", call.__name__)
    call.__qualname__ = getattr(endpoint, "__qualname__", call.__qualname__)
    # What the OpenAPI declaration and a later install() read of the helpers taken.
    call.statuskit_folded = [  # type: ignore[attr-defined]
        (sub.call.statuskit_helper[0], sub.call.statuskit_helper[1]) for sub in taken
    ] + [item for sub in taken for item in getattr(sub.call, "statuskit_folded", ())]
    dependant.dependencies = [d for d in dependant.dependencies if d not in taken]
    dependant.call = call


def _injectable(sub: Any, own_paths: set[str]) -> bool:
    helper = getattr(sub.call, "statuskit_helper", None)
    if sub.name is None or helper is None or sub.dependencies or sub.query_params \
            or sub.header_params or sub.cookie_params or sub.body_params:
        return False
    if helper[0] == "provides":
        return True
    # The conditional whose current the layer evaluates (share_decisions made it), on
    # path parameters the endpoint itself takes.
    return helper[0] == "conditional" and hasattr(sub.call, "statuskit_folded") \
        and {param.name for param in sub.path_params} <= own_paths


def _decided(edit: Any, kinds: tuple[tuple[str, str], ...]) -> bool:
    for _, kind in kinds:
        if (kind == "provides" and edit.media_type is None) or \
                (kind == "conditional" and not edit.decided):
            return False
    return True


def _overridden(provider: Any, calls: frozenset[Any]) -> bool:
    overrides: dict[Any, Any] | None = getattr(provider, "dependency_overrides", None)
    return bool(overrides) and not calls.isdisjoint(overrides or ())


async def _solved_values(request: Request, dependant: Any, overrides: Any) -> dict[str, Any]:
    from fastapi.exceptions import RequestValidationError

    solved = await solve_dependencies(
        request=request, dependant=dependant, dependency_overrides_provider=overrides,
        async_exit_stack=request.scope["fastapi_inner_astack"], embed_body_fields=False)
    if solved.errors:
        raise RequestValidationError(solved.errors)
    return solved.values
