"""`cashloop company-restore FILE`: load a company export into this empty instance
(decision 067); nothing changes unless the totals and `verify` come out as exported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cashloop.core.errors import DomainError
from cashloop.imports.company import company_restore


class Command(BaseCommand):
    help = "Restore a company export (zip) into an empty instance of the same version."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with options["file"].open("rb") as data:
                manifest = company_restore(file=data)
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except DomainError as exc:
            raise CommandError(f"{exc.message} [{exc.code.code}]") from exc
        rows = sum(table["rows"] for table in manifest["tables"])
        self.stdout.write(f"{rows} rows restored; totals and verify as exported")
