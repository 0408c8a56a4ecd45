"""The `portefeuille` command: Django's management commands with the project's settings."""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portefeuille.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["portefeuille", *(sys.argv[1:] if argv is None else argv)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
