"""E-invoices (decision 058): an issued invoice as UBL 2.1 XML, validated against the OASIS
schemas shipped in `ubl21/`; the seller's invoicing details; through the API and the pages,
with the error codes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from lxml import etree

from cashloop.contracts.billing import contract_invoices_generate
from cashloop.contracts.choices import PlanDueRule
from cashloop.contracts.services import (
    ContractLineIn,
    PlanItemIn,
    contract_activate,
    contract_create,
)
from cashloop.core.errors import DomainError
from cashloop.receivables.choices import DueRule
from cashloop.receivables.models import InvoicingProfile
from cashloop.receivables.selectors import invoice_einvoice
from cashloop.receivables.services import (
    InstallmentIn,
    invoice_create,
    invoicing_profile_update,
)
from cashloop.receivables.tests.test_services import issued, line
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db
D = Decimal
API = "/api/v1/receivables"
SCHEMAS = Path(__file__).parent / "ubl21" / "xsdrt" / "maindoc"
EXAMPLES = Path(__file__).resolve().parents[4] / "shared" / "data" / "einvoice"
NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


@pytest.fixture(scope="module")
def invoice_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "UBL-Invoice-2.1.xsd")))


def valid(schema: etree.XMLSchema, xml: bytes) -> etree._Element:
    document = etree.fromstring(xml)
    assert schema.validate(document), schema.error_log
    return document


def text(document: etree._Element, path: str) -> list[str]:
    return [node.text for node in document.xpath(path, namespaces=NS)]


@pytest.fixture
def seller(company):
    return invoicing_profile_update(
        actor=company.finance,
        changes={
            "legal_name": "上海云账科技有限公司 Shanghai Cashloop Tech Co., Ltd.",
            "tax_id": "91310000MA1FL12345",
            "address": "浦东新区世纪大道 100 号\n20 楼",
            "city": "上海 Shanghai",
            "postal_code": "200120",
            "country": "cn",
            "email": "ar@cashloop.example",
            "bank_name": "招商银行上海分行",
            "bank_account": "1219 0000 0000 0001",
        },
    )


@pytest.fixture
def buyer(company):
    return CustomerFactory(
        owner=company.rep_east,
        name="Müller",
        legal_name="Müller Maschinenbau GmbH",
        tax_id="DE123456789",
        address="Industriestraße 5\n70565 Stuttgart",
        country="DE",
    )


def test_an_issued_invoice_is_a_valid_ubl_invoice_with_its_vat_breakdown(
    client, company, seller, buyer, invoice_schema
):
    invoice = issued(
        company,
        buyer,
        lines=[
            line("333.33", qty="3", discount="10", text="软件许可 Licence"),  # 899.99 net
            line("100.00", rate="0.06", text="支持 Support"),
            line("50.00", rate="0", text="出口服务 Export service"),
        ],
        installments=[
            InstallmentIn(share=D(1), due_rule=DueRule.DAYS_AFTER, due_days=0),
            InstallmentIn(share=D(1), due_rule=DueRule.DAYS_AFTER, due_days=30),
        ],
        memo="PO 4500012345",
    )
    client.force_login(company.finance)
    response = client.get(f"{API}/invoices/{invoice.pk}/ubl")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.xml"'
    document = valid(invoice_schema, response.content)

    assert text(document, "/inv:Invoice/cbc:ID") == [invoice.number]
    assert text(document, "/inv:Invoice/cbc:InvoiceTypeCode") == ["380"]
    assert text(document, "/inv:Invoice/cbc:DocumentCurrencyCode") == ["CNY"]
    assert text(document, "/inv:Invoice/cbc:Note") == ["PO 4500012345"]
    # Two installments: no single due date, the terms say both.
    assert text(document, "/inv:Invoice/cbc:DueDate") == []
    assert len(text(document, "//cac:PaymentTerms/cbc:Note")[0].split("; ")) == 2
    supplier = "//cac:AccountingSupplierParty/cac:Party"
    assert text(document, f"{supplier}/cac:PartyTaxScheme/cbc:CompanyID") == [seller.tax_id]
    assert text(document, f"{supplier}//cac:Country/cbc:IdentificationCode") == ["CN"]
    customer = "//cac:AccountingCustomerParty/cac:Party"
    assert text(document, f"{customer}/cac:PartyLegalEntity/cbc:RegistrationName") == [
        "Müller Maschinenbau GmbH"
    ]
    assert text(document, f"{customer}//cbc:StreetName") == ["Industriestraße 5 70565 Stuttgart"]
    assert text(document, f"{customer}//cac:Country/cbc:IdentificationCode") == ["DE"]
    assert text(document, "//cac:PayeeFinancialAccount/cbc:ID") == [seller.bank_account]
    # VAT by rate: 0%, 6%, 13%; the totals are the invoice's.
    subtotals = document.xpath("//cac:TaxTotal/cac:TaxSubtotal", namespaces=NS)
    assert [
        (
            s.findtext("cbc:TaxableAmount", namespaces=NS),
            s.findtext("cbc:TaxAmount", namespaces=NS),
            s.findtext("cac:TaxCategory/cbc:ID", namespaces=NS),
            s.findtext("cac:TaxCategory/cbc:Percent", namespaces=NS),
        )
        for s in subtotals
    ] == [
        ("50.00", "0.00", "Z", "0"),
        ("100.00", "6.00", "S", "6"),
        ("899.99", "117.00", "S", "13"),
    ]
    cents = D("0.01")
    assert text(document, "//cac:TaxTotal/cbc:TaxAmount") == [
        str(invoice.tax_total.quantize(cents))
    ]
    assert text(document, "//cac:LegalMonetaryTotal/cbc:LineExtensionAmount") == ["1049.99"]
    assert text(document, "//cac:LegalMonetaryTotal/cbc:PayableAmount") == [
        str(invoice.total.quantize(cents))
    ]
    # The discounted line's price: 899.99 is not 3 x a price to four places, so it is the
    # price of the three.
    first = document.xpath("//cac:InvoiceLine[cbc:ID='1']/cac:Price", namespaces=NS)[0]
    assert first.findtext("cbc:PriceAmount", namespaces=NS) == "899.99"
    assert first.findtext("cbc:BaseQuantity", namespaces=NS) == "3"
    assert text(document, "//cac:InvoiceLine[cbc:ID='2']/cac:Price/cbc:PriceAmount") == ["100"]
    assert_verified()


def test_a_contract_invoice_names_its_contract(company, seller, buyer, invoice_schema):
    signed = timezone.localdate() - timedelta(days=10)
    draft = contract_create(
        actor=company.rep_east,
        customer_id=buyer.pk,
        title="Wartung",
        start_date=signed,
        end_date=signed + timedelta(days=365),
        signing_date=signed,
        lines=[ContractLineIn(None, "维护 Maintenance", D("4"), D("2500.00"), D("0.06"))],
        plan=[PlanItemIn("全款", percent=D("100"), due_rule=PlanDueRule.ON_SIGNING, due_days=0)],
    )
    contract = contract_activate(actor=company.manager_east, contract_id=draft.pk)
    (invoice,) = contract_invoices_generate(actor=company.finance, on=signed)
    _, xml = invoice_einvoice(user=company.finance, invoice_id=invoice.pk)
    document = valid(invoice_schema, xml)
    assert text(document, "//cac:ContractDocumentReference/cbc:ID") == [contract.number]
    assert text(document, "/inv:Invoice/cbc:DueDate") == [signed.isoformat()]
    assert_verified()


@pytest.mark.skipif(not EXAMPLES.exists(), reason="the shared e-invoice samples are not here")
def test_the_shipped_schemas_accept_the_published_examples(invoice_schema):
    """Our copy of the schemas is complete: the Peppol and OASIS examples validate."""
    examples = [
        *(EXAMPLES / "peppol_bis3").glob("*.xml"),
        *(EXAMPLES / "ubl21" / "examples").glob("UBL-Invoice-*.xml"),
    ]
    invoices = [p for p in examples if etree.parse(str(p)).getroot().tag.endswith("}Invoice")]
    assert invoices
    for path in invoices:
        assert invoice_schema.validate(etree.parse(str(path))), (path, invoice_schema.error_log)


def test_what_cannot_become_an_e_invoice_is_refused(client, company, buyer):
    client.force_login(company.finance)
    invoice = issued(company, buyer)
    no_seller = client.get(f"{API}/invoices/{invoice.pk}/ubl")
    assert no_seller.status_code == 422
    assert no_seller.json()["error"]["code"] == "einvoice.no_seller"
    invoicing_profile_update(actor=company.finance, changes={"legal_name": "卖方 Seller"})
    draft = invoice_create(
        actor=company.finance, customer_id=buyer.pk, issue_date=invoice.issue_date, lines=[line()]
    )
    not_issued = client.get(f"{API}/invoices/{draft.pk}/ubl")
    assert (not_issued.status_code, not_issued.json()["error"]["code"]) == (
        409,
        "einvoice.not_issued",
    )
    assert client.get(f"{API}/invoices/999999/ubl").status_code == 404
    # Another team's rep does not see the invoice.
    client.force_login(company.rep_south)
    assert client.get(f"{API}/invoices/{invoice.pk}/ubl").status_code == 404


def test_the_invoicing_details_are_kept_by_finance(client, company):
    client.force_login(company.finance)
    assert client.get(f"{API}/invoicing-profile").status_code == 204
    body = {"legal_name": "卖方 Seller", "country": "DE", "tax_id": "DE999"}
    saved = client.put(f"{API}/invoicing-profile", body, content_type="application/json")
    assert saved.status_code == 200 and saved.json()["country"] == "DE"
    again = client.put(
        f"{API}/invoicing-profile", {**body, "legal_name": "Seller GmbH"}, "application/json"
    )
    assert again.json()["legal_name"] == "Seller GmbH" and InvoicingProfile.objects.count() == 1
    for bad, code in (
        ({**body, "country": "1X"}, "country.invalid"),
        ({**body, "email": "not an email"}, "validation.invalid"),
        ({**body, "colour": "red"}, "request.invalid"),
    ):
        refused = client.put(f"{API}/invoicing-profile", bad, content_type="application/json")
        assert refused.status_code == 422, refused.json()
        assert refused.json()["error"]["code"] == code
    assert InvoicingProfile.objects.get().legal_name == "Seller GmbH"
    client.force_login(company.rep_east)
    assert client.get(f"{API}/invoicing-profile").status_code == 200
    denied = client.put(f"{API}/invoicing-profile", body, content_type="application/json")
    assert denied.status_code == 403
    with pytest.raises(DomainError):
        invoicing_profile_update(actor=company.rep_east, changes={"legal_name": "x"})


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_pages_save_the_details_and_download_the_e_invoice(
    client, company, buyer, language, invoice_schema
):
    client.force_login(company.finance)
    invoice = issued(company, buyer)
    detail = client.get(f"/invoices/{invoice.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert 'data-testid="download-ubl"' in detail.content.decode()
    refused = client.get(f"/invoices/{invoice.pk}/ubl/", HTTP_ACCEPT_LANGUAGE=language)
    assert refused.status_code == 302 and refused.url == f"/invoices/{invoice.pk}/"
    page = client.get("/invoicing-profile/", HTTP_ACCEPT_LANGUAGE=language)
    assert ("Invoicing details" if language == "en" else "开票信息") in page.content.decode()
    bad = client.post(
        "/invoicing-profile/",
        {"legal_name": "卖方", "country": "9"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert bad.status_code == 200 and not InvoicingProfile.objects.exists()
    saved = client.post(
        "/invoicing-profile/",
        {"legal_name": "卖方 Seller", "country": "cn", "bank_account": "6222 0000"},
    )
    assert saved.status_code == 302 and InvoicingProfile.objects.get().country == "CN"
    download = client.get(f"/invoices/{invoice.pk}/ubl/")
    assert download.status_code == 200
    valid(invoice_schema, download.content)
    settings = client.get("/settings/", HTTP_ACCEPT_LANGUAGE=language)
    assert 'data-testid="settings-invoicing"' in settings.content.decode()


def test_a_customer_s_address_and_country_through_the_api(client, company):
    client.force_login(company.rep_east)
    made = client.post(
        "/api/v1/customers",
        {
            "code": "DE01",
            "name": "Berlin GmbH",
            "currency": "EUR",
            "country": "DE",
            "address": "Unter den Linden 1",
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.json()
    assert (made.json()["country"], made.json()["address"]) == ("DE", "Unter den Linden 1")
    bad = client.patch(
        f"/api/v1/customers/{made.json()['id']}", {"country": "Germany"}, "application/json"
    )
    assert bad.status_code == 422
    assert client.get(f"/api/v1/customers/{made.json()['id']}").json()["country"] == "DE"
