from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from scripted import Script, scripted_server

from statuskit.client import reset_budgets


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Script]]:
    with scripted_server() as pair:
        yield pair


@pytest.fixture(autouse=True)
def _fresh_budgets() -> None:
    reset_budgets()
