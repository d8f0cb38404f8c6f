"""Revenue recognition (收入确认): the monthly run, and the revenue schedule of a contract.

A contract line recognised at invoicing earns its revenue when its invoice posts (see
`billing.py`).  A line recognised at a milestone or ratably is billed into 2204 合同负债
(`AccountRole.DEFERRED_REVENUE`), and this module moves what it has earned to revenue:

* at a milestone: its whole net once its milestone is accepted with an actual date on or
  before the month's last day;
* ratably: net x (months of the service period elapsed) / (months in the period), in
  whole months counted from the service start's month to the service end's, both
  included; the last month takes the remainder, so the months sum exactly to the net.

`revenue_recognition_run` is cumulative: for each contract it posts, in one entry dated
the month's last day, what the lines have earned by then minus what they have recognised
so far.  A run that missed a month is caught up by the next, and a month already posted
for a contract (or any later month) is never posted again, so the run is idempotent.
Earning may run ahead of billing; the deferred account then holds a debit, a contract
asset, until the invoice arrives (decision 040).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cashloop.contracts.choices import ContractStatus, MilestoneStatus
from cashloop.contracts.errors import ContractError
from cashloop.contracts.models import Contract, ContractLine, LineCredit, RevenueRecognition
from cashloop.core.audit import audit_record_many, audit_snapshot
from cashloop.core.dates import add_months, month_end, month_start
from cashloop.core.errors import DomainError
from cashloop.core.models import AuditAction
from cashloop.core.money import base_currency, quantize
from cashloop.core.scoping import get_scoped, require
from cashloop.core.verify import money_sum
from cashloop.cpq.choices import Recognition
from cashloop.identity.models import User
from cashloop.ledger.choices import AccountRole, PostingReason
from cashloop.ledger.models import Account
from cashloop.ledger.services import Posting, PostingLine, accounts_for_roles, journal_entries_post

# Contracts whose lines may still earn: a terminated contract keeps what it earned up to
# its termination (see `_earning_until`).
EARNING_STATUSES = (ContractStatus.ACTIVE, ContractStatus.COMPLETED, ContractStatus.TERMINATED)
DEFERRED_RECOGNITIONS = (Recognition.AT_MILESTONE, Recognition.RATABLY)
# Contracts posted per transaction: one entry each, so a run over many thousands of
# contracts holds its locks for a short while at a time.
RUN_BATCH = 200
RECOGNITION_REASON = PostingReason.REVENUE_RECOGNITION


def months_from(first: date, last: date) -> int:
    """Whole months from `first`'s month to `last`'s, both included (may be zero or less)."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


def service_period(line: ContractLine) -> tuple[date, date] | None:
    """A ratable line's service period: its own, else the contract's; None if open-ended."""
    start = line.service_start or line.contract.start_date
    end = line.service_end or line.contract.end_date
    if start is None or end is None:
        return None
    return month_start(start), month_start(max(start, end))


def _earning_until(contract: Contract) -> date | None:
    """The last month a terminated contract earns in (the month it ended); None if open."""
    if contract.status == ContractStatus.TERMINATED and contract.closed_at is not None:
        return month_start(timezone.localdate(contract.closed_at))
    return None


def line_earned(line: ContractLine, *, through: date, projected: bool = False) -> Decimal:
    """What `line` has earned by the end of `through`'s month, in the contract's currency.

    A deferred line earns its net less what credit notes took back of it (decision 041),
    so recognition never earns what was credited away.  `projected` counts a milestone
    not accepted yet as accepted on its planned date (for the schedule's plan).
    `line.contract` and `line.milestone` should be loaded already.
    """
    contract = line.contract
    worth = line.net - line.credited
    stop = _earning_until(contract)
    if stop is not None and stop < month_start(through):
        through = stop
    if line.recognition == Recognition.AT_MILESTONE:
        milestone = line.milestone
        if milestone is None:
            return Decimal(0)
        if milestone.status == MilestoneStatus.ACCEPTED and milestone.actual_date is not None:
            on: date | None = milestone.actual_date
        else:
            on = milestone.planned_date if projected else None
        return worth if on is not None and on <= month_end(through) else Decimal(0)
    if line.recognition == Recognition.RATABLY:
        period = service_period(line)
        if period is None:
            return Decimal(0)
        total = months_from(*period)
        elapsed = min(max(months_from(period[0], through), 0), total)
        if elapsed == total:
            return worth
        return quantize(worth * elapsed / total, contract.currency)
    # Recognised at invoicing: billing earns it, not this run.
    return line.recognised


