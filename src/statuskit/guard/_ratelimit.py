"""429 through the ``limits`` library, imported only when a rate limit is configured."""

from __future__ import annotations

import logging
import time
from typing import Any

logger = logging.getLogger("statuskit.guard")

_STRATEGIES = ("fixed-window", "moving-window", "sliding-window-counter")


class RateLimit:
    """One shared allowance, e.g. ``"10/second"``, counted per key.

    ``storage`` is a ``limits`` storage URI: ``memory://`` (one process) or
    ``redis://host:port`` (several processes share the allowance). The async
    variant of the storage is used so that the event loop never blocks on it.
    """

    __slots__ = ("_limiter", "_prefix", "item", "storage_uri")

    def __init__(
        self,
        rate: str,
        *,
        storage: str = "memory://",
        strategy: str = "fixed-window",
        prefix: str = "statuskit",
    ) -> None:
        import limits
        import limits.aio.strategies as strategies
        from limits.storage import storage_from_string

        if strategy not in _STRATEGIES:
            raise ValueError(f"rate_limit_strategy must be one of {_STRATEGIES}, not {strategy!r}")
        self.item = limits.parse(rate)
        self.storage_uri = storage if storage.startswith("async+") else "async+" + storage
        options: dict[str, Any] = {}
        if "redis" in self.storage_uri.split("://", 1)[0]:
            # redis-py is the client statuskit depends on (coredis is the limits default).
            options["implementation"] = "redispy"
        backend: Any = storage_from_string(self.storage_uri, **options)
        limiter_class: Any = {
            "fixed-window": strategies.FixedWindowRateLimiter,
            "moving-window": strategies.MovingWindowRateLimiter,
            "sliding-window-counter": strategies.SlidingWindowCounterRateLimiter,
        }[strategy]
        self._limiter = limiter_class(backend)
        self._prefix = prefix

    async def retry_after(self, key: str) -> float | None:
        """None while ``key`` is within its allowance, else the seconds until the window resets.

        A storage that cannot be reached lets the request through (fail open) and logs it:
        an unreachable Redis must not take the service down with it.
        """
        try:
            if await self._limiter.hit(self.item, self._prefix, key):
                return None
            stats = await self._limiter.get_window_stats(self.item, self._prefix, key)
        except Exception:
            logger.exception("rate-limit storage %s failed; request let through", self.storage_uri)
            return None
        # RFC 6585 §4: Retry-After says how long to wait; at least one second.
        return max(1.0, float(stats.reset_time) - time.time())
