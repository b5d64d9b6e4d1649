"""Resources that answer questions, and the graph that turns answers into codes."""

from statuskit.resource._answer import Answer
from statuskit.resource._app import App, Route
from statuskit.resource._flow import decide
from statuskit.resource._halt import Halt, MissingField
from statuskit.resource._json_content import MAX_JSON_DEPTH, MAX_JSON_INT_DIGITS
from statuskit.resource._outcomes import (
    Accepted,
    Alternate,
    BadGateway,
    Conflict,
    Created,
    Done,
    GatewayTimeout,
    Invalid,
    Outcome,
    PreconditionLost,
    ResetContent,
    SeeOther,
)
from statuskit.resource._preconditions import (
    NOT_MODIFIED,
    PRECONDITION_FAILED,
    evaluate_preconditions,
)
from statuskit.resource._ranges import (
    PartialContent,
    coalesce_ranges,
    if_range_holds,
    multipart_byteranges,
    select_range,
)
from statuskit.resource._representation import content_type, render
from statuskit.resource._request import Request
from statuskit.resource._resource import Resource, parse_json

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_JSON_INT_DIGITS",
    "NOT_MODIFIED",
    "PRECONDITION_FAILED",
    "Accepted",
    "Alternate",
    "Answer",
    "App",
    "BadGateway",
    "Conflict",
    "Created",
    "Done",
    "GatewayTimeout",
    "Halt",
    "Invalid",
    "MissingField",
    "Outcome",
    "PartialContent",
    "PreconditionLost",
    "Request",
    "ResetContent",
    "Resource",
    "Route",
    "SeeOther",
    "coalesce_ranges",
    "content_type",
    "decide",
    "evaluate_preconditions",
    "if_range_holds",
    "multipart_byteranges",
    "parse_json",
    "render",
    "select_range",
]
