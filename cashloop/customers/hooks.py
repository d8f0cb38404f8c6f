"""Extension points of customer ownership: what else moves when customers change hands.

Customers know nothing of the apps built on them.  An app whose records follow a
customer's owner (open opportunities now, collection work with issue #8) registers a
`HandOverHook` in its `AppConfig.ready()`; an app whose records belong to a customer
registers a `MergeHook`.  `customer_hand_over` and `customer_merge` call every hook inside
their own transaction, so a refusal in any hook leaves nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from cashloop.customers.models import Customer
    from cashloop.identity.models import User


@dataclass(frozen=True)
class HandOverHook:
    """Records that follow customers from one owner to another.

    `count(customer_ids, from_user)` says how many would move (the preview);
    `move(actor=, customer_ids=, from_user=, to_user=, reason=)` moves them and says how many.
    """

    key: str
    label: Promise
    count: Callable[[Sequence[int], User], int]
    move: Callable[..., int]


@dataclass(frozen=True)
class MergeHook:
    """Records of a duplicate customer that move to the survivor.

    `count(duplicate)` gives {key of `labels`: n} for the preview; `move(actor=, duplicate=,
    survivor=, merge=)` moves them and returns the same kind of counts.  The `merge` row
    is saved already, so a hook may point a journal entry at it.
    """

    key: str
    labels: dict[str, Promise]
    count: Callable[[Customer], dict[str, int]]
    move: Callable[..., dict[str, Any]]


# The hand-over hook of open opportunities, which a hand-over may leave out.
OPPORTUNITIES = "opportunities"

_HAND_OVER: dict[str, HandOverHook] = {}
_MERGE: dict[str, MergeHook] = {}


def register_hand_over(hook: HandOverHook) -> None:
    _HAND_OVER[hook.key] = hook


def register_merge(hook: MergeHook) -> None:
    _MERGE[hook.key] = hook


def hand_over_hooks() -> list[HandOverHook]:
    return list(_HAND_OVER.values())


def merge_hooks() -> list[MergeHook]:
    return list(_MERGE.values())
