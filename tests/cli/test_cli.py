"""The command line, run as a user runs it: a real subprocess."""

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from statuskit.resource import App, Resource


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "statuskit", *args], capture_output=True, text=True, timeout=30
    )


def test_explain_504_names_server_timeout_and_the_timeout_parameter_rule() -> None:
    result = run("explain", "504")
    assert result.returncode == 0
    assert "ServerTimeout" in result.stdout
    assert "Timeout" in result.stdout and "parameter" in result.stdout.lower()


def test_explain_by_seed_label_matches_explain_by_number() -> None:
    assert run("explain", "ServerTimeout").stdout == run("explain", "504").stdout


def test_explain_429_lists_retry_after() -> None:
    result = run("explain", "429")
    assert "TooManyRequests" in result.stdout
    assert "Retry-After" in result.stdout


def test_explain_json_is_machine_readable() -> None:
    record = json.loads(run("explain", "405", "--json").stdout)
    assert record["code"] == 405
    assert record["label"] == "MethodNotAllowed"
    assert "Allow" in record["requires"]


@pytest.mark.parametrize("code", ["999", "Teapotish", "4044"])
def test_unknown_code_is_one_line_error_and_exit_2(code: str) -> None:
    result = run("explain", code)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0
    assert "unknown status code" in result.stderr


def test_list_seed_has_41_rows_with_labels() -> None:
    rows = json.loads(run("list", "--seed", "--json").stdout)
    assert len(rows) == 41
    assert all(row["label"] for row in rows)


def test_list_class_filters_the_table() -> None:
    result = run("list", "--class", "5xx", "--seed")
    assert result.returncode == 0
    lines = result.stdout.splitlines()[2:]
    assert [line.split()[0] for line in lines] == ["500", "501", "502", "503", "504", "505"]


def test_list_unknown_class_is_exit_2() -> None:
    result = run("list", "--class", "6xx")
    assert result.returncode == 2
    assert "unknown class" in result.stderr


# -- statuskit trace -----------------------------------------------------------------------


def _trace_server(app: Any) -> Any:
    from support.servers import serve

    return serve(app)


class _Doc(Resource):
    def etag(self) -> str:
        return "v1"


async def _header_only(scope: Any, receive: Any, send: Any) -> None:
    # A server that names its decisions but keeps no record of them.
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 501,
                "headers": [(b"x-statuskit-trace", b"b13,b12"), (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


async def _untraced(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


def _steps_in(page: Path) -> list[str]:
    return re.findall(r'<li data-node="([^"]+)">', page.read_text())


def test_trace_writes_the_page_of_one_request(tmp_path: Path) -> None:
    page = tmp_path / "t.html"
    with _trace_server(App({"/doc": _Doc}, debug=True)) as port:
        result = run("trace", f"http://127.0.0.1:{port}/doc", "-X", "DELETE",
                     "--html", str(page))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("DELETE /doc -> 405: 4 decisions (with answers and times)")
    assert _steps_in(page) == ["b13", "b12", "b11", "b10"]
    assert "405 Method Not Allowed" in page.read_text()


def test_trace_from_the_header_alone(tmp_path: Path) -> None:
    page = tmp_path / "t.html"
    with _trace_server(_header_only) as port:
        result = run("trace", f"http://127.0.0.1:{port}/", "--html", str(page))
    assert result.returncode == 0, result.stderr
    assert "from the header only" in result.stdout
    assert _steps_in(page) == ["b13", "b12"]


def test_trace_without_a_trace_header_writes_the_response_and_fails(tmp_path: Path) -> None:
    page = tmp_path / "t.html"
    with _trace_server(_untraced) as port:
        result = run("trace", f"http://127.0.0.1:{port}/", "--html", str(page))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "no X-Statuskit-Trace" in result.stderr
    assert _steps_in(page) == []
    assert "200 OK" in page.read_text()


@pytest.mark.parametrize(("args", "says"), [
    (["ftp://127.0.0.1/", "--html", "x.html"], "expected an http:// or https:// URL"),
    (["http://127.0.0.1:99999/", "--html", "x.html"], "the port is not a number"),
    (["http://127.0.0.1/", "-H", "NoColon", "--html", "x.html"], "expected 'Name: value'"),
    (["http://127.0.0.1/", "-H", "Bad Name: v", "--html", "x.html"], "expected 'Name: value'"),
    (["http://127.0.0.1/", "-H", "X: \u2603", "--html", "x.html"], "ISO-8859-1"),
    (["http://127.0.0.1/", "-X", "GE T", "--html", "x.html"], "a method is a token"),
])
def test_trace_mistakes_are_one_line_and_exit_2(args: list[str], says: str) -> None:
    result = run("trace", *args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and says in result.stderr
    assert "Traceback" not in result.stderr


def test_trace_without_html_is_an_argparse_usage_error() -> None:
    result = run("trace", "http://127.0.0.1/")
    assert result.returncode == 2
    assert "--html" in result.stderr


def test_trace_to_a_closed_port_is_one_line_and_exit_1(tmp_path: Path) -> None:
    from support.servers import free_port

    result = run("trace", f"http://127.0.0.1:{free_port()}/", "--html", str(tmp_path / "x"))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_trace_to_an_unwritable_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with _trace_server(App({"/doc": _Doc}, debug=True)) as port:
        result = run("trace", f"http://127.0.0.1:{port}/doc",
                     "--html", str(tmp_path / "no" / "such" / "dir.html"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "cannot write" in result.stderr
    assert "Traceback" not in result.stderr
