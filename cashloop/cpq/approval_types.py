"""The quote as an approval document: discounts beyond their rule's maximum wait for it."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cashloop.approvals.registry import DocumentType, FieldSpec, document_type_register
from cashloop.core.money import format_money
from cashloop.cpq.models import Quote
from cashloop.cpq.services import (
    QUOTE_TYPE,
    quote_approval_approved,
    quote_approval_released,
    quote_approval_values,
)


def _summary(quote: Quote) -> str:
    party = quote.customer or quote.lead
    return f"{_('Quote')} {quote} · {party} · {format_money(quote.total, quote.currency)}"


def register_approval_types() -> None:
    document_type_register(
        DocumentType(
            key=QUOTE_TYPE,
            label=_("Quote discount"),
            model=Quote,
            fields={
                "discount_over_max": FieldSpec(_("Discount % above the rule's maximum"), "decimal"),
                "total": FieldSpec(_("Total"), "money"),
                "base_total": FieldSpec(_("Total in base currency"), "money"),
                "customer_group": FieldSpec(_("Customer group (code)"), "text"),
                "currency": FieldSpec(_("Currency"), "text"),
            },
            values=quote_approval_values,
            on_approved=quote_approval_approved,
            on_rejected=quote_approval_released,
            url=lambda quote: reverse("cpq:quote_detail", args=[quote.pk]),
            summary=_summary,
        )
    )
