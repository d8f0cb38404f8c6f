"""Reads of recognition (认款): the queue of lines waiting, their proposals explained,
and what the engine applied, for the workbench page and the API alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from cashloop.banking.choices import LineStatus
from cashloop.banking.matching import Proposal, line_proposals
from cashloop.banking.models import LineMatch, MatchRule, StatementLine
from cashloop.core.scoping import require
from cashloop.customers.models import Customer
from cashloop.identity.models import User
from cashloop.ledger.models import Account
from cashloop.receivables.models import Installment

WAITING = (LineStatus.UNMATCHED, LineStatus.SUGGESTED)


def line_queue(
    *,
    user: User,
    status: str = "",
    bank_account_id: int | None = None,
    search: str = "",
) -> QuerySet[StatementLine]:
    """Incoming lines waiting for a person (or of one status), newest first."""
    rows = StatementLine.objects.restrict(user, "view").filter(amount__gt=0)
    rows = rows.filter(status=status) if status else rows.filter(status__in=WAITING)
    if bank_account_id:
        rows = rows.filter(bank_account_id=bank_account_id)
    if search:
        rows = rows.filter(reference__icontains=search) | rows.filter(payer_name__icontains=search)
    return rows.select_related("bank_account").order_by("-booking_date", "-pk")


def queue_counts(*, user: User) -> dict[str, int]:
    rows = StatementLine.objects.restrict(user, "view").filter(amount__gt=0)
    counts = dict(rows.values_list("status").annotate(n=Count("pk")).order_by())
    return {status: counts.get(status, 0) for status in LineStatus.values}


def line_get(*, user: User, line_id: int) -> StatementLine | None:
    return (
        StatementLine.objects.restrict(user, "view")
        .select_related("bank_account", "excluded_account")
        .filter(pk=line_id)
        .first()
    )


@dataclass
class Explained:
    """A proposal with what a person needs to judge it: names, numbers, sentences."""

    proposal: Proposal
    customer: Customer | None
    sentences: list[str]
    allocations: list[dict[str, Any]] = field(default_factory=list)
    exclude_account: Account | None = None
    rule: MatchRule | None = None


def explained(proposals: list[Proposal]) -> list[Explained]:
    """Proposals with their customers, invoices and sentences (three queries in all)."""
    customers = Customer.objects.in_bulk({p.customer_id for p in proposals if p.customer_id})
    items = Installment.objects.select_related("invoice").in_bulk(
        {pk for p in proposals for pk, _amount in p.allocations}
    )
    accounts = Account.objects.in_bulk({p.exclude_account_id for p in proposals} - {None})
    rules = MatchRule.objects.in_bulk({p.rule_id for p in proposals} - {None})
    result = []
    for proposal in proposals:
        allocations = []
        for pk, amount in proposal.allocations:
            item = items.get(pk)
            allocations.append(
                {
                    "installment_id": pk,
                    "amount": amount,
                    "invoice": item.invoice.number if item else "",
                    "invoice_id": item.invoice_id if item else None,
                    "due_date": item.due_date if item else None,
                    "residual": item.residual if item else None,
                }
            )
        result.append(
            Explained(
                proposal=proposal,
                customer=customers.get(proposal.customer_id or 0),
                sentences=[item.sentence() for item in proposal.evidence],
                allocations=allocations,
                exclude_account=accounts.get(proposal.exclude_account_id or 0),
                rule=rules.get(proposal.rule_id or 0),
            )
        )
    return result


def stored_proposals(line: StatementLine) -> list[Proposal]:
    return [Proposal.from_json(data) for data in (line.proposal or {}).get("proposals", [])]


def fresh_proposals(line: StatementLine) -> list[Proposal]:
    """The engine's proposals now (the items may have changed since it last looked).

    On a line whose match a person undid, none is one the engine would apply alone."""
    proposals = line_proposals([line]).get(line.pk, [])
    if line.matches.filter(undone_at__isnull=False).exists():
        for proposal in proposals:
            proposal.may_auto_apply = False
    return proposals


def matches_applied(
    *, user: User, on: date | None = None, auto: bool | None = True
) -> QuerySet[LineMatch]:
    """Recognitions made on a day (today), by the engine unless `auto` says otherwise."""
    require(user, "view", LineMatch)
    day = on or timezone.localdate()
    rows = LineMatch.objects.restrict(user, "view").filter(created_at__date=day)
    if auto is not None:
        rows = rows.filter(auto=auto)
    return rows.select_related("line", "customer", "payment").order_by("-created_at", "-pk")


def match_rules(*, user: User) -> QuerySet[MatchRule]:
    require(user, "view", MatchRule)
    return MatchRule.objects.select_related("customer", "account").order_by("priority", "pk")
