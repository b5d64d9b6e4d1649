"""Resources that answer questions, and the graph that turns answers into codes."""

from statuskit.resource._app import App, Route
from statuskit.resource._graph import Answer, decide, render
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
from statuskit.resource._request import Request
from statuskit.resource._resource import Resource, parse_json

__all__ = [
    "Accepted",
    "Alternate",
    "Answer",
    "App",
    "BadGateway",
    "Conflict",
    "Created",
    "Done",
    "GatewayTimeout",
    "Invalid",
    "Outcome",
    "PreconditionLost",
    "Request",
    "ResetContent",
    "Resource",
    "Route",
    "SeeOther",
    "decide",
    "parse_json",
    "render",
]
