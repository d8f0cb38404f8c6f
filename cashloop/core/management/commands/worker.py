"""`cashloop worker`: run background tasks from the database queue (django-tasks), and
queue the scheduled jobs (`core.schedule`) when their time comes."""

from __future__ import annotations

import logging
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from cashloop.core.schedule import schedule_run_due

log = logging.getLogger(__name__)
CLOCK_SECONDS = 60


def _clock(stop: threading.Event) -> None:
    """Queue due jobs once a minute until the worker stops (in its own DB connection)."""
    while not stop.is_set():
        close_old_connections()
        try:
            if queued := schedule_run_due():
                log.info("scheduled jobs queued: %s", ", ".join(queued))
        except Exception:  # the clock must outlive a failed look; the next minute retries
            log.exception("scheduled jobs could not be queued")
        stop.wait(CLOCK_SECONDS)
    connection.close()


class Command(BaseCommand):
    help = "Run the background task worker (database queue; safe to run several)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--queue-name", default="default")
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--batch", action="store_true", help="Exit when the queue is empty.")
        parser.add_argument(
            "--no-schedule", action="store_true", help="Do not queue the scheduled jobs."
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        extra = ["--batch"] if options["batch"] else []
        stop = threading.Event()
        if not options["no_schedule"]:
            if options["batch"]:
                schedule_run_due()  # once, so that a batch run also does what is due
            else:
                threading.Thread(target=_clock, args=(stop,), daemon=True).start()
        try:
            call_command(
                "db_worker",
                "--queue-name",
                options["queue_name"],
                "--interval",
                str(options["interval"]),
                *extra,
            )
        finally:
            stop.set()