def _base(amount: Decimal, contract: Contract, base: str) -> Decimal:
    if contract.currency == base:
        return amount
    assert contract.rate is not None  # activation requires it (decision 042)
    return quantize(amount * contract.rate, base)


@dataclass
class _LineDue:
    line: ContractLine
    amount: Decimal
    base_amount: Decimal
    account: Account


def revenue_account_ids(lines: Iterable[ContractLine]) -> dict[int, int | None]:
    """Each line's own revenue account, else its product's (None: the chart's)."""
    return {
        line.pk: line.revenue_account_id
        or (line.product.revenue_account_id if line.product else None)
        for line in lines
    }


def _due(
    lines: list[ContractLine], *, period: date, base: str, fallback: Account
) -> dict[int, list[_LineDue]]:
    """Per contract id, what each of its lines earned beyond what it recognised so far."""
    sums = {
        row["line_id"]: (row["amount"], row["base"])
        for row in RevenueRecognition.objects.filter(line__in=lines)
        .values("line_id")
        .annotate(amount=money_sum("amount"), base=money_sum("base_amount"))
    }
    # Credit notes took back revenue recognised before them (decision 041).
    for row in (
        LineCredit.objects.filter(line__in=lines)
        .values("line_id")
        .annotate(amount=money_sum("reversed"), base=money_sum("base_reversed"))
    ):
        amount, base_amount = sums.get(row["line_id"], (Decimal(0), Decimal(0)))
        sums[row["line_id"]] = (amount - row["amount"], base_amount - row["base"])
    account_ids = revenue_account_ids(lines)
    accounts = Account.objects.in_bulk({pk for pk in account_ids.values() if pk})
    result: dict[int, list[_LineDue]] = defaultdict(list)
    for line in lines:
        earned = line_earned(line, through=period)
        posted, posted_base = sums.get(line.pk, (Decimal(0), Decimal(0)))
        amount = earned - posted
        # Base amounts are cumulative too: the line's base ends at exactly net x rate.
        base_amount = _base(earned, line.contract, base) - posted_base
        if amount == 0 and base_amount == 0:
            continue
        account_id = account_ids[line.pk]
        account = accounts[account_id] if account_id else fallback
        result[line.contract_id].append(_LineDue(line, amount, base_amount, account))
    return result


def _posting(
    contract: Contract, dues: list[_LineDue], *, period: date, deferred: Account
) -> Posting:
    """Dr 合同负债 the total earned, Cr each revenue account its lines' share."""
    per_account: dict[int, list[Decimal]] = {}
    accounts: dict[int, Account] = {}
    for due in dues:
        sums = per_account.setdefault(due.account.pk, [Decimal(0), Decimal(0)])
        sums[0] += due.amount
        sums[1] += due.base_amount
        accounts[due.account.pk] = due.account
    month = f"{period:%Y-%m}"
    memo = _("Revenue recognised %(month)s") % {"month": month}
    lines = [
        PostingLine(
            account=accounts[pk],
            amount=-amount,
            currency=contract.currency,
            base_amount=-base_amount,
            customer_id=contract.customer_id,
            memo=memo,
        )
        for pk, (amount, base_amount) in sorted(per_account.items())
    ]
    lines.insert(
        0,
        PostingLine(
            account=deferred,
            amount=sum((d.amount for d in dues), Decimal(0)),
            currency=contract.currency,
            base_amount=sum((d.base_amount for d in dues), Decimal(0)),
            customer_id=contract.customer_id,
            memo=memo,
        ),
    )
    return Posting(
        entry_date=month_end(period),
        reason=RECOGNITION_REASON,
        lines=[line for line in lines if line.amount or line.base_amount],
        idempotency_key=f"recognition:{contract.pk}:{month}",
        source=contract,
        memo=f"{contract} {memo}",
    )


