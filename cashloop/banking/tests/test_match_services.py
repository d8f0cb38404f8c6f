"""Recognising statement lines (认款): match, split, undo, exclude, auto-match, rules.

Every path that moves money ends with `assert_verified()`; every refusal changes nothing.
"""

from decimal import Decimal

import pytest
from django.utils import timezone

from cashloop.banking.choices import LineStatus, RuleAction
from cashloop.banking.match_errors import MatchError
from cashloop.banking.match_services import (
    MatchPart,
    match_rule_create,
    match_rule_dry_run,
    match_rule_update,
    statement_line_exclude,
    statement_line_match,
    statement_line_unexclude,
    statement_line_unmatch,
    statement_lines_auto_match,
)
from cashloop.banking.models import LineMatch, MatchRule, PayerAccount
from cashloop.banking.tests.match_fixtures import bank_account, customer, invoice, line
from cashloop.banking.verify import CHECKS
from cashloop.core.errors import DomainError
from cashloop.ledger.models import Account, JournalLine
from cashloop.receivables.models import Allocation, CustomerBalance, Payment, Refund
from cashloop.receivables.services import payment_create, payment_void
from tests.ledger_check import assert_verified

D = Decimal


@pytest.fixture
def bank(company):
    return bank_account()


@pytest.fixture
def star(company):
    return customer(company, "上海星河科技有限公司", code="SH-STAR")


@pytest.fixture
def moon(company):
    return customer(company, "北京明月贸易有限公司", code="BJ-MOON")


def advance(who):
    row = CustomerBalance.objects.filter(customer=who).first()
    return row.advance if row else D(0)


