"""``statuskit check URL --openapi`` over a FastAPI service without statuskit.

Every verdict asserted here is then proven by a raw request of our own: the
checker's claim and the server's actual answer must agree.
"""

from __future__ import annotations

import asyncio
import json

from openapi.harness import Checked, outcomes
from statuskit.check.openapi import OpenAPIOptions, OpenAPIRun, check_openapi
from statuskit.check.profile import Level
from statuskit.check.verdict import Outcome
from support import rawhttp


def test_discovery_names_the_document_it_used(fastapi_checked: Checked) -> None:
    run = fastapi_checked.run
    assert run.source == f"http://127.0.0.1:{fastapi_checked.port}/openapi.json"
    assert run.notes[0].startswith(f"OpenAPI document: {run.source} (10 operations on 7 paths)")


def test_head_on_a_get_route_fails_as_fastapi_answers_405(fastapi_checked: Checked) -> None:
    verdict = fastapi_checked.verdict("HEAD /notes", "head-parity")
    assert (verdict.outcome, verdict.level, verdict.status) == (Outcome.FAIL, Level.MUST, 405)
    assert verdict.cite.startswith("RFC 9110 §9.1")
    head = rawhttp.get(fastapi_checked.port, "/notes", method="HEAD")
    get = rawhttp.get(fastapi_checked.port, "/notes")
    assert (head.status, get.status) == (405, 200)
    assert head.body == b""  # HEAD never carries content, even on the 405
    assert [e.request.split("\n")[0] for e in verdict.evidence] == [
        "GET /notes HTTP/1.1", "HEAD /notes HTTP/1.1"]


def test_405_allow_that_omits_declared_methods_fails(fastapi_checked: Checked) -> None:
    verdict = fastapi_checked.verdict("PATCH /notes/{note_id}", "405")
    assert (verdict.outcome, verdict.level) == (Outcome.FAIL, Level.MUST)
    assert "omits DELETE, PUT" in verdict.reason
    raw = rawhttp.get(fastapi_checked.port, "/notes/1", method="PATCH")
    # RFC 9110 §15.5.6: Allow lists the target's methods; Starlette lists one route's.
    assert (raw.status, raw.header("allow")) == (405, "GET")


def test_405_with_the_full_allow_passes(fastapi_checked: Checked) -> None:
    verdict = fastapi_checked.verdict("PUT /users/{username}", "405")
    assert verdict.outcome is Outcome.PASS and verdict.status == 405
    raw = rawhttp.get(fastapi_checked.port, "/users/ada", method="PUT")
    assert (raw.status, raw.header("allow")) == (405, "GET")


def test_options_fails_as_fastapi_answers_405(fastapi_checked: Checked) -> None:
    verdict = fastapi_checked.verdict("OPTIONS /notes", "options")
    assert (verdict.outcome, verdict.level, verdict.status) == (Outcome.FAIL, Level.SEED, 405)
    assert rawhttp.get(fastapi_checked.port, "/notes", method="OPTIONS").status == 405


def _post_notes(port: int, body: bytes, media: str) -> rawhttp.RawResponse:
    return rawhttp.get(port, "/notes", method="POST", body=body,
                       headers={"Content-Type": media})


def test_malformed_json_gets_422_where_400_belongs(fastapi_checked: Checked) -> None:
    verdict = fastapi_checked.verdict("POST /notes", "400")
    assert (verdict.outcome, verdict.status) == (Outcome.FAIL, 422)
    raw = _post_notes(fastapi_checked.port, b'{"statuskit": ', "application/json")
    assert raw.status == 422
    assert raw.json()["detail"][0]["type"] == "json_invalid"


def test_undeclared_media_type_gets_422_where_415_belongs(fastapi_checked: Checked) -> None:
    verdict = fastapi_checked.verdict("POST /notes", "415")
    assert (verdict.outcome, verdict.status) == (Outcome.FAIL, 422)
    raw = _post_notes(fastapi_checked.port, b'{"title": "t"}', "text/plain")
    assert raw.status == 422


def test_schema_invalid_json_gets_422_and_passes(fastapi_checked: Checked) -> None:
    verdict = fastapi_checked.verdict("PUT /notes/{note_id}", "422")
    assert (verdict.outcome, verdict.status) == (Outcome.PASS, 422)
    raw = rawhttp.get(fastapi_checked.port, "/notes/1", method="PUT", body=b'["statuskit"]',
                      headers={"Content-Type": "application/json"})
    assert raw.status == 422


def test_declared_length_is_invited_with_100_continue(fastapi_checked: Checked) -> None:
    verdict = fastapi_checked.verdict("POST /notes", "413")
    assert verdict.outcome is Outcome.FAIL and "100 Continue" in verdict.reason
    with rawhttp.RawConnection(fastapi_checked.port) as conn:
        conn.send(b"POST /notes HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1000000000000\r\nExpect: 100-continue\r\n\r\n")
        assert conn.read_head()[1] == 100  # RFC 9110 §10.1.1: an invitation to send 1 TB


def test_absent_path_values_of_every_type_get_404(fastapi_checked: Checked) -> None:
    for operation in ("GET /notes/{note_id}", "GET /users/{username}",
                      "GET /users/by-id/{user_id}", "GET /catalog/prices/{amount}",
                      "DELETE /notes/{note_id}"):
        verdict = fastapi_checked.verdict(operation, "404")
        assert (verdict.outcome, verdict.status) == (Outcome.PASS, 404), operation
    for target in ("/notes/9007199254740991", "/users/by-id/00000000-0000-4000-8000-000000000000",
                   "/catalog/prices/1000000000000000.5"):
        assert rawhttp.get(fastapi_checked.port, target).status == 404


