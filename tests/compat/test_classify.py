"""The compatibility oracle's judge (compat/classify.py): a changed test is a deliberate
change only when its evidence says so; anything else is a breakage."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "compat"))

from classify import BREAKAGE, classify

PROBLEM = "application/problem+json"


def _x(method: str = "GET", path: str = "/items", status: int = 200, **more: Any
       ) -> dict[str, Any]:
    return {"method": method, "path": path, "query": "", "status": status,
            "content_type": more.pop("content_type", "application/json"),
            "allow": more.pop("allow", None), "body": more.pop("body", "{}"), **more}


def _errors(*found: tuple[str, str]) -> str:
    # FastAPI's 422 body: one entry per error, located by where the input was.
    return json.dumps({"detail": [{"type": kind, "loc": [place, "x"], "msg": "m"}
                                  for place, kind in found]})


def test_fastapis_422_for_malformed_json_answered_400_is_the_validation_split() -> None:
    stock = [_x("POST", status=422, body=_errors(("body", "json_invalid")))]
    ours = [_x("POST", status=400, content_type=PROBLEM, body='{"status":400}')]
    assert classify(stock, ours)[0] == "validation-status"


def test_a_422_for_a_path_parameter_answered_404_is_the_validation_split() -> None:
    stock = [_x(status=422, body=_errors(("path", "int_parsing")))]
    ours = [_x(status=404, content_type=PROBLEM, body='{"status":404}')]
    assert classify(stock, ours)[0] == "validation-status"


def test_a_422_for_invalid_json_content_answered_400_is_a_breakage() -> None:
    # Well-formed content that fails validation is 422 under install() too.
    stock = [_x("POST", status=422, body=_errors(("body", "missing")))]
    ours = [_x("POST", status=400, content_type=PROBLEM, body='{"status":400}')]
    assert classify(stock, ours)[0] == BREAKAGE


def test_a_422_for_a_query_parameter_answered_404_is_a_breakage() -> None:
    stock = [_x(status=422, body=_errors(("query", "missing")))]
    ours = [_x(status=404, content_type=PROBLEM, body='{"status":404}')]
    assert classify(stock, ours)[0] == BREAKAGE


def test_a_415_for_content_in_a_type_the_route_lists_is_a_breakage() -> None:
    stock = [_x("POST", status=422, body=_errors(("body", "missing")),
                request_type="application/json; charset=utf-8")]
    ours = [_x("POST", status=415, content_type=PROBLEM, body='{"status":415}',
               accepts="application/json")]
    assert classify(stock, ours)[0] == BREAKAGE


def test_a_415_for_form_content_sent_to_a_json_route_is_the_validation_split() -> None:
    stock = [_x("POST", status=422, body=_errors(("body", "model_attributes_type")),
                request_type="application/x-www-form-urlencoded")]
    ours = [_x("POST", status=415, content_type=PROBLEM, body='{"status":415}',
               accepts="application/json")]
    assert classify(stock, ours)[0] == "validation-status"


def test_the_same_status_as_a_problem_document_is_the_body_change() -> None:
    stock = [_x(status=404, body='{"detail":"Not Found"}')]
    ours = [_x(status=404, content_type=PROBLEM, body='{"status":404}')]
    assert classify(stock, ours)[0] == "problem-body"


def test_a_404_turned_200_is_a_breakage() -> None:
    stock = [_x(status=404, body='{"detail":"Not Found"}')]
    ours = [_x(status=200)]
    assert classify(stock, ours)[0] == BREAKAGE


def test_a_test_that_fails_with_the_same_exchanges_is_a_breakage() -> None:
    same = [_x(body='{"a":1}')]
    assert classify(same, list(same))[0] == BREAKAGE


def test_a_token_that_differs_in_a_200_is_the_apps_own_variation() -> None:
    stock = [_x(body='{"token":"a"}'), _x(status=400, body='{"detail":"x"}')]
    ours = [_x(body='{"token":"b"}'), _x(status=400, content_type=PROBLEM, body="{}")]
    assert classify(stock, ours)[0] == "problem-body"


def _document(responses: dict[str, Any], **more: Any) -> str:
    return json.dumps({"openapi": "3.1.0", "paths": {"/items": {"post": {
        "responses": responses}}}, **more})


def test_a_document_that_only_gains_install_declarations_is_the_document_change() -> None:
    stock = [_x(body=_document({"201": {}, "422": {"content": {"application/json": {}}}}),
                document=True)]
    ours = [_x(body=_document({"201": {}, "400": {}, "415": {},
                               "422": {"content": {PROBLEM: {}}}},
                              components={"schemas": {"Problem": {}}}), document=True)]
    assert classify(stock, ours)[0] == "document"


def test_a_document_that_lost_a_response_is_a_breakage() -> None:
    stock = [_x(body=_document({"201": {}, "409": {}}), document=True)]
    ours = [_x(body=_document({"201": {}, "400": {}}), document=True)]
    assert classify(stock, ours)[0] == BREAKAGE


def test_an_installed_run_that_raised_is_a_breakage() -> None:
    stock = [_x(status=200)]
    ours = [{"method": "GET", "path": "/items", "query": "", "error": "RuntimeError"}]
    assert classify(stock, ours)[0] == BREAKAGE
