"""The matching engine: who paid a statement line and which open items it pays (认款).

`line_proposals(lines)` reads, never writes.  For each incoming line it gathers evidence
per candidate customer, fits the amount to that customer's open installments, and returns
the proposals best first, each with a confidence and the reasons a person can read.

Evidence of *who* (weights combine as independent signals, 1 - Π(1 - w)):
document numbers in the remittance text (invoice, contract, quote, customer code), the
payer account remembered from confirmed matches (less the undone ones), the payer name
against the customer's name, legal name and other names (rapidfuzz, after
`normalise.payer_key`), an admin's rule, and an amount that only one customer owes.
Evidence of *what*: the amount equals the named items or one residual, or a bounded
subset of residuals (oldest due first), or it does after an early-payment discount or a
bank charge within tolerance; else it is a partial payment, or an overpayment whose
excess stays as an advance.

A competing customer with real evidence of its own lowers the best one's confidence, and
two candidates (or two allocations) about as good make the proposal ambiguous: it is
never applied without a person.  Decision 045 gives the weights and the threshold.

Every lookup is done once for all lines (a fixed number of queries for any batch).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from itertools import combinations
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz

from cashloop.banking.choices import LineStatus, RuleAction
from cashloop.banking.models import MatchRule, PayerAccount, StatementLine
from cashloop.banking.normalise import (
    account_key,
    document_numbers,
    folded,
    payer_key,
    reference_tokens,
)
from cashloop.contracts.models import Contract
from cashloop.core.money import quantize, to_decimal
from cashloop.cpq.models import Quote
from cashloop.customers.matching import name_tokens
from cashloop.customers.models import Customer, CustomerNameToken
from cashloop.receivables.choices import OpenItemKind
from cashloop.receivables.models import Allocation, Installment, Invoice
from cashloop.receivables.services import OPEN_STATUSES, discount_due

ZERO = Decimal(0)
# Weights of each kind of evidence (decision 045).
WEIGHTS: dict[str, float] = {
    "invoice_number": 0.90,
    "contract_number": 0.80,
    "customer_code": 0.80,
    "quote_number": 0.60,
    "payer_account": 0.90,
    "rule": 0.90,
    "amount_only": 0.60,
    "amount_exact": 0.60,
    "amount_subset": 0.50,
    "amount_adjusted": 0.45,
}
NAME_STRONG, NAME_WEAK = 95.0, 85.0
NAME_WEIGHTS = {NAME_STRONG: 0.70, NAME_WEAK: 0.50}
# The payer's name is the customer's own name or legal name, once normalised (not an
# abbreviation, not merely alike): with an amount that fits, enough to act on (045).
NAME_SAME = 0.88
# A name is compared only with customers sharing at least this part of its name tokens.
NAME_TOKEN_SHARE = 0.5
# ... and at least this part of what the closest customer shares, the closest few of them.
NAME_TOKEN_NEAR, NAME_CANDIDATES = 0.8, 12
# A competitor below this confidence (a faint name likeness) does not lower the best.
COMPETITOR_FLOOR = 0.5
AMBIGUITY_MARGIN = 0.10
# Subset-sum: among at most this many open items (oldest due first).
SUBSET_ITEMS = 20
PROPOSALS_PER_LINE = 5

SENTENCES: dict[str, Any] = {
    "invoice_number": _("invoice number {number} in the remittance text"),
    "contract_number": _("contract number {number} in the remittance text"),
    "quote_number": _("quote number {number} in the remittance text"),
    "customer_code": _("customer code {code} in the remittance text"),
    "payer_account": _("payer account {account} seen before for this customer ({times}×)"),
    "payer_account_undone": _("payer account {account} was undone for this customer before"),
    "payer_name_same": _("payer name “{payer}” is the customer's name “{name}”"),
    "payer_name": _("payer name “{payer}” is like “{name}” ({score}%)"),
    "rule": _("rule “{name}”"),
    "amount_only": _("no other customer has an open item of this amount"),
    "amount_exact": _("amount equals the residual of {numbers}"),
    "amount_subset": _("amount equals the residuals of {numbers} together"),
    "discount": _("early-payment discount of {discount} on {number}"),
    "fee": _("difference of {fee} taken as a bank charge"),
    "partial": _("partial payment: {amount} of {open} open"),
    "advance": _("{advance} more than the open items: left as an advance"),
    "no_items": _("no open items: all of it left as an advance"),
    "conflict": _("the remittance text names a document of another customer"),
    "ambiguous": _("another customer fits about as well: {name}"),
    "competitor": _("evidence points to another customer too: {name}"),
    "ambiguous_allocation": _("two sets of open items fit the amount equally"),
    "manual": _("chosen by a person"),
}


@dataclass(frozen=True)
class Evidence:
    """One reason, stored as a code and its parameters and read as a translated sentence."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def sentence(self) -> str:
        template = SENTENCES.get(self.code)
        return str(template).format(**self.params) if template is not None else self.code

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Evidence:
        return cls(data["code"], dict(data.get("params") or {}))


