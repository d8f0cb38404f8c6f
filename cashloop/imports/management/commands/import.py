"""`cashloop import KIND FILE --user NAME`: check a file and import it, as on the page.

Prints every problem with its line and column and exits 1 when rows have errors, unless
`--valid-only` imports the rest; `--check` stops after checking.  `--template` names a
saved mapping of that kind; otherwise headers are recognised in English and Chinese.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cashloop.core.errors import DomainError
from cashloop.identity.models import User
from cashloop.imports.kinds import KINDS
from cashloop.imports.models import ImportTemplate
from cashloop.imports.services import import_job_create, import_job_run


class Command(BaseCommand):
    help = "Check a CSV or Excel file and import it (customers, invoices, payments ...)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="who imports (their rights apply)")
        parser.add_argument("--template", default="", help="a saved mapping's name")
        parser.add_argument("--valid-only", action="store_true", help="leave bad rows out")
        parser.add_argument("--check", action="store_true", help="check only, import nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username=options["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {options['user']}")
        template_id = None
        if options["template"]:
            template = ImportTemplate.objects.filter(
                kind=options["kind"], name=options["template"]
            ).first()
            if template is None:
                raise CommandError(f"no {options['kind']} template {options['template']}")
            template_id = template.pk
        path: Path = options["file"]
        try:
            job = import_job_create(
                actor=actor,
                kind=options["kind"],
                file_name=path.name,
                content=path.read_bytes(),
                template_id=template_id,
            )
            for problem in job.errors:
                self.stderr.write(
                    f"line {problem['line']}, {problem['column']}: "
                    f"{problem['message']} [{problem['code']}]"
                )
            self.stdout.write(
                f"{job.total_rows} rows, {job.error_rows} with errors, "
                f"{job.existing_rows} already imported"
            )
            if options["check"]:
                return
            job = import_job_run(actor=actor, job_id=job.pk, valid_only=options["valid_only"])
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except DomainError as exc:
            raise CommandError(f"{exc.message} [{exc.code.code}]") from exc
        self.stdout.write(f"{job.imported_rows} rows imported (import #{job.pk})")
