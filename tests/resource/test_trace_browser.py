"""The trace page in a real browser: ``statuskit trace`` against a live App, the
page opened in headless Chromium, its DOM and a screenshot read back."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from statuskit.guard import Guard
from statuskit.resource import App, Resource
from statuskit.resource._diagram import NODES
from statuskit.resource._trace_page import PATH_COLOUR
from support.rawhttp import get
from support.servers import serve

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                reason="chromium is not installed (CI installs it)")
# Not a verdict: a browser that never exits is stopped and the test fails.
_HANG = 180
_WINDOW = (1300, 1000)


class Doc(Resource):
    provides = ("text/plain",)

    def etag(self) -> str:
        return "v1"

    def representation(self, media_type: str) -> Any:
        return "the text"


def _chromium(profile: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    assert CHROMIUM is not None, "CI must install chromium (.ci/run)"
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", "--force-device-scale-factor=1",
         "--force-color-profile=srgb",
         "--hide-scrollbars", f"--window-size={_WINDOW[0]},{_WINDOW[1]}", *args],
        capture_output=True, timeout=_HANG, check=True)


def _pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB(A) rows of an 8-bit, non-interlaced PNG (what
    Chromium writes), decoded here so the test needs no imaging library."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at, data, header = 8, b"", b""
    while at < len(png):
        (length,), kind = struct.unpack(">I", png[at:at + 4]), png[at + 4:at + 8]
        chunk = png[at + 8:at + 8 + length]
        header = chunk if kind == b"IHDR" else header
        data += chunk if kind == b"IDAT" else b""
        at += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0
    size = 4 if colour == 6 else 3
    raw, stride, rows = zlib.decompress(data), width * size, []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - size] if i >= size else 0
            up, corner = previous[i], previous[i - size] if i >= size else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc
                                      else corner)) & 0xFF
        rows.append(b"".join(bytes(line[j:j + 3]) for j in range(0, stride, size)))
        previous = line
    return width, height, rows


def _node_centre(page: str, node: str) -> tuple[int, int]:
    match = re.search(rf'id="node-{node}" data-node="{node}"><title>[^<]*</title>'
                      r'<circle cx="(\d+)" cy="(\d+)"', page)
    assert match is not None, node
    return int(match.group(1)), int(match.group(2))


def test_the_trace_page_draws_the_requests_path_in_a_browser() -> None:
    colour = bytes.fromhex(PATH_COLOUR[1:])
    with tempfile.TemporaryDirectory() as tmp, \
            serve(Guard(App({"/doc": Doc}, debug=True))) as port:
        page_file = Path(tmp) / "trace.html"
        url = f"http://127.0.0.1:{port}/doc"
        done = subprocess.run(
            [sys.executable, "-m", "statuskit", "trace", url, "-H", 'If-None-Match: "v1"',
             "--html", str(page_file)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "with answers and times" in done.stdout
        # The same request again, raw: the header is the oracle for the page.
        reply = get(port, "/doc", headers={"if-none-match": '"v1"'})
        assert reply.status == 304
        header_nodes = reply.header("x-statuskit-trace").split(",")
        assert header_nodes[-1] == "j18"

        dom = _chromium(str(Path(tmp) / "p1"), "--dump-dom", page_file.as_uri()).stdout.decode()
        steps = re.search(r'<ol id="steps">(.*?)</ol>', dom, re.S)
        assert steps is not None
        assert re.findall(r'<li data-node="([^"]+)">', steps.group(1)) == header_nodes
        taken = re.findall(r'<g class="node taken" id="node-([^"]+)"', dom)
        assert set(taken) == set(header_nodes)
        assert "304 Not Modified" in dom
        assert "etag() → 'v1'" in dom

        shot = Path(tmp) / "trace.png"
        _chromium(str(Path(tmp) / "p2"), f"--screenshot={shot}", page_file.as_uri())
        width, height, rows = _pixels(shot.read_bytes())
        assert (width, height) == _WINDOW

        def painted(x: int, y: int) -> bool:
            # The path's colour, give or take the rasteriser's rounding.
            return all(abs(a - b) <= 12 for a, b in zip(rows[y][x * 3:x * 3 + 3], colour,
                                                        strict=True))

        text = page_file.read_text()
        for node in ("b13", "g7", "k13"):  # on the path: the node is drawn in its colour
            x, y = _node_centre(text, node)
            assert painted(x + 8, y), node
        for node in ("m20", "p11", "l17"):  # off the path: not
            x, y = _node_centre(text, node)
            assert not painted(x + 8, y), node
        assert not [n for n in NODES if n not in text]
