"""Credit control's pages: the credit page's forms and bad input, the customer 360's credit
panel and the dashboard's "customers on hold" card, in both languages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cashloop.credit.models import CreditHold, CreditProfile, LimitChange
from cashloop.credit.services import SignalIn, credit_hold_place, risk_signal_create

pytestmark = pytest.mark.django_db


def page(client, path, lang):
    with translation.override(lang):
        return client.get(path, HTTP_ACCEPT_LANGUAGE=lang).content.decode()


@pytest.fixture
def held(company, limited):
    """rep_east's limited customer, with one high risk signal and a hold set by finance."""
    risk_signal_create(
        actor=company.finance,
        signal=SignalIn(
            customer_id=limited.pk,
            kind="lawsuit",
            source="裁判文书网",
            date=timezone.localdate(),
            severity="high",
        ),
    )
    credit_hold_place(
        actor=company.finance,
        customer_id=limited.pk,
        reason="法院冻结 court freeze",
        source="manual",
    )
    return limited


def test_the_360_shows_limit_exposure_score_and_the_open_hold_in_english(client, company, held):
    client.force_login(company.rep_east)
    html = page(client, f"/customers/{held.pk}/", "en")
    panel = html[html.index('data-testid="credit-panel"') :]
    panel = panel[: panel.index("</section>")]
    assert "¥5,000.00" in panel  # the limit, and available with no exposure yet
    assert "¥0.00</dd>" in panel.split("panel-exposure")[1][:30]
    assert "score 80: 1 risk signal in 12 months" in panel
    assert "On credit hold" in panel and "Set by hand: 法院冻结 court freeze" in panel
    assert f'href="/credit/customers/{held.pk}/"' in panel
    assert 'data-testid="credit-placeholder"' not in html


def test_the_360_credit_panel_in_chinese(client, company, held):
    client.force_login(company.rep_east)
    html = page(client, f"/customers/{held.pk}/", "zh-hans")
    assert '<html lang="zh-hans"' in html
    panel = html[html.index('data-testid="credit-panel"') :]
    panel = panel[: panel.index("</section>")]
    assert "¥5,000.00" in panel and "法院冻结 court freeze" in panel
    assert 'data-testid="credit-hold"' in panel
    assert f'href="/credit/customers/{held.pk}/"' in panel


def test_the_360_has_no_credit_panel_for_who_may_not_see_credit(client, company, held):
    from tests.factories import UserFactory

    client.force_login(UserFactory(roles=["collector"]))
    html = page(client, f"/customers/{held.pk}/", "en")
    assert 'data-testid="credit-panel"' not in html


def test_the_dashboard_counts_customers_on_hold_for_who_may_view_holds(client, company, held):
    credit_hold_place(actor=None, customer_id=held.pk, reason="over", source="limit")
    client.force_login(company.finance)
    for lang, label in (("en", "Customers on credit hold"), ("zh-hans", 'href="/credit/holds/"')):
        html = page(client, "/", lang)
        assert 'data-testid="holds-count">1</span>' in html and label in html
    from tests.factories import UserFactory

    client.force_login(UserFactory(roles=["collector"]))
    assert 'data-testid="holds-card"' not in page(client, "/", "en")


def test_a_negative_limit_on_the_page_shows_the_error_and_changes_nothing(
    client, company, flows, limited
):
    client.force_login(company.finance)
    for lang, text in (("en", "A credit limit cannot be negative."), ("zh-hans", "id_limit")):
        with translation.override(lang):
            response = client.post(
                f"/credit/customers/{limited.pk}/limit/",
                {"limit": "-5", "reason": "oops"},
                HTTP_ACCEPT_LANGUAGE=lang,
            )
        assert response.status_code == 200
        html = response.content.decode()
        assert text in html and 'data-testid="limit-form"' in html
    assert CreditProfile.objects.get(customer=limited).limit == Decimal("5000.00")
    assert not LimitChange.objects.exists()


def test_the_page_offers_a_release_for_a_sale_that_would_pass_the_limit(client, company, limited):
    """Within the limit and not held: a seller still gets the release form, and asking it
    places a `limit` hold for the approvers."""
    client.force_login(company.rep_east)
    html = page(client, f"/credit/customers/{limited.pk}/", "en")
    assert 'data-testid="release-form"' in html and "would pass the available credit" in html
    response = client.post(f"/credit/customers/{limited.pk}/release/", {"reason": "大单 big deal"})
    assert response.status_code == 302
    hold = CreditHold.objects.get(customer=limited)
    assert hold.source == "limit" and hold.release_reason == "大单 big deal"


def test_no_release_form_without_limit_or_hold(client, company, customers):
    client.force_login(company.rep_east)
    html = page(client, f"/credit/customers/{customers['rep_east'].pk}/", "en")
    assert 'data-testid="release-form"' not in html


@pytest.mark.parametrize(
    ("lang", "available", "hold"),
    [("en", "¥5,000.00 available", "On credit hold"), ("zh-hans", "可用 ¥5,000.00", "信用冻结")],
)
def test_a_non_contract_sale_shows_the_available_credit_and_the_hold(
    client, company, held, lang, available, hold
):
    from cashloop.receivables.services import LineIn, invoice_create

    draft = invoice_create(
        actor=company.finance,
        customer_id=held.pk,
        issue_date=timezone.localdate(),
        lines=[
            LineIn(
                description="备件",
                quantity=Decimal(1),
                unit_price=Decimal(100),
                tax_rate=Decimal(0),
            )
        ],
    )
    client.force_login(company.rep_east)
    html = page(client, reverse("receivables:invoice_detail", args=[draft.pk]), lang)
    line = html[html.index('data-testid="credit-line"') :]
    line = line[: line.index("</p>")]
    assert available in line and hold in line


def test_who_may_not_read_credit_sees_no_credit_line(client, company, held):
    from cashloop.receivables.services import LineIn, invoice_create

    draft = invoice_create(
        actor=company.finance,
        customer_id=held.pk,
        issue_date=timezone.localdate(),
        lines=[
            LineIn(
                description="备件",
                quantity=Decimal(1),
                unit_price=Decimal(100),
                tax_rate=Decimal(0),
            )
        ],
    )
    client.force_login(company.viewer)
    html = page(client, reverse("receivables:invoice_detail", args=[draft.pk]), "en")
    assert "Invoice" in html and 'data-testid="credit-line"' not in html
