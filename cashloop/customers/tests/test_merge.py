"""Merging two customers: every record moves, the ledger follows, `cashloop verify` holds."""

from datetime import date
from decimal import Decimal

import pytest

from cashloop.core.errors import CoreError, DomainError
from cashloop.customers import selectors
from cashloop.customers.choices import CustomerStatus
from cashloop.customers.errors import CustomerError, MergeError
from cashloop.customers.models import Customer, CustomerMerge, CustomerNameToken
from cashloop.customers.services import (
    contact_create,
    customer_merge,
    customer_update,
    interaction_create,
)
from cashloop.ledger.choices import AccountRole, PostingReason
from cashloop.ledger.models import JournalLine
from cashloop.receivables.models import CustomerBalance, Invoice, Payment
from cashloop.receivables.services import (
    LineIn,
    allocation_create,
    invoice_create,
    invoice_issue,
    payment_create,
)
from cashloop.sales.models import Lead, Opportunity
from cashloop.sales.services import lead_convert, lead_create, opportunity_create
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2026, 3, 10)


def _issued(finance, customer, price, currency=None, rate=None):
    draft = invoice_create(
        actor=finance,
        customer_id=customer.pk,
        issue_date=DAY,
        lines=[LineIn("服务 Service", D(1), D(price), D("0"))],
        currency=currency,
        rate=rate,
    )
    return invoice_issue(actor=finance, invoice_id=draft.pk)


def _ar_by_customer(customer):
    rows = JournalLine.objects.filter(customer=customer, account__role=AccountRole.AR)
    return {c: sum(r.amount for r in rows if r.currency == c) for c in {r.currency for r in rows}}


def test_merge_moves_documents_balances_and_ledger_in_two_currencies(company):
    fin = company.finance
    survivor = CustomerFactory(owner=company.rep_east, name="杭州明远科技有限公司")
    duplicate = CustomerFactory(owner=company.rep_south, name="杭州明远科技")
    customer_update(
        actor=company.admin,
        customer_id=duplicate.pk,
        changes={"tags": ["VIP"]},
        confirm_duplicate=True,
    )
    contact_create(actor=company.admin, customer_id=duplicate.pk, name="王芳")
    interaction_create(
        actor=company.rep_south,
        customer_id=duplicate.pk,
        kind="call",
        summary="谈合同",
        next_step="发合同",
    )
    # Both have CNY business; the duplicate also has USD business.
    _issued(fin, survivor, "500.00")
    cny = _issued(fin, duplicate, "1000.00")
    usd = _issued(fin, duplicate, "300.00", currency="USD", rate=D("7.1"))
    paid = payment_create(
        actor=fin, customer_id=duplicate.pk, amount=D("1200.00"), payment_date=DAY
    )  # 200 more than owed: an advance
    allocation_create(
        actor=fin, payment_id=paid.pk, installment_id=cny.installments.get().pk, amount=D("1000.00")
    )
    usd_paid = payment_create(
        actor=fin,
        customer_id=duplicate.pk,
        amount=D("100.00"),
        currency="USD",
        rate=D("7.2"),
        payment_date=DAY,
    )
    allocation_create(
        actor=fin,
        payment_id=usd_paid.pk,
        installment_id=usd.installments.get().pk,
        amount=D("100.00"),
    )
    lead = lead_create(actor=company.rep_south, source="website", company_name="明远")
    lead_convert(actor=company.rep_south, lead_id=lead.pk, customer_id=duplicate.pk)
    opportunity_create(
        actor=company.rep_south,
        customer_id=duplicate.pk,
        name="续约",
        amount=D("800.00"),
        currency="CNY",
        expected_close_date=date(2027, 1, 1),
    )
    assert_verified()
    lines_before = JournalLine.objects.count()
    dup_ar_lines = set(
        JournalLine.objects.filter(customer=duplicate).values_list("pk", "amount", "customer_id")
    )

    preview = selectors.merge_preview(user=fin, survivor_id=survivor.pk, duplicate_id=duplicate.pk)
    assert preview["invoices"] == 2
    assert preview["payments"] == 2
    assert preview["contacts"] == 1

    merge = customer_merge(
        actor=fin, survivor_id=survivor.pk, duplicate_id=duplicate.pk, reason="同一家公司"
    )

    assert_verified()
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into) == (CustomerStatus.MERGED, survivor)
    assert not Invoice.objects.filter(customer=duplicate).exists()
    assert not Payment.objects.filter(customer=duplicate).exists()
    assert Invoice.objects.filter(customer=survivor).count() == 3
    assert survivor.contacts.get().name == "王芳"
    assert survivor.interactions.count() == 1
    assert [t.name for t in survivor.tags.all()] == ["VIP"]
    assert Opportunity.objects.filter(customer=survivor).count() == 1
    assert Lead.objects.get().converted_customer == survivor
    assert not CustomerBalance.objects.filter(customer=duplicate).exists()
    balances = {b.currency: (b.receivable, b.advance) for b in survivor.balances.all()}
    assert balances == {"CNY": (D("500.00"), D("200.00")), "USD": (D("200.00"), D("0.00"))}
    # The journal was added to, never rewritten; the duplicate's AR nets to zero.
    assert (
        set(
            JournalLine.objects.filter(pk__in=[pk for pk, _a, _c in dup_ar_lines]).values_list(
                "pk", "amount", "customer_id"
            )
        )
        == dup_ar_lines
    )
    entry = merge.journal_entry
    assert entry.reason == PostingReason.CUSTOMER_MERGE
    assert JournalLine.objects.count() == lines_before + entry.lines.count()
    assert all(v == 0 for v in _ar_by_customer(duplicate).values())
    assert _ar_by_customer(survivor) == {"CNY": D("500.00"), "USD": D("200.00")}
    assert merge.counts["invoices"] == 2
    # Lists, search and duplicates no longer show it; its history shows on the survivor.
    assert duplicate not in selectors.customer_list(user=company.admin)
    assert not CustomerNameToken.objects.filter(customer=duplicate).exists()
    names = [c.customer for c in selectors.customer_duplicates(user=fin, name="杭州明远科技")]
    assert duplicate not in names
    history = selectors.customer_history(user=fin, customer_id=survivor.pk)
    assert {e.subject_id for e in history} == {str(survivor.pk), str(duplicate.pk)}
    assert history.filter(reason="同一家公司").count() == 3


