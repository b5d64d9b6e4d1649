import json

import pytest

from statuskit.problem import PROBLEM_CONTENT_TYPE, problem_body, problem_headers


def test_title_defaults_to_catalogue_phrase() -> None:
    doc = json.loads(problem_body(404))
    assert doc == {"type": "about:blank", "title": "Not Found", "status": 404}


def test_detail_instance_and_extensions_are_members() -> None:
    doc = json.loads(
        problem_body(422, "two fields are wrong", instance="/notes/1", errors=[{"field": "title"}])
    )
    assert doc["detail"] == "two fields are wrong"
    assert doc["instance"] == "/notes/1"
    assert doc["errors"] == [{"field": "title"}]
    assert doc["status"] == 422


def test_unknown_code_gets_a_generic_title() -> None:
    assert json.loads(problem_body(599))["title"] == "Error"


def test_headers_carry_media_type_and_true_length() -> None:
    body = problem_body(400, "ünïcode detail")
    headers = dict(problem_headers(body))
    assert headers[b"content-type"] == PROBLEM_CONTENT_TYPE.encode()
    assert int(headers[b"content-length"]) == len(body)



@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_nan_member_raises_instead_of_writing_invalid_json(value: float) -> None:
    # RFC 9457 §3 and RFC 8259 §6: NaN and Infinity are not JSON.
    with pytest.raises(ValueError):
        problem_body(400, "scored", score=value)