def test_an_enum_path_parameter_has_no_absent_value(fastapi_checked: Checked) -> None:
    verdict = fastapi_checked.verdict("GET /catalog/{category}", "404")
    assert verdict.outcome is Outcome.NOT_APPLICABLE and "enum" in verdict.reason


def test_secured_route_without_credentials_is_401_with_a_challenge(
        fastapi_checked: Checked) -> None:
    verdict = fastapi_checked.verdict("GET /admin/stats", "401")
    assert (verdict.outcome, verdict.status) == (Outcome.PASS, 401)
    raw = rawhttp.get(fastapi_checked.port, "/admin/stats")
    assert (raw.status, raw.header("www-authenticate")) == (401, "Bearer")


def test_an_etag_without_conditional_requests_fails_304_and_412(
        fastapi_checked: Checked) -> None:
    not_modified = fastapi_checked.verdict("GET /notes/{note_id}", "304")
    precondition = fastapi_checked.verdict("GET /notes/{note_id}", "412")
    write = fastapi_checked.verdict("PUT /notes/{note_id}", "412-write")
    assert [v.outcome for v in (not_modified, precondition, write)] == [Outcome.FAIL] * 3
    assert (precondition.level, write.level) == (Level.MUST, Level.MUST)
    etag = rawhttp.get(fastapi_checked.port, "/notes/1").header("etag")
    assert etag is not None
    again = rawhttp.get(fastapi_checked.port, "/notes/1", headers={"If-None-Match": etag})
    assert again.status == 200  # RFC 9110 §13.1.2 asks for 304 here


def test_created_note_is_cleaned_up_and_then_gone(fastapi_checked: Checked) -> None:
    created = fastapi_checked.verdict("POST /notes", "201")
    deleted = fastapi_checked.verdict("DELETE /notes/{note_id}", "delete")
    gone = fastapi_checked.verdict("GET /notes/{note_id}", "gone")
    assert [v.outcome for v in (created, deleted, gone)] == [Outcome.PASS] * 3
    assert (created.status, deleted.status, gone.status) == (201, 204, 404)
    # Only the seed note is left: the probe removed what it made (the PUT with a
    # wrong If-Match replaced the created note, which is the 412 failure above).
    assert [n["id"] for n in rawhttp.get(fastapi_checked.port, "/notes").json()] == [1]


def test_undeclared_statuses_are_reported_against_the_document(
        fastapi_checked: Checked) -> None:
    verdict = fastapi_checked.verdict("GET /users/{username}", "documented")
    assert (verdict.outcome, verdict.level, verdict.code) == (Outcome.FAIL, Level.SEED, 404)
    assert "it declares 200, 422" in verdict.reason
    assert fastapi_checked.verdict("POST /notes", "documented").outcome is Outcome.PASS


def test_every_verdict_names_an_operation_and_judged_ones_carry_evidence(
        fastapi_checked: Checked) -> None:
    document = json.loads(rawhttp.get(fastapi_checked.port, "/openapi.json").body)
    for verdict in fastapi_checked.run.verdicts:
        method, _, path = verdict.operation.partition(" ")
        assert path in document["paths"], verdict.operation
        assert method in ("GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE")
        if verdict.status is not None and verdict.name != "documented":
            assert verdict.evidence, verdict.operation + " " + verdict.name


def test_no_verdict_is_skipped_when_writes_are_allowed(fastapi_checked: Checked) -> None:
    assert not [v for v in fastapi_checked.run.verdicts if v.outcome is Outcome.SKIPPED]
    assert fastapi_checked.run.requests < 100


def test_same_verdicts_found_twice_in_a_row(fastapi_checked: Checked) -> None:
    again = asyncio.run(check_openapi(f"http://127.0.0.1:{fastapi_checked.port}/", None,
                                      OpenAPIOptions(allow_writes=True, values=False)))
    assert isinstance(again, OpenAPIRun)
    assert outcomes(again.verdicts) == outcomes(fastapi_checked.run.verdicts)


def test_every_undeclared_method_of_a_path_is_probed(fastapi_checked: Checked) -> None:
    probed = sorted(v.operation for v in fastapi_checked.run.verdicts
                    if v.name == "405" and v.operation.endswith(" /notes"))
    assert probed == ["DELETE /notes", "PATCH /notes", "PUT /notes"]  # GET, POST declared
    for method in ("DELETE", "PATCH", "PUT"):
        raw = rawhttp.get(fastapi_checked.port, "/notes", method=method)
        assert (raw.status, raw.header("allow")) == (405, "GET")


def test_head_answered_405_everywhere_is_one_finding(fastapi_checked: Checked) -> None:
    from statuskit.check import findings

    (finding,) = [f for f in findings(fastapi_checked.run.verdicts) if f.rule.id == "head-parity"]
    assert finding.cause == "HEAD answered 405, not as GET"
    assert len(finding.instances) == 7  # every GET operation; one defect, one finding
    assert {i.detail for i in finding.instances} == {"GET answered 200", "GET answered 401",
                                                     "GET answered 404"}
    assert finding.reproducer is not None
    assert finding.reproducer.command == (
        f"curl -i --head 'http://127.0.0.1:{fastapi_checked.port}/notes'")
