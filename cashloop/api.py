"""The one NinjaAPI at /api/v1/: mounts every app's router and maps errors to the envelope.

Every error leaves as `{"error": {"code", "message", "details"}}`: domain errors with
their own status, input that fails the schema as 422 `request.invalid` with the fields
in details, unknown paths or ids as 404, and nothing as a 500 that input could cause.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from cashloop.approvals.api import router as approvals_router
from cashloop.banking.api import (
    bank_accounts_router,
    statement_imports_router,
    statement_lines_router,
)
from cashloop.banking.match_api import match_rules_router
from cashloop.banking.match_api import recognition_router as bank_recognition_router
from cashloop.collections.api import router as dunning_router
from cashloop.collections.worklist_api import router as collections_router
from cashloop.contracts.api import contracts_router
from cashloop.contracts.billing_api import billing_router, reconciliation_router
from cashloop.contracts.recognition_api import keydates_router, recognition_router
from cashloop.core.api import router as core_router
from cashloop.core.errors import CoreError, DomainError
from cashloop.cpq.api import (
    customer_groups_router,
    discount_rules_router,
    price_books_router,
    products_router,
    quotes_router,
)
from cashloop.credit.api import router as credit_router
from cashloop.customers.api import contacts_router, customers_router, interactions_router
from cashloop.customfields.api import router as customfields_router
from cashloop.identity.api import router as identity_router
from cashloop.identity.auth import api_auth
from cashloop.imports.api import router as imports_router
from cashloop.knowledge.api import announcements_router, documents_router
from cashloop.ledger.api import router as ledger_router
from cashloop.notifications.api import router as notifications_router
from cashloop.receivables.api import router as receivables_router
from cashloop.reports.api import router as reports_router
from cashloop.reports.schedule_api import router as report_schedules_router
from cashloop.sales.api import (
    leads_router,
    opportunities_router,
    pipelines_router,
    sales_router,
)
from cashloop.service.api import router as service_router
from cashloop.treasury.api import router as treasury_router
from cashloop.web.search import router as search_router
from cashloop.webhooks.api import router as webhooks_router

logger = logging.getLogger(__name__)


class CashloopAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI schema also lists the custom fields, as they are right now."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        from cashloop.customfields.openapi import openapi_with_custom_fields

        return openapi_with_custom_fields(super().get_openapi_schema(**kwargs))


api = CashloopAPI(
    title="Cashloop API",
    version="1",
    description="Contract-to-cash CRM. Authenticate with `Authorization: Bearer <token>` "
    "(tokens are made under Settings → API tokens) or a browser session. A token may make "
    "600 requests a minute by default (`CASHLOOP_API_RATE_LIMIT`); beyond that the answer is "
    "429 `api.rate_limited` with `Retry-After`, and every token request's answer carries "
    "`X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`.",
    auth=api_auth,
    urls_namespace="api",
)


def _envelope(request: HttpRequest, error: DomainError) -> HttpResponse:
    return api.create_response(request, error.as_envelope(), status=error.status)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _envelope(request, exc)


def _field_path(loc: tuple) -> str:
    """`("body", "payload", "name")` -> `"name"`; `("query", "status")` -> `"status"`."""
    parts = loc[2:] if loc[:1] == ("body",) else loc[1:]
    return ".".join(str(part) for part in parts)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = [
        {
            "field": _field_path(tuple(err.get("loc", ()))),
            "type": err.get("type", ""),
            "message": err.get("msg", ""),
        }
        for err in exc.errors
    ]
    error = DomainError(CoreError.REQUEST_INVALID, details={"fields": details})
    return _envelope(request, error)


@api.exception_handler(DataError)
def _data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    """The database refused a value as data (too long for its column, out of range: what
    PostgreSQL checks and SQLite does not). It is input that slipped past validation, so a
    422 rather than a 500; the transaction it came from was rolled back. Logged, so that the
    missing check can be added where the value enters (decision 065)."""
    logger.warning("Value refused by the database at %s: %s", request.path, exc)
    return _envelope(request, DomainError(CoreError.VALUE_REJECTED))


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _envelope(request, DomainError(CoreError.NOT_AUTHENTICATED))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _envelope(request, DomainError(CoreError.NOT_FOUND))


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _envelope(request, DomainError(CoreError.PERMISSION_DENIED))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {
        400: CoreError.BAD_REQUEST,
        401: CoreError.NOT_AUTHENTICATED,
        403: CoreError.PERMISSION_DENIED,
        404: CoreError.NOT_FOUND,
    }.get(exc.status_code, CoreError.REQUEST_INVALID)
    error = DomainError(code)
    return api.create_response(request, error.as_envelope(), status=exc.status_code)


api.add_router("/", core_router)
api.add_router("/", identity_router)
api.add_router("/customers", customers_router)
api.add_router("/contacts", contacts_router)
api.add_router("/interactions", interactions_router)
api.add_router("/", search_router)
api.add_router("/ledger", ledger_router)
api.add_router("/receivables", receivables_router)
api.add_router("/reports/schedules", report_schedules_router)
api.add_router("/reports", reports_router)
api.add_router("/bank-accounts", bank_accounts_router)
api.add_router("/statement-imports", statement_imports_router)
api.add_router("/statement-lines", statement_lines_router)
api.add_router("/recognition", bank_recognition_router)
api.add_router("/match-rules", match_rules_router)
api.add_router("/opportunities", opportunities_router)
api.add_router("/leads", leads_router)
api.add_router("/pipelines", pipelines_router)
api.add_router("/sales", sales_router)
api.add_router("/custom-fields", customfields_router)
api.add_router("/notifications", notifications_router)
api.add_router("/documents", documents_router)
api.add_router("/announcements", announcements_router)
api.add_router("/approvals", approvals_router)
api.add_router("/contracts", contracts_router)
api.add_router("/billing", billing_router)
api.add_router("/contract-reconciliation", reconciliation_router)
api.add_router("/revenue-recognition", recognition_router)
api.add_router("/key-dates", keydates_router)
api.add_router("/products", products_router)
api.add_router("/price-books", price_books_router)
api.add_router("/discount-rules", discount_rules_router)
api.add_router("/quotes", quotes_router)
api.add_router("/customer-groups", customer_groups_router)
api.add_router("/credit", credit_router)
api.add_router("/dunning", dunning_router)
api.add_router("/collections", collections_router)
api.add_router("/tickets", service_router)
api.add_router("/treasury", treasury_router)
api.add_router("/webhooks", webhooks_router)
api.add_router("/imports", imports_router)
