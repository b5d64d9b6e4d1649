"""The decision graph as data: every node a trace can name, where it sits on the
diagram, the question it stands for and where it may lead.

The ids are those of Webmachine's v3 diagram, where an id is a grid position:
``b13`` is column b, row 13. The questions statuskit adds (``proxy_authorized``,
``multiple_choices``, ``validate``, ``non_authoritative``, ``if_range``,
``range``) keep plain names and sit on free cells beside the nodes they follow.
``exits`` name the next nodes and the statuses a node can answer; a test holds
every step any traced request takes to them, and the trace page draws them.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["NODES", "Place", "position"]


class Place(NamedTuple):
    question: str
    column: float  # a = 0, b = 1, ... p = 15
    row: float
    exits: tuple[str | int, ...]


def _at(node_id: str) -> tuple[float, float]:
    return float(ord(node_id[0]) - ord("a")), float(node_id[1:])


# What an action's outcome can answer (``_outcomes.outcome_answer``) beside o20 / p11.
_OUTCOMES: tuple[str | int, ...] = (202, 205, 303, 409, 412, 422, 502, 504)


def _v3(node_id: str, question: str, *exits: str | int) -> tuple[str, Place]:
    column, row = _at(node_id)
    return node_id, Place(question, column, row, exits)


def _added(name: str, question: str, column: float, row: float,
           *exits: str | int) -> tuple[str, Place]:
    return name, Place(question, column, row, exits)


NODES: dict[str, Place] = dict([
    # b13 .. b3: is the request itself acceptable?
    _v3("b13", "Is the service available?", "b12", 503),
    _v3("b12", "Is the method one anybody registered?", "b11", 501),
    _v3("b11", "Is the target URI too long?", "b10", 414),
    _v3("b10", "Does this resource allow the method?", "b9", 405),
    _v3("b9", "Is the request malformed?", "b8", 400),
    _v3("b8", "Is the client authorized?", "proxy_authorized", 401),
    _added("proxy_authorized", "Is the client authorized by this gateway?", 0.0, 7.5,
           "b7", 407),
    _v3("b7", "Is the client forbidden this?", "b6", 403),
    _v3("b6", "Are the Content-* fields acceptable?", "b5", 400),
    _v3("b5", "Is the content's media type one the method takes?", "b4", 415),
    _v3("b4", "Is the content too large?", "b3", 413),
    _v3("b3", "Is it OPTIONS?", "c3", 204),
    # c3 .. f7: which representation?
    _v3("c3", "Does Accept choose among the media types?", "multiple_choices", "c4", "d4",
        "g7"),
    _added("multiple_choices", "Are there alternates to offer instead?", 3.0, 2.0,
           "c4", "d4", "g7", 300),
    _v3("c4", "Is an acceptable media type available?", "d4", "g7", 406),
    _v3("d4", "Does the resource offer languages?", "d5", "e5", "f6", "g7", 406),
    _v3("d5", "Is an acceptable language available?", "e5", "f6", "g7", 406),
    _v3("e5", "Does the resource offer charsets?", "e6", "f6", "g7", 406),
    _v3("e6", "Is an acceptable charset available?", "f6", "g7", 406),
    _v3("f6", "Does the resource offer content codings?", "f7", "g7", 406),
    _v3("f7", "Is an acceptable content coding available?", "g7", 406),
    # g7: does the resource exist? Then the preconditions, RFC 9110 §13.2.2.
    _v3("g7", "Does the resource exist?", "g8", "i7"),
    _v3("g8", "Is there an If-Match field?", "g9", "g11", "h10"),
    _v3("g9", "Is If-Match *?", "i12"),
    _v3("g11", "Is the current entity tag in If-Match?", "i12", 412),
    _v3("h10", "Is there an If-Unmodified-Since field?", "h11", "i12"),
    _v3("h11", "Is If-Unmodified-Since a valid date?", "h12", "i12"),
    _v3("h12", "Was it modified after If-Unmodified-Since?", "i12", 412),
    _v3("i12", "Is there an If-None-Match field?", "i13", "k13", "l13"),
    _v3("i13", "Is If-None-Match *?", "j18"),
    _v3("k13", "Is the current entity tag in If-None-Match?", "j18", "m16"),
    _v3("j18", "Is it GET or HEAD?", 304, 412),
    _v3("l13", "Is there an If-Modified-Since field?", "l14", "m16"),
    _v3("l14", "Is If-Modified-Since a valid date?", "l15", "m16"),
    _v3("l15", "Is If-Modified-Since in the future?", "l17", "m16"),
    _v3("l17", "Was it modified after If-Modified-Since?", "m16", 304),
    # g7 false: the resource is not there.
    _v3("i7", "Is it PUT?", "i4", "k7"),
    _v3("i4", "Does it live at another URI for good?", "h7", 301, 308),
    _v3("h7", "Is there an If-Match field (on a missing target)?", "validate", 412),
    _v3("k7", "Did it exist before?", "k5", "l7"),
    _v3("k5", "Did it move for good?", "l5", 301, 308),
    _v3("l5", "Did it move for now?", "m5", 302, 307),
    _v3("m5", "Is it POST?", "n5", 410),
    _v3("n5", "Does a POST here create it?", "h7", 410),
    _v3("l7", "Is it POST?", "m7", 404),
    _v3("m7", "Does a POST here create it?", "h7", 404),
    # m16 .. p11: the method acts.
    _v3("m16", "Is it DELETE?", "m20", "n16"),
    _v3("m20", "Did the delete go through?", "o20", 204, *_OUTCOMES),
    _v3("n16", "Is it POST?", "validate", "o16"),
    _v3("o16", "Is it PUT?", "validate", "o18"),
    _added("validate", "Is the content well-formed and valid?", 13.0, 13.0,
           "n11", "o14", "p3", 400, 413, 422),
    _v3("n11", "Did the POST finish (or redirect)?", "p11", "o20", 204, 501, *_OUTCOMES),
    _v3("o14", "Does the write conflict with the current state?", "p11", "o20", 409, 501,
        *_OUTCOMES),
    _v3("p3", "Does the write conflict with the current state?", "p11", 409, 501,
        *_OUTCOMES),
    _v3("p11", "Is there a new resource?", 201),
    _v3("o20", "Does the answer have content?", 200, 204),
    # o18: the representation, whole or in part.
    _v3("o18", "Is there a representation to send?", "non_authoritative", "if_range",
        "range", "o20", "p11", 200, 406, *_OUTCOMES),
    _added("non_authoritative", "Was it transformed from an origin's?", 15.0, 17.0,
           "if_range", "range", 200, 203),
    _added("if_range", "Does If-Range still hold?", 15.0, 18.0, "range", 200),
    _added("range", "Can the ranges be satisfied?", 15.0, 19.0, 200, 206, 416),
])


def position(node_id: str) -> tuple[float, float] | None:
    """Where ``node_id`` sits on the diagram (column, row), or None for an id the
    diagram does not have."""
    place = NODES.get(node_id)
    return (place.column, place.row) if place is not None else None
