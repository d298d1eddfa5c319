"""Allow ``python -m reanalyse``."""

import sys

from reanalyse.cli import main

sys.exit(main())
