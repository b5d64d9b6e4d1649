"""Judging one response against the contract: status, required fields, body rules.

A code passes only on a response actually seen: its status is in the expected
set, every field the code requires is present and well formed, and no content
goes out where none is allowed. httplint's notes ride along beside the verdict.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from statuskit.check.lint import LintNote, lint_response
from statuskit.codes import UnknownCode, allows_body, lookup
from statuskit.http import (
    is_token,
    parse_allow,
    parse_content_range,
    parse_retry_after,
    parse_unsatisfied_range,
)

__all__ = ["Outcome", "Seen", "Verdict", "judge"]


class Outcome(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not applicable"
    SKIPPED = "skipped"


@dataclass
class Seen:
    """One exchange as the checker saw it."""

    method: str
    url: str
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    interim: list[int] = field(default_factory=list)
    version: str = "HTTP/1.1"  # of the request as sent

    def header(self, name: str) -> str | None:
        name = name.lower()
        values = [v for k, v in self.headers if k.lower() == name]
        return ", ".join(values) if values else None


@dataclass
class Verdict:
    code: int
    outcome: Outcome
    reason: str = ""
    probe: str = ""
    status: int | None = None
    lint: list[LintNote] = field(default_factory=list)

    @property
    def label(self) -> str:
        try:
            record = lookup(self.code)
        except UnknownCode:
            return ""
        return record.label or record.phrase


def not_applicable(code: int, reason: str, probe: str = "") -> Verdict:
    return Verdict(code, Outcome.NOT_APPLICABLE, reason, probe)


def skipped(code: int, reason: str, probe: str = "") -> Verdict:
    return Verdict(code, Outcome.SKIPPED, reason, probe)


def judge(
    code: int,
    seen: Seen | None,
    expected: Collection[int],
    *,
    probe: str,
    error: str = "",
    expect_interim: Collection[int] = (),
    forbid_interim: bool = False,
    excluded_method: str | None = None,
) -> Verdict:
    """The verdict for ``code`` from one response (None: nothing came back)."""
    if seen is None or not seen.status:
        return Verdict(code, Outcome.FAIL, error or "no response", probe)
    notes = lint_response(seen.method, seen.url, seen.request_headers, seen.status,
                          seen.reason, seen.headers, seen.body, request_version=seen.version)
    problems: list[str] = []
    if seen.status not in expected:
        want = "/".join(str(s) for s in sorted(expected))
        problems.append(f"answered {seen.status}, expected {want}")
    else:
        problems += _field_problems(seen, excluded_method)
    if expect_interim and not set(expect_interim) & set(seen.interim):
        problems.append(f"no interim {'/'.join(map(str, expect_interim))} before the answer")
    if forbid_interim and seen.interim:
        problems.append(f"sent {seen.interim[0]} before refusing the request")
    problems += _body_problems(seen)
    outcome = Outcome.FAIL if problems else Outcome.PASS
    return Verdict(code, outcome, "; ".join(problems), probe, seen.status, notes)


def _required(status: int) -> tuple[str, ...]:
    try:
        return lookup(status).requires
    except UnknownCode:
        return ()


def _field_problems(seen: Seen, excluded_method: str | None) -> list[str]:
    problems: list[str] = []
    status = seen.status
    for name in _required(status):
        if name == "Content-Range" and (seen.header("content-type") or "").lower().startswith(
                "multipart/byteranges"):
            continue  # RFC 9110 §15.3.7.2: each part carries its own
        if seen.header(name) is None:
            problems.append(f"{status} without {name}")
    allow = seen.header("allow")
    if allow is not None:
        methods = parse_allow(allow)
        if not methods or not all(is_token(m.strip()) for m in allow.split(",") if m.strip()):
            problems.append(f"Allow is not a list of methods: {allow!r}")
        elif status == 405 and excluded_method and excluded_method in methods:
            problems.append(f"405 for {excluded_method} but Allow lists it")
    location = seen.header("location")
    if location is not None:
        target = urlsplit(urljoin(seen.url, location))
        if target.scheme not in ("http", "https") or not target.netloc:
            problems.append(f"Location does not resolve to a URL: {location!r}")
    retry_after = seen.header("retry-after")
    if retry_after is not None and parse_retry_after(retry_after) is None:
        problems.append(f"Retry-After is neither seconds nor a date: {retry_after!r}")
    content_range = seen.header("content-range")
    if status == 206 and content_range is not None:
        parsed = parse_content_range(content_range)
        if parsed is None:
            problems.append(f"Content-Range is malformed: {content_range!r}")
        elif seen.method != "HEAD" and parsed[1] - parsed[0] + 1 != len(seen.body):
            problems.append(f"Content-Range {content_range!r} disagrees with "
                            f"{len(seen.body)} bytes of content")
    if status == 416 and content_range is not None \
            and parse_unsatisfied_range(content_range) is None:
        problems.append(f"416 Content-Range is not 'bytes */length': {content_range!r}")
    return problems


def _body_problems(seen: Seen) -> list[str]:
    # RFC 9110 §9.3.2 (HEAD), §15.3.5 (204), §15.3.6 (205), §15.4.5 (304), §15.2 (1xx)
    if seen.body and (seen.method == "HEAD" or not allows_body(seen.status)):
        why = "HEAD" if seen.method == "HEAD" else str(seen.status)
        return [f"content sent with {why} ({len(seen.body)} bytes)"]
    return []
