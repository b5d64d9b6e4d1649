import sys
from pathlib import Path

# The in-process ASGI caller (asgi.py) sits beside these tests.
sys.path.insert(0, str(Path(__file__).parent))
