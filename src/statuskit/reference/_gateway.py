"""The gateway's upstream call: what came back, or why nothing usable did.

The outcome is data; the gateway resource turns it into 203, 502 or 504
through the decision graph.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx2

__all__ = ["Forwarded", "UpstreamFailed", "UpstreamTimedOut", "forward"]


@dataclass(frozen=True, slots=True)
class Forwarded:
    """The upstream answered with JSON; the gateway reshaped it (hence 203)."""

    status: int
    document: dict[str, Any]


@dataclass(frozen=True, slots=True)
class UpstreamFailed:
    """Unreachable, or answered with something the gateway cannot use (502)."""

    reason: str


@dataclass(frozen=True, slots=True)
class UpstreamTimedOut:
    """The upstream did not answer within the gateway's timeout (504)."""

    seconds: float


Outcome = Forwarded | UpstreamFailed | UpstreamTimedOut


async def forward(client: httpx2.AsyncClient, path: str, query: str, timeout: float) -> Outcome:
    """GET ``path`` upstream and annotate the JSON it returns."""
    # The path arrives percent-decoded; forwarded, it is encoded again (RFC 3986
    # §2.1), so a control character in it is data for the upstream, not a URL error.
    url = "/" + quote(path.lstrip("/"), safe="/")
    try:
        # asyncio's timeout, not only httpx's: it also bounds an in-process upstream.
        async with asyncio.timeout(timeout):
            response = await client.get(url, params=httpx2.QueryParams(query), timeout=timeout)
    except (TimeoutError, httpx2.TimeoutException):
        return UpstreamTimedOut(timeout)
    except httpx2.HTTPError as exc:
        # RFC 9110 §15.6.3: no valid response from the server we act for.
        return UpstreamFailed(f"upstream unreachable ({type(exc).__name__})")
    if response.status_code >= 500:
        return UpstreamFailed(f"upstream answered {response.status_code}")
    try:
        document = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return UpstreamFailed("upstream answered with a body that is not JSON")
    if not isinstance(document, dict):
        return UpstreamFailed("upstream answered with JSON that is not an object")
    # The transformation that makes this a non-authoritative answer (RFC 9110 §15.3.4).
    document = {**document, "via": "statuskit-gateway", "upstream_status": response.status_code}
    return Forwarded(response.status_code, document)
