"""``statuskit check --har FILE``: a session recorded from headless Chromium against the
reference API (tests/monitor/record_har.py, Playwright's HAR recorder), the same with
defects planted, and HAR files no recorder would write."""

from __future__ import annotations

import base64
import copy
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from statuskit.cli import main

SESSION = Path(__file__).parent / "data" / "reference-session.har"
# The reference API's /status/{code} echoes answer any code to a plain GET, for client
# tests: there, and only there, the exchange itself shows the code out of its situation.
ECHO_FINDINGS = {
    ("304-conditions", "304 to a request without a condition", "GET /status/304"),
    ("allow-excludes-refused", "405 whose Allow lists the method it refused", "GET /status/405"),
    ("412-conditions", "412 to a request with no precondition that can fail", "GET /status/412"),
}


def _session() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SESSION.read_text())
    return document


def _write(tmp_path: Path, document: Any, name: str = "session.har") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def _check(tmp_path: Path, har: Path, *more: str) -> tuple[int, dict[str, Any]]:
    report = tmp_path / "report.json"
    code = main(["check", "--har", str(har), "--json", str(report), *more])
    return code, json.loads(report.read_text())


def _found(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(f["rule"]["id"], f["cause"], i["operation"]) for f in report["findings"]
            for i in f["instances"]}


