"""Writes of customers: create and change customers and contacts, each with its audit row.

Who may write is decided by `restrict(actor, action)`: a rep with the "own" scope can
only change their own customers and can only make customers owned by themselves; a
record outside the actor's scope answers as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from cashloop.core.audit import audit_record, audit_record_many, audit_snapshot
from cashloop.core.countries import country_check
from cashloop.core.errors import CoreError, DomainError, full_clean_or_raise
from cashloop.core.models import AuditAction
from cashloop.core.money import currency_check
from cashloop.core.scoping import ALL, OWN, SCOPE_ORDER, TEAM, get_scoped, may_on, require
from cashloop.customers import selectors as customer_selectors
from cashloop.customers.choices import CustomerStatus, PoolEventKind
from cashloop.customers.errors import (
    CustomerError,
    HandOverError,
    InteractionError,
    MergeError,
    PoolError,
)
from cashloop.customers.hooks import OPPORTUNITIES, hand_over_hooks, merge_hooks
from cashloop.customers.matching import name_key, name_tokens, phone_key
from cashloop.customers.models import (
    TAG_MAX_LENGTH,
    Contact,
    Customer,
    CustomerMerge,
    CustomerNameToken,
    HandOver,
    Interaction,
    PoolEvent,
    PoolSettings,
    Tag,
)
from cashloop.customers.selectors import NEXT_STEPS, customer_duplicates, duplicate_details
from cashloop.customfields.services import custom_values_validate
from cashloop.identity.models import User

CUSTOMER_FIELDS = frozenset(
    {
        "code",
        "name",
        "legal_name",
        "aliases",
        "tax_id",
        "address",
        "country",
        "currency",
        "payment_terms_days",
        "owner_id",
        "team_id",
        "status",
        "tags",
        "custom",
        "group_id",
    }
)
CONTACT_FIELDS = frozenset({"name", "title", "phone", "email", "custom"})
CUSTOMER_TYPE, CONTACT_TYPE = "customers.customer", "customers.contact"


def _check_fields(changes: Mapping[str, Any], allowed: frozenset[str]) -> None:
    for field in changes:
        if field not in allowed:
            raise DomainError(CoreError.UNKNOWN_FIELD, field=field, details={"field": field})


def _owner_for(*, actor: User, scope: str, owner_id: int | None) -> User | None:
    """The owner the actor asks for, if the actor's scope lets them hand customers to them."""
    if owner_id is None:
        # Customers without an owner sit in the public pool; only an all-scope user puts
        # them there for now (the pool's own rules come with the CRM issue).
        if scope != ALL:
            raise DomainError(CustomerError.OWNER_OUTSIDE_SCOPE, details={"owner_id": None})
        return None
    owner = User.objects.select_related("team").filter(pk=owner_id).first()
    if owner is None or not owner.is_active:
        raise DomainError(CustomerError.OWNER_INACTIVE, details={"owner_id": owner_id})
    if scope == ALL or owner.pk == actor.pk:
        return owner
    if scope == OWN or owner.team_id not in actor.scope_team_ids():
        raise DomainError(CustomerError.OWNER_OUTSIDE_SCOPE, details={"owner_id": owner_id})
    return owner


def _tags_set(customer: Customer, names: Iterable[str]) -> None:
    wanted = sorted({name.strip() for name in names if name and name.strip()})
    for name in wanted:
        if len(name) > TAG_MAX_LENGTH:
            raise DomainError(CoreError.VALIDATION, details={"tags": [name]})
    tags = [Tag.objects.get_or_create(name=name)[0] for name in wanted]
    customer.tags.set(tags)


def customer_name_token_rows(customers: Iterable[Customer]) -> list[CustomerNameToken]:
    """The name-token rows of saved customers (the seed bulk-creates these itself)."""
    return [
        CustomerNameToken(customer_id=c.pk, token=token)
        for c in customers
        for token in sorted(set().union(*map(name_tokens, c.name_keys)))
    ]


def _name_tokens_set(customer: Customer) -> None:
    """Keep the token index in step with the names (name, legal name, other names)."""
    rows = customer_name_token_rows([customer])
    held = set(CustomerNameToken.objects.filter(customer=customer).values_list("token", flat=True))
    if held != {row.token for row in rows}:
        CustomerNameToken.objects.filter(customer=customer).delete()
        CustomerNameToken.objects.bulk_create(rows)


