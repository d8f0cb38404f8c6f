"""Contract terms: templates with placeholders, rendered into a contract's terms.

A template's text is a Django template run in a sandbox-like engine (autoescaped, no
loaders): `{{ customer.name }}`, `{{ contract.total }}`, `{{ plan_table }}` and the like.
"""

from __future__ import annotations

from django.db import transaction
from django.template import Context, Engine, TemplateSyntaxError
from django.utils.translation import gettext as _

from cashloop.contracts.choices import (
    PlanDueRule,
)
from cashloop.contracts.errors import ContractError
from cashloop.contracts.models import (
    Contract,
    ContractTemplate,
    PlanItem,
)
from cashloop.core.audit import audit_record, audit_snapshot
from cashloop.core.errors import DomainError, full_clean_or_raise
from cashloop.core.models import AuditAction
from cashloop.core.money import (
    format_money,
)
from cashloop.core.scoping import require
from cashloop.identity.models import User

_TERMS_ENGINE = Engine(autoescape=True)


def plan_table_text(contract: Contract) -> str:
    """The payment plan as plain text lines, for the terms (rendered escaped)."""
    rows = []
    for item in contract.plan.all().select_related("milestone"):
        share = f"{item.percent.normalize():f}% " if item.percent is not None else ""
        rows.append(
            f"{item.sequence}. {item.label}: {share}{format_money(item.amount, contract.currency)}"
            f" — {due_rule_text(item)}"
        )
    return "\n".join(rows)


def due_rule_text(item: PlanItem) -> str:
    """When an installment falls due, in words."""
    if item.due_rule == PlanDueRule.FIXED_DATE:
        return str(item.fixed_date)
    if item.due_rule == PlanDueRule.ON_MILESTONE:
        name = item.milestone.name if item.milestone else "?"
        return _("%(days)s days after “%(milestone)s” is accepted") % {
            "days": item.due_days,
            "milestone": name,
        }
    if item.due_rule == PlanDueRule.END_OF_MONTH:
        return _("end of the signing month + %(days)s days") % {"days": item.due_days}
    return _("signing + %(days)s days") % {"days": item.due_days}


def terms_preview(*, body: str, contract: Contract) -> str:
    """Render a template body for a contract: placeholders filled with plain values only."""
    try:
        template = _TERMS_ENGINE.from_string(body)
    except TemplateSyntaxError as exc:
        raise DomainError(ContractError.TEMPLATE_INVALID, reason=str(exc)) from None
    context = {
        "customer": {"name": contract.customer.name, "code": contract.customer.code},
        "contract": {
            "number": contract.number or _("(number given at activation)"),
            "title": contract.title,
            "total": format_money(contract.total, contract.currency),
            "currency": contract.currency,
            "start_date": contract.start_date,
            "end_date": contract.end_date or "",
            "signing_date": contract.signing_date or "",
        },
        "plan_table": plan_table_text(contract),
    }
    return template.render(Context(context))


def terms_render(contract: Contract) -> None:
    if contract.template is None:
        return
    contract.terms = terms_preview(body=contract.template.body, contract=contract)
    contract.save(update_fields=["terms", "updated_at"])


@transaction.atomic
def contract_template_save(
    *,
    actor: User,
    name: str,
    body: str,
    language: str = "zh-hans",
    active: bool = True,
    template_id: int | None = None,
) -> ContractTemplate:
    """Create or change a contract template; a body that does not parse is refused."""
    require(actor, "change" if template_id else "add", ContractTemplate)
    try:
        _TERMS_ENGINE.from_string(body)
    except TemplateSyntaxError as exc:
        raise DomainError(ContractError.TEMPLATE_INVALID, reason=str(exc)) from None
    template, before = ContractTemplate(), None
    if template_id is not None:
        found = ContractTemplate.objects.select_for_update().filter(pk=template_id).first()
        if found is None:
            raise DomainError(ContractError.TEMPLATE_NOT_FOUND)
        template, before = found, audit_snapshot(found)
    template.name, template.body = name.strip(), body
    template.language, template.active = language, active
    full_clean_or_raise(template)
    template.save()
    audit_record(
        actor=actor,
        instance=template,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        before=before,
    )
    return template