def refused(code, call, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code
    return caught.value


def test_match_split_across_customers_with_an_advance(company, bank, star, moon):
    a = invoice(company, star, "1130.00")
    b = invoice(company, moon, "500.00")
    row = line(bank, "2000.00", payer="星河代付", payer_account="6222 9999")
    made = statement_line_match(
        actor=company.finance,
        line_id=row.pk,
        parts=[
            MatchPart(star.pk, D("1300.00"), [(a.installments.get().pk, D("1130.00"))]),
            MatchPart(moon.pk, D("700.00"), [(b.installments.get().pk, D("500.00"))]),
        ],
    )
    row.refresh_from_db()
    assert row.status == LineStatus.MATCHED and len(made) == 2
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.residual == 0 and b.residual == 0
    assert advance(star) == D("170.00") and advance(moon) == D("200.00")
    payment = made[0].payment
    assert payment.date == row.booking_date and payment.payer_account == "6222 9999"
    entry_bank = JournalLine.objects.get(entry=payment.journal_entry, amount__gt=0)
    assert entry_bank.account_id == bank.ledger_account_id
    assert PayerAccount.objects.get(customer=star).confirmed == 1
    assert made[0].evidence == [{"code": "manual", "params": {}}]
    assert_verified()


def test_bad_input_changes_nothing(company, bank, star, moon):
    a = invoice(company, star, "1130.00")
    b = invoice(company, moon, "500.00")
    row = line(bank, "1130.00")
    inst = a.installments.get().pk
    payments = Payment.objects.count()
    cases = [
        (MatchError.NO_PARTS, []),
        (MatchError.PARTS_SUM, [MatchPart(star.pk, D("1000.00"), [])]),
        (MatchError.PART_AMOUNT, [MatchPart(star.pk, D("0"), []), MatchPart(star.pk, D("1130"))]),
        (MatchError.OVER_ALLOCATED, [MatchPart(star.pk, D("1130.00"), [(inst, D("1200"))])]),
        (
            MatchError.CHARGES_OVER_TOLERANCE,
            [MatchPart(star.pk, D("1130.00"), [], charges=D("80.00"))],
        ),
    ]
    for code, parts in cases:
        refused(code, statement_line_match, actor=company.finance, line_id=row.pk, parts=parts)
    with pytest.raises(DomainError) as caught:
        statement_line_match(
            actor=company.finance,
            line_id=row.pk,
            parts=[MatchPart(star.pk, D("1130.00"), [(b.installments.get().pk, D("500.00"))])],
        )
    assert caught.value.code.code == "allocation.customer_mismatch"
    refused(
        MatchError.LINE_NOT_FOUND,
        statement_line_match,
        actor=company.finance,
        line_id=0,
        parts=[MatchPart(star.pk, D("1130.00"))],
    )
    out = line(bank, "-50.00")
    refused(
        MatchError.NOT_INCOMING,
        statement_line_match,
        actor=company.finance,
        line_id=out.pk,
        parts=[MatchPart(star.pk, D("50.00"))],
    )
    row.refresh_from_db()
    assert row.status == LineStatus.UNMATCHED and Payment.objects.count() == payments
    assert (
        not LineMatch.objects.exists()
        and not Allocation.objects.filter(payment__isnull=False).exists()
    )
    with pytest.raises(DomainError) as denied:
        statement_line_match(
            actor=company.viewer, line_id=row.pk, parts=[MatchPart(star.pk, D("1130.00"))]
        )
    assert denied.value.code.code == "permission.denied"
    assert_verified()


def test_matched_line_is_not_matched_twice(company, bank, star):
    row = line(bank, "100.00")
    statement_line_match(
        actor=company.finance, line_id=row.pk, parts=[MatchPart(star.pk, D("100.00"))]
    )
    refused(
        MatchError.LINE_NOT_OPEN,
        statement_line_match,
        actor=company.finance,
        line_id=row.pk,
        parts=[MatchPart(star.pk, D("100.00"))],
    )
    assert Payment.objects.count() == 1


def test_undo_restores_items_voids_payment_and_teaches_memory(company, bank, star):
    inv = invoice(company, star, "1000.00", discount="2")
    row = line(bank, "980.00", reference=inv.number, payer_account="62220212")
    result = statement_lines_auto_match(actor=company.finance, line_ids=[row.pk])
    assert result.applied == [row.pk]
    inv.refresh_from_db()
    assert inv.residual == 0  # 980 paid and 20 discount earned
    match = LineMatch.objects.get(line=row)
    assert match.auto and match.evidence[0]["code"] == "invoice_number"
    assert_verified()
    statement_line_unmatch(actor=company.finance, match_id=match.pk)
    row.refresh_from_db()
    inv.refresh_from_db()
    match.refresh_from_db()
    assert row.status == LineStatus.UNMATCHED
    assert inv.residual == D("1000.00")
    assert match.undone_at is not None and match.undone_by == company.finance
    assert match.payment.unapplied == 0 and advance(star) == 0
    # The payment is voided (a state, with the reversing entry), not refunded.
    assert match.payment.voided_on == timezone.localdate()
    assert match.payment.void_entry.reverses_id == match.payment.journal_entry_id
    assert not Refund.objects.exists()
    memo = PayerAccount.objects.get(customer=star)
    assert (memo.confirmed, memo.rejected) == (1, 1)
    refused(
        MatchError.ALREADY_UNDONE, statement_line_unmatch, actor=company.finance, match_id=match.pk
    )
    assert_verified()
    # A line undone once is never applied by the engine again, only suggested.
    rerun = statement_lines_auto_match(actor=company.finance, line_ids=[row.pk])
    assert rerun.applied == [] and rerun.suggested == [row.pk]
    # Undone, the account no longer speaks for the customer: the engine only suggests.
    again = line(bank, "980.00", payer_account="6222-0212")
    statement_lines_auto_match(actor=company.finance, line_ids=[again.pk])
    again.refresh_from_db()
    assert again.status != LineStatus.MATCHED


def test_auto_match_applies_the_sure_and_suggests_the_rest(company, bank, star, moon):
    a = invoice(company, star, "1130.00")
    invoice(company, moon, "500.00")
    invoice(company, star, "500.00")  # so that the amount alone names nobody
    sure = line(bank, "1130.00", reference=a.number)
    unsure = line(bank, "500.00", payer="北京明月")
    nothing = line(bank, "3.21", payer="nobody")
    result = statement_lines_auto_match(actor=None, line_ids=[sure.pk, unsure.pk, nothing.pk])
    # Without an actor nobody imported these lines: nothing is applied, all suggested.
    assert result.applied == []
    result = statement_lines_auto_match(
        actor=company.finance, line_ids=[sure.pk, unsure.pk, nothing.pk]
    )
    assert result.applied == [sure.pk] and result.suggested == [unsure.pk]
    assert result.unmatched == [nothing.pk]
    unsure.refresh_from_db()
    assert unsure.status == LineStatus.SUGGESTED
    assert unsure.proposal["proposals"][0]["customer_id"] == moon.pk
    assert_verified()


def test_bank_charge_is_posted_with_the_payment(company, bank, star):
    inv = invoice(company, star, "1130.00")
    row = line(bank, "1115.00", reference=inv.number)
    statement_lines_auto_match(actor=company.finance, line_ids=[row.pk])
    row.refresh_from_db()
    assert row.status == LineStatus.SUGGESTED  # a charge alone does not make it sure
    proposal = row.proposal["proposals"][0]
    assert proposal["fee"] == "15.00"
    from cashloop.banking.matching import Proposal

    statement_line_match(
        actor=company.finance,
        line_id=row.pk,
        parts=[MatchPart.of(Proposal.from_json(proposal), row.amount)],
    )
    inv.refresh_from_db()
    match = LineMatch.objects.get(line=row)
    assert (
        inv.residual == 0 and match.payment.amount == D("1130.00") and match.amount == D("1115.00")
    )
    fee_line = JournalLine.objects.get(entry=match.payment.journal_entry, account__role="rounding")
    assert fee_line.amount == D("15.00")
    assert_verified()
    statement_line_unmatch(actor=company.finance, match_id=match.pk)
    assert_verified()


def test_exclude_and_take_back(company, bank):
    row = line(bank, "12.34", reference="结息")
    income = Account.objects.get(code="6051")
    refused(
        MatchError.ACCOUNT_NOT_FOUND,
        statement_line_exclude,
        actor=company.finance,
        line_id=row.pk,
        account_id=bank.ledger_account_id,
    )
    statement_line_exclude(
        actor=company.finance, line_id=row.pk, account_id=income.pk, memo="interest"
    )
    row.refresh_from_db()
    assert row.status == LineStatus.EXCLUDED and row.journal_entry is not None
    assert_verified()
    statement_line_unexclude(actor=company.finance, line_id=row.pk)
    row.refresh_from_db()
    assert row.status == LineStatus.UNMATCHED
    statement_line_exclude(actor=company.finance, line_id=row.pk, account_id=income.pk)
    assert_verified()


def test_rules_validate_and_dry_run(company, bank, star, moon):
    income = Account.objects.get(code="6051")
    refused(
        MatchError.RULE_INVALID,
        match_rule_create,
        actor=company.finance,
        name="x",
        conditions={"regex": "("},
        action=RuleAction.EXCLUDE,
        account_id=income.pk,
    )
    refused(
        MatchError.RULE_INVALID,
        match_rule_create,
        actor=company.finance,
        name="x",
        conditions={"colour": "red"},
        action=RuleAction.EXCLUDE,
        account_id=income.pk,
    )
    refused(
        MatchError.RULE_INVALID,
        match_rule_create,
        actor=company.finance,
        name="x",
        conditions={"text_contains": "a"},
        action=RuleAction.ASSIGN_CUSTOMER,
    )
    assert not MatchRule.objects.exists()
    rule = match_rule_create(
        actor=company.finance,
        name="Moon's agent",
        priority=5,
        conditions={"payer_contains": "代付"},
        action=RuleAction.ASSIGN_CUSTOMER,
        customer_id=moon.pk,
    )
    row = line(bank, "100.00", payer="星河代付", reference="SH-STAR")
    statement_line_match(
        actor=company.finance, line_id=row.pk, parts=[MatchPart(star.pk, D("100.00"))]
    )
    changed = MatchRule(
        pk=rule.pk,
        name=rule.name,
        priority=1,
        conditions=rule.conditions,
        action=RuleAction.EXCLUDE,
        account=income,
        created_by=company.finance,
    )
    report = match_rule_dry_run(actor=company.finance, rule=changed, months=12)
    assert report.checked == 1
    assert report.changed[0]["line_id"] == row.pk
    # The change names the line and, before and after, who or where by name as well as id.
    change = report.changed[0]
    assert (change["booking_date"], change["amount"], change["payer_name"]) == (
        row.booking_date.isoformat(),
        "100.00",
        "星河代付",
    )
    assert change["before"] == {"kind": "customer", "id": moon.pk, "name": "北京明月贸易有限公司"}
    assert change["after"] == {"kind": "exclude", "id": income.pk, "name": str(income)}
    updated = match_rule_update(actor=company.finance, rule_id=rule.pk, priority=7)
    assert updated.priority == 7
    refused(MatchError.RULE_NOT_FOUND, match_rule_update, actor=company.finance, rule_id=0)


def test_payment_void_needs_nothing_applied(company, star):
    inv = invoice(company, star, "100.00")
    payment = payment_create(
        actor=company.finance,
        customer_id=star.pk,
        amount=D("100.00"),
        payment_date=timezone.localdate(),
    )
    from cashloop.receivables.services import payment_auto_allocate

    payment_auto_allocate(actor=company.finance, payment_id=payment.pk)
    with pytest.raises(DomainError):
        payment_void(actor=company.finance, payment_id=payment.pk, void_date=timezone.localdate())
    allocation = Allocation.objects.get(payment=payment)
    from cashloop.receivables.services import allocation_undo

    allocation_undo(actor=company.finance, allocation_id=allocation.pk)
    voided = payment_void(
        actor=company.finance, payment_id=payment.pk, void_date=timezone.localdate()
    )
    inv.refresh_from_db()
    assert voided.pk == payment.pk and voided.is_voided
    assert voided.unapplied == 0 and inv.residual == D("100.00") and advance(star) == 0
    assert_verified()


def test_verify_catches_a_matched_line_without_its_match(company, bank, star):
    row = line(bank, "100.00")
    statement_line_match(
        actor=company.finance, line_id=row.pk, parts=[MatchPart(star.pk, D("100.00"))]
    )
    assert all(check().ok for check in CHECKS)
    LineMatch.objects.update(amount=D("90.00"))
    assert not all(check().ok for check in CHECKS)


def test_posted_lines_are_matched_once_committed(
    company, bank, star, django_capture_on_commit_callbacks
):
    from cashloop.banking import services as banking_services
    from cashloop.banking.tasks import statement_lines_auto_match as task

    inv = invoice(company, star, "1130.00")
    with django_capture_on_commit_callbacks(execute=True):
        _import, posted = banking_services.statement_lines_post(
            actor=company.finance,
            bank_account_id=bank.pk,
            lines=[
                banking_services.LineIn(
                    booking_date=inv.issue_date, amount=D("1130.00"), reference=inv.number
                ),
                banking_services.LineIn(booking_date=inv.issue_date, amount=D("-20.00")),
            ],
        )
    incoming = posted[0].line
    incoming.refresh_from_db()
    assert incoming.status == LineStatus.MATCHED
    assert LineMatch.objects.get(line=incoming).auto
    # Run again (a retried task): nothing is waiting, nothing is recognised twice.
    assert task.call([incoming.pk], company.finance.pk) == {
        "applied": 0,
        "suggested": 0,
        "unmatched": 0,
    }
    assert LineMatch.objects.count() == 1
    assert_verified()
