"""The pytest plugin: one test item per verdict, in a project's own pytest run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from statuskit.pytest_plugin import load_app

HERE = Path(__file__).parent
SERVICE = HERE.parent / "openapi" / "fastapi_app.py"


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # Installed statuskit registers the plugin through its pytest11 entry point; a
    # source checkout (PYTHONPATH) needs it named.
    registered = any(e.value == "statuskit.pytest_plugin"
                     for e in entry_points(group="pytest11"))
    plugin = [] if registered else ["-p", "statuskit.pytest_plugin"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(HERE.parent.parent / "src"), str(project)])}
    return subprocess.run(
        [sys.executable, "-m", "pytest", *plugin, "-p", "no:cacheprovider", "-q",
         "-o", "addopts=", "--rootdir", str(project), *args],
        cwd=project, env=env, capture_output=True, text=True, timeout=120)


def _project(tmp_path: Path) -> Path:
    shutil.copy(SERVICE, tmp_path / "service.py")
    return tmp_path


def test_statuskit_app_turns_each_verdict_into_an_item(tmp_path: Path) -> None:
    result = _pytest(_project(tmp_path), "--statuskit-app", "service:app",
                     "--statuskit-allow-writes", "-rA")
    out = result.stdout
    assert result.returncode == 1, out + result.stderr  # the service has MUST failures
    assert "FAILED statuskit::HEAD /notes head-parity" in out
    assert "FAILED statuskit::PATCH /notes/{note_id} 405" in out
    assert "PASSED statuskit::GET /admin/stats 401" in out
    assert "PASSED statuskit::POST /notes 201" in out
    # Seed-level failures warn under the default rfc profile; n/a items are skipped.
    assert "PASSED statuskit::POST /notes 400" in out
    assert "StatuskitWarning: POST /notes: 400" in out
    assert "GET /catalog/{category} 404: not applicable: no value of a path parameter's " \
        "type is surely absent" in out
    # HEAD on each of 7 paths, 5 incomplete Allow, 304, 412 on GET and on PUT, and the
    # value phase's chain: a PUT with the ETag the note had before a write is performed.
    assert "16 failed" in out
    assert "FAILED statuskit::PUT /notes/{note_id} chain-stale" in out
    # A failed item shows the request as sent and the answer, not a traceback.
    assert "    HEAD /notes HTTP/1.1" in out
    assert "    HTTP/1.1 405 Method Not Allowed" in out
    assert "Traceback" not in out


def test_seed_profile_fails_the_seed_rules_too(tmp_path: Path) -> None:
    result = _pytest(_project(tmp_path), "--statuskit-app", "service:app",
                     "--statuskit-profile", "seed", "-k", "OPTIONS")
    assert result.returncode == 1
    assert "7 failed" in result.stdout, result.stdout  # one OPTIONS per path


def test_without_the_option_only_the_fixture_is_there(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "test_one.py").write_text("def test_one() -> None:\n    assert True\n")
    (project / "test_contract.py").write_text(
        "from service import app\n\n"
        "def test_contract(statuskit_check) -> None:\n"
        "    report = statuskit_check(app)\n"
        "    assert [v.name for v in report.failures if v.operation == 'HEAD /notes'] == "
        "['head-parity']\n")
    result = _pytest(project)
    # No statuskit items without --statuskit-app; the fixture gives check_app.
    assert result.returncode == 0 and "2 passed" in result.stdout, result.stdout


def test_a_bad_app_spec_is_one_usage_error(tmp_path: Path) -> None:
    result = _pytest(_project(tmp_path), "--statuskit-app", "nowhere:app")
    assert result.returncode == 4, result.stdout + result.stderr  # pytest's usage error
    assert "--statuskit-app 'nowhere:app': No module named 'nowhere'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("spec", "message"), [
    ("openapi.fastapi_app", "expected MODULE:APP"),
    (":app", "expected MODULE:APP"),
    ("openapi.fastapi_app:missing", "openapi.fastapi_app has no missing"),
])
def test_load_app_refuses_with_the_reason(spec: str, message: str) -> None:
    with pytest.raises(pytest.UsageError, match=message):
        load_app(spec)


def test_load_app_follows_dotted_attributes() -> None:
    from openapi import fastapi_app

    assert load_app("openapi.fastapi_app:app") is fastapi_app.app
    assert load_app("openapi.fastapi_app:create_app.__name__") == "create_app"
