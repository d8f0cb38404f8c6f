"""Key dates of contracts (关键节点): what falls due when, their reminders and the iCal feed.

A key date is read, never stored: an installment's due date while it is not invoiced, a
milestone's planned date while it is not accepted, a contract's end date, and its renewal
notice date (the end less `renewal_notice_days`), of active contracts.  The same list feeds
the calendar page, each user's iCalendar feed and the daily reminders, which
`KeyDateReminder` rows keep to one per key date, kind of reminder and user.

The feed's address carries a token signed with the secret key and the user's password
hash, so it works in a calendar app without a session, and a new password revokes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cashloop.contracts.choices import ContractStatus, MilestoneStatus, PlanItemStatus
from cashloop.contracts.models import Contract, KeyDateReminder, Milestone, PlanItem
from cashloop.core.money import format_money
from cashloop.identity.models import User
from cashloop.notifications.services import notification_send

FEED_SALT = "cashloop.contracts.keydates.feed"
# The calendar feed reaches this far back and ahead of today.
FEED_PAST_DAYS = 92
FEED_FUTURE_DAYS = 400


class KeyDateKind(models.TextChoices):
    INSTALLMENT = "installment", gettext_lazy("Installment due")
    MILESTONE = "milestone", gettext_lazy("Milestone")
    CONTRACT_END = "contract_end", gettext_lazy("Contract ends")
    RENEWAL_NOTICE = "renewal_notice", gettext_lazy("Renewal notice")


@dataclass(frozen=True)
class KeyDate:
    kind: KeyDateKind
    date: date
    title: str
    # What fits a calendar's day cell: the kind shows as its colour.
    short: str
    url: str
    # Stable per contract: "plan:12", "milestone:4", "end", "renewal".
    key: str
    contract_id: int
    contract_number: str
    customer_name: str
    owner_id: int | None
    amount: Decimal | None = None
    currency: str = ""

    @property
    def uid(self) -> str:
        """Stable across feeds and days, so calendar apps update an event instead of adding."""
        return f"contract-{self.contract_id}-{self.key}@cashloop"


def contract_url(contract_id: int) -> str:
    return reverse("contracts:detail", args=[contract_id])


def _label(contract: Contract) -> str:
    return f"{contract} {contract.title}"


def _about(contract: Contract) -> dict[str, Any]:
    """The fields every key date of `contract` shares."""
    return {
        "url": contract_url(contract.pk),
        "contract_id": contract.pk,
        "contract_number": str(contract),
        "customer_name": contract.customer.name,
        "owner_id": contract.owner_id,
    }


def _key_dates(contracts: models.QuerySet[Contract], start: date, end: date) -> list[KeyDate]:
    active = contracts.filter(status=ContractStatus.ACTIVE)
    found: list[KeyDate] = []
    items = (
        PlanItem.objects.filter(
            contract__in=active,
            status=PlanItemStatus.SCHEDULED,
            due_date__gte=start,
            due_date__lte=end,
        )
        .select_related("contract__customer")
        .order_by("due_date", "pk")
    )
    for item in items:
        c = item.contract
        amount = format_money(item.amount, c.currency)
        found.append(
            KeyDate(
                kind=KeyDateKind.INSTALLMENT,
                date=item.due_date,  # type: ignore[arg-type]
                title=_("Installment %(n)s of %(contract)s: %(amount)s")
                % {"n": item.sequence, "contract": c, "amount": amount},
                short=f"{c} {amount}",
                key=f"plan:{item.pk}",
                amount=item.amount,
                currency=c.currency,
                **_about(c),
            )
        )
    milestones = (
        Milestone.objects.filter(
            contract__in=active, planned_date__gte=start, planned_date__lte=end
        )
        .exclude(status=MilestoneStatus.ACCEPTED)
        .select_related("contract__customer")
        .order_by("planned_date", "pk")
    )
    for m in milestones:
        c = m.contract
        found.append(
            KeyDate(
                kind=KeyDateKind.MILESTONE,
                date=m.planned_date,
                title=_("%(milestone)s (%(kind)s) of %(contract)s")
                % {"milestone": m.name, "kind": m.get_kind_display(), "contract": c},
                short=f"{c} {m.name}",
                key=f"milestone:{m.pk}",
                **_about(c),
            )
        )
    # The notice period differs per contract, so fetch ends as far ahead as the longest one.
    longest = active.aggregate(days=Max("renewal_notice_days"))["days"] or 0
    ending = active.filter(
        end_date__gte=start, end_date__lte=end + timedelta(days=longest)
    ).select_related("customer")
    for c in ending.order_by("end_date", "pk"):
        end_date: date = c.end_date  # type: ignore[assignment]
        if end_date <= end:
            found.append(
                KeyDate(
                    kind=KeyDateKind.CONTRACT_END,
                    date=end_date,
                    title=_("%(contract)s ends") % {"contract": _label(c)},
                    short=str(c),
                    key="end",
                    **_about(c),
                )
            )
        notice = end_date - timedelta(days=c.renewal_notice_days)
        if c.renewal_notice_days and start <= notice <= end:
            found.append(
                KeyDate(
                    kind=KeyDateKind.RENEWAL_NOTICE,
                    date=notice,
                    title=_("Renewal notice for %(contract)s (ends %(end)s)")
                    % {"contract": _label(c), "end": end_date.isoformat()},
                    short=str(c),
                    key="renewal",
                    **_about(c),
                )
            )
    found.sort(key=lambda k: (k.date, k.contract_id, k.key))
    return found


def key_dates(*, user: User, start: date, end: date) -> list[KeyDate]:
    """The key dates from `start` to `end` (both included) of the contracts `user` may see."""
    return _key_dates(Contract.objects.restrict(user, "view"), start, end)


# --- reminders ---------------------------------------------------------------------------


def _remind_once(key_date: KeyDate, *, stage: str, user_id: int) -> bool:
    """Claim the reminder row; False if this reminder went out already."""
    try:
        with transaction.atomic():
            KeyDateReminder.objects.create(
                contract_id=key_date.contract_id,
                key=f"{key_date.key}:{stage}",
                date=key_date.date,
                user_id=user_id,
            )
    except IntegrityError:
        return False
    return True


@transaction.atomic
def key_date_reminders_send(*, on: date | None = None, days: int | None = None) -> int:
    """Remind each contract's owner of its key dates: once `days` ahead, once on the day.

    A key date within the next `days` days (CASHLOOP_KEY_DATE_REMINDER_DAYS) gets its
    "ahead" reminder on the first run that sees it, so a day the worker missed, or a date
    set late (a milestone accepted three days before the installment falls due), is still
    reminded.  The "today" reminder goes out on the day itself.  A `KeyDateReminder` row
    per key date, stage and owner keeps each to one message, however often this runs.
    Returns how many messages were sent.
    """
    on = on or timezone.localdate()
    days = settings.CASHLOOP_KEY_DATE_REMINDER_DAYS if days is None else days
    owners = {u.pk: u for u in User.objects.filter(is_active=True)}
    sent = 0
    for key_date in _key_dates(Contract.objects.exclude(owner=None), on, on + timedelta(days=days)):
        owner = owners.get(key_date.owner_id)  # type: ignore[arg-type]
        if owner is None:
            continue
        stage = "today" if key_date.date == on else "ahead"
        if not _remind_once(key_date, stage=stage, user_id=owner.pk):
            continue
        if stage == "today":
            title = _("Today: %(title)s") % {"title": key_date.title}
        else:
            title = _("On %(date)s: %(title)s") % {
                "date": key_date.date.isoformat(),
                "title": key_date.title,
            }
        body = _("%(kind)s · %(customer)s · %(date)s") % {
            "kind": key_date.kind.label,
            "customer": key_date.customer_name,
            "date": key_date.date.isoformat(),
        }
        notification_send(users=[owner], title=title, body=body, url=key_date.url)
        sent += 1
    return sent


# --- the iCalendar feed ------------------------------------------------------------------


def _feed_signer(user: User) -> signing.Signer:
    # The password hash in the salt: a new password makes every earlier address invalid.
    return signing.Signer(salt=f"{FEED_SALT}:{user.password}")


def key_date_feed_token(*, user: User) -> str:
    """The secret part of `user`'s feed address."""
    return _feed_signer(user).sign(str(user.pk))


