"""Issue #7's "Done when" in the browser, in English and in Chinese: finance imports a
statement in each format (camt.053, camt.054, MT940, OFX, an ICBC CSV, an ABC .xlsx),
sees the lines that quote an invoice number applied by themselves with their reasons,
resolves the rest in the workbench (picks the right one of two suggested customers,
splits an agent's payment between two customers, posts interest to an account), undoes
one match the engine made; then verify is clean and the customers' invoices show paid.

The files are written for the test's own invoices (tests/e2e/statement_files.py); .xls is
left to the parser tests (writing one needs xlwt, not a dependency).  Everything after
the setup goes through the pages; the auto-match task runs on commit, as in production
(django-tasks' immediate backend under test).  Screenshots: test-results/screenshots/.
"""

from __future__ import annotations

import pytest
from django.utils.functional import Promise
from playwright.sync_api import Locator, expect

from cashloop.banking.choices import LineStatus
from cashloop.banking.matching import SENTENCES
from cashloop.banking.models import ImportProfile, LineMatch, StatementLine
from cashloop.ledger.models import Account
from cashloop.receivables.choices import InvoiceStatus
from cashloop.receivables.models import Invoice
from tests.e2e.statement_files import journey_bank_account, journey_world
from tests.e2e.test_customer_flow import sign_in
from tests.e2e.test_quote_to_cash import said
from tests.e2e.test_statement_import import upload
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "pw-for-tests-1"


def shows(where: Locator, lang: str, text: str | Promise, **params: str) -> None:
    """`where` shows `text` (a msgid or a lazy label, formatted with `params`) in the
    run's language; in Chinese, really translated."""
    shown = said(lang, text).format(**params)
    if lang != "en":
        assert shown != said("en", text).format(**params), f"not translated: {text!r}"
    expect(where).to_contain_text(shown)


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_recognition_journey(page, shoot, live_server, company, settings, tmp_path, lang):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = journey_world(company)
    bank = journey_bank_account(company)
    base = live_server.url

    page.goto(f"{base}/login/")
    if lang != "en":  # English comes from the browser's Accept-Language
        page.get_by_test_id(f"lang-{lang}").click()
    sign_in(page, "fin", PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", lang)

    # 1. Each file: upload, preview, import.  The engine runs on commit.
    for file in world.files:
        path = tmp_path / file.name
        path.write_bytes(file.data)
        profile = ImportProfile.objects.get(code=file.profile).name if file.profile else ""
        upload(page, base, str(bank), path, profile)
        expect(page.get_by_test_id("found")).to_have_text(str(len(file.entries)))
        expect(page.get_by_test_id("import-errors")).to_have_count(0)
        if file.pays == "camt053":
            expect(page.get_by_test_id("balance-check").locator(".verdict-ok")).to_be_visible()
            shoot("preview-camt053")
        page.get_by_test_id("commit").click()
        expect(page.get_by_test_id("imported")).to_have_text(str(len(file.entries)))
        paid = StatementLine.objects.get(reference__contains=world.invoices[file.pays].number)
        shows(page.get_by_test_id(f"line-row-{paid.pk}"), lang, LineStatus.MATCHED.label)
    shoot("imported-xlsx")

    # 2. The workbench: six lines applied today, each with the invoice it quoted.
    page.goto(f"{base}/banking/workbench/")
    today = page.get_by_test_id("wb-today")
    expect(today.locator("tbody tr")).to_have_count(6)
    for key in ("camt053", "camt054", "mt940", "ofx", "csv", "xlsx"):
        shows(today, lang, SENTENCES["invoice_number"], number=world.invoices[key].number)
    expect(page.get_by_test_id("wb-lines").locator("tbody tr")).to_have_count(3)
    shoot("workbench")

    # 3. A short name, no number, and two 明月贸易 owing that amount: the engine suggests
    # both; finance knows it was MOON and confirms that one.
    suggested = StatementLine.objects.get(payer_name=world.SUGGESTED_PAYER)
    page.get_by_test_id(f"wb-line-{suggested.pk}").locator("a").first.click()
    candidates = page.locator("[data-testid^=wb-candidate-]")
    # (by code: each candidate's reasons may name the other customer)
    expect(candidates.filter(has_text=world.twin.code)).to_have_count(1)
    moon = candidates.filter(has_text=world.moon.code)
    expect(moon).to_contain_text(world.invoices["suggested"].number)
    shows(page.get_by_test_id("wb-detail"), lang, "ambiguous")
    shoot("suggestion")
    moon.locator("[data-testid^=wb-confirm-]").click()
    shows(page.locator(".flash"), lang, "Line recognised.")

    # 4. The agent's 900: MOON's 400 applied to its last open invoice, STAR's 500 an
    # advance (STAR owes nothing any more).
    agent = StatementLine.objects.get(payer_name=world.AGENT)
    page.get_by_test_id(f"wb-line-{agent.pk}").locator("a").first.click()
    page.get_by_test_id("wb-split-customer-0").fill(world.star.code)
    page.get_by_test_id("wb-split-amount-0").fill("500.00")
    page.get_by_test_id("wb-split-customer-1").fill(world.moon.code)
    page.get_by_test_id("wb-split-amount-1").fill("400.00")
    shoot("split")
    page.get_by_test_id("wb-split-submit").click()
    shows(page.locator(".flash"), lang, "Line recognised.")

    # 5. Interest: not a customer payment, posted to other income.
    interest = StatementLine.objects.get(amount=world.INTEREST)
    page.get_by_test_id(f"wb-line-{interest.pk}").locator("a").first.click()
    page.get_by_test_id("wb-exclude-panel").locator("summary").click()
    income = Account.objects.get(code="6051")
    page.get_by_test_id("wb-exclude-account").select_option(value=str(income.pk))
    page.get_by_test_id("wb-exclude-submit").click()
    shows(page.locator(".flash"), lang, "Line posted to the account.")
    expect(page.get_by_test_id("wb-empty")).to_be_visible()

    # 6. Undo the engine's match of RIVER's OFX payment: the line waits again.
    ofx = LineMatch.objects.get(line__reference__contains=world.invoices["ofx"].number)
    page.get_by_test_id(f"wb-today-undo-{ofx.pk}").click()
    shows(page.locator(".flash"), lang, "Recognition undone; the line waits again.")
    expect(page.get_by_test_id("wb-lines").locator("tbody tr")).to_have_count(1)
    shows(page.get_by_test_id("wb-today"), lang, "undone")
    shoot("undone")

    # 7. The books agree, and STAR's and MOON's invoices show paid.
    assert_verified()
    for who in (world.star, world.moon):
        page.goto(f"{base}/invoices/?customer_id={who.pk}")
        for inv in Invoice.objects.filter(customer=who):
            shows(page.get_by_test_id(f"invoice-row-{inv.pk}"), lang, InvoiceStatus.PAID.label)
    shoot("moon-invoices")
    page.goto(f"{base}/invoices/?customer_id={world.river.pk}")
    undone_invoice = page.get_by_test_id(f"invoice-row-{world.invoices['ofx'].pk}")
    expect(undone_invoice).not_to_contain_text(said(lang, InvoiceStatus.PAID.label))
