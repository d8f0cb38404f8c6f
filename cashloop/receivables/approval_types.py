"""Receivables' document types for approval flows: bad-debt write-offs, credit notes and
non-contract sales (an invoice not billed from a contract, decision 039).

All are `HeldPosting`s while they wait; the fields a flow may test are the figures the
approvers decide on, the customer's tags and the submitter's team.
"""

from __future__ import annotations

import importlib
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cashloop.approvals.registry import DocumentType, FieldSpec, document_type_register
from cashloop.core.money import format_money
from cashloop.receivables.models import HeldPosting
from cashloop.receivables.services import (
    CREDIT_NOTE_TYPE,
    NON_CONTRACT_TYPE,
    WRITE_OFF_TYPE,
    held_posting_post,
    held_posting_release,
)

SALE_FLOW_MIGRATION = "cashloop.receivables.migrations.0008_default_sale_flow"


def default_flows_install() -> None:
    """The approval every installation starts with: non-contract sales (decision 039).

    The migration installs it on a database that has an administrator; a fresh one gets it
    with its first administrator (`createadmin`) or the demo seed.  Idempotent."""
    importlib.import_module(SALE_FLOW_MIGRATION).install_sale_flow(apps, None)


COMMON_FIELDS = {
    "amount": FieldSpec(_("Amount"), "money"),
    "base_amount": FieldSpec(_("Amount in base currency"), "money"),
    "currency": FieldSpec(_("Currency"), "text"),
    "customer.tags": FieldSpec(_("Customer tags"), "tags"),
    "submitter.team": FieldSpec(_("Submitter's team"), "text"),
}


def held_posting_values(hold: HeldPosting) -> dict[str, Any]:
    team = hold.requested_by.team
    values: dict[str, Any] = {
        "amount": hold.amount,
        "base_amount": hold.base_amount,
        "currency": hold.currency,
        "customer.tags": sorted(tag.name for tag in hold.customer.tags.all()),
        "submitter.team": team.name if team is not None else "",
    }
    if hold.kind == "non_contract_sale":
        # A sale is judged on the invoice's figures, named as the invoice names them.
        values["total"], values["base_total"] = hold.amount, hold.base_amount
    if hold.kind == "credit_note":
        # How much of the invoice this credit takes back: the "discount" of a credit note.
        total = hold.invoice.total if hold.invoice is not None else None
        values["invoice_percent"] = (
            (hold.amount * 100 / total).quantize(Decimal("0.01")) if total else None
        )
    return values


def _url(hold: HeldPosting) -> str:
    if hold.invoice_id is not None:
        return reverse("receivables:invoice_detail", args=[hold.invoice_id])
    return reverse("customers:detail", args=[hold.customer_id])


def _summary(hold: HeldPosting) -> str:
    # A sale waiting for approval is still a draft, without a number.
    where = (hold.invoice.number if hold.invoice is not None else "") or hold.customer.name
    return f"{hold.get_kind_display()} {format_money(hold.amount, hold.currency)} · {where}"


SALE_FIELDS = {
    "total": FieldSpec(_("Total"), "money"),
    "base_total": FieldSpec(_("Total in base currency"), "money"),
    "currency": COMMON_FIELDS["currency"],
    "customer.tags": COMMON_FIELDS["customer.tags"],
    "submitter.team": COMMON_FIELDS["submitter.team"],
}


def register_approval_types() -> None:
    for key, label, extra in (
        (WRITE_OFF_TYPE, _("Bad-debt write-off"), {}),
        (
            CREDIT_NOTE_TYPE,
            _("Credit note"),
            {"invoice_percent": FieldSpec(_("Percent of the invoice credited"), "decimal")},
        ),
    ):
        document_type_register(
            DocumentType(
                key=key,
                label=label,
                model=HeldPosting,
                fields={**COMMON_FIELDS, **extra},
                values=held_posting_values,
                on_approved=held_posting_post,
                on_rejected=held_posting_release,
                url=_url,
                summary=_summary,
            )
        )
    document_type_register(
        DocumentType(
            key=NON_CONTRACT_TYPE,
            label=_("Non-contract sale"),
            model=HeldPosting,
            fields=SALE_FIELDS,
            values=held_posting_values,
            on_approved=held_posting_post,
            on_rejected=held_posting_release,
            url=_url,
            summary=_summary,
        )
    )
