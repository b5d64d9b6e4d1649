"""``statuskit check URL --openapi``: the command line, its reports and its mistakes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from openapi.fastapi_app import create_app
from statuskit.cli import main
from support.servers import serve

SRC = Path(__file__).parent.parent.parent / "src"


def _statuskit(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(SRC), os.environ.get("PYTHONPATH", "")]), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "statuskit", "check", *args],
                          capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve(create_app()) as port:
        yield f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def reports(url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[
        subprocess.CompletedProcess[str], Path]:
    where = tmp_path_factory.mktemp("reports")
    result = _statuskit(url, "--openapi", "--allow-writes", "--json", str(where / "r.json"),
                        "--junit", str(where / "r.xml"), "--html", str(where / "r.html"))
    return result, where


def test_exit_1_and_the_document_named(reports: tuple[subprocess.CompletedProcess[str], Path],
                                       url: str) -> None:
    result, _ = reports
    assert result.returncode == 1, result.stdout + result.stderr  # MUST rules broken
    assert f"OpenAPI document: {url}openapi.json (10 operations on 7 paths)" in result.stdout
    assert "requests of --max-requests 2000" in result.stdout
    assert "reads only" not in result.stdout


def test_json_carries_the_operation_per_verdict(
        reports: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    document = json.loads((reports[1] / "r.json").read_text())
    by_check = {(v["operation"], v["name"]): v for v in document["verdicts"]}
    head = by_check[("HEAD /notes", "head-parity")]
    assert (head["effect"], head["level"], head["status"]) == ("fail", "MUST", 405)
    assert by_check[("POST /notes", "400")]["effect"] == "warn"  # a seed rule under rfc
    assert ("", "505") in by_check  # the generic probes ride along, operation-less
    assert document["options"]["openapi"] == "" and document["options"]["allow_writes"]


def test_junit_has_the_findings_and_names_each_quiet_check_by_operation(
        reports: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    findings_suite, checks_suite = ET.parse(reports[1] / "r.xml").getroot().findall("testsuite")
    cases = {c.get("name"): c for c in findings_suite.iter("testcase")}
    head = cases["head-parity: HEAD answered 405, not as GET"]
    failure = head.find("failure")
    assert failure is not None and failure.get("type") == "MUST"
    assert "head-parity HEAD /notes (GET answered 200)" in (failure.text or "")
    assert "> GET /notes HTTP/1.1" in (failure.text or "")  # the first instance's evidence
    allow = cases["allow-lists-all: a 405's Allow omits methods the document declares for "
                  "the path"]
    assert "405 PATCH /notes/{note_id}" in (allow.findtext("failure") or "")
    assert int(findings_suite.get("failures", "0")) == sum(
        1 for c in findings_suite.iter("testcase") if c.find("failure") is not None)
    quiet = {(c.get("classname"), c.get("name")): c for c in checks_suite.iter("testcase")}
    created = quiet[("statuskit.check.POST /notes", "201 Created")]
    assert created.find("failure") is None and created.find("skipped") is None
    assert ("statuskit.check.HEAD /notes", "head-parity") not in quiet  # it found something


def test_html_groups_rows_by_operation(
        reports: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    page = (reports[1] / "r.html").read_text()
    failures = page.split("<h2>Failures")[1].split("<h2>")[0]
    headings = [part.split("</th>")[0] for part in failures.split('colspan="7">')[1:]]
    assert "HEAD /notes" in headings and "PATCH /notes/{note_id}" in headings
    assert len(headings) == len(set(headings))  # each operation once per section


def test_reads_only_is_said_in_the_output(url: str) -> None:
    result = _statuskit(url, "--openapi", "--only", "201,head-parity")
    assert "reads only: 1 write probes skipped (--allow-writes sends them)" in result.stdout
    assert "HEAD /notes" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--openapi", "/nonexistent/api.json"], "/nonexistent/api.json: No such file or directory"),
    (["--allow-writes"],
     "--allow-writes, --max-requests, --seed and --no-values go with --openapi"),
    (["--openapi", "--max-requests", "0"], "not a positive whole number: '0'"),
])
def test_mistakes_are_one_line_and_exit_2(url: str, args: list[str], message: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(["check", url, *args])
    except SystemExit as exit_:  # argparse's own refusals
        code = int(exit_.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_a_server_with_no_document_is_one_line(tmp_path: Path) -> None:
    from support.apps import plain_app

    with serve(plain_app) as port:
        result = _statuskit(f"http://127.0.0.1:{port}/", "--openapi", "--only", "505")
    assert result.returncode == 2
    assert result.stderr.startswith("statuskit: no OpenAPI document at ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_with_no_url_the_reference_apis_plan_is_named() -> None:
    result = _statuskit("--openapi", "--only", "201,412")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no OpenAPI document; the run above followed the statuskit plan at GET " \
        "http://127.0.0.1:" in result.stdout