def _recognise_batch(
    *, actor: User | None, contract_ids: list[int], period: date
) -> list[RevenueRecognition]:
    base = base_currency()
    roles = accounts_for_roles(AccountRole.DEFERRED_REVENUE, AccountRole.REVENUE)
    contracts = list(
        Contract.objects.select_for_update(of=("self",))
        .filter(pk__in=contract_ids)
        # What the audit row names the contract's relations by, fetched once.
        .select_related("customer", "owner", "team", "quote", "previous", "template")
        .order_by("pk")
    )
    # A concurrent run may have posted this month (or a later one) while we waited.
    done = set(
        RevenueRecognition.objects.filter(
            line__contract__in=contracts, period__gte=period
        ).values_list("line__contract_id", flat=True)
    )
    contracts = [c for c in contracts if c.pk not in done]
    by_id = {c.pk: c for c in contracts}
    lines = list(
        ContractLine.objects.select_for_update(of=("self",))
        .filter(contract__in=contracts, recognition__in=DEFERRED_RECOGNITIONS)
        .select_related("product", "milestone")
        .order_by("pk")
    )
    for line in lines:
        line.contract = by_id[line.contract_id]
    dues = _due(lines, period=period, base=base, fallback=roles[AccountRole.REVENUE])
    posted = [c for c in contracts if dues.get(c.pk)]
    postings = [
        _posting(c, dues[c.pk], period=period, deferred=roles[AccountRole.DEFERRED_REVENUE])
        for c in posted
    ]
    entries = journal_entries_post(actor=actor, postings=postings)
    rows = []
    changed_lines = []
    befores = [audit_snapshot(c) for c in posted]
    for contract, entry in zip(posted, entries, strict=True):
        for due in dues[contract.pk]:
            rows.append(
                RevenueRecognition(
                    line=due.line,
                    period=period,
                    amount=due.amount,
                    base_amount=due.base_amount,
                    journal_entry=entry,
                )
            )
            due.line.recognised += due.amount
            changed_lines.append(due.line)
            contract.recognised += due.amount
    RevenueRecognition.objects.bulk_create(rows)
    ContractLine.objects.bulk_update(changed_lines, ["recognised"])
    Contract.objects.bulk_update(posted, ["recognised"])
    audit_record_many(
        actor=actor,
        instances=posted,
        action=AuditAction.UPDATE,
        befores=befores,
        reason=_("Revenue recognised %(month)s") % {"month": f"{period:%Y-%m}"},
    )
    return rows


def revenue_recognition_run(*, actor: User | None, period: date) -> list[RevenueRecognition]:
    """Recognise what every contract's deferred lines earned by the end of `period`'s month.

    One journal entry per contract and month (Dr 合同负债, Cr revenue), one
    `RevenueRecognition` row per line, `recognised` on lines and contracts updated under
    row locks.  Contracts already posted for this month or a later one are left alone, so
    running twice posts nothing twice.  `actor` None is the scheduled run (every contract);
    a user needs the "recognise" right and reaches the contracts of their scope.  Refused
    before the month's last day (`contract.recognition_period_open`).  Contracts are
    posted in batches, each its own transaction (inside a caller's, all are one): a batch
    that fails leaves the ones before it posted, and the next run does the rest.
    """
    period = month_start(period)
    contracts = Contract.objects.all()
    if actor is not None:
        require(actor, "recognise", Contract)
        contracts = Contract.objects.restrict(actor, "recognise")
    if month_end(period) > timezone.localdate():
        raise DomainError(ContractError.RECOGNITION_PERIOD_OPEN, period=f"{period:%Y-%m}")
    ids = list(
        contracts.filter(status__in=EARNING_STATUSES, lines__recognition__in=DEFERRED_RECOGNITIONS)
        .exclude(lines__recognitions__period__gte=period)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )
    rows: list[RevenueRecognition] = []
    for start in range(0, len(ids), RUN_BATCH):
        with transaction.atomic():
            rows += _recognise_batch(
                actor=actor, contract_ids=ids[start : start + RUN_BATCH], period=period
            )
    return rows


# --- the revenue schedule of a contract -------------------------------------------------


@dataclass
class ScheduleMonth:
    """One month of one line: recognised (posted) and planned (projected, not posted)."""

    period: date
    recognised: Decimal = Decimal(0)
    planned: Decimal = Decimal(0)


@dataclass
class LineSchedule:
    line: ContractLine
    recognised: Decimal
    deferred: Decimal  # invoiced - credited - recognised: negative is earned before billed
    months: list[ScheduleMonth] = field(default_factory=list)

    @property
    def planned(self) -> Decimal:
        return sum((m.planned for m in self.months), Decimal(0))


