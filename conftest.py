"""Fixtures shared by every test: a small company with one user per role and scope."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import connection

from cashloop.identity.models import Team, User
from tests.factories import CustomerFactory, TeamFactory, UserFactory
from tests.migration_data import reinstall


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    for item in items:
        if "postgres" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (runs in the PG pass)"))


@pytest.fixture(autouse=True)
def _migration_data(request):  # type: ignore[no-untyped-def]
    """Transactional tests start after another's flush: put the migrations' rows back."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        reinstall()


@pytest.fixture(autouse=True)
def _cache_cleared():  # type: ignore[no-untyped-def]
    """Each test starts with an empty cache: a token id reused by the next test must not
    inherit the last one's rate count (decision 061)."""
    cache.clear()


@dataclass
class Company:
    sales: Team
    east: Team
    east_sub: Team
    south: Team
    admin: User
    manager_east: User
    rep_east: User
    rep_east_sub: User
    rep_south: User
    finance: User
    viewer: User


@pytest.fixture
def company(db) -> Company:  # type: ignore[no-untyped-def]
    """Sales with East (and a sub-team under it) and South; one user per role."""
    sales = TeamFactory(name="Sales")
    east = TeamFactory(name="East", parent=sales)
    east_sub = TeamFactory(name="East-Shanghai", parent=east)
    south = TeamFactory(name="South", parent=sales)
    return Company(
        sales=sales,
        east=east,
        east_sub=east_sub,
        south=south,
        admin=UserFactory(username="admin1", team=sales, roles=["admin"]),
        manager_east=UserFactory(username="mgr_east", team=east, roles=["sales_manager"]),
        rep_east=UserFactory(username="rep_east", team=east, roles=["sales_rep"]),
        rep_east_sub=UserFactory(username="rep_sub", team=east_sub, roles=["sales_rep"]),
        rep_south=UserFactory(username="rep_south", team=south, roles=["sales_rep"]),
        finance=UserFactory(username="fin", team=None, roles=["finance"]),
        viewer=UserFactory(username="viewer", team=None, roles=["viewer"]),
    )


@pytest.fixture
def customers(company: Company):  # type: ignore[no-untyped-def]
    """One customer owned by each rep, keyed by the owner's username."""
    return {
        user.username: CustomerFactory(owner=user)
        for user in (company.rep_east, company.rep_east_sub, company.rep_south)
    }
