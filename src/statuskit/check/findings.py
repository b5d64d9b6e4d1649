"""Findings: one defect of a server, however many checks saw it.

A report is a list of findings. A ``Finding`` is one root cause, a rule
(``statuskit.check.rules.Rule``) and what the server did (``cause``, the same
words for every instance), with the instances where it showed and one minimal
way to see it again by hand::

    Finding
      rule        Rule: id, level (MUST / SHOULD / seed), cite ("RFC 9110 §15.5.6"), text
      cause       "405 without Allow"
      instances   [Instance, ...], in the order they were seen
        Instance  check ("405", "head-parity", "options"), operation ("GET /items/{id}"
                  for an OpenAPI probe, a route for a monitor, "" for a generic probe),
                  probe (the request in words), status, detail (this instance's
                  particulars), evidence (the exchanges, as text), reproducer
      reproducer  the shortest of the instances' reproducers: a curl command line, or,
                  where curl cannot send the request (a bare LF, Content-Length with
                  Transfer-Encoding, obs-fold, HTTP/3.0, a second request on the same
                  connection, a declared length with no content), the raw bytes and a
                  shell line that sends them (``printf '...' | curl telnet://HOST:PORT``)

One defect, one finding: a 405 without Allow seen by the head-parity, OPTIONS,
405 and 501 probes is one finding with four instances. ``group`` builds findings
from (problem, instance) pairs; it needs no network and nothing of the runner, so
whatever judges exchanges (the checker, a monitor, a test plug-in) can report
through it. Which findings fail a run is the profile's business
(``statuskit.check.profile``), not the finding's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from statuskit.check.evidence import Evidence
from statuskit.check.rules import Problem, Rule

__all__ = ["Finding", "Instance", "Reproducer", "group"]

_RUN = re.compile(r"([A-Za-z0-9 ])\1{63,}")  # 64 or more of one character: sent as a count
# Fields curl sends itself (from the URL and the content), or that only say how a
# client manages its connection: left out of the curl line.
_SKIPPED_FIELDS = frozenset({"host", "user-agent", "content-length", "connection",
                             "accept-encoding"})
_CURL_EXPECTS_FROM = 1024 * 1024  # curl adds Expect: 100-continue to bodies past this
_RAW_WAIT = 5  # seconds a raw reproducer listens: a kept connection never ends by itself


@dataclass(frozen=True)
class Reproducer:
    """The request again, by hand: ``command`` is one shell line; ``raw`` the bytes it
    sends when curl cannot send them (empty for a curl line)."""

    command: str
    raw: bytes = b""

    @property
    def needs_raw(self) -> bool:
        return bool(self.raw)

    def to_dict(self) -> dict[str, str]:
        out = {"command": self.command}
        if self.raw:
            out["raw"] = self.raw.decode("latin-1")
        return out

    @classmethod
    def of(cls, raw: bytes, url: str) -> Reproducer | None:
        """From the bytes a request put on the wire and the URL it went to."""
        parts = urlsplit(url)
        if not raw or parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        request = _curlable(raw)
        if request is None:
            return cls(_raw_command(raw, parts.scheme, parts.hostname, parts.port), raw)
        return cls(_curl_command(*request, url=f"{parts.scheme}://{parts.netloc}"))


def _curlable(raw: bytes) -> tuple[str, str, list[tuple[str, str]], bytes] | None:
    """(method, target, fields, content) when curl sends exactly this request."""
    head, end, content = raw.partition(b"\r\n\r\n")
    if not end or b"\n" in head.replace(b"\r\n", b""):  # unfinished, or a bare LF
        return None
    line, *lines = head.decode("latin-1").split("\r\n")
    method, _, rest = line.partition(" ")
    target, _, version = rest.partition(" ")
    if version != "HTTP/1.1" or not target.startswith("/") or " " in target:
        return None
    fields = []
    for text in lines:
        if text[:1] in (" ", "\t"):  # obs-fold
            return None
        name, colon, value = text.partition(":")
        if not colon:
            return None
        fields.append((name.strip(), value.strip()))
    names = [n.lower() for n, _ in fields]
    declared = next((v for n, v in fields if n.lower() == "content-length"), None)
    if "transfer-encoding" in names or names.count("host") > 1 \
            or (declared is not None and declared != str(len(content))) \
            or (declared is None and content):  # content past the message: a second request
        return None
    return method, target, fields, content


def _quoted(text: str) -> str:
    """``text`` as one shell word; long runs of one character sent as a count."""
    out, at = [], 0
    for run in _RUN.finditer(text):
        out.append(_single(text[at:run.start()]))
        out.append(f"\"$(head -c {len(run.group(0))} /dev/zero | tr '\\0' '{run.group(1)}')\"")
        at = run.end()
    out.append(_single(text[at:]))
    return "".join(part for part in out if part != "''") or "''"


def _single(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _curl_command(method: str, target: str, fields: list[tuple[str, str]], content: bytes,
                  *, url: str) -> str:
    words = ["curl", "-i"]
    words += ["--head"] if method == "HEAD" else [] if method == "GET" and not content \
        else ["-X", method]
    present = {n.lower() for n, _ in fields}
    if "host" not in present:
        words += ["-H", "'Host:'"]  # curl leaves out a field given with no value
    for name, value in fields:
        if name.lower() not in _SKIPPED_FIELDS and (name.lower(), value) != ("accept", "*/*"):
            words += ["-H", _quoted(f"{name}: {value}")]
    if len(content) > _CURL_EXPECTS_FROM and "expect" not in present:
        words += ["-H", "'Expect:'"]
    if content:
        text = content.decode("latin-1")
        # Bytes past ASCII go through printf: a shell word would send the terminal's
        # encoding of them (é typed is UTF-8), not these bytes.
        if text.isprintable() and content.isascii():
            words += ["--data-binary", _quoted(text)]
        else:
            return f"printf {_printf(content)} | " + " ".join(
                [*words, "--data-binary", "@-", _quoted(url + target)])
    return " ".join([*words, _quoted(url + target)])


def _printf(raw: bytes) -> str:
    """``raw`` as a printf format in one shell word."""
    text = "".join(_printf_char(b) for b in raw)
    return _quoted(text)


def _printf_char(byte: int) -> str:
    char = chr(byte)
    if char == "\r":
        return "\\r"
    if char == "\n":
        return "\\n"
    if char == "\\":
        return "\\\\"
    if char == "%":
        return "%%"
    if 0x20 <= byte < 0x7F or char == "\t":
        return char
    return f"\\{byte:03o}"


def _raw_command(raw: bytes, scheme: str, host: str, port: int | None) -> str:
    """A shell line that sends ``raw`` as it is and prints the answer: curl's telnet://
    passes bytes through untouched (it negotiates only when the server asks), all but
    0xFF, which telnet doubles; bash's /dev/tcp sends that."""
    if scheme == "https":
        where = f"openssl s_client -quiet -connect {host}:{port or 443} -servername {host}"
    elif b"\xff" in raw:
        return (f"exec 3<>/dev/tcp/{host}/{port or 80}; printf {_printf(raw)} >&3; "
                f"timeout {_RAW_WAIT} cat <&3")
    else:
        where = f"curl -s --max-time {_RAW_WAIT} telnet://{host}:{port or 80}"
    return f"printf {_printf(raw)} | {where}"


