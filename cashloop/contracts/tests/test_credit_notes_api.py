"""Credit notes on contract invoices through the API and the credit-note page: contract lines
named and checked (each refusal answers its code and changes nothing), and the
reconciliation's "credited" figure."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from cashloop.contracts.models import ContractLine, LineCredit
from cashloop.contracts.tests import test_credit_notes as base
from cashloop.ledger.choices import AccountRole
from cashloop.ledger.models import JournalLine
from cashloop.receivables.models import CreditNote
from tests.ledger_check import assert_verified

D = Decimal
CREDITED = base.CREDITED
ratable = base.ratable  # billed whole, half recognised (fixture)
nothing_changed = base.nothing_changed


def payload(invoice, contract_line_id, net="300.00", rate="0.13"):
    line = {"description": "服务折让", "unit_price": net, "tax_rate": rate}
    if contract_line_id is not None:
        line["contract_line_id"] = contract_line_id
    return {
        "invoice_id": invoice.pk,
        "date": CREDITED.isoformat(),
        "reason": "服务中断",
        "lines": [line],
    }


def test_a_contract_line_credited_through_the_api(client, company, ratable):
    _contract, support, invoice = ratable
    client.force_login(company.finance)
    response = client.post(
        "/api/v1/receivables/credit-notes",
        payload(invoice, support.pk),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["amount"], response.json()["unapplied"]) == ("339.00", "0.00")
    note = CreditNote.objects.get()
    deferred = JournalLine.objects.get(
        entry=note.journal_entry, account__role=AccountRole.DEFERRED_REVENUE
    )
    assert deferred.amount == D("150.00")
    support.refresh_from_db()
    assert support.credited == D("300.00")

    figures = client.get("/api/v1/contract-reconciliation").json()
    (row,) = figures["contracts"]
    assert (row["invoiced"], row["collected"], row["credited"], row["outstanding"]) == (
        "1356.00",
        "0.00",
        "339.00",
        "1017.00",
    )
    assert row["ties"] is True
    assert figures["totals"][0]["credited"] == "339.00"
    assert_verified()


@pytest.mark.parametrize(
    ("line", "net", "rate", "code"),
    [
        (None, "10.00", "0.13", "credit_note.contract_line_required"),
        ("unknown", "10.00", "0.13", "credit_note.contract_line_not_on_invoice"),
        ("support", "1200.01", "0.13", "credit_note.exceeds_invoiced"),
        ("support", "10.00", "0.06", "credit_note.tax_rate"),
    ],
)
def test_refusals_answer_their_code_and_change_nothing(
    client, company, ratable, line, net, rate, code
):
    _contract, support, invoice = ratable
    client.force_login(company.finance)
    before = nothing_changed()
    contract_line_id = {None: None, "unknown": support.pk + 999, "support": support.pk}[line]
    response = client.post(
        "/api/v1/receivables/credit-notes",
        payload(invoice, contract_line_id, net, rate),
        content_type="application/json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (422, code)
    assert nothing_changed() == before
    assert_verified()


def test_the_credit_note_page_offers_the_contract_lines(client, company, ratable):
    _contract, support, invoice = ratable
    client.force_login(company.finance)
    url = reverse("receivables:credit_note_create", args=[invoice.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-testid="contract-credit-line-{support.pk}"' in html
    assert "Amount to credit (net)" in html and "Add line" not in html
    form = {
        "date": CREDITED.isoformat(),
        "reason": "服务中断",
        "credit-TOTAL_FORMS": "1",
        "credit-INITIAL_FORMS": "1",
        "credit-0-contract_line_id": str(support.pk),
        "credit-0-amount": "1200.01",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200 and not CreditNote.objects.exists()
    form["credit-0-amount"] = "300.00"
    done = client.post(url, form)
    assert done.status_code == 302
    (row,) = LineCredit.objects.all()
    assert (row.line_id, row.net, row.tax) == (support.pk, D("300.00"), D("39.00"))
    assert ContractLine.objects.get(pk=support.pk).credited == D("300.00")
    again = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "¥900.00" in again  # left to credit
    assert_verified()


def test_the_reconciliation_page_shows_what_was_credited(client, company, ratable):
    contract, support, invoice = ratable
    client.force_login(company.finance)
    client.post(
        "/api/v1/receivables/credit-notes",
        payload(invoice, support.pk),
        content_type="application/json",
    )
    html = client.get("/billing/reconciliation/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Credited" in html
    assert f'data-testid="credited-{contract.pk}">CN¥339.00' in html
    assert f'data-testid="ties-{contract.pk}"><span class="status status-paid">' in html
