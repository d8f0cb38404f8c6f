"""Revenue recognition and key dates through the API and the pages: output, scope, bad input."""

from datetime import date
from urllib.parse import urlsplit

import pytest
from django.utils import timezone, translation
from icalendar import Calendar

from cashloop.contracts.choices import PlanItemStatus
from cashloop.contracts.keydates import key_date_feed_token
from cashloop.contracts.models import RevenueRecognition
from cashloop.contracts.recognition import add_months
from cashloop.contracts.tests.recognition_data import (
    contract_make,
    line_add,
    milestone_add,
    plan_add,
)
from cashloop.cpq.choices import Recognition
from cashloop.ledger.models import JournalEntry
from tests.factories import UserFactory
from tests.ledger_check import assert_verified

API = "/api/v1"


@pytest.fixture
def contract(customers):
    contract = contract_make(customer=customers["rep_east"])
    line_add(contract, net="120.00", service_start=date(2026, 1, 1), service_end=date(2026, 12, 31))
    milestone = milestone_add(contract, planned=date(2026, 11, 27))
    line_add(
        contract,
        net="500.00",
        recognition=Recognition.AT_MILESTONE,
        milestone=milestone,
        description="上线验收",
    )
    plan_add(contract, due=date(2026, 11, 25), amount=100)
    plan_add(contract, due=None, milestone=milestone, status=PlanItemStatus.WAITING)
    return contract


def post(client, user, path, body):
    client.force_login(user)
    return client.post(f"{API}{path}", body, content_type="application/json")


def get(client, user, path, **query):
    client.force_login(user)
    return client.get(f"{API}{path}", query)


def test_finance_runs_recognition_for_a_month(client, company, contract):
    response = post(client, company.finance, "/revenue-recognition/run", {"period": "2026-03-15"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == "2026-03-01" and body["contracts"] == 1
    [row] = body["lines"]
    assert row["amount"] == "30.00" and row["currency"] == "CNY" and row["base_amount"] == "30.00"
    assert JournalEntry.objects.filter(pk=row["journal_entry_id"]).exists()
    # again: nothing more
    again = post(client, company.finance, "/revenue-recognition/run", {"period": "2026-03-15"})
    assert again.json()["lines"] == []
    assert_verified()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "request.invalid"),
        ({"period": "2026-13-01"}, "request.invalid"),
        ({"period": "2026-03-01", "extra": 1}, "request.invalid"),
        ({"period": "next"}, "contract.recognition_period_open"),
    ],
)
def test_a_bad_run_is_refused_and_nothing_changes(client, company, contract, body, code):
    if body.get("period") == "next":
        body = {"period": add_months(timezone.localdate(), 1).isoformat()}
    response = post(client, company.finance, "/revenue-recognition/run", body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert RevenueRecognition.objects.count() == JournalEntry.objects.count() == 0


def test_a_rep_may_not_run_recognition(client, company, contract):
    response = post(client, company.rep_east, "/revenue-recognition/run", {"period": "2026-03-01"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission.denied"
    assert RevenueRecognition.objects.count() == 0


def test_the_schedule_lists_each_line_and_month(client, company, contract):
    post(client, company.finance, "/revenue-recognition/run", {"period": "2026-02-01"})
    response = get(
        client, company.rep_east, f"/revenue-recognition/contracts/{contract.pk}/schedule"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["net"], body["recognised"], body["planned"]) == ("620.00", "20.00", "600.00")
    assert body["deferred"] == "-20.00"
    ratable, on_acceptance = body["lines"]
    # The first run (February's) caught January up.
    assert ratable["months"][0]["recognised"] == "0.00"
    assert ratable["months"][1] == {
        "period": "2026-02-01",
        "recognised": "20.00",
        "planned": "0.00",
    }
    assert ratable["months"][2]["planned"] == "10.00"
    assert on_acceptance["months"][10] == {
        "period": "2026-11-01",
        "recognised": "0.00",
        "planned": "500.00",
    }
    assert len(body["totals"]) == 12


def test_the_schedule_of_another_teams_contract_is_not_found(client, company, contract):
    response = get(
        client, company.rep_south, f"/revenue-recognition/contracts/{contract.pk}/schedule"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "contract.not_found"
    nobody = UserFactory(roles=[])
    response = get(client, nobody, f"/revenue-recognition/contracts/{contract.pk}/schedule")
    assert response.status_code == 403


def test_key_dates_through_the_api(client, company, contract):
    response = get(client, company.rep_east, "/key-dates", start="2026-11-01", end="2026-11-30")
    assert response.status_code == 200, response.content
    assert [(k["kind"], k["date"], k["amount"]) for k in response.json()] == [
        ("installment", "2026-11-25", "100.00"),
        ("milestone", "2026-11-27", None),
    ]
    assert (
        get(client, company.rep_south, "/key-dates", start="2026-11-01", end="2026-11-30").json()
        == []
    )


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"start": "2026-11-30", "end": "2026-11-01"}, "contract.key_dates_range"),
        ({"start": "2026-01-01", "end": "2027-12-31"}, "contract.key_dates_range"),
        ({"start": "2026-11-01"}, "request.invalid"),
    ],
)
def test_a_bad_key_date_range_is_refused(client, company, query, code):
    response = get(client, company.rep_east, "/key-dates", **query)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


