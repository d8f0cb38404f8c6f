"""Demo receivables: the customers pay the invoices their contracts made, with real habits.

Most customers pay a few days late, some weeks late, a few very late, and a few never;
some pay in part, a few pay ahead.  The invoices themselves come from the contracts'
payment plans (`contracts.seed`); here they are paid, through the services, so the
ledger, the open items and `verify` agree from the first start.  Last, the approval of
non-contract sales is installed, as on any installation, and one such sale waits in
finance's inbox.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from cashloop.customers.models import Customer
from cashloop.identity.models import User
from cashloop.receivables.approval_types import default_flows_install
from cashloop.receivables.models import Invoice
from cashloop.receivables.services import (
    LineIn,
    allocation_create,
    invoice_create,
    invoice_issue,
    invoicing_profile_update,
    payment_create,
)

# (share of customers, days late (min, max), share of installments never paid)
HABITS = [(0.40, (0, 5), 0.0), (0.35, (5, 30), 0.02), (0.20, (30, 90), 0.1), (0.05, (0, 0), 1.0)]
USD_RATES = [Decimal("7.08"), Decimal("7.12"), Decimal("7.16"), Decimal("7.21"), Decimal("7.25")]


@dataclass(frozen=True)
class Habit:
    """How a customer pays: days late, and the share of installments it never pays."""

    lateness: tuple[int, int]
    never: float


# The demo company as the seller on its e-invoices (decision 058).
SELLER = {
    "legal_name": "上海云环信息科技有限公司",
    "tax_id": "91310115MA1K4CL00X",
    "address": "浦东新区张江路 88 号 5 楼",
    "city": "上海",
    "postal_code": "201203",
    "country": "CN",
    "email": "ar@cashloop.example",
    "phone": "021-5080 0000",
    "bank_name": "招商银行上海张江支行",
    "bank_account": "1219 0880 0010 888",
}


def customer_habit(rng: random.Random) -> Habit:
    roll, total = rng.random(), 0.0
    for share, lateness, never in HABITS:
        total += share
        if roll <= total:
            return Habit(lateness, never)
    return Habit(HABITS[-1][1], HABITS[-1][2])


def invoice_pay(
    *, rng: random.Random, actor: User, invoice: Invoice, habit: Habit, today: date
) -> int:
    """Pay an issued invoice's installments as the habit says, up to today.  -> payments."""
    customer = invoice.customer
    usd = invoice.currency != "CNY"
    made = 0
    for installment in invoice.installments.order_by("due_date"):
        if rng.random() < habit.never:
            continue
        paid_on = installment.due_date + timedelta(days=rng.randint(*habit.lateness))
        if paid_on > today:
            continue
        amount = installment.amount
        if rng.random() < 0.08:  # pays in part
            amount = (amount * Decimal(rng.choice([50, 70, 90])) / 100).quantize(Decimal("0.01"))
        payment = payment_create(
            actor=actor,
            customer_id=customer.pk,
            amount=amount,
            payment_date=paid_on,
            currency=invoice.currency,
            rate=rng.choice(USD_RATES) if usd else None,
            bank_reference=invoice.number,
            payer_name=customer.legal_name or customer.name,
        )
        allocation_create(
            actor=actor,
            payment_id=payment.pk,
            installment_id=installment.pk,
            amount=amount,
            allocation_date=max(paid_on, invoice.issue_date),
        )
        made += 1
    return made


def seed_receivables(*, rng: random.Random, size: str, today: date | None = None) -> int:
    """Pay the demo's issued invoices with each customer's habit, add a few advances, and
    install the non-contract sale approval.  -> invoices paid or not."""
    if size != "demo":
        return 0  # `large` is written in bulk by `receivables.bulkseed`
    today = today or timezone.localdate()
    finance = User.objects.filter(roles__code="finance").order_by("pk").first()
    if finance is None:
        return 0
    invoicing_profile_update(actor=finance, changes=SELLER)
    invoices = list(
        Invoice.objects.exclude(status__in=["draft", "cancelled"])
        .select_related("customer")
        .order_by("issue_date", "pk")
    )
    habits: dict[int, Habit] = {}
    for invoice in invoices:
        if invoice.customer_id not in habits:
            habits[invoice.customer_id] = customer_habit(rng)
        invoice_pay(
            rng=rng, actor=finance, invoice=invoice, habit=habits[invoice.customer_id], today=today
        )
    for customer in Customer.objects.filter(pk__in=habits).order_by("code"):
        if rng.random() < 0.1:  # money received ahead of any invoice: an advance
            payment_create(
                actor=finance,
                customer_id=customer.pk,
                amount=Decimal(rng.randint(1_000, 9_000)),
                payment_date=today - timedelta(days=rng.randint(1, 20)),
                rate=rng.choice(USD_RATES) if customer.currency == "USD" else None,
                memo="预付款 advance",
            )
    default_flows_install()
    _noncontract_sale(finance=finance, today=today)
    return len(invoices)


def _noncontract_sale(*, finance: User, today: date) -> None:
    """A rep's sale outside any contract, issued by finance and held for approval."""
    customer = Customer.objects.filter(currency="CNY").order_by("-code").first()
    if customer is None or customer.owner is None:
        return
    draft = invoice_create(
        actor=customer.owner,
        customer_id=customer.pk,
        issue_date=today,
        lines=[
            LineIn(
                "加急现场支持 Urgent on-site support", Decimal(2), Decimal(3000), Decimal("0.06")
            )
        ],
        memo="客户临时追加 added by the customer on site",
    )
    invoice_issue(actor=finance, invoice_id=draft.pk)
