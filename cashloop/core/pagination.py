"""Cursor pagination and sorting shared by every list endpoint of the API (decision 065).

A list endpoint names the keys it may be sorted by and its default order, and returns
its rows (a queryset, or a short list of dicts):

    @router.get("/invoices", response=list[InvoiceOut])
    @paginated(sorts=("issue_date", "number"), default="-issue_date")
    def invoice_list(request, ...): ...

A client sends `sort=<key>` or `sort=-<key>` (several comma-separated), `limit` (the page
size) and, for the next page, `cursor=<next_cursor>` of the page before together with the
same filters. The answer is `{"items", "count", "next_cursor"}`.

The order always ends with the id, so it is total and a cursor names one position between
two rows: the next page starts right after the last row seen (keyset pagination), so rows
added or removed meanwhile never make a page repeat or skip one, and a deep page costs what
the first does. Empty values sort last in either direction, on SQLite and PostgreSQL
alike. `offset` is still accepted, without a cursor, for clients written before cursors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cmp_to_key, partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase, paginate
from pydantic import JsonValue, create_model

from cashloop.core.errors import CoreError, DomainError

# A sort key is a public name (what clients send) for one or more ORM paths (or dict keys).
Sorts = Mapping[str, str | tuple[str, ...]] | Sequence[str]

CURSOR_MAX_LENGTH = 2000
CURSOR_SALT = "cashloop.core.pagination.cursor"
SORT_MAX_KEYS = 3


@dataclass(frozen=True)
class Term:
    """One column of the order: a path and its direction."""

    path: str
    descending: bool

    def order_by(self) -> OrderBy:
        column = F(self.path)
        return column.desc(nulls_last=True) if self.descending else column.asc(nulls_last=True)


@dataclass(frozen=True)
class Order:
    """A validated `sort`: the spelling clients sent (normalised) and the terms it means."""

    spec: str
    terms: tuple[Term, ...]


def _normalise_sorts(sorts: Sorts) -> dict[str, tuple[str, ...]]:
    items = sorts.items() if isinstance(sorts, Mapping) else ((key, key) for key in sorts)
    keys = {key: (paths,) if isinstance(paths, str) else tuple(paths) for key, paths in items}
    keys.setdefault("id", ("id",))
    return keys


def parse_sort(spec: str, sorts: Mapping[str, tuple[str, ...]]) -> Order:
    """`"-issue_date,number"` -> the terms, with the id last; unknown keys are refused."""
    names = [part.strip() for part in spec.split(",")]
    if (
        not spec.strip()
        or len(names) > SORT_MAX_KEYS
        or any(name.removeprefix("-") not in sorts for name in names)
    ):
        raise DomainError(
            CoreError.SORT_INVALID,
            details={"field": "sort", "value": spec, "allowed": sorted(sorts)},
            allowed=", ".join(sorted(sorts)),
        )
    terms: list[Term] = []
    for name in names:
        for path in sorts[name.removeprefix("-")]:
            if all(term.path != path for term in terms):
                terms.append(Term(path, name.startswith("-")))
    if all(term.path not in ("id", "pk") for term in terms):
        # The id breaks ties in the direction of the first key, as the old orders did.
        terms.append(Term("id", terms[0].descending))
    return Order(spec=",".join(names), terms=tuple(terms))


# --- cursors -------------------------------------------------------------------------------


def _encode_value(value: Any) -> list[Any] | None:
    """A value of a sort column as JSON that says its type, so it comes back the same."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, int):
        return ["i", value]
    if isinstance(value, Decimal | float):
        return ["n", str(value)]
    if isinstance(value, datetime):
        return ["t", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    return ["s", str(value)]


def _decode_value(raw: Any) -> Any:
    if raw is None:
        return None
    kind, value = raw  # a ValueError or TypeError here means a forged cursor
    decoders: dict[str, Callable[[Any], Any]] = {
        "b": lambda v: v if isinstance(v, bool) else _bad(),
        "i": lambda v: v if isinstance(v, int) and not isinstance(v, bool) else _bad(),
        "n": lambda v: Decimal(v) if isinstance(v, str) and Decimal(v).is_finite() else _bad(),
        "t": lambda v: datetime.fromisoformat(v),
        "d": lambda v: date.fromisoformat(v),
        "s": lambda v: v if isinstance(v, str) else _bad(),
    }
    return decoders[kind](value)


def _bad() -> Any:
    raise ValueError("cursor value of the wrong type")


def encode_cursor(order: Order, values: Sequence[Any]) -> str:
    payload = {"s": order.spec, "v": [_encode_value(v) for v in values]}
    return signing.dumps(payload, salt=CURSOR_SALT, compress=True)


def decode_cursor(cursor: str, order: Order) -> list[Any]:
    """The position a cursor names, refused unless this server made it, for this `sort`.

    Cursors are signed: a client cannot forge one whose values would not fit the columns.
    """
    try:
        payload = signing.loads(cursor, salt=CURSOR_SALT)
        values = [_decode_value(v) for v in payload["v"]]
        valid = payload["s"] == order.spec and len(values) == len(order.terms)
    except (signing.BadSignature, ValueError, TypeError, KeyError, InvalidOperation):
        valid = False
    if not valid:
        raise DomainError(CoreError.CURSOR_INVALID, details={"field": "cursor"})
    return values


# --- reading a row's position --------------------------------------------------------------


def _value(row: Any, path: str) -> Any:
    if isinstance(row, Mapping):
        return row.get(path)
    value = row
    for part in path.split("__"):
        if value is None:
            return None
        value = getattr(value, part)
    return value


def position(row: Any, order: Order) -> list[Any]:
    return [_value(row, term.path) for term in order.terms]


def _after_q(order: Order, values: Sequence[Any]) -> Q:
    """Rows strictly after `values` in `order`: equal on the first keys, after on the next.

    Empty values come last in either direction, so after an empty value come only other
    empty values (and only through a later key), and after a real value also every empty one.
    """
    after = Q(pk__in=[])
    equal_so_far = Q()
    for term, value in zip(order.terms, values, strict=True):
        if value is None:
            beyond = Q(pk__in=[])
            same = Q(**{f"{term.path}__isnull": True})
        else:
            lookup = "lt" if term.descending else "gt"
            beyond = Q(**{f"{term.path}__{lookup}": value}) | Q(**{f"{term.path}__isnull": True})
            same = Q(**{term.path: value})
        after |= equal_so_far & beyond
        equal_so_far &= same
    return after


def _compare(a: Any, b: Any, descending: bool) -> int:
    if a == b:
        return 0
    if a is None:
        return 1
    if b is None:
        return -1
    sign = -1 if a < b else 1
    return -sign if descending else sign


def _compare_rows(a: Any, b: Any, order: Order) -> int:
    for term in order.terms:
        outcome = _compare(_value(a, term.path), _value(b, term.path), term.descending)
        if outcome:
            return outcome
    return 0


def _is_after(row: Any, order: Order, values: Sequence[Any]) -> bool:
    position = dict(zip((term.path for term in order.terms), values, strict=True))
    return _compare_rows(row, position, order) > 0


# --- the paginator -------------------------------------------------------------------------


class PageInput(Schema):
    limit: int = Field(
        settings.NINJA_PAGINATION_PER_PAGE,
        ge=1,
        le=settings.NINJA_PAGINATION_MAX_LIMIT,
        description="Rows per page.",
    )
    cursor: str | None = Field(
        None,
        max_length=CURSOR_MAX_LENGTH,
        description="`next_cursor` of the page before; send the same filters and `sort`.",
    )
    offset: int = Field(
        0,
        ge=0,
        description="Rows to skip, for clients written before cursors; not with `cursor`.",
    )


class CursorPage(PaginationBase):
    """Keyset pages over a whitelisted, total order; see the module docstring."""

    class Output(Schema):
        items: list[Any]
        count: int
        next_cursor: str | None = Field(
            description="Send as `cursor` for the next page; null on the last page."
        )

    def __init__(self, *, sorts: Sorts, default: str, name: str, **kwargs: Any) -> None:
        self.sorts = _normalise_sorts(sorts)
        self.default = parse_sort(default, self.sorts).spec
        keys = ", ".join(f"`{key}`" for key in sorted(self.sorts))
        listed: list[JsonValue] = [*sorted(self.sorts)]
        page_input = create_model(
            name,
            __base__=PageInput,
            sort=(
                str,
                Field(
                    self.default,
                    max_length=200,
                    description=f"Order: a key, `-key` for descending, several comma-separated "
                    f"(at most {SORT_MAX_KEYS}); the id breaks ties. Keys: {keys}.",
                    json_schema_extra={"x-sort-keys": listed},
                ),
            ),
        )
        # Each endpoint has its own keys, so its own input schema (the default, the docs).
        self.Input = page_input  # type: ignore[misc,assignment]
        super().__init__(**kwargs)

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        order = parse_sort(pagination.sort, self.sorts)
        if pagination.cursor and pagination.offset:
            raise DomainError(CoreError.CURSOR_WITH_OFFSET, details={"field": "offset"})
        start = decode_cursor(pagination.cursor, order) if pagination.cursor else None
        limit = pagination.limit
        if isinstance(queryset, QuerySet):
            count = queryset.count()
            rows = queryset.order_by(*(term.order_by() for term in order.terms))
            if start is not None:
                rows = rows.filter(_after_q(order, start))
            page = list(rows[pagination.offset : pagination.offset + limit + 1])
        else:
            count = len(queryset)
            ordered = sorted(queryset, key=cmp_to_key(partial(_compare_rows, order=order)))
            if start is not None:
                ordered = [row for row in ordered if _is_after(row, order, start)]
            page = ordered[pagination.offset : pagination.offset + limit + 1]
        more = len(page) > limit
        page = page[:limit]
        return {
            "items": page,
            "count": count,
            "next_cursor": encode_cursor(order, position(page[-1], order)) if more else None,
        }


def paginated(*, sorts: Sorts, default: str) -> Callable[[Callable[..., Any]], Any]:
    """Page a list endpoint by cursor, sortable by `sorts` (plus `id`), `default` first."""

    def decorate(view: Callable[..., Any]) -> Any:
        # The input's name becomes an OpenAPI component: one per endpoint, as its keys are.
        name = "".join(part.title() for part in view.__name__.split("_")) + "Page"
        return paginate(CursorPage, sorts=sorts, default=default, name=name)(view)

    return decorate
