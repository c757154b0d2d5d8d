"""``python -m pqstats.cli``: the ``pqstats`` command."""

import sys

from pqstats.cli import main

sys.exit(main())
