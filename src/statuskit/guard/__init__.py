"""The transport layer: ``Guard`` answers 505 501 414 417 411 413 429 503 504 408 500
in RFC 9110 order in front of any ASGI app."""

from statuskit.guard._exchange import BodyStalled, ResponseFramingError
from statuskit.guard._middleware import GUARD_SETTINGS_STATE, SPOKEN_VERSIONS, Guard, Quota

__all__ = [
    "GUARD_SETTINGS_STATE",
    "SPOKEN_VERSIONS",
    "BodyStalled",
    "Guard",
    "Quota",
    "ResponseFramingError",
]
