"""The wire layer: uvicorn protocol classes answering what the app never sees
(505 501 414 431 400 408), and ``run()`` = Guard + protocol + uvicorn.

Supported uvicorn: >=0.54,<0.55 (the protocol classes extend its internals).
"""

from statuskit.server._h11 import StatusH11Protocol, h11_protocol
from statuskit.server._httptools import StatusHttpToolsProtocol, httptools_protocol
from statuskit.server._linger import DISCARD_LIMIT, LINGER_TIMEOUT
from statuskit.server._run import (
    WS_MAX_MESSAGE_SIZE,
    WS_MAX_QUEUE,
    WS_MAX_TOTAL,
    config,
    run,
)
from statuskit.server._wire import protocol_class
from statuskit.server._workers import WorkersExited, bind, serve_workers

__all__ = [
    "DISCARD_LIMIT",
    "LINGER_TIMEOUT",
    "WS_MAX_MESSAGE_SIZE",
    "WS_MAX_QUEUE",
    "WS_MAX_TOTAL",
    "StatusH11Protocol",
    "StatusHttpToolsProtocol",
    "WorkersExited",
    "bind",
    "config",
    "h11_protocol",
    "httptools_protocol",
    "protocol_class",
    "run",
    "serve_workers",
]
