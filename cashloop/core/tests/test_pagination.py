"""Cursor pages and sorting of the API's lists (decision 065): a walk by cursor sees every
row once in the order asked for, even while rows are added; bad sorts and cursors are 422."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import signing
from django.test import RequestFactory
from django.utils import timezone
from ninja import NinjaAPI

from cashloop.api import api
from cashloop.core.errors import CoreError, DomainError
from cashloop.core.pagination import CURSOR_SALT, CursorPage
from cashloop.customers.models import Customer
from tests.factories import CustomerFactory

URL = "/api/v1/customers"


def walk(client, limit, **params):
    """Every page of the customer list by cursor: the codes in order and the pages' sizes."""
    codes, sizes, cursor = [], [], None
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        body = client.get(URL, query).json()
        codes += [row["code"] for row in body["items"]]
        sizes.append(len(body["items"]))
        cursor = body["next_cursor"]
        if cursor is None:
            return codes, sizes


@pytest.fixture
def seven(company):
    """Seven customers: names repeat (ties for the id to break), three never contacted."""
    at = timezone.make_aware(dt.datetime(2026, 3, 1, 9, 0))
    rows = []
    for n, (name, days) in enumerate(
        [
            ("Beta", 1),
            ("Alpha", None),
            ("Beta", 3),
            ("Gamma", None),
            ("Alpha", 2),
            ("Beta", 2),
            ("Delta", None),
        ]
    ):
        last = None if days is None else at + dt.timedelta(days=days)
        rows.append(
            CustomerFactory(
                code=f"P{n}", name=name, owner=company.rep_east, last_interaction_at=last
            )
        )
    return rows


def test_a_cursor_walk_sees_every_row_once_in_the_default_order(client, company, seven):
    client.force_login(company.admin)
    codes, sizes = walk(client, 3)
    assert codes == ["P0", "P1", "P2", "P3", "P4", "P5", "P6"]
    assert sizes == [3, 3, 1]
    assert client.get(URL, {"limit": 3}).json()["count"] == 7


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["P1", "P4", "P0", "P2", "P5", "P6", "P3"]),
        ("-name", ["P3", "P6", "P5", "P2", "P0", "P4", "P1"]),
        ("name,-code", ["P4", "P1", "P5", "P2", "P0", "P6", "P3"]),
        # Empty values come last whichever the direction; the id orders them among themselves.
        ("last_interaction_at", ["P0", "P4", "P5", "P2", "P1", "P3", "P6"]),
        ("-last_interaction_at", ["P2", "P5", "P4", "P0", "P6", "P3", "P1"]),
    ],
)
def test_pages_follow_the_sort_asked_for(client, company, seven, sort, expected):
    client.force_login(company.admin)
    for limit in (1, 2, 7):
        assert walk(client, limit, sort=sort)[0] == expected


def test_rows_added_during_a_walk_neither_repeat_nor_shift_the_pages(client, company, seven):
    client.force_login(company.admin)
    first = client.get(URL, {"limit": 3, "sort": "name"}).json()
    # A row that sorts before the cursor would push offset pages by one; a cursor ignores it.
    CustomerFactory(code="P7", name="Aardvark", owner=company.rep_east)
    rest = client.get(URL, {"limit": 10, "sort": "name", "cursor": first["next_cursor"]}).json()
    seen = [row["code"] for row in first["items"] + rest["items"]]
    assert seen == ["P1", "P4", "P0", "P2", "P5", "P6", "P3"]


def test_offset_still_pages_for_older_clients_and_hands_over_a_cursor(client, company, seven):
    client.force_login(company.admin)
    page = client.get(URL, {"limit": 2, "offset": 2}).json()
    assert [row["code"] for row in page["items"]] == ["P2", "P3"]
    after = client.get(URL, {"limit": 10, "cursor": page["next_cursor"]}).json()
    assert [row["code"] for row in after["items"]] == ["P4", "P5", "P6"]
    assert after["next_cursor"] is None


def error_of(response):
    return response.status_code, response.json()["error"]["code"]


