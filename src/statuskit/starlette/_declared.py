"""A route's representation contract, declared on its handler and kept by ``install()``
at the ASGI layer, before the framework routes the request or builds a single argument.

    @app.get("/items/{item_id}")
    @representation(provides=("application/json", "text/plain"), validators=current,
                    ranges=True)
    async def read(item_id: int, request: Request) -> Response:
        media_type = chosen(request).media_type

The same answers as the ``provides`` / ``conditional`` / ``ranged`` dependencies (406
with Vary, RFC 9110 §13.2.2's 304 and 412, 428, byte ranges), decided where they cost
least: a 304 or 412 goes out without FastAPI's routing, dependency injection or
handler, and a 200 pays for one path match and the validators call.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable, Sequence
from re import Match, Pattern
from typing import Any, NamedTuple, TypeVar

from statuskit.problem import problem_body, problem_headers
from statuskit.starlette._contract import EDIT_KEY, exchange_edit
from statuskit.starlette._negotiation import _chosen_by_field, negotiated_field
from statuskit.starlette._response import ResponseEdit, _joined_fields
from statuskit.starlette._validators import REQUIRED_DETAIL, Validators, evaluate
from statuskit.types import ASGIApp, Receive, Scope

__all__ = ["Chosen", "Declaration", "DeclaredRoute", "chosen", "representation"]

Handler = TypeVar("Handler", bound=Callable[..., Any])
# Path parameter types a validators function may annotate; the text is converted.
_CONVERTERS: dict[Any, Callable[[str], Any]] = {
    int: int, float: float, str: str, uuid.UUID: uuid.UUID,
    "int": int, "float": float, "str": str,
}
_DETAILS = {412: None, 428: REQUIRED_DETAIL}


class Chosen(NamedTuple):
    """What the declaration decided for this request: the media type Accept chose
    (None where the route provides none) and the target's validators."""

    media_type: str | None
    validators: Validators | None


_NOTHING_CHOSEN = Chosen(None, None)
_new_tuple = tuple.__new__
_new_edit = object.__new__


class Declaration:
    """One route's representation contract (see ``representation``)."""

    __slots__ = ("cache_control", "is_async", "overrides", "params", "provides", "ranges",
                 "require", "validators", "vary")

    def __init__(self, provides: Sequence[str], validators: Callable[..., Any] | None,
                 ranges: bool, require: bool, cache_control: str | None) -> None:
        self.provides = tuple(provides)
        # RFC 9110 §12.5.5: a choice among several types varies with Accept.
        self.vary: tuple[str, ...] = ("Accept",) if len(self.provides) > 1 else ()
        self.validators = validators
        self.ranges = ranges
        self.require = require
        self.cache_control = cache_control
        self.params: dict[str, Callable[[str], Any]] = {}
        self.is_async = False
        # For validators read from a FastAPI dependency: whoever holds the app's
        # dependency_overrides (a test's override of ``current`` must be the one used).
        self.overrides: Any = None
        if validators is not None:
            self.is_async = inspect.iscoroutinefunction(validators)
            for name, parameter in inspect.signature(validators).parameters.items():
                self.params[name] = _CONVERTERS.get(parameter.annotation, str)

    def helpers(self) -> dict[str, Any]:
        """The answers it makes, as the OpenAPI declaration reads them."""
        found: dict[str, Any] = {}
        if self.provides:
            found["provides"] = self.provides
        if self.validators is not None:
            found["conditional"] = {"require": self.require}
        if self.ranges:
            found["ranged"] = True
        return found