@dataclass
class RevenueSchedule:
    contract: Contract
    lines: list[LineSchedule]
    periods: list[date]
    totals: list[ScheduleMonth]
    net: Decimal
    invoiced: Decimal
    credited: Decimal
    recognised: Decimal
    planned: Decimal

    @property
    def deferred(self) -> Decimal:
        return self.invoiced - self.credited - self.recognised

    @property
    def monthly_lines(self) -> list[LineSchedule]:
        """The lines that have months (recognised at a milestone or ratably)."""
        return [s for s in self.lines if s.months]

    @property
    def by_month(self) -> list[tuple[ScheduleMonth, list[ScheduleMonth]]]:
        """Per month: its total and each monthly line's month, for a table of months."""
        per_line = [s.months for s in self.monthly_lines]
        return [(total, [months[i] for months in per_line]) for i, total in enumerate(self.totals)]


def _schedule_span(
    contract: Contract, lines: list[ContractLine], posted: Iterable[date]
) -> list[date]:
    """The months the schedule shows: the contract's term, its lines' and postings' months."""
    days = [contract.start_date, *posted]
    if contract.end_date:
        days.append(contract.end_date)
    for line in lines:
        if line.recognition == Recognition.RATABLY and (span := service_period(line)):
            days += span
        if line.recognition == Recognition.AT_MILESTONE and line.milestone:
            days.append(line.milestone.actual_date or line.milestone.planned_date)
    first, last = month_start(min(days)), month_start(max(days))
    return [add_months(first, i) for i in range(months_from(first, last))]


def revenue_schedule_get(*, user: User, contract_id: int) -> RevenueSchedule:
    """Per line and month: revenue recognised so far and planned for the months to come.

    A month is planned from the month after the contract's latest posting on, with the
    run's own formula, so the first planned month also carries any catch-up.  Lines
    recognised at invoicing have no months: their revenue follows their invoices.
    """
    contract = get_scoped(
        Contract.objects.all(),
        user=user,
        action="view",
        pk=contract_id,
        not_found=ContractError.NOT_FOUND,
    )
    lines = list(
        ContractLine.objects.filter(contract=contract)
        .select_related("milestone", "product")
        .order_by("position", "pk")
    )
    for line in lines:
        line.contract = contract
    posted: dict[tuple[int, date], Decimal] = {}
    for row in RevenueRecognition.objects.filter(line__contract=contract).values(
        "line_id", "period", "amount"
    ):
        posted[(row["line_id"], row["period"])] = row["amount"]
    periods = _schedule_span(contract, lines, (p for _l, p in posted))
    last_posted = max((p for _l, p in posted), default=None)
    # Revenue credit notes took back: the months show postings, the plan counts it too.
    taken_back = dict(
        LineCredit.objects.filter(line__contract=contract)
        .values("line_id")
        .annotate(amount=money_sum("reversed"))
        .values_list("line_id", "amount")
    )
    totals = [ScheduleMonth(p) for p in periods]
    result = []
    for line in lines:
        schedule = LineSchedule(
            line=line,
            recognised=line.recognised,
            deferred=line.invoiced - line.credited - line.recognised,
        )
        if line.recognition in DEFERRED_RECOGNITIONS:
            so_far = -taken_back.get(line.pk, Decimal(0))
            for i, p in enumerate(periods):
                month = ScheduleMonth(p, recognised=posted.get((line.pk, p), Decimal(0)))
                so_far += month.recognised
                if last_posted is None or p > last_posted:
                    month.planned = line_earned(line, through=p, projected=True) - so_far
                    so_far += month.planned
                totals[i].recognised += month.recognised
                totals[i].planned += month.planned
                schedule.months.append(month)
        result.append(schedule)
    return RevenueSchedule(
        contract=contract,
        lines=result,
        periods=periods,
        totals=totals,
        net=sum((line.net for line in lines), Decimal(0)),
        invoiced=sum((line.invoiced for line in lines), Decimal(0)),
        credited=sum((line.credited for line in lines), Decimal(0)),
        recognised=sum((line.recognised for line in lines), Decimal(0)),
        planned=sum((m.planned for m in totals), Decimal(0)),
    )
