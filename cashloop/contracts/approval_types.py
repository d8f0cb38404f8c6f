"""Contracts as approval documents: activating a contract, and applying an amendment.

A flow on "contracts.contract" may test the contract's total (in its currency and in the
base currency), its currency and the customer's tags and group; a flow on
"contracts.amendment" the same figures of the amended contract plus the change in total.
Without a flow that applies, a contract is active at once and an amendment applied at once.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cashloop.approvals.registry import DocumentType, FieldSpec, document_type_register
from cashloop.contracts.amendments import amendment_approved, amendment_rejected
from cashloop.contracts.models import Amendment, Contract
from cashloop.contracts.services import (
    AMENDMENT_TYPE,
    CONTRACT_TYPE,
    contract_approved,
    contract_rejected,
)
from cashloop.core.money import base_currency, format_money, quantize

CONTRACT_FIELDS = {
    "total": FieldSpec(_("Total"), "money"),
    "base_total": FieldSpec(_("Total in base currency"), "money"),
    "currency": FieldSpec(_("Currency"), "text"),
    "customer.tags": FieldSpec(_("Customer tags"), "tags"),
    "customer.group": FieldSpec(_("Customer group (code)"), "text"),
}


def contract_values(contract: Contract) -> dict[str, Any]:
    customer = contract.customer
    return {
        "total": contract.total,
        "base_total": quantize(contract.total * contract.rate, base_currency()),
        "currency": contract.currency,
        "customer.tags": sorted(tag.name for tag in customer.tags.all()),
        "customer.group": customer.group.code if customer.group_id else "",
    }


def amendment_values(amendment: Amendment) -> dict[str, Any]:
    values = contract_values(amendment.contract)
    values["total"] = quantize(amendment.after["total"], amendment.contract.currency)
    values["base_total"] = quantize(values["total"] * amendment.contract.rate, base_currency())
    values["change"] = values["total"] - quantize(
        amendment.before["total"], amendment.contract.currency
    )
    return values


def _contract_summary(contract: Contract) -> str:
    total = format_money(contract.total, contract.currency)
    return f"{_('Contract')} {contract.title} · {contract.customer.name} · {total}"


def _amendment_summary(amendment: Amendment) -> str:
    contract = amendment.contract
    return f"{_('Amendment')} {amendment} · {contract.customer.name} · {amendment.reason}"


def register_approval_types() -> None:
    document_type_register(
        DocumentType(
            key=CONTRACT_TYPE,
            label=_("Contract activation"),
            model=Contract,
            fields=CONTRACT_FIELDS,
            values=contract_values,
            on_approved=contract_approved,
            on_rejected=contract_rejected,
            url=lambda contract: reverse("contracts:detail", args=[contract.pk]),
            summary=_contract_summary,
        )
    )
    document_type_register(
        DocumentType(
            key=AMENDMENT_TYPE,
            label=_("Contract amendment"),
            model=Amendment,
            fields={**CONTRACT_FIELDS, "change": FieldSpec(_("Change in total"), "money")},
            values=amendment_values,
            on_approved=amendment_approved,
            on_rejected=amendment_rejected,
            url=lambda amendment: reverse("contracts:detail", args=[amendment.contract_id]),
            summary=_amendment_summary,
        )
    )