def _refuse_duplicates(*, actor: User, customer: Customer) -> None:
    """`customer.possible_duplicate` with the candidates, unless the actor confirmed."""
    candidates = customer_duplicates(
        user=actor, name=customer.name, tax_id=customer.tax_id, exclude_id=customer.pk
    )
    if candidates:
        raise DomainError(
            CustomerError.POSSIBLE_DUPLICATE,
            details={"candidates": duplicate_details(candidates)},
        )


def _save_with_code(customer: Customer) -> None:
    """Save with a free code, keeping the name key and its tokens in step with the name."""
    customer.name_key = name_key(customer.name)
    if Customer.objects.filter(code__iexact=customer.code).exclude(pk=customer.pk).exists():
        raise DomainError(CustomerError.CODE_TAKEN, code=customer.code, details={"field": "code"})
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as exc:  # a concurrent insert won the race for the code
        raise DomainError(CustomerError.CODE_TAKEN, code=customer.code) from exc
    _name_tokens_set(customer)


@transaction.atomic
def customer_create(
    *,
    actor: User,
    code: str,
    name: str,
    currency: str,
    legal_name: str = "",
    aliases: str = "",
    tax_id: str = "",
    address: str = "",
    country: str = "CN",
    payment_terms_days: int = 30,
    owner_id: int | None = None,
    team_id: int | None = None,
    status: str = CustomerStatus.ACTIVE,
    tags: Iterable[str] = (),
    confirm_duplicate: bool = False,
    custom: Mapping[str, Any] | None = None,
    group_id: int | None = None,
) -> Customer:
    """Create a customer; without an owner it belongs to the acting user.

    A customer that looks like an existing one (decision 021) is refused with the
    candidates unless `confirm_duplicate` says the actor has seen them.
    """
    scope = require(actor, "add", Customer)
    owner = _owner_for(actor=actor, scope=scope, owner_id=owner_id or actor.pk)
    customer = Customer(
        code=code,
        name=name,
        legal_name=legal_name,
        aliases=aliases,
        tax_id=tax_id,
        address=address,
        country=country_check(country),
        currency=currency_check(currency),
        payment_terms_days=payment_terms_days,
        owner=owner,
        team_id=team_id if team_id is not None else (owner.team_id if owner else None),
        status=status,
        custom=custom_values_validate(actor=actor, object_type=CUSTOMER_TYPE, values=custom),
        group_id=group_id,
    )
    full_clean_or_raise(customer)
    if not confirm_duplicate:
        _refuse_duplicates(actor=actor, customer=customer)
    _save_with_code(customer)
    _tags_set(customer, tags)
    audit_record(actor=actor, instance=customer, action=AuditAction.CREATE)
    return customer


@transaction.atomic
def customer_update(
    *,
    actor: User,
    customer_id: int,
    changes: Mapping[str, Any],
    confirm_duplicate: bool = False,
) -> Customer:
    """Change some fields of a customer the actor may change; unchanged fields stay.

    A new name or tax ID is checked for duplicates as on create.
    """
    _check_fields(changes, CUSTOMER_FIELDS)
    customer = _customer_for_change(actor=actor, customer_id=customer_id)
    before = audit_snapshot(customer)
    scope = require(actor, "change", Customer)
    for field, value in changes.items():
        if field == "tags":
            continue
        if field == "currency":
            value = currency_check(value)
        if field == "country":
            value = country_check(value)
        if field == "custom":
            value = custom_values_validate(
                actor=actor, object_type=CUSTOMER_TYPE, values=value, current=customer.custom
            )
        if field == "owner_id" and value != customer.owner_id:
            owner = _owner_for(actor=actor, scope=scope, owner_id=value)
            if "team_id" not in changes:
                customer.team_id = owner.team_id if owner else None
            customer.owner_since = timezone.now() if owner else None  # the pool's clocks
        setattr(customer, field, value)
    full_clean_or_raise(customer)
    identity_changed = customer.name != before["name"] or customer.tax_id != before["tax_id"]
    if identity_changed and not confirm_duplicate:
        _refuse_duplicates(actor=actor, customer=customer)
    _save_with_code(customer)
    if "tags" in changes:
        _tags_set(customer, changes["tags"] or ())
    audit_record(actor=actor, instance=customer, action=AuditAction.UPDATE, before=before)
    return customer


