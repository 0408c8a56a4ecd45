"""The `portefeuille` command: Django's management commands with the project's settings,
and a few under the names an operator types (`ALIASES`)."""

import os
import sys

# Subcommand -> the management command it runs.
ALIASES = {
    "work-recurrences": "create_due_work",
    "fetch-inbox": "fetch_inbox",
    "import": "import_contacts",
    "export": "export_clients",
}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portefeuille.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["portefeuille", *resolve(sys.argv[1:] if argv is None else argv)])
    return 0


def resolve(args: list[str]) -> list[str]:
    """The arguments with an aliased subcommand replaced by its management command."""
    return [ALIASES.get(args[0], args[0]), *args[1:]] if args else []


if __name__ == "__main__":
    sys.exit(main())
