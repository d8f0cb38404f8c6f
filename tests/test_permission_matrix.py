"""The permission matrix: every API operation and every page, tried as every kind of user.

Nothing here lists endpoints by hand: API operations come from the OpenAPI schema of
`cashloop.api.api` and pages from Django's URL resolver, so an endpoint another app adds
later is tried too.  Path ids are filled with records of a small world whose records
outside a user's scope carry marker names; for each user:

* no GET response holds a marker of a record outside the user's scope, nor the value of
  a field hidden or masked for the user;
* every write the user's roles deny answers 403/404 (API) or refuses (pages), and leaves
  every business table as it was (a digest of their rows before and after).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cashloop.api import api
from cashloop.customers import services as customer_services
from cashloop.identity import services as identity_services
from cashloop.identity.models import Role
from cashloop.receivables.services import LineIn, invoice_create, invoice_issue, payment_create
from cashloop.sales import services as sales_services
from tests.factories import ContactFactory, CustomerFactory, UserFactory

SECRET = "ZZ-SOUTH-SECRET"  # on rep_south's records: outside the East users' scope
SHARED = "ZZ-SOUTH-SHARED"  # rep_south's customer shared with rep_east (read only)
SUB = "ZZ-SUB-TEAM"  # a customer of East's sub-team: outside a team-only East user's scope
TAX = "ZZTAXHIDDEN0001"  # an East customer's tax ID, hidden from sales reps
PHONE = "13877776666"  # an East contact's phone, masked for service agents
MISSING = 999_999

# Writes any signed-in user may make on their own things, and why they are not refused.
SELF_SERVICE = {
    ("POST", "/api/v1/tokens"): "own API tokens",
    ("DELETE", "/api/v1/tokens/{token_id}"): "own API tokens (unknown id: 404)",
    ("POST", "/api/v1/notifications/read-all"): "marks the user's own notifications read",
    ("POST", "/api/v1/approvals/delegations"): "hands the user's own approval tasks to a deputy",
}
# Refusals that answer with a business code instead of 403/404, and why that is right.
OTHER_REFUSALS = {
    ("POST", "/api/v1/customers/{customer_id}/claim"): (
        "claim's scope includes every pool customer (decision 025): an owned one answers "
        "customer.pool_not_in_pool"
    ),
}
SELF_SERVICE_PAGES = {
    "i18n/setlang/": "language choice, stored in a cookie",
    "login/": "signing in",
    "logout/": "signing out",
    "settings/tokens/": "own API tokens",
    "notifications/read-all/": "marks the user's own notifications read",
}
# Reads that are the same for everyone (no records behind them).
UNSCOPED_READS = {"/api/v1/health": "liveness probe", "/api/v1/openapi.json": "the schema"}
# Tables that change on any request and hold no business data.
NOT_BUSINESS = {"sessions", "axes", "admin", "contenttypes", "django_tasks_database"}


# --- The world ----------------------------------------------------------------------


@pytest.fixture
def world(company) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    admin = company.admin
    identity_services.role_update(
        actor=admin,
        role_id=Role.objects.get(code="sales_rep").pk,
        changes={"field_rules": {"customers.customer": {"tax_id": "hide"}}},
    )
    identity_services.role_update(
        actor=admin,
        role_id=Role.objects.get(code="service_agent").pk,
        changes={"field_rules": {"customers.contact": {"phone": "mask"}}},
    )
    team_lead = identity_services.role_create(
        actor=admin,
        code="team_lead",
        name="Team lead",
        data_scope="team_only",
        grants={"customers.customer": ["view", "change"], "customers.contact": ["view"]},
    )
    south = CustomerFactory(
        owner=company.rep_south, name=f"{SECRET} Co", legal_name=f"{SECRET} Legal"
    )
    contact = ContactFactory(customer=south, name=f"{SECRET} 联系人", phone="13911112222")
    interaction = customer_services.interaction_create(
        actor=company.rep_south,
        customer_id=south.pk,
        kind="call",
        summary=f"{SECRET} call",
        occurred_at=date.today(),
    )
    opportunity = sales_services.opportunity_create(
        actor=company.rep_south,
        customer_id=south.pk,
        name=f"{SECRET} deal",
        amount=Decimal("1000.00"),
        expected_close_date=date.today() + timedelta(days=30),
    )
    lead = sales_services.lead_create(
        actor=company.rep_south, source="website", company_name=f"{SECRET} lead"
    )
    draft = invoice_create(
        actor=company.finance,
        customer_id=south.pk,
        issue_date=date.today(),
        lines=[
            LineIn(
                description=f"{SECRET} line",
                quantity=Decimal("1"),
                unit_price=Decimal("100.00"),
                tax_rate=Decimal("0.13"),
                discount_percent=Decimal("0"),
            )
        ],
    )
    invoice = invoice_issue(actor=company.finance, invoice_id=draft.pk)
    payment = payment_create(
        actor=company.finance,
        customer_id=south.pk,
        amount=Decimal("50.00"),
        payment_date=date.today(),
        memo=f"{SECRET} payment",
        payer_name=f"{SECRET} payer",
    )
    shared = CustomerFactory(owner=company.rep_south, name=f"{SHARED} Co")
    share = identity_services.share_create(
        actor=company.rep_south, customer_id=shared.pk, user_id=company.rep_east.pk
    )
    # Made through the services, so the audit history also holds the values.
    east = customer_services.customer_create(
        actor=company.manager_east,
        code="EAST1",
        name="East Co",
        currency="CNY",
        tax_id=TAX,
        owner_id=company.rep_east.pk,
    )
    east_contact = customer_services.contact_create(
        actor=company.manager_east, customer_id=east.pk, name="East contact", phone=PHONE
    )
    CustomerFactory(owner=company.rep_east_sub, name=f"{SUB} Co")
    agent = UserFactory(username="agent", team=None, roles=["service_agent"])
    lead_east = UserFactory(username="lead_east", team=company.east, roles=[team_lead.code])
    nobody = UserFactory(username="nobody", team=company.south, roles=[])
    ids = {
        "customer_id": south.pk,
        "contact_id": contact.pk,
        "interaction_id": interaction.pk,
        "opportunity_id": opportunity.pk,
        "lead_id": lead.pk,
        "invoice_id": invoice.pk,
        "installment_id": invoice.installments.first().pk,
        "payment_id": payment.pk,
        "entry_id": invoice.journal_entry_id,
        "user_id": company.rep_south.pk,
        "role_id": Role.objects.get(code="sales_rep").pk,
        "share_id": share.pk,
        "year": date.today().year,
        "month": date.today().month,
        "fmt": "csv",
        "section": "contracts",
        "action": "retire",
    }
    # What each user must never read: records outside their scope, fields hidden or masked.
    forbidden = {
        company.rep_east: [SECRET, TAX],
        company.rep_east_sub: [SECRET, SHARED, TAX],
        company.manager_east: [SECRET, SHARED],
        lead_east: [SECRET, SHARED, SUB],
        agent: [PHONE],
        nobody: [SECRET, SHARED, TAX, PHONE, "East Co"],
    }
    # The same paths again on East's own records: in scope, so their fields must obey.
    east_ids = {**ids, "customer_id": east.pk, "contact_id": east_contact.pk}
    return {
        "ids": ids,
        "east_ids": east_ids,
        "forbidden": forbidden,
        "company": company,
        "nobody": nobody,
    }


# --- Walking the API and the pages ----------------------------------------------------


def api_operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path template, OpenAPI operation) of every API operation."""
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, {"operation": operation, "schema": schema}


