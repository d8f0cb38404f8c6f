"""Credit control's document types for approval flows: releasing a customer's holds and
changing its credit limit (decision 048)."""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from cashloop.approvals.registry import DocumentType, FieldSpec, document_type_register
from cashloop.core.money import format_money
from cashloop.credit.models import CreditHold, LimitChange
from cashloop.credit.services import (
    HOLD_RELEASE_TYPE,
    LIMIT_CHANGE_TYPE,
    credit_hold_release_refused,
    credit_hold_released,
    credit_limit_change_approved,
    credit_limit_change_refused,
)

FLOWS_MIGRATION = "cashloop.credit.migrations.0002_default_flows"


def default_flows_install() -> None:
    """Install the default release and limit flows once an administrator exists."""
    importlib.import_module(FLOWS_MIGRATION).install_credit_flows(apps, None)


FIELDS = {
    "customer.tags": FieldSpec(_("Customer tags"), "tags"),
    "submitter.team": FieldSpec(_("Submitter's team"), "text"),
}


def _common(customer: Any, user: Any) -> dict[str, Any]:
    return {
        "customer.tags": sorted(tag.name for tag in customer.tags.all()),
        "submitter.team": user.team.name if user is not None and user.team else "",
    }


def _hold_values(hold: CreditHold) -> dict[str, Any]:
    return {**_common(hold.customer, hold.release_requested_by), "source": str(hold.source)}


def _change_values(change: LimitChange) -> dict[str, Any]:
    return {**_common(change.customer, change.requested_by), "new_limit": change.new_limit}


def _url(row: CreditHold | LimitChange) -> str:
    from django.urls import reverse

    return reverse("credit:customer", args=[row.customer_id])


def _hold_summary(hold: CreditHold) -> str:
    return f"{_('Release credit hold')} · {hold.customer.name}"


def _change_summary(change: LimitChange) -> str:
    return (
        f"{_('Credit limit')} {format_money(change.new_limit, change.currency)}"
        f" · {change.customer.name}"
    )


def register_approval_types() -> None:
    document_type_register(
        DocumentType(
            key=HOLD_RELEASE_TYPE,
            label=_("Credit hold release"),
            model=CreditHold,
            fields={**FIELDS, "source": FieldSpec(_("Hold source"), "text")},
            values=_hold_values,
            on_approved=credit_hold_released,
            on_rejected=credit_hold_release_refused,
            url=_url,
            summary=_hold_summary,
        )
    )
    document_type_register(
        DocumentType(
            key=LIMIT_CHANGE_TYPE,
            label=_("Credit limit change"),
            model=LimitChange,
            fields={**FIELDS, "new_limit": FieldSpec(_("New limit"), "money")},
            values=_change_values,
            on_approved=credit_limit_change_approved,
            on_rejected=credit_limit_change_refused,
            url=_url,
            summary=_change_summary,
        )
    )
