"""``python -m scheduler``: the same command line as ``scheduler``."""

import sys

from scheduler.cli import main

sys.exit(main())
