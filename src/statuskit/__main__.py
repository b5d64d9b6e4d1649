import sys

from statuskit.cli import main

sys.exit(main())
