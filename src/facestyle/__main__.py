"""``python -m facestyle`` is the same as the ``facestyle`` command."""

import sys

from facestyle.cli import main

sys.exit(main())