def declaration_of(route: Any) -> Declaration | None:
    """The route's representation contract: declared on its handler, or read from the
    statuskit dependencies it uses (so install() keeps those before FastAPI builds
    their arguments too; a ``current`` that needs more than path parameters is left
    to its dependency)."""
    declared: Declaration | None = getattr(getattr(route, "endpoint", None),
                                          "statuskit_contract", None)
    if declared is not None:
        return declared
    helpers = dependency_helpers(route)
    if not helpers:
        return None
    conditional = helpers.get("conditional") or {}
    current = conditional.get("current")
    groups = set(getattr(getattr(route, "path_regex", None), "groupindex", ()))
    if current is not None and not (inspect.iscoroutinefunction(current) and set(
            inspect.signature(current).parameters) <= groups):
        current = None
    provides = helpers.get("provides") or ()
    if current is None and not provides:
        return None
    declaration = Declaration(provides, current, "ranged" in helpers,
                              bool(conditional.get("require")),
                              conditional.get("cache_control"))
    declaration.overrides = getattr(route, "dependency_overrides_provider", None)
    from statuskit.starlette._fastapi import inject_decisions, share_decisions

    if current is not None:
        share_decisions(getattr(route, "dependant", None), declaration)
    inject_decisions(getattr(route, "dependant", None), declaration.overrides)
    return declaration


def dependency_helpers(route: Any) -> dict[str, Any]:
    """The statuskit dependencies a FastAPI route uses, by kind, with their options."""
    found: dict[str, Any] = {}
    dependant = getattr(route, "dependant", None)
    # Helpers whose values install() hands the endpoint (_fastapi.inject_decisions).
    for kind, options in getattr(getattr(dependant, "call", None), "statuskit_folded", ()):
        found.setdefault(kind, options)
    for call in _calls(dependant):
        declared = getattr(call, "statuskit_helper", None)
        if declared is not None:
            kind, options = declared
            found.setdefault(kind, options)
        # Helpers whose dependency install() folded into this one (_fastapi.share_decisions).
        for kind, options in getattr(call, "statuskit_folded", ()):
            found.setdefault(kind, options)
    return found


def _calls(dependant: Any) -> Any:
    if dependant is None:
        return
    for sub in getattr(dependant, "dependencies", ()):
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def representation(*, provides: Sequence[str] = (),
                   validators: Callable[..., Any] | None = None, ranges: bool = False,
                   require: bool = False, cache_control: str | None = None
                   ) -> Callable[[Handler], Handler]:
    """Declare a route's representation contract on its handler (under the framework's
    route decorator). ``provides``: the media types it answers in (406 and Vary).
    ``validators``: ``async def current(item_id: int) -> Validators | None``, called
    with the path parameters by name (annotated int, float, str or UUID), None when
    the target does not exist; RFC 9110 §13.2.2 is evaluated with it (304, 412, and
    428 for a write without a condition where ``require``), and a 200 carries ETag,
    Last-Modified and ``cache_control``. ``ranges``: byte ranges on the GET's 200.
    The handler reads the outcome with ``chosen(request)``. Kept only under install()."""
    provided = tuple(provides)
    if isinstance(provides, str):
        raise TypeError("provides is a sequence of media types, not one string")
    declaration = Declaration(provided, validators, ranges, require, cache_control)

    def mark(handler: Handler) -> Handler:
        handler.statuskit_contract = declaration  # type: ignore[attr-defined]
        return handler

    return mark


def chosen(request: Any) -> Chosen:
    """The media type and validators the route's declaration chose for ``request``."""
    # The scope's own key first; through the exchange where a middleware copied the
    # scope before the edit was made.
    edit = request.scope.get(EDIT_KEY)
    if edit is None:
        edit = exchange_edit(request.scope)
        if edit is None:
            return _NOTHING_CHOSEN
    found: Chosen | None = edit.chosen
    if found is None:
        # tuple.__new__, not Chosen(...): CPython 3.11 runs a NamedTuple's Python
        # __new__ in an eval loop of its own. Kept on the edit, since a handler reads
        # both members (until the validators are evaluated again).
        found = edit.chosen = _new_tuple(Chosen, (edit.media_type, edit.validators))
    return found


