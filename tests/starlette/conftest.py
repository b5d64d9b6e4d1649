import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The test apps (apps.py) sit beside these tests.
sys.path.insert(0, str(Path(__file__).parent))

from apps import fastapi_app, starlette_app

from statuskit.starlette import install
from support.servers import serve

BUILDERS = {"fastapi": fastapi_app, "starlette": starlette_app}


@pytest.fixture(scope="module", params=sorted(BUILDERS))
def port(request: pytest.FixtureRequest) -> Iterator[int]:
    """A live uvicorn (httptools) serving one installed test app, FastAPI or Starlette."""
    with serve(install(BUILDERS[request.param]())) as live:
        yield live
