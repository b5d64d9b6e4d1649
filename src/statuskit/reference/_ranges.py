"""A Range field the grammar refuses is ignored, not fatal (RFC 9110 §14.2).

The decision graph does this for resources; ``/status/206`` reads ranges itself.
"""

from __future__ import annotations

from statuskit.http import RangeSpec, parse_range

__all__ = ["read_range"]


def read_range(value: str) -> tuple[RangeSpec, ...] | None:
    """The ranges asked for, or None for a field to ignore (RFC 9110 §14.2)."""
    try:
        return parse_range(value)
    except ValueError:
        return None
