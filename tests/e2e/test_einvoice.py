"""E-invoices through the browser: finance asks for an issued invoice's e-invoice, is told
the seller is not known yet, fills in the invoicing details from Settings, and downloads
the invoice as UBL XML, which the OASIS schema accepts.

The customer abroad and its issued invoice are made beforehand with the services; after
that, everything goes through the pages.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone
from lxml import etree
from playwright.sync_api import expect

from cashloop.receivables.tests.test_einvoice import SCHEMAS
from cashloop.reports.tests.helpers import invoice
from tests.e2e.test_credit_hold import sign_in
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_finance_fills_in_the_seller_and_downloads_a_valid_e_invoice(
    page, shoot, live_server, company
):
    today = timezone.localdate()
    buyer = CustomerFactory(
        owner=company.rep_east,
        name="Müller",
        legal_name="Müller Maschinenbau GmbH",
        tax_id="DE123456789",
        address="Industriestraße 5, 70565 Stuttgart",
        country="DE",
    )
    issued = invoice(company.finance, buyer, today, ("2400.00", today))
    base = live_server.url

    sign_in(page, base, company.finance.username, "en")
    page.goto(f"{base}/invoices/{issued.pk}/")
    page.get_by_test_id("download-ubl").click()
    expect(page.locator("ul.flash")).to_contain_text("einvoice.no_seller")

    page.goto(f"{base}/settings/")
    page.get_by_test_id("invoicing-profile").click()
    form = page.get_by_test_id("invoicing-profile-form")
    form.get_by_label("Legal name").fill("上海云环信息科技有限公司")
    form.get_by_label("Tax ID").fill("91310115MA1K4CL00X")
    form.get_by_label("Address").fill("浦东新区张江路 88 号")
    form.get_by_label("Country").fill("cn")
    form.get_by_label("Bank account").fill("1219 0880 0010 888")
    page.get_by_test_id("save-invoicing-profile").click()
    expect(page.get_by_text("Invoicing details saved.")).to_be_visible()
    expect(page.get_by_test_id("invoicing-profile-form").get_by_label("Country")).to_have_value(
        "CN"
    )
    shoot("invoicing-details", both=True)

    page.goto(f"{base}/invoices/{issued.pk}/")
    with page.expect_download() as download:
        page.get_by_test_id("download-ubl").click()
    assert download.value.suggested_filename == f"{issued.number}.xml"
    document = etree.parse(download.value.path())
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "UBL-Invoice-2.1.xsd")))
    assert schema.validate(document), schema.error_log
    assert "Müller Maschinenbau GmbH" in Path(download.value.path()).read_text(encoding="utf-8")
    shoot("invoice", both=True)