@transaction.atomic
def customer_delete(*, actor: User, customer_id: int) -> None:
    """Delete a customer that has no records yet (a typo); one with history stays."""
    customer = get_scoped(
        Customer.objects.all(),
        user=actor,
        action="delete",
        pk=customer_id,
        lock=True,
        not_found=CustomerError.NOT_FOUND,
    )
    if customer.contacts.exists():
        raise DomainError(CustomerError.HAS_CONTACTS)
    before = audit_snapshot(customer)
    audit_record(actor=actor, instance=customer, action=AuditAction.DELETE, before=before)
    customer.tags.clear()
    customer.delete()


def _customer_for_change(*, actor: User, customer_id: int) -> Customer:
    return get_scoped(
        Customer.objects.all(),
        user=actor,
        action="change",
        pk=customer_id,
        lock=True,
        not_found=CustomerError.NOT_FOUND,
    )


@transaction.atomic
def contact_create(
    *,
    actor: User,
    customer_id: int,
    name: str,
    title: str = "",
    phone: str = "",
    email: str = "",
    custom: Mapping[str, Any] | None = None,
) -> Contact:
    """Add a contact to a customer the actor may change."""
    require(actor, "add", Contact)
    customer = _customer_for_change(actor=actor, customer_id=customer_id)
    contact = Contact(customer=customer, name=name, title=title, phone=phone, email=email)
    contact.custom = custom_values_validate(actor=actor, object_type=CONTACT_TYPE, values=custom)
    contact.phone_key = phone_key(phone)
    full_clean_or_raise(contact)
    contact.save()
    audit_record(actor=actor, instance=contact, action=AuditAction.CREATE)
    return contact


def _contact_for(*, actor: User, contact_id: int, action: str) -> Contact:
    return get_scoped(
        Contact.objects.select_related("customer"),
        user=actor,
        action=action,
        pk=contact_id,
        lock=True,
        not_found=CustomerError.CONTACT_NOT_FOUND,
    )


@transaction.atomic
def contact_update(*, actor: User, contact_id: int, changes: Mapping[str, Any]) -> Contact:
    _check_fields(changes, CONTACT_FIELDS)
    contact = _contact_for(actor=actor, contact_id=contact_id, action="change")
    before = audit_snapshot(contact)
    for field, value in changes.items():
        if field == "custom":
            value = custom_values_validate(
                actor=actor, object_type=CONTACT_TYPE, values=value, current=contact.custom
            )
        setattr(contact, field, value)
    contact.phone_key = phone_key(contact.phone)
    full_clean_or_raise(contact)
    contact.save()
    audit_record(actor=actor, instance=contact, action=AuditAction.UPDATE, before=before)
    return contact


@transaction.atomic
def contact_delete(*, actor: User, contact_id: int) -> None:
    contact = _contact_for(actor=actor, contact_id=contact_id, action="delete")
    before = audit_snapshot(contact)
    audit_record(actor=actor, instance=contact, action=AuditAction.DELETE, before=before)
    contact.delete()


INTERACTION_FIELDS = frozenset(
    {"kind", "occurred_at", "summary", "next_step", "next_step_date", "contact_ids", "user_ids"}
)


def _within(scope: str, actor: User, customer: Customer) -> bool:
    """Whether a scope of the actor covers a customer (interactions are scoped like it)."""
    if scope == ALL or customer.owner_id == actor.pk:
        return True
    return scope == TEAM and customer.team_id in actor.scope_team_ids()


