"""The built-in document types: expense claims (费用报销) and work plans (工作计划)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cashloop.approvals.choices import ExpenseCategory
from cashloop.approvals.models import ExpenseClaim, WorkPlan
from cashloop.approvals.registry import DocumentType, FieldSpec, document_type_register
from cashloop.approvals.services import document_decided
from cashloop.core.money import base_currency

SUBMITTER_TEAM = FieldSpec(_("Submitter's team"), "text")


def _team(document: Any) -> str:
    return document.team.name if document.team_id else ""


def expense_claim_values(claim: ExpenseClaim) -> dict[str, Any]:
    # Claims are paid in the base currency as a rule; a claim in another currency has no
    # base amount to compare, so conditions on it do not match (see decision 031).
    base = claim.amount if claim.currency == base_currency() else None
    return {
        "amount": claim.amount,
        "base_amount": base,
        "currency": claim.currency,
        "category": claim.category,
        "submitter.team": _team(claim),
    }


def work_plan_values(plan: WorkPlan) -> dict[str, Any]:
    return {
        "days": (plan.period_end - plan.period_start).days + 1,
        "submitter.team": _team(plan),
    }


def register_builtin_types() -> None:
    document_type_register(
        DocumentType(
            key="approvals.expenseclaim",
            label=_("Expense claim"),
            model=ExpenseClaim,
            fields={
                "amount": FieldSpec(_("Amount"), "money"),
                "base_amount": FieldSpec(_("Amount in base currency"), "money"),
                "currency": FieldSpec(_("Currency"), "text"),
                "category": FieldSpec(_("Category"), "choice", tuple(ExpenseCategory.choices)),
                "submitter.team": SUBMITTER_TEAM,
            },
            values=expense_claim_values,
            on_approved=document_decided,
            on_rejected=document_decided,
            url=lambda claim: reverse("approvals:claim_detail", args=[claim.pk]),
            summary=lambda claim: f"{_('Expense claim')} #{claim.pk}: {claim}",
        )
    )
    document_type_register(
        DocumentType(
            key="approvals.workplan",
            label=_("Work plan"),
            model=WorkPlan,
            fields={
                "days": FieldSpec(_("Days in the period"), "number"),
                "submitter.team": SUBMITTER_TEAM,
            },
            values=work_plan_values,
            on_approved=document_decided,
            on_rejected=document_decided,
            url=lambda plan: reverse("approvals:plan_detail", args=[plan.pk]),
            summary=lambda plan: f"{_('Work plan')} #{plan.pk}: {plan}",
        )
    )
