"""``--seed N`` draws the same values wherever statuskit is installed and whatever the
process has imported: hypothesis's habit of drawing constants from the source of
"local" modules (any outside site-packages, so statuskit itself when installed
editable, and only those loaded at the moment of the draw) is not the value phase's."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from statuskit.check._openapi_document import operations_from_document
from statuskit.check._values_cases import shape_of
from statuskit.check._values_phase import _draw

pytest.importorskip("hypothesis_jsonschema")

DOCUMENT = {"openapi": "3.1.0", "info": {"title": "numbers", "version": "1"}, "paths": {
    "/numbers": {"get": {"parameters": [
        {"name": "n", "in": "query", "required": True,
         "schema": {"type": "integer", "minimum": 0, "maximum": 10**9}},
        {"name": "word", "in": "query", "required": True,
         "schema": {"type": "string", "maxLength": 30}}],
        "responses": {"200": {"description": "ok"}}}}}}
# Constants no generator would draw by chance, in a module outside site-packages.
LOCAL = [123456700 + i for i in range(64)]
WORDS = [f"local-constant-{i}" for i in range(64)]


def _values(cases: list[object]) -> list[object]:
    return [c.values for c in cases]  # type: ignore[attr-defined]


def test_a_local_module_imported_between_two_draws_changes_no_value(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (op,) = operations_from_document(DOCUMENT)
    shape = shape_of(op)
    first = _draw(shape, "7:GET /numbers", 300)
    assert len(first) > 100
    module = tmp_path / "statuskit_seed_constants.py"
    module.write_text(f"NUMBERS = {LOCAL!r}\nWORDS = {WORDS!r}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("statuskit_seed_constants")
    try:
        second = _draw(shape, "7:GET /numbers", 300)
    finally:
        sys.modules.pop("statuskit_seed_constants", None)
    assert _values(second) == _values(first)
    drawn = {v for c in second for v in c.values["query"].values()}  # type: ignore[attr-defined]
    assert not drawn & {*LOCAL, *WORDS}
