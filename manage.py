#!/usr/bin/env python
"""Django's command-line utility; `portefeuille` (portefeuille/cli.py) is the same with defaults."""

import sys

from portefeuille.cli import main

if __name__ == "__main__":
    sys.exit(main())
