"""Sales API: opportunities, moves, overrides, leads, conversion, pipelines; codes on bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cashloop.customers import services as customer_services
from cashloop.customers.models import Customer
from cashloop.sales.models import Lead, Opportunity, StageChange


def post(client, path, payload):  # type: ignore[no-untyped-def]
    return client.post(path, payload, content_type="application/json")


def patch(client, path, payload):  # type: ignore[no-untyped-def]
    return client.patch(path, payload, content_type="application/json")


@pytest.fixture
def good(customers, next_month):  # type: ignore[no-untyped-def]
    return {
        "customer_id": customers["rep_east"].pk,
        "name": "MES 系统",
        "amount": "250000.00",
        "expected_close_date": next_month.isoformat(),
        "products": ["MES"],
        "competitors": ["SAP"],
    }


def test_create_get_move_and_history(client, company, good, stages):
    client.force_login(company.rep_east)
    created = post(client, "/api/v1/opportunities", good)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["amount"] == "250000.00" and body["base_amount"] == "250000.00"
    assert body["weighted_base_amount"] == "25000.00"
    assert body["stage"]["id"] == stages["open1"].pk and body["owner"]["id"] == company.rep_east.pk
    moved = post(
        client, f"/api/v1/opportunities/{body['id']}/move", {"stage_id": stages["open3"].pk}
    )
    assert moved.status_code == 200 and moved.json()["probability"] == 50
    history = client.get(f"/api/v1/opportunities/{body['id']}/stage-history").json()
    assert [h["to_stage_id"] for h in history] == [stages["open1"].pk, stages["open3"].pk]
    listed = client.get("/api/v1/opportunities", {"stage_id": stages["open3"].pk}).json()
    assert listed["count"] == 1


@pytest.mark.parametrize(
    ("change", "code", "status"),
    [
        ({"amount": "-100.00"}, "opportunity.amount_not_positive", 422),
        ({"amount": "10.001"}, "money.too_many_decimals", 422),
        ({"expected_close_date": "2000-01-01"}, "opportunity.close_before_creation", 422),
        ({"currency": "USD"}, "opportunity.rate_required", 422),
        ({"customer_id": 999999}, "customer.not_found", 404),
        ({"stage_id": 999999}, "stage.not_found", 404),
        ({"unknown": 1}, "request.invalid", 422),
    ],
)
def test_bad_create_input_answers_with_a_code(client, company, good, change, code, status):
    client.force_login(company.rep_east)
    response = post(client, "/api/v1/opportunities", {**good, **change})
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert not Opportunity.objects.exists()


def test_move_to_another_pipelines_stage_is_refused(client, company, good):
    client.force_login(company.admin)
    other = post(
        client,
        "/api/v1/pipelines",
        {"name": "Service", "stages": [{"name": "Open", "probability": 20}]},
    )
    assert other.status_code == 201, other.content
    foreign = other.json()["stages"][0]["id"]
    client.force_login(company.rep_east)
    opp = post(client, "/api/v1/opportunities", good).json()
    response = post(client, f"/api/v1/opportunities/{opp['id']}/move", {"stage_id": foreign})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "opportunity.stage_not_in_pipeline"
    assert StageChange.objects.count() == 1


def test_lost_without_reason_and_override_without_reason(client, company, good, stages):
    client.force_login(company.rep_east)
    opp = post(client, "/api/v1/opportunities", good).json()
    lost = post(client, f"/api/v1/opportunities/{opp['id']}/move", {"stage_id": stages["lost"].pk})
    assert lost.json()["error"]["code"] == "opportunity.lost_reason_required"
    override = post(client, f"/api/v1/opportunities/{opp['id']}/probability", {"probability": 35})
    assert override.json()["error"]["code"] == "opportunity.override_reason_required"
    done = post(
        client,
        f"/api/v1/opportunities/{opp['id']}/probability",
        {"probability": 35, "reason": "Signed LOI"},
    )
    assert done.status_code == 200 and done.json()["probability_reason"] == "Signed LOI"


def test_rep_editing_another_reps_opportunity_gets_404_and_nothing_changes(client, company, good):
    client.force_login(company.rep_east)
    opp = post(client, "/api/v1/opportunities", good).json()
    client.force_login(company.rep_south)
    assert client.get(f"/api/v1/opportunities/{opp['id']}").status_code == 404
    response = patch(client, f"/api/v1/opportunities/{opp['id']}", {"name": "stolen"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "opportunity.not_found"
    assert Opportunity.objects.get().name == "MES 系统"
    assert client.get("/api/v1/opportunities").json()["count"] == 0


def test_viewer_reads_but_cannot_write(client, company, good):
    client.force_login(company.rep_east)
    opp = post(client, "/api/v1/opportunities", good).json()
    client.force_login(company.viewer)
    assert client.get(f"/api/v1/opportunities/{opp['id']}").status_code == 200
    response = patch(client, f"/api/v1/opportunities/{opp['id']}", {"name": "x"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission.denied"


def test_leads_create_disqualify_and_convert(client, company, next_month):
    client.force_login(company.rep_east)
    created = post(
        client,
        "/api/v1/leads",
        {"source": "event", "company_name": "厦门德润", "contact_name": "陈静"},
    )
    assert created.status_code == 201, created.content
    lead = created.json()
    assert lead["owner"]["id"] == company.rep_east.pk and lead["status"] == "new"
    empty = post(client, f"/api/v1/leads/{lead['id']}/disqualify", {"reason": ""})
    assert empty.json()["error"]["code"] == "lead.disqualify_reason_required"
    converted = post(
        client,
        f"/api/v1/leads/{lead['id']}/convert",
        {
            "customer_code": "XM-DR",
            "opportunity": {"amount": "1000", "expected_close_date": next_month.isoformat()},
        },
    )
    assert converted.status_code == 200, converted.content
    body = converted.json()
    assert body["status"] == "converted"
    assert Customer.objects.get(pk=body["converted_customer_id"]).code == "XM-DR"
    assert body["converted_opportunity_id"] is not None
    again = post(client, f"/api/v1/leads/{lead['id']}/convert", {"customer_code": "XM-2"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "lead.converted"


def test_lead_scoping(client, company):
    client.force_login(company.rep_south)
    lead = post(client, "/api/v1/leads", {"source": "website", "company_name": "A"}).json()
    client.force_login(company.rep_east)
    assert client.get(f"/api/v1/leads/{lead['id']}").status_code == 404
    assert client.get("/api/v1/leads").json()["count"] == 0
    response = patch(client, f"/api/v1/leads/{lead['id']}", {"notes": "mine"})
    assert response.status_code == 404
    assert Lead.objects.get().notes == ""


def test_pipelines_list_for_reps_and_admin_only_writes(client, company, pipeline, stages):
    client.force_login(company.rep_east)
    listed = client.get("/api/v1/pipelines")
    assert listed.status_code == 200
    assert [s["probability"] for s in listed.json()[0]["stages"]] == [10, 25, 50, 75, 100, 0]
    denied = post(client, "/api/v1/pipelines", {"name": "Mine"})
    assert denied.status_code == 403
    client.force_login(company.admin)
    renamed = patch(
        client,
        f"/api/v1/pipelines/{pipeline.pk}/stages/{stages['open2'].pk}",
        {"probability": 30, "name": "需求调研"},
    )
    assert renamed.status_code == 200 and renamed.json()["probability"] == 30
    ids = [s.pk for s in pipeline.stages.order_by("position")]
    reordered = patch(
        client, f"/api/v1/pipelines/{pipeline.pk}", {"stage_order": [ids[1], ids[0], *ids[2:]]}
    )
    assert [s["id"] for s in reordered.json()["stages"]][:2] == [ids[1], ids[0]]
    bad = patch(client, f"/api/v1/pipelines/{pipeline.pk}", {"stage_order": ids[:2]})
    assert bad.json()["error"]["code"] == "stage.order_mismatch"


def test_list_query_count_does_not_grow(
    client, company, make_opportunity, django_assert_max_num_queries
):
    client.force_login(company.manager_east)
    make_opportunity()
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/opportunities")
    for n in range(15):
        make_opportunity(name=f"Deal {n}", expected_close_date=timezone.localdate() + timedelta(n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/opportunities").json()["count"] == 16


def test_convert_refuses_a_likely_duplicate_unless_confirmed(client, company, next_month):
    customer_services.customer_create(
        actor=company.rep_east, code="NB-BY", name="宁波博远包装有限公司", currency="CNY"
    )
    client.force_login(company.rep_east)
    lead = post(
        client, "/api/v1/leads", {"source": "website", "company_name": "宁波博远包装"}
    ).json()
    refused = post(client, f"/api/v1/leads/{lead['id']}/convert", {"customer_code": "NB-2"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "customer.possible_duplicate"
    assert not Customer.objects.filter(code="NB-2").exists()
    assert Lead.objects.get().status == "new"
    confirmed = post(
        client,
        f"/api/v1/leads/{lead['id']}/convert",
        {"customer_code": "NB-2", "confirm_duplicate": True},
    )
    assert confirmed.status_code == 200, confirmed.content
    assert Customer.objects.filter(code="NB-2").exists()


def test_convert_validates_the_new_customers_custom_fields(client, company):
    from cashloop.customfields.services import custom_field_create

    custom_field_create(
        actor=company.admin,
        object_type="customers.customer",
        key="employees",
        label="Employees",
        kind="number",
        required=True,
        min_value="1",
    )
    client.force_login(company.rep_east)
    lead = post(client, "/api/v1/leads", {"source": "website", "company_name": "温州瓯江阀门"})
    url = f"/api/v1/leads/{lead.json()['id']}/convert"
    for bad in (None, {}, {"employees": 0}, {"employees": "many"}):
        refused = post(client, url, {"customer_code": "WZ-OJ", "customer_custom": bad})
        assert refused.status_code == 422, bad
        assert refused.json()["error"]["code"] == "custom_field.invalid"
        assert not Customer.objects.filter(code="WZ-OJ").exists()
        assert Lead.objects.get().status == "new"
    done = post(client, url, {"customer_code": "WZ-OJ", "customer_custom": {"employees": 40}})
    assert done.status_code == 200, done.content
    assert Customer.objects.get(code="WZ-OJ").custom == {"employees": 40}
