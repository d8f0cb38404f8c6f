"""The API fuzzed against its own OpenAPI document on a live test server (decision 065).

Schemathesis reads `/api/v1/openapi.json` from pytest-django's `live_server` and sends
every operation a few generated requests (valid ones and invalid ones) with an admin's
token over a small demo company. No request may answer 5xx, and every documented answer
must match its schema. Path ids are taken from the API's own lists where a list exists
(`/customers/{customer_id}/…` gets the first customer listed), so the generated bodies
reach real records instead of stopping at a 404. Hypothesis runs derandomized without its
example database, so a run is repeatable, and without shrinking, so one slow operation
cannot stretch the run: a failure is reported with the request that caused it.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from pydantic import BaseModel
from schemathesis import GenerationMode, openapi
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.adapter.validators import validate_v3
from schemathesis.specs.openapi.checks import response_schema_conformance

from cashloop.identity.models import ApiToken
from cashloop.identity.services import api_token_create

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

EXAMPLES = 4  # per operation and generation mode
SCHEMA_PATH = "/api/v1/openapi.json"
# Operations the fuzzer must not call: they would take the admin's token or roles away
# in the middle of the run, and every later request would be refused.
SPARED = re.compile(
    r"^(DELETE /api/v1/tokens/\{token_id\}"
    r"|PUT /api/v1/users/\{user_id\}/roles"
    r"|(PATCH|DELETE) /api/v1/roles/\{role_id\})$"
)
CLIENT_ERRORS = (
    requests.exceptions.InvalidHeader,
    requests.exceptions.InvalidURL,
    UnicodeError,
)


@pytest.fixture
def token(company, settings) -> str:  # type: ignore[no-untyped-def]
    """An admin's read-write token over a small demo company, never throttled."""
    settings.CASHLOOP_API_RATE_LIMIT = 10_000_000
    # Subscriptions the fuzzer makes must not have deliveries wait on made-up addresses.
    settings.CASHLOOP_WEBHOOKS_ALLOW_PRIVATE = False
    settings.CASHLOOP_WEBHOOKS_TIMEOUT = 0.5
    call_command(
        "seed",
        "--size=demo",
        "--customers=20",
        "--opportunities=20",
        "--interactions=20",
        verbosity=0,
    )
    _, raw = api_token_create(actor=company.admin, name="fuzz", scope="read_write")
    return raw


def _first_id(session: requests.Session, url: str) -> int | None:
    """The id of the first row a list answers, if `url` is a list and has one."""
    response = session.get(url, params={"limit": 1}, timeout=30)
    if response.status_code != 200:
        return None
    body = response.json()
    rows = body.get("items") if isinstance(body, dict) else body
    if isinstance(rows, list) and rows and isinstance(rows[0], dict):
        value = rows[0].get("id")
        return value if isinstance(value, int) else None
    return None


def _known_ids(session: requests.Session, base: str, path: str) -> dict[str, int]:
    """Path parameters filled with ids the API lists itself, as far as it lists them."""
    known: dict[str, int] = {}
    prefix = ""
    for part in path.strip("/").split("/"):
        name = re.fullmatch(r"\{(\w+)\}", part)
        if name is None:
            prefix += f"/{part}"
            continue
        value = _first_id(session, base + prefix)
        if value is None:
            return known
        known[name[1]] = value
        prefix += f"/{value}"
    return known


def _fuzz(operation: Any, *, mode: GenerationMode, known: dict[str, int], call: Any) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=known or None)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        call(case)

    # Unsatisfiable: nothing of the operation can be made invalid (no parameters, no body).
    with contextlib.suppress(Unsatisfiable):
        run()


def test_the_openapi_document_is_valid_openapi(client, db):  # type: ignore[no-untyped-def]
    document = client.get(SCHEMA_PATH).json()
    assert document["openapi"].startswith("3.1")
    validate_v3(document)  # raises on any departure from the OpenAPI 3.1 meta-schema
    assert len(document["paths"]) > 200


def _models(base: type[BaseModel]) -> Iterator[type[BaseModel]]:
    for model in base.__subclasses__():
        yield model
        yield from _models(model)


def test_each_schema_of_the_document_is_one_model(client, db):  # type: ignore[no-untyped-def]
    """Components are named by class name only: two different models of one name would
    share one entry, and the document would describe one of them wrongly."""
    components = client.get(SCHEMA_PATH).json()["components"]["schemas"]
    by_name: dict[str, set[str]] = defaultdict(set)
    for model in _models(BaseModel):
        if model.__module__.startswith("cashloop.") and model.__name__ in components:
            by_name[model.__name__].add(json.dumps(model.model_json_schema(), sort_keys=True))
    assert [name for name, shapes in by_name.items() if len(shapes) > 1] == []


def test_no_generated_request_makes_the_api_fail(live_server, company, token):  # type: ignore[no-untyped-def]
    # given the document as the live server serves it, and an admin's token
    headers = {"Authorization": f"Bearer {token}"}
    schema = openapi.from_url(live_server.url + SCHEMA_PATH, headers=headers, timeout=30)
    session = requests.Session()
    session.headers.update(headers)
    failures: list[str] = []
    calls = 0

    def call(case: Any) -> None:
        nonlocal calls
        try:
            response = case.call(base_url=live_server.url, session=session, timeout=60)
        except CLIENT_ERRORS:
            return  # requests refused to send what was generated; the server saw nothing
        calls += 1
        try:
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )
        except FailureGroup as failure:  # every failing request is reported, not just the first
            failures.append(
                f"{case.method} {case.formatted_path} query={case.query} body={case.body!r:.300}"
                f" -> {response.status_code}: {failure!s:.600}"
            )

    # when every operation gets valid and invalid requests
    slowest: list[tuple[float, str]] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if SPARED.match(label):
            continue
        operations += 1
        started = time.monotonic()
        known = _known_ids(session, live_server.url, operation.path)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode=mode, known=known, call=call)
        slowest.append((time.monotonic() - started, label))

    # then nothing failed on the server's side, and the admin's token still works
    slowest.sort(reverse=True)
    print(f"{operations} operations, {calls} requests; slowest:", slowest[:5])
    assert not failures, "\n".join(failures)
    assert operations > 300 and calls > operations * EXAMPLES
    assert ApiToken.objects.filter(user=company.admin, revoked_at__isnull=True).exists()
