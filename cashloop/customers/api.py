"""Customer, contact and interaction endpoints: /api/v1/customers, /contacts, /interactions."""

from typing import Any

from django.http import HttpRequest
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from cashloop.core.pagination import paginated
from cashloop.core.schemas import AuditEntryOut
from cashloop.core.scoping import require
from cashloop.customers import selectors, services
from cashloop.customers.models import Customer, PoolSettings
from cashloop.customers.overview import customer_360_get
from cashloop.customers.schemas import (
    AssignIn,
    ContactIn,
    ContactOut,
    ContactPatch,
    Customer360Out,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    DuplicateCandidateOut,
    HandOverIn,
    HandOverOut,
    InteractionIn,
    InteractionOut,
    InteractionPatch,
    MergeIn,
    MergeOut,
    PoolCustomerOut,
    PoolSettingsIn,
    PoolSettingsOut,
    ReleaseIn,
)
from cashloop.customfields.selectors import custom_filtered, filters_from
from cashloop.imports.reading import MAX_MB
from cashloop.imports.services import import_job_create_and_run

customers_router = Router(tags=["customers"])
contacts_router = Router(tags=["contacts"])
interactions_router = Router(tags=["interactions"])


class CustomerFilter(Schema):
    q: str = ""
    status: str = ""
    owner_id: int | None = None
    tag: str = ""
    group_id: int | None = None


@customers_router.get("", response=list[CustomerOut])
@paginated(
    sorts=("code", "name", "created_at", "updated_at", "last_interaction_at"), default="code"
)
def customer_list(request: HttpRequest, filters: Query[CustomerFilter]) -> Any:
    """Customers you may see; custom fields filter as `cf_<key>=` and `cf_<key>__gte/lte=`."""
    wanted = filters.dict()
    group_id = wanted.pop("group_id")
    rows = selectors.customer_list(user=request.user, custom=filters_from(request.GET), **wanted)
    return rows if group_id is None else rows.filter(group_id=group_id)


@customers_router.post("", response={201: CustomerOut})
def customer_create(request: HttpRequest, payload: CustomerIn) -> Any:
    return Status(201, services.customer_create(actor=request.user, **payload.dict()))


class DuplicateQuery(Schema):
    name: str = ""
    tax_id: str = ""
    phone: str = ""
    email: str = ""
    exclude_id: int | None = None


@customers_router.get("/duplicates", response=list[DuplicateCandidateOut])
def customer_duplicates(request: HttpRequest, query: Query[DuplicateQuery]) -> Any:
    """Existing customers of the whole company that look like the one described."""
    candidates = selectors.customer_duplicates(user=request.user, **query.dict())
    return selectors.duplicate_details(candidates)


class ImportOut(Schema):
    created: int
    ids: list[int]


