"""The "contracts" kind (decision 068): contracts with payment plans land active without an
approval, installments the old system billed are never billed again, bad rows are listed
and import nothing, a second run changes nothing, and `verify` holds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cashloop.approvals.services import approval_flow_create
from cashloop.contracts.amendments import amendment_create
from cashloop.contracts.billing import contract_invoices_generate
from cashloop.contracts.choices import ContractStatus, PlanDueRule, PlanItemStatus
from cashloop.contracts.errors import ContractError
from cashloop.contracts.models import Contract
from cashloop.contracts.recognition import revenue_recognition_run
from cashloop.contracts.reconciliation import contract_reconciliation
from cashloop.contracts.services import CONTRACT_TYPE, PlanItemIn
from cashloop.core.errors import DomainError
from cashloop.cpq.services import product_create
from cashloop.customers.models import Customer
from cashloop.imports.errors import ImportsError
from cashloop.imports.models import ImportJob
from cashloop.imports.services import import_job_create, import_job_run
from cashloop.imports.tests.files import (
    CONTRACTS_EN,
    CONTRACTS_ZH,
    CUSTOMERS_ZH,
    INVOICES_EN,
    PAYMENTS_ZH,
)
from cashloop.receivables.choices import InvoiceOrigin
from cashloop.receivables.models import Invoice
from cashloop.receivables.services import LineIn, credit_note_create
from cashloop.reports.revenue import revenue_params, revenue_report
from cashloop.webhooks.models import WebhookDelivery
from cashloop.webhooks.services import webhook_subscription_create
from tests.ledger_check import assert_verified

HEADER = CONTRACTS_ZH.splitlines()[0]
ROW = "HT-9,M001,服务合同,2026-01-10,,,CNY,,13%,,,首付款,2026-03-01,100.00,,已回款"


def _import(actor, kind, text, *, encoding="utf-8", **options):
    job = import_job_create(
        actor=actor, kind=kind, file_name="f.csv", content=text.encode(encoding)
    )
    return import_job_run(actor=actor, job_id=job.pk, **options)


def _check(actor, text):
    return import_job_create(
        actor=actor, kind="contracts", file_name="c.csv", content=text.encode()
    )


@pytest.fixture
def opening(company):
    """Customers, open invoices and payments migrated first, as the wizard suggests."""
    _import(company.admin, "customers", CUSTOMERS_ZH)
    _import(company.admin, "invoices", INVOICES_EN)
    _import(company.admin, "payments", PAYMENTS_ZH, encoding="gb18030")
    return company


@pytest.fixture
def migrated(opening):
    # An approval flow that would catch any new contract, and a subscriber to activations:
    # a migrated contract goes through neither.
    webhook_subscription_create(
        actor=opening.admin,
        name="ERP",
        url="http://127.0.0.1:9/hook",
        events=["contract.activated"],
    )
    approval_flow_create(
        actor=opening.admin,
        document_type=CONTRACT_TYPE,
        name="所有合同",
        conditions={"field": "base_total", "op": "gt", "value": "0"},
        steps=[{"approvers": [{"kind": "user", "value": opening.finance.pk}], "rule": "any"}],
    )
    job = _import(opening.admin, "contracts", CONTRACTS_ZH)
    assert (job.errors, job.imported_rows) == ([], 8)
    return opening


def test_contracts_land_active_with_their_old_numbers_and_plans(migrated):
    first = Contract.objects.get(number="HT-2026-01")
    assert first.status == ContractStatus.ACTIVE and first.approval_request is None
    assert not WebhookDelivery.objects.exists()
    assert (first.owner, first.total, first.signing_date) == (
        migrated.rep_east,
        Decimal("7500.00"),
        date(2026, 1, 10),
    )
    line = first.lines.get()
    assert (line.net + line.tax, line.tax_rate, line.quantity) == (
        Decimal("7500"),
        Decimal("0.13"),
        1,
    )
    plan = {item.label: item for item in first.plan.all()}
    assert plan["首付款"].status == PlanItemStatus.BILLED_BEFORE and plan["首付款"].invoice is None
    assert plan["进度款"].status == PlanItemStatus.BILLED_BEFORE
    assert plan["进度款"].invoice == Invoice.objects.get(memo="OLD-1001")
    assert plan["验收款"].status == plan["尾款"].status == PlanItemStatus.SCHEDULED
    assert plan["尾款"].due_date == date(2030, 6, 30)
    # The migrated open invoice is the contract's now: invoiced counts it.
    assert first.invoiced == Decimal("1500.00")
    usd = Contract.objects.get(number="HT-2026-03")
    assert (usd.currency, usd.rate, usd.end_date) == ("USD", Decimal("7.1"), date(2027, 8, 31))
    assert usd.owner == migrated.rep_south and usd.lines.get().tax == 0
    rows = {row.number: row for row in contract_reconciliation(user=migrated.admin)}
    assert rows["HT-2026-01"].ties and rows["HT-2026-01"].billed_before == Decimal("3000.00")
    assert rows["HT-2026-03"].billed_before == Decimal("200.00")
    assert_verified()


def test_billing_never_bills_what_the_old_system_billed(migrated):
    today = timezone.localdate()
    assert today >= date(2026, 10, 31)  # the file's past installments are due
    # when
    invoices = contract_invoices_generate(actor=migrated.finance, on=today)
    again = contract_invoices_generate(actor=migrated.finance, on=today)
    # then: only the two installments not invoiced in the old system
    billed = sorted((invoice.plan_item.label, invoice.total) for invoice in invoices)
    assert billed == [("到货款", Decimal("1600.00")), ("验收款", Decimal("2000.00"))]
    assert again == []
    assert all(invoice.origin == InvoiceOrigin.CONTRACT for invoice in invoices)
    second = Contract.objects.get(number="HT-2026-02")
    # Its last installment took what is left of the line after the part billed before.
    assert second.invoiced == Decimal("4000.00") and second.lines.get().recognised == Decimal(
        "1415.93"
    )
    assert second.plan.filter(status=PlanItemStatus.SCHEDULED).count() == 0
    assert_verified()


def test_revenue_the_old_system_recognised_is_not_recognised_again(migrated):
    posted = revenue_recognition_run(actor=None, period=date(2026, 10, 1))
    assert posted == []
    assert not Contract.objects.exclude(recognised=0).exists()
    assert_verified()


def test_an_amendment_keeps_the_installments_billed_before(migrated):
    first = Contract.objects.get(number="HT-2026-01")
    # The first installment, paid in the old system, cut; the last one raised as much.
    amounts = {1: Decimal("500.00"), 4: Decimal("3500.00")}
    plan = [
        PlanItemIn(
            item.label,
            amount=amounts.get(n, item.amount),
            due_rule=PlanDueRule.FIXED_DATE,
            fixed_date=item.due_date,
        )
        for n, item in enumerate(first.plan.all(), 1)
    ]
    with pytest.raises(DomainError) as refused:
        amendment_create(actor=migrated.admin, contract_id=first.pk, reason="改", plan=plan)
    assert refused.value.code == ContractError.AMEND_INVOICED


def test_a_credit_note_on_a_linked_migrated_invoice_keeps_verify_clean(migrated):
    invoice = Invoice.objects.get(memo="OLD-1002")
    credit_note_create(
        actor=migrated.finance,
        lines=[LineIn("折让", Decimal(1), Decimal("100.00"), Decimal(0))],
        reason="折让",
        credit_date=date(2026, 10, 30),
        invoice_id=invoice.pk,
    )
    assert Contract.objects.get(number="HT-2026-02").credited == Decimal("100.00")
    assert_verified()


def test_running_the_same_file_again_changes_nothing(migrated):
    counts = (Contract.objects.count(), Invoice.objects.count())
    again = _import(migrated.admin, "contracts", CONTRACTS_ZH)
    assert (again.existing_rows, again.imported_rows, again.errors) == (8, 0, [])
    assert (Contract.objects.count(), Invoice.objects.count()) == counts
    assert_verified()


def test_english_headers_are_recognised(opening):
    job = _check(opening.admin, CONTRACTS_EN)
    assert job.mapping["number"] == "Contract number" and job.mapping["state"] == "Status"
    assert job.mapping["amount"] == "Amount" and job.mapping["total"] == "Contract total"
    assert job.errors == []
    # Installments due already but not invoiced in the old system: billing will invoice them.
    assert [w["line"] for w in job.warnings] == [2, 6]
    assert "2026-10-15" in job.warnings[0]["message"]
    zh = _check(opening.admin, CONTRACTS_ZH)
    assert zh.mapping["label"] == "款项" and zh.mapping["invoice"] == "发票号"
    assert zh.mapping["amount"] == "金额" and zh.mapping["total"] == "合同金额"


BAD = {
    # unknown customer
    "HT-B1,NOPE,服务,2026-01-10,,,CNY,,13%,,,首付款,2026-03-01,100.00,,": (
        "客户编码",
        ImportsError.UNKNOWN_REFERENCE,
    ),
    # unknown product
    "HT-B2,M001,服务,2026-01-10,,,CNY,,13%,,,首付款,2026-03-01,100.00,,": None,
    # an invoice that is not a migrated one
    "HT-B3,M001,服务,2026-01-10,,,CNY,,13%,,,首付款,2026-03-01,100.00,NOPE-1,": (
        "发票号",
        ImportsError.UNKNOWN_REFERENCE,
    ),
    # a migrated invoice of another customer
    "HT-B4,M001,服务,2026-01-10,,,CNY,,13%,,,首付款,2026-03-01,3000.00,OLD-1002,": (
        "发票号",
        ImportsError.UNKNOWN_REFERENCE,
    ),
    # the invoice asks more than the installment
    "HT-B5,M001,服务,2026-01-10,,,CNY,,13%,,,首付款,2026-03-01,100.00,OLD-1001,": (
        "发票号",
        ImportsError.INVOICE_EXCEEDS,
    ),
    # installments not summing to the total
    "HT-B6,M001,服务,2026-01-10,,,CNY,,13%,,999.00,首付款,2026-03-01,100.00,,": (
        "合同金额",
        ImportsError.PLAN_SUM,
    ),
    # ends before it starts
    "HT-B7,M001,服务,2026-01-10,2026-02-01,2026-01-31,CNY,,13%,,,首付款,2026-03-01,100.00,,": (
        "结束日期",
        ImportsError.DATE_ORDER,
    ),
    # no tax rate, and no product to take it from
    "HT-B8,M001,服务,2026-01-10,,,CNY,,,,,首付款,2026-03-01,100.00,,": (
        "税率",
        ImportsError.REQUIRED,
    ),
    # a tax rate not allowed
    "HT-B9,M001,服务,2026-01-10,,,CNY,,12%,,,首付款,2026-03-01,100.00,,": None,
    # an invoice number on an installment said not to be invoiced
    "HT-B10,M001,服务,2026-01-10,,,CNY,,13%,,,首付款,2026-03-01,1500.00,OLD-1001,未开票": (
        "状态",
        ImportsError.INSTALLMENT_STATE,
    ),
    # a status that is none of the known
    "HT-B11,M001,服务,2026-01-10,,,CNY,,13%,,,首付款,2026-03-01,100.00,,也许": (
        "状态",
        ImportsError.CHOICE,
    ),
    # a foreign currency without its rate
    "HT-B12,M003,Services,2026-01-10,,,USD,,0,,,一期,2026-03-01,100.00,,": (
        "汇率",
        ImportsError.REQUIRED,
    ),
    # a migrated invoice in another currency than the contract's
    "HT-B13,M003,Services,2026-01-10,,,CNY,,0,,,一期,2026-03-01,300.00,OLD-1003,": (
        "发票号",
        ImportsError.CURRENCY_MISMATCH,
    ),
}


def test_bad_rows_are_listed_with_their_codes_and_nothing_is_imported(opening):
    header = HEADER + ",产品编码"
    rows = [row + (",NO-SUCH" if row.startswith("HT-B2,") else ",") for row in BAD]
    job = _check(opening.admin, header + "\n" + "\n".join(rows) + "\n")
    found = {(e["line"], e["column"]): e["code"] for e in job.errors}
    for line, expected in enumerate(BAD.values(), 2):
        if expected is None:
            continue
        column, code = expected
        assert found.get((line, column)) == code.code, (line, found)
    assert found[(3, "产品编码")] == ImportsError.UNKNOWN_REFERENCE.code
    assert found[(10, "税率")] == "invoice.tax_rate"
    assert job.error_rows == len(BAD)
    with pytest.raises(DomainError) as refused:
        import_job_run(actor=opening.admin, job_id=job.pk)
    assert refused.value.code == ImportsError.HAS_ERRORS
    assert not Contract.objects.exists()
    assert_verified()


def test_an_invoice_is_one_installments_only(opening):
    text = (
        HEADER
        + "\nHT-L1,M002,服务,2026-01-10,,,CNY,,13%,,,首付款,2026-03-01,2400.00,OLD-1002,"
        + "\nHT-L2,M002,服务,2026-01-10,,,CNY,,13%,,,首付款,2026-03-01,2400.00,OLD-1002,\n"
    )
    job = _check(opening.admin, text)
    assert [(e["line"], e["code"]) for e in job.errors] == [(3, ImportsError.INVOICE_LINKED.code)]
    _import(opening.admin, "contracts", text, valid_only=True)
    # Taken now by HT-L1: a later file naming it again is refused too.
    later = _check(opening.admin, text.replace("HT-L2", "HT-L3"))
    assert {e["code"] for e in later.errors} == {ImportsError.INVOICE_LINKED.code}
    assert_verified()


def test_a_number_cashloop_has_already_is_refused(opening):
    product_create(actor=opening.admin, code="SVC", name="运维服务", tax_rate=Decimal("0.06"))
    _import(opening.admin, "contracts", HEADER + ",产品编码\n" + ROW + ",SVC\n")
    contract = Contract.objects.get(number="HT-9")
    assert (
        contract.lines.get().description == "运维服务"
        and contract.lines.get().tax_rate == Decimal("0.13")
    )
    Contract.objects.filter(pk=contract.pk).update(number="HT-10")
    job = _check(opening.admin, HEADER + "\n" + ROW.replace("HT-9", "ht-10") + "\n")
    assert [e["code"] for e in job.errors] == [ImportsError.NUMBER_TAKEN.code]


def test_a_migration_through_the_api(opening, client):
    client.force_login(opening.admin)
    kinds = {k["key"]: k for k in client.get("/api/v1/imports/kinds").json()}
    assert kinds["contracts"]["natural_key"] == ["number"]
    upload = client.post(
        "/api/v1/imports/jobs",
        {"kind": "contracts", "file": SimpleUploadedFile("contracts.csv", CONTRACTS_EN.encode())},
    )
    assert upload.status_code == 201 and upload.json()["errors"] == []
    job_id = upload.json()["id"]
    done = client.post(f"/api/v1/imports/jobs/{job_id}/run", {}, content_type="application/json")
    assert done.status_code == 202, done.json()
    assert ImportJob.objects.get(pk=job_id).imported_rows == 8
    assert Contract.objects.filter(status=ContractStatus.ACTIVE).count() == 3
    reconciliation = client.get("/api/v1/contract-reconciliation").json()
    totals = {t["currency"]: t for t in reconciliation["totals"]}
    assert totals["CNY"]["billed_before"] == "3000.00"
    assert_verified()


def test_the_backlog_leaves_out_what_the_old_system_billed(migrated):
    def backlog() -> dict[str, Decimal]:
        params = revenue_params(
            measure="backlog", dimension="customer", date_to=timezone.localdate().isoformat()
        )
        found = revenue_report(user=migrated.admin, params=params)
        codes = dict(Customer.objects.values_list("pk", "code"))
        return {codes[row.key]: row.current for row in found.rows if row.current}

    # HT-2026-01 has 3,000.00 of 7,500.00 left to bill, HT-2026-02 1,600.00 of 4,000.00, both
    # at 13% VAT; HT-2026-03 nothing: net amounts in the base currency.
    assert backlog() == {"M001": Decimal("2654.87"), "M002": Decimal("1415.93")}
    contract_invoices_generate(actor=migrated.finance, on=timezone.localdate())
    assert backlog() == {"M001": Decimal("884.96")}
