"""The role dashboards on the home page (decision 064): which boards and cards each role
sees, where the cards link, and that each board's queries do not grow with the book."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cashloop.collections.models import CollectionTask
from cashloop.reports.selectors import AgingParams, ar_kpis, dso_trend
from cashloop.reports.tests.helpers import invoice
from cashloop.web.dashboards import boards_for, sparkline
from tests.factories import CustomerFactory, UserFactory


def html_of(client, user, lang="en", **query):
    client.force_login(user)
    response = client.get("/", query, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    return response.content.decode()


def section(html, testid):
    """The HTML of the element marked `testid` (a section, a nav or a link), to its end."""
    at = html.index(f'data-testid="{testid}"')
    start = html.rindex("<", 0, at)
    tag = re.match(r"<(\w+)", html[start:]).group(1)
    return html[start : html.index(f"</{tag}>", at)]


@pytest.fixture
def treasurer(db):
    return UserFactory(username="treasurer", roles=["treasurer"])


def test_a_rep_sees_only_their_board_with_their_own_overdue_customers(client, company, book):
    CollectionTask.objects.create(
        customer=book.a,
        assignee=company.rep_east,
        title="Call Alpha about A1",
        due_date=timezone.localdate() - timedelta(days=1),
    )
    html = html_of(client, company.rep_east)
    assert 'data-testid="board-rep"' in html
    for other in ("board-manager", "board-finance", "board-cfo", "board-tabs"):
        assert f'data-testid="{other}"' not in html
    overdue = section(html, "card-my-overdue")
    assert "甲公司 Alpha" in overdue and "乙公司 Beta" not in overdue
    assert f'href="/reports/aging/?owner_id={company.rep_east.pk}"' in overdue
    # everything of the book is overdue by now: A1's 600.00, A2's 1,000.00 and A4's 0.01
    assert "¥1,600.01" in overdue
    tasks = section(html, "card-my-tasks")
    assert "Call Alpha about A1" in tasks and f'href="/collections/customers/{book.a.pk}/"' in tasks
    assert 'class="num overdue"' in tasks  # due yesterday
    pipeline = section(html, "card-pipeline")
    assert f"owner={company.rep_east.pk}" in pipeline and "status=open" in pipeline
    assert 'href="/sales/forecast/"' in section(html, "card-target")


def test_a_manager_sees_overdue_by_the_reps_of_their_teams_only(client, company, book):
    html = html_of(client, company.manager_east)
    assert 'data-testid="board-manager"' in html and 'data-testid="board-rep"' not in html
    by_rep = section(html, "card-overdue-by-rep")
    assert str(company.rep_east) in by_rep and str(company.rep_south) not in by_rep
    assert f'href="/reports/aging/?owner_id={company.rep_east.pk}"' in by_rep
    assert 'href="/sales/forecast/"' in section(html, "card-team-forecast")
    assert 'href="/sales/funnel/?pipeline=' in section(html, "card-funnel")
    assert 'data-testid="ar-card"' not in html  # the manager's board has no AR card


def test_finance_sees_ar_dso_trend_aging_bank_lines_and_dunning_in_both_languages(
    client, company, book
):
    for lang, title in (("en", "DSO trend"), ("zh-hans", "DSO 趋势")):
        html = html_of(client, company.finance, lang)
        assert 'data-testid="board-finance"' in html and 'data-testid="board-cfo"' not in html
        trend = section(html, "card-dso-trend")
        assert title in trend
        assert len(re.findall(r"<circle ", trend)) == 6 and "<polyline points=" in trend
        aging = section(html, "card-aging")
        assert 'href="/reports/aging/items/?bucket=b4"' in aging
        assert 'href="/banking/workbench/"' in section(html, "card-unmatched")
        assert 'href="/dunning/log/"' in section(html, "card-dunning-today")
        assert 'data-testid="ar-card"' in html and 'data-testid="holds-card"' in html


def test_the_cfo_board_shows_forecast_risks_budget_and_revenue(client, company, book, treasurer):
    html = html_of(client, treasurer)
    assert 'data-testid="board-cfo"' in html and 'data-testid="board-finance"' not in html
    assert "No forecast yet" in section(html, "card-cash-forecast")
    risks = section(html, "card-risks")
    # the largest overdue balance first: Alpha's 1,600.01, then Beta's 50.00 (CNY)
    assert risks.index("甲公司 Alpha") < risks.index("乙公司 Beta")
    assert 'href="/treasury/budget/actual/?year=' in section(html, "card-budget")
    assert 'href="/reports/revenue/"' in section(html, "card-revenue")
    assert 'href="/reports/revenue/"' in section(html, "card-revenue-trend")
    # the treasurer holds no credit grants: no card about holds
    assert 'data-testid="holds-card"' not in html


def test_an_admin_switches_between_every_board(client, company, book):
    html = html_of(client, company.admin)
    tabs = section(html, "board-tabs")
    assert all(f'href="?board={key}"' in tabs for key in ("rep", "manager", "finance", "cfo"))
    assert 'data-testid="board-rep"' in html
    html = html_of(client, company.admin, board="finance")
    assert 'data-testid="board-finance"' in html and 'data-testid="board-rep"' not in html
    assert 'data-testid="board-rep"' in html_of(client, company.admin, board="nonsense")


def test_a_user_with_two_roles_sees_two_boards_and_may_not_open_another(client, company, book):
    both = UserFactory(roles=["sales_rep", "finance"])
    assert [b.key for b in boards_for(both)] == ["rep", "finance"]
    # a rep asking for the CFO's board gets their own
    html = html_of(client, company.rep_east, board="cfo")
    assert 'data-testid="board-cfo"' not in html and 'data-testid="board-rep"' in html


def test_a_card_shows_only_when_its_source_may_be_read(client, company, book):
    collector = UserFactory(roles=["collector"])
    html = html_of(client, collector)
    assert 'data-testid="board-finance"' in html
    assert 'data-testid="ar-card"' in html and 'data-testid="card-dunning-today"' in html
    # collectors keep no bank lines and no credit holds
    assert 'data-testid="card-unmatched"' not in html and 'data-testid="holds-card"' not in html
    html = html_of(client, company.viewer)
    assert 'data-testid="board-' not in html and 'data-testid="customer-count"' in html


def _queries(client, user, **query):
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/", query, HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    return len(captured)


@pytest.mark.parametrize("board", ["rep", "manager", "finance", "cfo"])
def test_each_board_runs_the_same_bounded_queries_however_large_the_book(
    client, company, book, board, django_assert_max_num_queries
):
    # given: the board's queries on the small book
    before = _queries(client, company.admin, board=board)
    # when: the book grows by more customers, invoices and tasks of every rep
    for n, owner in enumerate([company.rep_east, company.rep_south, company.rep_east_sub] * 2):
        customer = CustomerFactory(owner=owner, code=f"GROW-{n}")
        invoice(company.finance, customer, date(2026, 2, 1), ("100.00", date(2026, 2, 28)))
        CollectionTask.objects.create(
            customer=customer, assignee=company.admin, title="call", due_date=date(2026, 3, 1)
        )
    # then: the same number of queries, and under the bound
    assert _queries(client, company.admin, board=board) == before
    with django_assert_max_num_queries(60):
        client.get("/", {"board": board})


def test_the_sparkline_spreads_its_points_and_labels_the_ends():
    days = [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 15)]
    line = sparkline([10, 20, 15], days, width=100, height=40)
    xs = [x for x, _y, _v, _d in line.dots]
    assert xs[0] == 6 and xs[-1] == 94 and xs[0] < xs[1] < xs[2]
    ys = [y for _x, y, _v, _d in line.dots]
    assert ys[1] < ys[2] < ys[0]  # higher values sit higher on the chart


def test_the_dso_trend_gives_the_ar_kpis_dso_of_each_day(company, book):
    days = [date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 15)]
    for user in (company.finance, company.rep_south):
        trend = dso_trend(user=user, days=days)
        expected = [
            ar_kpis(user=user, params=AgingParams(as_of=day, currency="CNY")).dso for day in days
        ]
        assert trend == expected and trend[-1] > 0
    with pytest.raises(ValueError):
        dso_trend(user=company.finance, days=[date(2026, 1, 15), date(2026, 3, 15)])
