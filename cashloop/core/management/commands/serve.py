"""`cashloop serve`: the production WSGI server (gunicorn) with static files by WhiteNoise."""

from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Cashloop with gunicorn (static files are served by WhiteNoise)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--bind", default=os.environ.get("CASHLOOP_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2"))
        )
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "cashloop.wsgi:application",
            "--bind",
            options["bind"],
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
        ]
        self.stdout.write(f"Cashloop on http://{options['bind']}/  (Ctrl-C stops)")
        self.stdout.flush()
        os.execv(sys.executable, argv)  # noqa: S606 - fixed argv, no shell