@pytest.mark.parametrize("sort", ["tax_id", "-", "name,", "owner__password", "code,name,id,code"])
def test_a_sort_outside_the_list_is_refused_with_its_keys(client, company, seven, sort):
    client.force_login(company.admin)
    response = client.get(URL, {"sort": sort}, HTTP_ACCEPT_LANGUAGE="en")
    assert error_of(response) == (422, CoreError.SORT_INVALID.code)
    assert "last_interaction_at" in response.json()["error"]["details"]["allowed"]
    assert "code, created_at, id" in response.json()["error"]["message"]


def test_bad_cursors_are_refused(client, company, seven):
    client.force_login(company.admin)
    by_name = client.get(URL, {"limit": 2, "sort": "name"}).json()["next_cursor"]
    forged = [
        "not a cursor !",
        by_name[:-4] + ("AAAA" if not by_name.endswith("AAAA") else "BBBB"),  # tampered
        signing.dumps({"s": "name", "v": [["s", "Beta"], ["i", 1]]}),  # signed by another
        # signed right, but one value where the order needs two, or of no known type
        signing.dumps({"s": "code", "v": [["s", "P1"]]}, salt=CURSOR_SALT),
        signing.dumps({"s": "code", "v": [["x", "P1"], ["i", 1]]}, salt=CURSOR_SALT),
        signing.dumps({"s": "code", "v": [["n", "NaN"], ["i", 1]]}, salt=CURSOR_SALT),
    ]
    for cursor in forged:
        response = client.get(URL, {"cursor": cursor})
        assert error_of(response) == (422, CoreError.CURSOR_INVALID.code), cursor
    # A cursor holds the order it was made for; another order cannot continue from it.
    assert error_of(client.get(URL, {"cursor": by_name, "sort": "-name"})) == (
        422,
        CoreError.CURSOR_INVALID.code,
    )
    both = client.get(URL, {"cursor": by_name, "sort": "name", "offset": 1})
    assert error_of(both) == (422, CoreError.CURSOR_WITH_OFFSET.code)
    assert error_of(client.get(URL, {"limit": 0})) == (422, CoreError.REQUEST_INVALID.code)


def test_a_list_of_dicts_pages_the_same_way():
    # given rows an endpoint built itself, with a tie and an empty value
    paginator = CursorPage(sorts=("at",), default="-at", name="AtPage")
    rows = [{"id": 1, "at": 5}, {"id": 2, "at": None}, {"id": 3, "at": 7}, {"id": 4, "at": 5}]
    request = RequestFactory().get("/x")

    def page(**given):
        return paginator.paginate_queryset(rows, paginator.Input(**given), request)

    # when it is walked two at a time with its default sort
    first = page(limit=2, sort="-at")
    second = page(limit=2, sort="-at", cursor=first["next_cursor"])
    # then every row comes once, by `at` descending, the id breaking the tie, empties last
    assert [r["id"] for r in first["items"] + second["items"]] == [3, 4, 1, 2]
    assert second["next_cursor"] is None and first["count"] == 4
    with pytest.raises(DomainError) as refused:
        page(sort="id,-at,id,at")
    assert refused.value.code is CoreError.SORT_INVALID


def _fill(path):
    return re.sub(r"\{\w+\}", "{}", path)


def test_every_list_endpoint_pages_by_cursor_and_sorts_by_each_of_its_keys(client, company):
    """Each key an endpoint offers is a real column: asking for it never fails."""
    # given one record for the endpoints that list something of one record
    customer = CustomerFactory(owner=company.rep_east)
    client.force_login(company.admin)
    schema = NinjaAPI.get_openapi_schema(api)
    listed = 0
    for path, operations in schema["paths"].items():
        params = {p["name"]: p for p in operations.get("get", {}).get("parameters", [])}
        if "cursor" not in params:
            continue
        listed += 1
        keys = params["sort"]["schema"]["x-sort-keys"]
        assert "id" in keys and params["sort"]["schema"]["default"]
        url = _fill(path).format(customer.pk)
        query = {"period": "2026-Q1"} if "period" in params else {}
        if "/history" in path and "customers" not in path:
            continue  # another object's history: its sorts are the same audit keys
        for key in keys:
            for sort in (key, f"-{key}"):
                response = client.get(url, {**query, "sort": sort, "limit": 1})
                assert response.status_code == 200, (path, sort, response.content)
                assert set(response.json()) == {"items", "count", "next_cursor"}
    # every list that paged by limit and offset before pages by cursor now
    assert listed >= 43
    assert Customer.objects.count() == 1
