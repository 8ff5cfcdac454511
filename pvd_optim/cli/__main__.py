"""``python -m pvd_optim.cli``: the ``pvd-optim`` command."""

import sys

from pvd_optim.cli import main

sys.exit(main())