def test_merge_without_money_posts_no_entry(company):
    survivor, duplicate = CustomerFactory(), CustomerFactory()
    merge = customer_merge(
        actor=company.admin, survivor_id=survivor.pk, duplicate_id=duplicate.pk, reason="typo"
    )
    assert merge.journal_entry is None
    assert CustomerMerge.objects.get().duplicate == duplicate


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("itself", MergeError.INTO_ITSELF),
        ("into_merged", MergeError.ALREADY_MERGED),
        ("merged_again", MergeError.ALREADY_MERGED),
        ("rep", CoreError.PERMISSION_DENIED),
        ("manager", CoreError.PERMISSION_DENIED),
        ("missing", CustomerError.NOT_FOUND),
        ("no_reason", MergeError.REASON_REQUIRED),
    ],
)
def test_merge_refusals_change_nothing(company, case, code):
    survivor, duplicate = CustomerFactory(), CustomerFactory(owner=company.rep_east)
    old = CustomerFactory()
    gone = CustomerFactory()
    customer_merge(actor=company.admin, survivor_id=old.pk, duplicate_id=gone.pk, reason="x")
    args = {
        "actor": company.finance,
        "survivor_id": survivor.pk,
        "duplicate_id": duplicate.pk,
        "reason": "same",
    }
    args.update(
        {
            "itself": {"survivor_id": duplicate.pk},
            "into_merged": {"survivor_id": gone.pk},
            "merged_again": {"duplicate_id": gone.pk},
            "rep": {"actor": company.rep_east},
            "manager": {"actor": company.manager_east},
            "missing": {"survivor_id": 999999},
            "no_reason": {"reason": ""},
        }[case]
    )
    with pytest.raises(DomainError) as caught:
        customer_merge(**args)
    assert caught.value.code is code
    duplicate.refresh_from_db()
    assert duplicate.status != CustomerStatus.MERGED
    assert CustomerMerge.objects.count() == 1
    assert Customer.objects.filter(status=CustomerStatus.MERGED).count() == 1
