"""``statuskit check`` and ``serve`` as a user runs them: mistakes are one line and exit 2
before any probe; exit 1 only when the server failed a check the profile enforces."""

from __future__ import annotations

import html
import json
import os
import re
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from check.rulebreaker import rule_breaker
from support.servers import free_port


def run(*args: str, columns: int | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **({"COLUMNS": str(columns)} if columns else {})}
    return subprocess.run([sys.executable, "-m", "statuskit", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


def one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    assert any(all(w in line for w in words) for line in lines[-1:]), result.stderr


@pytest.fixture(scope="module")
def breaker() -> Iterator[int]:
    with rule_breaker() as port:
        yield port


@pytest.fixture
def refused_port() -> int:
    return free_port()  # nothing listens there


def test_url_without_scheme_is_exit_2(refused_port: int) -> None:
    one_line_error(run("check", f"127.0.0.1:{refused_port}"), "not a URL", "http://")


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "http://127.0.0.1:99999/", "http:///x"])
def test_url_that_is_not_a_target_is_exit_2(url: str) -> None:
    one_line_error(run("check", url), "statuskit:")


def test_unreachable_port_is_exit_2_before_probing(refused_port: int, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    result = run("check", f"http://127.0.0.1:{refused_port}/", "--json", str(report))
    one_line_error(result, "cannot reach", "refused")
    assert not report.exists()


def test_unresolvable_host_is_exit_2() -> None:
    one_line_error(run("check", "http://statuskit-no-such-host.invalid/"), "cannot resolve")


@pytest.mark.parametrize(("args", "words"), [
    (("--json", "/nonexistent/x.json"), ("--json", "does not exist")),
    (("--html", "/tmp"), ("--html", "is a directory")),
    (("--junit", "/nonexistent/j.xml"), ("--junit", "does not exist")),
    (("--only", "999"), ("--only", "999")),
    (("--only", ""), ("--only",)),
    (("--timeout", "0"), ("--timeout",)),
    (("--timeout", "-1"), ("--timeout",)),
    (("--profile", "lenient"), ("--profile",)),
])
def test_usage_mistakes_are_exit_2_before_probing(args: tuple[str, ...],
                                                  words: tuple[str, ...]) -> None:
    result = run("check", "http://127.0.0.1:9/", *args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "cannot reach" not in result.stderr
    assert all(w in result.stderr for w in words), result.stderr


def test_credentials_are_sent_as_basic_and_never_shown(breaker: int, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    result = run("check", f"http://probe:s3cret@127.0.0.1:{breaker}/", "--only", "bare-lf",
                 "--json", str(report))
    text = result.stdout + result.stderr + report.read_text()
    assert "s3cret" not in text and "probe:" not in text
    document = json.loads(report.read_text())
    assert document["target"] == f"http://127.0.0.1:{breaker}/"
    request = document["verdicts"][0]["evidence"][0]["request"]
    assert "Authorization: [redacted]" in request
    assert f"Host: 127.0.0.1:{breaker}" in request


def test_version() -> None:
    from statuskit import __version__

    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"statuskit {__version__}"


def test_failures_exit_1_and_warnings_alone_exit_0(breaker: int) -> None:
    assert run("check", f"http://127.0.0.1:{breaker}/", "--only", "host-missing",
               "--timeout", "1").returncode == 1
    # 406 on the rule breaker is a seed-only failure: a warning under the rfc profile ...
    warned = run("check", f"http://127.0.0.1:{breaker}/", "--only", "406")
    assert warned.returncode == 0, warned.stdout
    assert "1 warn" in warned.stdout
    # ... and a failure under the seed profile.
    assert run("check", f"http://127.0.0.1:{breaker}/", "--only", "406",
               "--profile", "seed").returncode == 1


@pytest.mark.parametrize("columns", [50, 80, 200])
def test_findings_and_the_verbose_table_fit_the_width(breaker: int, columns: int) -> None:
    result = run("check", f"http://127.0.0.1:{breaker}/", "--timeout", "1", "--verbose",
                 columns=columns)
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert any(line.startswith("FAIL  MUST") for line in lines)  # findings come first
    table = [line for line in lines if line.startswith("│")]
    assert table and lines.index(table[0]) > next(
        i for i, line in enumerate(lines) if line.startswith("FAIL"))
    cells = [cell.strip() for line in table for cell in line.split("│")[1:3]]
    # The check name (and label, where shown) never wrap: each is a whole word.
    names = {"head-parity", "host-missing", "host-duplicated", "cl-te", "bare-lf", "obs-fold"}
    assert names <= set(cells)
    if columns >= 200:
        assert "UnprocessableEntity" in result.stdout or "Content Too Large" in result.stdout \
            or "NoContent" in result.stdout


def test_without_verbose_the_checks_are_one_line_of_counts(breaker: int) -> None:
    result = run("check", f"http://127.0.0.1:{breaker}/", "--timeout", "1", columns=400)
    assert "│" not in result.stdout  # no table
    counts = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ findings fail the run \(\d+ instances\), \d+ warn \(\d+ "
                        r"instances\); of 47 checks \d+ pass, \d+ not applicable, 3 skipped; "
                        r"[\d.]+ s \(profile rfc: .*\)", counts), counts


def test_counts_go_to_stdout_after_the_findings(breaker: int) -> None:
    result = run("check", f"http://127.0.0.1:{breaker}/", "--only", "bare-lf,host-missing",
                 columns=200)
    assert result.stdout.index("no 400 for an HTTP/1.1 request with no Host") < \
        result.stdout.index("1 finding fail the run (1 instance)")
    assert re.search(r"of 2 checks 1 pass; [\d.]+ s \(profile rfc", result.stdout)


@pytest.fixture(scope="module")
def reports(breaker: int, tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("reports")
    result = run("check", f"http://127.0.0.1:{breaker}/", "--timeout", "1",
                 "--junit", str(where / "j.xml"), "--html", str(where / "r.html"),
                 "--json", str(where / "r.json"))
    assert result.returncode == 1
    return where


def test_json_html_and_junit_carry_the_same_findings(reports: Path) -> None:
    document = json.loads((reports / "r.json").read_text())
    keys = [(f["rule"]["id"], f["cause"]) for f in document["findings"]]
    assert len(keys) == len(set(keys)) == document["summary"]["fail"] + \
        document["summary"]["warn"]
    findings_suite = ET.parse(reports / "j.xml").getroot().findall("testsuite")[0]
    assert [c.get("name") for c in findings_suite.findall("testcase")] == [
        f"{rule}: {cause}" for rule, cause in keys]
    page = (reports / "r.html").read_text()
    shown = [part.split("</h3>")[0].split(": ", 1)[1] for part in
             page.split('<section class="finding')[1:]]
    assert [html.unescape(s) for s in shown] == [cause for _, cause in keys]


def test_json_summary_says_first_what_failed_the_run(reports: Path) -> None:
    document = json.loads((reports / "r.json").read_text())
    summary = document["summary"]
    assert list(summary)[:2] == ["fail", "warn"]
    failing = [f for f in document["findings"] if f["effect"] == "fail"]
    assert summary["fail"] == len(failing) > 0
    assert all(f["rule"]["level"] in ("MUST", "SHOULD") for f in failing)  # profile rfc
    assert summary["instances"]["fail"] == sum(len(f["instances"]) for f in failing)
    assert summary["checks"]["fail"] == sum(1 for v in document["verdicts"]
                                            if v["effect"] == "fail")


def test_junit_has_a_case_per_finding_and_per_quiet_check(reports: Path) -> None:
    findings_suite, checks_suite = ET.parse(reports / "j.xml").getroot().findall("testsuite")
    cases = findings_suite.findall("testcase")
    assert len(cases) == int(findings_suite.get("tests", "0"))
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert "host-400: no 400 for an HTTP/1.1 request with no Host" in failed
    assert "no-content: content sent with 204" in failed
    failure = next(c for c in cases if c.get("name", "").startswith("host-400: no 400 for an"))
    element = failure.find("failure")
    assert element is not None and element.get("type") == "MUST"
    assert "> GET / HTTP/1.1" in (element.text or "")
    assert int(findings_suite.get("failures", "0")) == len(failed)
    quiet = checks_suite.findall("testcase")
    assert len(quiet) == int(checks_suite.get("tests", "0"))
    assert {c.get("name") for c in quiet} >= {"bare-lf", "obs-fold"}  # passed
    assert int(checks_suite.get("skipped", "0")) == sum(
        1 for c in quiet if c.find("skipped") is not None)
    props = {p.get("name"): p.get("value") for p in findings_suite.iter("property")}
    assert props["profile"] == "rfc" and props["statuskit"]


def test_html_lists_findings_then_checks_and_folds_not_applicable(reports: Path) -> None:
    page = (reports / "r.html").read_text()
    findings, failures, warnings, passes = (page.index(f"<h2>{t}") for t in
                                            ("Findings", "Failures", "Warnings", "Passes"))
    assert findings < failures < warnings < passes
    assert "<details><summary>Not applicable or skipped" in page
    assert page.index("<summary>Not applicable") > passes
    assert "&gt; OPTIONS / HTTP/1.1" in page and "hello" in page  # evidence
    assert "<dt>statuskit</dt>" in page and "<dt>options</dt>" in page
    assert "Again, by hand:" in page


def test_serve_port_out_of_range_is_exit_2() -> None:
    one_line_error(run("serve", "--port", "99999"), "--port")


def test_serve_port_in_use_is_exit_2_and_no_banner() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run("serve", "--port", str(taken.getsockname()[1]))
    one_line_error(result, "cannot listen on")
    assert "reference API on" not in result.stderr


@pytest.mark.parametrize(("args", "word"), [
    (("--rate-limit", "junk"), "--rate-limit"),
    (("--db", "/nonexistent/d/x.db"), "--db"),
    (("--header-timeout", "0"), "--header-timeout"),
])
def test_serve_bad_option_is_exit_2(args: tuple[str, ...], word: str) -> None:
    one_line_error(run("serve", *args), word)


def test_serve_port_0_banner_shows_the_real_port() -> None:
    process = subprocess.Popen([sys.executable, "-m", "statuskit", "serve", "--port", "0"],
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", banner)
        assert match and match.group(1) != "0", banner
        with socket.create_connection(("127.0.0.1", int(match.group(1))), timeout=5):
            pass  # bound before the banner was printed
    finally:
        process.terminate()
        process.wait(10)


# -- the check command's own process ---------------------------------------------------------

_LOADED = """
import atexit, json, runpy, sys
from pathlib import Path

OUT = Path(sys.argv[1])


def _loaded() -> None:
    from statuskit import _preload

    _preload.settled(_preload.VALUES)
    names = ("trio", "pytest", "_pytest", "hypothesis", "httplint")
    OUT.write_text(json.dumps(sorted(n for n in names if sys.modules.get(n) is not None)))

atexit.register(_loaded)
sys.argv = ["statuskit", *sys.argv[2:]]
runpy.run_module("statuskit", run_name="__main__", alter_sys=True)
"""


def _source() -> str:
    """Where the statuskit under test is, for a child process to import the same."""
    import statuskit

    return str(Path(statuskit.__file__).parent.parent)


def test_a_check_process_loads_neither_trio_nor_pytest(tmp_path: Path) -> None:
    # httpcore2 imports trio when it is installed, and trio's hypothesis plugin imports
    # pytest: some 0.2 s of a run that uses neither.
    from openapi.fastapi_app import create_app
    from support.servers import serve

    loaded = tmp_path / "loaded.json"
    report = tmp_path / "report.json"
    with serve(create_app()) as port:
        done = subprocess.run(
            [sys.executable, "-c", _LOADED, str(loaded), "check", f"http://127.0.0.1:{port}/",
             "--openapi", "--only", "404,values", "--max-requests", "60", "--seed", "1",
             "--json", str(report)], capture_output=True, text=True, timeout=180,
            env={**os.environ, "PYTHONPATH": _source()})
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(loaded.read_text()) == ["httplint", "hypothesis"]
    verdicts = json.loads(report.read_text())["verdicts"]
    assert any(v["name"].startswith("values") for v in verdicts)


def test_a_library_process_keeps_trio() -> None:
    pytest.importorskip("trio")
    code = ("import statuskit.check.openapi, httpcore2._synchronization as s, sys; "
            "print(s.trio is not None, sys.modules.get('trio') is not None)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": _source()})
    assert done.stdout.split() == ["True", "True"], done.stderr
