"""`cashloop worker`: run background tasks from the database queue (django-tasks)."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background task worker (database queue; safe to run several)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--queue-name", default="default")
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--batch", action="store_true", help="Exit when the queue is empty.")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        extra = ["--batch"] if options["batch"] else []
        call_command(
            "db_worker",
            "--queue-name",
            options["queue_name"],
            "--interval",
            str(options["interval"]),
            *extra,
        )
