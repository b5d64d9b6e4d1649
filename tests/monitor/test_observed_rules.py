"""The observed-traffic rules on exchanges a peer could send: each fires only where the
exchange proves the fault, and judges nothing where it would have to guess."""

from __future__ import annotations

from statuskit.check import rules
from statuskit.check.record import Exchange
from statuskit.monitor import Observer

URL = "http://testserver/doc"


def _seen(status: int, headers: list[tuple[str, str]] | None = None, body: bytes = b"", *,
          method: str = "GET", request: list[tuple[str, str]] | None = None,
          request_body: bytes = b"", url: str = URL) -> Exchange:
    return Exchange(method, url, request or [], status, "", headers or [], body,
                    request_body=request_body)


def _problem(body: bytes, status: int = 400) -> Exchange:
    return _seen(status, [("content-type", "application/problem+json")], body)


def test_a_304_to_a_request_without_a_condition_breaks_304_conditions() -> None:
    # RFC 9110 §15.4.5: a 304 answers a conditional GET or HEAD.
    problem = rules.CONDITIONS_304.judge(_seen(304, [("etag", '"a"')]))
    assert problem is not None and problem.cause == "304 to a request without a condition"


def test_a_304_whose_if_none_match_matches_weakly_is_right() -> None:
    # RFC 9110 §13.1.2: If-None-Match uses the weak comparison.
    seen = _seen(304, [("etag", 'W/"a"')], request=[("If-None-Match", '"b", "a"')])
    assert rules.CONDITIONS_304.judge(seen) is None


def test_a_304_without_its_own_etag_is_not_guessed_at() -> None:
    seen = _seen(304, [], request=[("If-None-Match", '"b"')])
    assert rules.CONDITIONS_304.judge(seen) is None


def test_a_304_to_if_modified_since_earlier_than_last_modified_is_wrong() -> None:
    # RFC 9110 §13.1.3: modified since the date given, so the condition is true: 200.
    seen = _seen(304, [("last-modified", "Wed, 02 Jan 2030 00:00:00 GMT")],
                 request=[("If-Modified-Since", "Tue, 01 Jan 2030 00:00:00 GMT")])
    problem = rules.CONDITIONS_304.judge(seen)
    assert problem is not None and "Last-Modified is later" in problem.cause


def test_conditions_of_other_specifications_leave_304_and_412_unjudged() -> None:
    # WebDAV's If field (RFC 4918 §10.4) can fail with 412 on its own.
    for status in (304, 412):
        seen = _seen(status, method="PUT", request=[("If", "(<urn:x> [\"a\"])")])
        assert rules.CONDITIONS_304.judge(seen) is None
        assert rules.CONDITIONS_412.judge(seen) is None


def test_a_412_to_a_request_without_a_precondition_is_wrong() -> None:
    problem = rules.CONDITIONS_412.judge(_seen(412, method="POST"))
    assert problem is not None
    assert problem.cause == "412 to a request with no precondition that can fail"


def test_a_412_whose_if_match_names_another_tag_is_right() -> None:
    seen = _seen(412, [("etag", '"v2"')], method="PUT", request=[("If-Match", '"v1"')])
    assert rules.CONDITIONS_412.judge(seen) is None


def test_a_412_without_its_own_etag_is_not_guessed_at() -> None:
    seen = _seen(412, method="PUT", request=[("If-Match", '"v1"')])
    assert rules.CONDITIONS_412.judge(seen) is None


def test_a_weak_etag_never_satisfies_if_match() -> None:
    # RFC 9110 §13.1.1: If-Match uses the strong comparison: a 412 is right.
    seen = _seen(412, [("etag", 'W/"v1"')], method="PUT", request=[("If-Match", 'W/"v1"')])
    assert rules.CONDITIONS_412.judge(seen) is None


def test_a_304_is_compared_only_with_a_200_to_the_same_varied_request() -> None:
    observer = Observer(lint=False, logger=None)
    observer.observe(_seen(200, [("etag", '"a"'), ("vary", "Accept")], b"x",
                           request=[("Accept", "text/html")]), "GET /doc")
    other = _seen(304, [], request=[("Accept", "application/json"), ("If-None-Match", '"a"')])
    assert observer.observe(other, "GET /doc") == []
    same = _seen(304, [], request=[("Accept", "text/html"), ("If-None-Match", '"a"')])
    (sighting,) = observer.observe(same, "GET /doc")
    assert sighting.rule.id == "304-fields" and sighting.problem.detail == "ETag, Vary"


def test_a_304_is_compared_with_the_latest_200_even_one_without_validators() -> None:
    # The resource dropped its ETag: the 304 has nothing of the latest 200 to repeat.
    observer = Observer(lint=False, logger=None)
    observer.observe(_seen(200, [("etag", '"a"')], b"x"), "GET /doc")
    observer.observe(_seen(200, [("last-modified", "Wed, 02 Jan 2030 00:00:00 GMT")], b"x"),
                     "GET /doc")
    seen = _seen(304, [], request=[("If-Modified-Since", "Wed, 02 Jan 2030 00:00:00 GMT")])
    assert observer.observe(seen, "GET /doc") == []