@dataclass
class Proposal:
    """A customer, the allocations (核销) of the line's amount and what is left over.

    `fee` is what the payer's bank deducted (the customer is credited with amount + fee,
    the fee posted to `fee_account_id`); `discount` the early-payment discounts the
    allocations earn; `advance` what stays unapplied.  A rule that excludes the line has
    no customer and names `exclude_account_id`.
    """

    customer_id: int | None
    allocations: list[tuple[int, Decimal]] = field(default_factory=list)
    advance: Decimal = ZERO
    fee: Decimal = ZERO
    fee_account_id: int | None = None
    discount: Decimal = ZERO
    confidence: Decimal = ZERO
    evidence: list[Evidence] = field(default_factory=list)
    rule_id: int | None = None
    ambiguous: bool = False
    # A rule that says "suggest only" keeps even a certain proposal for a person.
    may_auto_apply: bool = True
    exclude_account_id: int | None = None

    @property
    def auto(self) -> bool:
        """Whether the engine may apply it alone (decision 045)."""
        return self.may_auto_apply and not self.ambiguous and self.confidence >= auto_threshold()

    def as_json(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "allocations": [[pk, str(amount)] for pk, amount in self.allocations],
            "advance": str(self.advance),
            "fee": str(self.fee),
            "fee_account_id": self.fee_account_id,
            "discount": str(self.discount),
            "confidence": str(self.confidence),
            "evidence": [item.as_json() for item in self.evidence],
            "rule_id": self.rule_id,
            "ambiguous": self.ambiguous,
            "may_auto_apply": self.may_auto_apply,
            "exclude_account_id": self.exclude_account_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Proposal:
        return cls(
            customer_id=data.get("customer_id"),
            allocations=[(int(pk), Decimal(amount)) for pk, amount in data.get("allocations", [])],
            advance=Decimal(data.get("advance", "0")),
            fee=Decimal(data.get("fee", "0")),
            fee_account_id=data.get("fee_account_id"),
            discount=Decimal(data.get("discount", "0")),
            confidence=Decimal(data.get("confidence", "0")),
            evidence=[Evidence.from_json(item) for item in data.get("evidence", [])],
            rule_id=data.get("rule_id"),
            ambiguous=bool(data.get("ambiguous")),
            may_auto_apply=bool(data.get("may_auto_apply", True)),
            exclude_account_id=data.get("exclude_account_id"),
        )


def auto_threshold() -> Decimal:
    return to_decimal(getattr(settings, "CASHLOOP_MATCH_AUTO_THRESHOLD", "0.95"))


def fee_tolerance() -> Decimal:
    """The largest difference taken as a bank charge without a rule saying more."""
    return to_decimal(getattr(settings, "CASHLOOP_BANK_FEE_TOLERANCE", "50.00"))


def rule_matches(rule: MatchRule, line: StatementLine) -> bool:
    """Whether all the conditions a rule gives hold for a line."""
    c = rule.conditions or {}
    amount = to_decimal(line.amount)
    if c.get("amount_min") not in (None, "") and amount < to_decimal(c["amount_min"]):
        return False
    if c.get("amount_max") not in (None, "") and amount > to_decimal(c["amount_max"]):
        return False
    if c.get("text_contains") and folded(c["text_contains"]) not in folded(line.reference):
        return False
    if c.get("regex") and not re.search(c["regex"], line.reference or "", re.IGNORECASE):
        return False
    if c.get("bank_account_id") and int(c["bank_account_id"]) != line.bank_account_id:
        return False
    if c.get("currency") and c["currency"].upper() != line.currency:
        return False
    payer = c.get("payer_contains")
    return not payer or folded(payer) in folded(line.payer_name)


@dataclass
class _Item:
    """An open installment as the fitting reads it."""

    pk: int
    invoice_id: int
    number: str
    contract_id: int | None
    due_date: date
    issue_date: date
    residual: Decimal
    discount: Decimal  # due if paid in full on the line's date

    @property
    def payable(self) -> Decimal:
        return self.residual - self.discount


class _Row(NamedTuple):
    """An open installment as read from the database (what `discount_due` reads too)."""

    pk: int
    invoice_id: int
    invoice__customer_id: int
    invoice__currency: str
    invoice__number: str
    invoice__issue_date: date
    invoice__plan_item__contract_id: int | None
    due_date: date
    residual: Decimal
    discount_amount: Decimal
    discount_until: date | None

    @property
    def customer_id(self) -> int:
        return self.invoice__customer_id

    @property
    def currency(self) -> str:
        return self.invoice__currency

    @property
    def number(self) -> str:
        return self.invoice__number

    @property
    def issue_date(self) -> date:
        return self.invoice__issue_date

    @property
    def contract_id(self) -> int | None:
        return self.invoice__plan_item__contract_id


@dataclass
class _Fit:
    allocations: list[tuple[_Item, Decimal]]
    advance: Decimal = ZERO
    fee: Decimal = ZERO
    evidence: list[Evidence] = field(default_factory=list)
    weight: float = 0.0
    ambiguous: bool = False
    # Spread oldest first without the text naming the items: which items it pays is a
    # guess, so a person confirms it, however sure the customer is.
    guessed: bool = False


@dataclass
class _Candidate:
    customer_id: int
    evidence: list[Evidence] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    named_invoices: set[int] = field(default_factory=set)
    named_contracts: set[int] = field(default_factory=set)
    conflict: bool = False
    # The payer-name likeness and the amount no one else owes, apart (0 when none): how
    # much each speaks against another candidate depends on that one's (see `_rival`).
    name_weight: float = 0.0
    amount_weight: float = 0.0

    def add(self, evidence: Evidence, weight: float) -> None:
        self.evidence.append(evidence)
        self.weights.append(weight)


def _combined(weights: Iterable[float]) -> float:
    doubt = 1.0
    for weight in weights:
        doubt *= 1.0 - weight
    return 1.0 - doubt


def _name_score(payer: str, name: str) -> float:
    if not payer or not name:
        return 0.0
    score = fuzz.ratio(payer, name)
    if min(len(payer), len(name)) >= 4:
        # An abbreviation ("星河科技" for "上海星河科技") scores a little under a full name.
        score = max(score, fuzz.partial_ratio(payer, name) * 0.97)
    return float(score)


class _Context:
    """Everything the engine needs about a batch of lines, read in a few queries."""

    def __init__(self, lines: Sequence[StatementLine]) -> None:
        self.lines = lines
        self.documents = {line.pk: document_numbers(line.reference) for line in lines}
        numbers = set().union(*self.documents.values()) if lines else set()
        self.invoices = {
            row["number"]: row
            for row in Invoice.objects.filter(number__in=[n for n in numbers if n[:3] == "INV"])
            .exclude(number="")
            .values("pk", "number", "customer_id")
        }
        self.contracts = {
            row["number"]: row
            for row in Contract.objects.filter(number__in=[n for n in numbers if n[:3] == "CON"])
            .exclude(number="")
            .values("pk", "number", "customer_id")
        }
        self.quotes = {
            row["number"]: row
            for row in Quote.objects.filter(
                number__in=[n for n in numbers if n[:3] == "QUO"], customer__isnull=False
            ).values("pk", "number", "customer_id")
        }
        self.tokens = {line.pk: reference_tokens(line.reference) for line in lines}
        all_tokens = set().union(*self.tokens.values()) if lines else set()
        self.codes: dict[str, Customer] = {
            customer.code.upper(): customer
            for customer in Customer.objects.annotate(upper_code=Upper("code"))
            .filter(upper_code__in=all_tokens, merged_into__isnull=True)
            .only("pk", "code", "name")
        }
        accounts = {account_key(line.payer_account) for line in lines} - {""}
        self.memory: dict[str, list[PayerAccount]] = defaultdict(list)
        for memo in PayerAccount.objects.filter(account_number__in=accounts):
            self.memory[memo.account_number].append(memo)
        self.payer_keys = {line.pk: payer_key(line.payer_name) for line in lines}
        self.name_candidates = self._name_candidates()
        self.rules = list(MatchRule.objects.filter(active=True).order_by("priority", "pk"))
        self.customers: dict[int, Customer] = {}
        self.earned: set[int] = set()
        self.named_rows: dict[tuple[int, str], list[_Row]] = {}
        self.installments: dict[tuple[int, str], list[_Row]] = {}
        self._items: dict[tuple[int, str, date], list[_Item]] = {}

    def _name_candidates(self) -> dict[int, list[int]]:
        """line id -> the customers whose name shares most of the payer's name tokens.

        Only the closest few are kept (the others could not pass the fuzzy comparison
        anyway): common pieces like "科技" or "上海" would otherwise bring in a fifth of the
        book and every one of its open items."""
        tokens_of = {pk: name_tokens(key) for pk, key in self.payer_keys.items() if key}
        wanted = set().union(*tokens_of.values()) if tokens_of else set()
        holders: dict[str, set[int]] = defaultdict(set)
        for token, customer_id in CustomerNameToken.objects.filter(token__in=wanted).values_list(
            "token", "customer_id"
        ):
            holders[token].add(customer_id)
        found: dict[int, list[int]] = {}
        for pk, tokens in tokens_of.items():
            counts: dict[int, int] = defaultdict(int)
            for token in tokens:
                for customer_id in holders.get(token, ()):
                    counts[customer_id] += 1
            if not counts:
                continue
            need = max(
                1,
                int(len(tokens) * NAME_TOKEN_SHARE),
                math.ceil(max(counts.values()) * NAME_TOKEN_NEAR),
            )
            ranked = sorted(((-n, cid) for cid, n in counts.items() if n >= need))
            found[pk] = [cid for _n, cid in ranked[:NAME_CANDIDATES]]
        return found

    def load_customers(self, ids: set[int]) -> None:
        """Add the customers `ids` not read yet (no query when there are none)."""
        missing = ids - self.customers.keys()
        if missing:
            self.customers.update(
                (c.pk, c)
                for c in Customer.objects.filter(pk__in=missing).only(
                    "pk", "code", "name", "legal_name", "aliases", "merged_into"
                )
            )

    def _read(self, **where: Any) -> list[_Row]:
        """Open installments as plain rows (a batch may bring tens of thousands, too many
        to build models of), oldest due first; and which of them earned a discount."""
        rows = [
            _Row(*values)
            for values in Installment.objects.filter(
                invoice__status__in=OPEN_STATUSES, residual__gt=0, **where
            )
            .order_by("due_date", "invoice__issue_date", "pk")
            .values_list(*_Row._fields)
        ]
        self.earned |= set(
            Allocation.objects.filter(
                installment__in=[row.pk for row in rows if row.discount_amount],
                kind=OpenItemKind.DISCOUNT,
                undone_by__isnull=True,
            ).values_list("installment_id", flat=True)
        )
        return rows

    def load_named(self, invoice_ids: set[int]) -> None:
        """The open installments of the invoices the texts name, per (customer, currency)."""
        self.named_rows = defaultdict(list)
        for row in self._read(invoice_id__in=invoice_ids) if invoice_ids else []:
            self.named_rows[(row.customer_id, row.currency)].append(row)

    def load_items(self, pairs: set[tuple[int, str]]) -> None:
        """All open installments of the candidate customers that need them, per (customer,
        currency); the others are fitted on the items their text names (`items`)."""
        customer_ids = {cid for cid, _currency in pairs}
        self.installments = defaultdict(list)
        for row in self._read(invoice__customer_id__in=customer_ids) if pairs else []:
            if (row.customer_id, row.currency) in pairs:
                self.installments[(row.customer_id, row.currency)].append(row)
        # What was read from the named invoices alone is read again in full.
        self._items = {key: items for key, items in self._items.items() if key[:2] not in pairs}

    def items(self, customer_id: int, currency: str, on: date) -> list[_Item]:
        """The customer's open items on `on`: all of them, or, for a customer whose every
        line here names exactly what it pays, the named ones (the rest cannot change the
        fit: `settled_by_named`)."""
        key = (customer_id, currency, on)
        if key not in self._items:
            rows = self.installments.get((customer_id, currency))
            if rows is None:
                rows = self.named_rows.get((customer_id, currency), [])
            self._items[key] = [
                _Item(
                    pk=row.pk,
                    invoice_id=row.invoice_id,
                    number=row.number,
                    contract_id=row.contract_id,
                    due_date=row.due_date,
                    issue_date=row.issue_date,
                    residual=quantize(row.residual, currency),
                    discount=quantize(
                        discount_due(row, on, earned=row.pk in self.earned),  # type: ignore[arg-type]
                        currency,
                    )
                    if row.discount_amount
                    else ZERO,
                )
                for row in rows
                if row.issue_date <= on
            ]
        return self._items[key]

    def settled_by_named(
        self, candidate: _Candidate, line: StatementLine, tolerance: Decimal
    ) -> bool:
        """Whether the invoices the text names, alone, fit the amount (exactly or after a
        bank charge): then `_fit` never looks at the customer's other items."""
        if not candidate.named_invoices or candidate.named_contracts:
            return False
        items = [
            item
            for item in self.items(candidate.customer_id, line.currency, line.booking_date)
            if item.invoice_id in candidate.named_invoices
        ]
        due = sum((item.payable for item in items), ZERO)
        gap = due - quantize(line.amount, line.currency)
        return bool(items) and ZERO <= gap <= tolerance


def _unique_amounts(lines: Sequence[StatementLine]) -> dict[int, int]:
    """line id -> the one customer owing an open item of exactly its amount (one query for
    the batch)."""
    if not lines:
        return {}
    owners: dict[tuple[Decimal, str], set[int]] = defaultdict(set)
    rows = Installment.objects.filter(
        residual__in={line.amount for line in lines},
        invoice__status__in=OPEN_STATUSES,
    ).values_list("residual", "invoice__currency", "invoice__customer_id")
    for residual, currency, customer_id in rows:
        owners[(residual, currency)].add(customer_id)
    found = {}
    for line in lines:
        who = owners.get((line.amount, line.currency), set())
        if len(who) == 1:
            found[line.pk] = next(iter(who))
    return found


def _subset(items: list[_Item], target: Decimal) -> tuple[list[_Item] | None, bool]:
    """The subset of two to four items (of the oldest SUBSET_ITEMS) whose payable amounts
    sum to `target`, oldest first; and whether another subset of the same due dates fits
    too (then the choice is ambiguous).

    Meet in the middle, in cents: the sums of all pairs are indexed once, and two, three
    or four items are a pair, an item and a pair, or two pairs (a few hundred lookups)."""
    pool = items[:SUBSET_ITEMS]
    cents = [int(item.payable.scaleb(2)) for item in pool]
    goal = int(target.scaleb(2))
    pairs: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for i, j in combinations(range(len(pool)), 2):
        pairs[cents[i] + cents[j]].append((i, j))
    found: list[tuple[int, ...]] = list(pairs.get(goal, ()))
    for i, value in enumerate(cents):
        found.extend((i, j, k) for j, k in pairs.get(goal - value, ()) if j > i)
    for total, firsts in pairs.items():
        if (seconds := pairs.get(goal - total)) is not None:
            found.extend((i, j, k, m) for i, j in firsts for k, m in seconds if k > j)
    if not found:
        return None, False
    # The first in index order pays the oldest items.
    found.sort()
    dues = [sorted(pool[index].due_date for index in subset) for subset in found[:2]]
    return [pool[index] for index in found[0]], len(found) > 1 and dues[0] == dues[1]


def _fit(items: list[_Item], candidate: _Candidate, amount: Decimal, tolerance: Decimal) -> _Fit:
    """Spread `amount` over the customer's open items, and say how well it fits."""
    if not items:
        return _Fit([], advance=amount, evidence=[Evidence("no_items")], guessed=True)
    named = [
        item
        for item in items
        if item.invoice_id in candidate.named_invoices
        or (item.contract_id is not None and item.contract_id in candidate.named_contracts)
    ]
    if named:
        due = sum((item.payable for item in named), ZERO)
        if amount == due:
            return _exact(named, "amount_exact")
        if ZERO < due - amount <= tolerance:
            return _with_fee(named, due - amount)
        others = [item for item in items if item not in named]
        # The text names one item and the amount is exactly another's: a typo in the
        # reference is as likely as a partial payment or an overpayment.
        typo = any(amount in (item.payable, item.residual) for item in others)
        if amount < due:
            fit = _oldest_first(named, amount)
            fit.ambiguous = typo
            return fit
        rest = amount - due
        more, ambiguous = _subset(others, rest)
        single = [item for item in others if item.payable == rest][:1]
        chosen = named + (single or more or [])
        fit = _exact(chosen, "amount_exact") if (single or more) else _oldest_first(named, amount)
        fit.ambiguous = (ambiguous and not single) or (typo and not single and not more)
        return fit
    # A payer may also pay the whole residual and not take a discount due.
    singles = [item for item in items if amount in (item.payable, item.residual)]
    if singles:
        fit = _exact(singles[:1], "amount_exact", amount)
        fit.ambiguous = len(singles) > 1 and singles[0].due_date == singles[1].due_date
        return fit
    # Or the whole of what is open on one invoice of several installments.
    by_invoice: dict[int, list[_Item]] = defaultdict(list)
    for item in items:
        by_invoice[item.invoice_id].append(item)
    whole = [
        group
        for group in by_invoice.values()
        if len(group) > 1 and sum((item.payable for item in group), ZERO) == amount
    ]
    if whole:
        fit = _exact(whole[0], "amount_exact")
        fit.ambiguous = len(whole) > 1
        return fit
    subset, ambiguous = _subset(items, amount)
    if subset:
        fit = _exact(subset, "amount_subset")
        fit.ambiguous = ambiguous
        return fit
    charged = [item for item in items if ZERO < item.payable - amount <= tolerance]
    if charged:
        best = min(charged, key=lambda item: (item.payable - amount, item.due_date))
        return _with_fee([best], best.payable - amount)
    fit = _oldest_first(items, amount)
    fit.guessed = True
    return fit


def _numbers(items: Iterable[_Item]) -> str:
    return ", ".join(dict.fromkeys(item.number for item in items))


def _exact(items: list[_Item], code: str, amount: Decimal | None = None) -> _Fit:
    """`amount`: one item paid whole, discount not taken."""
    if amount is not None and len(items) == 1 and amount == items[0].residual:
        items = [replace(items[0], discount=ZERO)]
    fit = _Fit([(item, item.payable) for item in items], weight=WEIGHTS[code])
    fit.evidence.append(Evidence(code, {"numbers": _numbers(items)}))
    fit.evidence.extend(_discounts(items))
    return fit


def _with_fee(items: list[_Item], fee: Decimal) -> _Fit:
    fit = _Fit([(item, item.payable) for item in items], fee=fee, weight=WEIGHTS["amount_adjusted"])
    fit.evidence.append(Evidence("amount_exact", {"numbers": _numbers(items)}))
    fit.evidence.append(Evidence("fee", {"fee": str(fee)}))
    fit.evidence.extend(_discounts(items))
    return fit


def _oldest_first(items: list[_Item], amount: Decimal) -> _Fit:
    left, allocations = amount, []
    for item in items:
        if left <= 0:
            break
        # Paying less than all of an item earns no discount: take from the residual.
        take = item.payable if left >= item.payable else left
        allocations.append((item, take))
        left -= take
    fit = _Fit(allocations, advance=left)
    open_total = sum((item.payable for item in items), ZERO)
    if left > 0:
        fit.evidence.append(Evidence("advance", {"advance": str(left)}))
    else:
        fit.evidence.append(Evidence("partial", {"amount": str(amount), "open": str(open_total)}))
    fit.evidence.extend(_discounts([item for item, take in allocations if take == item.payable]))
    return fit


def _discounts(items: Iterable[_Item]) -> list[Evidence]:
    return [
        Evidence("discount", {"discount": str(item.discount), "number": item.number})
        for item in items
        if item.discount
    ]


def line_proposals(
    lines: Sequence[StatementLine], *, rules: Sequence[MatchRule] | None = None
) -> dict[int, list[Proposal]]:
    """Proposals per incoming line, best first (empty when nothing points anywhere).

    `rules` replaces the active rules (a dry run of a changed rule)."""
    lines = [line for line in lines if line.amount > 0]
    context = _Context(lines)
    if rules is not None:
        context.rules = list(rules)
    candidates: dict[int, dict[int, _Candidate]] = {}
    settings_of: dict[int, tuple[Decimal, int | None, MatchRule | None]] = {}
    excluded: dict[int, Proposal] = {}
    only_owner = _unique_amounts(lines)
    named_of: dict[int, set[int]] = {}
    for line in lines:
        found: dict[int, _Candidate] = {}

        def of(customer_id: int, found: dict[int, _Candidate] = found) -> _Candidate:
            return found.setdefault(customer_id, _Candidate(customer_id))

        for number in sorted(context.documents[line.pk]):
            if (row := context.invoices.get(number)) is not None:
                candidate = of(row["customer_id"])
                candidate.add(
                    Evidence("invoice_number", {"number": number}), WEIGHTS["invoice_number"]
                )
                candidate.named_invoices.add(row["pk"])
            elif (row := context.contracts.get(number)) is not None:
                candidate = of(row["customer_id"])
                candidate.add(
                    Evidence("contract_number", {"number": number}), WEIGHTS["contract_number"]
                )
                candidate.named_contracts.add(row["pk"])
            elif (row := context.quotes.get(number)) is not None:
                of(row["customer_id"]).add(
                    Evidence("quote_number", {"number": number}), WEIGHTS["quote_number"]
                )
        named_by_documents = set(found)
        named_of[line.pk] = named_by_documents
        for token in sorted(context.tokens[line.pk]):
            if (customer := context.codes.get(token)) is not None:
                of(customer.pk).add(
                    Evidence("customer_code", {"code": customer.code}), WEIGHTS["customer_code"]
                )
        key = account_key(line.payer_account)
        for memo in context.memory.get(key, []):
            net = memo.confirmed - memo.rejected
            if net > 0:
                weight = WEIGHTS["payer_account"] if net > 1 else WEIGHTS["payer_account"] - 0.1
                of(memo.customer_id).add(
                    Evidence("payer_account", {"account": line.payer_account, "times": net}), weight
                )
            elif memo.rejected and memo.customer_id in found:
                found[memo.customer_id].evidence.append(
                    Evidence("payer_account_undone", {"account": line.payer_account})
                )
        for customer_id in context.name_candidates.get(line.pk, []):
            of(customer_id)
        rule = next((r for r in context.rules if rule_matches(r, line)), None)
        tolerance, fee_account = fee_tolerance(), None
        if rule is not None:
            rule_evidence = Evidence("rule", {"name": rule.name})
            if rule.action == RuleAction.EXCLUDE:
                excluded[line.pk] = Proposal(
                    customer_id=None,
                    confidence=Decimal("1.0000"),
                    evidence=[rule_evidence],
                    rule_id=rule.pk,
                    may_auto_apply=rule.auto_apply,
                    exclude_account_id=rule.account_id,
                )
            elif rule.action == RuleAction.WRITE_OFF:
                tolerance, fee_account = to_decimal(rule.tolerance), rule.account_id
            elif rule.customer_id is not None:
                of(rule.customer_id).add(rule_evidence, WEIGHTS["rule"])
        settings_of[line.pk] = (tolerance, fee_account, rule)
        if (owner := only_owner.get(line.pk)) is not None:
            of(owner).add(Evidence("amount_only"), WEIGHTS["amount_only"])
            of(owner).amount_weight = WEIGHTS["amount_only"]
        for candidate in found.values():
            # A document of one customer in the text speaks against every other one.
            if named_by_documents and candidate.customer_id not in named_by_documents:
                candidate.conflict = True
        candidates[line.pk] = found
    # Who the evidence points to is known before any open item is read, so that only the
    # customers some evidence names have theirs loaded.
    context.load_customers({cid for found in candidates.values() for cid in found})
    for line in lines:
        found = candidates[line.pk]
        for customer_id in list(found):
            customer = context.customers.get(customer_id)
            if customer is None or customer.merged_into_id is not None:
                del found[customer_id]
                continue
            _name_evidence(found[customer_id], customer, context.payer_keys[line.pk], line)
            if not found[customer_id].weights:
                del found[customer_id]
    named_names = {
        line.pk: max(
            (c.name_weight for cid, c in candidates[line.pk].items() if cid in named_of[line.pk]),
            default=0.0,
        )
        for line in lines
    }
    context.load_named(
        {pk for found in candidates.values() for c in found.values() for pk in c.named_invoices}
    )
    context.load_items(
        {
            (cid, line.currency)
            for line in lines
            for cid, candidate in candidates[line.pk].items()
            if not context.settled_by_named(candidate, line, settings_of[line.pk][0])
        }
    )

    result: dict[int, list[Proposal]] = {}
    for line in lines:
        tolerance, fee_account, rule = settings_of[line.pk]
        proposals = []
        rivals: dict[int, _Rival] = {}
        for candidate in candidates[line.pk].values():
            customer = context.customers.get(candidate.customer_id)
            if customer is None or customer.merged_into_id is not None:
                continue
            items = context.items(candidate.customer_id, line.currency, line.booking_date)
            fit = _fit(items, candidate, quantize(line.amount, line.currency), tolerance)
            score = _combined([*candidate.weights, fit.weight])
            who = list(candidate.weights)
            for apart in (candidate.name_weight, candidate.amount_weight):
                if apart:
                    who.remove(apart)
            rivals[candidate.customer_id] = _Rival(
                who=_combined(who),
                amount=_combined([candidate.amount_weight, fit.weight]),
                name=candidate.name_weight,
                conflict=candidate.conflict,
            )
            if candidate.conflict:
                candidate.evidence.append(Evidence("conflict"))
                # Unless the payer's name is closer to this customer than to the one the
                # document belongs to: then the document is more likely a typo.
                if candidate.name_weight <= named_names[line.pk]:
                    score *= 0.5
            proposal = Proposal(
                customer_id=candidate.customer_id,
                allocations=[(item.pk, take) for item, take in fit.allocations],
                advance=fit.advance,
                fee=fit.fee,
                fee_account_id=fee_account if fit.fee else None,
                discount=sum(
                    (item.discount for item, take in fit.allocations if take == item.payable),
                    ZERO,
                ),
                confidence=Decimal(str(round(score, 4))),
                evidence=[*candidate.evidence, *fit.evidence],
                rule_id=rule.pk if rule is not None and rule.action != RuleAction.EXCLUDE else None,
                ambiguous=fit.ambiguous,
                may_auto_apply=(rule.auto_apply if rule is not None else True) and not fit.guessed,
            )
            if fit.ambiguous:
                proposal.evidence.append(Evidence("ambiguous_allocation"))
            proposals.append(proposal)
        proposals.sort(key=lambda p: (-p.confidence, p.customer_id))
        _weigh_competitors(proposals, rivals, context)
        if line.pk in excluded:
            proposals.insert(0, excluded[line.pk])
        result[line.pk] = proposals[:PROPOSALS_PER_LINE]
    return result


def _name_evidence(
    candidate: _Candidate, customer: Customer, payer: str, line: StatementLine
) -> None:
    best, shown, same = 0.0, "", False
    for name in (customer.name, customer.legal_name, *customer.alias_list):
        key = payer_key(name)
        score = _name_score(payer, key)
        if score > best:
            best, shown = score, name
        same = same or (bool(payer) and payer == key)
    if same:
        evidence = Evidence("payer_name_same", {"payer": line.payer_name, "name": shown})
        candidate.add(evidence, NAME_SAME)
        candidate.name_weight = NAME_SAME
        return
    for threshold in (NAME_STRONG, NAME_WEAK):
        if best >= threshold:
            candidate.add(
                Evidence(
                    "payer_name", {"payer": line.payer_name, "name": shown, "score": int(best)}
                ),
                NAME_WEIGHTS[threshold],
            )
            candidate.name_weight = NAME_WEIGHTS[threshold]
            return


def _weigh_competitors(
    proposals: list[Proposal], rivals: dict[int, _Rival], context: _Context
) -> None:
    """The best proposal is ambiguous when another is about as good, and loses what a
    competitor's own evidence has beyond a faint likeness (counted before the competitor
    was itself lowered for contradicting a document: both sides of a conflict lose).

    `rivals`: what each candidate has, by kind (see `_Rival.against`)."""
    if len(proposals) < 2:
        return
    best, second = proposals[0], proposals[1]

    name = getattr(context.customers.get(second.customer_id or 0), "name", "")
    if second.confidence >= best.confidence - Decimal(str(AMBIGUITY_MARGIN)):
        best.ambiguous = True
        best.evidence.append(Evidence("ambiguous", {"name": name}))
    nobody = _Rival(0.0, 0.0, 0.0, False)
    own_name = rivals.get(best.customer_id or 0, nobody).name
    rival = max(rivals.get(p.customer_id or 0, nobody).against(own_name) for p in proposals[1:])
    if rival > COMPETITOR_FLOOR:
        lowered = Decimal(str(round(float(best.confidence) * (1.5 - rival), 4)))
        # Lowered, it stays first (its evidence ranked it so) but no surer than the second.
        best.confidence = max(lowered, second.confidence)
        if not best.ambiguous:
            best.evidence.append(Evidence("competitor", {"name": name}))
            if best.confidence == second.confidence:
                best.ambiguous = True


class _Rival(NamedTuple):
    """A candidate's evidence by kind: who it is (documents, accounts, codes, rules), the
    amount (no one else owes it; how it fits), the payer's name, and whether a document
    in the text belongs to another customer."""

    who: float
    amount: float
    name: float
    conflict: bool

    def against(self, own_name: float) -> float:
        """How much this candidate's evidence speaks against the best one.

        A payer name that fits the best at least as well is no evidence for this one: an
        abbreviation like "东方科技" fits every city's 东方科技 alike, and only the rest
        tells them apart.  And when the text names the best one's document and the name
        is no closer to this one, an amount that happens to be this one's is a
        coincidence the document and the name contradict; an account or a code is not.
        A typo in the reference is the opposite case: the name points here, both lose."""
        if self.name > own_name:
            return _combined([self.who, self.amount, self.name])
        return self.who if self.conflict else _combined([self.who, self.amount])


def lines_for_matching(ids: Sequence[int]) -> list[StatementLine]:
    """The incoming lines among `ids` still waiting to be recognised."""
    return list(
        StatementLine.objects.filter(
            status__in=[LineStatus.UNMATCHED, LineStatus.SUGGESTED], pk__in=ids, amount__gt=0
        ).order_by("pk")
    )
