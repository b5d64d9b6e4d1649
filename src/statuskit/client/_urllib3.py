"""A urllib3 ``Retry`` read as ``RetryPolicy`` fields (``RetryPolicy.from_urllib3``).

Read by attribute, so urllib3 is not imported here. What has no counterpart is
said in ``from_urllib3``'s docstring and the README, not silently dropped.
"""

from __future__ import annotations

from typing import Any

from statuskit.client._policy import DEFAULT_CAP
from statuskit.http import REGISTERED_METHODS

__all__ = ["policy_fields"]

# What urllib3 ``allowed_methods=None`` ("retry on any verb") means here: every
# registered method (POST and PATCH included).
_ANY_METHOD = frozenset(REGISTERED_METHODS)


def policy_fields(retry: Any) -> dict[str, Any]:
    """``RetryPolicy`` keyword arguments for a urllib3 ``Retry``."""
    fields: dict[str, Any] = {"max_attempts": _attempts(retry)}
    statuses = getattr(retry, "status_forcelist", None)
    if statuses:
        # urllib3 without a list repeats 413/429/503 only with Retry-After; the
        # catalogue's list (the default here) is wider and needs none for 429/503.
        fields["retry_statuses"] = frozenset(int(s) for s in statuses)
    methods = getattr(retry, "allowed_methods", None)
    fields["allowed_methods"] = _ANY_METHOD if methods is None else frozenset(methods)
    # urllib3 sleeps max(0, min(backoff_max, backoff_factor * 2^(n-1))) after the
    # n-th consecutive error; here the same base doubles with full jitter under the
    # cap. Its clamps are kept: a negative factor or maximum waits 0, not less, and
    # a base past the cap is the cap.
    backoff_max = getattr(retry, "backoff_max", None)
    cap = DEFAULT_CAP if backoff_max is None else max(0.0, float(backoff_max))
    if backoff_max is not None:
        fields["cap"] = cap
    factor = max(0.0, float(getattr(retry, "backoff_factor", 0) or 0))
    fields["base"] = fields["throttled_base"] = min(factor, cap)
    return fields


def _attempts(retry: Any) -> int:
    total = getattr(retry, "total", None)
    if total is False:
        return 1  # urllib3: retries off
    counts = [getattr(retry, name, None) for name in ("connect", "read", "status")]
    given = [int(c) for c in [total, *counts] if c is not None and c is not False]
    if not given:
        raise ValueError("this urllib3 Retry sets no count (total=None and no connect, read "
                         "or status), so it retries forever; give it total=N")
    if any(count < 0 for count in given):
        raise ValueError("a urllib3 Retry with a negative count has no retries left")
    # One cap here: the smallest count urllib3 would stop at.
    return min(given) + 1
