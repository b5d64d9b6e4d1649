"""The command line, run as a user runs it: a real subprocess."""

import json
import subprocess
import sys

import pytest


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