def _entry(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return next(e for e in document["log"]["entries"]
                if e["request"]["method"] == method and e["request"]["url"].endswith(path))


def test_the_recorded_browser_session_is_a_real_chromium_har() -> None:
    log = _session()["log"]
    assert log["creator"]["name"] == "Playwright" and log["browser"]["name"] == "chromium"
    statuses = {e["response"]["status"] for e in log["entries"]}
    assert {200, 201, 204, 206, 301, 302, 304, 401, 405, 412, 416, 500} <= statuses


def test_the_reference_session_gives_only_the_status_echo_findings(tmp_path: Path,
                                                                  capsys: Any) -> None:
    code, report = _check(tmp_path, SESSION)
    assert code == 1  # MUST findings, under the default rfc profile
    assert _found(report) == ECHO_FINDINGS
    assert report["target"].endswith("(39 of 39 entries judged)")
    assert len(report["verdicts"]) == 39
    revalidated = [v for v in report["verdicts"] if v["status"] == 304
                   and v["operation"] == "GET /notes/n1"]
    assert revalidated and revalidated[0]["verdict"] == "pass"
    out = capsys.readouterr().out
    assert "405 whose Allow lists the method it refused" in out


def test_defects_planted_in_the_session_are_found(tmp_path: Path) -> None:
    document = _session()
    refused = _entry(document, "DELETE", "/notes")
    refused["response"]["headers"] = [h for h in refused["response"]["headers"]
                                      if h["name"].lower() != "allow"]
    moved = _entry(document, "GET", "/old-notes")
    moved["response"]["headers"] = [h for h in moved["response"]["headers"]
                                    if h["name"].lower() != "location"]
    problem = _entry(document, "GET", "/notes/no-such-note")
    problem["response"]["content"] = {"size": 9, "mimeType": "application/problem+json",
                                      "encoding": "base64",
                                      "text": base64.b64encode(b'{"status"').decode()}
    for h in problem["response"]["headers"]:
        if h["name"].lower() == "content-length":
            h["value"] = "9"
    code, report = _check(tmp_path, _write(tmp_path, document))
    assert code == 1
    assert _found(report) - ECHO_FINDINGS == {
        ("allow-on-405", "405 without Allow", "DELETE /notes"),
        ("location-on-301", "301 without Location", "GET /old-notes"),
        ("problem-json", "problem+json content that is not JSON", "GET /notes/no-such-note"),
    }


def test_the_same_findings_go_to_junit_and_html(tmp_path: Path) -> None:
    junit, page = tmp_path / "report.xml", tmp_path / "report.html"
    assert main(["check", "--har", str(SESSION), "--junit", str(junit),
                 "--html", str(page)]) == 1
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "3"
    names = {case.get("name") for case in suite.iter("testcase")}
    assert "allow-excludes-refused: 405 whose Allow lists the method it refused" in names
    assert "Findings (3)" in page.read_text()


def test_a_profile_decides_what_fails_the_run(tmp_path: Path) -> None:
    document = _session()
    document["log"]["entries"] = [_entry(document, "GET", "/guide")]  # a clean 300
    assert main(["check", "--har", str(_write(tmp_path, document)), "--profile", "seed"]) == 0


@pytest.mark.parametrize(("content", "says"), [
    (b"{\"log\": ", "not JSON (line 1 column 9"),
    (b"[" * 100_000 + b"]" * 100_000, "JSON past what can be read"),
    (b'{"log": {"entries": {}}}', "not a HAR file (no log.entries list)"),
    (b"\xff\xfe{}", "not UTF-8 at byte 0"),
])
def test_a_file_that_is_no_har_is_one_line_and_exit_2(tmp_path: Path, capsys: Any,
                                                      content: bytes, says: str) -> None:
    path = tmp_path / "bad.har"
    path.write_bytes(content)
    assert main(["check", "--har", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err and "Traceback" not in err


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "huge.har"
    with open(path, "wb") as sparse:
        sparse.truncate(300 * 2**20)  # sparse: no disk, and never read
    assert main(["check", "--har", str(path)]) == 2
    assert "300 MiB, past the 256 MiB a HAR is read up to" in capsys.readouterr().err


def test_a_missing_file_and_a_url_beside_har_are_usage_errors(tmp_path: Path,
                                                              capsys: Any) -> None:
    assert main(["check", "--har", str(tmp_path / "none.har")]) == 2
    assert "No such file or directory" in capsys.readouterr().err
    assert main(["check", "http://127.0.0.1:9/", "--har", str(SESSION)]) == 2
    assert "sends nothing: leave out a URL" in capsys.readouterr().err


def test_unreadable_entries_are_skipped_and_the_rest_judged(tmp_path: Path,
                                                           capsys: Any) -> None:
    good = _entry(_session(), "DELETE", "/notes")
    broken = copy.deepcopy(good)
    broken["response"]["headers"] = [h for h in broken["response"]["headers"]
                                     if h["name"].lower() != "allow"]
    entries = [
        "not an entry",
        {"request": {"url": "http://x/"}},  # no method, no response
        {**copy.deepcopy(good), "response": {**good["response"], "status": 0}},  # blocked
        {**copy.deepcopy(good), "request": {**good["request"], "url": "ftp://x/"}},
        {"request": {"method": "GET", "url": "http://x/a", "headers": "nope"},
         "response": {"status": 200, "headers": [{"name": 5}, None],
                      "content": {"text": "\ud800", "size": "big"}}},
        {"request": {"method": "GET", "url": "http://x/b", "headers": []},
         "response": {"status": 200, "headers": [],
                      "content": {"text": "!!!", "encoding": "base64"}}},
        broken,
    ]
    code, report = _check(tmp_path, _write(tmp_path, {"log": {"entries": entries}}))
    assert code == 1
    assert _found(report) == {("allow-on-405", "405 without Allow", "DELETE /notes")}
    assert report["target"].endswith("(2 of 7 entries judged)")
    out = capsys.readouterr().out
    assert "5 of 7 entries not judged:" in out
    assert "entry 3: no response status (0: blocked, failed or cancelled)" in out
    # A header that is no (name, text) pair: left out, its entry would be judged without
    # it (a 405 without its Allow); so the entry is not judged at all.
    assert "entry 5: response header 1 is not a name and a text value" in out
    assert "entry 6: its response content is not base64: judged without it" in out


def test_statuskit_check_har_runs_as_a_command() -> None:
    done = subprocess.run([sys.executable, "-m", "statuskit", "check", "--har", str(SESSION)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stderr == ""
    assert "3 findings fail the run" in done.stdout


def test_a_number_past_what_python_reads_skips_only_its_entry(tmp_path: Path,
                                                              capsys: Any) -> None:
    # A 5,000-digit status (past Python's 4,300-digit int limit) is one entry's problem.
    good = _entry(_session(), "DELETE", "/notes")
    broken = copy.deepcopy(good)
    broken["response"]["headers"] = [h for h in broken["response"]["headers"]
                                     if h["name"].lower() != "allow"]
    text = json.dumps({"log": {"entries": [broken, {**copy.deepcopy(good), "response": {
        **good["response"], "status": 7}}]}})
    text = text.replace('"status": 7', '"status": ' + "9" * 5000)
    path = tmp_path / "digits.har"
    path.write_text(text)
    code, report = _check(tmp_path, path)
    assert code == 1
    assert _found(report) == {("allow-on-405", "405 without Allow", "DELETE /notes")}
    out = " ".join(capsys.readouterr().out.split())
    assert "entry 2: response status '9999999999999999999... (5002 characters) is no " \
        "status code" in out, out
