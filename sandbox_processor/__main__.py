"""``python -m sandbox_processor``: the same as the ``sandbox-processor`` command."""

import sys

from sandbox_processor.server import main

sys.exit(main())
