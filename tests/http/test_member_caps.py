"""Each list field is read for at most MAX_LIST_MEMBERS members and each member for
at most MAX_PARAMETERS parameters, so that 16 KiB of a client's field value costs a
bounded number of steps (issue 26, H5). The cost itself is measured by
bench/field_parsers.py, not here."""

from statuskit.http import (
    negotiate,
    negotiate_encoding,
    negotiate_language,
    parse_accept,
    parse_content_type,
    parse_etags,
    parse_qlist,
    parse_range,
)
from statuskit.http.fields import MAX_LIST_MEMBERS, MAX_PARAMETERS, parse_list
from statuskit.http.ranges import MAX_RANGES

OFFERS = ["text/plain", "application/json"]


def test_accept_member_past_the_cap_is_not_read() -> None:
    within = ",".join(["x/y"] * (MAX_LIST_MEMBERS - 1) + ["application/json"])
    past = ",".join(["x/y"] * MAX_LIST_MEMBERS + ["application/json"])
    assert negotiate(OFFERS, within) == "application/json"
    assert len(parse_accept(past)) == MAX_LIST_MEMBERS
    # RFC 9110 §12.5.1: the members read name nothing offered; 406 is the server's call.
    assert negotiate(OFFERS, past) is None


def test_empty_accept_members_count_toward_the_cap() -> None:
    header = "," * MAX_LIST_MEMBERS + "application/json"
    assert parse_accept(header) == ()
    assert negotiate(OFFERS, header) == "text/plain"  # RFC 9110 §12.5.1: as if absent


def test_a_million_byte_accept_reads_only_its_first_members() -> None:
    header = ",".join(f"type{n}/sub{n}" for n in range(100_000))
    ranges = parse_accept(header)
    assert [r.type for r in ranges] == [f"type{n}" for n in range(MAX_LIST_MEMBERS)]


def test_media_range_with_too_many_parameters_is_skipped() -> None:
    within = "text/plain;" + ";".join(f"p{n}=v" for n in range(MAX_PARAMETERS))
    past = "text/plain;" + ";".join(f"p{n}=v" for n in range(MAX_PARAMETERS + 1))
    assert len(parse_accept(within)[0].params) == MAX_PARAMETERS
    assert parse_accept(past) == ()
    assert parse_accept(past + ", application/json")[0].subtype == "json"


def test_quoted_commas_stay_inside_their_member() -> None:
    header = 'text/plain;a="x,\\"y,;z";q=0.5, application/json;q=0.4'
    first, second = parse_accept(header)
    assert first.params == (("a", 'x,"y,;z'),) and first.q == 0.5
    assert (second.type, second.subtype, second.q) == ("application", "json", 0.4)


def test_qlist_member_past_the_cap_is_not_read() -> None:
    past = ",".join(["xx"] * MAX_LIST_MEMBERS + ["en"])
    assert len(parse_qlist(past)) == MAX_LIST_MEMBERS
    assert negotiate_language(["en"], past) is None
    assert negotiate_encoding(["gzip", "identity"],
                              ",".join(["br"] * MAX_LIST_MEMBERS + ["gzip"])) == "identity"


def test_if_none_match_past_the_cap_is_unusable() -> None:
    within = ",".join(f'"t{n}"' for n in range(MAX_LIST_MEMBERS))
    past = ",".join(f'"t{n}"' for n in range(MAX_LIST_MEMBERS + 1))
    tags = parse_etags(within)
    assert isinstance(tags, tuple) and len(tags) == MAX_LIST_MEMBERS
    # RFC 9110 §13.1.1: the recipient decides on a field it will not read; callers
    # take None as matching nothing, so an If-Match this long fails (412).
    assert parse_etags(past) is None


def test_range_of_commas_alone_is_ignored_as_a_whole() -> None:
    assert parse_range("bytes=0-1" + "," * (2 * MAX_RANGES)) is None
    assert parse_range("bytes=0-1,,2-3") is not None


def test_content_type_with_too_many_parameters_is_malformed() -> None:
    within = "text/plain;" + ";".join(f"p{n}=v" for n in range(MAX_PARAMETERS))
    past = "text/plain;" + ";".join(f"p{n}=v" for n in range(MAX_PARAMETERS + 1))
    assert parse_content_type(within) == ("text/plain", {f"p{n}": "v" for n in range(16)})
    assert parse_content_type(past) is None


def test_list_limit_reads_only_the_first_members() -> None:
    assert parse_list("a, ,b,c,d", limit=3) == ["a", "b"]
    assert parse_list('"a,b", c', limit=1) == ['"a,b"']
