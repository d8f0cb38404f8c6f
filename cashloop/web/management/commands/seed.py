"""`cashloop seed --size demo|large --seed N`: a deterministic fictional company.

The same size and seed always make the same company.  `demo` is small and loads in
seconds (what `make run` loads): people, customers, a catalog, a year of contracts whose
payment plans made its invoices, their payments, quotes and opportunities.  `large` is for
benchmarks: 100,000 customers and the receivables history of the aging benchmark
(`--open-installments`, default 1,000,000 open items over three times as many paid ones),
written in bulk by `receivables.bulkseed` so that it loads in minutes and still passes
`cashloop verify`; and the CRM's 300,000 opportunities with their stage histories
(`--opportunities`) and 1,000,000 interactions (`--interactions`), written the same way
(`core.bulkload`).
Later issues add their own records here, after the people and customers they build on.
"""

from __future__ import annotations

import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from cashloop.core.errors import CoreError, DomainError
from cashloop.customers.models import Customer
from cashloop.customers.seed import SIZES, seed_customers
from cashloop.identity.seed import seed_field_rules, seed_people
from cashloop.receivables.bulkseed import seed_bulk
from cashloop.receivables.seed import seed_receivables
from cashloop.sales.seed import seed_sales

LARGE_OPEN_INSTALLMENTS = 1_000_000


class Command(BaseCommand):
    help = "Load a deterministic demo company into an empty database."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--size", choices=sorted(SIZES), default="demo")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing (and succeed) if data exists."
        )
        parser.add_argument(
            "--customers", type=int, default=None, help="Customers to make instead of the size's."
        )
        parser.add_argument(
            "--opportunities",
            type=int,
            default=None,
            help="Opportunities to make instead of the size's (large: 300,000).",
        )
        parser.add_argument(
            "--interactions",
            type=int,
            default=None,
            help="Interactions to make instead of the size's (large: 1,000,000).",
        )
        parser.add_argument(
            "--open-installments",
            type=int,
            default=LARGE_OPEN_INSTALLMENTS,
            help="large: open installments to make (three times as many paid ones besides).",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if Customer.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already has data; no demo loaded.")
                return
            raise CommandError(str(DomainError(CoreError.SEED_NOT_EMPTY)))
        started = time.monotonic()
        rng = random.Random(options["seed"])
        size = options["size"]
        with transaction.atomic():
            sellers = seed_people(rng=rng, size=size)
            count = seed_customers(
                rng=rng,
                size=size,
                sellers=sellers,
                count=options["customers"],
                interactions=options["interactions"],
            )
            if size == "large":
                made = seed_bulk(rng=rng, open_installments=options["open_installments"])
                invoices = made.get("invoice", 0)
            else:
                made = {}
                invoices = _seed_contract_to_cash(rng, size)
            deals = seed_sales(rng=rng, size=size, opportunities=options["opportunities"])
            if size == "demo":
                _seed_workspace(rng)
                # Last: the forecast reads the receivables, contracts, deals and budgets.
                from cashloop.treasury.seed import seed_forecast

                seed_forecast(today=timezone.localdate())
        if made and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # fresh statistics for the reports' plans
        rows = "".join(f", {n} {name} rows" for name, n in sorted(made.items()) if n)
        self.stdout.write(
            f"Demo company loaded: {count} customers, {invoices} invoices, {deals} opportunities"
            f"{rows}"
            f" ({size}, seed {options['seed']}) in {time.monotonic() - started:.1f}s."
        )


def _seed_contract_to_cash(rng: random.Random, size: str) -> int:
    """The catalog, a year of contracts whose plans made the invoices, their payments,
    this month's quotes, this week's bank statement, rates and budgets, the dunning history
    and service tickets.  -> invoices."""
    from cashloop.banking.seed import seed_banking
    from cashloop.collections.seed import seed_collections
    from cashloop.contracts.seed import seed_contracts
    from cashloop.cpq.seed import seed_catalog, seed_quote_flow, seed_quotes
    from cashloop.identity.models import User
    from cashloop.service.seed import seed_tickets
    from cashloop.treasury.seed import seed_treasury

    today = timezone.localdate()
    admin = User.objects.get(username="it.admin")
    products = seed_catalog(admin=admin, today=today)
    seed_quote_flow(admin=admin)
    invoices = seed_contracts(rng=rng, size=size, products=products, today=today)
    seed_receivables(rng=rng, size=size, today=today)
    seed_quotes(rng=rng, products=products, today=today)
    seed_banking(rng=rng, today=today)
    seed_treasury(rng=rng, today=today)
    seed_collections(today=today)
    seed_tickets(rng=rng)
    return invoices


def _seed_workspace(rng: random.Random) -> None:
    """What the company's admin set up in Settings: a flow, custom fields, a field rule,
    a policy document and an announcement, so that the demo shows them at work."""
    from cashloop.approvals.seed import seed_approvals
    from cashloop.customfields.seed import seed_custom_fields, seed_custom_values
    from cashloop.identity.models import User
    from cashloop.knowledge.seed import seed_knowledge

    admin = User.objects.get(username="it.admin")
    seed_approvals(admin=admin)
    seed_custom_fields(admin=admin)
    seed_custom_values(rng=rng)
    seed_field_rules(admin=admin)
    seed_knowledge(admin=admin)