def _occurred_at(value: datetime | date) -> datetime:
    """An aware moment (a bare date is that day's start, local time), not after today."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if timezone.localdate(value) > timezone.localdate():
        raise DomainError(InteractionError.IN_FUTURE, details={"field": "occurred_at"})
    return value


def _participants_set(
    interaction: Interaction, contact_ids: Collection[int], user_ids: Collection[int]
) -> None:
    customer = interaction.customer
    contacts = list(Contact.objects.filter(pk__in=set(contact_ids), customer=customer))
    if len(contacts) != len(set(contact_ids)):
        strangers = sorted(set(contact_ids) - {c.pk for c in contacts})
        raise DomainError(
            InteractionError.CONTACT_OF_OTHER_CUSTOMER, details={"contact_ids": strangers}
        )
    users = list(User.objects.filter(pk__in=set(user_ids), is_active=True))
    allowed = {u.pk for u in users if may_on(u, "view", customer)}
    if outsiders := sorted(set(user_ids) - allowed):
        raise DomainError(
            InteractionError.USER_CANNOT_VIEW_CUSTOMER, details={"user_ids": outsiders}
        )
    interaction.contacts.set(contacts)
    interaction.users.set([u for u in users if u.pk in allowed])


def _check_next_step(interaction: Interaction) -> None:
    interaction.next_step = interaction.next_step.strip()
    if interaction.next_step_date and not interaction.next_step:
        raise DomainError(
            InteractionError.NEXT_STEP_DATE_WITHOUT_STEP, details={"field": "next_step_date"}
        )


def _last_interaction_refresh(customer_id: int) -> None:
    """Keep `Customer.last_interaction_at` (read by the public pool and the 360 page)."""
    latest = Interaction.objects.filter(customer=OuterRef("pk")).order_by("-occurred_at")
    Customer.objects.filter(pk=customer_id).update(
        last_interaction_at=Subquery(latest.values("occurred_at")[:1])
    )


@transaction.atomic
def interaction_create(
    *,
    actor: User,
    customer_id: int,
    kind: str,
    summary: str,
    occurred_at: datetime | date | None = None,
    contact_ids: Collection[int] = (),
    user_ids: Collection[int] = (),
    next_step: str = "",
    next_step_date: date | None = None,
) -> Interaction:
    """Log a call, visit, email, meeting or note with a customer the actor may see."""
    scope = require(actor, "add", Interaction)
    customer = get_scoped(
        Customer.objects.select_for_update(),
        user=actor,
        action="view",
        pk=customer_id,
        not_found=CustomerError.NOT_FOUND,
    )
    if not _within(scope, actor, customer):
        raise DomainError(CustomerError.NOT_FOUND)
    interaction = Interaction(
        customer=customer,
        kind=kind,
        occurred_at=_occurred_at(occurred_at or timezone.now()),
        summary=summary.strip(),
        next_step=next_step,
        next_step_date=next_step_date,
        author=actor,
    )
    _check_next_step(interaction)
    full_clean_or_raise(interaction)
    interaction.save()
    _participants_set(interaction, contact_ids, user_ids)
    _last_interaction_refresh(customer.pk)
    audit_record(actor=actor, instance=interaction, action=AuditAction.CREATE)
    return interaction


def _interaction_for_change(*, actor: User, interaction_id: int, by_owner: bool) -> Interaction:
    """An interaction the actor may change: its author, a manager over it, or (`by_owner`)
    anyone whose own change scope covers it, such as the rep owning the customer."""
    interaction = get_scoped(
        Interaction.objects.select_related("customer"),
        user=actor,
        action="view",
        pk=interaction_id,
        lock=True,
        not_found=InteractionError.NOT_FOUND,
    )
    if interaction.author_id == actor.pk:
        return interaction
    scope = actor.data_scope("customers.interaction", "change")
    lowest = OWN if by_owner else TEAM
    if (
        scope is not None
        and SCOPE_ORDER[scope] >= SCOPE_ORDER[lowest]
        and _within(scope, actor, interaction.customer)
    ):
        return interaction
    raise DomainError(InteractionError.NOT_AUTHOR)


@transaction.atomic
def interaction_update(
    *, actor: User, interaction_id: int, changes: Mapping[str, Any]
) -> Interaction:
    """Change an interaction: only its author or a manager whose scope covers it."""
    _check_fields(changes, INTERACTION_FIELDS)
    interaction = _interaction_for_change(
        actor=actor, interaction_id=interaction_id, by_owner=False
    )
    before = audit_snapshot(interaction)
    for field, value in changes.items():
        if field in ("contact_ids", "user_ids"):
            continue
        if field == "occurred_at":
            value = _occurred_at(value)
        if field in ("summary", "next_step"):
            value = (value or "").strip()
        setattr(interaction, field, value)
    _check_next_step(interaction)
    full_clean_or_raise(interaction)
    interaction.save()
    if "contact_ids" in changes or "user_ids" in changes:
        _participants_set(
            interaction,
            changes.get("contact_ids", [c.pk for c in interaction.contacts.all()]),
            changes.get("user_ids", [u.pk for u in interaction.users.all()]),
        )
    _last_interaction_refresh(interaction.customer_id)
    audit_record(actor=actor, instance=interaction, action=AuditAction.UPDATE, before=before)
    return interaction


@transaction.atomic
def interaction_next_step_done(*, actor: User, interaction_id: int) -> Interaction:
    """Tick off an open next step (author, the customer's owner, or a manager over it)."""
    interaction = _interaction_for_change(actor=actor, interaction_id=interaction_id, by_owner=True)
    if not interaction.has_open_step:
        raise DomainError(InteractionError.NO_OPEN_STEP)
    before = audit_snapshot(interaction)
    interaction.next_step_done = True
    interaction.save(update_fields=["next_step_done", "updated_at"])
    audit_record(actor=actor, instance=interaction, action=AuditAction.UPDATE, before=before)
    return interaction


# Ownership: hand-over, the public pool (公海) and merging (decisions 025 and 026).


@transaction.atomic
def customer_hand_over(
    *,
    actor: User,
    customer_ids: Sequence[int] | None,
    from_user_id: int,
    to_user_id: int,
    reason: str,
    include_opportunities: bool = True,
) -> HandOver:
    """Move one, several or all (`customer_ids=None`) of a person's customers to another.

    Their team follows the new owner.  Open next steps follow by themselves (the to-do
    list is by the customer's owner); every registered hand-over hook moves its records
    too (open opportunities, later collection work).  Sales managers may do it within
    their teams, admins for everyone; a refusal leaves everything as it was.
    """
    reason = reason.strip()
    if not reason:
        raise DomainError(HandOverError.REASON_REQUIRED, details={"field": "reason"})
    plan = customer_selectors.hand_over_plan(
        user=actor,
        from_user_id=from_user_id,
        to_user_id=to_user_id,
        customer_ids=customer_ids,
        lock=True,
    )
    now = timezone.now()
    customers = plan.customers
    befores = [audit_snapshot(c) for c in customers]
    for customer in customers:
        customer.owner, customer.team_id = plan.to_user, plan.to_user.team_id
        customer.owner_since = customer.updated_at = now
    Customer.objects.bulk_update(customers, ["owner", "team", "owner_since", "updated_at"])
    audit_record_many(
        actor=actor, instances=customers, action=AuditAction.UPDATE, befores=befores, reason=reason
    )
    ids = [c.pk for c in customers]
    counts = {"customers": len(ids), NEXT_STEPS: plan.counts[NEXT_STEPS]}
    for hook in hand_over_hooks():
        if hook.key == OPPORTUNITIES and not include_opportunities:
            continue
        counts[hook.key] = hook.move(
            actor=actor,
            customer_ids=ids,
            from_user=plan.from_user,
            to_user=plan.to_user,
            reason=reason,
        )
    hand_over = HandOver.objects.create(
        actor=actor,
        at=now,
        from_user=plan.from_user,
        to_user=plan.to_user,
        reason=reason[:500],
        customer_count=len(ids),
        counts=counts,
    )
    hand_over.customers.add(*ids)
    audit_record(actor=actor, instance=hand_over, action=AuditAction.CREATE, reason=reason)
    return hand_over


def _pool_move(
    *,
    actor: User | None,
    customer: Customer,
    owner: User | None,
    kind: PoolEventKind,
    reason: str,
    at: datetime,
) -> Customer:
    """Give a customer to `owner` (None: to the pool), with its pool event and audit row.

    A customer going to the pool keeps its team, so the team's manager still sees it
    and may assign it; one leaving the pool takes its new owner's team.
    """
    before = audit_snapshot(customer)
    rep = owner if owner is not None else customer.owner
    customer.owner = owner
    customer.owner_since = at if owner is not None else None
    if owner is not None:
        customer.team_id = owner.team_id
    customer.save(update_fields=["owner", "team", "owner_since", "updated_at"])
    PoolEvent.objects.create(
        customer=customer, kind=kind, user=rep, actor=actor, at=at, reason=reason[:500]
    )
    audit_record(
        actor=actor,
        instance=customer,
        action=AuditAction.UPDATE,
        before=before,
        reason=reason or str(kind.label),
    )
    return customer


def _pool_customer_locked(*, actor: User, customer_id: int, action: str) -> Customer:
    """Lock a customer (not a merged one) the actor may `action`."""
    return get_scoped(
        Customer.objects.exclude(status=CustomerStatus.MERGED).prefetch_related("tags"),
        user=actor,
        action=action,
        pk=customer_id,
        lock=True,
        not_found=CustomerError.NOT_FOUND,
    )


@transaction.atomic
def customer_claim(*, actor: User, customer_id: int) -> Customer:
    """Take a customer from the public pool, within the claim limit and the cooldown."""
    require(actor, "claim", Customer)
    rules = PoolSettings.current()
    # One rep's claims queue behind each other, so two at once cannot pass the limit.
    User.objects.select_for_update().filter(pk=actor.pk).exists()
    # Every pool row is within the claim scope, so the row is read without a scope
    # filter: a claim that lost a race then hears `pool_not_in_pool`, not "not found".
    customer = (
        Customer.objects.select_for_update()
        .prefetch_related("tags")
        .exclude(status=CustomerStatus.MERGED)
        .filter(pk=customer_id)
        .first()
    )
    if customer is None:
        raise DomainError(CustomerError.NOT_FOUND)
    if customer.owner_id is not None:
        raise DomainError(PoolError.NOT_IN_POOL)
    if rules.claim_limit is not None:
        owned = Customer.objects.filter(owner=actor).exclude(status=CustomerStatus.MERGED)
        if owned.count() >= rules.claim_limit:
            raise DomainError(PoolError.CLAIM_LIMIT, limit=rules.claim_limit)
    now = timezone.now()
    if rules.reclaim_cooldown_days:
        lost = (
            PoolEvent.objects.filter(
                customer=customer,
                user=actor,
                kind__in=[PoolEventKind.RETURNED, PoolEventKind.RELEASED],
            )
            .order_by("-at")
            .first()
        )
        if lost is not None:
            free_from = lost.at + timedelta(days=rules.reclaim_cooldown_days)
            if free_from > now:
                raise DomainError(
                    PoolError.RECLAIM_TOO_SOON,
                    date=timezone.localdate(free_from).isoformat(),
                    details={"claimable_from": free_from.isoformat()},
                )
    return _pool_move(
        actor=actor, customer=customer, owner=actor, kind=PoolEventKind.CLAIMED, reason="", at=now
    )


@transaction.atomic
def customer_release(*, actor: User, customer_id: int, reason: str) -> Customer:
    """Give a customer back to the pool: its owner, or a manager over it."""
    require(actor, "change", Customer)
    reason = reason.strip()
    if not reason:
        raise DomainError(PoolError.REASON_REQUIRED, details={"field": "reason"})
    customer = _pool_customer_locked(actor=actor, customer_id=customer_id, action="change")
    if customer.owner_id is None:
        raise DomainError(PoolError.NO_OWNER)
    return _pool_move(
        actor=actor,
        customer=customer,
        owner=None,
        kind=PoolEventKind.RELEASED,
        reason=reason,
        at=timezone.now(),
    )


@transaction.atomic
def customer_pool_assign(*, actor: User, customer_id: int, user_id: int) -> Customer:
    """A manager gives a pool customer to a rep of their teams (no claim limit: a choice)."""
    scope = require(actor, "hand_over", Customer)
    customer = _pool_customer_locked(actor=actor, customer_id=customer_id, action="hand_over")
    if customer.owner_id is not None:
        raise DomainError(PoolError.NOT_IN_POOL)
    owner = _owner_for(actor=actor, scope=scope, owner_id=user_id)
    return _pool_move(
        actor=actor,
        customer=customer,
        owner=owner,
        kind=PoolEventKind.ASSIGNED,
        reason="",
        at=timezone.now(),
    )


POOL_SETTINGS_FIELDS = frozenset(
    {
        "enabled",
        "days_without_interaction",
        "days_without_deal",
        "claim_limit",
        "reclaim_cooldown_days",
    }
)


@transaction.atomic
def pool_settings_update(*, actor: User, changes: Mapping[str, Any]) -> PoolSettings:
    """Change the pool's rules (admins)."""
    _check_fields(changes, POOL_SETTINGS_FIELDS)
    require(actor, "change", PoolSettings)
    rules = PoolSettings.objects.select_for_update().get(pk=PoolSettings.current().pk)
    before = audit_snapshot(rules)
    for name, value in changes.items():
        setattr(rules, name, value)
    full_clean_or_raise(rules)
    rules.save()
    audit_record(actor=actor, instance=rules, action=AuditAction.UPDATE, before=before)
    return rules


POOL_SWEEP_BATCH = 500


def pool_sweep(*, now: datetime | None = None) -> int:
    """Return to the pool every customer the rules say is stale; how many went.

    Idempotent: a customer returned has no owner, so a second run finds nothing more.
    Each batch is its own transaction and re-checks the rules on the locked rows, so an
    interaction logged meanwhile keeps its customer.
    """
    rules = PoolSettings.current()
    if not rules.enabled:
        return 0
    now = now or timezone.now()
    stale = customer_selectors.pool_stale(settings=rules, now=now)
    ids = sorted(stale)
    returned = 0
    for start in range(0, len(ids), POOL_SWEEP_BATCH):
        with transaction.atomic():
            batch = ids[start : start + POOL_SWEEP_BATCH]
            still = customer_selectors.pool_stale(settings=rules, now=now)
            locked = (
                Customer.objects.select_for_update()
                .filter(pk__in=[pk for pk in batch if pk in still])
                .exclude(owner=None)
                .prefetch_related("tags")
                .order_by("pk")
            )
            for customer in locked:
                _pool_move(
                    actor=None,
                    customer=customer,
                    owner=None,
                    kind=PoolEventKind.RETURNED,
                    reason=stale[customer.pk],
                    at=now,
                )
                returned += 1
    return returned


@transaction.atomic
def customer_merge(
    *, actor: User, survivor_id: int, duplicate_id: int, reason: str
) -> CustomerMerge:
    """Fold a duplicate customer into the survivor, keeping every record and its history.

    Contacts, interactions, tags and name tokens move here; documents, balances and the
    ledger's balances move through the merge hooks (receivables, sales).  The duplicate
    stays, marked merged, pointing at the survivor (decision 026).  Finance and admins.
    """
    require(actor, "merge", Customer)
    reason = reason.strip()
    if not reason:
        raise DomainError(MergeError.REASON_REQUIRED, details={"field": "reason"})
    if survivor_id == duplicate_id:
        raise DomainError(MergeError.INTO_ITSELF)
    locked = {
        pk: get_scoped(
            Customer.objects.prefetch_related("tags"),
            user=actor,
            action="merge",
            pk=pk,
            lock=True,
            not_found=CustomerError.NOT_FOUND,
        )
        for pk in sorted({survivor_id, duplicate_id})  # one lock order: no deadlock
    }
    survivor, duplicate = locked[survivor_id], locked[duplicate_id]
    for customer in (duplicate, survivor):
        if customer.status == CustomerStatus.MERGED:
            raise DomainError(MergeError.ALREADY_MERGED, customer=str(customer))
    survivor_before, duplicate_before = audit_snapshot(survivor), audit_snapshot(duplicate)
    counts: dict[str, int] = {
        "contacts": Contact.objects.filter(customer=duplicate).update(customer=survivor),
        "interactions": Interaction.objects.filter(customer=duplicate).update(customer=survivor),
        "tags": len(duplicate.tags.all()),
    }
    survivor.tags.add(*duplicate.tags.all())
    # The duplicate's name keeps finding the survivor when someone types it again.
    CustomerNameToken.objects.bulk_create(
        [
            CustomerNameToken(customer_id=survivor.pk, token=t.token)
            for t in CustomerNameToken.objects.filter(customer=duplicate)
        ],
        ignore_conflicts=True,
    )
    CustomerNameToken.objects.filter(customer=duplicate).delete()
    # Customers merged into the duplicate earlier now lead straight to the survivor.
    Customer.objects.filter(merged_into=duplicate).update(merged_into=survivor)
    duplicate.status, duplicate.merged_into = CustomerStatus.MERGED, survivor
    duplicate.save(update_fields=["status", "merged_into", "updated_at"])
    merge = CustomerMerge.objects.create(
        survivor=survivor, duplicate=duplicate, actor=actor, reason=reason[:500]
    )
    for hook in merge_hooks():
        counts.update(hook.move(actor=actor, duplicate=duplicate, survivor=survivor, merge=merge))
    _last_interaction_refresh(survivor.pk)
    merge.counts = counts
    merge.save(update_fields=["counts", "journal_entry"])
    audit_record(
        actor=actor,
        instance=duplicate,
        action=AuditAction.UPDATE,
        before=duplicate_before,
        reason=reason,
    )
    audit_record(
        actor=actor,
        instance=survivor,
        action=AuditAction.UPDATE,
        before=survivor_before,
        reason=reason,
    )
    audit_record(actor=actor, instance=merge, action=AuditAction.CREATE, reason=reason)
    return merge
