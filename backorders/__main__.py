"""`python -m backorders` is the `backorders` command."""

import sys

from backorders.cli import main

sys.exit(main())
