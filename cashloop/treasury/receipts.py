"""The cash the forecast expects to receive, gathered as arrays for the simulation
(decision 055): open installments, the scheduled installments of active contracts' payment
plans, and open opportunities weighted by their probability.

Each receipt's timing is the customer's payment behaviour (`behaviour.Behaviour`) after its
due day: an open installment's due date; a plan installment's billing day (its invoice is
due on it, `contracts.billing`); an opportunity's expected close date plus the customer's
payment terms.  Amounts are in the base currency: residuals at their invoice's rate, plan
items and deals at their contract's or deal's rate.  Company-wide, like the model: what a
user is shown of the forecast goes through the treasury's selectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from django.db.models import DateField, F, FloatField, Value
from django.db.models.functions import Cast, Coalesce, Greatest

from cashloop.contracts.choices import ContractStatus, PlanItemStatus
from cashloop.contracts.models import PlanItem
from cashloop.core.sql import DaysBetween
from cashloop.receivables.models import Installment
from cashloop.receivables.services import OPEN_STATUSES
from cashloop.sales.choices import OpportunityStatus
from cashloop.sales.models import Opportunity
from cashloop.treasury.behaviour import Behaviour
from cashloop.treasury.history import EPOCH, day_number
from cashloop.treasury.simulation import Receipts

# What a receipt comes from, for scenarios that act on one kind and for the drivers.
OPEN_ITEM, PLAN_ITEM, PIPELINE = 0, 1, 2


@dataclass(frozen=True)
class Expected:
    """The receipts expected from the day after `day` and, per receipt, its customer, segment
    and kind; for a deal, the payment terms in days its due day counts and the customer's
    credit score (-1: none, or not a deal), which scenarios of credit terms change."""

    day: int  # the forecast's day (a day number)
    receipts: Receipts
    customer: np.ndarray
    segment: np.ndarray
    kind: np.ndarray
    terms: np.ndarray
    score: np.ndarray


def expected(model: Behaviour, today: date) -> Expected:
    """Every receipt expected from `today` on."""
    epoch = Value(EPOCH, DateField())
    day = day_number(today)
    opened = Installment.objects.filter(
        residual__gt=0, invoice__status__in=OPEN_STATUSES
    ).values_list(
        "invoice__customer_id",
        Coalesce("invoice__customer__group_id", Value(0)),
        DaysBetween(F("due_date"), epoch),
        Cast("base_residual", FloatField()),
    )
    planned = PlanItem.objects.filter(
        status=PlanItemStatus.SCHEDULED,
        contract__status=ContractStatus.ACTIVE,
        due_date__isnull=False,
        invoice__isnull=True,
    ).values_list(
        "contract__customer_id",
        Coalesce("contract__customer__group_id", Value(0)),
        # Billed on its due day, or today when that has passed (the billing run is behind).
        DaysBetween(Greatest(F("due_date"), Value(today, DateField())), epoch),
        Cast(F("amount") * F("contract__rate"), FloatField()),
    )
    deals = Opportunity.objects.filter(status=OpportunityStatus.OPEN, probability__gt=0)
    pipeline = deals.values_list(
        "customer_id",
        Coalesce("customer__group_id", Value(0)),
        DaysBetween(Greatest(F("expected_close_date"), Value(today, DateField())), epoch)
        + F("customer__payment_terms_days"),
        Cast("base_amount", FloatField()),
        "probability",
        "customer__payment_terms_days",
        Coalesce("customer__credit_profile__score", Value(-1)),
    )
    parts = [
        _arrays(list(opened), OPEN_ITEM),
        _arrays(list(planned), PLAN_ITEM),
        _arrays(list(pipeline), PIPELINE),
    ]
    customer, segment, due, amount, chance, kind, terms, score = (
        np.concatenate(column) for column in zip(*parts, strict=True)
    )
    return Expected(
        day=day,
        receipts=Receipts(
            amount=amount,
            rows=model.rows_for(customer, segment, due),
            due=due,
            overdue=day - due,
            chance=chance,
        ),
        customer=customer,
        segment=segment,
        kind=kind,
        terms=terms,
        score=score,
    )


def _arrays(rows: list[tuple], kind: int) -> list[np.ndarray]:
    count = len(rows)
    deals = kind == PIPELINE
    columns = list(zip(*rows, strict=True)) if rows else [()] * (7 if deals else 4)
    chance = (
        np.fromiter(columns[4], dtype=np.float64, count=count) / 100 if deals else np.ones(count)
    )
    return [
        np.fromiter(columns[0], dtype=np.int64, count=count),
        np.fromiter(columns[1], dtype=np.int64, count=count),
        np.fromiter(columns[2], dtype=np.int64, count=count),
        np.fromiter(columns[3], dtype=np.float64, count=count),
        chance,
        np.full(count, kind, dtype=np.int64),
        np.fromiter(columns[5], dtype=np.int64, count=count)
        if deals
        else np.zeros(count, np.int64),
        np.fromiter(columns[6], dtype=np.int64, count=count) if deals else np.full(count, -1),
    ]
