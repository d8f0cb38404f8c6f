"""`cashloop seed --size demo|large --seed N`: a deterministic fictional company.

The same size and seed always make the same company.  `demo` is small and loads in a few
seconds (what `make run` loads); `large` is for benchmarks.  Later issues add their own
records here, after the people and customers they build on.
"""

from __future__ import annotations

import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cashloop.core.errors import CoreError, DomainError
from cashloop.customers.models import Customer
from cashloop.customers.seed import SIZES, seed_customers
from cashloop.identity.seed import seed_people
from cashloop.receivables.seed import seed_receivables


class Command(BaseCommand):
    help = "Load a deterministic demo company into an empty database."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--size", choices=sorted(SIZES), default="demo")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing (and succeed) if data exists."
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if Customer.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already has data; no demo loaded.")
                return
            raise CommandError(str(DomainError(CoreError.SEED_NOT_EMPTY)))
        started = time.monotonic()
        rng = random.Random(options["seed"])
        with transaction.atomic():
            sellers = seed_people(rng=rng, size=options["size"])
            count = seed_customers(rng=rng, size=options["size"], sellers=sellers)
            invoices = seed_receivables(rng=rng, size=options["size"])
        self.stdout.write(
            f"Demo company loaded: {count} customers, {invoices} invoices"
            f" ({options['size']}, seed {options['seed']}) in {time.monotonic() - started:.1f}s."
        )
