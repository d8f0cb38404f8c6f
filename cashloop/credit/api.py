"""Credit endpoints under /api/v1/credit: a customer's credit (limit, exposure, available,
score, holds), placing holds, asking their release and a limit change (through approval),
the open holds, risk signals (recorded one by one or from a CSV), and the admin's score
band policies, group limits and credit settings."""

from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Status
from ninja.files import UploadedFile

from cashloop.core.errors import DomainError
from cashloop.core.pagination import paginated
from cashloop.core.scoping import require
from cashloop.credit import selectors, services
from cashloop.credit.errors import CreditError
from cashloop.credit.models import CreditHold, CreditSettings, GroupCreditLimit
from cashloop.credit.schemas import (
    CreditBandIn,
    CreditBandOut,
    CreditOut,
    CreditSettingsIO,
    GroupCreditLimitIn,
    GroupCreditLimitOut,
    HoldIn,
    HoldOut,
    HoldReleaseIn,
    LimitChangeOut,
    LimitIn,
    SignalIn,
    SignalOut,
)
from cashloop.credit.scoring import explanation_text, score_summary
from cashloop.credit.signals import risk_signals_import

router = Router(tags=["credit"])


@router.get("/customers/{customer_id}", response=CreditOut)
def credit_get(request: HttpRequest, customer_id: int) -> Any:
    require(request.user, "view", CreditHold)
    credit = selectors.customer_credit(user=request.user, customer_id=customer_id)
    if credit is None:
        raise DomainError(CreditError.CUSTOMER_NOT_FOUND)
    position = credit["position"]
    return {
        "customer_id": customer_id,
        "limit": position.limit,
        "currency": position.currency,
        "exposure": position.exposure.total,
        "receivables": position.exposure.receivables,
        "contracted": position.exposure.contracted,
        "quotes": position.exposure.quotes,
        "available": position.available,
        "on_hold": position.hold is not None,
        "score": position.score,
        "score_summary": score_summary(position.score, position.score_explained),
        "explanation": [
            {"code": item["code"], "points": item["points"], "text": explanation_text(item)}
            for item in position.score_explained
        ],
        "holds": credit["holds"],
    }


@router.post("/customers/{customer_id}/holds", response={201: HoldOut})
def hold_place(request: HttpRequest, customer_id: int, payload: HoldIn) -> Any:
    return Status(
        201,
        services.credit_hold_place(
            actor=request.user,
            customer_id=customer_id,
            reason=payload.reason,
            source=payload.source,
        ),
    )


@router.post("/customers/{customer_id}/release", response=list[HoldOut])
def hold_release(request: HttpRequest, customer_id: int, payload: HoldReleaseIn) -> Any:
    return services.credit_hold_release_request(
        actor=request.user, customer_id=customer_id, reason=payload.reason
    )


@router.post("/customers/{customer_id}/limit", response={201: LimitChangeOut})
def limit_change(request: HttpRequest, customer_id: int, payload: LimitIn) -> Any:
    return Status(
        201,
        services.credit_limit_change_request(
            actor=request.user, customer_id=customer_id, **payload.dict()
        ),
    )


@router.get("/holds", response=list[HoldOut])
@paginated(sorts=("placed_at", "released_at"), default="-placed_at")
def hold_list(request: HttpRequest, open: bool = True) -> Any:
    return selectors.holds_list(user=request.user, open_only=open)


@router.get("/signals", response=list[SignalOut])
@paginated(sorts=("date", "severity", "created_at"), default="-date")
def signal_list(request: HttpRequest, customer_id: int | None = None) -> Any:
    return selectors.signals_list(user=request.user, customer_id=customer_id)


@router.post("/signals", response={201: SignalOut})
def signal_create(request: HttpRequest, payload: SignalIn) -> Any:
    return Status(
        201,
        services.risk_signal_create(actor=request.user, signal=services.SignalIn(**payload.dict())),
    )


@router.post("/signals/import", response={201: list[SignalOut]})
def signal_import(request: HttpRequest, file: File[UploadedFile]) -> Any:
    return Status(201, risk_signals_import(actor=request.user, data=file.read()))


# --- score bands, group limits and settings (admin) ------------------------------------------


@router.get("/bands", response=list[CreditBandOut])
def band_list(request: HttpRequest) -> Any:
    """Score band policies: defaults of new quotes and contracts, lower limits."""
    return selectors.band_list(user=request.user)


def _band(payload: CreditBandIn) -> services.BandIn:
    return services.BandIn(**payload.dict())


@router.post("/bands", response={201: CreditBandOut})
def band_create(request: HttpRequest, payload: CreditBandIn) -> Any:
    return Status(201, services.credit_band_save(actor=request.user, band=_band(payload)))


@router.put("/bands/{band_id}", response=CreditBandOut)
def band_update(request: HttpRequest, band_id: int, payload: CreditBandIn) -> Any:
    return services.credit_band_save(actor=request.user, band=_band(payload), band_id=band_id)


@router.delete("/bands/{band_id}", response={204: None})
def band_delete(request: HttpRequest, band_id: int) -> Any:
    services.credit_band_delete(actor=request.user, band_id=band_id)
    return Status(204, None)


def _group_out(row: GroupCreditLimit) -> dict[str, Any]:
    return {
        "group_id": row.group_id,
        "group": row.group.name,
        "limit": row.limit,
        "currency": row.currency,
    }


@router.get("/group-limits", response=list[GroupCreditLimitOut])
def group_limit_list(request: HttpRequest) -> Any:
    """The default limits of customer groups."""
    return [_group_out(row) for row in selectors.group_limit_list(user=request.user)]


@router.put("/group-limits/{group_id}", response={200: GroupCreditLimitOut, 204: None})
def group_limit_set(request: HttpRequest, group_id: int, payload: GroupCreditLimitIn) -> Any:
    """Set a group's default limit; an empty `limit` removes it (204)."""
    row = services.credit_group_limit_set(
        actor=request.user, group_id=group_id, limit=payload.limit, currency=payload.currency
    )
    return Status(204, None) if row is None else _group_out(row)


@router.get("/settings", response=CreditSettingsIO)
def settings_get(request: HttpRequest) -> Any:
    require(request.user, "view", CreditSettings)
    return selectors.credit_settings()


@router.put("/settings", response=CreditSettingsIO)
def settings_put(request: HttpRequest, payload: CreditSettingsIO) -> Any:
    """What counts in the exposure and when overdue items hold (decision 048)."""
    return services.credit_settings_update(actor=request.user, **payload.dict())