def test_the_feed_address_serves_valid_icalendar_without_a_session(client, company, contract):
    url = get(client, company.rep_east, "/key-dates/feed").json()["url"]
    client.logout()
    response = client.get(urlsplit(url).path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert {e.decoded("dtstart") for e in events} >= {date(2026, 11, 25), date(2026, 11, 27)}
    assert client.get("/revenue/key-dates/feed/1:forged.ics").status_code == 404


def test_the_schedule_page_in_both_languages(client, company, contract):
    client.force_login(company.finance)
    for lang, words in (("en", "Revenue schedule of"), ("zh-hans", contract.number)):
        with translation.override(lang):
            response = client.get(f"/revenue/contracts/{contract.pk}/", HTTP_ACCEPT_LANGUAGE=lang)
        assert response.status_code == 200
        assert words in response.content.decode()
        assert 'data-testid="recognition-run"' in response.content.decode()


def test_the_run_button_posts_and_tells_what_it_did(client, company, contract):
    client.force_login(company.finance)
    page = f"/revenue/contracts/{contract.pk}/"
    with translation.override("en"):
        response = client.post(
            "/revenue/run/",
            {"period": "2026-01", "next": page},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.redirect_chain[-1][0] == page
    assert "recognised for 1 contract" in response.content.decode()
    assert RevenueRecognition.objects.count() == 1
    assert_verified()


def test_pages_refuse_those_without_the_right(client, company, contract):
    client.force_login(company.rep_east)
    assert client.post("/revenue/run/", {"period": "2026-01"}).status_code == 403
    assert client.get(f"/revenue/contracts/{contract.pk}/").status_code == 200
    client.force_login(company.rep_south)
    assert client.get(f"/revenue/contracts/{contract.pk}/").status_code == 404
    client.force_login(UserFactory(roles=[]))
    assert client.get("/revenue/key-dates/").status_code == 403
    assert RevenueRecognition.objects.count() == 0


def test_the_calendar_shows_the_months_key_dates(client, company, contract):
    client.force_login(company.rep_east)
    with translation.override("en"):
        response = client.get(
            "/revenue/key-dates/", {"month": "2026-11"}, HTTP_ACCEPT_LANGUAGE="en"
        )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="day-2026-11-25"' in html and "Installment 1 of" in html
    assert "?month=2026-10" in html and "?month=2026-12" in html
    assert key_date_feed_token(user=company.rep_east) in html
    # A month that cannot be read shows this month.
    assert client.get("/revenue/key-dates/", {"month": "soon"}).status_code == 200
