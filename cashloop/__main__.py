"""The `cashloop` command: Django's management commands plus our own (serve, worker, seed ...)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cashloop.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cashloop", *sys.argv[1:]])


if __name__ == "__main__":
    main()
