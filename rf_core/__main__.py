"""Run the command line: `python -m rf_core analyze SPEC`."""

import sys

from rf_core.cli import main

sys.exit(main())
