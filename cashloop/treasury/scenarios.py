"""What-if scenarios of the cash forecast (情景模拟, decision 056): what a scenario may change,
how its parameters are checked, and how it changes the expected receipts and the planned
items before the simulation.

A scenario is compared with the base forecast computed in the same run, from the same data
and the same seed (common random numbers): the difference is the scenario's alone, not
the noise of two simulations.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np

from cashloop.core.errors import DomainError
from cashloop.customers.models import Customer, CustomerGroup
from cashloop.treasury.errors import TreasuryError
from cashloop.treasury.models import PlannedItem
from cashloop.treasury.receipts import OPEN_ITEM, PIPELINE, PLAN_ITEM, Expected

DELAY_RANGE = (-60, 180)
DISCOUNT_MAX = 20  # percent
SHIFT_RANGE = (-365, 365)


@dataclass(frozen=True)
class ScenarioParams:
    """Every field optional: a scenario changes what it names, nothing else."""

    delay_days: int = 0  # customers pay this many days later (earlier when negative)
    delay_group_id: int | None = None  # ... only this customer group's
    win_rate_change: int = 0  # percent: deals' probabilities x (1 + change / 100)
    default_customer_id: int | None = None  # this customer pays nothing more
    discount_percent: float = 0.0  # an early-payment discount offered ...
    discount_uptake: int = 0  # ... taken by this percent of the receipts ...
    discount_days: int = 20  # ... who pay this many days before the due date ...
    discount_group_id: int | None = None  # ... of this customer group (or everyone)
    planned_item_id: int | None = None  # this planned item ...
    planned_shift_days: int = 0  # ... moves by this many days
    terms_score_below: int | None = None  # customers scored below this ...
    terms_days: int | None = None  # ... get payment terms of at most this many days ...
    terms_lost_percent: int = 0  # ... and this percent of their deals is lost over it

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def params_check(raw: dict[str, Any]) -> ScenarioParams:
    """The parameters, checked: unknown names, values out of range, references to nothing,
    and contradictions are refused with `treasury.scenario_invalid` naming the field."""
    names = {f.name for f in fields(ScenarioParams)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise _invalid(unknown[0], "unknown")
    try:
        params = ScenarioParams(**{k: v for k, v in raw.items() if v is not None})
        params = replace(
            params,
            delay_days=int(params.delay_days),
            win_rate_change=int(params.win_rate_change),
            discount_percent=float(params.discount_percent),
            discount_uptake=int(params.discount_uptake),
            discount_days=int(params.discount_days),
            planned_shift_days=int(params.planned_shift_days),
            terms_lost_percent=int(params.terms_lost_percent),
        )
        if params.terms_score_below is not None:
            params = replace(params, terms_score_below=int(params.terms_score_below))
        if params.terms_days is not None:
            params = replace(params, terms_days=int(params.terms_days))
    except (TypeError, ValueError):
        raise _invalid("parameters", "not a number") from None
    _range("delay_days", params.delay_days, *DELAY_RANGE)
    _range("win_rate_change", params.win_rate_change, -100, 200)
    _range("discount_percent", params.discount_percent, 0, DISCOUNT_MAX)
    _range("discount_uptake", params.discount_uptake, 0, 100)
    _range("discount_days", params.discount_days, 0, 120)
    _range("planned_shift_days", params.planned_shift_days, *SHIFT_RANGE)
    if params.terms_score_below is not None:
        _range("terms_score_below", params.terms_score_below, 1, 101)
    if params.terms_days is not None:
        _range("terms_days", params.terms_days, 0, 365)
    _range("terms_lost_percent", params.terms_lost_percent, 0, 100)
    # A discount nobody takes, or one taken at 0%, is a scenario that says two things.
    if (params.discount_percent > 0) != (params.discount_uptake > 0):
        raise _contradictory("discount_uptake")
    if bool(params.planned_shift_days) != (params.planned_item_id is not None):
        raise _contradictory("planned_shift_days")
    # A segment named for a change that is not made.
    if params.delay_group_id is not None and not params.delay_days:
        raise _contradictory("delay_group_id")
    if params.discount_group_id is not None and not params.discount_uptake:
        raise _contradictory("discount_group_id")
    # Terms for whom, and which: both or neither; a loss only with them.
    if (params.terms_score_below is None) != (params.terms_days is None):
        raise _contradictory("terms_days")
    if params.terms_lost_percent and params.terms_days is None:
        raise _contradictory("terms_lost_percent")
    for name, model in (
        ("delay_group_id", CustomerGroup),
        ("discount_group_id", CustomerGroup),
        ("default_customer_id", Customer),
        ("planned_item_id", PlannedItem),
    ):
        value = getattr(params, name)
        if value is not None and not model.objects.filter(pk=value).exists():
            raise _invalid(name, "not found")
    if not any(
        (
            params.delay_days,
            params.win_rate_change,
            params.default_customer_id,
            params.discount_uptake,
            params.planned_shift_days,
            params.terms_days is not None,
        )
    ):
        raise DomainError(TreasuryError.SCENARIO_EMPTY)
    return params


def _range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise _invalid(name, f"from {low} to {high}")


def _invalid(name: str, reason: str) -> DomainError:
    return DomainError(
        TreasuryError.SCENARIO_INVALID, details={"field": name}, field=name, reason=reason
    )


def _contradictory(name: str) -> DomainError:
    return DomainError(TreasuryError.SCENARIO_CONTRADICTORY, details={"field": name}, field=name)


def _in_group(found: Expected, group_id: int | None) -> np.ndarray:
    if group_id is None:
        return np.ones(len(found.customer), dtype=bool)
    return found.segment == group_id


def apply(params: ScenarioParams, found: Expected) -> Expected:
    """The receipts as the scenario has them."""
    receipts = found.receipts
    rows = receipts.rows.copy()
    chance = receipts.chance.copy()
    if params.delay_days:
        rows[_in_group(found, params.delay_group_id)] += params.delay_days
    if params.win_rate_change:
        deals = found.kind == PIPELINE
        chance[deals] = np.clip(chance[deals] * (1 + params.win_rate_change / 100), 0, 1)
    if params.default_customer_id is not None:
        chance[found.customer == params.default_customer_id] = 0
    due = receipts.due
    if params.terms_score_below is not None and params.terms_days is not None:
        # Deals of low scores: due sooner by what their terms exceed the new ones, and some
        # lost.  Open items and contracts keep the terms already agreed.
        low = (found.kind == PIPELINE) & (found.score >= 0)
        low &= found.score < params.terms_score_below
        cut = np.where(low, np.maximum(found.terms - params.terms_days, 0), 0)
        due = due - cut
        chance[low] *= 1 - params.terms_lost_percent / 100
    changed = replace(
        found,
        receipts=replace(receipts, rows=rows, chance=chance, due=due, overdue=found.day - due),
    )
    if params.discount_uptake:
        changed = _discount(params, changed)
    return changed


def _discount(params: ScenarioParams, found: Expected) -> Expected:
    """Receipts not yet due of the discount's customers split in two: the share that takes
    the discount pays `discount_days` before the due date, less the discount; the rest pays
    as before.  (Each part is drawn on its own: right on average, a little wider.)"""
    receipts = found.receipts
    not_due = receipts.overdue < -params.discount_days
    eligible = (
        _in_group(found, params.discount_group_id)
        & not_due
        & np.isin(found.kind, (OPEN_ITEM, PLAN_ITEM, PIPELINE))
        & (receipts.chance > 0)
    )
    take = params.discount_uptake / 100
    early = np.flatnonzero(eligible)
    chance = receipts.chance.copy()
    chance[early] *= 1 - take

    def joined(old: np.ndarray, new: np.ndarray) -> np.ndarray:
        return np.concatenate([old, new])

    early_rows = np.full((len(early), receipts.rows.shape[1]), -float(params.discount_days))
    return replace(
        found,
        receipts=replace(
            receipts,
            amount=joined(
                receipts.amount, receipts.amount[early] * (1 - params.discount_percent / 100)
            ),
            rows=np.vstack([receipts.rows, early_rows]),
            due=joined(receipts.due, receipts.due[early]),
            overdue=joined(receipts.overdue, receipts.overdue[early]),
            chance=joined(chance, receipts.chance[early] * take),
        ),
        customer=joined(found.customer, found.customer[early]),
        segment=joined(found.segment, found.segment[early]),
        kind=joined(found.kind, found.kind[early]),
        terms=joined(found.terms, found.terms[early]),
        score=joined(found.score, found.score[early]),
    )
