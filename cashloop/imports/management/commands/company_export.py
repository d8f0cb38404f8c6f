"""`cashloop company-export -o FILE --user NAME`: the whole company as a zip of CSV files
and a manifest (decision 067)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cashloop.core.errors import DomainError
from cashloop.identity.models import User
from cashloop.imports.company import company_export


class Command(BaseCommand):
    help = "Export every table of the company as CSV files in a zip, with a manifest."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--output", "-o", type=Path, required=True)
        parser.add_argument("--user", required=True, help="an administrator")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username=options["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {options['user']}")
        try:
            with options["output"].open("wb") as out:
                manifest = company_export(actor=actor, out=out)
        except DomainError as exc:
            options["output"].unlink(missing_ok=True)
            raise CommandError(f"{exc.message} [{exc.code.code}]") from exc
        rows = sum(table["rows"] for table in manifest["tables"])
        self.stdout.write(f"{len(manifest['tables'])} tables, {rows} rows -> {options['output']}")