def key_date_feed_user(*, token: str) -> User | None:
    """The active user a feed token belongs to, or None if it is not (or no longer) valid."""
    pk, _sep, _signature = token.partition(":")
    user = User.objects.filter(pk=pk, is_active=True).first() if pk.isdigit() else None
    if user is None:
        return None
    try:
        _feed_signer(user).unsign(token)
    except signing.BadSignature:
        return None
    return user


def key_date_feed(*, user: User, base_url: str, today: date | None = None) -> bytes:
    """`user`'s key dates as an iCalendar (RFC 5545) document of all-day events."""
    from icalendar import Calendar, Event

    today = today or timezone.localdate()
    calendar = Calendar()
    calendar.add("prodid", "-//Cashloop//Key dates//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("Cashloop key dates"))
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    start = today - timedelta(days=FEED_PAST_DAYS)
    for key_date in key_dates(user=user, start=start, end=today + timedelta(days=FEED_FUTURE_DAYS)):
        event = Event()
        event.add("uid", key_date.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", key_date.date)
        event.add("dtend", key_date.date + timedelta(days=1))
        event.add("summary", key_date.title)
        event.add("description", f"{key_date.kind.label} · {key_date.customer_name}")
        event.add("categories", [str(key_date.kind.label)])
        event.add("url", f"{base_url}{key_date.url}")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
