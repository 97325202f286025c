"""`python -m pcn_data`."""

import sys

from pcn_data.cli import main

sys.exit(main())
