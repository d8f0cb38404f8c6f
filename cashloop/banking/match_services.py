"""Writes of recognition (认款): a statement line becomes customer payments, or is posted
to an account, and either can be undone.

A match makes one receivables `Payment` per customer part (dated the booking date, debiting
the bank account's own ledger account), allocates it (核销) to the chosen installments
through `receivables.services`, and leaves the rest as an advance; a bank charge within
tolerance is posted with the payment.  Undoing undoes the allocations, voids the payments
and teaches the payer-account memory.  The engine (`matching.line_proposals`) decides
nothing here: `statement_lines_auto_match` applies only what it calls unambiguous and
above the threshold, and stores the best proposal on every other line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from cashloop.banking.choices import LineStatus, RuleAction
from cashloop.banking.match_errors import MatchError
from cashloop.banking.matching import (
    Evidence,
    Proposal,
    fee_tolerance,
    line_proposals,
    lines_for_matching,
)
from cashloop.banking.models import LineMatch, MatchRule, PayerAccount, StatementLine
from cashloop.banking.normalise import account_key
from cashloop.core.audit import audit_record, audit_snapshot
from cashloop.core.errors import DomainError
from cashloop.core.models import AuditAction
from cashloop.core.money import base_currency, quantize, to_decimal
from cashloop.core.scoping import require
from cashloop.customers.models import Customer
from cashloop.identity.models import User
from cashloop.ledger.choices import PostingReason
from cashloop.ledger.models import Account, JournalEntry
from cashloop.ledger.services import PostingLine, journal_entry_post, journal_entry_reversal_post
from cashloop.receivables.choices import OpenItemKind
from cashloop.receivables.models import Allocation
from cashloop.receivables.services import (
    allocation_create,
    allocation_undo,
    payment_auto_allocate,
    payment_create,
    payment_void,
)

OPEN = (LineStatus.UNMATCHED, LineStatus.SUGGESTED)
RULE_CONDITIONS = frozenset(
    {
        "amount_min",
        "amount_max",
        "text_contains",
        "regex",
        "bank_account_id",
        "currency",
        "payer_contains",
    }
)


@dataclass(frozen=True)
class MatchPart:
    """One customer's share of a line: `amount` of the line's money, allocated to
    installments as given, the rest left as an advance; `charges` what the payer's bank
    kept (the customer is credited amount + charges)."""

    customer_id: int
    amount: Decimal
    allocations: Sequence[tuple[int, Decimal]] = ()
    charges: Decimal = Decimal(0)
    charges_account_id: int | None = None
    rate: Decimal | None = None
    evidence: Sequence[Evidence] = ()
    confidence: Decimal | None = None
    rule_id: int | None = None
    # No allocations given: apply to the customer's open items oldest due first (else
    # all of it stays as an advance).
    oldest_first: bool = False

    @classmethod
    def of(cls, proposal: Proposal, amount: Decimal) -> MatchPart:
        assert proposal.customer_id is not None
        return cls(
            customer_id=proposal.customer_id,
            amount=amount,
            allocations=proposal.allocations,
            charges=proposal.fee,
            charges_account_id=proposal.fee_account_id,
            evidence=proposal.evidence,
            confidence=proposal.confidence,
            rule_id=proposal.rule_id,
        )


@dataclass
class AutoMatchResult:
    applied: list[int] = field(default_factory=list)
    suggested: list[int] = field(default_factory=list)
    unmatched: list[int] = field(default_factory=list)


def _line_locked(line_id: int) -> StatementLine:
    line = (
        StatementLine.objects.select_for_update()
        .select_related("bank_account")
        .filter(pk=line_id)
        .first()
    )
    if line is None:
        raise DomainError(MatchError.LINE_NOT_FOUND)
    return line


def _open_line(line_id: int) -> StatementLine:
    line = _line_locked(line_id)
    if line.amount <= 0:
        raise DomainError(MatchError.NOT_INCOMING)
    if line.status not in OPEN:
        raise DomainError(MatchError.LINE_NOT_OPEN, status=line.get_status_display())
    return line


def _check_parts(line: StatementLine, parts: Sequence[MatchPart]) -> None:
    if not parts:
        raise DomainError(MatchError.NO_PARTS)
    total = Decimal(0)
    for n, part in enumerate(parts, 1):
        amount, charges = to_decimal(part.amount), to_decimal(part.charges)
        if amount <= 0 or charges < 0:
            raise DomainError(MatchError.PART_AMOUNT, part=n)
        limit = fee_tolerance()
        if charges > limit and part.rule_id is None:
            raise DomainError(
                MatchError.CHARGES_OVER_TOLERANCE, part=n, charges=charges, tolerance=limit
            )
        allocated = sum((to_decimal(value) for _pk, value in part.allocations), Decimal(0))
        if allocated > amount + charges:
            raise DomainError(
                MatchError.OVER_ALLOCATED, part=n, allocated=allocated, amount=amount + charges
            )
        total += amount
    if total != line.amount:
        raise DomainError(MatchError.PARTS_SUM, total=total, amount=line.amount)


def _remember(customer_id: int, account: str, on: Any, *, confirmed: int, rejected: int) -> None:
    key = account_key(account)
    if not key:
        return
    memo, _created = PayerAccount.objects.get_or_create(account_number=key, customer_id=customer_id)
    PayerAccount.objects.filter(pk=memo.pk).update(
        confirmed=F("confirmed") + confirmed, rejected=F("rejected") + rejected, last_seen=on
    )


@transaction.atomic
def statement_line_match(
    *, actor: User, line_id: int, parts: Sequence[MatchPart], auto: bool = False
) -> list[LineMatch]:
    """Recognise a line as payments of one or more customers (认款) and allocate them (核销).

    Refused, with nothing changed: a line not waiting (matched, excluded, money out),
    parts that do not add up to the line, more allocated than paid, a bank charge over
    the tolerance; and whatever receivables refuses (another customer's installment, an
    installment not open, a foreign-currency part without its rate ...).
    """
    require(actor, "change", StatementLine)
    line = _open_line(line_id)
    _check_parts(line, parts)
    before = audit_snapshot(line)
    made = []
    for part in parts:
        payment = payment_create(
            actor=actor,
            customer_id=part.customer_id,
            amount=to_decimal(part.amount) + to_decimal(part.charges),
            currency=line.currency,
            payment_date=line.booking_date,
            rate=part.rate,
            bank_reference=(line.bank_ref or line.reference)[:100],
            payer_name=line.payer_name[:200],
            payer_account=line.payer_account[:60],
            memo=line.reference[:500],
            ledger_account_id=line.bank_account.ledger_account_id,
            charges=to_decimal(part.charges),
            charges_account_id=part.charges_account_id,
        )
        for installment_id, value in part.allocations:
            allocation_create(
                actor=actor,
                installment_id=installment_id,
                amount=to_decimal(value),
                payment_id=payment.pk,
                allocation_date=line.booking_date,
            )
        if part.oldest_first and not part.allocations:
            payment_auto_allocate(
                actor=actor, payment_id=payment.pk, allocation_date=line.booking_date
            )
        match = LineMatch.objects.create(
            line=line,
            customer_id=part.customer_id,
            payment=payment,
            amount=to_decimal(part.amount),
            auto=auto,
            rule_id=part.rule_id,
            confidence=part.confidence,
            evidence=[item.as_json() for item in part.evidence] or [Evidence("manual").as_json()],
            created_by=actor,
        )
        _remember(part.customer_id, line.payer_account, line.booking_date, confirmed=1, rejected=0)
        audit_record(actor=actor, instance=match, action=AuditAction.CREATE)
        made.append(match)
    line.status = LineStatus.MATCHED
    if parts[0].confidence is not None:
        line.confidence = parts[0].confidence
    line.save(update_fields=["status", "confidence", "updated_at"])
    audit_record(actor=actor, instance=line, action=AuditAction.UPDATE, before=before)
    return made


@transaction.atomic
def statement_line_unmatch(*, actor: User, match_id: int) -> StatementLine:
    """Undo a recognition: the line's matches (a line is recognised whole or not at all)
    lose their allocations and their payments are voided; the rows stay, marked undone,
    and each payer account they remembered counts one rejection."""
    require(actor, "change", StatementLine)
    match = LineMatch.objects.restrict(actor, "view").filter(pk=match_id).first()
    if match is None:
        raise DomainError(MatchError.MATCH_NOT_FOUND)
    line = _line_locked(match.line_id)
    if match.undone_at is not None:
        raise DomainError(MatchError.ALREADY_UNDONE)
    before = audit_snapshot(line)
    today = timezone.localdate()
    live = list(line.matches.filter(undone_at__isnull=True).select_related("payment"))
    for each in live:
        applied = Allocation.objects.filter(
            payment=each.payment, kind=OpenItemKind.ALLOCATION, undone_by__isnull=True
        ).order_by("-pk")
        for allocation in applied:
            allocation_undo(actor=actor, allocation_id=allocation.pk)
        payment_void(
            actor=actor,
            payment_id=each.payment_id,
            void_date=today,
            # In the language of the person undoing it: it is read on the payment's page.
            memo=gettext("Statement line %(line)s was unmatched.") % {"line": line.pk},
        )
        each_before = audit_snapshot(each)
        each.undone_at, each.undone_by = timezone.now(), actor
        each.save(update_fields=["undone_at", "undone_by"])
        audit_record(actor=actor, instance=each, action=AuditAction.UPDATE, before=each_before)
        _remember(each.customer_id, line.payer_account, line.booking_date, confirmed=0, rejected=1)
    line.status = LineStatus.UNMATCHED
    line.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, instance=line, action=AuditAction.UPDATE, before=before)
    return line


def _line_base(line: StatementLine, rate: Decimal | None) -> Decimal | None:
    base = base_currency()
    if line.currency == base:
        return None
    if rate is None or to_decimal(rate) <= 0:
        raise DomainError(MatchError.RATE_REQUIRED, currency=line.currency, base=base)
    return quantize(line.amount * to_decimal(rate), base)


@transaction.atomic
def statement_line_exclude(
    *,
    actor: User,
    line_id: int,
    account_id: int,
    memo: str = "",
    rate: Decimal | None = None,
    rule_id: int | None = None,
) -> StatementLine:
    """Post a line that is not a customer payment (interest, a transfer between own
    accounts, a supplier's refund) to an account: Dr bank / Cr the account."""
    require(actor, "change", StatementLine)
    line = _open_line(line_id)
    account = Account.objects.filter(pk=account_id, is_active=True).first()
    if account is None or account.pk == line.bank_account.ledger_account_id:
        raise DomainError(MatchError.ACCOUNT_NOT_FOUND)
    before = audit_snapshot(line)
    base_amount = _line_base(line, rate)
    # Excluded again after being taken back: a new entry, not the reversed one.
    key = f"statement_line:{line.pk}:exclude"
    bank = Account.objects.get(pk=line.bank_account.ledger_account_id)
    line.journal_entry = journal_entry_post(
        actor=actor,
        entry_date=line.booking_date,
        reason=PostingReason.MANUAL,
        lines=[
            PostingLine(bank, line.amount, line.currency, base_amount),
            PostingLine(
                account,
                -line.amount,
                line.currency,
                None if base_amount is None else -base_amount,
            ),
        ],
        idempotency_key=f"{key}:{JournalEntry.objects.filter(idempotency_key__startswith=key).count()}",
        source=line,
        memo=(memo or line.reference or line.payer_name)[:500],
    )
    line.status, line.excluded_account = LineStatus.EXCLUDED, account
    if rule_id is not None:
        line.proposal = {**line.proposal, "excluded_by_rule": rule_id}
    line.save(
        update_fields=["status", "excluded_account", "journal_entry", "proposal", "updated_at"]
    )
    audit_record(actor=actor, instance=line, action=AuditAction.UPDATE, before=before)
    return line


@transaction.atomic
def statement_line_unexclude(*, actor: User, line_id: int) -> StatementLine:
    """Take back an exclusion: the entry is reversed and the line waits again."""
    require(actor, "change", StatementLine)
    line = _line_locked(line_id)
    if line.status != LineStatus.EXCLUDED or line.journal_entry is None:
        raise DomainError(MatchError.NOT_EXCLUDED)
    before = audit_snapshot(line)
    journal_entry_reversal_post(
        actor=actor, original=line.journal_entry, entry_date=timezone.localdate()
    )
    line.status, line.excluded_account, line.journal_entry = LineStatus.UNMATCHED, None, None
    line.save(update_fields=["status", "excluded_account", "journal_entry", "updated_at"])
    audit_record(actor=actor, instance=line, action=AuditAction.UPDATE, before=before)
    return line


def _apply(actor: User, line: StatementLine, proposal: Proposal) -> None:
    if proposal.exclude_account_id is not None:
        statement_line_exclude(
            actor=actor,
            line_id=line.pk,
            account_id=proposal.exclude_account_id,
            rule_id=proposal.rule_id,
        )
    else:
        statement_line_match(
            actor=actor,
            line_id=line.pk,
            parts=[MatchPart.of(proposal, line.amount)],
            auto=True,
        )


def statement_lines_auto_match(*, actor: User | None, line_ids: Sequence[int]) -> AutoMatchResult:
    """Run the engine over lines waiting: apply the unambiguous proposals above the
    threshold, store the best proposals on the others (SUGGESTED).

    Without an actor (the background task) the engine acts as the person who imported the
    line; whatever that person may not do, or receivables refuses, stays a suggestion.
    Each line is applied in its own transaction, so one refusal stops nothing else.  A
    line whose match a person undid is never applied by the engine again, only suggested.
    """
    if actor is not None:
        require(actor, "change", StatementLine)
    result = AutoMatchResult()
    lines = lines_for_matching(line_ids)
    proposals = line_proposals(lines)
    importers = dict(
        StatementLine.objects.filter(pk__in=[line.pk for line in lines]).values_list(
            "pk", "statement_import__created_by"
        )
    )
    users = User.objects.in_bulk({pk for pk in importers.values() if pk is not None})
    # A person undid the engine's choice on these once: from now on it only suggests.
    undone = set(
        LineMatch.objects.filter(
            line_id__in=[line.pk for line in lines], undone_at__isnull=False
        ).values_list("line_id", flat=True)
    )
    waiting = []
    for line in lines:
        found = proposals.get(line.pk, [])
        best = found[0] if found else None
        acting = actor or users.get(importers.get(line.pk) or 0)
        if best is not None and best.auto and acting is not None and line.pk not in undone:
            try:
                _apply(acting, line, best)
            except DomainError:
                pass
            else:
                result.applied.append(line.pk)
                continue
        line.proposal = {"proposals": [p.as_json() for p in found]} if found else {}
        line.confidence = best.confidence if best else None
        line.status = LineStatus.SUGGESTED if found else LineStatus.UNMATCHED
        (result.suggested if found else result.unmatched).append(line.pk)
        waiting.append(line)
    with transaction.atomic():
        # Only lines still waiting: a person may have matched one meanwhile.
        for line in waiting:
            StatementLine.objects.filter(pk=line.pk, status__in=OPEN).update(
                proposal=line.proposal,
                confidence=line.confidence,
                status=line.status,
                updated_at=timezone.now(),
            )
    return result


def match_rule_check(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Check what a rule is given; raise `match_rule.invalid` with the reason."""
    conditions = dict(fields.get("conditions") or {})
    unknown = set(conditions) - RULE_CONDITIONS
    if unknown:
        raise DomainError(MatchError.RULE_INVALID, reason=", ".join(sorted(unknown)))
    if conditions.get("regex"):
        try:
            re.compile(conditions["regex"])
        except re.error as exc:
            raise DomainError(MatchError.RULE_INVALID, reason=f"regex: {exc}") from None
    for key in ("amount_min", "amount_max"):
        if conditions.get(key) not in (None, ""):
            try:
                conditions[key] = str(to_decimal(conditions[key]))
            except Exception:
                raise DomainError(MatchError.RULE_INVALID, reason=key) from None
    if not conditions:
        raise DomainError(MatchError.RULE_INVALID, reason="no conditions")
    action = fields.get("action")
    if action not in RuleAction.values:
        raise DomainError(MatchError.RULE_INVALID, reason="action")
    needs_customer = action in (RuleAction.ASSIGN_CUSTOMER, RuleAction.PROPOSE)
    if needs_customer and not fields.get("customer_id"):
        raise DomainError(MatchError.RULE_INVALID, reason="customer")
    if not needs_customer and not fields.get("account_id"):
        raise DomainError(MatchError.RULE_INVALID, reason="account")
    if (
        fields.get("account_id")
        and not Account.objects.filter(pk=fields["account_id"], is_active=True).exists()
    ):
        raise DomainError(MatchError.RULE_INVALID, reason="account")
    if to_decimal(fields.get("tolerance") or 0) < 0:
        raise DomainError(MatchError.RULE_INVALID, reason="tolerance")
    if not str(fields.get("name") or "").strip():
        raise DomainError(MatchError.RULE_INVALID, reason="name")
    return {**fields, "conditions": conditions}


RULE_FIELDS = ("name", "priority", "active", "conditions", "action", "customer_id")
RULE_FIELDS_MORE = ("account_id", "tolerance", "auto_apply")


@transaction.atomic
def match_rule_create(*, actor: User, **fields: Any) -> MatchRule:
    require(actor, "add", MatchRule)
    checked = match_rule_check(fields)
    rule = MatchRule(
        **{k: v for k, v in checked.items() if k in RULE_FIELDS + RULE_FIELDS_MORE},
        created_by=actor,
    )
    rule.save()
    audit_record(actor=actor, instance=rule, action=AuditAction.CREATE)
    return rule


@transaction.atomic
def match_rule_update(*, actor: User, rule_id: int, **fields: Any) -> MatchRule:
    require(actor, "change", MatchRule)
    rule = MatchRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise DomainError(MatchError.RULE_NOT_FOUND)
    before = audit_snapshot(rule)
    current = {name: getattr(rule, name) for name in RULE_FIELDS + RULE_FIELDS_MORE}
    checked = match_rule_check({**current, **fields})
    for name in RULE_FIELDS + RULE_FIELDS_MORE:
        setattr(rule, name, checked[name])
    rule.save()
    audit_record(actor=actor, instance=rule, action=AuditAction.UPDATE, before=before)
    return rule


@dataclass
class DryRun:
    checked: int = 0
    count: int = 0  # lines that would change; `changed` lists the first of them
    changed: list[dict[str, Any]] = field(default_factory=list)


def _decision(proposals: list[Proposal]) -> tuple[str, int | None]:
    if not proposals:
        return ("none", None)
    best = proposals[0]
    if best.exclude_account_id is not None:
        return ("exclude", best.exclude_account_id)
    return ("customer", best.customer_id)


def _decision_names(
    actor: User, decisions: Sequence[tuple[str, int | None]]
) -> dict[tuple[str, int | None], str]:
    """(kind, id) -> what a person reads: the customer's name, or the account's code and
    name; a customer the actor may not see is named by nothing more than its id."""
    wanted: dict[str, set[int]] = {"customer": set(), "exclude": set()}
    for kind, pk in decisions:
        if pk is not None:
            wanted[kind].add(pk)
    customers = Customer.objects.restrict(actor, "view").filter(pk__in=wanted["customer"])
    accounts = Account.objects.filter(pk__in=wanted["exclude"])
    return {
        **{("customer", c.pk): c.name for c in customers.only("pk", "name")},
        **{("exclude", a.pk): str(a) for a in accounts},
    }


def match_rule_dry_run(
    *, actor: User, rule: MatchRule, months: int = 3, limit: int = 100
) -> DryRun:
    """What a rule (new or changed, not saved) would change on the lines recognised or
    excluded in the last `months`: per line, the engine's first choice with today's rules
    and with this rule in their place, where they differ.

    Each change names the line (date, amount, currency, payer) and both choices by kind,
    id and name (the customer, or the account a line would be posted to)."""
    require(actor, "view", MatchRule)
    since = timezone.localdate() - timedelta(days=31 * months)
    lines = list(
        StatementLine.objects.filter(
            status__in=[LineStatus.MATCHED, LineStatus.EXCLUDED], booking_date__gte=since
        ).order_by("pk")
    )
    current = list(MatchRule.objects.filter(active=True).order_by("priority", "pk"))
    changed = [r for r in current if r.pk != rule.pk]
    if rule.active:
        changed.append(rule)
    changed.sort(key=lambda r: (r.priority, r.pk or 0))
    before = line_proposals(lines, rules=current)
    after = line_proposals(lines, rules=changed)
    report = DryRun(checked=len(lines))
    differ = []
    for line in lines:
        was, will = _decision(before.get(line.pk, [])), _decision(after.get(line.pk, []))
        if was != will:
            differ.append((line, was, will))
    report.count = len(differ)
    shown = differ[:limit]
    names = _decision_names(actor, [d for _line, was, will in shown for d in (was, will)])
    report.changed = [
        {
            "line_id": line.pk,
            "booking_date": line.booking_date.isoformat(),
            "amount": str(quantize(line.amount, line.currency)),
            "currency": line.currency,
            "payer_name": line.payer_name,
            "before": {"kind": was[0], "id": was[1], "name": names.get(was, "")},
            "after": {"kind": will[0], "id": will[1], "name": names.get(will, "")},
        }
        for line, was, will in shown
    ]
    return report
