"""Recognition (认款) endpoints: /api/v1/recognition (the queue, proposals explained,
match, unmatch, exclude, an auto-match run, what the engine applied) and
/api/v1/match-rules (rules and their dry run).

Every write goes through `banking.match_services`, every read through `match_selectors`;
amounts are decimal strings.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from cashloop.banking import match_selectors as selectors
from cashloop.banking import match_services as services
from cashloop.banking.match_errors import MatchError
from cashloop.banking.matching import Evidence
from cashloop.banking.models import MatchRule
from cashloop.core.errors import DomainError
from cashloop.core.pagination import paginated
from cashloop.core.schemas import InSchema
from cashloop.core.scoping import require

recognition_router = Router(tags=["recognition"])
match_rules_router = Router(tags=["recognition"])

Amount = Annotated[Decimal, Field(gt=Decimal("-1e15"), lt=Decimal("1e15"))]
AUTO_MATCH_MAX = 5000


# --- schemas ------------------------------------------------------------------------------


class AllocationPartIn(InSchema):
    installment_id: int
    amount: Amount


class MatchPartIn(InSchema):
    customer_id: int
    amount: Amount
    allocations: list[AllocationPartIn] = []
    charges: Amount = Decimal(0)
    charges_account_id: int | None = None
    rate: Decimal | None = None


class MatchIn(InSchema):
    parts: list[MatchPartIn]
    # The engine's proposal confirmed as it was (its evidence is kept with the match).
    proposal_index: int | None = None


class ExcludeIn(InSchema):
    account_id: int
    memo: str = ""
    rate: Decimal | None = None


class AutoMatchIn(InSchema):
    line_ids: list[int] | None = Field(
        None, description=f"None: every line waiting (at most {AUTO_MATCH_MAX})."
    )


class AutoMatchOut(Schema):
    applied: list[int]
    suggested: list[int]
    unmatched: list[int]


class EvidenceOut(Schema):
    code: str
    params: dict[str, Any]
    sentence: str


class MatchAllocationOut(Schema):
    installment_id: int
    invoice: str
    invoice_id: int | None
    amount: str
    due_date: dt.date | None


class ProposalOut(Schema):
    customer_id: int | None
    customer_name: str
    allocations: list[MatchAllocationOut]
    advance: str
    fee: str
    discount: str
    confidence: str
    ambiguous: bool
    auto: bool
    rule_id: int | None
    exclude_account_id: int | None
    evidence: list[EvidenceOut]


class RecognitionLineOut(Schema):
    id: int
    bank_account_id: int
    booking_date: dt.date
    amount: str
    currency: str
    payer_name: str
    payer_account: str
    reference: str
    status: str
    confidence: str | None

    @staticmethod
    def resolve_amount(obj: Any) -> str:
        return f"{obj.amount:.2f}"

    @staticmethod
    def resolve_confidence(obj: Any) -> str | None:
        return None if obj.confidence is None else str(obj.confidence)


class LineDetailOut(RecognitionLineOut):
    proposals: list[ProposalOut]


class MatchOut(Schema):
    id: int
    line_id: int
    customer_id: int
    payment_id: int
    payment_number: str
    amount: str
    auto: bool
    confidence: str | None
    evidence: list[EvidenceOut]
    created_at: dt.datetime
    undone_at: dt.datetime | None


class QueueFilter(Schema):
    status: str = ""
    bank_account_id: int | None = None
    q: str = ""


class RuleIn(InSchema):
    name: str
    priority: int = Field(100, ge=0, le=32767)
    active: bool = True
    conditions: dict[str, Any]
    action: str
    customer_id: int | None = None
    account_id: int | None = None
    tolerance: Amount = Decimal(0)
    auto_apply: bool = False


class RulePatch(InSchema):
    name: str | None = None
    priority: int | None = Field(None, ge=0, le=32767)
    active: bool | None = None
    conditions: dict[str, Any] | None = None
    action: str | None = None
    customer_id: int | None = None
    account_id: int | None = None
    tolerance: Amount | None = None
    auto_apply: bool | None = None


class RuleOut(Schema):
    id: int
    name: str
    priority: int
    active: bool
    conditions: dict[str, Any]
    action: str
    customer_id: int | None
    account_id: int | None
    tolerance: str
    auto_apply: bool


class DryRunIn(InSchema):
    rule_id: int | None = Field(None, description="The rule changed; None: a new rule.")
    rule: RuleIn
    months: int = Field(3, ge=1, le=24)


class DryRunChoiceOut(Schema):
    kind: str = Field(..., description='"customer", "exclude" (to an account) or "none".')
    id: int | None = Field(None, description="The customer's or the account's id.")
    name: str = Field(..., description="The customer's name, or the account's code and name.")


class DryRunChangeOut(Schema):
    line_id: int
    booking_date: dt.date
    amount: str
    currency: str
    payer_name: str
    before: DryRunChoiceOut
    after: DryRunChoiceOut


class DryRunOut(Schema):
    checked: int
    changed_count: int
    changed: list[DryRunChangeOut]


# --- helpers ------------------------------------------------------------------------------


def _evidence(items: list[Evidence]) -> list[dict[str, Any]]:
    return [{"code": e.code, "params": e.params, "sentence": e.sentence()} for e in items]


def _proposals(proposals: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "customer_id": item.proposal.customer_id,
            "customer_name": item.customer.name if item.customer else "",
            "allocations": [{**row, "amount": f"{row['amount']:.2f}"} for row in item.allocations],
            "advance": f"{item.proposal.advance:.2f}",
            "fee": f"{item.proposal.fee:.2f}",
            "discount": f"{item.proposal.discount:.2f}",
            "confidence": str(item.proposal.confidence),
            "ambiguous": item.proposal.ambiguous,
            "auto": item.proposal.auto,
            "rule_id": item.proposal.rule_id,
            "exclude_account_id": item.proposal.exclude_account_id,
            "evidence": _evidence(item.proposal.evidence),
        }
        for item in selectors.explained(proposals)
    ]


def _line(request: HttpRequest, line_id: int) -> Any:
    line = selectors.line_get(user=request.user, line_id=line_id)
    if line is None:
        raise DomainError(MatchError.LINE_NOT_FOUND)
    return line


def _match_out(match: Any) -> dict[str, Any]:
    return {
        "id": match.pk,
        "line_id": match.line_id,
        "customer_id": match.customer_id,
        "payment_id": match.payment_id,
        "payment_number": match.payment.number,
        "amount": f"{match.amount:.2f}",
        "auto": match.auto,
        "confidence": None if match.confidence is None else str(match.confidence),
        "evidence": _evidence([Evidence.from_json(e) for e in match.evidence]),
        "created_at": match.created_at,
        "undone_at": match.undone_at,
    }


# --- the queue and proposals --------------------------------------------------------------


@recognition_router.get("/queue", response=list[RecognitionLineOut])
@paginated(sorts=("booking_date", "amount", "created_at"), default="-booking_date")
def queue(request: HttpRequest, filters: Query[QueueFilter]) -> Any:
    """Incoming lines waiting for a person: not recognised, or with a suggestion."""
    return selectors.line_queue(
        user=request.user,
        status=filters.status,
        bank_account_id=filters.bank_account_id,
        search=filters.q,
    )


@recognition_router.get("/counts", response=dict[str, int])
def counts(request: HttpRequest) -> Any:
    return selectors.queue_counts(user=request.user)


@recognition_router.get("/lines/{line_id}", response=LineDetailOut)
def line_detail(request: HttpRequest, line_id: int, fresh: bool = True) -> Any:
    """A line with the engine's proposals, best first, each with its reasons.

    `fresh` runs the engine now; otherwise the proposals stored when it last ran."""
    line = _line(request, line_id)
    proposals = selectors.fresh_proposals(line) if fresh else selectors.stored_proposals(line)
    line.proposals = _proposals(proposals)
    return line


@recognition_router.post("/lines/{line_id}/match", response={201: list[MatchOut]})
def match(request: HttpRequest, line_id: int, payload: MatchIn) -> Any:
    """Recognise a line as payments of one or more customers, allocated as given."""
    line = _line(request, line_id)
    chosen = None
    if payload.proposal_index is not None:
        found = selectors.fresh_proposals(line)
        if not 0 <= payload.proposal_index < len(found):
            raise DomainError(MatchError.NO_PARTS)
        chosen = found[payload.proposal_index]
    parts = [
        services.MatchPart(
            customer_id=part.customer_id,
            amount=part.amount,
            allocations=[(a.installment_id, a.amount) for a in part.allocations],
            charges=part.charges,
            charges_account_id=part.charges_account_id,
            rate=part.rate,
            evidence=chosen.evidence if chosen and chosen.customer_id == part.customer_id else (),
            confidence=chosen.confidence if chosen else None,
            rule_id=chosen.rule_id if chosen else None,
        )
        for part in payload.parts
    ]
    made = services.statement_line_match(actor=request.user, line_id=line.pk, parts=parts)
    return Status(201, [_match_out(m) for m in made])


@recognition_router.post("/matches/{match_id}/unmatch", response=RecognitionLineOut)
def unmatch(request: HttpRequest, match_id: int) -> Any:
    """Undo a recognition: allocations undone, payments voided, the line waits again."""
    return services.statement_line_unmatch(actor=request.user, match_id=match_id)


@recognition_router.post("/lines/{line_id}/exclude", response=RecognitionLineOut)
def exclude(request: HttpRequest, line_id: int, payload: ExcludeIn) -> Any:
    """Not a customer payment: post the line to an account (Dr bank / Cr account)."""
    return services.statement_line_exclude(
        actor=request.user,
        line_id=line_id,
        account_id=payload.account_id,
        memo=payload.memo,
        rate=payload.rate,
    )


@recognition_router.post("/lines/{line_id}/unexclude", response=RecognitionLineOut)
def unexclude(request: HttpRequest, line_id: int) -> Any:
    return services.statement_line_unexclude(actor=request.user, line_id=line_id)


@recognition_router.post("/auto-match", response=AutoMatchOut)
def auto_match(request: HttpRequest, payload: AutoMatchIn) -> Any:
    """Run the engine now: apply what it is sure of, suggest the rest."""
    ids = payload.line_ids
    if ids is None:
        ids = list(
            selectors.line_queue(user=request.user).values_list("pk", flat=True)[:AUTO_MATCH_MAX]
        )
    return services.statement_lines_auto_match(actor=request.user, line_ids=ids[:AUTO_MATCH_MAX])


@recognition_router.get("/matches", response=list[MatchOut])
@paginated(sorts=("created_at",), default="-created_at")
def matches(request: HttpRequest, on: dt.date | None = None, auto: bool | None = True) -> Any:
    """Recognitions of a day (today), by the engine unless `auto` is false or empty."""
    return [_match_out(m) for m in selectors.matches_applied(user=request.user, on=on, auto=auto)]


# --- rules --------------------------------------------------------------------------------


def _rule_out(rule: MatchRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "name": rule.name,
        "priority": rule.priority,
        "active": rule.active,
        "conditions": rule.conditions,
        "action": rule.action,
        "customer_id": rule.customer_id,
        "account_id": rule.account_id,
        "tolerance": f"{rule.tolerance:.2f}",
        "auto_apply": rule.auto_apply,
    }


@match_rules_router.get("", response=list[RuleOut])
def rule_list(request: HttpRequest) -> Any:
    return [_rule_out(rule) for rule in selectors.match_rules(user=request.user)]


@match_rules_router.post("", response={201: RuleOut})
def rule_create(request: HttpRequest, payload: RuleIn) -> Any:
    rule = services.match_rule_create(actor=request.user, **payload.dict())
    return Status(201, _rule_out(rule))


@match_rules_router.post("/dry-run", response=DryRunOut)
def rule_dry_run(request: HttpRequest, payload: DryRunIn) -> Any:
    """What the rule, as given, would change on the last months' recognised lines."""
    # Who may not see rules learns nothing of what a rule would be refused for.
    require(request.user, "view", MatchRule)
    fields = payload.rule.dict()
    services.match_rule_check(fields)
    rule = MatchRule(pk=payload.rule_id, created_by=request.user, **fields)
    report = services.match_rule_dry_run(actor=request.user, rule=rule, months=payload.months)
    return {"checked": report.checked, "changed_count": report.count, "changed": report.changed}


@match_rules_router.patch("/{rule_id}", response=RuleOut)
def rule_update(request: HttpRequest, rule_id: int, payload: RulePatch) -> Any:
    fields = payload.dict(exclude_unset=True)
    return _rule_out(services.match_rule_update(actor=request.user, rule_id=rule_id, **fields))
