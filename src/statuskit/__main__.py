import sys

from statuskit.cli import entry

sys.exit(entry())
