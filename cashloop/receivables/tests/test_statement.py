"""Statement of account: opening, every net-changing document, closing = balance; PDF."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from cashloop.core.errors import DomainError
from cashloop.receivables.choices import WriteOffKind
from cashloop.receivables.models import CustomerBalance
from cashloop.receivables.services import (
    allocation_create,
    credit_note_create,
    payment_refund,
    write_off_create,
)
from cashloop.receivables.statement import statement_get, statement_pdf
from cashloop.receivables.tests.test_services import DAY, issued, line, pay
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

D = Decimal


@pytest.fixture
def customer(company):
    return CustomerFactory(owner=company.rep_east)


def test_statement_walks_from_opening_to_closing(company, customer):
    before = issued(company, customer, lines=[line("100.00")])  # 113.00 on DAY
    payment = pay(company, customer, "200.00", payment_date=date(2026, 4, 2))
    allocation_create(
        actor=company.finance,
        payment_id=payment.pk,
        installment_id=before.installments.get().pk,
        amount=D("113.00"),
        allocation_date=date(2026, 4, 2),
    )
    payment_refund(
        actor=company.finance,
        payment_id=payment.pk,
        amount=D("20.00"),
        refund_date=date(2026, 4, 3),
    )
    later = issued(company, customer, lines=[line("1000.00")])  # 1,130.00 on DAY
    credit_note_create(
        actor=company.finance,
        invoice_id=later.pk,
        lines=[line("10.00")],
        reason="discount agreed",
        credit_date=date(2026, 4, 5),
    )
    write_off_create(
        actor=company.finance,
        installment_id=later.installments.get().pk,
        kind=WriteOffKind.SMALL_RESIDUAL,
        amount=D("0.50"),
        write_off_date=date(2026, 4, 6),
    )
    with translation.override("en"):
        statement = statement_get(
            user=company.rep_east,
            customer_id=customer.pk,
            start=date(2026, 4, 1),
            end=date(2026, 4, 30),
        )
    assert statement.opening == D("1243.00")  # both invoices, issued in March
    assert [(line.kind, line.debit, line.credit) for line in statement.lines] == [
        ("Payment", D(0), D("200.00")),
        ("Refund", D("20.00"), D(0)),
        ("Credit note", D(0), D("11.30")),
        ("Write-off", D(0), D("0.50")),
    ]
    balance = CustomerBalance.objects.get(customer=customer)
    assert statement.closing == balance.receivable - balance.advance == D("1051.20")
    assert_verified()


def test_statement_is_scoped(company, customer):
    with pytest.raises(DomainError) as exc:
        statement_get(user=company.rep_south, customer_id=customer.pk, start=DAY, end=DAY)
    assert exc.value.code.code == "customer.not_found"


def test_statement_pdf_renders_in_chinese(company, customer):
    from django.utils import translation

    issued(company, customer)
    statement = statement_get(
        user=company.finance, customer_id=customer.pk, start=date(2026, 3, 1), end=DAY
    )
    with translation.override("zh-hans"):
        pdf = statement_pdf(statement)
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000


def test_statement_api_json_pdf_and_bad_period(client, company, customer):
    issued(company, customer)
    client.force_login(company.finance)
    url = f"/api/v1/receivables/customers/{customer.pk}/statement"
    body = client.get(url, {"start": "2026-03-01", "end": "2026-03-31"}).json()
    assert body["opening"] == "0.00" and body["closing"] == "1130.00"
    assert [line["number"] for line in body["lines"]] == ["INV-2026-000001"]
    pdf = client.get(url, {"start": "2026-03-01", "end": "2026-03-31", "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    bad = client.get(url, {"start": "2026-04-01", "end": "2026-03-01"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "statement.bad_period"
    assert client.get(url, {"start": "yesterday"}).status_code == 422
    client.force_login(company.rep_south)
    assert client.get(url).status_code == 404


def test_statement_page(client, company, customer):
    issued(company, customer)
    client.force_login(company.rep_east)
    page = client.get(
        f"/receivables/customers/{customer.pk}/statement/",
        {"start": "2026-03-01", "end": "2026-03-31"},
    )
    assert page.status_code == 200
    assert "INV-2026-000001" in page.content.decode()
    assert (
        client.get(
            f"/receivables/customers/{customer.pk}/statement/",
            {"start": "2026-04-01", "end": "2026-03-01"},
        ).status_code
        == 200
    )  # the form says what is wrong
