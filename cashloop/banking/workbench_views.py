"""The recognition workbench (认款工作台): lines waiting on one side, the engine's
candidates with their reasons on the other; confirm, split, assign as an advance, post to
an account, and undo what the engine applied today.

Every action posts, goes through `match_services`, and comes back to the workbench on
the next line waiting, so a clerk can work down the queue with the keyboard.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashloop.banking import match_selectors as selectors
from cashloop.banking import match_services as services
from cashloop.banking.choices import LineStatus, RuleAction
from cashloop.banking.match_errors import MatchError
from cashloop.banking.matching import Evidence
from cashloop.banking.models import BankAccount, LineMatch, MatchRule, StatementLine
from cashloop.core.errors import DomainError
from cashloop.core.scoping import may
from cashloop.customers.models import Customer
from cashloop.ledger.choices import AccountRole
from cashloop.ledger.models import Account
from cashloop.web.pages import need, refuse_or_show

PAGE_SIZE = 30
SPLIT_ROWS = 3
FILTERS = ("status", "bank_account", "q")


def _back(request: HttpRequest, line_id: int | None = None) -> HttpResponse:
    """To the workbench with the filters it was on, showing `line_id` (or the first)."""
    query = {key: request.POST.get(key, "") for key in FILTERS if request.POST.get(key)}
    if line_id:
        query["line"] = str(line_id)
    url = reverse("workbench:workbench")
    return redirect(f"{url}?{urlencode(query)}" if query else url)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", StatementLine)
    status = request.GET.get("status", "")
    if status not in LineStatus.values:
        status = ""
    bank_account_id = _int(request.GET.get("bank_account"))
    search = request.GET.get("q", "").strip()
    lines = selectors.line_queue(
        user=request.user, status=status, bank_account_id=bank_account_id, search=search
    )
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    selected_id = _int(request.GET.get("line"))
    selected = selectors.line_get(user=request.user, line_id=selected_id) if selected_id else None
    if selected is None and page.object_list:
        selected = page.object_list[0]
    proposals, matches = [], []
    if selected is not None:
        if selected.status in selectors.WAITING:
            proposals = selectors.explained(selectors.fresh_proposals(selected))
        matches = list(selected.matches.select_related("customer", "payment").order_by("pk"))
    ids = [line.pk for line in page.object_list]
    at = ids.index(selected.pk) if selected is not None and selected.pk in ids else -1
    filters = {"status": status, "bank_account": bank_account_id or "", "q": search}
    query = urlencode({k: v for k, v in filters.items() if v})
    context = {
        "page": page,
        "selected": selected,
        "proposals": proposals,
        "matches": matches,
        "filters": filters,
        "query": query,
        "counts": selectors.queue_counts(user=request.user),
        "statuses": LineStatus.choices,
        "bank_accounts": BankAccount.objects.restrict(request.user, "view").filter(active=True),
        "today": _with_reasons(selectors.matches_applied(user=request.user, auto=True)[:50]),
        "accounts": Account.objects.filter(is_active=True)
        .exclude(role=AccountRole.BANK)
        .exclude(pk__in=BankAccount.objects.values("ledger_account"))
        .order_by("code"),
        "split_rows": range(SPLIT_ROWS),
        "next_id": ids[at + 1] if 0 <= at < len(ids) - 1 else None,
        "prev_id": ids[at - 1] if at > 0 else None,
        "can_change": may(request.user, "change", StatementLine),
    }
    return render(request, "banking/workbench.html", context)


def _with_reasons(matches: Any) -> list[LineMatch]:
    """Matches with the first reasons they were applied for, as sentences."""
    rows = list(matches)
    for match in rows:
        match.reasons = [Evidence.from_json(item).sentence() for item in match.evidence[:2]]
    return rows


def _done(request: HttpRequest, line_id: int, message: str) -> HttpResponse:
    messages.success(request, message)
    nxt = _int(request.POST.get("next"))
    return _back(request, nxt)


def _refused(request: HttpRequest, exc: DomainError, line_id: int) -> HttpResponse:
    refuse_or_show(exc)
    messages.error(request, exc.message)
    return _back(request, line_id)


@login_required
@require_POST
def confirm(request: HttpRequest, line_id: int) -> HttpResponse:
    """Apply the engine's proposal number `proposal` (as it stands now) to the line."""
    need(request.user, "change", StatementLine)
    line = selectors.line_get(user=request.user, line_id=line_id)
    if line is None:
        return _refused(request, DomainError(MatchError.LINE_NOT_FOUND), line_id)
    found = selectors.fresh_proposals(line)
    index = _int(request.POST.get("proposal"))
    try:
        if index is None or not 0 <= index < len(found):
            raise DomainError(MatchError.NO_PARTS)
        chosen = found[index]
        if chosen.exclude_account_id is not None:
            services.statement_line_exclude(
                actor=request.user,
                line_id=line.pk,
                account_id=chosen.exclude_account_id,
                rule_id=chosen.rule_id,
            )
        else:
            services.statement_line_match(
                actor=request.user,
                line_id=line.pk,
                parts=[services.MatchPart.of(chosen, line.amount)],
            )
    except DomainError as exc:
        return _refused(request, exc, line_id)
    return _done(request, line_id, _("Line recognised."))


def _customer_by_code(request: HttpRequest, code: str) -> Customer:
    customer = (
        Customer.objects.restrict(request.user, "view")
        .filter(code__iexact=code.strip(), merged_into__isnull=True)
        .first()
    )
    if customer is None:
        raise DomainError(MatchError.CUSTOMER_CODE, code=code.strip())
    return customer


