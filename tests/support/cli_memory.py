"""``statuskit`` in a process of its own, and the peak resident set of that process.

The child reads its own VmHWM from /proc/self/status as it exits: a child's rusage
(``wait4``, ``RUSAGE_CHILDREN``) starts from the peak of the process it was forked from
on Linux, so it would measure the test runner, not the command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_RUN = """
import atexit, sys
from pathlib import Path

def _peak() -> None:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            Path(sys.argv[1]).write_text(line.split()[1])

atexit.register(_peak)
from statuskit.cli import main
sys.exit(main(sys.argv[2:]))
"""


def run_statuskit(args: list[str], scratch: Path,
                  timeout: float = 120) -> tuple[int, int, str, str]:
    """(exit code, peak RSS in KiB, stdout, stderr) of ``statuskit ARGS``."""
    import statuskit

    peak = scratch / "peak-rss-kib"
    # The child imports the statuskit under test, wherever the runner found it.
    source = str(Path(statuskit.__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [source, *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run([sys.executable, "-c", _RUN, str(peak), *args],
                          capture_output=True, text=True, timeout=timeout, env=env)
    return done.returncode, int(peak.read_text()), done.stdout, done.stderr
