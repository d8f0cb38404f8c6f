"""What a customer merge does to receivables: documents, balances and the ledger (decision 026).

The journal is immutable and its lines name the customer, so the duplicate's lines stay
as they are.  Instead one reclassification entry moves the duplicate's receivable and
advance balances, per account and currency, to the survivor: the same account, debited
and credited, once with each customer.  Afterwards the journal per customer equals the
open items per customer again, which is what `cashloop verify` recomputes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from cashloop.core.verify import money_sum
from cashloop.customers.models import Customer, CustomerMerge
from cashloop.identity.models import User
from cashloop.ledger.choices import AccountRole, PostingReason
from cashloop.ledger.models import Account, JournalLine
from cashloop.ledger.services import PostingLine, journal_entry_post
from cashloop.receivables.models import CreditNote, CustomerBalance, Invoice, Payment
from cashloop.receivables.services import _balances_add

DOCUMENTS = {"invoices": Invoice, "payments": Payment, "credit_notes": CreditNote}


def receivables_count(duplicate: Customer) -> dict[str, int]:
    """The duplicate's documents, by kind (a merge's preview)."""
    return {
        key: model.objects.filter(customer=duplicate).count() for key, model in DOCUMENTS.items()
    }


def _reclass_lines(duplicate: Customer, survivor: Customer) -> list[PostingLine]:
    """Lines moving each AR and advance balance of the duplicate to the survivor."""
    rows = (
        JournalLine.objects.filter(
            customer=duplicate, account__role__in=[AccountRole.AR, AccountRole.ADVANCE]
        )
        .values("account_id", "currency")
        .annotate(amount=money_sum("amount"), base=money_sum("base_amount"))
        .order_by("account_id", "currency")
    )
    accounts = Account.objects.in_bulk({row["account_id"] for row in rows})
    memo = _("Merged %(duplicate)s into %(survivor)s") % {
        "duplicate": duplicate.code,
        "survivor": survivor.code,
    }
    lines: list[PostingLine] = []
    for row in rows:
        amount, base = Decimal(row["amount"]), Decimal(row["base"])
        if amount == 0 and base == 0:
            continue
        account = accounts[row["account_id"]]
        for customer, sign in ((duplicate, -1), (survivor, 1)):
            lines.append(
                PostingLine(
                    account=account,
                    amount=sign * amount,
                    currency=row["currency"],
                    base_amount=sign * base,
                    customer_id=customer.pk,
                    memo=memo,
                )
            )
    return lines


def receivables_merge(
    *, actor: User, duplicate: Customer, survivor: Customer, merge: CustomerMerge
) -> dict[str, Any]:
    """Move documents and balances to the survivor and post the reclassification entry.

    Runs inside `customer_merge`'s transaction, with both customers locked.
    """
    counts: dict[str, Any] = {
        key: model.objects.filter(customer=duplicate).update(customer=survivor)
        for key, model in DOCUMENTS.items()
    }
    balances = list(CustomerBalance.objects.select_for_update().filter(customer=duplicate))
    _balances_add({(survivor.pk, b.currency): (b.receivable, b.advance) for b in balances})
    CustomerBalance.objects.filter(pk__in=[b.pk for b in balances]).delete()
    if lines := _reclass_lines(duplicate, survivor):
        merge.journal_entry = journal_entry_post(
            actor=actor,
            entry_date=timezone.localdate(),
            reason=PostingReason.CUSTOMER_MERGE,
            lines=lines,
            idempotency_key=f"customer-merge:{merge.pk}",
            source=merge,
            memo=lines[0].memo,
        )
    counts["balances"] = len(balances)
    return counts