def test_vary_star_is_never_the_same_request() -> None:
    observer = Observer(lint=False, logger=None)
    observer.observe(_seen(200, [("etag", '"a"'), ("vary", "*")], b"x"), "GET /doc")
    assert observer.observe(_seen(304, [], request=[("If-None-Match", '"a"')]), "GET /doc") == []


def test_deep_and_long_json_in_a_problem_document_is_not_called_invalid() -> None:
    # 1,500-deep arrays and a 5,000-digit number are JSON (RFC 8259 §6, §9) past what
    # Python's reader takes: nothing is judged rather than a false "not JSON".
    for body in (b"[" * 1500 + b"]" * 1500, b'{"status": ' + b"9" * 5000 + b"}"):
        seen = _problem(body)
        assert [rules.PROBLEM_JSON.judge(seen), rules.PROBLEM_STATUS.judge(seen),
                rules.PROBLEM_MEMBERS.judge(seen)] == [None, None, None]


def test_a_problem_document_that_is_not_utf_8_is_not_json() -> None:
    # RFC 8259 §8.1: JSON exchanged between systems is UTF-8.
    problem = rules.PROBLEM_JSON.judge(_problem(b'{"title": "\xff"}'))
    assert problem is not None and problem.cause == "problem+json content that is not JSON"


def test_a_lone_surrogate_escape_in_a_problem_document_is_still_json() -> None:
    assert rules.PROBLEM_JSON.judge(_problem(b'{"title": "\\ud800"}')) is None


def test_a_boolean_status_member_is_of_the_wrong_type() -> None:
    problem = rules.PROBLEM_MEMBERS.judge(_problem(b'{"status": true}'))
    assert problem is not None and problem.detail == "status"
    assert rules.PROBLEM_STATUS.judge(_problem(b'{"status": true}')) is None


def test_a_problem_document_cut_short_by_the_capture_is_not_judged() -> None:
    seen = _problem(b'{"tit')
    seen.body_complete, seen.body_length = False, 70_000
    assert rules.PROBLEM_JSON.judge(seen) is None


def test_deep_json_answered_500_is_not_malformed() -> None:
    seen = _seen(500, method="POST", request=[("Content-Type", "application/json")],
                 request_body=b"[" * 1500 + b"]" * 1500)
    assert rules.MALFORMED_IS_400.judge(seen) is None


def test_malformed_json_answered_503_is_left_alone() -> None:
    # RFC 9110 §15.6.4: a 503 (load, maintenance) may come before the content is read.
    seen = _seen(503, method="POST", request=[("Content-Type", "application/json")],
                 request_body=b"{")
    assert rules.MALFORMED_IS_400.judge(seen) is None


def test_malformed_json_only_partly_read_is_not_judged() -> None:
    seen = _seen(500, method="POST", request=[("Content-Type", "application/json")],
                 request_body=b"{")
    seen.request_complete = False
    assert rules.MALFORMED_IS_400.judge(seen) is None


def test_a_201_to_put_needs_no_location() -> None:
    # RFC 9110 §15.3.2: without Location, the target URI names what was created.
    assert rules.CREATED_IS_201.judge(_seen(201, method="PUT")) is None
    assert rules.CREATED_IS_201.judge(_seen(201, method="POST")) is not None


def test_content_length_repeated_with_one_value_is_one_number() -> None:
    # RFC 9110 §8.6: a recipient MAY accept "5, 5" as 5.
    assert rules.CONTENT_LENGTH.judge(_seen(200, [("content-length", "5, 5")], b"12345")) is None
    problem = rules.CONTENT_LENGTH.judge(_seen(200, [("content-length", "5, 6")], b"12345"))
    assert problem is not None and problem.cause == "Content-Length is not one number of bytes"


def test_a_4000_digit_content_length_is_compared_as_text() -> None:
    problem = rules.CONTENT_LENGTH.judge(_seen(200, [("content-length", "9" * 4000)], b"1"))
    assert problem is not None and problem.cause == "Content-Length disagrees with the content"


def test_byteranges_without_their_close_delimiter_are_not_delimited() -> None:
    body = b"--B\r\nContent-Range: bytes 0-1/4\r\n\r\nab\r\n--B\r\nContent-Range: bytes 2-3"
    seen = _seen(206, [("content-type", "multipart/byteranges; boundary=B")], body)
    problem = rules.BYTERANGES_PARTS.judge(seen)
    assert problem is not None and "not delimited" in problem.cause


def test_a_5000_digit_content_length_with_leading_zeros_agrees() -> None:
    # Past Python's 4,300-digit int limit: compared as text, never converted.
    assert rules.CONTENT_LENGTH.judge(_seen(200, [("content-length", "0" * 5000 + "1")], b"1")) \
        is None
