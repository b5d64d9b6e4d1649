"""The catalogue data: seed labels, IANA coverage, phrases, headers, bodies, disagreements."""

from __future__ import annotations

import re

import pytest

from statuskit.codes import (
    Code,
    Guidance,
    RetryRule,
    Standing,
    all_codes,
    allows_body,
    lookup,
    seed_codes,
)

# The 41 rows of the seed table, labels spelled exactly as the seed spells them.
SEED_LABELS: dict[int, str] = {
    100: "Continue",
    101: "Switching Protocols",
    201: "Created",
    202: "Accepted",
    203: "Non-Authoritative Information",
    204: "NoContent",
    205: "Reset Content",
    206: "Partial Content",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    305: "Use Proxy",
    306: "Unused",
    400: "BadRequest",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Time-out",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Request Entity Too Large",
    414: "Request-URI Too Large",
    415: "Unsupported Media Type",
    416: "Requested range not satisfiable",
    417: "Expectation Failed",
    422: "UnprocessableEntity",
    429: "TooManyRequests",
    500: "InternalServerError",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "ServiceUnavailable",
    504: "ServerTimeout",
    505: "HTTP Version not supported",
}

# IANA HTTP Status Code Registry: number -> (phrase statuskit uses, defining reference).
# Phrases are RFC 9110's where it defines the code. 418 is "(Unused)" in RFC 9110 §15.5.19,
# the same text as 306; its enum member name comes from the `name` key (IM_A_TEAPOT).
IANA: dict[int, tuple[str, str]] = {
    100: ("Continue", "RFC 9110 §15.2.1"),
    101: ("Switching Protocols", "RFC 9110 §15.2.2"),
    102: ("Processing", "RFC 2518 §10.1"),
    103: ("Early Hints", "RFC 8297 §2"),
    104: (
        "Upload Resumption Supported",
        "draft-ietf-httpbis-resumable-upload (IANA temporary registration)",
    ),
    200: ("OK", "RFC 9110 §15.3.1"),
    201: ("Created", "RFC 9110 §15.3.2"),
    202: ("Accepted", "RFC 9110 §15.3.3"),
    203: ("Non-Authoritative Information", "RFC 9110 §15.3.4"),
    204: ("No Content", "RFC 9110 §15.3.5"),
    205: ("Reset Content", "RFC 9110 §15.3.6"),
    206: ("Partial Content", "RFC 9110 §15.3.7"),
    207: ("Multi-Status", "RFC 4918 §11.1"),
    208: ("Already Reported", "RFC 5842 §7.1"),
    226: ("IM Used", "RFC 3229 §10.4.1"),
    300: ("Multiple Choices", "RFC 9110 §15.4.1"),
    301: ("Moved Permanently", "RFC 9110 §15.4.2"),
    302: ("Found", "RFC 9110 §15.4.3"),
    303: ("See Other", "RFC 9110 §15.4.4"),
    304: ("Not Modified", "RFC 9110 §15.4.5"),
    305: ("Use Proxy", "RFC 9110 §15.4.6"),
    306: ("(Unused)", "RFC 9110 §15.4.7"),
    307: ("Temporary Redirect", "RFC 9110 §15.4.8"),
    308: ("Permanent Redirect", "RFC 9110 §15.4.9"),
    400: ("Bad Request", "RFC 9110 §15.5.1"),
    401: ("Unauthorized", "RFC 9110 §15.5.2"),
    402: ("Payment Required", "RFC 9110 §15.5.3"),
    403: ("Forbidden", "RFC 9110 §15.5.4"),
    404: ("Not Found", "RFC 9110 §15.5.5"),
    405: ("Method Not Allowed", "RFC 9110 §15.5.6"),
    406: ("Not Acceptable", "RFC 9110 §15.5.7"),
    407: ("Proxy Authentication Required", "RFC 9110 §15.5.8"),
    408: ("Request Timeout", "RFC 9110 §15.5.9"),
    409: ("Conflict", "RFC 9110 §15.5.10"),
    410: ("Gone", "RFC 9110 §15.5.11"),
    411: ("Length Required", "RFC 9110 §15.5.12"),
    412: ("Precondition Failed", "RFC 9110 §15.5.13"),
    413: ("Content Too Large", "RFC 9110 §15.5.14"),
    414: ("URI Too Long", "RFC 9110 §15.5.15"),
    415: ("Unsupported Media Type", "RFC 9110 §15.5.16"),
    416: ("Range Not Satisfiable", "RFC 9110 §15.5.17"),
    417: ("Expectation Failed", "RFC 9110 §15.5.18"),
    418: ("(Unused)", "RFC 9110 §15.5.19"),
    421: ("Misdirected Request", "RFC 9110 §15.5.20"),
    422: ("Unprocessable Content", "RFC 9110 §15.5.21"),
    423: ("Locked", "RFC 4918 §11.3"),
    424: ("Failed Dependency", "RFC 4918 §11.4"),
    425: ("Too Early", "RFC 8470 §5.2"),
    426: ("Upgrade Required", "RFC 9110 §15.5.22"),
    428: ("Precondition Required", "RFC 6585 §3"),
    429: ("Too Many Requests", "RFC 6585 §4"),
    431: ("Request Header Fields Too Large", "RFC 6585 §5"),
    451: ("Unavailable For Legal Reasons", "RFC 7725 §3"),
    500: ("Internal Server Error", "RFC 9110 §15.6.1"),
    501: ("Not Implemented", "RFC 9110 §15.6.2"),
    502: ("Bad Gateway", "RFC 9110 §15.6.3"),
    503: ("Service Unavailable", "RFC 9110 §15.6.4"),
    504: ("Gateway Timeout", "RFC 9110 §15.6.5"),
    505: ("HTTP Version Not Supported", "RFC 9110 §15.6.6"),
    506: ("Variant Also Negotiates", "RFC 2295 §8.1"),
    507: ("Insufficient Storage", "RFC 4918 §11.5"),
    508: ("Loop Detected", "RFC 5842 §7.2"),
    510: ("Not Extended", "RFC 2774 §7"),
    511: ("Network Authentication Required", "RFC 6585 §6"),
}

