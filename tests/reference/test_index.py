"""``GET /``: a few kilobytes that still describe every probe (issue 14 item 9)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from statuskit.check.plan import plan_from_document
from statuskit.defaults import MAX_TARGET_LENGTH
from support.rawhttp import RawConnection

INDEX_BUDGET = 32 * 1024  # was 167 KB, 150 KB of it padding for 413 and 414


def _steps(client: httpx.Client, code: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = client.get("/").json()["statuskit_plan"]["probes"][code]["steps"]
    return steps


def test_index_is_small_and_readable(client: httpx.Client) -> None:
    reply = client.get("/")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/json"
    assert len(reply.content) < INDEX_BUDGET
    assert reply.text.count("\n") > 100  # one member per line, not one 167 KB line
    assert plan_from_document(reply.json()["statuskit_plan"]).probes.keys() >= {413, 414}


def _expanded_content(step: dict[str, Any]) -> bytes:
    # The documented rule: the JSON, then spaces up to content_size bytes.
    content = json.dumps(step["json"]).encode()
    return content + b" " * (step["content_size"] - len(content))


def test_content_size_step_is_the_same_note_padded_and_413(client: httpx.Client) -> None:
    [step] = _steps(client, "413")
    content = _expanded_content(step)
    assert len(content) == step["content_size"]
    assert json.loads(content) == step["json"]  # RFC 8259 §2: trailing whitespace
    reply = client.request(step["method"], step["path"], content=content,
                           headers=step["headers"])
    assert reply.status_code == 413
    assert reply.headers["content-type"] == "application/problem+json"


def test_target_size_step_expands_past_the_limit_and_is_414(server: int,
                                                           client: httpx.Client) -> None:
    [step] = _steps(client, "414")
    path = step["path"]
    path += ("&" if "?" in path else "?") + "pad="
    target = path + "a" * (step["target_size"] - len(path))
    assert len(target) == step["target_size"] > MAX_TARGET_LENGTH
    with RawConnection(server) as conn:
        conn.send(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        reply = conn.read_response()
    assert reply.status == 414
    assert reply.header("content-type") == "application/problem+json"


def test_index_documents_the_limits_bad_input_meets(client: httpx.Client) -> None:
    from statuskit.resource import MAX_JSON_DEPTH

    limits = client.get("/").json()["limits"]
    assert f"at most {MAX_JSON_DEPTH} nested" in limits["json"]
    assert "'/'" in limits["note_id"] and limits["note_id"].endswith("422")
    deep = b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1)
    refused = client.post("/jobs", content=deep, headers={"content-type": "application/json"})
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