@login_required
@require_POST
def split(request: HttpRequest, line_id: int) -> HttpResponse:
    """One or more customers, each with an amount; applied oldest due first or all kept
    as an advance."""
    need(request.user, "change", StatementLine)
    codes = request.POST.getlist("customer")
    amounts = request.POST.getlist("amount")
    apply = request.POST.get("apply") == "oldest_first"
    try:
        parts = []
        for code, text in zip(codes, amounts, strict=False):
            if not code.strip() and not text.strip():
                continue
            try:
                amount = Decimal(text.strip().replace(",", ""))
            except InvalidOperation:
                raise DomainError(MatchError.PART_AMOUNT, part=len(parts) + 1) from None
            customer = _customer_by_code(request, code)
            parts.append(services.MatchPart(customer.pk, amount, oldest_first=apply))
        services.statement_line_match(actor=request.user, line_id=line_id, parts=parts)
    except DomainError as exc:
        return _refused(request, exc, line_id)
    return _done(request, line_id, _("Line recognised."))


@login_required
@require_POST
def exclude(request: HttpRequest, line_id: int) -> HttpResponse:
    need(request.user, "change", StatementLine)
    try:
        services.statement_line_exclude(
            actor=request.user,
            line_id=line_id,
            account_id=_int(request.POST.get("account")) or 0,
            memo=request.POST.get("memo", "").strip(),
        )
    except DomainError as exc:
        return _refused(request, exc, line_id)
    return _done(request, line_id, _("Line posted to the account."))


@login_required
@require_POST
def unmatch(request: HttpRequest, match_id: int) -> HttpResponse:
    need(request.user, "change", StatementLine)
    match = LineMatch.objects.filter(pk=match_id).only("line_id").first()
    line_id = match.line_id if match else 0
    try:
        services.statement_line_unmatch(actor=request.user, match_id=match_id)
    except DomainError as exc:
        return _refused(request, exc, line_id)
    messages.success(request, _("Recognition undone; the line waits again."))
    return _back(request, line_id)


@login_required
@require_POST
def unexclude(request: HttpRequest, line_id: int) -> HttpResponse:
    need(request.user, "change", StatementLine)
    try:
        services.statement_line_unexclude(actor=request.user, line_id=line_id)
    except DomainError as exc:
        return _refused(request, exc, line_id)
    messages.success(request, _("Posting taken back; the line waits again."))
    return _back(request, line_id)


@login_required
@require_POST
def auto_match(request: HttpRequest) -> HttpResponse:
    """Run the engine over the lines waiting now."""
    need(request.user, "change", StatementLine)
    ids = list(selectors.line_queue(user=request.user).values_list("pk", flat=True)[:5000])
    result = services.statement_lines_auto_match(actor=request.user, line_ids=ids)
    messages.success(
        request,
        _("%(applied)s lines applied, %(suggested)s with a suggestion, %(left)s left.")
        % {
            "applied": len(result.applied),
            "suggested": len(result.suggested),
            "left": len(result.unmatched),
        },
    )
    return _back(request)


RULE_TEXT_CONDITIONS = ("text_contains", "regex", "payer_contains", "amount_min", "amount_max")


def _rule_fields(request: HttpRequest) -> dict[str, Any]:
    """A rule as typed in the rules page (the service checks it)."""
    post = request.POST
    conditions = {key: post[key].strip() for key in RULE_TEXT_CONDITIONS if post.get(key, "")}
    customer = None
    if post.get("customer", "").strip():
        customer = _customer_by_code(request, post["customer"]).pk
    return {
        "name": post.get("name", "").strip(),
        "priority": _int(post.get("priority")) or 100,
        "conditions": conditions,
        "action": post.get("action", ""),
        "customer_id": customer,
        "account_id": _int(post.get("account")),
        "tolerance": post.get("tolerance", "").strip() or "0",
        "auto_apply": post.get("auto_apply") == "1",
    }


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    """Matching rules in priority order; a new rule is dry-run before it is saved."""
    need(request.user, "view", MatchRule)
    report, typed = None, request.POST
    if request.method == "POST":
        need(request.user, "add", MatchRule)
        try:
            fields = services.match_rule_check(_rule_fields(request))
            if request.POST.get("do") == "save":
                services.match_rule_create(actor=request.user, **fields)
                messages.success(request, _("Rule saved."))
                return redirect("workbench:rules")
            report = services.match_rule_dry_run(
                actor=request.user,
                rule=MatchRule(created_by=request.user, **fields),
                months=_int(request.POST.get("months")) or 3,
            )
        except DomainError as exc:
            refuse_or_show(exc)
            messages.error(request, exc.message)
    context = {
        "rules": selectors.match_rules(user=request.user),
        "actions": RuleAction.choices,
        "accounts": Account.objects.filter(is_active=True).order_by("code"),
        "report": report,
        "typed": typed,
        "can_add": may(request.user, "add", MatchRule),
    }
    return render(request, "banking/workbench_rules.html", context)


@login_required
@require_POST
def rule_toggle(request: HttpRequest, rule_id: int) -> HttpResponse:
    need(request.user, "change", MatchRule)
    rule = MatchRule.objects.filter(pk=rule_id).first()
    try:
        services.match_rule_update(
            actor=request.user, rule_id=rule_id, active=not (rule and rule.active)
        )
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, exc.message)
    return redirect("workbench:rules")