# Canonical spelling of every header field name the catalogue may mention.
CANONICAL_FIELDS = frozenset(
    {
        "Accept", "Accept-Encoding", "Allow", "Cache-Control", "Connection", "Content-Location",
        "Content-Range", "Date", "ETag", "Expires", "IM", "Link", "Location",
        "Proxy-Authenticate", "Retry-After", "Upgrade", "Vary", "WWW-Authenticate",
    }
)  # fmt: skip

EXPECTED_GUIDANCE: dict[int, Guidance] = {
    **{c: Guidance.NONE for c in (100, 101, 102, 103, 104)},
    **{c: Guidance.NONE for c in (200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 304)},
    **{c: Guidance.FOLLOW for c in (301, 302, 303, 307, 308)},
    300: Guidance.AFTER_CHANGE,
    305: Guidance.NEVER,
    306: Guidance.NEVER,
    **{c: Guidance.AFTER_CHANGE for c in (400, 401, 403, 404, 405, 406, 409, 410, 411, 412)},
    **{c: Guidance.AFTER_CHANGE for c in (413, 414, 415, 416, 417, 422, 426, 428, 431, 511)},
    408: Guidance.LATER,
    423: Guidance.LATER,
    425: Guidance.LATER,
    429: Guidance.AFTER_RETRY_AFTER,
    500: Guidance.LATER,
    501: Guidance.NEVER,
    502: Guidance.LATER,
    503: Guidance.AFTER_RETRY_AFTER,
    504: Guidance.LATER,
    505: Guidance.NEVER,
    507: Guidance.LATER,
}

BODILESS = frozenset({100, 101, 102, 103, 104, 204, 205, 304})

# Codes whose seed row (or missing row) differs from RFC 9110 in a way the record must keep.
MUST_DISAGREE = (
    101, 200, 204, 303, 305, 306, 307, 308, 400, 401, 406, 408, 409, 410,
    413, 414, 416, 422, 428, 429, 431, 500, 503, 504,
)  # fmt: skip
ABSENT_FROM_SEED = (200, 307, 308, 428, 431)


def test_seed_table_has_41_codes() -> None:
    assert len(SEED_LABELS) == 41
    assert len(seed_codes()) == 41


def test_seed_codes_are_exactly_the_seed_rows() -> None:
    assert {c.code for c in seed_codes()} == set(SEED_LABELS)


@pytest.mark.parametrize(("number", "label"), sorted(SEED_LABELS.items()))
def test_seed_code_carries_seed_label_exactly(number: int, label: str) -> None:
    record = lookup(number)
    assert record.label == label
    assert record.in_seed


def test_every_iana_code_is_present() -> None:
    assert {c.code for c in all_codes()} == set(IANA)


def test_codes_outside_the_seed_have_no_label() -> None:
    for record in all_codes():
        if record.code not in SEED_LABELS:
            assert record.label is None, record.code
            assert not record.in_seed


@pytest.mark.parametrize(("number", "phrase"), [(n, p) for n, (p, _) in sorted(IANA.items())])
def test_phrase_is_the_registry_phrase(number: int, phrase: str) -> None:
    assert lookup(number).phrase == phrase
    assert lookup(number).title == phrase


@pytest.mark.parametrize(("number", "rfc"), [(n, r) for n, (_, r) in sorted(IANA.items())])
def test_rfc_names_the_defining_section(number: int, rfc: str) -> None:
    assert lookup(number).rfc == rfc


