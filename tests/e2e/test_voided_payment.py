"""Finance undoes a recognition and reads the payment it made as voided, not refunded; then
dry-runs a rule and reads which customer each changed line would go to (decision 046)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from cashloop.banking.match_services import (
    MatchPart,
    statement_line_match,
    statement_lines_auto_match,
)
from cashloop.banking.models import LineMatch
from cashloop.banking.tests.match_fixtures import bank_account, customer, invoice, line
from cashloop.receivables.models import Payment, Refund
from tests.e2e.test_customer_flow import sign_in
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "pw-for-tests-1"


def test_an_undone_recognition_leaves_a_voided_payment(page, shoot, live_server, company):
    base = live_server.url
    bank = bank_account()
    star = customer(company, "上海星河科技有限公司", code="SH-STAR")
    customer(company, "北京明月贸易有限公司", code="BJ-MOON")
    star_invoice = invoice(company, star, "1130.00")
    sure = line(bank, "1130.00", reference=f"货款 {star_invoice.number}", payer="代付公司")
    assert statement_lines_auto_match(actor=company.finance, line_ids=[sure.pk]).applied

    page.goto(f"{base}/login/")
    sign_in(page, "fin", PASSWORD)
    page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # Undo what the engine applied, from the workbench.
    page.goto(f"{base}/banking/workbench/")
    page.get_by_test_id("wb-today").locator("button").first.click()
    expect(page.locator(".flash")).to_contain_text("Recognition undone")
    payment = Payment.objects.get()
    assert payment.is_voided and not Refund.objects.exists()

    page.goto(f"{base}/payments/")
    expect(page.get_by_test_id(f"voided-{payment.pk}")).to_have_text("Voided")
    shoot("payment-list", both=True)
    page.get_by_test_id(f"payment-row-{payment.pk}").locator("a").first.click()
    expect(page.get_by_test_id("payment-void")).to_contain_text(payment.void_entry.number)
    expect(page.get_by_test_id("payment-voided-on")).to_have_text(f"{payment.voided_on:%Y-%m-%d}")
    expect(page.get_by_test_id("allocation-panel")).to_have_count(0)
    expect(page.get_by_test_id("refund-form")).to_have_count(0)
    shoot("payment-detail", both=True)

    # An agent's payment recognised as Star's; a rule would give the agent's lines to Moon.
    agent = line(bank, "300.00", payer="上海星河科技代付")
    statement_line_match(
        actor=company.finance, line_id=agent.pk, parts=[MatchPart(star.pk, D("300.00"))]
    )
    assert LineMatch.objects.filter(undone_at__isnull=True).count() == 1
    for lang in ("en", "zh-hans"):
        page.goto(f"{base}/banking/workbench/rules/")
        if page.locator("html").get_attribute("lang") != lang:
            with page.expect_navigation():
                page.get_by_test_id(f"lang-{lang}").click()
        form = page.get_by_test_id("rule-form")
        form.locator("input[name=name]").fill("Agent pays for Moon")
        form.locator("input[name=priority]").fill("1")
        form.locator("input[name=payer_contains]").fill("代付")
        form.locator("select[name=action]").select_option(value="assign_customer")
        form.locator("input[name=customer]").fill("BJ-MOON")
        form.locator("input[name=months]").fill("24")
        page.get_by_test_id("rule-dry-run").click()
        report = page.get_by_test_id("dry-run-report")
        expect(report.get_by_test_id("dry-run-before")).to_have_text(star.name)
        expect(report.get_by_test_id("dry-run-after")).to_have_text("北京明月贸易有限公司")
        expect(report).to_contain_text("300.00 CNY")
        shoot("dry-run")
    assert_verified()
