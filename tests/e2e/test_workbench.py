"""Finance works the recognition queue (认款工作台) in the browser: sees what the engine
applied today and undoes one, confirms a candidate with the keyboard, splits a line
across two customers, and posts interest income to an account; verify stays clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cashloop.banking.choices import LineStatus
from cashloop.banking.match_services import statement_lines_auto_match
from cashloop.banking.models import StatementLine
from cashloop.banking.tests.match_fixtures import bank_account, customer, invoice, line
from cashloop.ledger.models import Account
from tests.e2e.test_customer_flow import sign_in
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "pw-for-tests-1"


def test_finance_works_the_recognition_queue(page, shoot, live_server, company):
    base = live_server.url
    bank = bank_account()
    star = customer(company, "上海星河科技有限公司", code="SH-STAR")
    moon = customer(company, "北京明月贸易有限公司", code="BJ-MOON")
    sure_invoice = invoice(company, star, "1130.00")
    moon_invoice = invoice(company, moon, "2260.00")
    invoice(company, star, "2260.00")  # so that the amount alone does not name the moon
    sure = line(bank, "1130.00", reference=f"货款 {sure_invoice.number}", payer="上海星河科技")
    suggested = line(bank, "2260.00", payer="明月贸易")
    shared = line(bank, "900.00", payer="某某代付公司", reference="代付")
    interest = line(bank, "12.34", payer="中国工商银行", reference="季度结息")
    result = statement_lines_auto_match(
        actor=company.finance, line_ids=[sure.pk, suggested.pk, shared.pk, interest.pk]
    )
    assert result.applied == [sure.pk]

    page.goto(f"{base}/login/")
    sign_in(page, "fin", PASSWORD)
    page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"{base}/banking/workbench/?line={suggested.pk}")
    expect(page.get_by_test_id("wb-today")).to_contain_text(star.name)
    first = page.get_by_test_id("wb-candidate-0")
    expect(first).to_contain_text(moon.name)
    expect(first).to_contain_text("payer name")
    shoot("queue", both=True)

    # Undo what the engine applied: the line waits again.
    page.get_by_test_id("wb-today").locator("button").first.click()
    expect(page.locator(".flash")).to_contain_text("Recognition undone")
    assert StatementLine.objects.get(pk=sure.pk).status == LineStatus.UNMATCHED

    # Confirm the suggestion with the keyboard.
    page.goto(f"{base}/banking/workbench/?line={suggested.pk}")
    page.keyboard.press("c")
    expect(page.locator(".flash")).to_contain_text("Line recognised")
    assert StatementLine.objects.get(pk=suggested.pk).status == LineStatus.MATCHED
    moon_invoice.refresh_from_db()
    assert moon_invoice.residual == 0

    # Split the agent's payment between the two customers, as advances.
    page.goto(f"{base}/banking/workbench/?line={shared.pk}")
    page.get_by_test_id("wb-split-customer-0").fill("SH-STAR")
    page.get_by_test_id("wb-split-amount-0").fill("500.00")
    page.get_by_test_id("wb-split-customer-1").fill("BJ-MOON")
    page.get_by_test_id("wb-split-amount-1").fill("400.00")
    page.get_by_test_id("wb-as-advance").check()
    shoot("split")
    page.get_by_test_id("wb-split-submit").click()
    expect(page.locator(".flash")).to_contain_text("Line recognised")
    assert StatementLine.objects.get(pk=shared.pk).status == LineStatus.MATCHED

    # Interest is not a customer payment: post it to other income.
    page.goto(f"{base}/banking/workbench/?line={interest.pk}")
    page.get_by_test_id("wb-exclude-panel").locator("summary").click()
    income = Account.objects.get(code="6051")
    page.get_by_test_id("wb-exclude-account").select_option(value=str(income.pk))
    page.get_by_test_id("wb-exclude-submit").click()
    expect(page.locator(".flash")).to_contain_text("posted to the account")
    assert StatementLine.objects.get(pk=interest.pk).status == LineStatus.EXCLUDED

    # A rule for interest, tried on the recognised lines before it is saved.
    page.get_by_test_id("wb-rules").click()
    form = page.get_by_test_id("rule-form")
    form.locator("input[name=name]").fill("Interest")
    form.locator("input[name=priority]").fill("1")
    form.locator("input[name=text_contains]").fill("结息")
    form.locator("select[name=action]").select_option("exclude")
    form.locator("select[name=account]").select_option(value=str(income.pk))
    form.locator("input[name=months]").fill("12")
    page.get_by_test_id("rule-dry-run").click()
    expect(page.get_by_test_id("dry-run-report")).to_be_visible()
    shoot("rule-dry-run")
    page.get_by_test_id("rule-save").click()
    expect(page.get_by_test_id("rules")).to_contain_text("Interest")
    shoot("rules", both=True)

    page.goto(f"{base}/banking/workbench/?status=matched")
    expect(page.get_by_test_id("wb-lines")).to_contain_text("明月贸易")
    shoot("matched", both=True)
    assert_verified()