def test_rfc_references_are_well_formed() -> None:
    pattern = re.compile(r"RFC \d{4} §\d+(\.\d+)*|draft-ietf-[a-z-]+ \(.+\)")
    for record in all_codes():
        assert pattern.fullmatch(record.rfc), (record.code, record.rfc)


def test_renamed_codes_keep_seed_label_and_rfc_9110_phrase() -> None:
    # RFC 9110 §15.5.14, §15.5.15, §15.5.17, §15.5.21 renamed these.
    renamed = {
        413: ("Request Entity Too Large", "Content Too Large"),
        414: ("Request-URI Too Large", "URI Too Long"),
        416: ("Requested range not satisfiable", "Range Not Satisfiable"),
        422: ("UnprocessableEntity", "Unprocessable Content"),
    }
    for number, (label, phrase) in renamed.items():
        assert (lookup(number).label, lookup(number).phrase) == (label, phrase)


@pytest.mark.parametrize(("number", "guidance"), sorted(EXPECTED_GUIDANCE.items()))
def test_guidance_matches_the_contract(number: int, guidance: Guidance) -> None:
    assert lookup(number).guidance is guidance


def test_503_retries_after_retry_after_where_the_seed_says_change_first() -> None:
    record = lookup(503)
    assert record.guidance is Guidance.AFTER_RETRY_AFTER
    assert record.seed_guidance is Guidance.AFTER_CHANGE
    assert "Retry-After" in record.recommends


def test_seed_guidance_is_only_given_where_it_differs() -> None:
    differing = {c.code: c.seed_guidance for c in all_codes() if c.seed_guidance is not None}
    assert differing == {
        305: Guidance.FOLLOW,
        500: Guidance.AFTER_CHANGE,
        503: Guidance.AFTER_CHANGE,
    }
    for number in differing:
        record = lookup(number)
        assert record.in_seed
        assert record.seed_guidance is not record.guidance


def test_retryable_codes_are_the_ones_a_client_repeats_by_itself() -> None:
    retryable = {c.code for c in all_codes() if c.retryable}
    assert retryable == {408, 413, 429, 502, 503, 504}
    # RFC 9110 §15.5.14: a 413 is temporary only when Retry-After says so.
    assert lookup(413).retry is RetryRule.IF_RETRY_AFTER


@pytest.mark.parametrize("number", [421, 423, 425, 500, 507])
def test_codes_a_client_may_repeat_only_with_care_are_not_repeated_by_itself(
        number: int) -> None:
    # 421 needs another connection (RFC 9110 §15.5.20), 423 a released lock, 425 early
    # data statuskit never sends, 500 may be a bug, 507 storage that will not come back.
    assert lookup(number).retry is RetryRule.NO


def test_a_retried_code_is_one_the_guidance_calls_temporary() -> None:
    for record in all_codes():
        if record.retry is RetryRule.YES:
            assert record.guidance in (Guidance.LATER, Guidance.AFTER_RETRY_AFTER), record.code


@pytest.mark.parametrize("number", sorted(IANA))
def test_body_allowed_except_1xx_204_205_304(number: int) -> None:
    # RFC 9110 §15.2 (1xx), §15.3.5 (204), §15.3.6 (205), §15.4.5 (304).
    expected = number not in BODILESS
    assert lookup(number).body_allowed is expected
    assert allows_body(number) is expected


@pytest.mark.parametrize(
    ("number", "field"),
    [
        (101, "Upgrade"),  # RFC 9110 §15.2.2
        (206, "Content-Range"),  # RFC 9110 §15.3.7.1 (single part)
        (301, "Location"),  # RFC 9110 §15.4.2
        (302, "Location"),  # RFC 9110 §15.4.3
        (303, "Location"),  # RFC 9110 §15.4.4
        (307, "Location"),  # RFC 9110 §15.4.8
        (308, "Location"),  # RFC 9110 §15.4.9
        (401, "WWW-Authenticate"),  # RFC 9110 §15.5.2
        (405, "Allow"),  # RFC 9110 §15.5.6
        (407, "Proxy-Authenticate"),  # RFC 9110 §15.5.8
        (426, "Upgrade"),  # RFC 9110 §15.5.22
    ],
)
def test_code_requires_header(number: int, field: str) -> None:
    assert field in lookup(number).requires


