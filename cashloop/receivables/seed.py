"""Demo receivables: a year of invoices and payments with a real company's habits.

Most customers pay a few days late, some weeks late, a few very late, and a few never;
some pay in part, some pay ahead.  Everything goes through the services, so the ledger,
the open items and `verify` agree from the first start.
"""

from __future__ import annotations

import importlib
import random
from datetime import date, timedelta
from decimal import Decimal

from django.apps import apps
from django.utils import timezone

from cashloop.customers.choices import CustomerStatus
from cashloop.customers.models import Customer
from cashloop.identity.models import User
from cashloop.receivables.models import Invoice
from cashloop.receivables.services import (
    InstallmentIn,
    LineIn,
    allocation_create,
    invoice_create,
    invoice_issue,
    payment_create,
)

SALE_FLOW_MIGRATION = "cashloop.receivables.migrations.0008_default_sale_flow"
PRODUCTS = [
    ("云平台订阅 Cloud platform subscription", "0.06", (2_000, 20_000)),
    ("实施服务 Implementation services", "0.06", (5_000, 60_000)),
    ("硬件设备 Hardware", "0.13", (3_000, 80_000)),
    ("运维支持 Support", "0.06", (1_000, 8_000)),
]
# (share of customers, days late (min, max), share of invoices never paid)
HABITS = [(0.40, (0, 5), 0.0), (0.35, (5, 30), 0.02), (0.20, (30, 90), 0.1), (0.05, (0, 0), 1.0)]
USD_RATES = [Decimal("7.08"), Decimal("7.12"), Decimal("7.16"), Decimal("7.21"), Decimal("7.25")]


def _habit(rng: random.Random) -> tuple[tuple[int, int], float]:
    roll, total = rng.random(), 0.0
    for share, lateness, never in HABITS:
        total += share
        if roll <= total:
            return lateness, never
    return HABITS[-1][1], HABITS[-1][2]


def seed_receivables(*, rng: random.Random, size: str, today: date | None = None) -> int:
    """Invoice active customers about monthly for a year; record their payments.  -> count."""
    if size != "demo":
        return 0  # `large` is written in bulk by `receivables.bulkseed`
    today = today or timezone.localdate()
    finance = User.objects.filter(roles__code="finance").order_by("pk").first()
    if finance is None:
        return 0
    count = 0
    customers = Customer.objects.filter(status=CustomerStatus.ACTIVE).order_by("code")[:30]
    for customer in customers:
        lateness, never = _habit(rng)
        usd = customer.currency == "USD"
        day = today - timedelta(days=360 - rng.randint(0, 25))
        while day < today - timedelta(days=5):
            name, vat, (low, high) = rng.choice(PRODUCTS)
            price = Decimal(rng.randint(low, high))
            parts = [InstallmentIn(due_days=customer.payment_terms_days)]
            if price > 40_000:
                parts = [
                    InstallmentIn(share=Decimal(3), due_days=0),
                    InstallmentIn(share=Decimal(7), due_days=60),
                ]
            rate = rng.choice(USD_RATES) if usd else None
            draft = invoice_create(
                actor=finance,
                customer_id=customer.pk,
                issue_date=day,
                lines=[LineIn(name, Decimal(1), price, Decimal(vat))],
                installments=parts,
                rate=rate,
            )
            # A year of history from before sales were forced through contracts: issued
            # as they were, the approval of non-contract sales is installed after them.
            invoice = invoice_issue(actor=finance, invoice_id=draft.pk)
            assert isinstance(invoice, Invoice)
            count += 1
            for installment in invoice.installments.order_by("due_date"):
                if rng.random() < never:
                    continue
                paid_on = installment.due_date + timedelta(days=rng.randint(*lateness))
                if paid_on > today:
                    continue
                amount = installment.amount
                if rng.random() < 0.08:  # pays in part
                    amount = (amount * Decimal(rng.choice([50, 70, 90])) / 100).quantize(
                        Decimal("0.01")
                    )
                payment = payment_create(
                    actor=finance,
                    customer_id=customer.pk,
                    amount=amount,
                    payment_date=paid_on,
                    rate=rng.choice(USD_RATES) if usd else None,
                    bank_reference=f"{invoice.number}",
                    payer_name=customer.legal_name or customer.name,
                )
                allocation_create(
                    actor=finance,
                    payment_id=payment.pk,
                    installment_id=installment.pk,
                    amount=amount,
                    allocation_date=paid_on,
                )
            day += timedelta(days=rng.randint(25, 45))
        if rng.random() < 0.1:  # money received ahead of any invoice: an advance
            payment_create(
                actor=finance,
                customer_id=customer.pk,
                amount=Decimal(rng.randint(1_000, 9_000)),
                payment_date=today - timedelta(days=rng.randint(1, 20)),
                rate=rng.choice(USD_RATES) if usd else None,
                memo="预付款 advance",
            )
    # From now on a sale outside a contract needs approval, as on any installation.
    importlib.import_module(SALE_FLOW_MIGRATION).install_sale_flow(apps, None)
    return count