@dataclass(frozen=True)
class Instance:
    """One place a finding showed: which check, on which operation, with which request."""

    check: str  # "405", "head-parity", "options", "documented"
    operation: str = ""  # "GET /items/{id}" for OpenAPI probes; "" for generic ones
    probe: str = ""  # the request, in words
    status: int | None = None  # the final status received
    detail: str = ""  # this instance's particulars: "GET answered 200"
    evidence: tuple[Evidence, ...] = ()
    reproducer: Reproducer | None = field(default=None, compare=False)

    @property
    def where(self) -> str:
        return f"{self.check} {self.operation}" if self.operation else self.check

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "operation": self.operation, "probe": self.probe,
                "status": self.status, "detail": self.detail,
                "evidence": [e.to_dict() for e in self.evidence]}


@dataclass
class Finding:
    rule: Rule
    cause: str  # what the server did: the same for every instance
    instances: list[Instance] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return self.rule.id, self.cause

    @property
    def reproducer(self) -> Reproducer | None:
        """The shortest reproducer among the instances, a curl line before raw bytes."""
        found = [i.reproducer for i in self.instances if i.reproducer is not None]
        return min(found, key=lambda r: (r.needs_raw, len(r.command)), default=None)

    def to_dict(self) -> dict[str, Any]:
        reproducer = self.reproducer
        return {"rule": self.rule.to_dict(), "cause": self.cause,
                "reproducer": reproducer.to_dict() if reproducer else None,
                "instances": [i.to_dict() for i in self.instances]}


def group(pairs: Iterable[tuple[Problem, Instance]]) -> list[Finding]:
    """One finding per (rule, cause), its instances in the order seen; the findings
    strongest level first, then in the order their first instance was seen."""
    findings: dict[tuple[str, str], Finding] = {}
    for problem, instance in pairs:
        finding = findings.setdefault((problem.rule.id, problem.cause),
                                      Finding(problem.rule, problem.cause))
        if instance not in finding.instances:
            finding.instances.append(instance)
    return sorted(findings.values(), key=lambda f: f.rule.level.rank)