@pytest.mark.parametrize(
    ("number", "field"),
    [
        (103, "Link"),  # RFC 8297 §2
        (201, "Location"),  # RFC 9110 §15.3.2
        (202, "Location"),
        (300, "Location"),  # RFC 9110 §15.4.1
        (304, "ETag"),  # RFC 9110 §15.4.5
        (304, "Date"),
        (304, "Vary"),
        (408, "Connection"),  # RFC 9110 §15.5.9: close
        (413, "Retry-After"),  # RFC 9110 §15.5.14
        (415, "Accept"),  # RFC 9110 §12.5.1
        (415, "Accept-Encoding"),  # RFC 9110 §15.5.16
        (416, "Content-Range"),  # RFC 9110 §15.5.17
        (429, "Retry-After"),  # RFC 6585 §4
        (451, "Link"),  # RFC 7725 §4
        (503, "Retry-After"),  # RFC 9110 §15.6.4
    ],
)
def test_code_recommends_header(number: int, field: str) -> None:
    assert field in lookup(number).recommends
    assert field not in lookup(number).requires


def test_codes_without_fixed_fields_require_nothing() -> None:
    requiring = {c.code for c in all_codes() if c.requires}
    assert requiring == {101, 206, 301, 302, 303, 307, 308, 401, 405, 407, 426}


def test_header_names_are_canonical_and_not_repeated() -> None:
    for record in all_codes():
        fields = record.requires + record.recommends
        assert len(set(fields)) == len(fields), record.code
        assert set(fields) <= CANONICAL_FIELDS, (record.code, fields)


def test_standing() -> None:
    standing = {c.code: c.standing for c in all_codes() if c.standing is not Standing.ACTIVE}
    assert standing == {
        305: Standing.DEPRECATED,
        306: Standing.UNUSED,
        402: Standing.RESERVED,
        418: Standing.UNUSED,
        510: Standing.DEPRECATED,
    }


def test_every_record_has_a_meaning_in_sentences() -> None:
    for record in all_codes():
        assert len(record.meaning) >= 40, record.code
        assert record.meaning[0].isupper() and record.meaning.endswith("."), record.code


def test_meaning_is_not_the_seed_description() -> None:
    # Our own words: no meaning repeats the seed table's wording for its row.
    seed_phrasings = (
        "The client should continue with its request",
        "The request has been fulfilled, but the HTTP response",
        "The request is invalid",
        "The requested resource cannot be found",
        "The requested service is invalid",
        "unable to understand the request",
    )
    for record in all_codes():
        for phrasing in seed_phrasings:
            assert phrasing.lower() not in record.meaning.lower(), record.code


def test_every_disagreement_names_which_side_it_follows() -> None:
    count = 0
    for record in all_codes():
        for d in record.disagreements:
            count += 1
            assert d.follows in {"seed", "rfc"}, (record.code, d.topic)
            for text in (d.topic, d.seed, d.rfc, d.why):
                assert text.strip(), (record.code, d.topic)
    assert count >= len(MUST_DISAGREE)


@pytest.mark.parametrize("number", MUST_DISAGREE)
def test_known_difference_is_recorded(number: int) -> None:
    assert lookup(number).disagreements


@pytest.mark.parametrize(("number", "follows"), [(503, "rfc"), (500, "rfc"), (401, "rfc")])
def test_behaviour_follows_rfc_where_the_seed_is_wrong(number: int, follows: str) -> None:
    assert {d.follows for d in lookup(number).disagreements} == {follows}


def test_504_record_keeps_the_timeout_parameter_rule() -> None:
    record: Code = lookup(504)
    assert record.label == "ServerTimeout"
    (rule,) = record.disagreements
    assert rule.follows == "seed"
    assert "Timeout parameter" in rule.seed
    assert "upstream" in rule.rfc
    assert "Timeout parameter" in record.meaning


def test_401_record_covers_requests_without_credentials() -> None:
    (rule,) = lookup(401).disagreements
    assert "no credentials" in rule.rfc
    assert "WWW-Authenticate" in rule.rfc


def test_204_record_covers_options() -> None:
    (rule,) = lookup(204).disagreements
    assert "OPTIONS" in rule.seed
    assert "Allow" in rule.why


def test_413_record_keeps_retry_after_and_connection_close() -> None:
    topics = {d.topic: d for d in lookup(413).disagreements}
    assert set(topics) == {"name", "temporary refusals and the connection"}
    temporary = topics["temporary refusals and the connection"]
    assert "Retry-After" in temporary.seed and "Retry-After" in temporary.rfc
    assert "close the connection" in temporary.seed
    assert "§15.5.14" in temporary.rfc


@pytest.mark.parametrize("number", ABSENT_FROM_SEED)
def test_codes_missing_from_the_seed_say_so(number: int) -> None:
    record = lookup(number)
    assert record.label is None
    assert "absent from the seed" in {d.topic for d in record.disagreements}


def test_absent_from_the_seed_is_only_said_of_codes_without_label() -> None:
    for record in all_codes():
        if any(d.topic == "absent from the seed" for d in record.disagreements):
            assert not record.in_seed, record.code
