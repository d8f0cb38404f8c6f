"""`cashloop forecast_snapshot`: record every rep's forecast for this week (run it weekly)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date

from cashloop.sales.services import forecast_snapshot_take


class Command(BaseCommand):
    help = (
        "Snapshot each rep's forecast of this and next month and quarter; running it again "
        "in the same week replaces that week's rows."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--as-of",
            help="Take the snapshot as of this past day (YYYY-MM-DD), rebuilt from stage history.",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        as_of = None
        if options["as_of"]:
            try:
                as_of = parse_date(options["as_of"])
            except ValueError:
                as_of = None
            if as_of is None:
                raise CommandError(f"--as-of {options['as_of']!r} is not a date (YYYY-MM-DD)")
        rows = forecast_snapshot_take(as_of=as_of)
        self.stdout.write(f"forecast_snapshot: {rows} rows written")
