"""The HTTP header grammar statuskit's layers share (RFC 9110).

Pure functions on ``str``/``bytes`` with no I/O. Parsers never raise on what
a peer sends: they return None (or skip the bad member) instead.
"""

from statuskit.http.accept import (
    MediaRange,
    negotiate,
    negotiate_charset,
    negotiate_encoding,
    negotiate_language,
    parse_accept,
    parse_qlist,
)
from statuskit.http.dates import format_http_date, parse_http_date
from statuskit.http.etags import ETag, parse_etag, parse_etags, strong_match, weak_match
from statuskit.http.fields import (
    format_allow,
    is_token,
    parse_allow,
    parse_content_type,
    parse_list,
    parse_parameters,
)
from statuskit.http.methods import IDEMPOTENT_METHODS, REGISTERED_METHODS, SAFE_METHODS
from statuskit.http.ranges import (
    RangeSpec,
    format_content_range,
    format_unsatisfied_range,
    parse_content_range,
    parse_range,
    parse_unsatisfied_range,
    resolve_ranges,
)
from statuskit.http.retry_after import format_retry_after, parse_retry_after

__all__ = [
    "IDEMPOTENT_METHODS",
    "REGISTERED_METHODS",
    "SAFE_METHODS",
    "ETag",
    "MediaRange",
    "RangeSpec",
    "format_allow",
    "format_content_range",
    "format_http_date",
    "format_retry_after",
    "format_unsatisfied_range",
    "is_token",
    "negotiate",
    "negotiate_charset",
    "negotiate_encoding",
    "negotiate_language",
    "parse_accept",
    "parse_allow",
    "parse_content_range",
    "parse_content_type",
    "parse_etag",
    "parse_etags",
    "parse_http_date",
    "parse_list",
    "parse_parameters",
    "parse_qlist",
    "parse_range",
    "parse_retry_after",
    "parse_unsatisfied_range",
    "resolve_ranges",
    "strong_match",
    "weak_match",
]