class DeclaredRoute:
    """A declared route as the contract matches it: its path pattern and methods."""

    __slots__ = ("declaration", "methods", "plain", "regex", "segment", "text_params")

    def __init__(self, regex: Pattern[str], methods: frozenset[str],
                 declaration: Declaration | None, segment: str | None = None) -> None:
        self.regex = regex
        self.methods = methods
        self.declaration = declaration
        # The literal first segment of the route's path ("notes" for /notes/{id}); None
        # where it is a parameter or the route has no path (it may match any).
        self.segment = segment
        # Validators that take every path parameter, each as text, by name: the match's
        # groupdict() is their arguments as it is (decided once, not per request), where
        # no app's dependency_overrides may replace them.
        self.text_params = declaration is not None and declaration.validators is not None \
            and set(declaration.params) == set(regex.groupindex) \
            and all(convert is str for convert in declaration.params.values())
        self.plain = self.text_params and declaration is not None \
            and declaration.overrides is None

    async def serve(self, app: ASGIApp, scope: Scope, receive: Receive, exchange: Any,
                    match: Match[str]) -> None:
        """The declared contract first, answering 406, 304, 412 or 428 here; else the
        app runs, the exchange's edit carrying what the handler's response needs. One
        coroutine for both: a request pays for no frame of the decision's own."""
        declaration = self.declaration
        assert declaration is not None  # the contract serves only declared routes here
        # ResponseEdit.__init__ inlined (the same fields, set the same way; a test holds
        # the two alike): a class call in CPython 3.11 runs __init__ in an eval loop of
        # its own.
        edit = exchange.edit = scope[EDIT_KEY] = _new_edit(ResponseEdit)
        headers = scope["headers"]
        edit.method = "HEAD" if exchange.head else scope["method"]
        edit.etag = edit.last_modified = edit.cache_control = None
        edit.vary = [*declaration.vary]
        edit.ranges = declaration.ranges
        edit.media_type = edit.validators = edit.chosen = None
        fields: dict[bytes, bytes] = dict(headers)
        if len(fields) != len(headers):
            fields = _joined_fields(headers)
        edit.request_fields = fields
        edit.decided = edit.takes_content = False
        provides = declaration.provides
        if provides:
            accept = fields.get(b"accept")
            try:  # negotiated_field's remembered choice, inlined
                media = _chosen_by_field[provides, accept]
            except KeyError:
                media = negotiated_field(provides, accept)
            if media is None:
                # RFC 9110 §15.5.7: none of the types is acceptable.
                await _send_problem(exchange, 406, f"Available: {', '.join(provides)}.")
                return
            edit.media_type = media
        validators = declaration.validators
        if validators is not None:
            if self.plain:
                current = validators(**match.groupdict())
            else:
                params = _validator_params(declaration, match, self.text_params)
                if params is None:  # not evaluated here: the handler or its dependency
                    await app(scope, receive, exchange.send)
                    return
                current = validators(**params)
            if declaration.is_async or inspect.isawaitable(current):
                current = await current
            # Positional: CPython 3.11 specialises no call with keywords (+0.2k
            # instructions).
            verdict = evaluate(edit, current, declaration.require, declaration.cache_control)
            edit.decided = True
            if verdict is not None:
                await _answer(exchange, verdict)
                return
        await app(scope, receive, exchange.send)


def _validator_params(declaration: Declaration, match: Match[str], text_params: bool
                      ) -> dict[str, Any] | None:
    """What to call the validators with; None where they are not evaluated here: none
    declared, a test's own override (the dependency evaluates it), or a path the
    handler refuses itself (FastAPI's 404 / 422)."""
    if declaration.validators is None:
        return None
    overrides = getattr(declaration.overrides, "dependency_overrides", None)
    if overrides and declaration.validators in overrides:
        return None
    found = match.groupdict()
    if text_params:
        return found  # every group, as text, by name
    params: dict[str, Any] = {}
    for name, convert in declaration.params.items():
        if name not in found:
            return None  # a parameter the path does not give: let the handler answer
        try:
            params[name] = convert(found[name])
        except ValueError:
            return None
    return params


async def _answer(exchange: Any, status: int) -> None:
    # Through the exchange's send: its edit adds the validators and Vary.
    if status == 304:
        # RFC 9110 §15.4.5: no content; the edit adds the 200's validators and Vary.
        await exchange.send({"type": "http.response.start", "status": 304, "headers": []})
        await exchange.send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    await _send_problem(exchange, status, _DETAILS.get(status))


async def _send_problem(exchange: Any, status: int, detail: str | None) -> None:
    body = problem_body(status, detail)
    await exchange.send({"type": "http.response.start", "status": status,
                         "headers": problem_headers(body)})
    await exchange.send({"type": "http.response.body", "body": b"" if exchange.head else body,
                         "more_body": False})
