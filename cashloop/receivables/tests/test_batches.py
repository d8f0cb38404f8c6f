"""Batches: many drafts created and issued in one transaction, as if one by one.

What a batch must keep from the single path: gapless numbers (in invoice-date order),
one entry per invoice, balances, audit rows, all-or-nothing refusals that say which
document was refused, and `verify` clean.  What it must add: a bounded number of
statements whatever the batch size.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from cashloop.core.errors import DomainError
from cashloop.core.models import AuditEntry
from cashloop.customers.errors import CustomerError
from cashloop.ledger.choices import PostingReason
from cashloop.ledger.errors import LedgerError
from cashloop.ledger.models import JournalEntry, JournalLine
from cashloop.ledger.services import Posting, accounting_period_close, journal_entries_post
from cashloop.ledger.tests.test_posting import invoice_lines
from cashloop.receivables.choices import InvoiceStatus
from cashloop.receivables.errors import ReceivableError
from cashloop.receivables.models import CustomerBalance, Invoice
from cashloop.receivables.services import (
    InvoiceIn,
    invoice_create_many,
    invoice_issue,
    invoice_issue_many,
)
from cashloop.receivables.tests.test_api import code, post, state
from cashloop.receivables.tests.test_services import DAY, line
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

D = Decimal
API = "/api/v1/receivables"


@pytest.fixture
def two(company):
    return [CustomerFactory(owner=company.rep_east) for _ in range(2)]


def drafts(company, customers, days):
    return invoice_create_many(
        actor=company.finance,
        invoices=[
            InvoiceIn(customers[n % len(customers)].pk, DAY + timedelta(days=d), [line()])
            for n, d in enumerate(days)
        ],
    )


def test_a_batch_is_numbered_in_date_order_and_posts_one_entry_each(company, two):
    made = drafts(company, two, days=[5, 0, 3, 0])
    issued = invoice_issue_many(actor=company.finance, invoice_ids=[d.pk for d in made])
    assert [i.status for i in issued] == [InvoiceStatus.ISSUED] * 4
    by_number = sorted(Invoice.objects.filter(pk__in=[d.pk for d in made]), key=lambda i: i.number)
    assert [i.issue_date for i in by_number] == sorted(i.issue_date for i in by_number)
    assert [i.number for i in by_number] == [f"INV-2026-00000{n}" for n in range(1, 5)]
    assert by_number[0].pk < by_number[1].pk  # same day: in the order created
    entries = JournalEntry.objects.filter(reason=PostingReason.INVOICE_ISSUE)
    assert entries.count() == 4
    assert sorted(e.number for e in entries) == [f"JE-2026-00000{n}" for n in range(1, 5)]
    for invoice in by_number:
        assert invoice.journal_entry.date == invoice.issue_date
        assert invoice.journal_entry.memo == invoice.number
    assert CustomerBalance.objects.get(customer=two[0]).receivable == D("2260.00")
    assert CustomerBalance.objects.get(customer=two[1]).receivable == D("2260.00")
    assert AuditEntry.objects.filter(object_repr__startswith="INV-2026").count() == 4
    assert_verified()


def test_a_batch_after_single_issues_continues_the_numbers(company, two):
    (first,) = drafts(company, two, days=[0])
    invoice_issue(actor=company.finance, invoice_id=first.pk)
    more = drafts(company, two, days=[1, 2])
    invoice_issue_many(actor=company.finance, invoice_ids=[d.pk for d in more])
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == ["INV-2026-000001", "INV-2026-000002", "INV-2026-000003"]
    assert_verified()


def test_a_refused_draft_refuses_the_batch_and_says_which(company, two):
    made = drafts(company, two, days=[0, 1, 2])
    invoice_issue(actor=company.finance, invoice_id=made[1].pk)
    before = state()
    with pytest.raises(DomainError) as refused:
        invoice_issue_many(actor=company.finance, invoice_ids=[d.pk for d in made])
    assert refused.value.code == ReceivableError.NOT_DRAFT
    assert refused.value.details == {"position": 2}
    assert state() == before
    assert_verified()


def test_a_batch_with_a_bad_draft_creates_nothing(company, two):
    before = state()
    with pytest.raises(DomainError) as refused:
        invoice_create_many(
            actor=company.finance,
            invoices=[
                InvoiceIn(two[0].pk, DAY, [line()]),
                InvoiceIn(two[1].pk, DAY, [line(rate="0.07")]),
            ],
        )
    assert refused.value.code == ReceivableError.TAX_RATE
    assert refused.value.details == {"position": 2}
    assert state() == before


def test_a_batch_into_a_closed_month_is_refused_whole(company, two):
    made = drafts(company, two, days=[0, 40])
    accounting_period_close(actor=company.finance, year=2026, month=4)
    before = state()
    with pytest.raises(DomainError) as refused:
        invoice_issue_many(actor=company.finance, invoice_ids=[d.pk for d in made])
    assert refused.value.code == LedgerError.PERIOD_CLOSED
    assert state() == before
    assert_verified()


def test_a_rep_cannot_reach_another_reps_customer_in_a_batch(company):
    mine = CustomerFactory(owner=company.rep_east)
    theirs = CustomerFactory(owner=company.rep_south)
    with pytest.raises(DomainError) as refused:
        invoice_create_many(
            actor=company.rep_east,
            invoices=[InvoiceIn(mine.pk, DAY, [line()]), InvoiceIn(theirs.pk, DAY, [line()])],
        )
    assert refused.value.code == CustomerError.NOT_FOUND
    assert refused.value.details == {"position": 2}
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("size", [5, 50])
def test_statements_do_not_grow_with_the_batch(company, two, size, django_assert_max_num_queries):
    customers = two + [CustomerFactory(owner=company.rep_east) for _ in range(3)]
    invoices = [InvoiceIn(customers[n % 5].pk, DAY, [line(), line("9.99")]) for n in range(size)]
    # Bounded by the customers (a balance update each), not by the invoices: only the
    # chunking of long inserts (SQLite takes ~100 rows a statement) adds a few.
    # 45, and the credit check of each customer in the batch (decision 048), and on
    # SQLite one reservation of ids per table written (`core.bulkload.ids_reserve`).
    with django_assert_max_num_queries(80):
        made = invoice_create_many(actor=company.finance, invoices=invoices)
        invoice_issue_many(actor=company.finance, invoice_ids=[d.pk for d in made])
    assert JournalLine.objects.count() == 3 * size
    assert_verified()


def test_journal_entries_post_replays_and_refuses_changed_payloads(db):
    first = journal_entries_post(
        actor=None,
        postings=[
            Posting(DAY, PostingReason.INVOICE_ISSUE, invoice_lines(), "a"),
            Posting(DAY, PostingReason.INVOICE_ISSUE, invoice_lines(total="226.00"), "b"),
        ],
    )
    again = journal_entries_post(
        actor=None,
        postings=[
            Posting(DAY, PostingReason.INVOICE_ISSUE, invoice_lines(total="226.00"), "b"),
            Posting(DAY, PostingReason.INVOICE_ISSUE, invoice_lines(total="339.00"), "c"),
        ],
    )
    assert again[0] == first[1]
    assert JournalEntry.objects.count() == 3
    with pytest.raises(DomainError) as refused:
        journal_entries_post(
            actor=None,
            postings=[
                Posting(DAY, PostingReason.INVOICE_ISSUE, invoice_lines(total="452.00"), "d"),
                Posting(DAY, PostingReason.INVOICE_ISSUE, invoice_lines(total="1.13"), "a"),
            ],
        )
    assert refused.value.code == LedgerError.IDEMPOTENCY_CONFLICT
    with pytest.raises(DomainError) as twice:
        journal_entries_post(
            actor=None,
            postings=[
                Posting(DAY, PostingReason.INVOICE_ISSUE, invoice_lines(), "e"),
                Posting(DAY, PostingReason.INVOICE_ISSUE, invoice_lines(total="2.26"), "e"),
            ],
        )
    assert twice.value.code == LedgerError.IDEMPOTENCY_CONFLICT
    assert JournalEntry.objects.count() == 3
    assert_verified()


def test_batches_through_the_api(client, company, two):
    client.force_login(company.finance)
    body = {
        "invoices": [
            {
                "customer_id": c.pk,
                "issue_date": str(date(2026, 5, 2)),
                "lines": [{"description": "服务费", "unit_price": "100.00", "tax_rate": "0.06"}],
            }
            for c in two
        ]
    }
    created = post(client, f"{API}/invoices/batch", body)
    assert created.status_code == 201, created.json()
    ids = [row["id"] for row in created.json()]
    assert [row["status"] for row in created.json()] == ["draft", "draft"]
    issued = post(client, f"{API}/invoices/issue", {"invoice_ids": ids})
    assert issued.status_code == 200, issued.json()
    assert [row["number"] for row in issued.json()] == ["INV-2026-000001", "INV-2026-000002"]
    assert [row["residual"] for row in issued.json()] == ["106.00", "106.00"]
    assert_verified()


def test_bad_batches_through_the_api_change_nothing(client, company, two):
    client.force_login(company.finance)
    made = drafts(company, two, days=[0])
    before = state()
    bad = {"customer_id": two[0].pk, "issue_date": "2026-05-02", "lines": []}
    response = post(client, f"{API}/invoices/batch", {"invoices": [bad, bad]})
    assert response.status_code == 422
    assert code(response) in ("invoice.no_lines", "request.invalid")
    assert post(client, f"{API}/invoices/batch", {"invoices": []}).status_code == 422
    response = post(client, f"{API}/invoices/issue", {"invoice_ids": [made[0].pk, 999999]})
    assert response.status_code == 404
    assert response.json()["error"]["details"] == {"position": 2}
    client.force_login(company.rep_east)
    response = post(client, f"{API}/invoices/issue", {"invoice_ids": [made[0].pk]})
    assert response.status_code == 403
    assert state() == before
