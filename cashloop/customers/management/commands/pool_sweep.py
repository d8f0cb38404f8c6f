"""`cashloop pool_sweep`: return stale customers to the public pool (run it daily)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cashloop.customers.tasks import pool_sweep


class Command(BaseCommand):
    help = "Return customers the public pool's rules call stale to the pool (idempotent)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the sweep for `cashloop worker` instead of running it here.",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["enqueue"]:
            result = pool_sweep.enqueue()
            self.stdout.write(f"queued {result.id}")
            return
        returned = pool_sweep.call()
        self.stdout.write(f"{returned} customers returned to the pool")
