"""Demo collections: 王强 of finance collects under the company's standard dunning policy;
the last two months of daily runs left their history (levels reached, letters, tasks), and
his calls left promises to pay (kept, broken, due today, ahead) and a dispute.

Run after the receivables are seeded, so there is something overdue to dun.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef

from cashloop.collections.choices import ActivityOutcome, DisputeReason
from cashloop.collections.models import CollectionTask
from cashloop.collections.services import (
    LevelInput,
    collection_activity_log,
    collection_task_done,
    customer_dunning_set,
    dispute_open,
    dunning_policy_save,
    dunning_run,
    payment_promises_check,
)
from cashloop.customers.models import Customer
from cashloop.identity.models import User
from cashloop.receivables.models import Installment, Payment
from cashloop.receivables.services import OPEN_STATUSES

# Texts left empty take the built-in message; the levels are the example.
LEVELS = (
    LevelInput(name="到期提醒 Friendly reminder", days_overdue=-3),
    LevelInput(name="逾期通知 Overdue notice", days_overdue=1),
    LevelInput(name="第二次催收 Second reminder", days_overdue=15, create_task=True),
    LevelInput(name="正式催收函 Formal demand", days_overdue=30, letter=True, create_task=True),
    LevelInput(
        name="最后通知 Final notice",
        days_overdue=60,
        letter=True,
        create_task=True,
    ),
    LevelInput(
        name="移交法务 Hand over to legal",
        days_overdue=90,
        send_email=False,
        create_task=True,
        task_due_days=7,
        hold=True,
    ),
)
# The days, counted back from today, on which the demo's past daily runs happened.
RUN_DAYS_AGO = (63, 49, 35, 21, 14, 7, 3, 1)


def seed_collections(*, today: date) -> int:
    """The default policy, the collector of every customer who owes, and past runs.
    -> dunning messages logged."""
    admin = User.objects.get(username="it.admin")
    collector = User.objects.get(username="wang.qiang")
    dunning_policy_save(
        actor=admin, name="标准催收 Standard", levels=LEVELS, is_default=True, auto_send=True
    )
    open_items = Installment.objects.filter(
        invoice__customer=OuterRef("pk"), invoice__status__in=OPEN_STATUSES, residual__gt=0
    )
    for customer in Customer.objects.filter(Exists(open_items)).order_by("code"):
        customer_dunning_set(actor=admin, customer_id=customer.pk, collector_id=collector.pk)
    logged = 0
    for days_ago in RUN_DAYS_AGO:
        result = dunning_run(actor=None, today=today - timedelta(days=days_ago), send=True)
        logged += result.logs
    # The collector worked the tasks of past weeks; this week's are still on the list.
    for task in CollectionTask.objects.filter(due_date__lt=today - timedelta(days=7)):
        collection_task_done(actor=collector, task_id=task.pk)
    _seed_promises(collector, today)
    return logged


def _call(collector: User, customer: Customer, on: date, amount: Decimal, by: date) -> None:
    collection_activity_log(
        actor=collector,
        customer_id=customer.pk,
        kind="call",
        outcome=ActivityOutcome.PROMISED,
        summary="财务确认付款安排。 Accounts payable confirmed the payment.",
        promise_amount=amount,
        promise_date=by,
        today=on,
    )


def _seed_promises(collector: User, today: date) -> None:
    """A promise kept by a payment that came, one broken, one due today, one ahead, and a
    disputed installment; then the daily check resolves what it can."""
    # Customers who paid nothing lately, so that the promises made to them stay open or
    # break as their dates say.
    paid_lately = Payment.objects.filter(
        customer=OuterRef("invoice__customer"), date__gte=today - timedelta(days=15)
    )
    overdue = list(
        Installment.objects.filter(
            invoice__status__in=OPEN_STATUSES, residual__gt=0, due_date__lt=today
        )
        .exclude(Exists(paid_lately))
        .select_related("invoice__customer")
        .order_by("due_date", "pk")[:4]
    )
    paid = (
        Payment.objects.filter(
            date__range=(today - timedelta(days=30), today - timedelta(days=20)),
            voided_on__isnull=True,
        )
        .select_related("customer")
        .order_by("pk")
        .first()
    )
    if paid is not None:
        _call(collector, paid.customer, paid.date - timedelta(days=3), paid.amount, paid.date)
    plans = zip(overdue[:3], (-5, 0, 7), strict=False)  # broken, due today, ahead
    for item, days in plans:
        made = today - timedelta(days=12)
        _call(collector, item.invoice.customer, made, item.residual, today + timedelta(days=days))
    if len(overdue) > 3:
        dispute_open(
            actor=collector,
            installment_id=overdue[3].pk,
            reason=DisputeReason.QUALITY,
            note="客户称第二批货物有破损。 The customer says the second delivery arrived damaged.",
            today=today,
        )
    payment_promises_check(today=today)
