"""Non-contract sales (强制收入): an invoice not billed from a contract is issued only through
approval when a flow applies; it waits as a draft, approval issues it, rejection leaves the
draft with the reason.  Also: where a line's net is credited, and which lines may say so."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cashloop.approvals.models import ApprovalFlow
from cashloop.approvals.services import approval_request_approve, approval_request_reject
from cashloop.approvals.tests.conftest import flow, step
from cashloop.core.errors import DomainError
from cashloop.ledger.choices import AccountRole
from cashloop.ledger.models import Account, JournalEntry, JournalLine
from cashloop.receivables.approval_types import default_flows_install
from cashloop.receivables.choices import HoldStatus, InvoiceOrigin, InvoiceStatus
from cashloop.receivables.errors import ReceivableError
from cashloop.receivables.models import HeldPosting, Invoice
from cashloop.receivables.services import (
    InvoiceIn,
    LineIn,
    invoice_cancel,
    invoice_create,
    invoice_create_many,
    invoice_issue,
    invoice_issue_many,
    invoice_update,
)
from cashloop.receivables.tests.test_services import DAY, line
from tests.factories import CustomerFactory, UserFactory
from tests.ledger_check import assert_verified

D = Decimal


@pytest.fixture
def customer(company):
    return CustomerFactory(owner=company.rep_east)


@pytest.fixture
def finance2(company):
    """A second finance user: the approver (nobody approves their own request)."""
    return UserFactory(username="fin2", team=company.sales, roles=["finance"])


@pytest.fixture
def sale_flow(company, finance2):
    """Every non-contract sale needs finance's approval (what the demo company installs)."""
    return flow(
        company.admin,
        "receivables.noncontract",
        steps=[step({"kind": "role", "value": "finance"})],
    )


def draft(company, customer, **kwargs):
    return invoice_create(
        actor=company.finance, customer_id=customer.pk, issue_date=DAY, lines=[line()], **kwargs
    )


def test_a_free_invoice_is_a_non_contract_sale_issued_at_once_without_a_flow(company, customer):
    invoice = invoice_issue(actor=company.finance, invoice_id=draft(company, customer).pk)
    assert isinstance(invoice, Invoice)
    assert (invoice.origin, invoice.status) == (InvoiceOrigin.NON_CONTRACT, InvoiceStatus.ISSUED)
    assert_verified()


def test_a_non_contract_sale_waits_for_approval_then_is_issued(
    company, customer, finance2, sale_flow
):
    invoice = draft(company, customer)
    entries = JournalEntry.objects.count()
    # when: finance issues it
    hold = invoice_issue(actor=company.finance, invoice_id=invoice.pk)
    # then: held, still a draft, nothing posted; issuing again is refused
    assert isinstance(hold, HeldPosting)
    assert (hold.status, hold.amount, hold.invoice_id) == (
        HoldStatus.PENDING,
        D("1130.00"),
        invoice.pk,
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number) == (InvoiceStatus.DRAFT, "")
    assert JournalEntry.objects.count() == entries
    for blocked in (invoice_issue, invoice_cancel):
        with pytest.raises(DomainError) as again:
            blocked(actor=company.finance, invoice_id=invoice.pk)
        assert again.value.code == ReceivableError.SALE_PENDING
    with pytest.raises(DomainError) as changed:
        invoice_update(actor=company.finance, invoice_id=invoice.pk, lines=[line("1.00")])
    assert changed.value.code == ReceivableError.SALE_PENDING
    # when: the other finance user approves
    approval_request_approve(actor=finance2, request_id=hold.approval_request_id)
    # then: issued and posted, the hold closed
    invoice.refresh_from_db()
    hold.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and invoice.number
    assert hold.status == HoldStatus.POSTED
    assert_verified()


def test_a_rejected_sale_stays_a_draft_with_the_reason(
    client, company, customer, finance2, sale_flow
):
    invoice = draft(company, customer)
    hold = invoice_issue(actor=company.finance, invoice_id=invoice.pk)
    approval_request_reject(
        actor=finance2, request_id=hold.approval_request_id, reason="请走合同 needs a contract"
    )
    invoice.refresh_from_db()
    hold.refresh_from_db()
    assert invoice.status == InvoiceStatus.DRAFT
    assert (hold.status, hold.reason) == (HoldStatus.REJECTED, "请走合同 needs a contract")
    client.force_login(company.finance)
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert 'data-testid="sale-rejected"' in page and "needs a contract" in page
    assert_verified()


def test_the_api_answers_202_while_a_sale_waits(client, company, customer, finance2, sale_flow):
    invoice = draft(company, customer)
    client.force_login(company.finance)
    response = client.post(f"/api/v1/receivables/invoices/{invoice.pk}/issue")
    assert response.status_code == 202, response.content
    assert response.json()["kind"] == "non_contract_sale"
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert 'data-testid="held-postings"' in page and 'data-testid="issue-invoice"' not in page
    # a batch cannot slip a sale past its approval
    other = draft(company, customer)
    batch = client.post(
        "/api/v1/receivables/invoices/issue",
        {"invoice_ids": [other.pk]},
        content_type="application/json",
    )
    assert (batch.status_code, batch.json()["error"]["code"]) == (
        409,
        "invoice.sale_needs_approval",
    )
    assert Invoice.objects.get(pk=other.pk).status == InvoiceStatus.DRAFT
    assert HeldPosting.objects.filter(invoice=other).count() == 0


def test_contract_lines_only_on_contract_invoices(company, customer):
    with pytest.raises(DomainError) as free_origin:
        invoice_create_many(
            actor=company.finance,
            invoices=[
                InvoiceIn(customer.pk, DAY, [line()], origin=InvoiceOrigin.CONTRACT),
            ],
        )
    assert free_origin.value.code == ReceivableError.ORIGIN
    assert not Invoice.objects.exists()


def test_lines_credit_their_own_revenue_accounts_in_one_entry(company, customer):
    deferred = Account.objects.get(role=AccountRole.DEFERRED_REVENUE)
    lines = [
        line("1000.00"),
        LineIn("服务 Service", D(1), D("500.00"), D("0.06"), revenue_account_id=deferred.pk),
        LineIn("服务 Service", D(1), D("300.00"), D("0.06"), revenue_account_id=deferred.pk),
    ]
    drafts = invoice_create_many(
        actor=company.finance, invoices=[InvoiceIn(customer.pk, DAY, lines)] * 2
    )
    issued = invoice_issue_many(actor=company.finance, invoice_ids=[d.pk for d in drafts])
    rows = JournalLine.objects.filter(entry=issued[0].journal_entry).select_related("account")
    credits = {row.account.role: row.amount for row in rows if row.amount < 0}
    assert credits == {
        AccountRole.REVENUE: D("-1000.00"),
        AccountRole.DEFERRED_REVENUE: D("-800.00"),
        AccountRole.VAT_OUTPUT: D("-178.00"),
    }
    assert_verified()


def test_the_default_flow_makes_every_non_contract_sale_wait(company, customer):
    # given: the installation's default flow (an upgrade with an administrator, or the demo)
    default_flows_install()
    default_flows_install()  # idempotent
    assert ApprovalFlow.objects.filter(document_type="receivables.noncontract").count() == 1
    # when: the only finance user issues a free invoice
    hold = invoice_issue(actor=company.finance, invoice_id=draft(company, customer).pk)
    # then: it waits, and an administrator may approve it
    assert isinstance(hold, HeldPosting)
    approval_request_approve(actor=company.admin, request_id=hold.approval_request_id)
    assert Invoice.objects.get().status == InvoiceStatus.ISSUED
    assert_verified()
