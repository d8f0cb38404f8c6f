"""Demo collections: 王强 of finance collects under the company's standard dunning policy,
and the last two months of daily runs left their history (levels reached, letters, tasks).

Run after the receivables are seeded, so there is something overdue to dun.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Exists, OuterRef

from cashloop.collections.services import (
    LevelInput,
    customer_dunning_set,
    dunning_policy_save,
    dunning_run,
)
from cashloop.customers.models import Customer
from cashloop.identity.models import User
from cashloop.receivables.models import Installment
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
    return logged
