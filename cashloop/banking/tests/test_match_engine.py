"""The matching engine, one kind of evidence at a time, each with the sentence it reads as."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import translation

from cashloop.banking.choices import RuleAction
from cashloop.banking.matching import line_proposals
from cashloop.banking.models import MatchRule, PayerAccount
from cashloop.banking.normalise import account_key, document_numbers, payer_key
from cashloop.banking.tests.match_fixtures import bank_account, customer, invoice, line
from cashloop.ledger.models import Account

D = Decimal


@pytest.fixture
def bank(company):
    return bank_account()


@pytest.fixture
def star(company):
    return customer(company, "上海星河科技有限公司", code="SH-STAR")


@pytest.fixture
def moon(company):
    return customer(company, "北京明月贸易有限公司", code="BJ-MOON")


def best(line_row):
    return line_proposals([line_row])[line_row.pk][0]


def sentences(proposal):
    with translation.override("en"):
        return [item.sentence() for item in proposal.evidence]


def test_document_numbers_are_found_whatever_the_spelling():
    assert document_numbers("pay inv 2026 000123 thanks") == {"INV-2026-000123"}
    assert document_numbers("ＩＮＶ－２０２６－０００１２３") == {"INV-2026-000123"}
    assert document_numbers("货款INV2026-123,CON-2026-000004") == {
        "INV-2026-000123",
        "CON-2026-000004",
    }
    assert document_numbers("invoice 2026") == set()
    assert account_key("6222-0212 3456") == "622202123456"
    assert payer_key("上海星河科技有限公司") == payer_key("上海星河科技")
    assert payer_key("Xinghe Tech Co., Ltd.") == payer_key("XINGHE TECH INC")


def test_invoice_number_and_exact_amount_apply(company, bank, star, moon):
    inv = invoice(company, star, "1130.00")
    ref = inv.number.replace("-", " ").lower()
    found = best(line(bank, "1130.00", reference=f"货款 {ref}"))
    assert found.customer_id == star.pk
    installment = inv.installments.get()
    assert found.allocations == [(installment.pk, D("1130.00"))]
    assert found.advance == 0 and found.auto
    assert sentences(found) == [
        f"invoice number {inv.number} in the remittance text",
        "no other customer has an open item of this amount",
        f"amount equals the residual of {inv.number}",
    ]


def test_invoice_number_with_a_partial_payment_is_only_suggested(company, bank, star):
    inv = invoice(company, star, "1130.00")
    found = best(line(bank, "500.00", reference=inv.number))
    assert found.allocations == [(inv.installments.get().pk, D("500.00"))]
    assert not found.auto
    assert "partial payment: 500.00 of 1130.00 open" in sentences(found)


def test_overpayment_leaves_an_advance(company, bank, star):
    inv = invoice(company, star, "1130.00")
    found = best(line(bank, "1500.00", reference=inv.number, payer="上海星河科技有限公司"))
    assert found.allocations == [(inv.installments.get().pk, D("1130.00"))]
    assert found.advance == D("370.00")
    assert "370.00 more than the open items: left as an advance" in sentences(found)


def test_customer_code_contract_and_payer_name(company, bank, star, moon):
    invoice(company, star, "2260.00")
    found = best(line(bank, "2260.00", reference="from sh-star", payer="上海星河科技"))
    assert found.customer_id == star.pk
    said = sentences(found)
    assert "customer code SH-STAR in the remittance text" in said
    assert "payer name “上海星河科技” is the customer's name “上海星河科技有限公司”" in said
    assert found.auto


def test_payer_name_alone_with_an_exact_amount(company, bank, star, moon):
    invoice(company, star, "2260.00")
    invoice(company, star, "500.00")
    invoice(company, moon, "2260.00")
    # The customer's own name (another legal suffix) and an amount that fits: applied.
    found = best(line(bank, "2260.00", payer="上海星河科技有限责任公司"))
    assert found.customer_id == star.pk and found.auto
    # An abbreviation is only alike, and another customer owes as much: a suggestion.
    found = best(line(bank, "2260.00", payer="星河科技"))
    assert found.customer_id == star.pk
    assert D("0.8") < found.confidence < D("0.95") and not found.auto
    assert "payer name “星河科技” is like “上海星河科技有限公司” (97%)" in sentences(found)
    # The same abbreviation with an amount nobody else owes: applied.
    found = best(line(bank, "500.00", payer="星河科技"))
    assert found.customer_id == star.pk and found.auto
    assert "no other customer has an open item of this amount" in sentences(found)
    # The customer sure, but which items a partial payment pays is a guess: a suggestion.
    found = best(line(bank, "1000.00", payer="上海星河科技有限公司"))
    assert found.customer_id == star.pk and found.confidence > D("0.8") and not found.auto


def test_remembered_payer_account_and_its_undoing(company, bank, star):
    invoice(company, star, "1130.00")
    PayerAccount.objects.create(account_number="62220212", customer=star, confirmed=3)
    found = best(line(bank, "1130.00", payer_account="6222-0212", payer="Somebody"))
    assert found.customer_id == star.pk
    assert "payer account 6222-0212 seen before for this customer (3×)" in sentences(found)
    PayerAccount.objects.filter(customer=star).update(rejected=3)
    again = line_proposals([line(bank, "1130.00", payer_account="6222-0212")])
    assert all(
        p.customer_id != star.pk or p.confidence < D("0.9") for ps in again.values() for p in ps
    )


def test_subset_of_residuals_oldest_first(company, bank, star):
    a = invoice(company, star, "100.00")
    b = invoice(company, star, "250.00")
    c = invoice(company, star, "400.00")
    found = best(line(bank, "650.00", payer="上海星河科技有限公司"))
    ids = [pk for pk, _amount in found.allocations]
    assert ids == [b.installments.get().pk, c.installments.get().pk]
    assert a.installments.get().pk not in ids
    assert f"amount equals the residuals of {b.number}, {c.number} together" in sentences(found)


def test_two_equal_sets_are_ambiguous(company, bank, star):
    invoice(company, star, "100.00")
    invoice(company, star, "100.00")
    invoice(company, star, "50.00")
    invoice(company, star, "50.00")
    found = best(line(bank, "150.00", reference="SH-STAR", payer="上海星河科技"))
    assert found.ambiguous and not found.auto
    assert "two sets of open items fit the amount equally" in sentences(found)


def test_bank_charge_within_tolerance(company, bank, star):
    inv = invoice(company, star, "1130.00")
    found = best(line(bank, "1115.00", reference=inv.number))
    assert found.fee == D("15.00")
    assert found.allocations == [(inv.installments.get().pk, D("1130.00"))]
    assert "difference of 15.00 taken as a bank charge" in sentences(found)


def test_early_payment_discount(company, bank, star):
    inv = invoice(company, star, "1000.00", discount="2")
    found = best(line(bank, "980.00", reference=inv.number))
    assert found.discount == D("20.00")
    assert found.allocations == [(inv.installments.get().pk, D("980.00"))]
    assert f"early-payment discount of 20.00 on {inv.number}" in sentences(found)
    assert found.auto


def test_two_customers_as_good_are_never_applied(company, bank):
    one = customer(company, "广州海风电子有限公司")
    two = customer(company, "广州海风电子股份有限公司")
    invoice(company, one, "500.00")
    invoice(company, two, "500.00")
    found = best(line(bank, "500.00", payer="广州海风电子"))
    assert found.ambiguous and not found.auto
    assert any(s.startswith("another customer fits about as well") for s in sentences(found))


def test_a_document_of_another_customer_lowers_confidence(company, bank, star, moon):
    inv = invoice(company, moon, "1130.00")
    invoice(company, star, "1130.00")
    PayerAccount.objects.create(account_number="999", customer=star, confirmed=5)
    proposals = line_proposals(
        [found := line(bank, "1130.00", reference=inv.number, payer_account="999")]
    )
    ranked = proposals[found.pk]
    assert ranked[0].customer_id == moon.pk
    assert not ranked[0].auto
    star_proposal = next(p for p in ranked if p.customer_id == star.pk)
    assert "the remittance text names a document of another customer" in sentences(star_proposal)


def test_amount_only_one_customer_owes(company, bank, star, moon):
    invoice(company, star, "777.77")
    invoice(company, moon, "888.88")
    found = best(line(bank, "777.77"))
    assert found.customer_id == star.pk and not found.auto
    assert "no other customer has an open item of this amount" in sentences(found)


def test_rules_assign_and_exclude(company, bank, star):
    invoice(company, star, "300.00")
    interest = Account.objects.get(code="6603")
    MatchRule.objects.create(
        name="Interest",
        priority=1,
        conditions={"text_contains": "结息"},
        action=RuleAction.EXCLUDE,
        account=interest,
        auto_apply=True,
        created_by=company.admin,
    )
    MatchRule.objects.create(
        name="Star's agent",
        priority=2,
        conditions={"payer_contains": "代付", "amount_max": "1000"},
        action=RuleAction.ASSIGN_CUSTOMER,
        customer=star,
        created_by=company.admin,
    )
    excluded = best(line(bank, "12.34", reference="季度结息"))
    assert excluded.exclude_account_id == interest.pk and excluded.auto
    assigned = best(line(bank, "300.00", payer="某某代付公司"))
    assert assigned.customer_id == star.pk
    assert "rule “Star's agent”" in sentences(assigned)
    assert not assigned.auto  # the rule says suggest only


@override_settings(CASHLOOP_MATCH_AUTO_THRESHOLD="0.80")
def test_threshold_is_a_setting(company, bank, star):
    invoice(company, star, "2260.00")
    assert best(line(bank, "2260.00", payer="上海星河科技")).auto


def test_queries_do_not_grow_with_lines(company, bank, star, moon):
    invs = [invoice(company, star, f"{100 + n}.00") for n in range(4)]

    def batch(times):
        return [
            line(bank, f"{100 + n}.00", reference=i.number, payer="北京明月")
            for n, i in enumerate(invs)
        ] * times

    few, many = batch(1), batch(5)
    with CaptureQueriesContext(connection) as small:
        line_proposals(few)
    with CaptureQueriesContext(connection) as big:
        line_proposals(many)
    assert len(big) == len(small)
    # The named invoices alone settle these: no customer's other items are read.
    settled = [line(bank, "101.00", reference=invs[1].number)]
    with CaptureQueriesContext(connection) as named_only:
        line_proposals(settled)
    assert len(named_only) < len(small)


def test_other_names_of_a_customer_recognise_its_payments(company, client, bank, star, moon):
    """An admin records what statements call the customer (API), and the engine uses it."""
    invoice(company, star, "640.00")
    invoice(company, moon, "640.00")
    stranger = line(bank, "640.00", payer="Starry River Tech")
    assert line_proposals([stranger])[stranger.pk] == []
    client.force_login(company.admin)
    response = client.patch(
        f"/api/v1/customers/{star.pk}",
        {"aliases": "Starry River Tech\n星河"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["aliases"] == "Starry River Tech\n星河"
    found = best(line(bank, "640.00", payer="STARRY RIVER TECH LTD"))
    assert found.customer_id == star.pk and found.auto
    assert "payer name “STARRY RIVER TECH LTD” is the customer's name “Starry River Tech”" in (
        sentences(found)
    )


def test_an_english_legal_name_finds_the_customer(company, bank, moon):
    star = customer(
        company, "上海星河科技有限公司", code="SH-STAR", legal_name="Shanghai Xinghe Tech Co., Ltd."
    )
    invoice(company, star, "320.00")
    invoice(company, moon, "320.00")
    found = best(line(bank, "320.00", payer="SHANGHAI XINGHE TECH CO LTD"))
    assert found.customer_id == star.pk and found.auto
    assert found.evidence[0].code == "payer_name_same"


def test_a_reference_typo_ranks_the_payer_first_but_applies_nothing(company, bank, star, moon):
    """The text names the moon's invoice, the payer is the star and pays the star's exact
    amount: a typo is likelier than the star paying the moon's bill, so the star comes first,
    and a person decides."""
    theirs = invoice(company, moon, "980.00")
    invoice(company, star, "1130.00")
    ranked = line_proposals(
        [found := line(bank, "1130.00", reference=theirs.number, payer="上海星河科技有限公司")]
    )[found.pk]
    assert ranked[0].customer_id == star.pk and not ranked[0].auto
    assert "the remittance text names a document of another customer" in sentences(ranked[0])
    assert ranked[1].customer_id == moon.pk and not ranked[1].auto


def test_an_amount_of_another_customer_does_not_outweigh_a_document_and_a_name(
    company, bank, star, moon
):
    """The text names the star's invoice and the payer is the star; that the amount (less a
    bank charge) is exactly what the moon owes is a coincidence."""
    ours = invoice(company, star, "1000.00")
    invoice(company, moon, "990.00")
    found = best(line(bank, "990.00", reference=ours.number, payer="上海星河科技有限公司"))
    assert found.customer_id == star.pk and found.auto and found.fee == D("10.00")


def test_a_name_in_traditional_characters_is_the_same_name(company, bank, star, moon):
    invoice(company, moon, "730.00")
    invoice(company, star, "730.00")
    found = best(line(bank, "730.00", payer="北京明月貿易有限公司"))
    assert found.customer_id == moon.pk and found.auto
    assert found.evidence[0].code == "payer_name_same"