def fill(template: str, ids: dict[str, Any]) -> str:
    return re.sub(r"{(\w+)}", lambda m: str(ids.get(m.group(1), MISSING)), template)


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def example(schema: dict, node: dict, ids: dict[str, Any], name: str = "") -> Any:
    """A value that passes the request schema, so the refusal comes from the permission."""
    node = _resolve(schema, node)
    for key in ("anyOf", "oneOf"):
        if key in node:
            choices = [c for c in node[key] if _resolve(schema, c).get("type") != "null"]
            return example(schema, choices[0], ids, name) if choices else None
    if "allOf" in node:
        return example(schema, node["allOf"][0], ids, name)
    if "enum" in node:
        return node["enum"][0]
    if "default" in node and node["default"] is not None:
        return node["default"]
    kind = node.get("type")
    if kind == "object":
        props = node.get("properties", {})
        return {
            key: example(schema, sub, ids, key)
            for key, sub in props.items()
            if key in node.get("required", ()) or key.endswith("_id")
        }
    if kind == "array":
        item = example(schema, node.get("items", {}), ids, name)
        return [item] if node.get("minItems") else []
    if kind == "integer":
        return ids.get(name, max(node.get("minimum", 1), 1))
    if kind == "number" or node.get("format") == "decimal":
        return "1.00"
    if kind == "boolean":
        return False
    if node.get("format") == "date":
        return date.today().isoformat()
    if node.get("format") == "date-time":
        return f"{date.today() + timedelta(days=1)}T00:00:00Z"
    return "x" * max(node.get("minLength", 1), 1)


def body_for(spec: dict[str, Any], ids: dict[str, Any]) -> tuple[Any, str]:
    """A valid request body and its content type (JSON, or a form with a small file)."""
    content = spec["operation"].get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = example(spec["schema"], content["application/json"]["schema"], ids)
        return json.dumps(body), "application/json"
    if "multipart/form-data" in content:
        node = _resolve(spec["schema"], content["multipart/form-data"]["schema"])
        form = {}
        for key, sub in node.get("properties", {}).items():
            sub = _resolve(spec["schema"], sub)
            if sub.get("format") == "binary":
                form[key] = SimpleUploadedFile("note.txt", b"hello", content_type="text/plain")
            elif key in node.get("required", ()):
                form[key] = example(spec["schema"], sub, ids, key)
        return encode_multipart(BOUNDARY, form), MULTIPART_CONTENT
    return "", "application/json"


