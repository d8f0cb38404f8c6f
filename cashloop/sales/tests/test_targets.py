"""Sales targets (decision 062): set by managers for the reps within their scope, shown in
the forecast with attainment (closed won over target) per rep, team and company; a
quarter without its own target adds up its months'; through the service, the API and the
pages, with the refusals' codes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cashloop.core.errors import DomainError
from cashloop.sales import forecast
from cashloop.sales.errors import SalesError
from cashloop.sales.models import SalesTarget
from cashloop.sales.services import sales_targets_set
from cashloop.sales.tests.test_forecast import deals, period  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
D = Decimal


def test_attainment_is_closed_won_over_the_target(company, deals, period):  # noqa: F811
    sales_targets_set(
        actor=company.manager_east, period=period.key, targets={company.rep_east.pk: "80000"}
    )
    sales_targets_set(
        actor=company.admin, period=period.key, targets={company.rep_south.pk: D("50000")}
    )
    result = forecast.forecast_get(user=company.admin, period=period)
    rows = {row.user.username: row for g in result.groups for row in g.rows}
    # rep_east won F, 20,000, of 80,000; rep_south nothing of 50,000.
    assert (rows["rep_east"].target, rows["rep_east"].attainment) == (D("80000"), D("25.0"))
    assert rows["rep_south"].attainment == D("0.0")
    east = next(g for g in result.groups if g.team and g.team.name == "East")
    assert (east.target, east.attainment) == (D("80000"), D("25.0"))
    assert (result.target, result.attainment) == (D("130000"), D("15.4"))
    # A rep sees their own target only.
    mine = forecast.forecast_get(user=company.rep_east, period=period)
    assert [r.target for g in mine.groups for r in g.rows] == [D("80000")]


def test_a_quarter_adds_up_its_months_until_it_has_its_own(company):
    sales_targets_set(
        actor=company.manager_east,
        period="2026-10",
        targets={company.rep_east.pk: "10000", company.rep_east_sub.pk: "5000"},
    )
    sales_targets_set(
        actor=company.manager_east, period="2026-11", targets={company.rep_east.pk: "20000"}
    )
    quarter = forecast.parse_period("2026-Q4")
    visible = SalesTarget.objects.restrict(company.admin, "view")
    assert forecast.targets_of(visible, quarter) == {
        company.rep_east.pk: D("30000"),
        company.rep_east_sub.pk: D("5000"),
    }
    sales_targets_set(
        actor=company.manager_east, period="2026-Q4", targets={company.rep_east.pk: "100000"}
    )
    assert forecast.targets_of(visible, quarter)[company.rep_east.pk] == D("100000")
    # Emptied, a target is gone.
    sales_targets_set(
        actor=company.manager_east, period="2026-Q4", targets={company.rep_east.pk: None}
    )
    assert forecast.targets_of(visible, quarter)[company.rep_east.pk] == D("30000")


@pytest.mark.parametrize(
    ("who", "whom", "amount", "code"),
    [
        ("manager_east", "rep_south", "1000", SalesError.TARGET_USER_OUTSIDE_SCOPE),
        ("manager_east", "rep_east", "-1", SalesError.TARGET_AMOUNT_INVALID),
        ("manager_east", "rep_east", "10.001", SalesError.TARGET_AMOUNT_INVALID),
        ("manager_east", "rep_east", "lots", SalesError.TARGET_AMOUNT_INVALID),
    ],
)
def test_refusals_change_nothing(company, who, whom, amount, code):
    with pytest.raises(DomainError) as refused:
        sales_targets_set(
            actor=getattr(company, who),
            period="2026-11",
            targets={company.rep_east_sub.pk: "500", getattr(company, whom).pk: amount},
        )
    assert refused.value.code is code
    assert not SalesTarget.objects.exists()


def test_a_rep_may_not_set_targets(company):
    with pytest.raises(DomainError) as refused:
        sales_targets_set(
            actor=company.rep_east, period="2026-11", targets={company.rep_east.pk: "1"}
        )
    assert refused.value.code.code == "permission.denied"
    with pytest.raises(DomainError) as bad_period:
        sales_targets_set(actor=company.manager_east, period="2026-13", targets={})
    assert bad_period.value.code is SalesError.PERIOD_INVALID


def test_the_api_sets_and_reads_targets_and_the_forecast_shows_them(
    client,
    company,
    deals,  # noqa: F811
    period,  # noqa: F811
):
    client.force_login(company.manager_east)
    body = {"period": period.key, "targets": [{"user_id": company.rep_east.pk, "amount": "40000"}]}
    saved = client.put("/api/v1/sales/targets", body, content_type="application/json")
    assert saved.status_code == 200, saved.json()
    assert [(t["user"]["id"], t["amount"]) for t in saved.json()] == [
        (company.rep_east.pk, "40000.00")
    ]
    outside = client.put(
        "/api/v1/sales/targets",
        {"period": period.key, "targets": [{"user_id": company.rep_south.pk, "amount": "1"}]},
        content_type="application/json",
    )
    assert outside.status_code == 403
    assert outside.json()["error"]["code"] == "target.user_outside_scope"
    lines = client.get(f"/api/v1/sales/forecast?period={period.key}").json()
    east = next(line for line in lines["lines"] if line["user"]["id"] == company.rep_east.pk)
    assert (east["target"], east["attainment"]) == ("40000.00", "50.0")
    assert lines["total"]["attainment"] == "50.0"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_pages_set_targets_and_show_attainment(
    client,
    company,
    deals,  # noqa: F811
    period,  # noqa: F811
    language,
):
    client.force_login(company.manager_east)
    page = client.get(f"/sales/targets/?period={period.key}", HTTP_ACCEPT_LANGUAGE=language)
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-testid="target-row-{company.rep_east.pk}"' in html
    assert f'data-testid="target-row-{company.rep_south.pk}"' not in html
    bad = client.post(
        "/sales/targets/",
        {"period": period.key, f"target-{company.rep_east.pk}": "-5"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert bad.status_code == 200 and 'data-testid="targets-error"' in bad.content.decode()
    assert not SalesTarget.objects.exists()
    saved = client.post(
        "/sales/targets/", {"period": period.key, f"target-{company.rep_east.pk}": "20,000"}
    )
    assert saved.status_code == 302
    shown = client.get(f"/sales/forecast/?period={period.key}", HTTP_ACCEPT_LANGUAGE=language)
    text = shown.content.decode()
    assert f'data-testid="attainment-{company.rep_east.pk}">100.0%' in text
    assert 'data-testid="set-targets"' in text
    client.force_login(company.rep_east)
    assert client.post("/sales/targets/", {"period": period.key}).status_code == 403
