"""``python -m corpusforge`` is the same as the ``corpusforge`` command."""

import sys

from corpusforge.cli import main

sys.exit(main())