@customers_router.post("/import", response={201: ImportOut})
def customer_import(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """Create customers from a CSV or .xlsx file at once, through the import wizard's
    customers kind (decision 069): all rows or none.  A bad file answers 422
    `import.invalid_rows` with every bad row's line, column, code and message in
    `details.rows`.  To preview first, or import the valid rows only, use /imports."""
    require(request.user, "add", Customer)
    job = import_job_create_and_run(
        actor=request.user,
        kind="customers",
        file_name=file.name or "customers.csv",
        content=file.read(MAX_MB * 1024 * 1024 + 1),
    )
    ids = list(job.records.order_by("pk").values_list("object_id", flat=True))
    return Status(201, {"created": len(ids), "ids": ids})


@customers_router.post("/hand-over", response={201: HandOverOut})
def customer_hand_over(request: HttpRequest, payload: HandOverIn) -> Any:
    """Move one, several or all customers (and their open work) from one person to another."""
    return Status(201, services.customer_hand_over(actor=request.user, **payload.dict()))


@customers_router.get("/hand-overs", response=list[HandOverOut])
@paginated(sorts=("at",), default="-at")
def customer_hand_overs(request: HttpRequest) -> Any:
    return selectors.hand_over_list(user=request.user)


class PoolFilter(Schema):
    q: str = ""
    tag: str = ""


@customers_router.get("/pool", response=list[PoolCustomerOut])
@paginated(sorts=("last_interaction_at", "code", "name"), default="-last_interaction_at,code")
def customer_pool(request: HttpRequest, filters: Query[PoolFilter]) -> Any:
    """Customers in the public pool (公海): basic data only, for everyone who may claim."""
    return selectors.pool_list(user=request.user, **filters.dict())


@customers_router.get("/pool/settings", response=PoolSettingsOut)
def pool_settings(request: HttpRequest) -> Any:
    require(request.user, "claim", Customer)
    return PoolSettings.current()


@customers_router.patch("/pool/settings", response=PoolSettingsOut)
def pool_settings_update(request: HttpRequest, payload: PoolSettingsIn) -> Any:
    return services.pool_settings_update(
        actor=request.user, changes=payload.dict(exclude_unset=True)
    )


@customers_router.get("/{customer_id}", response=CustomerOut)
def customer_detail(request: HttpRequest, customer_id: int) -> Any:
    return selectors.customer_get(user=request.user, customer_id=customer_id)


@customers_router.get("/{customer_id}/overview", response=Customer360Out)
def customer_overview(request: HttpRequest, customer_id: int) -> Any:
    """The customer 360: figures and the first rows of every section you may read."""
    return customer_360_get(user=request.user, customer_id=customer_id)


@customers_router.patch("/{customer_id}", response=CustomerOut)
def customer_update(request: HttpRequest, customer_id: int, payload: CustomerPatch) -> Any:
    changes = payload.dict(exclude_unset=True)
    confirm = bool(changes.pop("confirm_duplicate", False))
    services.customer_update(
        actor=request.user, customer_id=customer_id, changes=changes, confirm_duplicate=confirm
    )
    return selectors.customer_get(user=request.user, customer_id=customer_id)


@customers_router.delete("/{customer_id}", response={204: None})
def customer_delete(request: HttpRequest, customer_id: int) -> Any:
    services.customer_delete(actor=request.user, customer_id=customer_id)
    return Status(204, None)


@customers_router.get("/{customer_id}/history", response=list[AuditEntryOut])
@paginated(sorts=("at",), default="-at")
def customer_history(request: HttpRequest, customer_id: int) -> Any:
    return selectors.customer_history(user=request.user, customer_id=customer_id)


class ContactFilter(Schema):
    customer_id: int | None = None
    q: str = ""


@contacts_router.get("", response=list[ContactOut])
@paginated(sorts=("name", "created_at"), default="name")
def contact_list(request: HttpRequest, filters: Query[ContactFilter]) -> Any:
    rows = selectors.contact_list(user=request.user, **filters.dict())
    return custom_filtered(rows, user=request.user, params=request.GET)


@contacts_router.post("", response={201: ContactOut})
def contact_create(request: HttpRequest, payload: ContactIn) -> Any:
    return Status(201, services.contact_create(actor=request.user, **payload.dict()))


@contacts_router.get("/{contact_id}", response=ContactOut)
def contact_detail(request: HttpRequest, contact_id: int) -> Any:
    return selectors.contact_get(user=request.user, contact_id=contact_id)


@contacts_router.patch("/{contact_id}", response=ContactOut)
def contact_update(request: HttpRequest, contact_id: int, payload: ContactPatch) -> Any:
    return services.contact_update(
        actor=request.user, contact_id=contact_id, changes=payload.dict(exclude_unset=True)
    )


@contacts_router.delete("/{contact_id}", response={204: None})
def contact_delete(request: HttpRequest, contact_id: int) -> Any:
    services.contact_delete(actor=request.user, contact_id=contact_id)
    return Status(204, None)


class InteractionFilter(Schema):
    customer_id: int | None = None


@interactions_router.get("", response=list[InteractionOut])
@paginated(sorts=("occurred_at", "next_step_date", "created_at"), default="-occurred_at")
def interaction_list(request: HttpRequest, filters: Query[InteractionFilter]) -> Any:
    return selectors.interaction_list(user=request.user, **filters.dict())


@interactions_router.get("/todo", response=list[InteractionOut])
@paginated(sorts=("next_step_date", "occurred_at"), default="next_step_date,occurred_at")
def interaction_todo(request: HttpRequest) -> Any:
    """Open next steps of my customers (my teams' for managers), overdue first."""
    return selectors.interaction_todo(user=request.user)


@interactions_router.post("", response={201: InteractionOut})
def interaction_create(request: HttpRequest, payload: InteractionIn) -> Any:
    interaction = services.interaction_create(actor=request.user, **payload.dict())
    return Status(201, selectors.interaction_get(user=request.user, interaction_id=interaction.pk))


@interactions_router.get("/{interaction_id}", response=InteractionOut)
def interaction_detail(request: HttpRequest, interaction_id: int) -> Any:
    return selectors.interaction_get(user=request.user, interaction_id=interaction_id)


@interactions_router.patch("/{interaction_id}", response=InteractionOut)
def interaction_update(request: HttpRequest, interaction_id: int, payload: InteractionPatch) -> Any:
    services.interaction_update(
        actor=request.user, interaction_id=interaction_id, changes=payload.dict(exclude_unset=True)
    )
    return selectors.interaction_get(user=request.user, interaction_id=interaction_id)


@interactions_router.post("/{interaction_id}/done", response=InteractionOut)
def interaction_done(request: HttpRequest, interaction_id: int) -> Any:
    """Mark the interaction's next step done."""
    services.interaction_next_step_done(actor=request.user, interaction_id=interaction_id)
    return selectors.interaction_get(user=request.user, interaction_id=interaction_id)


@customers_router.post("/{customer_id}/claim", response=CustomerOut)
def customer_claim(request: HttpRequest, customer_id: int) -> Any:
    """Claim a customer from the public pool."""
    services.customer_claim(actor=request.user, customer_id=customer_id)
    return selectors.customer_get(user=request.user, customer_id=customer_id)


@customers_router.post("/{customer_id}/release", response=CustomerOut)
def customer_release(request: HttpRequest, customer_id: int, payload: ReleaseIn) -> Any:
    """Give a customer back to the public pool."""
    return services.customer_release(
        actor=request.user, customer_id=customer_id, reason=payload.reason
    )


@customers_router.post("/{customer_id}/assign", response=CustomerOut)
def customer_assign(request: HttpRequest, customer_id: int, payload: AssignIn) -> Any:
    """Give a pool customer to a rep (managers, admins)."""
    return services.customer_pool_assign(
        actor=request.user, customer_id=customer_id, user_id=payload.user_id
    )


@customers_router.post("/{customer_id}/merge", response={201: MergeOut})
def customer_merge(request: HttpRequest, customer_id: int, payload: MergeIn) -> Any:
    """Merge this customer into `survivor_id`: everything moves, this one is marked merged."""
    merge = services.customer_merge(
        actor=request.user,
        survivor_id=payload.survivor_id,
        duplicate_id=customer_id,
        reason=payload.reason,
    )
    return Status(201, merge)
