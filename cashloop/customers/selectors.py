"""Reads of customers, always through `restrict(user, action)`.

The list, the detail page, the search box, the export and the API all call these, so
no path shows a user more than another.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.db.models.functions import Cast, Coalesce, Lower, Upper
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from cashloop.core.errors import DomainError
from cashloop.core.fieldrules import audit_rows_for, match_shown
from cashloop.core.models import AuditEntry
from cashloop.core.scoping import ALL, OWN, TEAM, ScopedQuerySet, get_scoped, require
from cashloop.customers.choices import CustomerStatus
from cashloop.customers.errors import CustomerError, HandOverError, InteractionError
from cashloop.customers.hooks import hand_over_hooks, merge_hooks
from cashloop.customers.matching import email_key, name_key, name_tokens, phone_key, tax_id_key
from cashloop.customers.models import (
    Contact,
    Customer,
    CustomerNameToken,
    HandOver,
    Interaction,
    PoolEvent,
    PoolSettings,
    Tag,
)
from cashloop.customfields.selectors import custom_filter, custom_text_match
from cashloop.identity.models import User

CUSTOMER_TYPE = "customers.customer"


def customer_list(
    *,
    user: User,
    q: str = "",
    status: str = "",
    owner_id: int | None = None,
    tag: str = "",
    action: str = "view",
    custom: Mapping[str, str] | None = None,
) -> QuerySet[Customer]:
    """Customers the user may see, filtered; `q` matches code, names, tax id, contacts and
    the text custom fields the user sees; `custom` holds `cf_<key>` filters.

    Customers merged into another are left out unless asked for by status.
    """
    qs = Customer.objects.restrict(user, action)
    if status != CustomerStatus.MERGED:
        qs = qs.exclude(status=CustomerStatus.MERGED)
    if q := q.strip():
        contact_hits = Contact.objects.filter(_contact_match(user, q)).values("customer_id")
        name = Q(name__icontains=q)
        if key := name_key(q):  # full-width, spacing and legal suffixes do not matter
            name |= Q(name_key__contains=key)
        match = match_shown(
            user,
            Customer,
            [
                ("code", Q(code__icontains=q)),
                ("name", name),
                ("legal_name", Q(legal_name__icontains=q)),
                ("tax_id", Q(tax_id__icontains=q)),
            ],
        )
        match |= Q(pk__in=contact_hits)
        match |= custom_text_match(user=user, object_type=CUSTOMER_TYPE, q=q)
        qs = qs.filter(match)
    if status:
        qs = qs.filter(status=status)
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    if tag:
        qs = qs.filter(tags__name=tag)
    if custom:
        qs = custom_filter(qs, user=user, object_type=CUSTOMER_TYPE, params=custom)
    return (
        qs.select_related("owner", "team")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by("code")
    )


def _contact_match(user: User, q: str) -> Q:
    """Contacts by name, email or phone; a phone matches in any format ("+86 138-0013-8000").
    Only by the fields `user` reads whole."""
    phone = Q(phone__icontains=q)
    if digits := phone_key(q):
        phone |= Q(phone_key=digits)
    return match_shown(
        user,
        Contact,
        [("name", Q(name__icontains=q)), ("phone", phone), ("email", Q(email__icontains=q))],
    )


def customer_contact_counts(*, customers: Iterable[Customer]) -> dict[int, int]:
    """Contacts per customer for one page of customers (one query, not a join on the list)."""
    rows = (
        Contact.objects.filter(customer_id__in=[c.pk for c in customers])
        .values("customer_id")
        .annotate(n=Count("id"))
    )
    return {row["customer_id"]: row["n"] for row in rows}


def customer_get(*, user: User, customer_id: int, action: str = "view") -> Customer:
    """One customer the user may see, or `customer.not_found` (also when out of scope)."""
    return get_scoped(
        Customer.objects.select_related("owner", "team").prefetch_related("tags"),
        user=user,
        action=action,
        pk=customer_id,
        not_found=CustomerError.NOT_FOUND,
    )


def contact_list(
    *, user: User, customer_id: int | None = None, q: str = "", action: str = "view"
) -> QuerySet[Contact]:
    qs = Contact.objects.restrict(user, action).select_related("customer")
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if q := q.strip():
        qs = qs.filter(_contact_match(user, q))
    return qs.order_by("name", "id")


def contact_get(*, user: User, contact_id: int, action: str = "view") -> Contact:
    return get_scoped(
        Contact.objects.select_related("customer"),
        user=user,
        action=action,
        pk=contact_id,
        not_found=CustomerError.CONTACT_NOT_FOUND,
    )


def customer_history(*, user: User, customer_id: int) -> QuerySet[AuditEntry]:
    """The audit trail of a customer the user may see, newest first.

    It includes the trails of the customers merged into it (decision 026), so nothing of
    a duplicate's history is lost from view when its page redirects here.  A merge points
    everything merged into the duplicate at the survivor, so one level is all there is.
    """
    customer = customer_get(user=user, customer_id=customer_id)
    merged = (
        Customer.objects.filter(merged_into=customer)
        .annotate(subject=Cast("pk", CharField()))
        .values("subject")
    )
    rows = (
        AuditEntry.objects.filter(subject_type=ContentType.objects.get_for_model(Customer))
        .filter(Q(subject_id=str(customer.pk)) | Q(subject_id__in=merged))
        .select_related("actor")
        .order_by("-at", "-id")
    )
    return audit_rows_for(user, rows)  # hidden fields' changes stay hidden (decision 034)


def customer_in_scope(*, user: User, action: str, customer: Customer) -> bool:
    """Whether the user may `action` this customer, decided without a query."""
    scope = user.data_scope("customers.customer", action)
    if scope is None:
        return False
    if scope == ALL or customer.owner_id == user.pk:
        return True
    return scope == TEAM and customer.team_id in user.scope_team_ids()


def customer_owner_choices(
    *, user: User, action: str = "change", active: bool = True
) -> QuerySet[User]:
    """People the user may hand a customer to (all, their teams, or only themselves);
    with `active=False` also those who left (whose customers a hand-over moves)."""
    scope = user.data_scope("customers.customer", action) or OWN
    qs = User.objects.order_by("username")
    if active:
        qs = qs.filter(is_active=True)
    if scope == ALL:
        return qs
    if scope == OWN:
        return qs.filter(pk=user.pk)
    return qs.filter(Q(team_id__in=list(user.scope_team_ids())) | Q(pk=user.pk))


# A name at least this similar (rapidfuzz WRatio of the name keys, 0..100) is a candidate.
NAME_MATCH_THRESHOLD = 80
# Scores of the exact matches: one tax ID is one legal entity; a shared phone or email
# is strong but may be a group's switchboard or a consultant serving two companies.
TAX_ID_SCORE, PHONE_SCORE, EMAIL_SCORE = 100, 90, 90
# Name tokens held by more customers than this are like stop words ("科技", "tra"):
# they are skipped while rarer ones exist, so the candidate query stays small.
COMMON_TOKEN_COUNT = 2000
MAX_QUERY_TOKENS = 12
MAX_NAME_CANDIDATES = 200


@dataclass(frozen=True)
class DuplicateCandidate:
    """An existing customer that may be the one being entered, with why we think so.

    `visible` is False when the customer lies outside the asking user's data scope: the
    user learns that it exists and who owns it, nothing more (decision 021).
    """

    customer: Customer
    score: int
    reasons: list[str] = field(default_factory=list)
    visible: bool = True


def _name_candidates(key: str) -> list[int]:
    """Ids of customers sharing the rarest name tokens with `key`, most shared first."""
    tokens = name_tokens(key)
    if not tokens:
        return []
    counts = dict(
        CustomerNameToken.objects.filter(token__in=tokens)
        .values_list("token")
        .annotate(n=Count("id"))
        .values_list("token", "n")
    )
    present = sorted((n, token) for token, n in counts.items())
    rare = [token for n, token in present if n <= COMMON_TOKEN_COUNT][:MAX_QUERY_TOKENS]
    chosen = rare or [token for _n, token in present[:2]]
    if not chosen:
        return []
    rows = (
        CustomerNameToken.objects.filter(token__in=chosen)
        .values("customer_id")
        .annotate(shared=Count("id"))
        .order_by("-shared", "customer_id")[:MAX_NAME_CANDIDATES]
    )
    return [row["customer_id"] for row in rows]


def customer_duplicates(
    *,
    user: User,
    name: str = "",
    tax_id: str = "",
    phone: str = "",
    email: str = "",
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[DuplicateCandidate]:
    """Existing customers (of the whole company) that look like the one described, best first.

    Candidates come from indexes only: the exact name key, the rarest name tokens, the
    tax ID, and contacts' phone and email keys; then rapidfuzz scores the few found.
    """
    require(user, "view", Customer)
    scores: dict[int, int] = {}
    reasons: dict[int, list[str]] = {}

    def hit(customer_id: int, score: int, reason: str) -> None:
        if customer_id == exclude_id:
            return
        scores[customer_id] = max(scores.get(customer_id, 0), score)
        reasons.setdefault(customer_id, []).append(reason)

    key = name_key(name)
    names: dict[int, str] = {}
    if key:
        ids = set(_name_candidates(key))
        ids.update(Customer.objects.filter(name_key=key).values_list("pk", flat=True)[:50])
        names = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "name_key"))
        for pk, other in names.items():
            similarity = round(fuzz.WRatio(key, other))
            if similarity >= NAME_MATCH_THRESHOLD:
                hit(pk, similarity, _("name %(percent)d%% similar") % {"percent": similarity})
    if tax := tax_id_key(tax_id):
        same_tax = Customer.objects.annotate(tax=Upper("tax_id")).filter(tax=tax)
        for pk in same_tax.values_list("pk", flat=True)[:50]:
            hit(pk, TAX_ID_SCORE, _("same tax ID"))
    if phone_digits := phone_key(phone):
        same_phone = Contact.objects.filter(phone_key=phone_digits)
        for pk in set(same_phone.values_list("customer_id", flat=True)[:50]):
            hit(pk, PHONE_SCORE, _("same phone as a contact"))
    if mail := email_key(email):
        same_mail = Contact.objects.annotate(mail=Lower("email")).filter(mail=mail)
        for pk in set(same_mail.values_list("customer_id", flat=True)[:50]):
            hit(pk, EMAIL_SCORE, _("same email as a contact"))
    if not scores:
        return []
    # A customer merged into another is not a candidate: its survivor is (decision 026).
    merged = Customer.objects.filter(pk__in=list(scores), status=CustomerStatus.MERGED)
    for pk in merged.values_list("pk", flat=True):
        del scores[pk]
    # Several signals together are stronger than the best one alone.
    total = {pk: min(100, score + 5 * (len(reasons[pk]) - 1)) for pk, score in scores.items()}
    best = sorted(total, key=lambda pk: (-total[pk], pk))[:limit]
    customers = Customer.objects.select_related("owner", "team").in_bulk(best)
    visible = set(
        Customer.objects.restrict(user, "view").filter(pk__in=best).values_list("pk", flat=True)
    )
    return [
        DuplicateCandidate(
            customer=customers[pk], score=total[pk], reasons=reasons[pk], visible=pk in visible
        )
        for pk in best
        if pk in customers
    ]


def duplicate_details(candidates: Iterable[DuplicateCandidate]) -> list[dict[str, Any]]:
    """Candidates as plain data for errors and the API: hidden ones as name and owner only."""
    return [
        {
            "id": c.customer.pk if c.visible else None,
            "code": c.customer.code if c.visible else "",
            "name": c.customer.name,
            "owner": str(c.customer.owner) if c.customer.owner_id else "",
            "score": c.score,
            "reasons": list(c.reasons),
            "visible": c.visible,
        }
        for c in candidates
    ]


def interaction_list(*, user: User, customer_id: int | None = None) -> ScopedQuerySet[Interaction]:
    """Interactions the user may see, newest first; of one customer when asked."""
    qs = Interaction.objects.restrict(user, "view")
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    return qs.select_related("customer", "author").prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.order_by("name", "id")),
        Prefetch("users", queryset=User.objects.order_by("username")),
    )


def interaction_get(*, user: User, interaction_id: int) -> Interaction:
    return get_scoped(
        interaction_list(user=user),
        user=user,
        action="view",
        pk=interaction_id,
        not_found=InteractionError.NOT_FOUND,
    )


def interaction_todo(*, user: User) -> QuerySet[Interaction]:
    """The user's to-do: open next steps of the customers they own or steps they logged;
    a manager (team scope) also sees their teams'. Overdue (earliest due) first, undated last.
    """
    scope = user.data_scope("customers.interaction", "view")
    mine = Q(customer__owner=user) | Q(author=user)
    if scope == TEAM:
        mine |= Q(customer__team_id__in=list(user.scope_team_ids()))
    return (
        interaction_list(user=user)
        .filter(mine, next_step_done=False)
        .exclude(next_step="")
        .select_related("customer__owner")
        .order_by(F("next_step_date").asc(nulls_last=True), "occurred_at", "id")
    )


# The public pool (公海), hand-over and merge (decisions 025 and 026).


def pool_list(*, user: User, q: str = "", tag: str = "") -> QuerySet[Customer]:
    """Customers without an owner that the user may claim: their basic data only.

    Any rep with the `claim` grant sees every pool customer here (`scope_unowned_actions`
    on Customer); this does not let them open the customer's page, contacts or invoices.
    """
    require(user, "claim", Customer)
    qs = (
        Customer.objects.restrict(user, "claim")
        .filter(owner=None)
        .exclude(status=CustomerStatus.MERGED)
    )
    if q := q.strip():
        name = Q(name__icontains=q)
        if key := name_key(q):
            name |= Q(name_key__contains=key)
        clauses = [("code", Q(code__icontains=q)), ("name", name)]
        clauses.append(("legal_name", Q(legal_name__icontains=q)))
        qs = qs.filter(match_shown(user, Customer, clauses))
    if tag:
        qs = qs.filter(tags__name=tag)
    return (
        qs.select_related("team")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by(F("last_interaction_at").desc(nulls_last=True), "code")
    )


def pool_events(*, user: User, customer_id: int) -> QuerySet[PoolEvent]:
    customer = customer_get(user=user, customer_id=customer_id)
    return PoolEvent.objects.filter(customer=customer).select_related("user", "actor")


def _deal_models() -> tuple[type[Model], type[Model]]:
    # Looked up by name: customers sit below sales and receivables and do not import them.
    return apps.get_model("sales", "Opportunity"), apps.get_model("receivables", "Invoice")


def pool_stale(*, settings: PoolSettings, now: datetime) -> dict[int, str]:
    """Owned customers the pool rules send back now, each with the rule that does it.

    The clocks start when the current owner got the customer (`owner_since`, else when it
    was created).  A deal is an opportunity won or an invoice issued (decision 025).
    """
    owned = (
        Customer.objects.exclude(owner=None)
        .exclude(status=CustomerStatus.MERGED)
        .annotate(held_since=Coalesce("owner_since", "created_at"))
    )
    found: dict[int, str] = {}
    if days := settings.days_without_deal:
        cutoff = now - timedelta(days=days)
        opportunity, invoice = _deal_models()
        won = opportunity._default_manager.filter(
            customer=OuterRef("pk"), status="won", closed_at__gte=cutoff
        )
        issued = invoice._default_manager.filter(customer=OuterRef("pk"), issued_at__gte=cutoff)
        quiet = owned.filter(held_since__lt=cutoff).exclude(Exists(won)).exclude(Exists(issued))
        reason = _("No deal for %(days)d days") % {"days": days}
        found.update(dict.fromkeys(quiet.values_list("pk", flat=True), reason))
    if days := settings.days_without_interaction:
        cutoff = now - timedelta(days=days)
        silent = owned.filter(held_since__lt=cutoff).filter(
            Q(last_interaction_at=None) | Q(last_interaction_at__lt=cutoff)
        )
        reason = _("No interaction for %(days)d days") % {"days": days}
        found.update(dict.fromkeys(silent.values_list("pk", flat=True), reason))
    return found


@dataclass
class HandOverPlan:
    """Who gives, who gets, which customers, and how many records of each kind follow."""

    from_user: User
    to_user: User
    customers: list[Customer]
    counts: dict[str, int] = field(default_factory=dict)


def hand_over_plan(
    *,
    user: User,
    from_user_id: int,
    to_user_id: int,
    customer_ids: Collection[int] | None,
    lock: bool = False,
) -> HandOverPlan:
    """Check a hand-over and say what it moves, without moving anything (the preview).

    Both people must be within the user's scope; `customer_ids=None` means every customer
    the giver owns that the user may hand over.
    """
    scope = require(user, "hand_over", Customer)
    if from_user_id == to_user_id:
        raise DomainError(HandOverError.SAME_USER)
    people = User.objects.select_related("team").in_bulk([from_user_id, to_user_id])
    for pk in (from_user_id, to_user_id):
        person = people.get(pk)
        if person is None or (
            scope != ALL and person.pk != user.pk and person.team_id not in user.scope_team_ids()
        ):
            raise DomainError(HandOverError.USER_NOT_FOUND, details={"user_id": pk})
    from_user, to_user = people[from_user_id], people[to_user_id]
    if not to_user.is_active:
        raise DomainError(HandOverError.TO_INACTIVE, details={"to_user_id": to_user_id})
    qs = (
        Customer.objects.restrict(user, "hand_over")
        .filter(owner=from_user)
        .exclude(status=CustomerStatus.MERGED)
        .prefetch_related("tags")
        .order_by("pk")
    )
    if customer_ids is not None:
        qs = qs.filter(pk__in=set(customer_ids))
    if lock:
        qs = qs.select_for_update()
    customers = list(qs)
    if customer_ids is not None and (
        missing := sorted(set(customer_ids) - {c.pk for c in customers})
    ):
        raise DomainError(
            HandOverError.NOT_OWNED, owner=str(from_user), details={"customer_ids": missing}
        )
    if not customers:
        raise DomainError(HandOverError.NOTHING)
    ids = [c.pk for c in customers]
    counts = {"customers": len(ids), NEXT_STEPS: open_step_count(customer_ids=ids)}
    for hook in hand_over_hooks():
        counts[hook.key] = hook.count(ids, from_user)
    return HandOverPlan(from_user=from_user, to_user=to_user, customers=customers, counts=counts)


# The key of open next steps among a hand-over's counts: they follow the customer's owner.
NEXT_STEPS = "next_steps"


def open_step_count(*, customer_ids: Collection[int]) -> int:
    return (
        Interaction.objects.filter(customer_id__in=list(customer_ids), next_step_done=False)
        .exclude(next_step="")
        .count()
    )


def hand_over_list(*, user: User) -> QuerySet[HandOver]:
    """Past hand-overs the user may see: all for admins, those touching their teams for managers."""
    scope = user.data_scope("customers.customer", "hand_over")
    qs = HandOver.objects.select_related("actor", "from_user", "to_user").order_by("-at", "-id")
    if scope is None:
        return qs.none()
    if scope == ALL:
        return qs
    teams = list(user.scope_team_ids()) if scope == TEAM else []
    return qs.filter(
        Q(actor=user)
        | Q(from_user=user)
        | Q(to_user=user)
        | Q(from_user__team_id__in=teams)
        | Q(to_user__team_id__in=teams)
    )


def hand_over_label(key: str) -> str:
    """What a count of a hand-over or merge counts, for pages."""
    labels = {
        "customers": _("Customers"),
        NEXT_STEPS: _("Open next steps (follow the new owner)"),
        "contacts": _("Contacts"),
        "interactions": _("Interactions"),
        "tags": _("Tags"),
    }
    for hook in merge_hooks():
        labels.update({k: str(v) for k, v in hook.labels.items()})
    labels.update({hook.key: str(hook.label) for hook in hand_over_hooks()})
    return labels.get(key, key)


def merge_preview(*, user: User, survivor_id: int, duplicate_id: int) -> dict[str, int]:
    """What merging `duplicate` into `survivor` would move, by kind (nothing moves here)."""
    require(user, "merge", Customer)
    duplicate = customer_get(user=user, customer_id=duplicate_id, action="merge")
    customer_get(user=user, customer_id=survivor_id, action="merge")
    counts = {
        "contacts": Contact.objects.filter(customer=duplicate).count(),
        "interactions": Interaction.objects.filter(customer=duplicate).count(),
        "tags": duplicate.tags.count(),
    }
    for hook in merge_hooks():
        counts.update(hook.count(duplicate))
    return counts


def merge_candidates(*, user: User, customer: Customer, q: str = "") -> list[Customer]:
    """Customers `customer` could be merged into: its likely duplicates, or a search."""
    if q.strip():
        found = customer_list(user=user, q=q, action="merge").exclude(pk=customer.pk)
        return list(found[:20])
    candidates = customer_duplicates(
        user=user, name=customer.name, tax_id=customer.tax_id, exclude_id=customer.pk
    )
    return [c.customer for c in candidates if c.visible]
