"""The pricing engine: where a price comes from, which rule a line takes, bundles, totals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cashloop.core.errors import DomainError
from cashloop.cpq import services
from cashloop.cpq.models import QuoteLine
from cashloop.cpq.services import ComponentChoice, QuoteLineIn
from cashloop.cpq.tests.conftest import ON

D = Decimal


def _quote(company, customer, **kwargs):
    return services.quote_create(
        actor=company.rep_east, customer_id=customer.pk, quote_date=ON, **kwargs
    )


def _set(company, quote, *lines):
    return services.quote_lines_set(actor=company.rep_east, quote_id=quote.pk, lines=lines)


def _lines(quote):
    return list(QuoteLine.objects.filter(quote=quote).order_by("position"))


def test_contracted_price_beats_group_book_beats_general_book(company, customers, catalog):
    # given a customer in the distributors group, a group book and a contracted price
    customer = customers["rep_east"]
    customer.group = catalog.distributors
    customer.save()
    services.price_book_create(
        actor=company.admin,
        name="经销商价",
        currency="CNY",
        valid_from=date(2026, 1, 1),
        customer_group_id=catalog.distributors.pk,
        entries=[
            services.PriceIn(product_id=catalog.license.pk, unit_price=D("800.00")),
            services.PriceIn(product_id=catalog.support.pk, unit_price=D("450.00")),
        ],
    )
    services.customer_price_create(
        actor=company.admin,
        customer_id=customer.pk,
        product_id=catalog.support.pk,
        currency="CNY",
        unit_price=D("400.00"),
        valid_from=date(2026, 2, 1),
    )
    quote = _quote(company, customer)
    # when
    _set(
        company,
        quote,
        QuoteLineIn(product_id=catalog.license.pk, quantity=D(1)),
        QuoteLineIn(product_id=catalog.support.pk, quantity=D(1)),
        QuoteLineIn(product_id=catalog.seat.pk, quantity=D(1)),
    )
    # then: group book, contracted price, general book
    assert [line.list_price for line in _lines(quote)] == [D("800"), D("400"), D("33.33")]


def test_contracted_price_outside_its_validity_does_not_apply(company, customers, catalog):
    customer = customers["rep_east"]
    services.customer_price_create(
        actor=company.admin,
        customer_id=customer.pk,
        product_id=catalog.license.pk,
        currency="CNY",
        unit_price=D("100.00"),
        valid_from=date(2026, 4, 1),
    )
    quote = _set(company, _quote(company, customer), QuoteLineIn(product_id=catalog.license.pk))
    assert _lines(quote)[0].unit_price == D("1000")


def test_volume_tier_takes_the_highest_threshold_reached(company, customers, catalog):
    quote = _quote(company, customers["rep_east"])
    _set(
        company,
        quote,
        QuoteLineIn(product_id=catalog.license.pk, quantity=D(9)),
        QuoteLineIn(product_id=catalog.license.pk, quantity=D(10)),
    )
    assert [line.unit_price for line in _lines(quote)] == [D("1000"), D("900")]


def test_no_price_in_the_quote_currency_is_refused_and_changes_nothing(company, customers, catalog):
    quote = _quote(company, customers["rep_east"], currency="USD")
    with pytest.raises(DomainError) as refused:
        _set(company, quote, QuoteLineIn(product_id=catalog.license.pk))
    assert refused.value.code.code == "quote.no_price"
    assert "LIC" in refused.value.message
    assert not _lines(quote)


def test_rule_on_a_parent_family_covers_its_children_and_lines_record_it(
    company, customers, catalog
):
    quote = _set(
        company,
        _quote(company, customers["rep_east"]),
        QuoteLineIn(product_id=catalog.seat.pk, quantity=D(3)),
        QuoteLineIn(product_id=catalog.support.pk, quantity=D(1)),
    )
    seat, support = _lines(quote)
    assert (seat.discount_percent, seat.discount_rule) == (D(5), catalog.rule)
    assert (support.discount_percent, support.discount_rule) == (D(0), None)


def test_lowest_priority_wins_then_the_most_specific_then_the_oldest(company, customers, catalog):
    admin = company.admin
    broad = services.discount_rule_create(
        actor=admin, name="全场", priority=50, percent=D(2), max_percent=D(3)
    )
    # same priority, one condition more: it wins over the broad one
    narrow = services.discount_rule_create(
        actor=admin,
        name="云 50 起",
        priority=50,
        family_id=catalog.saas.pk,
        min_quantity=D(50),
        percent=D(8),
        max_percent=D(12),
    )
    quote = _set(
        company,
        _quote(company, customers["rep_east"]),
        QuoteLineIn(product_id=catalog.seat.pk, quantity=D(50)),
        QuoteLineIn(product_id=catalog.seat.pk, quantity=D(49)),
    )
    assert [line.discount_rule for line in _lines(quote)] == [narrow, broad]
    # a later twin of the broad rule loses the tie to the older one
    services.discount_rule_create(actor=admin, name="全场 2", priority=50, max_percent=D(3))
    again = _set(
        company,
        _quote(company, customers["rep_east"]),
        QuoteLineIn(product_id=catalog.support.pk),
    )
    assert _lines(again)[0].discount_rule == broad


def test_bundle_priced_as_one_line_expands_with_zero_components(company, customers, catalog):
    quote = _set(
        company,
        _quote(company, customers["rep_east"]),
        QuoteLineIn(
            product_id=catalog.suite.pk,
            quantity=D(2),
            discount_percent=D(0),
            components=[ComponentChoice(product_id=catalog.support.pk, included=False)],
        ),
    )
    head, lic, sup = _lines(quote)
    assert (head.unit_price, head.net, head.parent_id) == (D("1800"), D("3600"), None)
    assert (lic.parent_id, lic.quantity, lic.unit_price, lic.net) == (head.pk, D(2), 0, 0)
    assert (sup.optional, sup.included, sup.quantity) == (True, False, D(4))
    assert quote.subtotal == D("3600")
    assert quote.tax_total == D("468.00")
    assert quote.total == D("4068.00")


def test_bundle_priced_by_components_carries_zero_itself(company, customers, catalog):
    quote = _set(
        company,
        _quote(company, customers["rep_east"]),
        QuoteLineIn(product_id=catalog.kit.pk, quantity=D(3)),
    )
    head, seat, support = _lines(quote)
    assert (head.unit_price, head.net) == (0, 0)
    # 30 seats at 33.33 less the software rule's 5%, support 3 x 500
    assert (seat.quantity, seat.discount_percent, seat.net) == (D(30), D(5), D("949.91"))
    assert (support.quantity, support.net, support.tax) == (D(3), D("1500.00"), D("90.00"))
    assert quote.subtotal == D("2449.91")
    assert quote.tax_total == D("56.99") + D("90.00")
    assert quote.discount_total == D("999.90") - D("949.91")


def test_a_required_component_cannot_be_left_out(company, customers, catalog):
    quote = _quote(company, customers["rep_east"])
    with pytest.raises(DomainError) as refused:
        _set(
            company,
            quote,
            QuoteLineIn(
                product_id=catalog.suite.pk,
                components=[ComponentChoice(product_id=catalog.license.pk, included=False)],
            ),
        )
    assert refused.value.code.code == "quote.component_required"


def test_free_lines_only_for_those_who_keep_the_catalog(company, customers, catalog):
    free = QuoteLineIn(description="现场实施", unit_price=D("2000.00"), tax_rate=D("0.06"))
    quote = _quote(company, customers["rep_east"])
    with pytest.raises(DomainError) as refused:
        _set(company, quote, free)
    assert refused.value.code.code == "quote.free_line_not_allowed"
    done = services.quote_lines_set(actor=company.manager_east, quote_id=quote.pk, lines=[free])
    assert done.total == D("2120.00")


def test_totals_are_exact_to_the_cent_line_by_line(company, customers, catalog):
    # 7 x 33.33 at 5% = 221.6445 -> 221.64; tax 6% 13.2984 -> 13.30
    quote = _set(
        company,
        _quote(company, customers["rep_east"]),
        QuoteLineIn(product_id=catalog.seat.pk, quantity=D(7)),
        QuoteLineIn(product_id=catalog.seat.pk, quantity=D("0.5"), discount_percent=D("7.5")),
    )
    first, second = _lines(quote)
    assert (first.net, first.tax) == (D("221.64"), D("13.30"))
    # 0.5 x 33.33 x 92.5% = 15.415125 -> 15.42; tax 0.9252 -> 0.93
    assert (second.net, second.tax) == (D("15.42"), D("0.93"))
    assert quote.subtotal == D("237.06")
    assert quote.total == D("251.29")
