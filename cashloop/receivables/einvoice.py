"""E-invoices (decision 058): an issued invoice as UBL 2.1 XML, shaped by Peppol BIS Billing
3.0 (EN 16931), for customers abroad whose systems read it.

Built with lxml.  The document carries the seller (`InvoicingProfile`), the buyer (the
customer's legal name, tax ID, address and country), the lines with their VAT category and
rate, the VAT breakdown by rate, the totals, the payment terms from the installments and
the seller's bank account.  Every amount is in the invoice's currency, to its minor unit.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from lxml import etree

from cashloop.core.money import quantize
from cashloop.receivables.models import Invoice, InvoicingProfile

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
COMMERCIAL_INVOICE = "380"
CREDIT_TRANSFER = "30"
# UN/ECE recommendation 20 "one": a line's own unit is free text, not a code.
UNIT_CODE = "C62"
CONTENT_TYPE = "application/xml; charset=utf-8"
ZERO = Decimal(0)
PRICE_STEP = Decimal("0.0001")


def _cbc(parent: Any, name: str, text: object, **attributes: str) -> Any:
    element = etree.SubElement(parent, f"{{{NS_CBC}}}{name}", attributes)
    element.text = str(text)
    return element


def _cac(parent: Any, name: str) -> Any:
    return etree.SubElement(parent, f"{{{NS_CAC}}}{name}")


def invoice_xml(invoice: Invoice, seller: InvoicingProfile) -> bytes:
    """The invoice (issued, with its customer, lines and installments read) as UBL XML."""
    currency = invoice.currency

    def amount(parent: Any, name: str, value: Decimal) -> None:
        _cbc(parent, name, format(quantize(value, currency), "f"), currencyID=currency)

    root = etree.Element(
        f"{{{NS_INVOICE}}}Invoice", nsmap={None: NS_INVOICE, "cac": NS_CAC, "cbc": NS_CBC}
    )
    _cbc(root, "CustomizationID", CUSTOMIZATION)
    _cbc(root, "ProfileID", PROFILE)
    _cbc(root, "ID", invoice.number)
    _cbc(root, "IssueDate", invoice.issue_date.isoformat())
    installments = list(invoice.installments.all())
    if len(installments) == 1:
        _cbc(root, "DueDate", installments[0].due_date.isoformat())
    _cbc(root, "InvoiceTypeCode", COMMERCIAL_INVOICE)
    if invoice.memo:
        _cbc(root, "Note", invoice.memo)
    _cbc(root, "DocumentCurrencyCode", currency)
    _cbc(root, "BuyerReference", invoice.customer.code)
    lines = list(invoice.lines.all())
    contract = next((ln.contract_line.contract for ln in lines if ln.contract_line), None)
    if contract is not None:
        _cbc(_cac(root, "ContractDocumentReference"), "ID", contract.number)
    _party(_cac(root, "AccountingSupplierParty"), seller.legal_name, seller.tax_id, seller)
    customer = invoice.customer
    _party(
        _cac(root, "AccountingCustomerParty"),
        customer.legal_name or customer.name,
        customer.tax_id,
        customer,
    )
    if seller.bank_account:
        means = _cac(root, "PaymentMeans")
        _cbc(means, "PaymentMeansCode", CREDIT_TRANSFER)
        _cbc(means, "PaymentID", invoice.number)
        account = _cac(means, "PayeeFinancialAccount")
        _cbc(account, "ID", seller.bank_account)
        if seller.bank_name:
            _cbc(account, "Name", seller.bank_name)
    _cbc(
        _cac(root, "PaymentTerms"),
        "Note",
        "; ".join(
            f"{format(quantize(i.amount, currency), 'f')} {currency} {i.due_date.isoformat()}"
            for i in installments
        ),
    )
    by_rate: dict[Decimal, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for line in lines:
        by_rate[line.tax_rate][0] += line.net
        by_rate[line.tax_rate][1] += line.tax
    tax_total = _cac(root, "TaxTotal")
    amount(tax_total, "TaxAmount", invoice.tax_total)
    for rate, (taxable, tax) in sorted(by_rate.items()):
        subtotal = _cac(tax_total, "TaxSubtotal")
        amount(subtotal, "TaxableAmount", taxable)
        amount(subtotal, "TaxAmount", tax)
        _category(_cac(subtotal, "TaxCategory"), rate)
    totals = _cac(root, "LegalMonetaryTotal")
    amount(totals, "LineExtensionAmount", invoice.subtotal)
    amount(totals, "TaxExclusiveAmount", invoice.subtotal)
    amount(totals, "TaxInclusiveAmount", invoice.total)
    amount(totals, "PayableAmount", invoice.total)
    for line in lines:
        row = _cac(root, "InvoiceLine")
        _cbc(row, "ID", line.position)
        _cbc(row, "InvoicedQuantity", format(line.quantity.normalize(), "f"), unitCode=UNIT_CODE)
        amount(row, "LineExtensionAmount", line.net)
        item = _cac(row, "Item")
        _cbc(item, "Name", line.description)
        _category(_cac(item, "ClassifiedTaxCategory"), line.tax_rate)
        _price(_cac(row, "Price"), line.net, line.quantity, currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _party(parent: Any, legal_name: str, tax_id: str, place: Any) -> None:
    party = _cac(parent, "Party")
    _cbc(_cac(party, "PartyName"), "Name", legal_name)
    address = _cac(party, "PostalAddress")
    street = " ".join(place.address.split())
    if street:
        _cbc(address, "StreetName", street)
    for attribute, name in (("city", "CityName"), ("postal_code", "PostalZone")):
        if getattr(place, attribute, ""):
            _cbc(address, name, getattr(place, attribute))
    _cbc(_cac(address, "Country"), "IdentificationCode", place.country)
    if tax_id:
        scheme = _cac(party, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", tax_id)
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", legal_name)
    if tax_id:
        _cbc(legal, "CompanyID", tax_id)
    contact_email = getattr(place, "email", "")
    if contact_email:
        _cbc(_cac(party, "Contact"), "ElectronicMail", contact_email)


def _price(parent: Any, net: Decimal, quantity: Decimal, currency: str) -> None:
    """The net price, the discount taken, such that quantity x price is the line's net: of
    one unit when that is exact to four places, else of the whole quantity (BaseQuantity)."""
    unit = (net / quantity).quantize(PRICE_STEP) if quantity else net
    if unit * quantity == net:
        _cbc(parent, "PriceAmount", format(unit.normalize(), "f"), currencyID=currency)
        return
    _cbc(parent, "PriceAmount", format(net.normalize(), "f"), currencyID=currency)
    _cbc(parent, "BaseQuantity", format(quantity.normalize(), "f"), unitCode=UNIT_CODE)


def _category(parent: Any, rate: Decimal) -> None:
    """VAT category S (standard) at the rate, or Z (zero-rated)."""
    _cbc(parent, "ID", "S" if rate > 0 else "Z")
    _cbc(parent, "Percent", format((rate * 100).normalize(), "f"))
    _cbc(_cac(parent, "TaxScheme"), "ID", "VAT")
