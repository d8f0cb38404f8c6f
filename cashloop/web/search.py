"""The search box of the top bar: a registry of per-app providers, its page and its API.

Each app registers a provider `(user, query, limit) -> list[SearchHit]` from its
`AppConfig.ready()` with `register("customers", _("Customers"), provider, order=10)`;
the search page and `GET /api/v1/search?q=` ask every provider and show the hits grouped
by type.  Providers read through their app's scoped selectors, so a user never finds
what they may not see; a provider the user has no right for simply answers nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from ninja import Field, Query, Router, Schema

from cashloop.core.errors import DomainError

MIN_QUERY_LENGTH = 1
MAX_QUERY_LENGTH = 100
PAGE_LIMIT = 10


@dataclass(frozen=True)
class SearchHit:
    """One found record: what to show and where it lives."""

    title: str
    url: str
    subtitle: str = ""


Provider = Callable[[Any, str, int], list[SearchHit]]


@dataclass(frozen=True)
class _Registered:
    key: str
    label: str | Promise
    provider: Provider
    order: int


_PROVIDERS: dict[str, _Registered] = {}


def register(key: str, label: str | Promise, provider: Provider, *, order: int = 100) -> None:
    """Add (or replace, on re-import) the provider of one type of record."""
    _PROVIDERS[key] = _Registered(key, label, provider, order)


@dataclass(frozen=True)
class SearchGroup:
    key: str
    label: str
    hits: list[SearchHit]


def search(*, user: Any, query: str, limit: int = PAGE_LIMIT) -> list[SearchGroup]:
    """Hits of every provider with any, in registration order; nothing for an empty query."""
    query = query.strip()[:MAX_QUERY_LENGTH]
    if len(query) < MIN_QUERY_LENGTH:
        return []
    groups = []
    for entry in sorted(_PROVIDERS.values(), key=lambda e: (e.order, e.key)):
        try:
            hits = entry.provider(user, query, limit)
        except DomainError:  # no right on this type: nothing found there
            continue
        if hits:
            groups.append(SearchGroup(entry.key, str(entry.label), hits[:limit]))
    return groups


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    groups = search(user=request.user, query=query)
    return render(request, "web/search.html", {"q": query, "groups": groups})


class SearchHitOut(Schema):
    title: str
    subtitle: str
    url: str


class SearchGroupOut(Schema):
    key: str
    label: str
    hits: list[SearchHitOut]


class SearchQuery(Schema):
    q: str = Field("", max_length=MAX_QUERY_LENGTH)
    limit: int = Field(PAGE_LIMIT, ge=1, le=50)


router = Router(tags=["search"])


@router.get("/search", response=list[SearchGroupOut])
def search_api(request: HttpRequest, params: Query[SearchQuery]) -> Any:
    """Customers, contacts (and whatever other apps register) matching `q`, by type."""
    return search(user=request.user, query=params.q, limit=params.limit)