def page_urls(ids: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(pattern, URL) of every page outside the API and the back office."""

    def walk(patterns: list, namespace: str, prefix: str) -> Iterator[tuple[str, str, Any]]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace or ""
                yield from walk(
                    entry.url_patterns,
                    f"{namespace}:{ns}".strip(":") if ns else namespace,
                    prefix + str(entry.pattern),
                )
            elif isinstance(entry, URLPattern) and entry.name:
                yield namespace, prefix + str(entry.pattern), entry

    for namespace, pattern, entry in walk(get_resolver().url_patterns, "", ""):
        if pattern.startswith(("api/", "admin/")):
            continue
        names = list(entry.pattern.regex.groupindex)
        name = f"{namespace}:{entry.name}" if namespace else entry.name
        yield pattern, reverse(name, kwargs={n: ids.get(n, MISSING) for n in names})


def body_text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def digest() -> str:
    """One hash of every row of every business table."""
    hasher = hashlib.sha256()
    for model in sorted(apps.get_models(), key=lambda m: m._meta.db_table):
        if model._meta.app_label in NOT_BUSINESS or not model._meta.managed:
            continue
        rows = model._base_manager.order_by("pk").values_list()
        hasher.update(f"{model._meta.db_table}:{list(rows)!r}".encode())
    return hasher.hexdigest()


WRITE_SQL = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def unchanged(call: Any) -> tuple[Any, bool]:
    """Run `call`; whether every business table is as before (digest only if SQL wrote)."""
    before = digest()
    with CaptureQueriesContext(connection) as queries:
        response = call()
    wrote = any(
        WRITE_SQL.match(q["sql"]) and "django_session" not in q["sql"]
        for q in queries.captured_queries
    )
    return response, (not wrote or digest() == before)


# --- The matrix -----------------------------------------------------------------------


@pytest.fixture
def client() -> Client:
    """A client that answers 500 like production instead of raising, so that one broken
    page is reported with all the others."""
    return Client(raise_request_exception=False)


def test_reads_leak_no_record_and_no_field(client, world):
    leaks: list[str] = []
    ids, east_ids = world["ids"], world["east_ids"]
    east_urls = {url for _pattern, url in page_urls(east_ids)}
    pages = [(p, u) for p, u in page_urls(ids) if p not in SELF_SERVICE_PAGES]
    pages += [(p, u) for p, u in page_urls(east_ids) if "customer" in p or "contact" in p]
    for user, markers in world["forbidden"].items():
        client.force_login(user)
        urls = []
        for method, path, _spec in api_operations():
            if method != "GET" or path in UNSCOPED_READS:
                continue
            urls.append(("GET", fill(path, ids)))
            if "{customer_id}" in path or "{contact_id}" in path:
                urls.append(("GET", fill(path, east_ids)))
        urls += [("page", url) for _pattern, url in pages]
        for kind, url in urls:
            response = client.get(url)
            text = body_text(response)
            if response.status_code >= 500:
                leaks.append(f"{user} {kind} {url}: {response.status_code}")
            leaks += [f"{user} {kind} {url}: {m}" for m in markers if m in text]
    assert east_urls
    assert not leaks, "\n".join(leaks)


def test_denied_api_writes_answer_403_or_404_and_change_nothing(client, world):
    """A user without roles may write nothing but their own things (SELF_SERVICE); East's
    users may not write to rep_south's records, whatever their roles (the path ids point
    at those records)."""
    company, ids = world["company"], world["ids"]
    failures: list[str] = []
    tried = 0
    east_users = [company.rep_east, company.manager_east]
    for user, only_with_ids in [(world["nobody"], False)] + [(u, True) for u in east_users]:
        client.force_login(user)
        for method, path, spec in api_operations():
            if method == "GET" or (method, path) in SELF_SERVICE:
                continue
            if only_with_ids and "{" not in path:
                continue
            body, content_type = body_for(spec, ids)
            url = fill(path, ids)
            tried += 1
            response, same = unchanged(
                lambda url=url, body=body, method=method, content_type=content_type: client.generic(
                    method, url, data=body, content_type=content_type
                )
            )
            refused = response.status_code in (403, 404) or (method, path) in OTHER_REFUSALS
            if not refused or not same:
                failures.append(
                    f"{user} {method} {path}: {response.status_code} "
                    f"{'changed data' if not same else ''} {body_text(response)[:160]}"
                )
    assert tried > 20
    assert not failures, "\n".join(failures)


def test_denied_page_writes_change_nothing(client, world):
    """Page forms posted empty: nothing may change, and nothing may break (500)."""
    company, ids = world["company"], world["ids"]
    failures: list[str] = []
    for user, only_with_ids in ((world["nobody"], False), (company.rep_east, True)):
        client.force_login(user)
        for pattern, url in page_urls(ids):
            if pattern in SELF_SERVICE_PAGES or (only_with_ids and "<" not in pattern):
                continue
            response, same = unchanged(lambda url=url: client.post(url, {}))
            if response.status_code >= 500 or not same:
                failures.append(f"{user} POST {url}: {response.status_code} changed={not same}")
    assert not failures, "\n".join(failures)
